"""The real reward service in-process for the portal's reward tests (test_awards.py,
test_award_rounds.py): its own database and NATS, the organisation and ideas reaching it as events,
intake a stand-in. A module of its own, not a test module, so another service's ``test_awards``
on the path can never stand in for it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from portal_standins import ASA, CSRF, LEENA, RIIKKA, Intake, page, sign_in
from sqlalchemy import func, select

from ideapaja_contracts.events.hr import UnitKind, UnitUpserted
from ideapaja_portal.i18n import CITY_TIME_ZONE
from ideapaja_reward.app import service as reward_service
from ideapaja_reward.db.models import OrgUnitRow, RewardIdea
from ideapaja_reward.settings import RewardSettings
from ideapaja_runtime.testing import (
    DevKeys,
    RunningService,
    eventually,
    fast_test_settings,
    publish_event,
    running_service,
)
from ideapaja_runtime.testing_builders import idea_submitted, wiring

# The committee endorses up to 100 €, management approves anything above (as the e2e test).
LIMITS = [{"role": "committee_member", "limit": "100.00"}, {"role": "management", "limit": None}]
LIBRARY, EDUCATION = "u-kirjasto", "d-sivistys"
SUPERVISOR = ("employee", "supervisor")
COMMITTEE = ("employee", "committee_member")
MANAGEMENT = ("employee", "management")
HR = ("employee", "hr")
UNITS = [
    {"id": EDUCATION, "kind": "department", "parent_id": None, "name_fi": "Sivistystoimi",
     "name_sv": "Bildningsväsendet", "name_en": "Education and Culture"},
    {"id": LIBRARY, "kind": "unit", "parent_id": EDUCATION, "name_fi": "Kirjastopalvelut",
     "name_sv": "Bibliotekstjänster", "name_en": "Library Services"},
]  # fmt: skip


def city_today() -> date:
    return datetime.now(CITY_TIME_ZONE).date()


def idea(idea_id: str, authors: list[str] | None, title: str) -> dict[str, Any]:
    return {
        "id": idea_id, "title": title, "status": "accepted", "unit_id": LIBRARY,
        "submitted_at": "2026-03-02T08:00:00Z", "problem": "p", "solution": "s", "benefit": "",
        "author_ids": authors, "invited_ids": [], "attachments": [], "history": [],
        "timeline": [], "support_count": 0, "anonymous": authors is None,
    }  # fmt: skip


@dataclass
class City:
    portal: RunningService
    reward: RunningService
    keys: DevKeys
    intake: Intake

    @asynccontextmanager
    async def signed_in(
        self, person_id: str, roles: tuple[str, ...], language: str = "en"
    ) -> AsyncIterator[httpx.AsyncClient]:
        token = self.keys.token(person_id, *roles, units=[LIBRARY])
        reward = httpx.ASGITransport(app=self.reward.app)
        async with sign_in(
            self.portal,
            language,
            roles,
            person_id=person_id,
            token=token,
            intake=self.intake,
            services={"reward": reward},
        ) as (client, _):
            yield client

    async def set_budget(self, amount: str) -> None:
        """As HR, on the budgets page (signs whoever was signed in out: call it between)."""
        async with self.signed_in(RIIKKA, HR) as hr:
            year = city_today().year
            saved = await hr.post(
                f"/budgets/{EDUCATION}/{year}", data={"csrf_token": CSRF, "amount": amount}
            )
            assert saved.status_code == 303, saved.text

    async def propose(self, client: httpx.AsyncClient, **form: Any) -> httpx.Response:
        values = {"csrf_token": CSRF, "kind": "money", "amount": "150,00",
                  "recipients_shown": "1", "recipient_ids": [LEENA, ASA],
                  "justification": "Saves 2 000 € a year"}  # fmt: skip
        return await client.post(f"/ideas/{form.pop('idea', 'i-1')}/award", data=values | form)


@pytest.fixture
async def city(
    portal: RunningService, nats_url: str, tmp_path: Path, dev_keys: DevKeys, js: Any
) -> AsyncIterator[City]:
    settings = RewardSettings.model_validate(
        fast_test_settings(
            **wiring(nats_url, f"sqlite+aiosqlite:///{tmp_path / 'reward.db'}", dev_keys),
            approval_limits=LIMITS,
        )
    )
    async with running_service(reward_service, settings) as reward:
        for unit in UNITS:
            await publish_event(js, UnitUpserted(
                unit_id=unit["id"], kind=UnitKind(unit["kind"]), parent_id=unit["parent_id"],
                name_fi=unit["name_fi"]))  # fmt: skip
        await publish_event(js, idea_submitted("i-1", author_ids=[LEENA, ASA]))
        await publish_event(js, idea_submitted("i-anon", author_ids=[ASA], anonymous=True))

        async def known() -> bool:
            async with reward.runtime.db.transaction() as session:
                units = await session.scalar(select(func.count()).select_from(OrgUnitRow))
                ideas = await session.scalar(select(func.count()).select_from(RewardIdea))
            return (units, ideas) == (2, 2)

        await eventually(known, timeout=20)
        intake = Intake()
        library_idea = idea("i-1", [LEENA, ASA], "Omatoimikirjasto iltaisin")
        anonymous = idea("i-anon", None, "Nimetön idea")
        intake.answers.update({
            "/units": page(UNITS), "/ideas/i-1": library_idea, "/public/ideas/i-1": library_idea,
            "/ideas/i-anon": anonymous, "/public/ideas/i-anon": anonymous,
            "/ideas/i-anon/comments": page([]),
        })  # fmt: skip
        yield City(portal, reward, dev_keys, intake)
