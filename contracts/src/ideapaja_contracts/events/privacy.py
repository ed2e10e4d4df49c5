"""Data protection (GDPR): erasing a person's personal data everywhere (owned by privacy).

``ErasureRequested`` is the one instruction every service follows: remove or pseudonymise what it
holds on the person, in the transaction that handles the event. What a service must keep for a
legal reason (the audit trail of reviewers' decisions, payroll records) it keeps under the opaque
person id only. The event itself carries no personal data beyond that id.
"""

from __future__ import annotations

from enum import StrEnum

from ideapaja_contracts.base import Event, Id, ShortText


class ErasureBasis(StrEnum):
    # The person (or HR/an administrator on their behalf) asked for it.
    REQUEST = "request"
    # The retention period after the person left the city's service ran out.
    RETENTION = "retention"


class ErasureRequested(Event, aggregate="privacy", name="erasure_requested"):
    """Erase or pseudonymise what is held on ``person_id``; ideas stay, by a former employee."""

    erasure_id: Id
    person_id: Id
    # The person id of whoever asked; for retention, the privacy service itself.
    requested_by: Id
    # Why, in a few words (never the person's name: this event is kept in the stream).
    reason: ShortText
    basis: ErasureBasis

    def aggregate_id(self) -> str:
        return self.person_id
