"""Reading the dev issuer's sign-in page as a browser would, for the OIDC tests."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from html.parser import HTMLParser

import httpx

PORTAL_CALLBACK = "http://portal.test/auth/callback"
PORTAL_HOME = "http://portal.test/"
VERIFIER = "v" * 20 + "-._~" + "x" * 30  # 54 unreserved characters (RFC 7636 §4.1)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_params(**overrides: str | None) -> dict[str, str]:
    params: dict[str, str | None] = {
        "response_type": "code",
        "client_id": "portal",
        "redirect_uri": PORTAL_CALLBACK,
        "scope": "openid profile",
        "state": "st-123",
        "nonce": "n-456",
        "code_challenge": s256(VERIFIER),
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {k: v for k, v in params.items() if v is not None}


@dataclass
class Button:
    person: str
    value: str
    text: str


@dataclass
class SignInPage(HTMLParser):
    """The hidden fields, the person buttons and what a reader of the page needs."""

    lang: str | None = None
    title: str = ""
    h1: str = ""
    hidden: dict[str, str] = field(default_factory=dict)
    buttons: list[Button] = field(default_factory=list)
    form_action: str | None = None
    form_method: str | None = None
    stylesheets: list[str] = field(default_factory=list)
    scripts: int = 0
    _text_into: str | None = None

    def __post_init__(self) -> None:
        HTMLParser.__init__(self)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang")
        elif tag in ("title", "h1"):
            self._text_into = tag
        elif tag == "form":
            self.form_action, self.form_method = a.get("action"), a.get("method")
        elif tag == "input" and a.get("type") == "hidden":
            self.hidden[a["name"]] = a["value"]
        elif tag == "button":
            self.buttons.append(Button(a.get("data-person", ""), a.get("value", ""), ""))
            self._text_into = "button"
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(a["href"])
        elif tag == "script":
            self.scripts += 1
        if "style" in a or any(k.startswith("on") for k in a):
            self.scripts += 1  # inline style or handler: the CSP would block it

    def handle_endtag(self, tag: str) -> None:
        if tag in ("title", "h1", "button"):
            self._text_into = None

    def handle_data(self, data: str) -> None:
        if self._text_into == "title":
            self.title += data
        elif self._text_into == "h1":
            self.h1 += data
        elif self._text_into == "button":
            self.buttons[-1].text += data + " "

    @classmethod
    def of(cls, response: httpx.Response) -> SignInPage:
        page = cls()
        page.feed(response.text)
        return page

    def button_for(self, person: str) -> Button:
        return next(b for b in self.buttons if b.person == person)
