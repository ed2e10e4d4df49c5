"""Templates: every message exists in Finnish, Swedish and English and renders cleanly."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ideapaja_notification.domain.templates import (
    IDEA_LINE,
    LANGUAGES,
    TEMPLATES,
    Language,
    TemplateId,
    language_or_default,
    render,
)

FIELDS = {
    "name": "Åsa Öberg-Mäkelä",
    "title": "Kirjaston iltapäivystys \u2013 för små och stora",
    "rationale": "Säästää työaikaa; håller öppet längre.",
    "reward": "50 pistettä",
    "reason": "Toteutettu idea",
    "idea_line": "",
    "comment": "Hyvä ajatus!",
    "starts": "1.3.2026",
    "ends": "31.5.2026",
    "measure": "Lainauksia / ilta",
    "benefit_line": "",
    "practice": "Iltapäivystys",
    "award": "Kuukauden idea",
    "period": "11/2026",
    "points_line": "",
    "due_line": "",
    "step": "arviointi",
    "due": "1.3.2026",
    "next_due_line": "",
    "justification": "Säästää työaikaa",
    "steps": "2",
}

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
}


def _fields_of(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("template", list(TemplateId))
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_exists_in_every_language_and_renders(
    template: TemplateId, language: str
) -> None:
    assert language in TEMPLATES[template]
    message = render(template, language, **FIELDS)
    assert message.subject and "\n" not in message.subject
    assert "{" not in message.body and "}" not in message.body
    assert "Åsa Öberg-Mäkelä" in message.body

    # The same fields in every language: a translation cannot silently drop the title.
    def fields(lang: Language) -> set[str]:
        return _fields_of(TEMPLATES[template][lang].subject + TEMPLATES[template][lang].body)

    assert fields(language_or_default(language)) == fields("fi")


@pytest.mark.parametrize(("key", "expected"), EXPECTED_SUBJECTS.items())
def test_subjects_read_naturally(key: tuple[TemplateId, str], expected: str) -> None:
    template, language = key
    assert render(template, language, **FIELDS).subject.startswith(expected)


def test_decision_mails_carry_title_and_rationale_with_nordic_letters() -> None:
    message = render(TemplateId.IDEA_ACCEPTED, "sv", **FIELDS)
    assert message.subject == (
        "Din idé har godkänts: Kirjaston iltapäivystys \u2013 för små och stora"
    )
    assert "”Kirjaston iltapäivystys \u2013 för små och stora”" in message.body
    assert "Motivering:\nSäästää työaikaa; håller öppet längre." in message.body
    assert message.body.endswith("Det här är ett automatiskt meddelande. Svara inte på det.")


def test_signature_is_in_the_message_language() -> None:
    assert "Ystävällisin terveisin" in render(TemplateId.IDEA_REJECTED, "fi", **FIELDS).body
    assert "Med vänliga hälsningar" in render(TemplateId.IDEA_REJECTED, "sv", **FIELDS).body
    assert "Kind regards" in render(TemplateId.IDEA_REJECTED, "en", **FIELDS).body


def test_idea_line_exists_in_every_language() -> None:
    assert set(IDEA_LINE) == set(LANGUAGES)
    assert IDEA_LINE["sv"].format(title="Fönster") == "Idé: ”Fönster”\n"


def test_unknown_language_falls_back_to_finnish() -> None:
    assert language_or_default("de") == "fi"
    assert language_or_default(None) == "fi"
    assert render(TemplateId.IDEA_ACCEPTED, "de", **FIELDS).subject.startswith(
        "Ideasi on hyväksytty"
    )


@given(title=st.text(max_size=200), rationale=st.text(max_size=500))
def test_any_user_text_renders_verbatim_and_the_subject_stays_one_line(
    title: str, rationale: str
) -> None:
    message = render(
        TemplateId.IDEA_NEEDS_INFO, "fi", name="Matti", title=title, rationale=rationale
    )
    # Braces in user text are data, not placeholders.
    assert rationale in message.body
    assert "\n" not in message.subject and "\r" not in message.subject
    assert message.subject.startswith("Ideastasi tarvitaan lisätietoja:")
