"""A committee meeting's minutes as data, and their exports: JSON-ready dict, Markdown, CSV.

Headings come in Finnish, Swedish and English. Authors appear only by their pseudonym
(``author_ref``), and a conflict of interest is listed with the reason the member gave, never
because the member is an author (that would reveal an anonymous author).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from ideapaja_review.domain.committee import Criterion


class ItemStatus(StrEnum):
    PENDING = "pending"
    DECIDED = "decided"
    DEFERRED = "deferred"


LANGUAGES = ("fi", "sv", "en")

LABELS: Mapping[str, Mapping[str, str]] = {
    "fi": {
        "minutes": "Pöytäkirja",
        "committee": "Toimielin",
        "meeting": "Kokous",
        "scheduled": "Aika",
        "status": "Tila",
        "members": "Jäsenet",
        "present": "Läsnä",
        "quorum": "Päätösvaltaisuus (vähintään pisteyttäjää)",
        "agenda": "Käsitellyt asiat",
        "item": "Asia",
        "idea": "Aloite",
        "title": "Otsikko",
        "author": "Tekijä (tunniste)",
        "conflicts": "Esteellisyydet",
        "none": "ei",
        "scores": "Pisteytys",
        "member": "Jäsen",
        "weighted": "Painotettu",
        "comment": "Kommentti",
        "mean": "Keskiarvo",
        "decision": "Päätös",
        "rationale": "Perustelut",
        "decided_by": "Päättäjä",
        "chair": "puheenjohtaja",
        "secretary": "sihteeri",
        "member_role": "jäsen",
        "pending": "Ei käsitelty",
        "deferred": "Pantiin pöydälle",
        "decided": "Päätetty",
        "planned": "suunniteltu",
        "closed": "päättynyt",
        "accepted": "Hyväksytty",
        "rejected": "Hylätty",
        "needs_info": "Lisätietoja pyydetty",
        "duplicate": "Yhdistetty toiseen aloitteeseen",
        "forwarded": "Siirretty toiselle yksikölle",
    },
    "sv": {
        "minutes": "Protokoll",
        "committee": "Organ",
        "meeting": "Möte",
        "scheduled": "Tid",
        "status": "Status",
        "members": "Ledamöter",
        "present": "Närvarande",
        "quorum": "Beslutförhet (minst poängsättare)",
        "agenda": "Behandlade ärenden",
        "item": "Ärende",
        "idea": "Initiativ",
        "title": "Rubrik",
        "author": "Upphovsperson (kod)",
        "conflicts": "Jäv",
        "none": "inga",
        "scores": "Poängsättning",
        "member": "Ledamot",
        "weighted": "Viktad",
        "comment": "Kommentar",
        "mean": "Medelvärde",
        "decision": "Beslut",
        "rationale": "Motivering",
        "decided_by": "Beslutsfattare",
        "chair": "ordförande",
        "secretary": "sekreterare",
        "member_role": "ledamot",
        "pending": "Ej behandlat",
        "deferred": "Bordlagt",
        "decided": "Beslutat",
        "planned": "planerat",
        "closed": "avslutat",
        "accepted": "Godkänt",
        "rejected": "Avslaget",
        "needs_info": "Mer information begärd",
        "duplicate": "Sammanslaget med ett annat initiativ",
        "forwarded": "Vidarebefordrat till en annan enhet",
    },
    "en": {
        "minutes": "Minutes",
        "committee": "Committee",
        "meeting": "Meeting",
        "scheduled": "Time",
        "status": "Status",
        "members": "Members",
        "present": "Present",
        "quorum": "Quorum (minimum scorers)",
        "agenda": "Items handled",
        "item": "Item",
        "idea": "Idea",
        "title": "Title",
        "author": "Author (pseudonym)",
        "conflicts": "Conflicts of interest",
        "none": "none",
        "scores": "Scores",
        "member": "Member",
        "weighted": "Weighted",
        "comment": "Comment",
        "mean": "Mean",
        "decision": "Decision",
        "rationale": "Rationale",
        "decided_by": "Decided by",
        "chair": "chair",
        "secretary": "secretary",
        "member_role": "member",
        "pending": "Not handled",
        "deferred": "Deferred",
        "decided": "Decided",
        "planned": "planned",
        "closed": "closed",
        "accepted": "Accepted",
        "rejected": "Rejected",
        "needs_info": "More information requested",
        "duplicate": "Merged into another idea",
        "forwarded": "Forwarded to another unit",
    },
}


@dataclass(frozen=True)
class MemberScore:
    person_id: str
    scores: Mapping[str, int]
    weighted: float
    comment: str


@dataclass(frozen=True)
class Conflict:
    person_id: str
    reason: str


@dataclass(frozen=True)
class MinutesItem:
    position: int
    case_id: str
    idea_id: str
    title: str
    author_ref: str
    status: ItemStatus
    conflicts: Sequence[Conflict] = ()
    scores: Sequence[MemberScore] = ()
    criterion_means: Mapping[str, float | None] = field(default_factory=dict)
    weighted_mean: float | None = None
    decision: str | None = None
    rationale: str | None = None
    decided_by: str | None = None


@dataclass(frozen=True)
class Minutes:
    meeting_id: str
    committee_id: str
    committee_name: str
    title: str
    scheduled_at: datetime
    status: str
    quorum: int
    members: Mapping[str, str]  # person id → role
    present_ids: Sequence[str]
    criteria: Sequence[Criterion]
    items: Sequence[MinutesItem]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def as_dict(minutes: Minutes) -> dict[str, Any]:
    data = asdict(minutes)
    data["scheduled_at"] = minutes.scheduled_at.isoformat()
    for item in data["items"]:
        item["weighted_mean"] = _round(item["weighted_mean"])
        item["criterion_means"] = {k: _round(v) for k, v in item["criterion_means"].items()}
        for score in item["scores"]:
            score["weighted"] = _round(score["weighted"])
    return data


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _conflicts(item: MinutesItem, t: Mapping[str, str]) -> str:
    """An item's conflicts of interest on one line: member and reason, or "none"."""
    return "; ".join(f"{c.person_id}: {c.reason}" for c in item.conflicts) or t["none"]


def _cell(text: str) -> str:
    """Markdown table cells: no pipes or line breaks from user text."""
    return " ".join(text.replace("|", "/").split())


def to_markdown(minutes: Minutes, language: str = "fi") -> str:
    t = LABELS[language]
    role_label = {"chair": t["chair"], "secretary": t["secretary"], "member": t["member_role"]}
    lines = [
        f"# {t['minutes']}: {minutes.title}",
        "",
        f"- {t['committee']}: {minutes.committee_name} ({minutes.committee_id})",
        f"- {t['meeting']}: {minutes.meeting_id}",
        f"- {t['scheduled']}: {minutes.scheduled_at.isoformat(timespec='minutes')}",
        f"- {t['status']}: {t.get(minutes.status, minutes.status)}",
        f"- {t['quorum']}: {minutes.quorum}",
        f"- {t['members']}: "
        + ", ".join(
            f"{person_id} ({role_label.get(role, role)})"
            for person_id, role in sorted(minutes.members.items())
        ),
        f"- {t['present']}: {', '.join(minutes.present_ids) or t['none']}",
        "",
        f"## {t['agenda']}",
    ]
    for item in minutes.items:
        lines += [
            "",
            f"### {t['item']} {item.position}: {item.title}",
            "",
            f"- {t['idea']}: {item.idea_id} ({item.case_id})",
            f"- {t['author']}: {item.author_ref}",
            f"- {t['conflicts']}: {_conflicts(item, t)}",
            f"- {t['status']}: {t[item.status.value]}",
        ]
        if item.scores:
            keys = [c.key for c in minutes.criteria]
            header = [t["member"], *(c.label(language) for c in minutes.criteria)]
            header += [t["weighted"], t["comment"]]
            lines += [
                "",
                f"#### {t['scores']}",
                "",
                "| " + " | ".join(header) + " |",
                "|" + "---|" * len(header),
            ]
            for score in item.scores:
                cells = [score.person_id, *(str(score.scores[k]) for k in keys)]
                cells += [_fmt(score.weighted), _cell(score.comment)]
                lines.append("| " + " | ".join(cells) + " |")
            means = [f"**{t['mean']}**", *(_fmt(item.criterion_means.get(k)) for k in keys)]
            means += [f"**{_fmt(item.weighted_mean)}**", ""]
            lines.append("| " + " | ".join(means) + " |")
        if item.decision is not None:
            lines += [
                "",
                f"**{t['decision']}:** {t.get(item.decision, item.decision)}",
                "",
                f"**{t['rationale']}:** {item.rationale or ''}",
                "",
                f"{t['decided_by']}: {item.decided_by or ''}",
            ]
    return "\n".join(lines) + "\n"


def to_csv(minutes: Minutes, language: str = "fi") -> str:
    """One row per member's scoring, and one mean row per item (items nobody scored get one
    row), so a spreadsheet can sort and total them. Every row repeats its item's conflicts of
    interest (last column), so a sorted or filtered sheet still shows them."""
    t = LABELS[language]
    keys = [c.key for c in minutes.criteria]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            t["item"],
            t["idea"],
            "case_id",
            t["title"],
            t["member"],
            *(c.label(language) for c in minutes.criteria),
            t["weighted"],
            t["comment"],
            t["decision"],
            t["rationale"],
            t["conflicts"],
        ]
    )
    for item in minutes.items:
        decision = t.get(item.decision, item.decision) if item.decision else t[item.status.value]
        head = [item.position, item.idea_id, item.case_id, item.title]
        conflicts = _conflicts(item, t)
        for score in item.scores:
            writer.writerow(
                [
                    *head,
                    score.person_id,
                    *(score.scores[k] for k in keys),
                    _fmt(score.weighted),
                    score.comment,
                    "",
                    "",
                    conflicts,
                ]
            )
        writer.writerow(
            [
                *head,
                t["mean"],
                *(_fmt(item.criterion_means.get(k)) for k in keys),
                _fmt(item.weighted_mean),
                "",
                decision,
                item.rationale or "",
                conflicts,
            ]
        )
    return out.getvalue()
