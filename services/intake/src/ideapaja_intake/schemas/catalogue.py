"""What the forms choose from: units and departments, categories and benefit kinds."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ideapaja_contracts.events.hr import UnitKind
from ideapaja_intake.domain.categories import BENEFIT_LABELS, Category
from ideapaja_intake.domain.submission import BenefitKind


class UnitPublic(BaseModel):
    """A unit or department, as HR describes it."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="The unit's id (HR's)")
    kind: UnitKind = Field(description="unit or department")
    parent_id: str | None = Field(description="The department a unit belongs to; null for a top")
    name_fi: str = Field(description="Name in Finnish")
    name_sv: str = Field(description="Name in Swedish")
    name_en: str = Field(description="Name in English")


class CategoryPublic(BaseModel):
    """An idea category."""

    model_config = ConfigDict(from_attributes=True)

    id: str = Field(description="The category's id (an idea's category)")
    fi: str = Field(description="Name in Finnish")
    sv: str = Field(description="Name in Swedish")
    en: str = Field(description="Name in English")


class BenefitKindPublic(BaseModel):
    """A kind of benefit an idea can bring."""

    id: BenefitKind = Field(description="The benefit kind (an idea's benefit_kinds)")
    fi: str = Field(description="Name in Finnish")
    sv: str = Field(description="Name in Swedish")
    en: str = Field(description="Name in English")


class Catalogue(BaseModel):
    """What the forms choose from."""

    categories: list[CategoryPublic] = Field(description="The configured categories, in order")
    benefit_kinds: list[BenefitKindPublic] = Field(description="Every benefit kind")

    @classmethod
    def of(cls, categories: list[Category]) -> Catalogue:
        return cls(
            categories=[CategoryPublic.model_validate(c) for c in categories],
            benefit_kinds=[
                BenefitKindPublic(id=kind, **BENEFIT_LABELS[kind]) for kind in BenefitKind
            ],
        )
