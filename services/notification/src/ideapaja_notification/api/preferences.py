"""HTTP API: how the caller's own messages are e-mailed (the portal's notification settings)."""

from __future__ import annotations

from typing import Any

from ideapaja_notification.api.deps import NotificationUow
from ideapaja_notification.authz import POLICY
from ideapaja_notification.schemas import (
    KindPreferencePublic,
    PreferencesPublic,
    PreferencesUpdate,
)
from ideapaja_notification.usecases import preferences
from ideapaja_notification.usecases.preferences import KindPreference
from ideapaja_runtime.problems import PROBLEM_JSON, PROBLEM_SCHEMA
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/preferences", tags=["preferences"])

_EXAMPLE_MESSAGE = "idea_needs_info cannot be turned off (it asks you to act)"
_REFUSED_EXAMPLE = {
    "type": "about:blank",
    "status": 422,
    "title": "Invalid input",
    "detail": f"preferences.idea_needs_info: {_EXAMPLE_MESSAGE}",
    "errors": [
        {
            "field": "preferences.idea_needs_info",
            "message": _EXAMPLE_MESSAGE,
            "type": "cannot_turn_off",
        }
    ],
}
_PROBLEM_CONTENT: dict[str, Any] = PROBLEM_SCHEMA["content"][PROBLEM_JSON]  # type: ignore[index]
_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {
        "description": "An unknown kind, or off for a kind that cannot be turned off (each "
        "named in errors[].field as preferences.<kind>, type unknown_kind or cannot_turn_off); "
        "nothing was changed",
        "content": {PROBLEM_JSON: {**_PROBLEM_CONTENT, "example": _REFUSED_EXAMPLE}},
    }
}


def _public(views: list[KindPreference]) -> PreferencesPublic:
    return PreferencesPublic(
        kinds=[
            KindPreferencePublic(
                kind=view.kind.value,
                frequency=view.frequency,
                default=view.default,
                chosen=view.chosen,
                can_turn_off=view.can_turn_off,
            )
            for view in views
        ]
    )


@router.get(
    "/me",
    summary="How each kind of my messages is e-mailed",
    response_model=PreferencesPublic,
    **POLICY.route("preferences.read_own"),
)
async def read_my_preferences(uow: NotificationUow) -> PreferencesPublic:
    """Every kind of message with what applies to me (my choice, else the default of my HR
    roles), the default, and whether it can be turned off. The in-app inbox gets every
    message whatever is set here."""
    return _public(await preferences.preferences_of(uow, uow.person.person_id))


@router.put(
    "/me",
    summary="Change how some kinds of my messages are e-mailed",
    response_model=PreferencesPublic,
    responses=_REFUSED,
    **POLICY.route("preferences.update_own"),
)
async def update_my_preferences(body: PreferencesUpdate, uow: NotificationUow) -> PreferencesPublic:
    """A partial update: the kinds named get the setting given (null: back to the default),
    the others stay. Answers every kind, as GET does."""
    views = await preferences.update_preferences(uow, uow.person.person_id, body.preferences)
    return _public(views)
