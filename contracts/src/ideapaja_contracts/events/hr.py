"""Inbound organisation data from the city's HR system.

Published on one subject per record (``hr.unit.<id>``, ``hr.person.<id>``) into a stream that
keeps only the latest message per subject, so the stream is a compacted copy of the org chart
and erasing a person is deleting one subject.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import EmailStr, Field

from ideapaja_contracts.base import Event, Id, Language, ShortText


class HrRole(StrEnum):
    EMPLOYEE = "employee"
    CHANGE_AGENT = "change_agent"
    SUPERVISOR = "supervisor"
    COMMITTEE_MEMBER = "committee_member"
    REWARD_APPROVER = "reward_approver"
    MANAGEMENT = "management"


class UnitKind(StrEnum):
    DEPARTMENT = "department"
    UNIT = "unit"


class UnitUpserted(Event, aggregate="unit", name="upserted", subject_root="hr"):
    unit_id: Id
    kind: UnitKind
    parent_id: Id | None = None
    name_fi: ShortText
    name_sv: ShortText = ""
    name_en: ShortText = ""

    def aggregate_id(self) -> str:
        return self.unit_id


class PersonEvent(Event):
    person_id: Id

    def aggregate_id(self) -> str:
        return self.person_id


class PersonUpserted(PersonEvent, aggregate="person", name="upserted", subject_root="hr"):
    unit_id: Id
    display_name: ShortText
    email: EmailStr
    language: Language = "fi"
    roles: list[HrRole] = Field(default_factory=lambda: [HrRole.EMPLOYEE])


class PersonLeft(PersonEvent, aggregate="person", name="left", subject_root="hr"):
    """The person left the city's service; personal data is erased after retention."""

    left_on: ShortText
