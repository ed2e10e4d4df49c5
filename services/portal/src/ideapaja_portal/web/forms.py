"""A service's 422 answer, turned into messages beside the fields they concern, in the person's
language (the services speak English to programs; people get their own language)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ideapaja_portal.apis import ServiceError
from ideapaja_portal.i18n import Texts

GENERAL = "_form"


def field_messages(
    texts: Texts, error: ServiceError, typed: Mapping[str, Any] | None = None
) -> dict[str, str]:
    """Field name → what to fix. A 422 without field details lands on the whole form; any other
    refusal is not the form's to show and is raised again (the friendly error pages).

    ``typed``: what the person sent, by field. A text left blank is "required" there: the
    service only says it is shorter than its minimum, and "too short" puzzles someone who wrote
    nothing."""
    if error.status != 422:
        raise error
    found = {
        field: message_of(texts, "missing" if _left_blank(typed, field, kind) else kind)
        for field, kind in error.field_errors.items()
    }
    if not found:
        found[GENERAL] = texts.gettext("Check the form: something in it was not accepted.")
    return found


def _left_blank(typed: Mapping[str, Any] | None, field: str, kind: str) -> bool:
    value = typed.get(field) if typed is not None else None
    return kind == "string_too_short" and isinstance(value, str) and not value.strip()


def message_of(texts: Texts, kind: str) -> str:
    """What to fix, in the person's words, for a validation error's ``type``."""
    if kind == "missing":
        return texts.gettext("This field is required.")
    if kind == "string_too_short":
        return texts.gettext("This is too short.")
    if kind == "string_too_long":
        return texts.gettext("This is too long.")
    if kind in ("literal_error", "enum"):
        return texts.gettext("Choose one of the options.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return texts.gettext("Give a whole number.")
    if kind in ("greater_than_equal", "greater_than"):
        return texts.gettext("This number is too small.")
    if kind in ("less_than_equal", "less_than"):
        return texts.gettext("This number is too large.")
    if kind == "unknown_person":
        return texts.gettext("Someone chosen is no longer in the city's service: remove them.")
    if kind == "self_invitation":
        return texts.gettext("You are the author already: remove yourself from the co-authors.")
    return texts.gettext("Check this field.")


def top_field_messages(texts: Texts, error: ServiceError) -> dict[str, str]:
    """As ``field_messages``, keyed by the top field: ``milestones.0.title`` → ``milestones``,
    ``scores.benefit`` → ``scores`` (a form shows one message per group of inputs)."""
    found: dict[str, str] = {}
    for field, message in field_messages(texts, error).items():
        found.setdefault(field.split(".")[0], message)
    return found


def last_field_messages(texts: Texts, error: ServiceError) -> dict[str, str]:
    """As ``field_messages``, keyed by the field's last part: ``members.0.role`` → ``role``."""
    return {field.split(".")[-1]: text for field, text in field_messages(texts, error).items()}


def one_field_messages(field: str, texts: Texts, error: ServiceError) -> dict[str, str]:
    """One message for a one-field form, keyed by the field's name."""
    return {field: next(iter(field_messages(texts, error).values()))}


def number_or_text(typed: str) -> int | str:
    """A whole number typed into a form, as a JSON number (the services read bodies strictly);
    anything else as typed, for the service to say what is wrong with it."""
    return int(typed) if typed.lstrip("-").isdigit() else typed
