"""A committee meeting's minutes as data, and their exports: JSON-ready dict, Markdown, CSV.

The Markdown and CSV minutes are a document people sign: everything in them is in the reader's
language (Finnish, Swedish or English through review's catalogs), numbers with that language's
decimal sign, the time in the city's time zone and people by name (``Localiser``). Authors
appear only by their pseudonym (``author_ref``), and a conflict of interest is listed with the
reason the member gave, never because the member is an author (that would reveal an anonymous
author).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
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


def N_(message: str) -> str:
    """Marks a message for the catalogs (translated where the minutes are written)."""
    return message


# Every text of the minutes by key, in English: translated by review's message catalogs
# (``ideapaja_review/locale``; ``python -m ideapaja_review.catalogs update|check``).
LABELS: Mapping[str, str] = {
    "minutes": N_("Minutes"),
    "committee": N_("Committee"),
    "meeting": N_("Meeting"),
    "scheduled": N_("Time"),
    "status": N_("Status"),
    "members": N_("Members"),
    "present": N_("Present"),
    "quorum": N_("Quorum (minimum scorers)"),
    "agenda": N_("Items handled"),
    "item": N_("Item"),
    "idea": N_("Idea"),
    "title": N_("Title"),
    "author": N_("Author (pseudonym)"),
    "conflicts": N_("Conflicts of interest"),
    "none": N_("none"),
    "scores": N_("Scores"),
    "member": N_("Member"),
    "weighted": N_("Weighted"),
    "comment": N_("Comment"),
    "mean": N_("Mean"),
    "decision": N_("Decision"),
    "rationale": N_("Rationale"),
    "decided_by": N_("Decided by"),
    "chair": N_("chair"),
    "secretary": N_("secretary"),
    "member_role": N_("member"),
    "pending": N_("Not handled"),
    "deferred": N_("Deferred"),
    "decided": N_("Decided"),
    "planned": N_("planned"),
    "closed": N_("closed"),
    "accepted": N_("Accepted"),
    "rejected": N_("Rejected"),
    "needs_info": N_("More information requested"),
    "duplicate": N_("Merged into another idea"),
    "forwarded": N_("Forwarded to another unit"),
    "case": N_("Case"),
}


@dataclass(frozen=True)
class Localiser:
    """How the minutes speak one language: its texts, numbers (two decimals, the language's
    decimal sign), times (local, in the city's time zone) and people's names (their id where
    HR gave none). ``ENGLISH`` is the plain one."""

    language: str = "en"
    gettext: Callable[[str], str] = str
    number: Callable[[float], str] = "{:.2f}".format
    moment: Callable[[datetime], str] = lambda value: value.isoformat(timespec="minutes")
    names: Mapping[str, str] = field(default_factory=dict)

    def text(self, key: str) -> str:
        return self.gettext(LABELS[key])

    def name(self, person_id: str) -> str:
        return self.names.get(person_id, person_id)

    def value(self, code: str) -> str:
        """A role, status or decision code in words."""
        key = "member_role" if code == "member" else code
        return self.text(key) if key in LABELS else code


ENGLISH = Localiser()


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


def as_dict(minutes: Minutes, names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """For programs: codes, not words (``member``, ``accepted``), times in ISO 8601, person ids,
    and ``names``: HR's name of each person the minutes mention."""
    data = asdict(minutes)
    data["names"] = dict(sorted((names or {}).items()))
    data["scheduled_at"] = minutes.scheduled_at.isoformat()
    for item in data["items"]:
        item["weighted_mean"] = _round(item["weighted_mean"])
        item["criterion_means"] = {k: _round(v) for k, v in item["criterion_means"].items()}
        for score in item["scores"]:
            score["weighted"] = _round(score["weighted"])
    return data


def _fmt(value: float | None, loc: Localiser) -> str:
    return "–" if value is None else loc.number(value)


def _conflicts(item: MinutesItem, loc: Localiser) -> str:
    """An item's conflicts of interest on one line: member and reason, or "none"."""
    listed = "; ".join(f"{loc.name(c.person_id)}: {c.reason}" for c in item.conflicts)
    return listed or loc.text("none")


def _cell(text: str) -> str:
    """Markdown table cells: no pipes or line breaks from user text."""
    return " ".join(text.replace("|", "/").split())


def _item_outcome(item: MinutesItem, loc: Localiser) -> str:
    return loc.value(item.decision) if item.decision else loc.value(item.status.value)


def to_markdown(minutes: Minutes, loc: Localiser = ENGLISH) -> str:
    """The minutes to read and sign, in ``loc``'s language: every value in words, numbers with
    the language's decimal sign, the time in the city's time zone, people by name."""
    t = loc.text
    members = ", ".join(
        f"{loc.name(person_id)} ({loc.value(role)})"
        for person_id, role in sorted(minutes.members.items())
    )
    lines = [
        f"# {t('minutes')}: {minutes.title}",
        "",
        f"- {t('committee')}: {minutes.committee_name} ({minutes.committee_id})",
        f"- {t('meeting')}: {minutes.meeting_id}",
        f"- {t('scheduled')}: {loc.moment(minutes.scheduled_at)}",
        f"- {t('status')}: {loc.value(minutes.status)}",
        f"- {t('quorum')}: {minutes.quorum}",
        f"- {t('members')}: {members}",
        f"- {t('present')}: {', '.join(map(loc.name, minutes.present_ids)) or t('none')}",
        "",
        f"## {t('agenda')}",
    ]
    for item in minutes.items:
        lines += [
            "",
            f"### {t('item')} {item.position}: {item.title}",
            "",
            f"- {t('idea')}: {item.idea_id} ({item.case_id})",
            f"- {t('author')}: {item.author_ref}",
            f"- {t('conflicts')}: {_conflicts(item, loc)}",
            f"- {t('status')}: {loc.value(item.status.value)}",
        ]
        if item.scores:
            lines += ["", f"#### {t('scores')}", "", *_score_table(minutes, item, loc)]
        if item.decision is not None:
            lines += [
                "",
                f"**{t('decision')}:** {loc.value(item.decision)}",
                "",
                f"**{t('rationale')}:** {item.rationale or ''}",
                "",
                f"{t('decided_by')}: {loc.name(item.decided_by) if item.decided_by else ''}",
            ]
    return "\n".join(lines) + "\n"


def _score_table(minutes: Minutes, item: MinutesItem, loc: Localiser) -> list[str]:
    keys = [c.key for c in minutes.criteria]
    header = [loc.text("member"), *(c.label(loc.language) for c in minutes.criteria)]
    header += [loc.text("weighted"), loc.text("comment")]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for score in item.scores:
        cells = [_cell(loc.name(score.person_id)), *(str(score.scores[k]) for k in keys)]
        cells += [_fmt(score.weighted, loc), _cell(score.comment)]
        lines.append("| " + " | ".join(cells) + " |")
    means = [f"**{loc.text('mean')}**", *(_fmt(item.criterion_means.get(k), loc) for k in keys)]
    means += [f"**{_fmt(item.weighted_mean, loc)}**", ""]
    lines.append("| " + " | ".join(means) + " |")
    return lines


def csv_table(minutes: Minutes, loc: Localiser = ENGLISH) -> tuple[list[str], list[list[object]]]:
    """The minutes as a sheet: the header, then one row per member's scoring and one mean row
    per item (items nobody scored get one row), so a spreadsheet can sort and total them. Every
    row repeats its item's conflicts of interest (last column), so a sorted or filtered sheet
    still shows them. Headings and values in ``loc``'s language, people by name. (Written out
    by the runtime's formula-safe CSV writer: titles and comments are people's text.)"""
    t = loc.text
    keys = [c.key for c in minutes.criteria]
    rows: list[list[object]] = []
    header = [
        t("item"),
        t("idea"),
        t("case"),
        t("title"),
        t("member"),
        *(c.label(loc.language) for c in minutes.criteria),
        t("weighted"),
        t("comment"),
        t("decision"),
        t("rationale"),
        t("conflicts"),
    ]
    for item in minutes.items:
        head = [item.position, item.idea_id, item.case_id, item.title]
        conflicts = _conflicts(item, loc)
        for score in item.scores:
            rows.append(
                [
                    *head,
                    loc.name(score.person_id),
                    *(score.scores[k] for k in keys),
                    _fmt(score.weighted, loc),
                    score.comment,
                    "",
                    "",
                    conflicts,
                ]
            )
        rows.append(
            [
                *head,
                t("mean"),
                *(_fmt(item.criterion_means.get(k), loc) for k in keys),
                _fmt(item.weighted_mean, loc),
                "",
                _item_outcome(item, loc),
                item.rationale or "",
                conflicts,
            ]
        )
    return header, rows
