"""Idea categories: a list each city configures, with names in Finnish, Swedish and English."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ideapaja_intake.domain.submission import CATEGORY_PATTERN, BenefitKind


class Category(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=CATEGORY_PATTERN)
    fi: str = Field(min_length=1, max_length=100)
    sv: str = Field(min_length=1, max_length=100)
    en: str = Field(min_length=1, max_length=100)

    def label(self, language: str) -> str:
        return {"fi": self.fi, "sv": self.sv, "en": self.en}.get(language, self.fi)


DEFAULT_CATEGORIES = (
    Category(id="services", fi="Palvelut", sv="Tjänster", en="Services"),
    Category(id="ways_of_working", fi="Työtavat", sv="Arbetssätt", en="Ways of working"),
    Category(id="wellbeing", fi="Työhyvinvointi", sv="Arbetsvälbefinnande", en="Wellbeing at work"),
    Category(id="digital", fi="Digitalisaatio", sv="Digitalisering", en="Digitalisation"),
    Category(id="environment", fi="Ympäristö", sv="Miljö", en="Environment"),
    Category(id="savings", fi="Säästöt", sv="Besparingar", en="Savings"),
    Category(id="other", fi="Muu", sv="Annat", en="Other"),
)

BENEFIT_LABELS: dict[BenefitKind, dict[str, str]] = {
    BenefitKind.TIME: {"fi": "Ajansäästö", "sv": "Tidsbesparing", "en": "Time saved"},
    BenefitKind.MONEY: {"fi": "Kustannussäästö", "sv": "Kostnadsbesparing", "en": "Money saved"},
    BenefitKind.QUALITY: {"fi": "Laatu", "sv": "Kvalitet", "en": "Quality"},
    BenefitKind.WELLBEING: {"fi": "Työhyvinvointi", "sv": "Välbefinnande", "en": "Wellbeing"},
    BenefitKind.CUSTOMER: {
        "fi": "Asiakaskokemus",
        "sv": "Kundupplevelse",
        "en": "Customer experience",
    },
}
