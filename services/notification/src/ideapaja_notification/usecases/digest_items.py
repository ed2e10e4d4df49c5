"""A notice kept for its recipient's daily or weekly digest instead of an e-mail of its own."""

from __future__ import annotations

from typing import Any

from ideapaja_contracts import Envelope
from ideapaja_notification.db.models import DigestItem
from ideapaja_notification.domain.deliveries import cause_key, delivery_id
from ideapaja_notification.domain.notices import Notice
from ideapaja_notification.domain.preferences import Frequency
from ideapaja_runtime.db import insert_unless_present
from ideapaja_runtime.uow import UnitOfWork

_TITLE_MAX = 500


async def add_digest_item(
    uow: UnitOfWork[Any],
    cause: Envelope,
    notice: Notice,
    frequency: Frequency,
    *,
    idea_id: str | None,
) -> bool:
    """Keep ``notice`` for the recipient's next ``frequency`` digest; False if this event
    already did (the id is derived from the event, person and kind, like a delivery's)."""
    cause_id = cause_key(cause.id)
    new_id = delivery_id(cause_id, notice.person_id, f"digest:{notice.template.value}")
    return await insert_unless_present(
        uow.session,
        DigestItem.__table__,
        {
            "id": new_id,
            "person_id": notice.person_id,
            "kind": notice.template.value,
            "frequency": frequency.value,
            "idea_id": idea_id,
            "title": notice.subject[:_TITLE_MAX],
            "text": notice.summary,
            "cause_event_id": cause_id,
            "created_at": uow.now,
        },
    )
