"""Texts of the embeddable form page in Finnish, Swedish and English, and choosing the language."""

from __future__ import annotations

LANGUAGES = ("fi", "sv", "en")

TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "heading": "Jätä kehitysidea",
        "intro": "Kerro, mikä ei toimi ja miten sitä voisi parantaa. Pakolliset kentät on "
        "merkitty *.",
        "title": "Otsikko",
        "problem": "Mikä on ongelma nyt?",
        "solution": "Ehdotettu ratkaisu",
        "benefit": "Odotettu hyöty",
        "benefit_kinds": "Mitä idea parantaa?",
        "category": "Luokka",
        "no_category": "(ei luokkaa)",
        "scope": "Kenen päätettävä idea on?",
        "scope_unit": "Oma yksikkö",
        "scope_department": "Toimiala",
        "scope_city": "Koko kaupunki",
        "unit_id": "Yksikkö tai toimiala, jota idea koskee",
        "language": "Tekstin kieli",
        "anonymous": "Piilota nimeni arvioijilta ja kollegoilta (palkitseminen on silti "
        "mahdollista)",
        "co_author_ids": "Kanssatekijät (henkilönumerot pilkulla eroteltuina; he vahvistavat itse)",
        "attachment": "Liite (PDF, kuva, teksti- tai toimisto-asiakirja)",
        "submit": "Lähetä idea",
        "errors": "Tarkista merkityt kentät:",
        "thanks": "Kiitos! Ideasi on vastaanotettu.",
        "thanks_detail": "Voit seurata sen etenemistä kohdasta Omat ideat. Tunnus:",
        "expired": "Lomakkeen voimassaolo on päättynyt tai linkki on virheellinen. Avaa lomake "
        "uudelleen intranetistä.",
        "already": "Tämä lomake on jo lähetetty toisella sisällöllä. Avaa lomake uudelleen.",
        "too_many": "Olet lähettänyt tunnin sisällä enimmäismäärän ideoita. Yritä myöhemmin "
        "uudelleen.",
        "busy": "Tästä verkosta on tullut juuri nyt liian monta pyyntöä. Yritä hetken kuluttua "
        "uudelleen.",
    },
    "sv": {
        "heading": "Lämna in en utvecklingsidé",
        "intro": "Berätta vad som inte fungerar och hur det kunde bli bättre. Obligatoriska "
        "fält är märkta med *.",
        "title": "Rubrik",
        "problem": "Vad är problemet i dag?",
        "solution": "Föreslagen lösning",
        "benefit": "Förväntad nytta",
        "benefit_kinds": "Vad förbättrar idén?",
        "category": "Kategori",
        "no_category": "(ingen kategori)",
        "scope": "Vem ska besluta om idén?",
        "scope_unit": "Den egna enheten",
        "scope_department": "Sektorn",
        "scope_city": "Hela staden",
        "unit_id": "Enhet eller sektor som idén gäller",
        "language": "Textens språk",
        "anonymous": "Dölj mitt namn för bedömare och kolleger (belöning är ändå möjlig)",
        "co_author_ids": "Medförfattare (personnummer åtskilda med kommatecken; de bekräftar "
        "själva)",
        "attachment": "Bilaga (PDF, bild, text- eller kontorsdokument)",
        "submit": "Skicka idén",
        "errors": "Kontrollera de markerade fälten:",
        "thanks": "Tack! Din idé har tagits emot.",
        "thanks_detail": "Du kan följa den under Mina idéer. Id:",
        "expired": "Formuläret har gått ut eller länken är felaktig. Öppna formuläret på nytt "
        "från intranätet.",
        "already": "Formuläret har redan skickats med annat innehåll. Öppna formuläret på nytt.",
        "too_many": "Du har skickat det högsta antalet idéer för den här timmen. Försök senare.",
        "busy": "Det har kommit för många förfrågningar från det här nätverket just nu. Försök "
        "igen om en stund.",
    },
    "en": {
        "heading": "Submit an improvement idea",
        "intro": "Tell us what does not work and how it could be better. Required fields are "
        "marked *.",
        "title": "Title",
        "problem": "What is the problem today?",
        "solution": "Proposed solution",
        "benefit": "Expected benefit",
        "benefit_kinds": "What does the idea improve?",
        "category": "Category",
        "no_category": "(no category)",
        "scope": "Who should decide on the idea?",
        "scope_unit": "My unit",
        "scope_department": "The department",
        "scope_city": "The whole city",
        "unit_id": "Unit or department the idea concerns",
        "language": "Language of the text",
        "anonymous": "Hide my name from reviewers and colleagues (a reward is still possible)",
        "co_author_ids": "Co-authors (person ids separated by commas; they confirm themselves)",
        "attachment": "Attachment (PDF, image, text or office document)",
        "submit": "Submit the idea",
        "errors": "Please check the marked fields:",
        "thanks": "Thank you! Your idea has been received.",
        "thanks_detail": "You can follow it under My ideas. Id:",
        "expired": "The form has expired or the link is not valid. Open the form again from the "
        "intranet.",
        "already": "This form was already submitted with other content. Open the form again.",
        "too_many": "You have submitted the most ideas allowed in an hour. Please try later.",
        "busy": "Too many requests have come from this network just now. Please try again in a "
        "moment.",
    },
}

LANGUAGE_NAMES = {"fi": "suomi", "sv": "svenska", "en": "English"}


def choose_language(requested: str | None, accept_language: str | None) -> str:
    """The page language: one asked for explicitly wins, else the best of Accept-Language, else
    fi."""
    if requested in LANGUAGES:
        return requested
    best: tuple[float, int, str] | None = None
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-", 1)[0]
        if primary not in LANGUAGES:
            continue
        quality = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                quality = float(params[2:])
            except ValueError:
                continue
        if quality <= 0:
            continue
        candidate = (quality, -position, primary)
        if best is None or candidate > best:
            best = candidate
    return best[2] if best else "fi"
