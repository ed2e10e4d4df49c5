"""The kinds of message this service sends, and the languages it writes them in (Vaasa is
bilingual: Finnish and Swedish; English for the rest)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

Language = Literal["fi", "sv", "en"]
LANGUAGES: tuple[Language, ...] = ("fi", "sv", "en")
# Finnish is the city's first language and the HR default.
DEFAULT_LANGUAGE: Language = "fi"


class TemplateId(StrEnum):
    """A message kind: its template, its inbox item's ``kind`` and its delivery's ``template``."""

    # To the idea's authors.
    IDEA_RECEIVED = "idea_received"
    IDEA_SCREENING_STARTED = "idea_screening_started"
    IDEA_ACCEPTED = "idea_accepted"
    IDEA_REJECTED = "idea_rejected"
    IDEA_NEEDS_INFO = "idea_needs_info"
    IDEA_DUPLICATE = "idea_duplicate"
    IDEA_FORWARDED = "idea_forwarded"
    REWARD_GRANTED = "reward_granted"
    IDEA_COMMENTED = "idea_commented"
    EXPERIMENT_STARTED = "experiment_started"
    EXPERIMENT_COMPLETED = "experiment_completed"
    IDEA_IMPLEMENTED = "idea_implemented"
    PRACTICE_PUBLISHED = "practice_published"
    PRACTICE_ADOPTED = "practice_adopted"
    PERIODIC_AWARD_WON = "periodic_award_won"
    # To the people who work on the idea: reviewers, reward approvers.
    CASE_TO_SCREEN = "case_to_screen"
    CASE_TO_REVIEW = "case_to_review"
    CASE_ESCALATED = "case_escalated"
    CASE_DEADLINE_NEAR = "case_deadline_near"
    AWARD_AWAITING_APPROVAL = "award_awaiting_approval"
    INFO_PROVIDED = "info_provided"
    # To the idea's supporters.
    SUPPORTED_IDEA_DECIDED = "supported_idea_decided"
    SUPPORTED_IDEA_IMPLEMENTED = "supported_idea_implemented"
    # To a committee's members.
    MEETING_SCHEDULED = "meeting_scheduled"
    SCORING_OPENED = "scoring_opened"
    MINUTES_PUBLISHED = "minutes_published"
    # To the supervisors and change agents of the unit the idea came from.
    UNIT_PRACTICE_ADOPTED = "unit_practice_adopted"


# The kinds that tell their recipient they wrote the idea: about an anonymous idea, only the
# recipient's own access report shows them. The rest go to reviewers, approvers, supporters,
# committee members and the idea's unit, and never name its authors.
AUTHOR_KINDS: frozenset[TemplateId] = frozenset(TemplateId) - {
    TemplateId.CASE_TO_SCREEN,
    TemplateId.CASE_TO_REVIEW,
    TemplateId.CASE_ESCALATED,
    TemplateId.CASE_DEADLINE_NEAR,
    TemplateId.AWARD_AWAITING_APPROVAL,
    TemplateId.INFO_PROVIDED,
    TemplateId.SUPPORTED_IDEA_DECIDED,
    TemplateId.SUPPORTED_IDEA_IMPLEMENTED,
    TemplateId.MEETING_SCHEDULED,
    TemplateId.SCORING_OPENED,
    TemplateId.MINUTES_PUBLISHED,
    TemplateId.UNIT_PRACTICE_ADOPTED,
}


# News its recipient waits for, or a request to act soon: the decision on their own idea (or a
# question about it), an escalated case, a deadline near, an award to approve, an answer to the
# reviewer's question, a committee's meeting or scoring. A queue of mail sends these first
# (``domain.deliveries.Priority``); every other notice (a receipt, screening begun, points, a
# comment, a new case on a work list) is news too, but not minutes-critical.
PROMPT_KINDS: frozenset[TemplateId] = frozenset(
    {
        TemplateId.IDEA_ACCEPTED,
        TemplateId.IDEA_REJECTED,
        TemplateId.IDEA_NEEDS_INFO,
        TemplateId.IDEA_DUPLICATE,
        TemplateId.IDEA_FORWARDED,
        TemplateId.CASE_ESCALATED,
        TemplateId.CASE_DEADLINE_NEAR,
        TemplateId.AWARD_AWAITING_APPROVAL,
        TemplateId.INFO_PROVIDED,
        TemplateId.MEETING_SCHEDULED,
        TemplateId.SCORING_OPENED,
    }
)


def language_or_default(language: str | None) -> Language:
    for known in LANGUAGES:
        if language == known:
            return known
    return DEFAULT_LANGUAGE
