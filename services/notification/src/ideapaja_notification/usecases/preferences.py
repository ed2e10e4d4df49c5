"""A person's preferences: how each kind of message is e-mailed to them (``domain/preferences``
says what may be chosen and what the defaults are). Only their own choices are stored; a kind
they never chose follows the default of the roles HR last gave them."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, delete, select

from ideapaja_notification.db.models import Contact, Preference
from ideapaja_notification.domain.kinds import TemplateId
from ideapaja_notification.domain.preferences import (
    Frequency,
    MandatoryKind,
    UnknownKind,
    can_turn_off,
    check_choice,
    default_for,
    effective,
    kind_named,
)
from ideapaja_notification.errors import PreferencesRefused
from ideapaja_runtime.uow import UnitOfWork


@dataclass(frozen=True)
class KindPreference:
    kind: TemplateId
    frequency: Frequency
    default: Frequency
    chosen: bool
    can_turn_off: bool


async def _roles_of(uow: UnitOfWork[Any], person_id: str) -> list[str] | None:
    contact = await uow.session.get(Contact, person_id)
    if contact is None or contact.roles is None:
        return None
    return [str(role) for role in contact.roles]


async def _choices_of(uow: UnitOfWork[Any], person_id: str) -> dict[str, Frequency]:
    rows = await uow.session.scalars(select(Preference).where(Preference.person_id == person_id))
    return {row.kind: Frequency(row.frequency) for row in rows.all()}


# Asked once per notice, and most people never chose: one statement built once (a missed
# ``session.get`` costs about 190 µs of CPU here, this about 80).
_PREFERENCES = Preference.__table__
_CHOICE = select(_PREFERENCES.c.frequency).where(
    _PREFERENCES.c.person_id == bindparam("person_id"), _PREFERENCES.c.kind == bindparam("kind")
)


async def frequency_for(
    uow: UnitOfWork[Any], person_id: str, kind: TemplateId, roles: Collection[str] | None
) -> Frequency:
    """How ``kind`` is e-mailed to ``person_id`` now: their choice, else the default of their
    HR ``roles`` (as the contacts projection holds them; None if HR never said)."""
    choice = await uow.session.scalar(_CHOICE, {"person_id": person_id, "kind": kind.value})
    chosen = Frequency(choice) if choice is not None else None
    return effective(kind, chosen, roles)


async def preferences_of(uow: UnitOfWork[Any], person_id: str) -> list[KindPreference]:
    """Every kind, with what applies to ``person_id``, its default and whether it may be off."""
    roles = await _roles_of(uow, person_id)
    choices = await _choices_of(uow, person_id)
    views = []
    for kind in TemplateId:
        chosen = choices.get(kind.value)
        views.append(
            KindPreference(
                kind=kind,
                frequency=effective(kind, chosen, roles),
                default=default_for(kind, roles),
                chosen=chosen is not None,
                can_turn_off=can_turn_off(kind),
            )
        )
    return views


async def update_preferences(
    uow: UnitOfWork[Any], person_id: str, changes: Mapping[str, Frequency | None]
) -> list[KindPreference]:
    """Set the kinds in ``changes`` (None: back to the default), leave the others. Nothing is
    changed if any kind is unknown or any choice not allowed: each is named in the refusal."""
    errors: list[dict[str, str]] = []
    valid: dict[TemplateId, Frequency | None] = {}
    for name, frequency in sorted(changes.items()):
        try:
            kind = kind_named(name)
            if frequency is not None:
                check_choice(kind, frequency)
        except UnknownKind as exc:
            errors.append(_error(name, str(exc), "unknown_kind"))
        except MandatoryKind as exc:
            errors.append(_error(name, str(exc), "cannot_turn_off"))
        else:
            valid[kind] = frequency
    if errors:
        raise PreferencesRefused(errors)
    session = uow.session
    for kind, frequency in valid.items():
        row = await session.get(Preference, (person_id, kind.value))
        if frequency is None:
            if row is not None:
                await session.delete(row)
        elif row is None:
            session.add(
                Preference(
                    person_id=person_id,
                    kind=kind.value,
                    frequency=frequency.value,
                    updated_at=uow.now,
                )
            )
        else:
            row.frequency = frequency.value
            row.updated_at = uow.now
    await session.flush()
    return await preferences_of(uow, person_id)


def _error(kind: str, message: str, error_type: str) -> dict[str, str]:
    return {"field": f"preferences.{kind}", "message": message, "type": error_type}


async def erase_preferences(uow: UnitOfWork[Any], person_id: str) -> None:
    await uow.session.execute(
        delete(Preference)
        .where(Preference.person_id == person_id)
        .execution_options(synchronize_session=False)
    )
