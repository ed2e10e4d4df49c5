"""Idempotency keys and request fingerprints."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideapaja_intake.domain.idempotency import InvalidIdempotencyKey, checked_key, fingerprint


@given(st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=255))
def test_printable_ascii_keys_are_accepted(key: str) -> None:
    assert checked_key(key) == key


@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "ääkkönen", "tab\there", "nl\n"])
def test_other_keys_are_refused(key: str) -> None:
    with pytest.raises(InvalidIdempotencyKey):
        checked_key(key)


def test_no_key_means_no_idempotency() -> None:
    assert checked_key(None) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=6))
def test_field_order_does_not_change_the_fingerprint(content: dict[str, object]) -> None:
    reordered = dict(reversed(list(content.items())))
    assert fingerprint("POST /ideas", content) == fingerprint("POST /ideas", reordered)


def test_other_content_or_operation_changes_the_fingerprint() -> None:
    base = fingerprint("POST /ideas", {"title": "a"})
    assert base != fingerprint("POST /ideas", {"title": "b"})
    assert base != fingerprint("POST /ideas/form", {"title": "a"})
    assert len(base) == 64
