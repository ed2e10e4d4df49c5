"""The texts of decision and reward messages in Finnish, Swedish and English: ``str.format``
text with named fields (values are inserted as they are: braces in a rationale are data)."""

from __future__ import annotations

from collections.abc import Mapping

from ideapaja_notification.domain.kinds import Language, Template, TemplateId

# Fields: name, title, rationale.
DECISIONS: Mapping[TemplateId, Mapping[Language, Template]] = {
    TemplateId.IDEA_ACCEPTED: {
        "fi": Template(
            "Ideasi on hyväksytty: {title}",
            "Hei {name}!\n\nIdeasi ”{title}” on hyväksytty.\n\nPerustelut:\n{rationale}\n\n"
            "Kiitos, että kehität työtämme! Voit seurata idean etenemistä Ideapajassa.",
            "Ideasi ”{title}” on hyväksytty. Perustelut: {rationale}",
        ),
        "sv": Template(
            "Din idé har godkänts: {title}",
            "Hej {name}!\n\nDin idé ”{title}” har godkänts.\n\nMotivering:\n{rationale}\n\n"
            "Tack för att du utvecklar vårt arbete! Du kan följa hur idén framskrider i Ideapaja.",
            "Din idé ”{title}” har godkänts. Motivering: {rationale}",
        ),
        "en": Template(
            "Your idea has been accepted: {title}",
            "Hello {name},\n\nYour idea “{title}” has been accepted.\n\nRationale:\n{rationale}\n\n"
            "Thank you for helping us improve our work! You can follow the idea's progress "
            "in Ideapaja.",
            "Your idea “{title}” has been accepted. Rationale: {rationale}",
        ),
    },
    TemplateId.IDEA_REJECTED: {
        "fi": Template(
            "Ideaasi ei hyväksytty: {title}",
            "Hei {name}!\n\nIdeaasi ”{title}” ei tällä kertaa hyväksytty toteutettavaksi.\n\n"
            "Perustelut:\n{rationale}\n\n"
            "Kiitos ideastasi \u2013 jokainen idea auttaa meitä kehittämään työtämme. "
            "Olet tervetullut jättämään uusia ideoita!",
            "Ideaasi ”{title}” ei hyväksytty. Perustelut: {rationale}",
        ),
        "sv": Template(
            "Din idé har inte godkänts: {title}",
            "Hej {name}!\n\nDin idé ”{title}” har den här gången inte godkänts för genomförande."
            "\n\nMotivering:\n{rationale}\n\n"
            "Tack för din idé \u2013 varje idé hjälper oss att utveckla vårt arbete. "
            "Du är välkommen att lämna nya idéer!",
            "Din idé ”{title}” har inte godkänts. Motivering: {rationale}",
        ),
        "en": Template(
            "Your idea was not accepted: {title}",
            "Hello {name},\n\nYour idea “{title}” was not accepted for implementation this time."
            "\n\nRationale:\n{rationale}\n\n"
            "Thank you for your idea \u2013 every idea helps us improve our work. "
            "You are welcome to submit new ones!",
            "Your idea “{title}” was not accepted. Rationale: {rationale}",
        ),
    },
    TemplateId.IDEA_NEEDS_INFO: {
        "fi": Template(
            "Ideastasi tarvitaan lisätietoja: {title}",
            "Hei {name}!\n\nIdeasi ”{title}” käsittelyä varten tarvitaan lisätietoja.\n\n"
            "Mitä tarvitaan:\n{rationale}\n\n"
            "Täydennä ideaa Ideapajassa, niin käsittely jatkuu.",
            "Ideastasi ”{title}” tarvitaan lisätietoja: {rationale}",
        ),
        "sv": Template(
            "Mer information behövs om din idé: {title}",
            "Hej {name}!\n\nFör att behandla din idé ”{title}” behövs mer information.\n\n"
            "Vad som behövs:\n{rationale}\n\n"
            "Komplettera idén i Ideapaja, så fortsätter behandlingen.",
            "Mer information behövs om din idé ”{title}”: {rationale}",
        ),
        "en": Template(
            "More information is needed about your idea: {title}",
            "Hello {name},\n\nTo process your idea “{title}”, we need more information.\n\n"
            "What is needed:\n{rationale}\n\n"
            "Please add the details in Ideapaja so that the review can continue.",
            "More information is needed about your idea “{title}”: {rationale}",
        ),
    },
    TemplateId.IDEA_DUPLICATE: {
        "fi": Template(
            "Ideasi on yhdistetty toiseen ideaan: {title}",
            "Hei {name}!\n\nIdeasi ”{title}” on yhdistetty toiseen samaa asiaa koskevaan "
            "ideaan. Idean tukijat ja historia siirtyvät yhdistettyyn ideaan.\n\n"
            "Perustelut:\n{rationale}\n\nKiitos ideastasi!",
            "Ideasi ”{title}” on yhdistetty toiseen ideaan. Perustelut: {rationale}",
        ),
        "sv": Template(
            "Din idé har slagits samman med en annan idé: {title}",
            "Hej {name}!\n\nDin idé ”{title}” har slagits samman med en annan idé om samma sak. "
            "Idéns stödjare och historik flyttas till den sammanslagna idén.\n\n"
            "Motivering:\n{rationale}\n\nTack för din idé!",
            "Din idé ”{title}” har slagits samman med en annan idé. Motivering: {rationale}",
        ),
        "en": Template(
            "Your idea has been merged with another idea: {title}",
            "Hello {name},\n\nYour idea “{title}” has been merged with another idea on the same "
            "subject. Its supporters and history move to the merged idea.\n\n"
            "Rationale:\n{rationale}\n\nThank you for your idea!",
            "Your idea “{title}” has been merged with another idea. Rationale: {rationale}",
        ),
    },
    TemplateId.IDEA_FORWARDED: {
        "fi": Template(
            "Ideasi on siirretty toiselle yksikölle: {title}",
            "Hei {name}!\n\nIdeasi ”{title}” on siirretty toisen yksikön tai toimialan "
            "käsiteltäväksi.\n\nPerustelut:\n{rationale}\n\n"
            "Saat tiedon, kun ideasta on tehty päätös.",
            "Ideasi ”{title}” on siirretty toiselle yksikölle. Perustelut: {rationale}",
        ),
        "sv": Template(
            "Din idé har skickats vidare till en annan enhet: {title}",
            "Hej {name}!\n\nDin idé ”{title}” har skickats vidare till en annan enhet eller "
            "sektor för behandling.\n\nMotivering:\n{rationale}\n\n"
            "Du får besked när ett beslut har fattats om idén.",
            "Din idé ”{title}” har skickats vidare till en annan enhet. Motivering: {rationale}",
        ),
        "en": Template(
            "Your idea has been forwarded to another unit: {title}",
            "Hello {name},\n\nYour idea “{title}” has been forwarded to another unit or "
            "department for review.\n\nRationale:\n{rationale}\n\n"
            "You will be told when a decision has been made.",
            "Your idea “{title}” has been forwarded to another unit. Rationale: {rationale}",
        ),
    },
}

# Fields: name, reward, reason, idea_line (empty, or IDEA_LINE filled in).
REWARDS: Mapping[TemplateId, Mapping[Language, Template]] = {
    TemplateId.REWARD_GRANTED: {
        "fi": Template(
            "Sinulle on myönnetty palkkio",
            "Hei {name}!\n\nSinulle on myönnetty palkkio: {reward}.\n\n{idea_line}"
            "Peruste: {reason}\n\n"
            "Kiitos arvokkaasta panoksestasi työmme kehittämiseen!",
            "Sinulle on myönnetty palkkio: {reward}. {idea_line}Peruste: {reason}",
        ),
        "sv": Template(
            "Du har tilldelats en belöning",
            "Hej {name}!\n\nDu har tilldelats en belöning: {reward}.\n\n{idea_line}"
            "Motivering: {reason}\n\n"
            "Tack för ditt värdefulla bidrag till att utveckla vårt arbete!",
            "Du har tilldelats en belöning: {reward}. {idea_line}Motivering: {reason}",
        ),
        "en": Template(
            "You have been granted a reward",
            "Hello {name},\n\nYou have been granted a reward: {reward}.\n\n{idea_line}"
            "Reason: {reason}\n\n"
            "Thank you for your valuable contribution to improving our work!",
            "You have been granted a reward: {reward}. {idea_line}Reason: {reason}",
        ),
    },
}


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
}

IDEA_LINE: Mapping[Language, str] = {
    "fi": "Idea: ”{title}”\n",
    "sv": "Idé: ”{title}”\n",
    "en": "Idea: “{title}”\n",
}
