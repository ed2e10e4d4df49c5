"""The dev issuer's HTML: the person list of ``GET /authorize`` (sign in as anyone of the
organisation, no password), its error page and the signed-out page, in Finnish, Swedish or
English. No script; the one style sheet is ``/signin.css`` (the pages' CSP allows nothing else).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from urllib.parse import urlencode, urlsplit

from starlette.responses import HTMLResponse, Response

from ideapaja_runner.oidcflow import LANGUAGES, AuthorizationRequest, Person

STYLESHEET_PATH = "/signin.css"
_LANGUAGE_NAMES = {"fi": "suomeksi", "sv": "på svenska", "en": "in English"}

TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "title": "Kehitysvaiheen kirjautuminen",
        "intro": "Valitse henkilö, jona kirjaudut palveluun {client}. Tämä on kehitysympäristön "
        "tunnistuspalvelu: se ei kysy salasanaa, eikä mikään tuotantopalvelu luota siihen.",
        "people": "Organisaation henkilöt",
        "unit": "Yksikkö",
        "roles": "Roolit",
        "languages": "Kieli",
        "no_organisation": "Organisaatiota ei ole ladattu, joten kirjautujia ei ole. Käynnistä "
        "ympäristö komennolla ideapaja up --demo, niin demo-organisaation henkilöt näkyvät tässä.",
        "error_title": "Kirjautumispyyntö hylättiin",
        "error_intro": "Tunnistuspalvelu ei voi käsitellä pyyntöä, eikä se palaa sovellukseen:",
        "signed_out_title": "Olet kirjautunut ulos",
        "signed_out": "Kehitysvaiheen tunnistuspalvelu ei pidä kirjautumisistuntoa; voit sulkea "
        "tämän sivun.",
        "bad_logout": "Uloskirjautumisen paluuosoite ei ole rekisteröity tälle sovellukselle.",
    },
    "sv": {
        "title": "Inloggning i utvecklingsmiljön",
        "intro": "Välj den person som du loggar in i tjänsten {client} som. Detta är "
        "utvecklingsmiljöns identifieringstjänst: den frågar inte efter lösenord, och ingen "
        "produktionstjänst litar på den.",
        "people": "Organisationens personer",
        "unit": "Enhet",
        "roles": "Roller",
        "languages": "Språk",
        "no_organisation": "Ingen organisation har lästs in, så det finns ingen att logga in "
        "som. Starta miljön med ideapaja up --demo så visas demoorganisationens personer här.",
        "error_title": "Inloggningsbegäran avvisades",
        "error_intro": "Identifieringstjänsten kan inte behandla begäran och återvänder inte "
        "till programmet:",
        "signed_out_title": "Du har loggat ut",
        "signed_out": "Utvecklingsmiljöns identifieringstjänst håller ingen inloggningssession; "
        "du kan stänga den här sidan.",
        "bad_logout": "Returadressen efter utloggning är inte registrerad för programmet.",
    },
    "en": {
        "title": "Development sign-in",
        "intro": "Choose the person to sign in to {client} as. This is the development "
        "environment's identity provider: it asks for no password, and no production service "
        "trusts it.",
        "people": "People of the organisation",
        "unit": "Unit",
        "roles": "Roles",
        "languages": "Language",
        "no_organisation": "No organisation is loaded, so there is nobody to sign in as. Start "
        "the environment with ideapaja up --demo to list the demo organisation's people here.",
        "error_title": "Sign-in request refused",
        "error_intro": "The identity provider cannot handle the request and will not return to "
        "the application:",
        "signed_out_title": "You have signed out",
        "signed_out": "The development identity provider keeps no sign-in session; you can close "
        "this page.",
        "bad_logout": "The post-logout redirect URI is not registered for the application.",
    },
}

STYLESHEET = """\
:root { color-scheme: light; font-family: system-ui, sans-serif; line-height: 1.5; }
body { margin: 0 auto; max-width: 48rem; padding: 1.5rem; color: #1a1a1a; background: #fff; }
h1 { font-size: 1.6rem; margin-top: 0; }
nav ul, ul.people { list-style: none; padding: 0; }
nav li { display: inline-block; margin-right: 1rem; }
a { color: #0b4f9c; }
a:focus-visible, button:focus-visible { outline: 3px solid #b35900; outline-offset: 2px; }
ul.people li { margin: 0.5rem 0; }
button.person {
  display: block; width: 100%; text-align: left; font: inherit; cursor: pointer;
  padding: 0.75rem 1rem; border: 2px solid #0b4f9c; border-radius: 0.4rem;
  background: #f3f7fc; color: #1a1a1a;
}
button.person:hover { background: #dde9f7; }
.name { display: block; font-weight: 700; }
.details { display: block; font-size: 0.95rem; }
.notice { padding: 0.75rem 1rem; border-left: 4px solid #b35900; background: #fff6ec; }
"""


def html_headers(form_target: str | None = None) -> dict[str, str]:
    """Strict headers for every page; ``form_target`` is where the sign-in POST's redirect may
    go (Chromium applies ``form-action`` to the redirect after a form is sent, too)."""
    form_action = "'self'"
    if form_target:
        parts = urlsplit(form_target)
        form_action += f" {parts.scheme}://{parts.netloc}"
    csp = (
        "default-src 'none'; style-src 'self'; "
        f"form-action {form_action}; frame-ancestors 'none'; base-uri 'none'"
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
    }


def _page(language: str, title: str, body: str) -> str:
    return (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<link rel="stylesheet" href="{STYLESHEET_PATH}">\n</head>\n'
        f"<body>\n<main>\n{body}</main>\n</body>\n</html>\n"
    )


def _language_links(request: AuthorizationRequest, texts: Mapping[str, str]) -> str:
    items = []
    for language in LANGUAGES:
        query = urlencode({**request.hidden_fields(), "ui_locales": language})
        current = ' aria-current="page"' if language == request.language else ""
        items.append(
            f'<li><a href="/authorize?{escape(query)}" lang="{language}" hreflang="{language}"'
            f"{current}>{_LANGUAGE_NAMES[language]}</a></li>"
        )
    return (
        f'<nav aria-label="{escape(texts["languages"])}">\n<ul>\n'
        + "\n".join(items)
        + "\n</ul>\n</nav>\n"
    )


def _person_button(person: Person, unit_name: str, texts: Mapping[str, str]) -> str:
    pid = escape(person.person_id)
    details = (
        f"{escape(texts['unit'])}: {escape(unit_name)} · "
        f"{escape(texts['roles'])}: {escape(', '.join(person.roles))}"
    )
    return (
        f'<li><button type="submit" class="person" name="person" value="{pid}" '
        f'data-person="{pid}"><span class="name">{escape(person.display_name)}</span>'
        f'<span class="details">{details}</span></button></li>'
    )


def sign_in_page(
    request: AuthorizationRequest, persons: Sequence[Person], units: Mapping[str, str]
) -> HTMLResponse:
    texts = TEXTS[request.language]
    body = [
        f"<h1>{escape(texts['title'])}</h1>\n",
        _language_links(request, texts),
        f"<p>{escape(texts['intro'].format(client=request.client_id))}</p>\n",
        f'<h2 id="people">{escape(texts["people"])}</h2>\n',
    ]
    if not persons:
        body.append(f'<p class="notice" role="status">{escape(texts["no_organisation"])}</p>\n')
    else:
        hidden = "".join(
            f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">\n'
            for name, value in request.hidden_fields().items()
        )
        buttons = "\n".join(
            _person_button(p, units.get(p.unit_id, p.unit_id), texts) for p in persons
        )
        body.append(
            f'<form method="post" action="/authorize" aria-labelledby="people">\n{hidden}'
            f'<ul class="people">\n{buttons}\n</ul>\n</form>\n'
        )
    return HTMLResponse(
        _page(request.language, texts["title"], "".join(body)),
        headers=html_headers(request.redirect_uri),
    )


def error_page(language: str, description: str, status_code: int = 400) -> HTMLResponse:
    texts = TEXTS[language]
    body = (
        f"<h1>{escape(texts['error_title'])}</h1>\n"
        f'<p>{escape(texts["error_intro"])}</p>\n<p class="notice" role="alert" lang="en">'
        f"{escape(description)}</p>\n"
    )
    return HTMLResponse(
        _page(language, texts["error_title"], body),
        status_code=status_code,
        headers=html_headers(),
    )


def signed_out_page(language: str, *, refused: bool = False) -> HTMLResponse:
    texts = TEXTS[language]
    body = f"<h1>{escape(texts['signed_out_title'])}</h1>\n<p>{escape(texts['signed_out'])}</p>\n"
    if refused:
        body += f'<p class="notice" role="alert">{escape(texts["bad_logout"])}</p>\n'
    return HTMLResponse(
        _page(language, texts["signed_out_title"], body),
        status_code=400 if refused else 200,
        headers=html_headers(),
    )


def stylesheet() -> Response:
    return Response(
        STYLESHEET,
        media_type="text/css",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
