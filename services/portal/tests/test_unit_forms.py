"""A service's 422 turned into words beside the fields: a field left blank is "required", not
"too short" (the service only knows the text is shorter than its minimum)."""

from __future__ import annotations

import pytest

from ideapaja_portal.apis import ServiceError
from ideapaja_portal.i18n import Texts
from ideapaja_portal.web.forms import field_messages, last_field_messages

pytestmark = pytest.mark.unit


def refused(**kinds: str) -> ServiceError:
    errors = [{"field": field, "type": kind} for field, kind in kinds.items()]
    return ServiceError("intake", 422, {"title": "Unprocessable", "errors": errors})


def test_a_blank_text_is_required_and_a_short_one_too_short() -> None:
    error = refused(title="string_too_short", problem="string_too_short", solution="missing")
    typed = {"title": "ab", "problem": "   ", "solution": None}

    assert field_messages(Texts("fi"), error, typed=typed) == {
        "title": "Tämä on liian lyhyt.",
        "problem": "Tämä kenttä on pakollinen.",
        "solution": "Tämä kenttä on pakollinen.",
    }


def test_without_what_was_typed_the_service_s_words_stand() -> None:
    assert field_messages(Texts("en"), refused(title="string_too_short")) == {
        "title": "This is too short."
    }


def test_a_refusal_that_is_no_422_is_not_the_form_s_to_show() -> None:
    with pytest.raises(ServiceError):
        field_messages(Texts("sv"), ServiceError("intake", 409, {"title": "Conflict"}), typed={})


def test_a_member_s_field_is_named_by_its_last_part() -> None:
    error = refused(**{"members.0.role": "enum", "name": "string_too_long"})

    assert last_field_messages(Texts("en"), error) == {
        "role": "Choose one of the options.",
        "name": "This is too long.",
    }
    assert last_field_messages(Texts("en"), refused()) == {
        "_form": "Check the form: something in it was not accepted."
    }
    with pytest.raises(ServiceError):
        last_field_messages(Texts("en"), ServiceError("review", 404, {"title": "Not found"}))
