"""The whole slice on the embedded stack, as `ideapaja up --demo` runs it (separate processes):
intranet form → idea.submitted → review case routed to the unit's change agent → decision →
reward.granted (read by a plain nats-py consumer standing in for HR/payroll, as the NATS user
`payroll` that may read nothing else) → e-mails to the author in their language — then a restart
mid-flow that loses and duplicates nothing. Every service runs as its own NATS user; the server
must not have refused any of them anything."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import nats
import pytest
from e2e_stack import Stack, wait_for
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

pytestmark = pytest.mark.e2e

AUTHOR = "p-1003"  # Leena Korhonen, Kirjastopalvelut, writes Finnish
AUTHOR_EMAIL = "leena.korhonen@kuusijarvi.example"
CHANGE_AGENT = "p-1001"  # Aino Virtanen, change agent of Kirjastopalvelut
UNIT = "u-kirjasto"
# The payroll user may read ideapaja.reward.granted.v1 through this one durable consumer only.
PAYROLL = "payroll"
GRANTED = "ideapaja.reward.granted.v1"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    # As generous as the browser tests' stacks: on a CI runner whose two cores are shared with
    # other jobs (load average near 40) six services took over 70 s even to write a log line.
    stack = Stack(state_dir=tmp_path / "state", ready_timeout=280)
    stack.up(timeout=300)
    yield stack
    if stack.process is not None:
        stack.down()


async def _hr_payroll_consumer(stack: Stack) -> None:
    nc = await nats.connect(stack.nats_url, **stack.nats_credentials("payroll"))
    js = nc.jetstream()
    await js.add_consumer(
        "IDEAPAJA",
        ConsumerConfig(
            # Named: created through $JS.API.CONSUMER.CREATE.IDEAPAJA.payroll.<filter>, the
            # one create subject the payroll user may publish.
            name=PAYROLL,
            durable_name=PAYROLL,
            filter_subject=GRANTED,
            deliver_policy=DeliverPolicy.ALL,
            ack_policy=AckPolicy.EXPLICIT,
        ),
    )
    await nc.close()


async def _payroll_fetch(stack: Stack) -> list[dict[str, Any]]:
    """What HR/payroll receives: every reward.granted event, acked after reading."""
    nc = await nats.connect(stack.nats_url, **stack.nats_credentials("payroll"))
    js = nc.jetstream()
    sub = await js.pull_subscribe_bind(PAYROLL, "IDEAPAJA")
    received: list[dict[str, Any]] = []
    try:
        while True:
            for msg in await sub.fetch(50, timeout=1):
                assert msg.headers is not None
                assert msg.headers["ce-type"] == GRANTED
                assert msg.headers["Nats-Msg-Id"] == msg.headers["ce-id"]
                received.append(json.loads(msg.data))
                await msg.ack()
    except (TimeoutError, nats.errors.TimeoutError):
        pass
    finally:
        await nc.close()
    return received


def _submit(stack: Stack, author: dict[str, str], title: str) -> str:
    response = httpx.post(
        f"{stack.url('intake')}/ideas/form",
        headers={**author, "Accept": "application/json"},
        data={
            "title": title,
            "problem": "Vuorotyötä tekevät eivät ehdi kirjastoon aukioloaikoina.",
            "solution": "Omatoimiaika klo 20–22 kulkukortilla.",
            "benefit": "Palvelu tavoittaa uusia asiakkaita ilman lisähenkilöstöä.",
            "scope": "unit",
            "unit_id": UNIT,
            "language": "fi",
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def _routed_case(stack: Stack, agent: dict[str, str], idea_id: str) -> dict[str, Any]:
    def case() -> dict[str, Any] | None:
        r = httpx.get(f"{stack.url('review')}/cases/by-idea/{idea_id}", headers=agent)
        return r.json() if r.status_code == 200 else None

    return wait_for(case)  # type: ignore[no-any-return]


def _decide(stack: Stack, agent: dict[str, str], case_id: str) -> None:
    response = httpx.post(
        f"{stack.url('review')}/cases/{case_id}/decision",
        headers=agent,
        json={"decision": "accepted", "rationale": "Kokeillaan keväällä pääkirjastossa."},
    )
    assert response.status_code in (200, 201), response.text


def _mails_to(stack: Stack, address: str) -> list[dict[str, Any]]:
    messages = httpx.get(f"{stack.mail_url}/messages").json()
    return [m for m in messages if address in m["to"]]


def _wait_units_known(stack: Stack, headers: dict[str, str]) -> None:
    def known() -> bool:
        r = httpx.get(f"{stack.url('intake')}/units", headers=headers)
        return r.status_code == 200 and UNIT in r.text

    wait_for(known)


class Payroll:
    """Everything HR/payroll has received so far."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.granted: list[dict[str, Any]] = []
        asyncio.run(_hr_payroll_consumer(stack))

    def grants_for(self, idea_id: str, points: int) -> list[dict[str, Any]]:
        self.granted.extend(asyncio.run(_payroll_fetch(self.stack)))
        return [g for g in self.granted if g["idea_id"] == idea_id and g["points"] == points]


def test_form_to_decision_to_reward_to_email_and_restart(stack: Stack) -> None:
    author = stack.token(AUTHOR, "employee", units=(UNIT,))
    agent = stack.token(CHANGE_AGENT, "employee", "change_agent", units=(UNIT,))
    payroll = Payroll(stack)
    _wait_units_known(stack, author)

    idea_id = _submit(stack, author, "Omatoimikirjasto iltaisin")
    case = _routed_case(stack, agent, idea_id)
    assert CHANGE_AGENT in case["reviewer_ids"]
    _decide(stack, agent, case["id"])

    [grant] = wait_for(lambda: payroll.grants_for(idea_id, 50))
    assert grant["person_id"] == AUTHOR
    assert grant["kind"] == "points"

    # Intake hears the decision on its own consumer: the grant may reach payroll first.
    def accepted_in_intake() -> bool:
        idea = httpx.get(f"{stack.url('intake')}/ideas/{idea_id}", headers=author).json()
        return bool(idea["status"] == "accepted")

    assert wait_for(accepted_in_intake)

    # The author's e-mails arrive in Finnish: the decision and the rewards.
    def decision_mails() -> list[dict[str, Any]]:
        return [m for m in _mails_to(stack, AUTHOR_EMAIL) if "hyväksytty" in m["subject"].lower()]

    [decision_mail] = wait_for(decision_mails)
    assert "Omatoimikirjasto iltaisin" in decision_mail["text"]

    # Mid-flow restart: a second idea is submitted, the whole stack stops before anyone
    # decides, and comes back with everything kept.
    second = _submit(stack, author, "Lainojen palautus kauppakeskukseen")
    second_case = _routed_case(stack, agent, second)
    assert stack.down() == 0
    stack.up(demo=False, timeout=300)

    # Intake hears the decision on its own consumer: the grant may reach payroll first.
    def accepted_in_intake() -> bool:
        idea = httpx.get(f"{stack.url('intake')}/ideas/{idea_id}", headers=author).json()
        return bool(idea["status"] == "accepted")

    assert wait_for(accepted_in_intake)
    _decide(stack, agent, second_case["id"])
    wait_for(lambda: payroll.grants_for(second, 50))

    # Exactly one grant per (idea, person, rule): nothing lost, nothing doubled by the restart.
    keys = [(g["idea_id"], g["person_id"], g["points"]) for g in payroll.granted]
    assert sorted(keys) == sorted(
        [(idea_id, AUTHOR, 5), (idea_id, AUTHOR, 50), (second, AUTHOR, 5), (second, AUTHOR, 50)]
    )
    ledger = httpx.get(f"{stack.url('reward')}/ledger/me", headers=author).json()
    assert ledger["total_points"] == 110

    # One decision mail per idea, each sent once.
    wait_for(lambda: len(decision_mails()) == 2)
    mails = _mails_to(stack, AUTHOR_EMAIL)
    assert len({m["id"] for m in mails}) == len(mails)
    assert len(decision_mails()) == 2

    # The author's access report: privacy asks every service with its own token from the dev
    # issuer's token endpoint (client credentials), and every one answers with her data.
    report = httpx.get(f"{stack.url('privacy')}/persons/{AUTHOR}/report", headers=author)
    assert report.status_code == 200, report.text
    sections = {s["service"]: s for s in report.json()["services"]}
    assert report.json()["complete"] is True, {n: s["status"] for n, s in sections.items()}
    assert set(sections) == set(stack.service_ports)
    assert sections["reward"]["data"]["total_points"] == 110
    assert {i["idea_id"] for i in sections["intake"]["data"]["ideas"]} == {idea_id, second}
    # Her colleague, the change agent, gets no report of hers: not from privacy, and not from a
    # service directly either; the privacy service's own token does.
    refused = httpx.get(f"{stack.url('privacy')}/persons/{AUTHOR}/report", headers=agent)
    assert (refused.status_code, refused.json()["reason"]) == (403, "object")
    direct = httpx.get(f"{stack.url('reward')}/privacy/persons/{AUTHOR}", headers=agent)
    assert (direct.status_code, direct.json()["reason"]) == (403, "object")
    secret = json.loads((stack.state_dir / "dev-issuer" / "clients.json").read_text())["privacy"]
    issued = httpx.post(
        f"http://127.0.0.1:{stack.issuer_port}/oauth2/token",
        data={"grant_type": "client_credentials"},
        auth=("privacy", secret),
    )
    as_privacy = {"Authorization": f"Bearer {issued.json()['access_token']}"}
    direct = httpx.get(f"{stack.url('reward')}/privacy/persons/{AUTHOR}", headers=as_privacy)
    assert direct.status_code == 200 and direct.json()["total_points"] == 110

    # Every service, the HR import and payroll did all of this within their NATS permissions.
    assert stack.nats_violations() == []
