"""The texts of the messages about an idea's progress (to its authors) and about work waiting
for someone (to reviewers and reward approvers), in Finnish, Swedish and English.

Fields are named in the comment above each kind; a ``*_line`` field is a whole line in the
message's language or empty (the builder in ``notices.py`` fills it in).
"""

from __future__ import annotations

from collections.abc import Mapping

from ideapaja_notification.domain.kinds import Language, Template, TemplateId

T = Template

# --- To the idea's authors ------------------------------------------------------------------

AUTHORS: Mapping[TemplateId, Mapping[Language, Template]] = {
    # name, title, comment
    TemplateId.IDEA_COMMENTED: {
        "fi": T(
            "Ideaasi on kommentoitu: {title}",
            "Hei {name}!\n\nIdeaasi ”{title}” on kommentoitu:\n\n{comment}\n\n"
            "Voit vastata kommenttiin Ideapajassa.",
            "Ideaasi ”{title}” on kommentoitu: {comment}",
        ),
        "sv": T(
            "Din idé har kommenterats: {title}",
            "Hej {name}!\n\nDin idé ”{title}” har kommenterats:\n\n{comment}\n\n"
            "Du kan svara på kommentaren i Ideapaja.",
            "Din idé ”{title}” har kommenterats: {comment}",
        ),
        "en": T(
            "Your idea has a new comment: {title}",
            "Hello {name},\n\nYour idea “{title}” has a new comment:\n\n{comment}\n\n"
            "You can reply to it in Ideapaja.",
            "Your idea “{title}” has a new comment: {comment}",
        ),
    },
    # name, title, starts, ends, measure
    TemplateId.EXPERIMENT_STARTED: {
        "fi": T(
            "Ideaasi kokeillaan: {title}",
            "Hei {name}!\n\nIdeaasi ”{title}” kokeillaan {starts}\u2013{ends}.\n\n"
            "Kokeilun mittari: {measure}\n\nVoit seurata kokeilua Ideapajassa.",
            "Ideaasi ”{title}” kokeillaan {starts}\u2013{ends}. Mittari: {measure}",
        ),
        "sv": T(
            "Din idé prövas: {title}",
            "Hej {name}!\n\nDin idé ”{title}” prövas {starts}\u2013{ends}.\n\n"
            "Försökets mätare: {measure}\n\nDu kan följa försöket i Ideapaja.",
            "Din idé ”{title}” prövas {starts}\u2013{ends}. Mätare: {measure}",
        ),
        "en": T(
            "Your idea is being piloted: {title}",
            "Hello {name},\n\nYour idea “{title}” is being piloted from {starts} to {ends}.\n\n"
            "What is measured: {measure}\n\nYou can follow the pilot in Ideapaja.",
            "Your idea “{title}” is being piloted from {starts} to {ends}. Measure: {measure}",
        ),
    },
    # name, title, benefit_line
    TemplateId.IDEA_IMPLEMENTED: {
        "fi": T(
            "Ideasi on toteutettu: {title}",
            "Hei {name}!\n\nIdeasi ”{title}” on toteutettu.\n\n{benefit_line}"
            "Kiitos, että kehität työtämme!",
            "Ideasi ”{title}” on toteutettu. {benefit_line}",
        ),
        "sv": T(
            "Din idé har genomförts: {title}",
            "Hej {name}!\n\nDin idé ”{title}” har genomförts.\n\n{benefit_line}"
            "Tack för att du utvecklar vårt arbete!",
            "Din idé ”{title}” har genomförts. {benefit_line}",
        ),
        "en": T(
            "Your idea has been implemented: {title}",
            "Hello {name},\n\nYour idea “{title}” has been implemented.\n\n{benefit_line}"
            "Thank you for helping us improve our work!",
            "Your idea “{title}” has been implemented. {benefit_line}",
        ),
    },
    # name, title, practice
    TemplateId.PRACTICE_PUBLISHED: {
        "fi": T(
            "Ideastasi tuli hyvä käytäntö: {title}",
            "Hei {name}!\n\nIdeasi ”{title}” on julkaistu hyvänä käytäntönä ”{practice}”, "
            "jotta muutkin yksiköt voivat ottaa sen käyttöön.\n\nKiitos ideastasi!",
            "Ideasi ”{title}” on julkaistu hyvänä käytäntönä ”{practice}”.",
        ),
        "sv": T(
            "Din idé har blivit en god praxis: {title}",
            "Hej {name}!\n\nDin idé ”{title}” har publicerats som god praxis ”{practice}”, "
            "så att även andra enheter kan ta den i bruk.\n\nTack för din idé!",
            "Din idé ”{title}” har publicerats som god praxis ”{practice}”.",
        ),
        "en": T(
            "Your idea has become a good practice: {title}",
            "Hello {name},\n\nYour idea “{title}” has been published as the good practice "
            "“{practice}”, so that other units can adopt it too.\n\nThank you for your idea!",
            "Your idea “{title}” has been published as the good practice “{practice}”.",
        ),
    },
    # name, title
    TemplateId.PRACTICE_ADOPTED: {
        "fi": T(
            "Ideasi on otettu käyttöön toisessa yksikössä: {title}",
            "Hei {name}!\n\nToinen yksikkö on ottanut käyttöön hyvän käytännön, joka syntyi "
            "ideastasi ”{title}”.\n\nKiitos ideastasi!",
            "Toinen yksikkö on ottanut käyttöön ideastasi ”{title}” syntyneen käytännön.",
        ),
        "sv": T(
            "Din idé har tagits i bruk i en annan enhet: {title}",
            "Hej {name}!\n\nEn annan enhet har tagit i bruk den goda praxis som föddes ur din "
            "idé ”{title}”.\n\nTack för din idé!",
            "En annan enhet har tagit i bruk den praxis som föddes ur din idé ”{title}”.",
        ),
        "en": T(
            "Your idea has been adopted by another unit: {title}",
            "Hello {name},\n\nAnother unit has adopted the good practice that grew out of your "
            "idea “{title}”.\n\nThank you for your idea!",
            "Another unit has adopted the practice that grew out of your idea “{title}”.",
        ),
    },
    # name, title, award, period, points_line
    TemplateId.PERIODIC_AWARD_WON: {
        "fi": T(
            "Onnittelut! {award} {period}: {title}",
            "Hei {name}!\n\nIdeasi ”{title}” on valittu: {award} {period}.\n\n{points_line}"
            "Onnittelut ja kiitos arvokkaasta panoksestasi!",
            "Ideasi ”{title}” on valittu: {award} {period}. {points_line}",
        ),
        "sv": T(
            "Grattis! {award} {period}: {title}",
            "Hej {name}!\n\nDin idé ”{title}” har valts: {award} {period}.\n\n{points_line}"
            "Grattis och tack för ditt värdefulla bidrag!",
            "Din idé ”{title}” har valts: {award} {period}. {points_line}",
        ),
        "en": T(
            "Congratulations! {award} {period}: {title}",
            "Hello {name},\n\nYour idea “{title}” has been chosen: {award} {period}.\n\n"
            "{points_line}Congratulations, and thank you for your valuable contribution!",
            "Your idea “{title}” has been chosen: {award} {period}. {points_line}",
        ),
    },
}

# --- To the people who work on it ---------------------------------------------------------------

WORK: Mapping[TemplateId, Mapping[Language, Template]] = {
    # name, title
    TemplateId.CASE_TO_SCREEN: {
        "fi": T(
            "Uusi idea työlistallasi: {title}",
            "Hei {name}!\n\nIdea ”{title}” odottaa esikäsittelyäsi.\n\n"
            "Löydät sen Ideapajan työlistaltasi.",
            "Idea ”{title}” odottaa esikäsittelyäsi.",
        ),
        "sv": T(
            "En ny idé på din arbetslista: {title}",
            "Hej {name}!\n\nIdén ”{title}” väntar på din förhandsgranskning.\n\n"
            "Du hittar den på din arbetslista i Ideapaja.",
            "Idén ”{title}” väntar på din förhandsgranskning.",
        ),
        "en": T(
            "A new idea on your work list: {title}",
            "Hello {name},\n\nThe idea “{title}” is waiting for your screening.\n\n"
            "You will find it on your work list in Ideapaja.",
            "The idea “{title}” is waiting for your screening.",
        ),
    },
    # name, title, due_line
    TemplateId.CASE_TO_REVIEW: {
        "fi": T(
            "Idea odottaa arviointiasi: {title}",
            "Hei {name}!\n\nIdea ”{title}” on siirtynyt arvioitavaksi ja odottaa arviotasi."
            "\n\n{due_line}Löydät sen Ideapajan työlistaltasi.",
            "Idea ”{title}” odottaa arviotasi. {due_line}",
        ),
        "sv": T(
            "En idé väntar på din bedömning: {title}",
            "Hej {name}!\n\nIdén ”{title}” har gått vidare till bedömning och väntar på din "
            "bedömning.\n\n{due_line}Du hittar den på din arbetslista i Ideapaja.",
            "Idén ”{title}” väntar på din bedömning. {due_line}",
        ),
        "en": T(
            "An idea is waiting for your review: {title}",
            "Hello {name},\n\nThe idea “{title}” has moved on to review and is waiting for "
            "yours.\n\n{due_line}You will find it on your work list in Ideapaja.",
            "The idea “{title}” is waiting for your review. {due_line}",
        ),
    },
    # name, title, step, due, next_due_line
    TemplateId.CASE_ESCALATED: {
        "fi": T(
            "Myöhässä oleva idea siirtyi sinulle: {title}",
            "Hei {name}!\n\nIdean ”{title}” {step} ei valmistunut määräaikaan {due} mennessä, "
            "ja asia on siirretty sinulle.\n\n{next_due_line}"
            "Löydät sen Ideapajan työlistaltasi.",
            "Idean ”{title}” {step} myöhästyi (määräaika {due}). {next_due_line}",
        ),
        "sv": T(
            "En försenad idé har lyfts till dig: {title}",
            "Hej {name}!\n\nIdén ”{title}”: {step} blev inte klar före tidsfristen {due}, "
            "och ärendet har lyfts till dig.\n\n{next_due_line}"
            "Du hittar den på din arbetslista i Ideapaja.",
            "Idén ”{title}”: {step} är försenad (tidsfrist {due}). {next_due_line}",
        ),
        "en": T(
            "An overdue idea has been escalated to you: {title}",
            "Hello {name},\n\nThe {step} of the idea “{title}” was not finished by its "
            "deadline, {due}, and the case has been escalated to you.\n\n{next_due_line}"
            "You will find it on your work list in Ideapaja.",
            "The {step} of the idea “{title}” is overdue (deadline {due}). {next_due_line}",
        ),
    },
    # name, title, reward, justification, step, steps
    TemplateId.AWARD_AWAITING_APPROVAL: {
        "fi": T(
            "Palkkioehdotus odottaa hyväksyntääsi: {title}",
            "Hei {name}!\n\nIdealle ”{title}” ehdotetaan palkkiota: {reward}.\n\n"
            "Perustelu: {justification}\n\nEhdotus odottaa hyväksyntääsi (vaihe {step}/{steps})."
            " Hyväksy tai hylkää se Ideapajassa.",
            "Idealle ”{title}” ehdotettu palkkio ({reward}) odottaa hyväksyntääsi "
            "(vaihe {step}/{steps}).",
        ),
        "sv": T(
            "Ett belöningsförslag väntar på ditt godkännande: {title}",
            "Hej {name}!\n\nFör idén ”{title}” föreslås en belöning: {reward}.\n\n"
            "Motivering: {justification}\n\nFörslaget väntar på ditt godkännande "
            "(steg {step}/{steps}). Godkänn eller avslå det i Ideapaja.",
            "Belöningen ({reward}) som föreslås för idén ”{title}” väntar på ditt godkännande "
            "(steg {step}/{steps}).",
        ),
        "en": T(
            "A reward proposal is waiting for your approval: {title}",
            "Hello {name},\n\nA reward is proposed for the idea “{title}”: {reward}.\n\n"
            "Justification: {justification}\n\nThe proposal is waiting for your approval "
            "(step {step} of {steps}). Approve or reject it in Ideapaja.",
            "The reward ({reward}) proposed for the idea “{title}” is waiting for your approval "
            "(step {step} of {steps}).",
        ),
    },
}

# Lines and labels the builders put into the fields above.
BENEFIT_LINE: Mapping[Language, str] = {
    "fi": "Toteutunut hyöty: {benefit}\n\n",
    "sv": "Uppnådd nytta: {benefit}\n\n",
    "en": "Benefit realised: {benefit}\n\n",
}
DUE_LINE: Mapping[Language, str] = {
    "fi": "Määräaika: {due}\n\n",
    "sv": "Tidsfrist: {due}\n\n",
    "en": "Deadline: {due}\n\n",
}
NEXT_DUE_LINE: Mapping[Language, str] = {
    "fi": "Uusi määräaika: {due}\n\n",
    "sv": "Ny tidsfrist: {due}\n\n",
    "en": "New deadline: {due}\n\n",
}
POINTS_LINE: Mapping[Language, str] = {
    "fi": "Saat {points}.\n\n",
    "sv": "Du får {points}.\n\n",
    "en": "You receive {points}.\n\n",
}
# The case's step as review names it (CaseEscalated.step); an unknown one reads as the case.
CASE_STEPS: Mapping[str, Mapping[Language, str]] = {
    "screening": {"fi": "esikäsittely", "sv": "förhandsgranskningen", "en": "screening"},
    "in_review": {"fi": "arviointi", "sv": "bedömningen", "en": "review"},
    "experiment": {"fi": "kokeilu", "sv": "försöket", "en": "pilot"},
    "implementing": {"fi": "toteutus", "sv": "genomförandet", "en": "implementation"},
}
CASE_STEP_UNKNOWN: Mapping[Language, str] = {
    "fi": "käsittely",
    "sv": "behandlingen",
    "en": "handling",
}
PERIODIC_AWARDS: Mapping[str, Mapping[Language, str]] = {
    "idea_of_the_month": {"fi": "Kuukauden idea", "sv": "Månadens idé", "en": "Idea of the month"},
    "idea_of_the_year": {"fi": "Vuoden idea", "sv": "Årets idé", "en": "Idea of the year"},
    "unit_of_the_year": {"fi": "Vuoden yksikkö", "sv": "Årets enhet", "en": "Unit of the year"},
}
PERIODIC_AWARD_UNKNOWN: Mapping[Language, str] = {
    "fi": "Tunnustus",
    "sv": "Erkännande",
    "en": "Recognition",
}
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
