"""What the reliability workload must leave behind, derived from the workload's plan (who writes,
supports, comments on and decides each idea), the demo organisation HR imports (who holds which
role in which unit) and notification's rules (who is told of each event, and whether that notice
is e-mailed at once or waits for a digest under the default preferences of the person's roles).

Nobody in the workload sets a preference, so every recipient gets the defaults of their roles
(``ideapaja_notification.domain.preferences.default_for``: the low-priority kinds go into an
employee's daily digest, at once to change agents, supervisors, committee members and reward
approvers; every other kind at once). Daily digests are built at 07:00 Helsinki time for the
notices that arrived before it, so none is built from this run's notices while it runs: a
notice for a digest is an inbox item and a digest item, never a delivery of its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import cache

from ideapaja_contracts.events.hr import PersonUpserted
from ideapaja_notification.domain.kinds import TemplateId
from ideapaja_notification.domain.preferences import Frequency, default_for
from ideapaja_runner.hr_records import demo_csv_text, parse_organisation

# Review routes a unit-scope idea to the unit's change agents and supervisors (its authors
# never review their own idea): review/domain/routing.py.
SCREENER_ROLES = frozenset({"change_agent", "supervisor"})


@cache
def demo_people() -> dict[str, PersonUpserted]:
    """The people of the demo organisation (`ideapaja up --demo` imports it) by id."""
    org = parse_organisation(demo_csv_text(), source="demo")
    people = {}
    for record in org.persons:
        event = record.event
        assert isinstance(event, PersonUpserted)
        people[event.person_id] = event
    return people


def roles_of(person_id: str) -> list[str]:
    return [str(role) for role in demo_people()[person_id].roles]


def screeners(unit_id: str, authors: set[str]) -> list[str]:
    return [
        p.person_id
        for p in demo_people().values()
        if p.unit_id == unit_id
        and SCREENER_ROLES & {str(r) for r in p.roles}
        and p.person_id not in authors
    ]


def emailed_at_once(kind: TemplateId, person_id: str) -> bool:
    """Whether ``kind`` is e-mailed to ``person_id`` at once (else it waits for a digest)."""
    return default_for(kind, roles_of(person_id)) is Frequency.IMMEDIATELY


def notices(
    i: int, unit_id: str, author: str, agent: str, supporter: str
) -> Iterator[tuple[TemplateId, str]]:
    """(kind, recipient) of every notice idea ``i`` of the workload causes, once each."""
    # IdeaSubmitted: the receipt to its author (low priority).
    yield TemplateId.IDEA_RECEIVED, author
    # ScreeningStarted: the case on each screener's work list (mandatory: at once) and, to the
    # author, that screening began (low priority).
    for person in screeners(unit_id, {author}):
        yield TemplateId.CASE_TO_SCREEN, person
    yield TemplateId.IDEA_SCREENING_STARTED, author
    # IdeaCommented (every third idea, by the change agent): to the author, never to the
    # commenter (low priority).
    if i % 3 == 0 and agent != author:
        yield TemplateId.IDEA_COMMENTED, author
    # ReviewDecided (accepted): the decision to the author; to each supporter who is not an
    # author (every second idea has one), how the idea they supported was decided.
    yield TemplateId.IDEA_ACCEPTED, author
    if i % 2 == 0 and supporter != author:
        yield TemplateId.SUPPORTED_IDEA_DECIDED, supporter
    # RewardGranted twice (5 points for the submission, 50 for the acceptance): to the author.
    # Supports earn nothing and IdeaSupported tells nobody.
    yield TemplateId.REWARD_GRANTED, author
    yield TemplateId.REWARD_GRANTED, author


def notice_counts(plan: list[tuple[int, str, dict[str, str]]]) -> Counter[str]:
    """How many inbox items (every notice), e-mails at once and digest items the plan causes,
    and of each kind (``inbox:<kind>``, ``email:<kind>``), for the failure message."""
    counts: Counter[str] = Counter()
    for i, unit, people in plan:
        for kind, person in notices(
            i, unit, people["author"], people["agent"], people["supporter"]
        ):
            counts["inbox"] += 1
            counts[f"inbox:{kind.value}"] += 1
            if emailed_at_once(kind, person):
                counts["email"] += 1
                counts[f"email:{kind.value}"] += 1
            else:
                counts["digest"] += 1
    return counts
