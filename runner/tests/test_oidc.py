"""The dev issuer as an OpenID Connect provider: discovery and JWKS, the authorization code flow
with PKCE driven over HTTP against the app in-process (and every way it refuses), the person
list page in Finnish, Swedish and English, userinfo and logout."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from oidc_testkit import (
    PORTAL_CALLBACK,
    PORTAL_HOME,
    VERIFIER,
    SignInPage,
    authorize_params,
    s256,
)

from ideapaja_runner import devissuer, hr_records, tokenendpoint
from ideapaja_runner.oidcflow import CodeStore, OidcConfig
from ideapaja_runner.state import StateDir
from ideapaja_runtime.auth import TokenVerifier
from ideapaja_runtime.settings import ServiceSettings

ISSUER_URL = "http://issuer.test"


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clients(state: StateDir) -> dict[str, str]:
    return devissuer.ensure_clients(state, ["portal", "privacy"])


@pytest.fixture
def clock() -> Clock:
    return Clock()


def config(organisation: bool = True) -> OidcConfig:
    return OidcConfig(
        public_url=ISSUER_URL,
        redirect_uris={"portal": (PORTAL_CALLBACK,), "privacy": ("http://privacy.test/cb",)},
        post_logout_redirect_uris={"portal": (PORTAL_HOME,)},
        organisation=hr_records.parse_organisation(hr_records.demo_csv_text())
        if organisation
        else None,
    )


@pytest.fixture
async def issuer(
    state: StateDir, clients: dict[str, str], clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    app = tokenendpoint.create_app(
        devissuer.Signer.of(state), clients, oidc=config(), codes=CodeStore(clock=clock)
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=ISSUER_URL) as c:
        yield c


def query_of(response: httpx.Response) -> dict[str, str]:
    assert response.status_code == 302, response.text
    return {k: v[0] for k, v in parse_qs(urlsplit(response.headers["location"]).query).items()}


async def sign_in(
    issuer: httpx.AsyncClient, person: str = "p-1001", **overrides: str | None
) -> httpx.Response:
    """Open the person list and press the person's button, as a browser; the POST's answer."""
    page = await issuer.get("/authorize", params=authorize_params(**overrides))
    assert page.status_code == 200, page.text
    form = SignInPage.of(page)
    assert (form.form_method, form.form_action) == ("post", "/authorize")
    button = form.button_for(person)
    return await issuer.post("/authorize", data={**form.hidden, "person": button.value})


async def code_for(issuer: httpx.AsyncClient, person: str = "p-1001", **overrides: Any) -> str:
    answer = query_of(await sign_in(issuer, person, **overrides))
    assert answer["state"] == overrides.get("state", "st-123")
    assert answer["iss"] == devissuer.ISSUER
    return answer["code"]


async def redeem(
    issuer: httpx.AsyncClient,
    clients: dict[str, str],
    code: str,
    *,
    client: str = "portal",
    secret: str | None = None,
    **overrides: str,
) -> httpx.Response:
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": PORTAL_CALLBACK,
        "code_verifier": VERIFIER,
        **overrides,
    }
    return await issuer.post(
        "/oauth2/token", data=form, auth=(client, clients[client] if secret is None else secret)
    )


def assert_refused(response: httpx.Response, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert "access_token" not in response.text


async def test_discovery_names_absolute_endpoints_and_the_services_issuer(
    issuer: httpx.AsyncClient,
) -> None:
    response = await issuer.get("/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.json()
    assert doc["issuer"] == devissuer.ISSUER == "ideapaja-dev"
    assert doc["authorization_endpoint"] == f"{ISSUER_URL}/authorize"
    assert doc["token_endpoint"] == f"{ISSUER_URL}/oauth2/token"
    assert doc["jwks_uri"] == f"{ISSUER_URL}/jwks.json"
    assert doc["userinfo_endpoint"] == f"{ISSUER_URL}/userinfo"
    assert doc["end_session_endpoint"] == f"{ISSUER_URL}/logout"
    assert doc["response_types_supported"] == ["code"]
    assert doc["grant_types_supported"] == ["authorization_code", "client_credentials"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["subject_types_supported"] == ["public"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert doc["scopes_supported"] == ["openid", "profile", "email"]
    assert doc["token_endpoint_auth_methods_supported"] == [
        "client_secret_basic",
        "client_secret_post",
    ]
    assert {"sub", "name", "email", "locale", "nonce", "roles"} <= set(doc["claims_supported"])


async def test_the_code_flow_gives_tokens_the_jwks_and_the_services_verify(
    issuer: httpx.AsyncClient, state: StateDir, clients: dict[str, str], clock: Clock
) -> None:
    clock.now -= 30  # signed in half a minute ago
    code = await code_for(issuer, "p-1016")
    clock.now += 30
    response = await redeem(issuer, clients, code)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    answer = response.json()
    assert answer["token_type"] == "Bearer" and answer["expires_in"] == 3600
    assert answer["scope"] == "openid profile"

    jwks = (await issuer.get("/jwks.json")).json()
    [key] = jwks["keys"]
    assert (key["kty"], key["use"], key["alg"], key["e"]) == ("RSA", "sig", "RS256", "AQAB")
    assert key["kid"] == devissuer.key_id(state.public_key.read_bytes())
    id_token = answer["id_token"]
    assert jwt.get_unverified_header(id_token)["kid"] == key["kid"]
    claims = jwt.decode(
        id_token,
        jwt.PyJWK(key).key,
        algorithms=["RS256"],
        audience="portal",
        issuer=devissuer.ISSUER,
    )
    assert claims["sub"] == "p-1016" and claims["nonce"] == "n-456"
    assert claims["name"] == "Riikka Koskinen"
    assert claims["email"] == "riikka.koskinen@kuusijarvi.example"
    assert claims["locale"] == "fi"
    assert claims["auth_time"] == int(clock.now - 30)
    assert claims["exp"] - claims["iat"] == 3600
    digest = hashlib.sha256(answer["access_token"].encode()).digest()[:16]
    assert claims["at_hash"] == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    # The access token is a person's token as `ideapaja token --from-csv` makes it: every
    # service accepts it (the runtime's verifier), with the CSV's roles and unit.
    access = jwt.decode(answer["access_token"], options={"verify_signature": False})
    org = hr_records.parse_organisation(hr_records.demo_csv_text())
    roles, units = hr_records.person_claims(org, "p-1016")
    assert access["roles"] == roles and access["units"] == units
    assert "hr" in roles and access["name"] == "Riikka Koskinen"
    assert (access["iss"], access["aud"]) == (devissuer.ISSUER, devissuer.AUDIENCE)
    fresh = await redeem(issuer, clients, await code_for(issuer, "p-1016"))
    verifier = TokenVerifier(
        ServiceSettings(
            auth_public_key_file=state.public_key,
            auth_issuer=devissuer.ISSUER,
            auth_audience=devissuer.AUDIENCE,
        )
    )
    principal = verifier.verify(fresh.json()["access_token"])
    assert principal.person_id == "p-1016" and "hr" in principal.roles
    assert principal.unit_ids == frozenset({"u-henkilosto"})


async def test_userinfo_answers_for_a_persons_access_token_only(
    issuer: httpx.AsyncClient, state: StateDir, clients: dict[str, str]
) -> None:
    signer = devissuer.Signer.of(state)
    code = await code_for(issuer, "p-1002")
    token = (await redeem(issuer, clients, code)).json()
    response = await issuer.get(
        "/userinfo", headers={"Authorization": f"Bearer {token['access_token']}"}
    )
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "sub": "p-1002",
        "name": "Mikael Lindqvist",
        "email": "mikael.lindqvist@kuusijarvi.example",
        "locale": "sv",
    }
    old = signer.sign(
        devissuer.person_claims(person_id="p-1002", roles=["employee"], now=int(time.time()) - 7200)
    )
    expired = await issuer.get("/userinfo", headers={"Authorization": f"Bearer {old}"})
    assert_refused(expired, "invalid_token", 401)
    assert expired.headers["www-authenticate"].startswith("Bearer ")
    assert_refused(await issuer.get("/userinfo"), "invalid_request", 401)
    service = signer.service_token("privacy")
    assert_refused(
        await issuer.get("/userinfo", headers={"Authorization": f"Bearer {service}"}),
        "invalid_token",
        401,
    )
    # The id_token is not an access token (its audience is the client).
    assert_refused(
        await issuer.get("/userinfo", headers={"Authorization": f"Bearer {token['id_token']}"}),
        "invalid_token",
        401,
    )


async def test_client_secret_post_works_and_a_wrong_secret_is_invalid_client(
    issuer: httpx.AsyncClient, clients: dict[str, str]
) -> None:
    code = await code_for(issuer)
    assert_refused(await redeem(issuer, clients, code, secret="guess"), "invalid_client", 401)
    # The code survives a request that never got past client authentication.
    posted = await issuer.post(
        "/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": PORTAL_CALLBACK,
            "code_verifier": VERIFIER,
            "client_id": "portal",
            "client_secret": clients["portal"],
        },
    )
    assert posted.status_code == 200 and posted.json()["id_token"]


async def test_a_code_is_good_once_for_its_client_within_a_minute(
    issuer: httpx.AsyncClient, clients: dict[str, str], clock: Clock
) -> None:
    code = await code_for(issuer)
    assert (await redeem(issuer, clients, code)).status_code == 200
    assert_refused(await redeem(issuer, clients, code), "invalid_grant")

    late = await code_for(issuer)
    clock.now += 61
    assert_refused(await redeem(issuer, clients, late), "invalid_grant")

    # Another client, authenticated with its own good secret, cannot use portal's code.
    foreign = await code_for(issuer)
    assert_refused(await redeem(issuer, clients, foreign, client="privacy"), "invalid_grant")
    assert_refused(await redeem(issuer, clients, foreign), "invalid_grant")  # used up

    assert_refused(await redeem(issuer, clients, "made-up"), "invalid_grant")


async def test_pkce_and_the_redirect_uri_must_match_the_authorization(
    issuer: httpx.AsyncClient, clients: dict[str, str]
) -> None:
    code = await code_for(issuer)
    assert_refused(await redeem(issuer, clients, code, code_verifier="w" * 43), "invalid_grant")
    assert_refused(await redeem(issuer, clients, code), "invalid_grant")  # no second try

    code = await code_for(issuer)
    wrong = await redeem(issuer, clients, code, redirect_uri="http://portal.test/other")
    assert_refused(wrong, "invalid_grant")

    code = await code_for(issuer)
    for missing in ("code_verifier", "redirect_uri", "code"):
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": PORTAL_CALLBACK,
            "code_verifier": VERIFIER,
        }
        del form[missing]
        response = await issuer.post("/oauth2/token", data=form, auth=("portal", clients["portal"]))
        assert_refused(response, "invalid_request")
    short = await redeem(issuer, clients, code, code_verifier="too-short")
    assert_refused(short, "invalid_request")
    assert (await redeem(issuer, clients, code)).status_code == 200  # still unused until now


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({"code_challenge": None, "code_challenge_method": None}, "invalid_request"),
        ({"code_challenge_method": None}, "invalid_request"),  # RFC 7636 would default to plain
        ({"code_challenge": VERIFIER, "code_challenge_method": "plain"}, "invalid_request"),
        ({"code_challenge": "short", "code_challenge_method": "S256"}, "invalid_request"),
        ({"response_type": "token"}, "unsupported_response_type"),
        ({"response_type": None}, "invalid_request"),
        ({"scope": "profile"}, "invalid_scope"),
        ({"prompt": "none"}, "login_required"),
    ],
)
async def test_a_bad_request_with_a_good_redirect_uri_is_answered_there(
    issuer: httpx.AsyncClient, overrides: dict[str, str | None], error: str
) -> None:
    response = await issuer.get("/authorize", params=authorize_params(**overrides))
    answer = query_of(response)
    assert response.headers["location"].startswith(PORTAL_CALLBACK + "?")
    assert answer["error"] == error and answer["error_description"]
    assert answer["state"] == "st-123" and answer["iss"] == devissuer.ISSUER
    assert "code" not in answer


@pytest.mark.parametrize(
    "overrides",
    [
        {"client_id": "nobody"},
        {"client_id": None},
        {"client_id": "review"},  # no such client in clients.json
        {"redirect_uri": "http://evil.test/auth/callback"},
        {"redirect_uri": PORTAL_CALLBACK + "/"},  # exact match only
        {"redirect_uri": None},
        {"client_id": "privacy"},  # a client, but portal's callback is not registered for it
    ],
)
async def test_an_unknown_client_or_redirect_uri_gets_a_page_never_a_redirect(
    issuer: httpx.AsyncClient, overrides: dict[str, str | None]
) -> None:
    response = await issuer.get(
        "/authorize", params=authorize_params(**overrides, code_challenge=None)
    )
    assert response.status_code == 400
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    page = SignInPage.of(response)
    assert page.lang == "fi" and page.h1 == "Kirjautumispyyntö hylättiin"
    assert not page.buttons


async def test_the_posted_form_is_checked_again(
    issuer: httpx.AsyncClient, clients: dict[str, str]
) -> None:
    good = authorize_params()
    unknown = await issuer.post("/authorize", data={**good, "person": "p-9999"})
    assert query_of(unknown)["error"] == "invalid_request"
    tampered = await issuer.post(
        "/authorize", data={**good, "redirect_uri": "http://evil.test/", "person": "p-1001"}
    )
    assert tampered.status_code == 400 and "location" not in tampered.headers
    plain = await issuer.post(
        "/authorize", data={**good, "code_challenge_method": "plain", "person": "p-1001"}
    )
    assert query_of(plain)["error"] == "invalid_request"
    repeated = await issuer.post(
        "/authorize",
        content=b"client_id=portal&client_id=portal&person=p-1001",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert repeated.status_code == 400 and "location" not in repeated.headers
    twice = await issuer.get(
        "/authorize", params=[*authorize_params().items(), ("client_id", "portal")]
    )
    assert twice.status_code == 400 and "location" not in twice.headers


@pytest.mark.parametrize(
    "ui_locales, lang, title",
    [
        (None, "fi", "Kehitysvaiheen kirjautuminen"),
        ("fi", "fi", "Kehitysvaiheen kirjautuminen"),
        ("sv-FI en", "sv", "Inloggning i utvecklingsmiljön"),
        ("de en", "en", "Development sign-in"),
    ],
)
async def test_the_person_list_in_finnish_swedish_and_english(
    issuer: httpx.AsyncClient, ui_locales: str | None, lang: str, title: str
) -> None:
    response = await issuer.get("/authorize", params=authorize_params(ui_locales=ui_locales))
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "style-src 'self'" in csp
    assert "form-action 'self' http://portal.test" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    page = SignInPage.of(response)
    assert page.lang == lang and page.h1 == title and page.title == title
    assert page.scripts == 0 and page.stylesheets == ["/signin.css"]
    assert len(page.buttons) == 24  # everyone of the demo organisation
    aino = page.button_for("p-1001")
    assert aino.value == "p-1001" and "Aino Virtanen" in aino.text
    unit = {"fi": "Kirjastopalvelut", "sv": "Bibliotekstjänster", "en": "Library Services"}[lang]
    assert unit in aino.text and "change_agent" in aino.text
    # The hidden fields carry the request on, the language included.
    assert page.hidden["code_challenge"] == s256(VERIFIER) and page.hidden["state"] == "st-123"
    if ui_locales:
        assert page.hidden["ui_locales"] == ui_locales
    css = await issuer.get("/signin.css")
    assert css.headers["content-type"].startswith("text/css") and "focus-visible" in css.text


async def test_without_an_organisation_the_page_says_so(
    state: StateDir, clients: dict[str, str]
) -> None:
    app = tokenendpoint.create_app(
        devissuer.Signer.of(state), clients, oidc=config(organisation=False)
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url=ISSUER_URL) as c:
        response = await c.get("/authorize", params=authorize_params(ui_locales="en"))
        assert response.status_code == 200
        assert not SignInPage.of(response).buttons
        assert "No organisation is loaded" in response.text
        posted = await c.post("/authorize", data={**authorize_params(), "person": "p-1001"})
        assert query_of(posted)["error"] == "invalid_request"


async def test_logout_redirects_only_to_a_registered_uri(
    issuer: httpx.AsyncClient, state: StateDir, clients: dict[str, str]
) -> None:
    by_client = await issuer.get(
        "/logout",
        params={"client_id": "portal", "post_logout_redirect_uri": PORTAL_HOME, "state": "s1"},
    )
    assert by_client.status_code == 302
    assert by_client.headers["location"] == f"{PORTAL_HOME}?state=s1"

    id_token = (await redeem(issuer, clients, await code_for(issuer))).json()["id_token"]
    by_hint = await issuer.get(
        "/logout", params={"id_token_hint": id_token, "post_logout_redirect_uri": PORTAL_HOME}
    )
    assert by_hint.status_code == 302 and by_hint.headers["location"] == PORTAL_HOME

    for params in (
        {"client_id": "portal", "post_logout_redirect_uri": "http://evil.test/"},
        {"post_logout_redirect_uri": PORTAL_HOME},  # whose?
        {"client_id": "privacy", "post_logout_redirect_uri": PORTAL_HOME},
        {
            "client_id": "privacy",
            "id_token_hint": id_token,
            "post_logout_redirect_uri": PORTAL_HOME,
        },
        {"id_token_hint": "not-a-jwt", "post_logout_redirect_uri": PORTAL_HOME},
    ):
        refused = await issuer.get("/logout", params=params)
        assert refused.status_code == 400, params
        assert "location" not in refused.headers
    signed_out = await issuer.get("/logout", params={"ui_locales": "sv"})
    assert signed_out.status_code == 200
    page = SignInPage.of(signed_out)
    assert page.lang == "sv" and page.h1 == "Du har loggat ut"


def test_the_code_store_is_bounded_and_drops_the_oldest() -> None:
    clock = Clock()
    codes = CodeStore(limit=3, clock=clock)
    request = _request()
    issued = [codes.issue(request, "p-1001") for _ in range(4)]
    assert len(codes) == 3
    assert codes.take(issued[0]) is None
    assert codes.take(issued[3]) is not None
    clock.now += 61
    codes.issue(request, "p-1001")  # the expired ones go first
    assert len(codes) == 1


def _request() -> Any:
    from ideapaja_runner.oidcflow import validate_authorization

    return validate_authorization(authorize_params(), config(), {"portal": "x"})


def test_up_registers_the_portals_callbacks_and_tells_it_where_to_sign_in(
    state: StateDir,
) -> None:
    argv = tokenendpoint.command(
        state,
        host="0.0.0.0",
        port=8020,
        public_url="http://127.0.0.1:8020",
        sign_in={"portal": 8000},
        organisation="demo",
    )
    args = tokenendpoint.build_parser().parse_args(argv[3:])
    assert args.public_url == "http://127.0.0.1:8020" and args.organisation == "demo"
    assert args.redirect_uri == [
        ("portal", "http://127.0.0.1:8000/auth/callback"),
        ("portal", "http://localhost:8000/auth/callback"),
    ]
    assert args.post_logout_redirect_uri == [
        ("portal", "http://127.0.0.1:8000/"),
        ("portal", "http://localhost:8000/"),
    ]
    assert tokenendpoint.sign_in_settings("http://127.0.0.1:8020", "http://127.0.0.1:8000") == {
        "OIDC_DISCOVERY_URL": "http://127.0.0.1:8020/.well-known/openid-configuration",
        "PUBLIC_URL": "http://127.0.0.1:8000",
    }
    assert tokenendpoint.load_organisation("demo") is not None
    assert tokenendpoint.load_organisation(None) is None
