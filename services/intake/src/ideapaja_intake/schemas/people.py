"""Colleagues as the idea form offers them as co-authors: a name and a unit, nothing more."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PersonPublic(BaseModel):
    """A colleague in the city's service, as HR names them: no contact details."""

    id: str = Field(description="The person's id: what co_author_ids takes")
    display_name: str = Field(description="Their name as HR gives it")
    unit_id: str = Field(description="The unit they work in (GET /units)")
    unit_name_fi: str = Field(description="Their unit's name in Finnish; empty if HR has none")
    unit_name_sv: str = Field(description="Their unit's name in Swedish; empty if HR has none")
    unit_name_en: str = Field(description="Their unit's name in English; empty if HR has none")

    @classmethod
    def of(cls, row: Any) -> PersonPublic:
        return cls(
            id=row.person_id,
            display_name=row.display_name,
            unit_id=row.unit_id,
            unit_name_fi=row.name_fi or "",
            unit_name_sv=row.name_sv or "",
            unit_name_en=row.name_en or "",
        )
