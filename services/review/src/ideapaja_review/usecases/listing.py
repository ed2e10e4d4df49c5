"""Answering a list as one ``Page`` (CONTRIBUTING.md, "API conventions"): the route passes how an
item is shown (``item=XPublic.of``), the use case chooses the rows.

Lists selected whole are ``ideapaja_runtime.pagination.page_of``. ``page_from`` is for the lists
whose page is selected first and completed after (each case's reviewers, each practice's
adoptions, read for the page at once); ``page_of_computed`` for the lists computed rather than
selected (the change-agent network merges HR's roles with admins' assignments; workloads are
counted per reviewer), with the same keyset cursors."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from ideapaja_runtime.pagination import Key, Page, PageRequest, decode_cursor, encode_cursor

T = TypeVar("T")
R = TypeVar("R")


def page_from(
    page: PageRequest,
    items: Sequence[T],
    total: int,
    next_cursor: str | None,
    *,
    item: Callable[[T], R],
) -> Page[R]:
    """The page of ``items`` (already one page long), each shown by ``item``."""
    return Page[R](
        items=[item(i) for i in items], total=total, limit=page.limit, next_cursor=next_cursor
    )


def page_of_computed(
    items: Sequence[T],
    *,
    key: Callable[[T], tuple[Key, ...]],
    arity: int,
    page: PageRequest,
    item: Callable[[T], R],
) -> Page[R]:
    """One page of ``items`` in the order of ``key`` (unique per item, ``arity`` values long),
    each shown by ``item``, with the number of all items and the next page's cursor."""
    ordered = sorted(items, key=key)
    if page.cursor is not None:
        position = decode_cursor(page.cursor, arity)
        ordered = [i for i in ordered if key(i) > position]
    chosen = ordered[: page.limit]
    next_cursor = None
    if len(chosen) == page.limit and chosen:
        next_cursor = encode_cursor(*key(chosen[-1]))
    return page_from(page, chosen, len(items), next_cursor, item=item)
