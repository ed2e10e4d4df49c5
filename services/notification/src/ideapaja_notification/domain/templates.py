"""Message templates in Finnish, Swedish and English (Vaasa is bilingual; English for the rest).

Templates are plain ``str.format`` text with named fields. Values are inserted as they are, so a
rationale that itself contains braces is harmless: only the template text is parsed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

Language = Literal["fi", "sv", "en"]
LANGUAGES: tuple[Language, ...] = ("fi", "sv", "en")
# Finnish is the city's first language and the HR default.
DEFAULT_LANGUAGE: Language = "fi"


class TemplateId(StrEnum):
    IDEA_ACCEPTED = "idea_accepted"
    IDEA_REJECTED = "idea_rejected"
    IDEA_NEEDS_INFO = "idea_needs_info"
    IDEA_DUPLICATE = "idea_duplicate"
    IDEA_FORWARDED = "idea_forwarded"
    REWARD_GRANTED = "reward_granted"


@dataclass(frozen=True)
class Template:
    subject: str
    body: str


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    body: str


_SIGNATURE: Mapping[Language, str] = {
    "fi": (
        "\n\nYstävällisin terveisin\nIdeapaja\n\n"
        "Tämä on automaattinen viesti. Älä vastaa tähän viestiin."
    ),
    "sv": (
        "\n\nMed vänliga hälsningar\nIdeapaja\n\n"
        "Det här är ett automatiskt meddelande. Svara inte på det."
    ),
    "en": "\n\nKind regards\nIdeapaja\n\nThis is an automated message. Please do not reply.",
}

# Fields: name, title, rationale.
_DECISIONS: Mapping[TemplateId, Mapping[Language, Template]] = {
    TemplateId.IDEA_ACCEPTED: {
        "fi": Template(
            "Ideasi on hyväksytty: {title}",
            "Hei {name}!\n\nIdeasi ”{title}” on hyväksytty.\n\nPerustelut:\n{rationale}\n\n"
            "Kiitos, että kehität työtämme! Voit seurata idean etenemistä Ideapajassa.",
        ),
        "sv": Template(
            "Din idé har godkänts: {title}",
            "Hej {name}!\n\nDin idé ”{title}” har godkänts.\n\nMotivering:\n{rationale}\n\n"
            "Tack för att du utvecklar vårt arbete! Du kan följa hur idén framskrider i Ideapaja.",
        ),
        "en": Template(
            "Your idea has been accepted: {title}",
            "Hello {name},\n\nYour idea “{title}” has been accepted.\n\nRationale:\n{rationale}\n\n"
            "Thank you for helping us improve our work! You can follow the idea's progress "
            "in Ideapaja.",
        ),
    },
    TemplateId.IDEA_REJECTED: {
        "fi": Template(
            "Ideaasi ei hyväksytty: {title}",
            "Hei {name}!\n\nIdeaasi ”{title}” ei tällä kertaa hyväksytty toteutettavaksi.\n\n"
            "Perustelut:\n{rationale}\n\n"
            "Kiitos ideastasi \u2013 jokainen idea auttaa meitä kehittämään työtämme. "
            "Olet tervetullut jättämään uusia ideoita!",
        ),
        "sv": Template(
            "Din idé har inte godkänts: {title}",
            "Hej {name}!\n\nDin idé ”{title}” har den här gången inte godkänts för genomförande."
            "\n\nMotivering:\n{rationale}\n\n"
            "Tack för din idé \u2013 varje idé hjälper oss att utveckla vårt arbete. "
            "Du är välkommen att lämna nya idéer!",
        ),
        "en": Template(
            "Your idea was not accepted: {title}",
            "Hello {name},\n\nYour idea “{title}” was not accepted for implementation this time."
            "\n\nRationale:\n{rationale}\n\n"
            "Thank you for your idea \u2013 every idea helps us improve our work. "
            "You are welcome to submit new ones!",
        ),
    },
    TemplateId.IDEA_NEEDS_INFO: {
        "fi": Template(
            "Ideastasi tarvitaan lisätietoja: {title}",
            "Hei {name}!\n\nIdeasi ”{title}” käsittelyä varten tarvitaan lisätietoja.\n\n"
            "Mitä tarvitaan:\n{rationale}\n\n"
            "Täydennä ideaa Ideapajassa, niin käsittely jatkuu.",
        ),
        "sv": Template(
            "Mer information behövs om din idé: {title}",
            "Hej {name}!\n\nFör att behandla din idé ”{title}” behövs mer information.\n\n"
            "Vad som behövs:\n{rationale}\n\n"
            "Komplettera idén i Ideapaja, så fortsätter behandlingen.",
        ),
        "en": Template(
            "More information is needed about your idea: {title}",
            "Hello {name},\n\nTo process your idea “{title}”, we need more information.\n\n"
            "What is needed:\n{rationale}\n\n"
            "Please add the details in Ideapaja so that the review can continue.",
        ),
    },
    TemplateId.IDEA_DUPLICATE: {
        "fi": Template(
            "Ideasi on yhdistetty toiseen ideaan: {title}",
            "Hei {name}!\n\nIdeasi ”{title}” on yhdistetty toiseen samaa asiaa koskevaan "
            "ideaan. Idean tukijat ja historia siirtyvät yhdistettyyn ideaan.\n\n"
            "Perustelut:\n{rationale}\n\nKiitos ideastasi!",
        ),
        "sv": Template(
            "Din idé har slagits samman med en annan idé: {title}",
            "Hej {name}!\n\nDin idé ”{title}” har slagits samman med en annan idé om samma sak. "
            "Idéns stödjare och historik flyttas till den sammanslagna idén.\n\n"
            "Motivering:\n{rationale}\n\nTack för din idé!",
        ),
        "en": Template(
            "Your idea has been merged with another idea: {title}",
            "Hello {name},\n\nYour idea “{title}” has been merged with another idea on the same "
            "subject. Its supporters and history move to the merged idea.\n\n"
            "Rationale:\n{rationale}\n\nThank you for your idea!",
        ),
    },
    TemplateId.IDEA_FORWARDED: {
        "fi": Template(
            "Ideasi on siirretty toiselle yksikölle: {title}",
            "Hei {name}!\n\nIdeasi ”{title}” on siirretty toisen yksikön tai toimialan "
            "käsiteltäväksi.\n\nPerustelut:\n{rationale}\n\n"
            "Saat tiedon, kun ideasta on tehty päätös.",
        ),
        "sv": Template(
            "Din idé har skickats vidare till en annan enhet: {title}",
            "Hej {name}!\n\nDin idé ”{title}” har skickats vidare till en annan enhet eller "
            "sektor för behandling.\n\nMotivering:\n{rationale}\n\n"
            "Du får besked när ett beslut har fattats om idén.",
        ),
        "en": Template(
            "Your idea has been forwarded to another unit: {title}",
            "Hello {name},\n\nYour idea “{title}” has been forwarded to another unit or "
            "department for review.\n\nRationale:\n{rationale}\n\n"
            "You will be told when a decision has been made.",
        ),
    },
}

# Fields: name, reward, reason, idea_line (empty, or IDEA_LINE filled in).
_REWARDS: Mapping[TemplateId, Mapping[Language, Template]] = {
    TemplateId.REWARD_GRANTED: {
        "fi": Template(
            "Sinulle on myönnetty palkkio",
            "Hei {name}!\n\nSinulle on myönnetty palkkio: {reward}.\n\n{idea_line}"
            "Peruste: {reason}\n\n"
            "Kiitos arvokkaasta panoksestasi työmme kehittämiseen!",
        ),
        "sv": Template(
            "Du har tilldelats en belöning",
            "Hej {name}!\n\nDu har tilldelats en belöning: {reward}.\n\n{idea_line}"
            "Motivering: {reason}\n\n"
            "Tack för ditt värdefulla bidrag till att utveckla vårt arbete!",
        ),
        "en": Template(
            "You have been granted a reward",
            "Hello {name},\n\nYou have been granted a reward: {reward}.\n\n{idea_line}"
            "Reason: {reason}\n\n"
            "Thank you for your valuable contribution to improving our work!",
        ),
    },
}

TEMPLATES: Mapping[TemplateId, Mapping[Language, Template]] = {**_DECISIONS, **_REWARDS}

# A reward's reason by its code (RewardGranted.reason_code), as a person reads it.
REWARD_REASONS: Mapping[str, Mapping[Language, str]] = {
    "idea_submitted": {
        "fi": "Idea jätettiin",
        "sv": "Idén lämnades in",
        "en": "Idea submitted",
    },
    "idea_accepted": {
        "fi": "Idea hyväksyttiin",
        "sv": "Idén godkändes",
        "en": "Idea accepted",
    },
    "idea_experiment_started": {
        "fi": "Ideaa kokeillaan",
        "sv": "Idén prövas i ett försök",
        "en": "Idea piloted in an experiment",
    },
    "idea_experiment_scaled": {
        "fi": "Idean kokeilu päätettiin laajentaa",
        "sv": "Idéns försök ska utvidgas",
        "en": "Idea's experiment to be scaled up",
    },
    "idea_implemented": {
        "fi": "Idea toteutettiin",
        "sv": "Idén genomfördes",
        "en": "Idea implemented",
    },
    "idea_of_the_month": {
        "fi": "Kuukauden idea",
        "sv": "Månadens idé",
        "en": "Idea of the month",
    },
    "idea_of_the_year": {
        "fi": "Vuoden idea",
        "sv": "Årets idé",
        "en": "Idea of the year",
    },
    "idea_practice_adopted": {
        "fi": "Toinen yksikkö otti käytännön käyttöön",
        "sv": "En annan enhet tog i bruk praxisen",
        "en": "Practice adopted by another unit",
    },
    "idea_support_received": {
        "fi": "Työtoveri kannatti ideaa",
        "sv": "En kollega stödde idén",
        "en": "Idea supported by a colleague",
    },
    "idea_comment_answered": {
        "fi": "Idean kommenttiin vastattiin",
        "sv": "En kommentar om idén besvarades",
        "en": "Comment on the idea answered",
    },
}

IDEA_LINE: Mapping[Language, str] = {
    "fi": "Idea: ”{title}”\n",
    "sv": "Idé: ”{title}”\n",
    "en": "Idea: “{title}”\n",
}


def language_or_default(language: str | None) -> Language:
    for known in LANGUAGES:
        if language == known:
            return known
    return DEFAULT_LANGUAGE


def render(template: TemplateId, language: str, **fields: str) -> RenderedMessage:
    """The subject and body of ``template`` in ``language`` (Finnish if it is not one we have)."""
    lang = language_or_default(language)
    chosen = TEMPLATES[template][lang]
    # A subject is one line: a title with a line break must not inject headers or fold oddly.
    subject = " ".join(chosen.subject.format_map(fields).split())
    body = chosen.body.format_map(fields) + _SIGNATURE[lang]
    return RenderedMessage(subject=subject, body=body)
