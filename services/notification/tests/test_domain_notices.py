"""Who hears about a decision or a reward, with what, and how money reads in each language
(the words are the messages': test_messages.py)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from notification_testkit import AINO, BRITA, CHRIS, NBSP

from ideapaja_contracts.events.review import Decision
from ideapaja_contracts.events.reward import RewardKind
from ideapaja_notification.domain.kinds import TemplateId
from ideapaja_notification.domain.notices import (
    DECISION_TEMPLATES,
    Recipient,
    UnknownRecipients,
    decision_notices,
    format_money,
    reachable,
    reward_notice,
)
from ideapaja_notification.domain.values import Label, LabelKind, Reward

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


def test_decision_drafts_one_per_author_in_each_authors_language() -> None:
    drafts = decision_notices(
        decision=Decision.ACCEPTED,
        rationale="  ",
        idea_title="Lainaamon pyöräparkki",
        recipients=[AINO, BRITA, CHRIS],
        idea_id="i-1",
    )
    assert [(d.recipient, d.language, d.link) for d in drafts] == [
        (AINO, "fi", "/ideas/i-1"),
        (BRITA, "sv", "/ideas/i-1"),
        (CHRIS, "en", "/ideas/i-1"),
    ]
    assert {d.template for d in drafts} == {TemplateId.IDEA_ACCEPTED}
    # A blank rationale shows as a dash.
    assert drafts[0].fields == {"title": "Lainaamon pyöräparkki", "rationale": "\u2013"}


def test_a_reward_draft_carries_its_reason_as_a_code_with_the_text_as_fallback() -> None:
    draft = reward_notice(
        recipient=replace(AINO, language="de"),
        kind=RewardKind.GIFT,
        points=0,
        amount=Decimal("30"),
        currency="EUR",
        reason="Idea accepted",
        reason_code="idea_accepted",
        idea_title=None,
    )
    assert draft.language == "fi", "a language we do not write falls back to Finnish"
    assert draft.fields == {
        "reward": Reward(RewardKind.GIFT, 0, Decimal("30"), "EUR"),
        "reason": Label(LabelKind.REWARD_REASON, "idea_accepted", fallback="Idea accepted"),
        "title": None,
    }


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


@given(amount=st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_money_in_finnish_has_no_dot_and_ends_in_the_euro_sign(amount: Decimal) -> None:
    text = format_money(amount, "EUR", "fi")
    assert "." not in text and text.endswith(f"{NBSP}€")
