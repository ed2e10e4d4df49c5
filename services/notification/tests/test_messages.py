"""Messages (``messages/``): every kind in Finnish, Swedish and English from the catalogs,
text and HTML parts, values from other services' codes said in the reader's language."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from notification_testkit import AINO, BRITA, CHRIS, NBSP

from ideapaja_contracts.events.review import Decision
from ideapaja_contracts.events.reward import RewardKind
from ideapaja_notification.domain.digests import DigestLine, group_by_idea
from ideapaja_notification.domain.kinds import LANGUAGES, Language, TemplateId
from ideapaja_notification.domain.notices import (
    Draft,
    Notice,
    Recipient,
    decision_notices,
    reward_notice,
)
from ideapaja_notification.domain.preferences import Frequency
from ideapaja_notification.domain.values import (
    FieldValue,
    Label,
    LabelKind,
    Moment,
    Period,
    Points,
    Reward,
)
from ideapaja_notification.messages import render, render_draft
from ideapaja_notification.messages.catalogs import CATALOGS, PACKAGE
from ideapaja_notification.messages.digests import render_digest
from ideapaja_notification.messages.labels import LABELS, localize

# A value for every field any kind shows (each kind takes the ones it names).
FIELDS: dict[str, FieldValue] = {
    "name": "Åsa Öberg-Mäkelä",
    "title": "Kirjaston iltapäivystys \u2013 för små och stora",
    "rationale": "Säästää työaikaa; håller öppet längre.",
    "reward": Reward(RewardKind.POINTS, 50),
    "reason": Label(LabelKind.REWARD_REASON, "idea_implemented"),
    "comment": "Hyvä ajatus!",
    "starts": date(2026, 3, 1),
    "ends": date(2026, 5, 31),
    "measure": "Lainauksia / ilta",
    "benefit": "20 h/kk",
    "practice": "Iltapäivystys",
    "award": Label(LabelKind.PERIODIC_AWARD, "idea_of_the_month"),
    "period": Period("2026-11"),
    "points": Points(100),
    "due": datetime(2026, 3, 1, 10, tzinfo=UTC),
    "next_due": datetime(2026, 3, 8, 10, tzinfo=UTC),
    "step": Label(LabelKind.CASE_STEP, "in_review"),
    "justification": "Säästää työaikaa",
    "steps": "2",
    "decision": Label(LabelKind.DECISION, "accepted"),
    "meeting": "Toukokuun kokous",
    "when": Moment(datetime(2026, 5, 6, 11, tzinfo=UTC)),
    "count": "2",
    "agenda": "\u2013 Pyöräparkki\n\u2013 Tekstitys",
    "decided": "1",
    "deferred": "1",
    "outcome": Label(LabelKind.EXPERIMENT_OUTCOME, "scale"),
    "result": "Jonot lyhenivät 30 %",
    "answer": "Noin 40 tuntia vuodessa",
}


def write(draft: Draft) -> Notice:
    return render_draft(draft)


def written(drafts: list[Draft]) -> list[Notice]:
    return [render_draft(d) for d in drafts]


def said(value: FieldValue, language: Language) -> str | None:
    return localize(value, language, CATALOGS.translations(language))


# --- Catalogs: nothing missing -------------------------------------------------------------


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_message_is_translated(language: str) -> None:
    """A catalog entry missing (or fuzzy, or empty) for any text of any kind fails here."""
    assert CATALOGS.untranslated(language) == []


def test_every_kind_has_a_template() -> None:
    files = {path.stem for path in (PACKAGE / "templates").glob("*.jinja")}
    # Besides the kinds: the frame every message shares, and the digest that gathers them.
    assert files - {"_message", "digest"} == {kind.value for kind in TemplateId}


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("frequency", [Frequency.DAILY, Frequency.WEEKLY])
def test_the_digest_renders_in_every_language(language: Language, frequency: Frequency) -> None:
    at = datetime(2026, 3, 2, 8, tzinfo=UTC)
    lines = [
        DigestLine("i-1", "<b>Iltakirjasto</b>", "Otsikko", "Teksti", at),
        DigestLine(None, None, "Muu", "Viesti", at),
    ]
    message = render_digest(language, frequency, "Åsa", group_by_idea(lines))
    english = render_digest("en", frequency, "Åsa", group_by_idea(lines))
    assert message.subject and "\n" not in message.subject
    assert "Åsa" in message.text and "Otsikko\nTeksti" in message.text
    assert "%(" not in message.text + message.subject
    # The title is shown, never interpreted, in the HTML part.
    assert "&lt;b&gt;Iltakirjasto&lt;/b&gt;" in message.html and "<b>" not in message.html
    assert message.html.count("<h2>") == 2
    if language != "en":
        assert message.subject != english.subject
        assert message.text.splitlines()[2] != english.text.splitlines()[2]


@pytest.mark.parametrize("kind", list(TemplateId))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_kind_renders_in_every_language(kind: TemplateId, language: Language) -> None:
    message = render(kind, language, FIELDS)
    assert message.subject and "\n" not in message.subject
    assert message.summary and len(message.summary) <= 300
    assert "Åsa Öberg-Mäkelä" in message.text
    assert "%(" not in message.text + message.subject + message.summary
    assert f'<html lang="{language}">' in message.html and "<p>" in message.html
    if language != "en":
        # Translated, not English with Finnish or Swedish around it.
        english = render(kind, "en", FIELDS)
        assert message.subject != english.subject and message.summary != english.summary
        assert "Kind regards" not in message.text


@pytest.mark.parametrize("kind", list(LabelKind))
@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_code_from_another_service_is_translated(kind: LabelKind, language: Language) -> None:
    translations = CATALOGS.translations(language)
    for code, english in LABELS[kind].items():
        said_here = localize(Label(kind, code or "unknown"), language, translations)
        assert said_here and said_here != english, (kind, code)


def test_decision_notice_per_author_in_each_authors_language() -> None:
    notices = written(
        decision_notices(
            decision=Decision.ACCEPTED,
            rationale="Erinomainen idea.",
            idea_title="Lainaamon pyöräparkki",
            recipients=[AINO, BRITA, CHRIS],
        )
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
    [notice] = written(
        decision_notices(
            decision=Decision.REJECTED, rationale="  ", idea_title="X", recipients=[AINO]
        )
    )
    assert "Perustelut:\n\u2013\n" in notice.body


def test_points_agree_in_number() -> None:
    assert said(Points(1), "fi") == "1 piste"
    assert said(Points(50), "fi") == "50 pistettä"
    assert said(Points(50), "sv") == "50 poäng"
    assert said(Points(1), "en") == "1 point"
    assert said(Points(2), "en") == "2 points"


def test_each_reward_kind_is_described() -> None:
    assert said(Reward(RewardKind.POINTS, 10, Decimal(0), None), "sv") == "10 poäng"
    assert said(Reward(RewardKind.MONEY, 0, Decimal(200), "EUR"), "fi") == f"200{NBSP}€"
    assert said(Reward(RewardKind.GIFT, 0, Decimal(30), "EUR"), "sv") == (
        f"en gåva (värde 30{NBSP}€)"
    )
    assert said(Reward(RewardKind.GIFT, 0, Decimal(0), None), "fi") == "lahja"
    assert said(Reward(RewardKind.RECOGNITION, 0, Decimal(0), None), "fi") == "tunnustus"
    assert said(Reward(RewardKind.DAY_OFF, 0, Decimal(0), None), "sv") == "en extra ledig dag"


def test_reward_notice_mentions_the_idea_only_when_known() -> None:
    with_title = write(
        reward_notice(
            recipient=BRITA,
            kind=RewardKind.MONEY,
            points=0,
            amount=Decimal("75"),
            currency="EUR",
            reason="Genomförd idé",
            idea_title="Cykelparkering",
        )
    )
    assert with_title.subject == "Du har tilldelats en belöning"
    assert f"Du har tilldelats en belöning: 75{NBSP}€." in with_title.body
    assert "Idé: ”Cykelparkering”\nMotivering: Genomförd idé" in with_title.body
    without = _unmoneyed_reward_body(AINO, "Toteutettu idea")
    assert "Idea:" not in without
    assert "Sinulle on myönnetty palkkio: 50 pistettä." in without


def _unmoneyed_reward_body(
    recipient: Recipient,
    reason: str,
    code: str | None = None,
    kind: RewardKind = RewardKind.POINTS,
    points: int = 50,
) -> str:
    """The body telling ``recipient`` of a reward without money, its idea not known."""
    draft = reward_notice(
        recipient=recipient,
        kind=kind,
        points=points,
        amount=Decimal(0),
        currency=None,
        reason=reason,
        reason_code=code,
        idea_title=None,
    )
    return write(draft).body


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
    reader = replace(AINO, language=language)
    assert expected in _unmoneyed_reward_body(reader, "Idea accepted", "idea_accepted")
    assert "Something new" in _unmoneyed_reward_body(reader, "Something new", "something_new")


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
    body = _unmoneyed_reward_body(
        replace(AINO, language=language),
        "Idea of the month 2026-11",
        code,
        kind=RewardKind.RECOGNITION,
        points=200,
    )
    assert expected in body


EXPECTED_SUBJECTS = {
    (TemplateId.IDEA_ACCEPTED, "fi"): "Ideasi on hyväksytty",
    (TemplateId.IDEA_ACCEPTED, "sv"): "Din idé har godkänts",
    (TemplateId.IDEA_ACCEPTED, "en"): "Your idea has been accepted",
    (TemplateId.IDEA_REJECTED, "fi"): "Ideaasi ei hyväksytty",
    (TemplateId.IDEA_REJECTED, "sv"): "Din idé har inte godkänts",
    (TemplateId.IDEA_NEEDS_INFO, "fi"): "Ideastasi tarvitaan lisätietoja",
    (TemplateId.IDEA_NEEDS_INFO, "sv"): "Mer information behövs om din idé",
    (TemplateId.REWARD_GRANTED, "fi"): "Sinulle on myönnetty palkkio",
    (TemplateId.REWARD_GRANTED, "sv"): "Du har tilldelats en belöning",
    (TemplateId.REWARD_GRANTED, "en"): "You have been granted a reward",
    (TemplateId.CASE_TO_SCREEN, "sv"): "En ny idé på din arbetslista",
    (TemplateId.IDEA_RECEIVED, "fi"): "Ideasi on vastaanotettu",
    (TemplateId.IDEA_SCREENING_STARTED, "sv"): "Din idé förhandsgranskas",
    (TemplateId.EXPERIMENT_COMPLETED, "fi"): "Ideasi kokeilu on päättynyt",
    (TemplateId.INFO_PROVIDED, "sv"): "Din fråga har besvarats",
    (TemplateId.PERIODIC_AWARD_WON, "fi"): "Onnittelut! Kuukauden idea 11/2026",
    (TemplateId.PERIODIC_AWARD_WON, "en"): "Congratulations! Idea of the month November 2026",
}


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
        reason = Label(LabelKind.REWARD_REASON, f"idea_{outcome}", fallback="not this")
        texts = [said(reason, language) for language in LANGUAGES]
        assert "not this" not in texts and len(set(texts)) == 3, outcome


@pytest.mark.parametrize(("key", "expected"), EXPECTED_SUBJECTS.items())
def test_subjects_read_naturally(key: tuple[TemplateId, Language], expected: str) -> None:
    template, language = key
    assert render(template, language, FIELDS).subject.startswith(expected)


def test_decision_mails_carry_title_and_rationale_with_nordic_letters() -> None:
    message = render(TemplateId.IDEA_ACCEPTED, "sv", FIELDS)
    assert message.subject == (
        "Din idé har godkänts: Kirjaston iltapäivystys \u2013 för små och stora"
    )
    assert "”Kirjaston iltapäivystys \u2013 för små och stora”" in message.text
    assert "Motivering:\nSäästää työaikaa; håller öppet längre." in message.text
    assert message.text.endswith("Det här är ett automatiskt meddelande. Svara inte på det.")


def test_signature_is_in_the_message_language() -> None:
    assert "Ystävällisin terveisin" in render(TemplateId.IDEA_REJECTED, "fi", FIELDS).text
    assert "Med vänliga hälsningar" in render(TemplateId.IDEA_REJECTED, "sv", FIELDS).text
    assert "Kind regards" in render(TemplateId.IDEA_REJECTED, "en", FIELDS).text


def test_the_html_part_escapes_what_people_wrote_and_keeps_their_line_breaks() -> None:
    fields = {**FIELDS, "title": "<script>alert(1)</script> & co", "rationale": "a\nb <b>"}
    message = render(TemplateId.IDEA_ACCEPTED, "fi", fields)
    assert "<script>" not in message.html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in (
        message.html
    )
    assert "a<br>\nb &lt;b&gt;" in message.html
    # The text part is text: shown as written.
    assert "<script>alert(1)</script> & co" in message.text


def test_dates_months_and_steps_read_as_in_each_language() -> None:
    late = datetime(2026, 3, 14, 23, 30, tzinfo=UTC)  # already the 15th in Helsinki
    assert [said(late, lang) for lang in LANGUAGES] == ["15.3.2026", "15.3.2026", "15 March 2026"]
    assert said(Period("2026"), "en") == "2026"
    step = Label(LabelKind.CASE_STEP, "in_review")
    assert [said(step, lang) for lang in LANGUAGES] == ["arviointi", "bedömningen", "review"]
    # A step review may add later: the generic word, never the code.
    assert said(Label(LabelKind.CASE_STEP, "appeal"), "fi") == "käsittely"


@given(title=st.text(max_size=200), rationale=st.text(max_size=500))
def test_any_user_text_renders_verbatim_and_the_subject_stays_one_line(
    title: str, rationale: str
) -> None:
    message = render(
        TemplateId.IDEA_NEEDS_INFO, "fi", {"name": "Matti", "title": title, "rationale": rationale}
    )
    # Braces and percent signs in user text are data, not placeholders.
    assert rationale in message.text
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.subject.startswith("Ideastasi tarvitaan lisätietoja:")
