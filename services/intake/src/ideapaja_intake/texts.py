"""What people read on the form pages, in their language: the page texts and field messages
(``domain/i18n.py``, English) through the message catalogs (``locale/<lang>/LC_MESSAGES/
messages.po``; ``python -m ideapaja_intake.catalogs update|check``). Also the language of an API
problem's ``detail`` when the request sends ``Accept-Language`` (fi/sv; English stays the
default)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ideapaja_intake.domain.i18n import (
    FIELD_MESSAGES,
    LANGUAGES,
    MESSAGES,
    choose_language,
    field_message_key,
)
from ideapaja_runtime.i18n import MessageCatalogs

CATALOGS = MessageCatalogs(Path(__file__).parent, project="Ideapaja intake")


def page_texts(language: str) -> dict[str, str]:
    """Every page text by key, in ``language``."""
    return {key: CATALOGS.gettext(language, message) for key, message in MESSAGES.items()}


def field_message(language: str, error_type: str, message: str = "", **context: Any) -> str:
    """What a person reads for a refused field of ``error_type`` (Pydantic's or ours), with the
    limits it names (``min_length``…) from the error's context."""
    text = CATALOGS.gettext(language, FIELD_MESSAGES[field_message_key(error_type, message)])
    try:
        return text % context if "%(" in text else text
    except (KeyError, TypeError, ValueError):
        return CATALOGS.gettext(language, FIELD_MESSAGES["invalid"])


def requested_language(accept_language: str | None) -> str | None:
    """The language an API caller asked for with Accept-Language, if one of ours (else None:
    problems stay in English)."""
    if not accept_language:
        return None
    language = choose_language(None, accept_language)
    tags = accept_language.lower()
    return language if language in LANGUAGES and language in tags else None


def translated_problem(
    accept_language: str | None, body: Mapping[str, Any], raw_errors: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """A problem body in the caller's language: each field error by its type, the detail
    rebuilt from them (or looked up in the catalogs as a whole)."""
    language = requested_language(accept_language)
    result = dict(body)
    if language is None or language == "en":
        return result
    errors = body.get("errors")
    if isinstance(errors, list) and errors:
        translated = []
        for index, error in enumerate(errors):
            raw = raw_errors[index] if raw_errors and index < len(raw_errors) else {}
            context = raw.get("ctx") or {}
            message = field_message(
                language, str(error.get("type", "")), str(error.get("message", "")), **context
            )
            translated.append({**error, "message": message})
        result["errors"] = translated
        result["detail"] = "; ".join(
            f"{e['field'] or '<body>'}: {e['message']}" for e in translated
        )
    elif isinstance(body.get("detail"), str):
        result["detail"] = CATALOGS.gettext(language, body["detail"])
    return result
