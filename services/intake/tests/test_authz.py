"""The policy table as the intake service applies it: every route has an action, denials say
whether the role or the object was wrong, citizens reach their own channel only, the form-token
routes meet the same table, and the README shows the table in force."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from httpx import Response
from intake_testkit import (
    AUTHOR,
    COLLEAGUE,
    REVIEWER,
    SettingsFor,
    count_rows,
    form_payload,
    post_idea,
    running_intake,
)
from pydantic import ValidationError

from ideapaja_intake.authz import CITIZEN, POLICY
from ideapaja_intake.db.models import Idea
from ideapaja_intake.domain.form_token import issue_form_token
from ideapaja_intake.domain.visibility import (
    MODERATOR_ROLES,
    REPORTING_ROLES,
    REVIEWER_ROLES,
    STAFF_ROLES,
)
from ideapaja_intake.settings import IntakeSettings
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.authz import (
    AUTH_EXTENSION,
    CORS_PREFLIGHT,
    FORM_TOKEN_AUTH,
    PUBLIC_EXTENSION,
    STAFF,
    Scope,
)
from ideapaja_runtime.testing import DevKeys, RunningService

README = Path(__file__).parents[1] / "README.md"
CITIZEN_SUBMISSION = {
    "title": "Penkki puistoon",
    "problem": "Ei paikkaa levätä.",
    "solution": "Penkki.",
    "unit_id": "u-kirjasto",
}


def reason(response: Response) -> str:
    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return str(response.json()["reason"])


@pytest.fixture
async def open_channel(settings_for: SettingsFor, sqlite_url: str) -> AsyncIterator[RunningService]:
    """The service with the citizen channel open."""
    async with running_intake(settings_for(sqlite_url, citizen_channel_enabled=True)) as running:
        yield running


# --- the table and the OpenAPI -------------------------------------------------------------------


async def test_every_route_names_an_action_of_the_table(intake: RunningService) -> None:
    spec = (await intake.client.get("/openapi.json")).json()
    used: set[str] = set()
    form_token_routes: set[tuple[str, str]] = set()
    public: set[tuple[str, str]] = set()
    for path, methods in spec["paths"].items():
        if path in ("/healthz", "/readyz", "/metrics"):
            continue
        for method, operation in methods.items():
            if operation.get(PUBLIC_EXTENSION) == CORS_PREFLIGHT:
                assert "x-ideapaja-action" not in operation
                public.add((method, path))
                continue
            action = operation.get("x-ideapaja-action", "")
            assert action.startswith("intake."), f"{method.upper()} {path} has no action"
            permission = POLICY[action.removeprefix("intake.")]
            assert operation["x-ideapaja-roles"] == sorted(permission.roles)
            used.add(permission.action)
            if operation.get(AUTH_EXTENSION) == FORM_TOKEN_AUTH:
                form_token_routes.add((method, path))
    assert used == set(POLICY.permissions), "an action no route uses"
    assert form_token_routes == {
        ("post", "/ideas/form"),
        ("get", "/embed/idea-form"),
        ("post", "/embed/idea-form"),
        ("get", "/ideas/form/people"),
    }
    assert public == {("options", "/ideas/form")}


def test_the_table_says_what_the_visibility_rules_say() -> None:
    assert set(STAFF_ROLES) == STAFF
    for role in STAFF:
        principal = Principal("p-x", frozenset({role}), frozenset())
        for action in ("ideas.read", "ideas.list"):
            expected = Scope.ANY if role in REVIEWER_ROLES else Scope.OWN
            assert POLICY[action].scope_for(principal) is expected, (action, role)
    assert POLICY["comments.hide"].roles == set(MODERATOR_ROLES)
    assert POLICY["reports.export"].roles == set(REPORTING_ROLES)
    citizen_actions = {a for a, p in POLICY.permissions.items() if CITIZEN in p.roles}
    assert citizen_actions == {"citizen.submit", "citizen.read", "units.read", "categories.read"}
    # Any signed-in person, even without a role, may read what is held on themselves (GDPR
    # access report, as in every service); nothing else is open to a token without roles.
    assert {a for a, p in POLICY.permissions.items() if p.any_authenticated} == {"privacy.report"}
    for role in (*STAFF, CITIZEN):
        expected = Scope.ANY if role in ("hr", "admin") else Scope.OWN
        principal = Principal("p-x", frozenset({role}), frozenset())
        assert POLICY["privacy.report"].permits(principal), role
        assert POLICY["privacy.report"].scope_for(principal) is expected, role


def test_readme_shows_the_table_in_force() -> None:
    assert POLICY.markdown_table() in README.read_text(encoding="utf-8")


# --- role denials ------------------------------------------------------------------------------


async def test_a_token_without_roles_sees_nothing_internal(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    idea = await post_idea(intake, dev_keys)
    # Even the author's own person id without a role: the roles are checked before anything.
    for person in ("p-none", AUTHOR):
        nobody = dev_keys.headers(person)
        for path in ("/units", "/categories", "/ideas?mine=true", f"/ideas/{idea['id']}",
                     f"/ideas/{idea['id']}/versions", "/public/ideas", "/drafts",
                     "/ideas/similar?text=kirjasto"):  # fmt: skip
            assert reason(await intake.client.get(path, headers=nobody)) == "role", path


async def test_citizens_reach_their_channel_only_and_staff_not_theirs(
    open_channel: RunningService, dev_keys: DevKeys
) -> None:
    idea = await post_idea(open_channel, dev_keys)
    citizen = dev_keys.headers("suomifi-1", CITIZEN)
    for path in ("/ideas?mine=true", f"/ideas/{idea['id']}", "/public/ideas", "/drafts",
                 "/reports/ideas.csv", f"/ideas/{idea['id']}/comments"):  # fmt: skip
        assert reason(await open_channel.client.get(path, headers=citizen)) == "role", path
    for path in ("/ideas", "/form-tokens", f"/ideas/{idea['id']}/support"):
        response = await open_channel.client.post(path, json={}, headers=citizen)
        assert reason(response) == "role", path
    # The citizen form needs the units and categories.
    assert (await open_channel.client.get("/units", headers=citizen)).status_code == 200
    assert (await open_channel.client.get("/categories", headers=citizen)).status_code == 200
    assert (
        await open_channel.client.post("/citizen/ideas", json=CITIZEN_SUBMISSION, headers=citizen)
    ).status_code == 201

    for roles in [("employee",), ("admin",), ()]:
        staff = dev_keys.headers(COLLEAGUE, *roles)
        posted = await open_channel.client.post(
            "/citizen/ideas", json=CITIZEN_SUBMISSION, headers=staff
        )
        assert reason(posted) == "role"
        assert reason(await open_channel.client.get("/citizen/ideas", headers=staff)) == "role"
    assert await count_rows(open_channel.runtime, Idea) == 2


async def test_citizens_get_no_form_lists_while_the_channel_is_closed(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    citizen = dev_keys.headers("suomifi-1", CITIZEN)
    for path in ("/units", "/categories", "/citizen/ideas"):
        assert (await intake.client.get(path, headers=citizen)).status_code == 404, path
        employee = await intake.client.get(path, headers=dev_keys.headers(COLLEAGUE, "employee"))
        assert employee.status_code == (403 if path.startswith("/citizen") else 200)


async def test_only_moderators_hide_and_only_reporting_roles_export(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    hide = "/ideas/i-none/comments/c-none/hide"
    for role in sorted(STAFF - set(MODERATOR_ROLES)):
        response = await intake.client.post(
            hide, json={"reason": "Asiaton"}, headers=dev_keys.headers(REVIEWER, role)
        )
        assert reason(response) == "role", role
    for role in MODERATOR_ROLES:
        response = await intake.client.post(
            hide, json={"reason": "Asiaton"}, headers=dev_keys.headers(REVIEWER, role)
        )
        assert response.status_code == 404, role
    for role in sorted(STAFF):
        export = await intake.client.get("/reports/ideas.csv", headers=dev_keys.headers("p", role))
        if role in REPORTING_ROLES:
            assert export.status_code == 200, role
        else:
            assert reason(export) == "role", role


# --- object denials ------------------------------------------------------------------------------


async def test_allowed_roles_on_the_wrong_object_are_refused_for_the_object(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    idea = await post_idea(intake, dev_keys)
    colleague = dev_keys.headers(COLLEAGUE, "employee")
    path = f"/ideas/{idea['id']}"
    assert reason(await intake.client.get(path, headers=colleague)) == "object"
    assert reason(await intake.client.get(f"{path}/versions", headers=colleague)) == "object"
    assert reason(await intake.client.get("/ideas", headers=colleague)) == "object"
    edit = {"revision": 1, **{k: idea[k] for k in ("title", "problem", "solution")}}
    assert reason(await intake.client.put(path, json=edit, headers=colleague)) == "object"
    assert reason(await intake.client.post(f"{path}/withdraw", json={}, headers=colleague)) == (
        "object"
    )
    invite = await intake.client.post(
        f"{path}/co-authors", json={"person_id": REVIEWER}, headers=colleague
    )
    assert reason(invite) == "object"
    # Someone else's invitation cannot be accepted.
    confirm = await intake.client.post(f"{path}/co-authors/{REVIEWER}/confirm", headers=colleague)
    assert reason(confirm) == "object"
    upload = await intake.client.post(
        f"{path}/attachments", files={"file": ("a.txt", b"hei", "text/plain")}, headers=colleague
    )
    assert reason(upload) == "object"
    # Reviewers see every idea; the author their own.
    for viewer in (dev_keys.headers(REVIEWER, "change_agent"), dev_keys.headers(AUTHOR, "hr")):
        assert (await intake.client.get(path, headers=viewer)).status_code == 200


# --- the form-token routes ----------------------------------------------------------------------


async def test_the_form_routes_meet_the_same_table(
    intake: RunningService, dev_keys: DevKeys
) -> None:
    for roles in [(), (CITIZEN,)]:
        bearer = {**dev_keys.headers(AUTHOR, *roles), "Accept": "application/json"}
        form = await intake.client.post("/ideas/form", data=form_payload(), headers=bearer)
        assert reason(form) == "role"
        page = await intake.client.get("/embed/idea-form", headers=bearer)
        assert reason(page) == "role"
    # A form token carries the roles it was issued with (only staff get one from the API).
    settings = intake.runtime.settings
    assert isinstance(settings, IntakeSettings)
    token, _ = issue_form_token(
        settings.form_token_secret.get_secret_value(),
        person_id="suomifi-1",
        roles=(CITIZEN,),
        unit_ids=(),
        now=datetime.now(UTC),
        ttl=timedelta(minutes=5),
    )
    fields = {**form_payload(), "form_token": token}
    assert reason(await intake.client.post("/ideas/form", data=fields)) == "role"
    assert reason(await intake.client.post("/embed/idea-form", data=fields)) == "role"
    assert reason(await intake.client.get(f"/embed/idea-form?form_token={token}")) == "role"
    assert await count_rows(intake.runtime, Idea) == 0


# --- the deployment's name for the citizen role --------------------------------------------------


async def test_the_citizen_role_may_have_another_name(
    settings_for: SettingsFor, sqlite_url: str, dev_keys: DevKeys
) -> None:
    settings = settings_for(sqlite_url, citizen_channel_enabled=True, citizen_role="resident")
    async with running_intake(settings) as running:
        resident = dev_keys.headers("suomifi-1", "resident")
        created = await running.client.post(
            "/citizen/ideas", json=CITIZEN_SUBMISSION, headers=resident
        )
        assert created.status_code == 201, created.text
        assert (await running.client.get("/units", headers=resident)).status_code == 200
        assert reason(await running.client.get("/public/ideas", headers=resident)) == "role"
        # The table's own name counts only when it is the deployment's name.
        literal = dev_keys.headers("suomifi-2", CITIZEN)
        refused = await running.client.post(
            "/citizen/ideas", json=CITIZEN_SUBMISSION, headers=literal
        )
        assert reason(refused) == "role"


def test_a_staff_role_cannot_be_the_citizen_role() -> None:
    with pytest.raises(ValidationError, match="citizen_role"):
        IntakeSettings(citizen_role="employee")
