"""What the forms choose from: units and departments, categories and benefit kinds."""

from __future__ import annotations

from pydantic import BaseModel

from ideapaja_contracts.events.hr import UnitKind
from ideapaja_intake.db.models import Unit
from ideapaja_intake.domain.categories import BENEFIT_LABELS, Category
from ideapaja_intake.domain.submission import BenefitKind


class UnitPublic(BaseModel):
    id: str
    kind: UnitKind
    parent_id: str | None
    name_fi: str
    name_sv: str
    name_en: str

    @classmethod
    def of(cls, unit: Unit) -> UnitPublic:
        return cls(
            id=unit.id,
            kind=UnitKind(unit.kind),
            parent_id=unit.parent_id,
            name_fi=unit.name_fi,
            name_sv=unit.name_sv,
            name_en=unit.name_en,
        )


class CategoryPublic(BaseModel):
    id: str
    fi: str
    sv: str
    en: str

    @classmethod
    def of(cls, category: Category) -> CategoryPublic:
        return cls(id=category.id, fi=category.fi, sv=category.sv, en=category.en)


class BenefitKindPublic(BaseModel):
    id: BenefitKind
    fi: str
    sv: str
    en: str


class Catalogue(BaseModel):
    categories: list[CategoryPublic]
    benefit_kinds: list[BenefitKindPublic]

    @classmethod
    def of(cls, categories: list[Category]) -> Catalogue:
        return cls(
            categories=[CategoryPublic.of(c) for c in categories],
            benefit_kinds=[
                BenefitKindPublic(id=kind, **BENEFIT_LABELS[kind]) for kind in BenefitKind
            ],
        )
