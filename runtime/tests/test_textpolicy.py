"""The one text policy: control characters other than tab and line breaks are found wherever
they hide in a parsed body (values, keys, nested lists), and nothing else is."""

from __future__ import annotations

from ideapaja_runtime.textpolicy import fields_with_control_characters, has_control_characters


def test_tab_and_line_breaks_are_text_and_the_rest_is_not() -> None:
    assert not has_control_characters("rivi\n\trivi\r\nåäö – “quotes” \u202f")
    for bad in ("\x00", "\x07", "\x1b", "\x7f", "\x85", "\x9f"):
        assert has_control_characters(f"a{bad}b"), repr(bad)


def test_every_place_in_a_body_is_named() -> None:
    body = {
        "title": "ok",
        "body": "nul\x00",
        "items": ["ok", {"note": "esc\x1b"}],
        "bad\x01key": 1,
        "count": 3,
    }
    assert sorted(fields_with_control_characters(body)) == ["bad\x01key", "body", "items[1].note"]
    assert fields_with_control_characters("plain\x00") == ["body"]
    assert fields_with_control_characters(None) == []
