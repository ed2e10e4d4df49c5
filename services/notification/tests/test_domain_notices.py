"""Who hears about a decision or a reward, and how a reward reads in each language."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideapaja_contracts.events.review import Decision
from ideapaja_contracts.events.reward import RewardKind
from ideapaja_notification.domain.notices import (
    DECISION_TEMPLATES,
    Recipient,
    UnknownRecipients,
    decision_notices,
    describe_reward,
    format_money,
    format_points,
    reachable,
    reward_notice,
)
from ideapaja_notification.domain.templates import REWARD_REASONS, TemplateId

NBSP = "\u00a0"

AINO = Recipient("p-1", "Aino Mäki", "aino@vaasa.example", "fi")
BRITA = Recipient("p-2", "Brita Ström", "brita@vaasa.example", "sv")
CHRIS = Recipient("p-3", "Chris Doe", "chris@vaasa.example", "en")
GONE = Recipient("p-4", "Gunnar Gone", "gunnar@vaasa.example", "fi", left=True)
CONTACTS = {r.person_id: r for r in (AINO, BRITA, CHRIS, GONE)}


def test_every_decision_has_a_template() -> None:
    assert set(DECISION_TEMPLATES) == set(Decision)


def test_reachable_keeps_order_drops_duplicates_and_people_who_left() -> None:
    assert reachable(["p-2", "p-1", "p-2", "p-4"], CONTACTS) == [BRITA, AINO]


def test_reachable_names_every_unknown_recipient() -> None:
    with pytest.raises(UnknownRecipients) as caught:
        reachable(["p-1", "p-x", "p-y"], CONTACTS)
    assert caught.value.person_ids == ["p-x", "p-y"]
    assert "p-x" in str(caught.value) and "p-y" in str(caught.value)


def test_decision_notice_per_author_in_each_authors_language() -> None:
    notices = decision_notices(
        decision=Decision.ACCEPTED,
        rationale="Erinomainen idea.",
        idea_title="Lainaamon pyöräparkki",
        recipients=[AINO, BRITA, CHRIS],
    )
    assert [(n.person_id, n.language, n.address) for n in notices] == [
        ("p-1", "fi", "aino@vaasa.example"),
        ("p-2", "sv", "brita@vaasa.example"),
        ("p-3", "en", "chris@vaasa.example"),
    ]
    assert {n.template for n in notices} == {TemplateId.IDEA_ACCEPTED}
    assert notices[0].subject == "Ideasi on hyväksytty: Lainaamon pyöräparkki"
    assert notices[1].subject == "Din idé har godkänts: Lainaamon pyöräparkki"
    assert notices[2].subject == "Your idea has been accepted: Lainaamon pyöräparkki"
    assert "Hej Brita Ström!" in notices[1].body
    assert "Erinomainen idea." in notices[1].body


def test_a_blank_rationale_is_shown_as_a_dash() -> None:
    [notice] = decision_notices(
        decision=Decision.REJECTED, rationale="  ", idea_title="X", recipients=[AINO]
    )
    assert "Perustelut:\n\u2013\n" in notice.body


@pytest.mark.parametrize(
    ("amount", "language", "expected"),
    [
        (Decimal("150"), "fi", f"150{NBSP}€"),
        (Decimal("1500.5"), "fi", f"1{NBSP}500,50{NBSP}€"),
        (Decimal("1500.5"), "sv", f"1{NBSP}500,50{NBSP}€"),
        (Decimal("1500.5"), "en", "€1,500.50"),
        (Decimal("99.999"), "en", "€100"),
    ],
)
def test_money_reads_as_in_each_language(amount: Decimal, language: str, expected: str) -> None:
    assert format_money(amount, "EUR", language) == expected  # type: ignore[arg-type]


def test_other_currencies_keep_their_code() -> None:
    assert format_money(Decimal("20"), "SEK", "sv") == f"20{NBSP}SEK"
    assert format_money(Decimal("20"), "SEK", "en") == "20 SEK"
    assert format_money(Decimal("20"), None, "fi") == f"20{NBSP}€"


def test_points_agree_in_number() -> None:
    assert format_points(1, "fi") == "1 piste"
    assert format_points(50, "fi") == "50 pistettä"
    assert format_points(50, "sv") == "50 poäng"
    assert format_points(1, "en") == "1 point"
    assert format_points(2, "en") == "2 points"


def test_each_reward_kind_is_described() -> None:
    assert describe_reward(RewardKind.POINTS, 10, Decimal(0), None, "sv") == "10 poäng"
    assert describe_reward(RewardKind.MONEY, 0, Decimal(200), "EUR", "fi") == f"200{NBSP}€"
    assert describe_reward(RewardKind.GIFT, 0, Decimal(30), "EUR", "sv") == (
        f"en gåva (värde 30{NBSP}€)"
    )
    assert describe_reward(RewardKind.GIFT, 0, Decimal(0), None, "fi") == "lahja"
    assert describe_reward(RewardKind.RECOGNITION, 0, Decimal(0), None, "fi") == "tunnustus"
    assert describe_reward(RewardKind.DAY_OFF, 0, Decimal(0), None, "sv") == "en extra ledig dag"


@given(amount=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_money_in_finnish_has_no_dot_and_ends_in_the_euro_sign(amount: Decimal) -> None:
    text = format_money(amount, "EUR", "fi")
    assert "." not in text and text.endswith(f"{NBSP}€")


def test_reward_notice_mentions_the_idea_only_when_known() -> None:
    with_title = reward_notice(
        recipient=BRITA,
        kind=RewardKind.MONEY,
        points=0,
        amount=Decimal("75"),
        currency="EUR",
        reason="Genomförd idé",
        idea_title="Cykelparkering",
    )
    assert with_title.subject == "Du har tilldelats en belöning"
    assert f"Du har tilldelats en belöning: 75{NBSP}€." in with_title.body
    assert "Idé: ”Cykelparkering”\nMotivering: Genomförd idé" in with_title.body
    without = reward_notice(
        recipient=AINO,
        kind=RewardKind.POINTS,
        points=50,
        amount=Decimal(0),
        currency=None,
        reason="Toteutettu idea",
        idea_title=None,
    )
    assert "Idea:" not in without.body
    assert "Sinulle on myönnetty palkkio: 50 pistettä." in without.body


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", "Peruste: Idea hyväksyttiin"),
        ("sv", "Motivering: Idén godkändes"),
        ("en", "Reason: Idea accepted"),
    ],
)
def test_reward_reasons_are_translated_by_their_code(language: str, expected: str) -> None:
    """Reasons travel as codes (RewardGranted.reason_code); the English text is only a fallback
    for a producer that sends no code."""

    def notice(reason: str, code: str) -> str:
        return reward_notice(
            recipient=replace(AINO, language=language),
            kind=RewardKind.POINTS,
            points=50,
            amount=Decimal(0),
            currency=None,
            reason=reason,
            reason_code=code,
            idea_title=None,
        ).body

    assert expected in notice("Idea accepted", "idea_accepted")
    assert "Something new" in notice("Something new", "something_new")


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("fi", "Peruste: Kuukauden idea"),
        ("sv", "Motivering: Årets idé"),
        ("en", "Reason: Idea of the month"),
    ],
)
def test_periodic_award_reasons_are_translated(language: str, expected: str) -> None:
    """The reward service's idea of the month / of the year recognitions (reason codes
    idea_of_the_month, idea_of_the_year)."""
    code = "idea_of_the_year" if language == "sv" else "idea_of_the_month"
    body = reward_notice(
        recipient=replace(AINO, language=language),
        kind=RewardKind.RECOGNITION,
        points=200,
        amount=Decimal(0),
        currency=None,
        reason="Idea of the month 2026-11",
        reason_code=code,
        idea_title=None,
    ).body
    assert expected in body


def test_every_reward_rule_has_its_reason_in_every_language() -> None:
    """The reward service's reason codes (one per incentive rule: idea_<outcome>)."""
    outcomes = [
        "submitted",
        "accepted",
        "experiment_started",
        "experiment_scaled",
        "implemented",
        "practice_adopted",
        "support_received",
        "comment_answered",
    ]
    for outcome in outcomes:
        texts = REWARD_REASONS[f"idea_{outcome}"]
        assert set(texts) == {"fi", "sv", "en"}, outcome
        assert all(text.strip() for text in texts.values()), outcome
