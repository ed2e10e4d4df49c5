"""The admin area against the real review, reward and privacy services, run in-process with their
own databases and NATS (the organisation reaches them as HR events, as in production): routing
rules edited with review's validation beside the fields, change agents and committee members
picked by name, reward rule versions with a required reason and a concurrent save refused in a
sentence, and the dead letters privacy lists. Intake (people and units) is a stand-in answering
as the service does; sessions are stored ones."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from portal_standins import ASA, CSRF, LEENA, ME, RIIKKA, Intake, page, sign_in

from ideapaja_contracts import encode
from ideapaja_contracts.events.hr import HrRole, PersonUpserted, UnitKind, UnitUpserted
from ideapaja_privacy.app import service as privacy_service
from ideapaja_privacy.settings import PrivacySettings
from ideapaja_review.app import service as review_service
from ideapaja_review.settings import ReviewSettings
from ideapaja_reward.app import service as reward_service
from ideapaja_reward.settings import RewardSettings
from ideapaja_runtime.testing import (
    DevKeys,
    RunningService,
    eventually,
    fast_test_settings,
    publish_event,
    running_service,
)
from ideapaja_runtime.testing_builders import wiring

ADMIN = ("employee", "admin")
EDUCATION, LIBRARY, DAY_CARE = "d-sivistys", "u-kirjasto", "u-paivakoti"
UNITS = [
    {"id": EDUCATION, "kind": "department", "parent_id": None, "name_fi": "Sivistystoimi",
     "name_sv": "Bildningsväsendet", "name_en": "Education and Culture"},
    {"id": LIBRARY, "kind": "unit", "parent_id": EDUCATION, "name_fi": "Kirjastopalvelut",
     "name_sv": "Bibliotekstjänster", "name_en": "Library Services"},
    {"id": DAY_CARE, "kind": "unit", "parent_id": EDUCATION, "name_fi": "Päiväkoti Satakieli",
     "name_sv": "Daghemmet Näktergalen", "name_en": "Nightingale Day Care"},
]  # fmt: skip


@dataclass
class City:
    portal: RunningService
    services: dict[str, RunningService]
    keys: DevKeys
    intake: Intake

    @asynccontextmanager
    async def signed_in(
        self, roles: tuple[str, ...] = ADMIN, person_id: str = RIIKKA
    ) -> AsyncIterator[httpx.AsyncClient]:
        token = self.keys.token(person_id, *roles, units=[LIBRARY])
        transports: dict[str, httpx.AsyncBaseTransport] = {
            name: httpx.ASGITransport(app=running.app) for name, running in self.services.items()
        }
        async with sign_in(
            self.portal, "en", roles, person_id=person_id, token=token, intake=self.intake,
            services=transports,
        ) as (client, _):  # fmt: skip
            yield client


def settings_of(kind: type[Any], nats_url: str, path: Path, keys: DevKeys, **more: Any) -> Any:
    return kind.model_validate(
        fast_test_settings(**wiring(nats_url, f"sqlite+aiosqlite:///{path}", keys), **more)
    )


def hr_person(person_id: str, name: str, unit_id: str, *roles: str) -> PersonUpserted:
    return PersonUpserted(
        person_id=person_id, unit_id=unit_id, display_name=name,
        email=f"{person_id}@example.org", roles=[HrRole(r) for r in ("employee", *roles)],
    )  # fmt: skip


@pytest.fixture
async def city(
    portal: RunningService, nats_url: str, tmp_path: Path, dev_keys: DevKeys, js: Any
) -> AsyncIterator[City]:
    review_settings = settings_of(ReviewSettings, nats_url, tmp_path / "review.db", dev_keys)
    reward_settings = settings_of(RewardSettings, nats_url, tmp_path / "reward.db", dev_keys)
    privacy_settings = settings_of(
        PrivacySettings, nats_url, tmp_path / "privacy.db", dev_keys, sweep_seconds=0,
        max_deliver=1,
    )  # fmt: skip
    async with (
        running_service(review_service, review_settings) as review,
        running_service(reward_service, reward_settings) as reward,
        running_service(privacy_service, privacy_settings) as privacy,
    ):
        for unit in UNITS:
            await publish_event(js, UnitUpserted(
                unit_id=unit["id"], kind=UnitKind(unit["kind"]), parent_id=unit["parent_id"],
                name_fi=unit["name_fi"]))  # fmt: skip
        await publish_event(js, hr_person(ASA, "Åsa Åhlund", LIBRARY))
        await publish_event(js, hr_person(LEENA, "Leena Korhonen", LIBRARY, "change_agent"))
        admin = dev_keys.headers(RIIKKA, *ADMIN)

        async def known() -> bool:
            network = await review.client.get("/change-agents", headers=admin)
            return network.status_code == 200 and network.json()["total"] == 1

        await eventually(known, timeout=20)
        intake = Intake()
        intake.answers["/units"] = page(UNITS)
        services = {"review": review, "reward": reward, "privacy": privacy}
        yield City(portal, services, dev_keys, intake)


def field_error(html: str, field: str) -> str:
    """The message shown beside ``field`` (and the field marked invalid)."""
    found = re.search(rf'<p class="error" id="{re.escape(field)}-error">([^<]*)</p>', html)
    assert found, f"no message beside {field}"
    return found.group(1)


async def test_the_admin_area_is_for_admins_only(city: City) -> None:
    async with city.signed_in(("employee", "change_agent"), person_id=ME) as client:
        home = await client.get("/ideas")
        assert 'href="/admin"' not in home.text
        pages = ("/admin", "/admin/routing-rules", "/admin/change-agents", "/admin/committees",
                 "/admin/reward-rules", "/admin/dead-letters")  # fmt: skip
        for path in pages:
            refused = await client.get(path)
            assert refused.status_code == 403, path
            assert "This page is not for you" in refused.text
        posted = await client.post("/admin/reward-rules", data={"csrf_token": CSRF})
        assert posted.status_code == 403
    async with city.signed_in() as client:
        front = await client.get("/admin")
        assert front.status_code == 200, front.text
        assert '<a href="/admin" aria-current="page">Administration</a>' in front.text
        assert "Idea categories are part of the intake service&#39;s configuration" in front.text


async def test_a_routing_rule_is_edited_and_reviews_refusal_is_shown_beside_the_field(
    city: City,
) -> None:
    async with city.signed_in() as client:
        listed = await client.get("/admin/routing-rules")
        assert listed.status_code == 200, listed.text
        assert "Education and Culture" in listed.text and "The city-wide rule" in listed.text
        form = await client.get(f"/admin/routing-rules/{EDUCATION}")
        assert form.status_code == 200, form.text
        assert '<label for="screening_days">Days for screening</label>' in form.text

        refused = await client.post(f"/admin/routing-rules/{EDUCATION}", data={
            "csrf_token": CSRF, "screening_days": "0", "in_review_days": "kaksi",
        })  # fmt: skip
        assert refused.status_code == 422, refused.text
        assert field_error(refused.text, "screening_days") == "This number is too small."
        assert field_error(refused.text, "in_review_days") == "Give a whole number."
        assert (
            'value="0" aria-describedby="screening_days-error" aria-invalid="true"' in refused.text
        )
        assert 'value="kaksi"' in refused.text  # what was typed stays to be fixed

        saved = await client.post(f"/admin/routing-rules/{EDUCATION}", data={
            "csrf_token": CSRF, "screening_days": "5", "unit_decider_roles": ["supervisor"],
            "escalate": "false", "no_implementing_days": "1",
        })  # fmt: skip
        assert saved.status_code == 303, saved.text
        after = await client.get(saved.headers["location"])
        assert "The routing rule was saved." in after.text and "Its own rule" in after.text
        again = await client.get(f"/admin/routing-rules/{EDUCATION}")
    stored = await city.services["review"].client.get(
        f"/routing-rules/{EDUCATION}", headers=city.keys.headers(RIIKKA, *ADMIN)
    )
    assert stored.json()["stored"] == {
        "unit_decider_roles": ["supervisor"], "escalate": False,
        "deadlines": {"screening_days": 5, "implementing_days": None},
    }  # fmt: skip
    # The form shows what is stored, ready to change.
    assert (
        'name="screening_days" class="short" inputmode="numeric" autocomplete="off" '
        'maxlength="10" value="5"' in again.text
    )
    assert 'name="no_implementing_days" value="1" checked' in again.text


async def test_a_change_agent_is_picked_by_name_and_the_uncovered_unit_is_covered(
    city: City,
) -> None:
    async with city.signed_in() as client:
        network = await client.get("/admin/change-agents")
        assert network.status_code == 200, network.text
        uncovered = network.text.split('class="alert uncovered"')[1].split("</section>")[0]
        assert "Nightingale Day Care" in uncovered and "Library Services" not in uncovered
        assert "Leena Korhonen" in network.text  # HR's change agent of the library
        # Nowhere to type an id: the person is found by name.
        assert 'name="person_id"' not in network.text.split('action="/admin/change-agents"')[1]
        found = await client.get("/admin/change-agents", params={"q": "åsa"})
        assert f'name="person_id" value="{ASA}"' in found.text and "Åsa Åhlund" in found.text

        nobody = await client.post(
            "/admin/change-agents",
            data={"csrf_token": CSRF, "unit_id": DAY_CARE, "role": "change_agent", "q": "åsa"},
        )
        assert nobody.status_code == 422
        assert field_error(nobody.text, "person_id") == "Find the person by name and choose them."

        added = await client.post(
            "/admin/change-agents",
            data={
                "csrf_token": CSRF,
                "unit_id": DAY_CARE,
                "person_id": ASA,
                "role": "change_agent",
            },
        )
        assert added.status_code == 303, added.text
        shown = await client.get(added.headers["location"])
        assert "Åsa Åhlund was assigned." in shown.text
        assert 'class="alert uncovered"' not in shown.text
        assert f'action="/admin/change-agents/{DAY_CARE}/{ASA}/remove"' in shown.text
        # HR's roles are HR's: no remove button for Leena.
        assert f"/{LEENA}/remove" not in shown.text

        removed = await client.post(
            f"/admin/change-agents/{DAY_CARE}/{ASA}/remove", data={"csrf_token": CSRF}
        )
        assert removed.status_code == 303
        back = await client.get(removed.headers["location"])
        assert "Nightingale Day Care" in back.text.split('class="alert uncovered"')[1]


async def test_a_committee_is_created_and_its_members_picked_by_name(city: City) -> None:
    async with city.signed_in() as client:
        refused = await client.post(
            "/admin/committees",
            data={"csrf_token": CSRF, "name": "Kehittämistoimikunta", "quorum": "0"},
        )
        assert refused.status_code == 422, refused.text
        assert field_error(refused.text, "quorum") == "This number is too small."
        created = await client.post("/admin/committees", data={
            "csrf_token": CSRF, "name": "Kehittämistoimikunta", "quorum": "2",
            "city_wide": "true"})  # fmt: skip
        assert created.status_code == 303, created.text
        committee_path = created.headers["location"].split("?")[0]
        page_ = await client.get(committee_path, params={"q": "leena"})
        assert f'name="person_id" value="{LEENA}"' in page_.text
        added = await client.post(
            f"{committee_path}/members",
            data={"csrf_token": CSRF, "person_id": LEENA, "role": "chair"},
        )
        assert added.status_code == 303, added.text
        shown = await client.get(added.headers["location"])
        assert "Leena Korhonen is on the committee." in shown.text
        assert '<option value="chair" selected>Chair</option>' in shown.text
        changed = await client.post(
            f"{committee_path}/members",
            data={"csrf_token": CSRF, "person_id": LEENA, "role": "secretary"},
        )
        assert changed.status_code == 303
        listed = await client.get("/admin/committees")
        assert "Kehittämistoimikunta" in listed.text
        removed = await client.post(
            f"{committee_path}/members/{LEENA}/remove", data={"csrf_token": CSRF}
        )
        assert removed.status_code == 303
        empty = await client.get(committee_path)
        assert "No members yet." in empty.text


def rules_form(**changes: Any) -> dict[str, Any]:
    values = {"csrf_token": CSRF, "points-submitted": "2", "points-accepted": "40",
              "points-support_received": "1", "cap_per_idea-support_received": "10",
              "cap_period": "quarter", "cap_points": "500", "team_mode": "split",
              "reason": "Kevään kampanja", "based_on": "1"}  # fmt: skip
    return values | changes


async def test_reward_rules_are_shown_readably_and_saved_as_a_new_version(city: City) -> None:
    async with city.signed_in() as client:
        shown = await client.get("/admin/reward-rules")
        assert shown.status_code == 200, shown.text
        assert "In force: version 1" in shown.text and "The service&#39;s settings" in shown.text

        no_reason = await client.post("/admin/reward-rules", data=rules_form(reason=" "))
        assert no_reason.status_code == 422
        assert field_error(no_reason.text, "reason") == "Say why the rules change."
        negative = await client.post("/admin/reward-rules", data=rules_form(**{
            "points-accepted": "-5"}))  # fmt: skip
        assert negative.status_code == 422
        assert field_error(negative.text, "points-accepted") == "This number is too small."

        saved = await client.post("/admin/reward-rules", data=rules_form())
        assert saved.status_code == 303, saved.text
        after = await client.get(saved.headers["location"])
        text = after.text
        assert "Version 2 of the reward rules is in force." in text
        assert "In force: version 2" in text and "500 per quarter" in text
        assert "The points are divided among the authors" in text
        history = text.split("Version history, newest first")[1]
        assert "Riikka Koskinen" in history and "Kevään kampanja" in history

        # Another admin's form, opened on version 1, is refused in a sentence.
        stale = await client.post("/admin/reward-rules", data=rules_form(reason="Toinen"))
        assert stale.status_code == 409
        assert "Someone else saved new reward rules while you were editing." in stale.text
        assert "In force: version 2" in stale.text


async def test_dead_letters_are_listed_without_their_contents(city: City, js: Any) -> None:
    async with city.signed_in() as client:
        empty = await client.get("/admin/dead-letters")
        assert empty.status_code == 200, empty.text
        assert "No dead letters: every event was handled." in empty.text
    # An HR record no consumer can read (its e-mail is not one): dead-lettered, name and all.
    message = encode(hr_person("p-9001", "Salla Salainen", LIBRARY), source="/hr")
    body = json.loads(message.body) | {"email": "Salla Salainen (no address)"}
    await js.publish(message.subject, json.dumps(body).encode(), headers=message.headers)
    privacy = city.services["privacy"]
    admin = city.keys.headers(RIIKKA, *ADMIN)

    async def listed() -> bool:
        answer = await privacy.client.get("/dead-letters", headers=admin)
        consumers = {item["consumer"] for item in answer.json()["items"]}
        return "privacy-hr-people" in consumers

    await eventually(listed, timeout=20)
    async with city.signed_in() as client:
        shown = await client.get("/admin/dead-letters")
    text = shown.text
    assert "privacy-hr-people" in text and "hr.person.p-9001" in text
    assert "ideapaja.person.upserted.v1" in text and "invalid event" in text
    assert "Salla" not in text
