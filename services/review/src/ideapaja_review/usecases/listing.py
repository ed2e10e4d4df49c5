"""Pages of lists that are computed rather than selected (the change-agent network merges HR's
roles with admins' assignments; workloads are counted per reviewer): the same keyset cursors as
``ideapaja_runtime.pagination.paginate``, over the computed list."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from ideapaja_runtime.pagination import Key, PageRequest, decode_cursor, encode_cursor

T = TypeVar("T")


def page_of_computed(
    items: Sequence[T], *, key: Callable[[T], tuple[Key, ...]], arity: int, page: PageRequest
) -> tuple[list[T], int, str | None]:
    """One page of ``items`` in the order of ``key`` (unique per item, ``arity`` values long),
    the number of all items, and the next page's cursor."""
    ordered = sorted(items, key=key)
    if page.cursor is not None:
        position = decode_cursor(page.cursor, arity)
        ordered = [item for item in ordered if key(item) > position]
    chosen = ordered[: page.limit]
    next_cursor = None
    if len(chosen) == page.limit and chosen:
        next_cursor = encode_cursor(*key(chosen[-1]))
    return chosen, len(items), next_cursor
