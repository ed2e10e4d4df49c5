"""NATS users on a real nats-server: every service publishes its own events and nothing else.

The server runs with exactly the ``authorization`` block ``ideapaja_runtime.nats_permissions``
generates (the one the embedded runner, docker compose and Kubernetes use), for every installed
service plus a consumer-only extension. A real service runtime runs under its restricted user, and
the server's log must show no permission it lacked.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client as NatsClient
from nats.js.api import AckPolicy, ConsumerConfig
from nats.js.errors import NotFoundError

from ideapaja_contracts import encode
from ideapaja_contracts.events.hr import PersonUpserted
from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_contracts.ownership import HR_ADAPTER, owned_aggregates, owner
from ideapaja_contracts.registry import ALL_EVENTS
from ideapaja_runtime.nats_permissions import (
    ADMIN,
    PAYROLL,
    PAYROLL_CONSUMER,
    PAYROLL_SUBJECT,
    inbox_prefix,
    nats_users,
    render_authorization,
)
from ideapaja_runtime.service import ENTRY_POINT_GROUP, load_service
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.streams import ensure_streams
from ideapaja_runtime.testing import (
    DevKeys,
    eventually,
    fast_test_settings,
    free_port,
    nats_server_binary,
    running_service,
    stream_messages,
    wait_for_port,
)
from ideapaja_runtime.testing_builders import idea_submitted, review_decided

SETTINGS = ServiceSettings()
LIFECYCLE, HR, DLQ = SETTINGS.lifecycle_stream, SETTINGS.hr_stream, SETTINGS.dead_letter_stream
# An extension a department adds: it owns no aggregate, so it may only consume.
EXTENSION = "goodpractice"
SERVICES = sorted({ep.name for ep in entry_points(group=ENTRY_POINT_GROUP)})
PUBLISHERS = [*SERVICES, EXTENSION, HR_ADAPTER, PAYROLL]
# The one service that may delete HR records (erasing a person): the owner of the erasure events.
ERASER = owner(ErasureRequested.aggregate)
VIOLATION = re.compile(r'"\$G/user:([\w-]+)" - (Publish|Subscription) Violation - (.*)')


@dataclass
class SecuredNats:
    url: str
    passwords: dict[str, str]
    log: Path

    def violations(self, user: str | None = None) -> list[str]:
        found = VIOLATION.findall(self.log.read_text(errors="replace"))
        return [f"{who}: {what} {detail}" for who, what, detail in found if user in (None, who)]


@pytest.fixture
def secured_nats(tmp_path: Path) -> Iterator[SecuredNats]:
    users = [*SERVICES, EXTENSION, ADMIN, HR_ADAPTER, PAYROLL]
    passwords = {user: f"pw-{user}-{index}" for index, user in enumerate(users)}
    port = free_port()
    config = tmp_path / "nats.conf"
    config.write_text(
        f"host: 127.0.0.1\nport: {port}\n"
        f'jetstream {{ store_dir: "{tmp_path / "store"}" }}\n'
        + render_authorization(nats_users([*SERVICES, EXTENSION], SETTINGS, passwords))
    )
    checked = subprocess.run(
        [nats_server_binary(), "-c", str(config), "-t"], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr
    log = tmp_path / "nats.log"
    with log.open("wb") as out:
        process = subprocess.Popen([nats_server_binary(), "-c", str(config)], stderr=out)
    try:
        wait_for_port(port)
        yield SecuredNats(f"nats://127.0.0.1:{port}", passwords, log)
    finally:
        process.terminate()
        process.wait(10)


class Client:
    """One connection as ``user``, collecting the errors the server sends it."""

    def __init__(self, nc: NatsClient, errors: list[str]) -> None:
        self.nc = nc
        self.js = nc.jetstream(timeout=3)
        self.errors = errors

    async def denied(self, what: str, timeout: float = 3.0) -> bool:
        """True once the server reported a permissions violation mentioning ``what`` (nats-py
        hands the server's message on in lower case)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            if any("permissions violation" in e and what.lower() in e for e in self.errors):
                return True
            await asyncio.sleep(0.02)
        return False


@asynccontextmanager
async def connect(server: SecuredNats, user: str) -> AsyncIterator[Client]:
    errors: list[str] = []

    async def on_error(exc: Exception) -> None:
        errors.append(str(exc))

    # Every user, services too, receives replies on its own private inbox prefix only.
    options: dict[str, Any] = {"inbox_prefix": inbox_prefix(user)}
    nc = await nats.connect(
        server.url,
        user=user,
        password=server.passwords[user],
        error_cb=on_error,
        allow_reconnect=False,
        **options,
    )
    try:
        yield Client(nc, errors)
    finally:
        await nc.close()


async def _streams(server: SecuredNats) -> None:
    async with connect(server, ADMIN) as admin:
        await ensure_streams(admin.js, SETTINGS)


def _subject(cls: Any) -> str:
    # One record subject per event type: the HR stream keeps only the last message per subject.
    return str(cls.subject_pattern()).replace("*", f"x-{cls.name}")


# --- who may connect ---------------------------------------------------------------------------


async def test_connections_without_valid_credentials_are_refused(
    secured_nats: SecuredNats,
) -> None:
    for credentials in ({}, {"user": "reward", "password": "wrong"}, {"user": "nobody"}):
        with pytest.raises(Exception, match="Authorization Violation"):
            await nats.connect(
                secured_nats.url, allow_reconnect=False, max_reconnect_attempts=1, **credentials
            )


# --- what each may publish ---------------------------------------------------------------------


@pytest.mark.parametrize("user", PUBLISHERS)
async def test_each_user_publishes_exactly_its_own_events(
    secured_nats: SecuredNats, user: str
) -> None:
    """Every registered event type: the owner's publish is stored; anyone else's is refused."""
    await _streams(secured_nats)
    own, others = [], []
    async with connect(secured_nats, user) as client:
        for cls in ALL_EVENTS:
            subject = _subject(cls)
            stream = HR if subject.startswith("hr.") else LIFECYCLE
            if owner(cls.aggregate) == user:
                ack = await client.js.publish(subject, b"{}", stream=stream)
                assert ack.stream == stream and not ack.duplicate
                own.append(subject)
            else:
                await client.nc.publish(subject, b"{}")
                await client.nc.flush()
                assert await client.denied(f'publish to "{subject}"'), (user, subject)
                others.append(subject)
    assert others, "every user is refused someone else's events"
    async with connect(secured_nats, ADMIN) as admin:
        stored = [m.subject for s in (LIFECYCLE, HR) for m in await stream_messages(admin.js, s)]
    assert sorted(stored) == sorted(own)
    # Services that own an aggregate, and HR, publish; a service owning none (the portal) and
    # the consumer-only extension publish nothing.
    owns = user == HR_ADAPTER or (user in SERVICES and bool(owned_aggregates(user)))
    assert bool(own) == owns, "owners publish their events"


async def test_the_examples_of_the_security_issue(secured_nats: SecuredNats) -> None:
    await _streams(secured_nats)
    refused = {
        "reward": ["ideapaja.idea.submitted.v1", "hr.person.p-1001", "deadletter.intake.x"],
        "intake": ["ideapaja.reward.granted.v1", "hr.person.p-1001", "hr.unit.u-1"],
        "notification": ["ideapaja.review.decided.v1", "hr.person.p-1001"],
        "review": ["ideapaja.idea.withdrawn.v1", "hr.person.p-1001"],
        EXTENSION: ["ideapaja.practice.adopted.v1", "hr.person.p-1001"],
    }
    for user, subjects in refused.items():
        async with connect(secured_nats, user) as client:
            for subject in subjects:
                # The relay's way: a JetStream publish that waits for the stream's ack.
                with pytest.raises(nats.errors.TimeoutError):
                    await client.js.publish(subject, b"{}", timeout=0.5)
                assert await client.denied(f'publish to "{subject}"'), (user, subject)
    async with connect(secured_nats, HR_ADAPTER) as hr:
        ack = await hr.js.publish("hr.person.p-1001", b"{}", stream=HR)
        assert ack.seq == 1
    assert {line.split(":")[0] for line in secured_nats.violations()} == set(refused)


async def test_services_cannot_manage_streams_or_subscribe_around_jetstream(
    secured_nats: SecuredNats,
) -> None:
    await _streams(secured_nats)
    async with connect(secured_nats, "reward") as reward:
        for api in (
            f"$JS.API.STREAM.DELETE.{LIFECYCLE}",
            f"$JS.API.STREAM.PURGE.{HR}",
            f"$JS.API.STREAM.UPDATE.{LIFECYCLE}",
            f"$JS.API.STREAM.MSG.DELETE.{DLQ}",
            f"$JS.API.STREAM.MSG.GET.{HR}",
            f"$JS.API.CONSUMER.DELETE.{LIFECYCLE}.intake-ideas",
            "$JS.API.STREAM.CREATE.SOMETHING_ELSE",
        ):
            with pytest.raises(nats.errors.TimeoutError):
                await reward.nc.request(api, b"{}", timeout=0.3)
            assert await reward.denied(f'publish to "{api}"'), api
        # Events reach a service through its consumers only, never a plain subscription.
        for subject in ("ideapaja.>", "hr.person.*", "deadletter.>", "_INBOX_admin.>"):
            await reward.nc.subscribe(subject)
            await reward.nc.flush()
            assert await reward.denied(f'subscription to "{subject}"'), subject
    async with connect(secured_nats, ADMIN) as admin:
        assert (await admin.js.stream_info(LIFECYCLE)).config.name == LIFECYCLE


async def test_a_service_creates_missing_streams_and_consumes_from_both(
    secured_nats: SecuredNats,
) -> None:
    """On an empty server: stream set-up, a durable pull consumer per stream, fetch, ack."""
    async with connect(secured_nats, EXTENSION) as ext:
        await ensure_streams(ext.js, SETTINGS)
        for stream in (LIFECYCLE, HR, DLQ):
            assert (await ext.js.stream_info(stream)).config.name == stream
    async with connect(secured_nats, HR_ADAPTER) as hr:
        await hr.js.publish("hr.person.p-1", b"{}", stream=HR)
    async with connect(secured_nats, "intake") as intake:
        await intake.js.publish("ideapaja.idea.submitted.v1", b"{}", stream=LIFECYCLE)
    async with connect(secured_nats, EXTENSION) as ext:
        for stream, subject in ((LIFECYCLE, "ideapaja.idea.submitted.v1"), (HR, "hr.person.*")):
            sub = await ext.js.pull_subscribe(
                subject, durable=f"{EXTENSION}-{stream}", stream=stream
            )
            [msg] = await sub.fetch(1, timeout=3)
            await msg.ack_sync()
        # The dead-letter stream: its own subject only.
        ack = await ext.js.publish(f"deadletter.{EXTENSION}.x", b"{}", stream=DLQ)
        assert ack.stream == DLQ
    assert secured_nats.violations() == []


# --- HR/payroll --------------------------------------------------------------------------------


async def test_payroll_reads_granted_rewards_and_nothing_else(secured_nats: SecuredNats) -> None:
    await _streams(secured_nats)
    async with connect(secured_nats, "reward") as reward:
        await reward.js.publish(PAYROLL_SUBJECT, b'{"points": 50}', stream=LIFECYCLE)
        await reward.js.publish("ideapaja.reward.points_awarded.v1", b"{}", stream=LIFECYCLE)
    async with connect(secured_nats, PAYROLL) as payroll:
        config = ConsumerConfig(
            name=PAYROLL_CONSUMER,
            durable_name=PAYROLL_CONSUMER,
            filter_subject=PAYROLL_SUBJECT,
            ack_policy=AckPolicy.EXPLICIT,
        )
        await payroll.js.add_consumer(LIFECYCLE, config)
        sub = await payroll.js.pull_subscribe_bind(PAYROLL_CONSUMER, LIFECYCLE)
        [msg] = await sub.fetch(5, timeout=2)
        assert msg.subject == PAYROLL_SUBJECT and json.loads(msg.data) == {"points": 50}
        await msg.ack_sync()

        # Widening its filter, another consumer, reading the stream directly: all refused.
        wider = ConsumerConfig(
            name=PAYROLL_CONSUMER, durable_name=PAYROLL_CONSUMER, filter_subject="ideapaja.>"
        )
        with pytest.raises(nats.errors.TimeoutError):
            await payroll.js.add_consumer(LIFECYCLE, wider, timeout=0.5)
        other = ConsumerConfig(name="snoop", filter_subject=PAYROLL_SUBJECT)
        with pytest.raises(nats.errors.TimeoutError):
            await payroll.js.add_consumer(LIFECYCLE, other, timeout=0.5)
        with pytest.raises(nats.errors.TimeoutError):
            await payroll.js.get_msg(HR, 1)
        assert await payroll.denied('publish to "$JS.API.STREAM.MSG.GET')
        await payroll.nc.subscribe("_INBOX.>")
        await payroll.nc.flush()
        assert await payroll.denied('subscription to "_INBOX.>"')
        await payroll.nc.publish("ideapaja.reward.granted.v1", b"{}")
        await payroll.nc.flush()
        assert await payroll.denied('publish to "ideapaja.reward.granted.v1"')
    async with connect(secured_nats, ADMIN) as admin:
        info = await admin.js.consumer_info(LIFECYCLE, PAYROLL_CONSUMER)
        assert info.config.filter_subject == PAYROLL_SUBJECT
        with pytest.raises(NotFoundError):
            await admin.js.consumer_info(LIFECYCLE, "snoop")


# --- a real service under its own user ---------------------------------------------------------


async def _published_as(server: SecuredNats, user: str, event: Any) -> None:
    message = encode(event, source=f"/ideapaja/{user}")
    async with connect(server, user) as client:
        await client.js.publish(
            message.subject, message.body, headers=message.headers, stream=LIFECYCLE
        )


@pytest.mark.skipif("reward" not in SERVICES, reason="the reward service is not installed")
async def test_the_reward_service_runs_under_its_own_user(
    secured_nats: SecuredNats, sqlite_url: str
) -> None:
    """Start-up (streams, consumers), consuming, publishing through the outbox, dead-lettering
    and a graceful stop, with the reward user's permissions and nothing more."""
    spec = load_service("reward")
    settings = spec.settings_class.model_validate(
        fast_test_settings(
            nats_url=secured_nats.url,
            database_url=sqlite_url,
            nats_user="reward",
            nats_password=secured_nats.passwords["reward"],
        )
    )
    idea = idea_submitted("i-perm1")
    decision = review_decided(idea.idea_id)
    async with running_service(spec, settings):
        # Each event from its own publisher's user.
        await _published_as(secured_nats, "intake", idea)
        await _published_as(secured_nats, "review", decision)
        async with connect(secured_nats, "review") as review:  # not an event at all
            await review.js.publish("ideapaja.review.decided.v1", b"not json", stream=LIFECYCLE)

        async with connect(secured_nats, ADMIN) as admin:

            async def granted() -> list[dict[str, Any]]:
                found = await stream_messages(admin.js, LIFECYCLE, PAYROLL_SUBJECT)
                return [json.loads(m.data) for m in found]

            async def both_granted() -> bool:
                return sorted(g["points"] for g in await granted()) == [5, 50]

            await eventually(both_granted, timeout=20)
            letters = await eventually(lambda: stream_messages(admin.js, DLQ), timeout=20)
            [letter] = letters
            assert letter.subject.startswith("deadletter.reward.") and letter.data == b"not json"
    assert secured_nats.violations("reward") == []
    assert secured_nats.violations() == []


@pytest.mark.skipif("reward" not in SERVICES, reason="the reward service is not installed")
async def test_a_service_updates_its_existing_consumers_under_its_own_user(
    secured_nats: SecuredNats, sqlite_url: str
) -> None:
    """Changed consumer settings are applied at the next start with the service's own
    permissions (consumer info, then an update on its CONSUMER.CREATE subject), nothing wider."""
    spec = load_service("reward")

    def settings(retry_later_max_deliver: int) -> Any:
        return spec.settings_class.model_validate(
            fast_test_settings(
                nats_url=secured_nats.url,
                database_url=sqlite_url,
                nats_user="reward",
                nats_password=secured_nats.passwords["reward"],
                retry_later_max_deliver=retry_later_max_deliver,
            )
        )

    async def max_delivers() -> set[int | None]:
        async with connect(secured_nats, ADMIN) as admin:
            consumers = await admin.js.consumers_info(LIFECYCLE)
            return {c.config.max_deliver for c in consumers if c.name.startswith("reward-")}

    async with running_service(spec, settings(10)):
        pass
    assert await max_delivers() == {11}
    async with running_service(spec, settings(30)):
        assert await max_delivers() == {31}
    assert secured_nats.violations() == []


# --- erasure: deleting a person's HR record ----------------------------------------------------


async def _purge_request(client: Client, stream: str, subject: str) -> None:
    await client.nc.request(
        f"$JS.API.STREAM.PURGE.{stream}", json.dumps({"filter": subject}).encode(), timeout=0.3
    )


@pytest.mark.skipif(ERASER not in SERVICES, reason="the privacy service is not installed")
async def test_only_the_privacy_service_deletes_hr_records(secured_nats: SecuredNats) -> None:
    await _streams(secured_nats)
    async with connect(secured_nats, HR_ADAPTER) as hr:
        for person_id in ("p-1", "p-2"):
            await hr.js.publish(f"hr.person.{person_id}", b"{}", stream=HR)
    refused = [user for user in PUBLISHERS if user != ERASER]
    assert refused and ERASER == "privacy"
    for user in refused:
        async with connect(secured_nats, user) as client:
            with pytest.raises(nats.errors.TimeoutError):
                await _purge_request(client, HR, "hr.person.p-1")
            assert await client.denied(f'publish to "$JS.API.STREAM.PURGE.{HR}"'), user
    async with connect(secured_nats, ERASER) as privacy:
        assert await privacy.js.purge_stream(HR, subject="hr.person.p-1")
        # Only the HR stream, and nothing but purging it.
        for api in (
            f"$JS.API.STREAM.PURGE.{LIFECYCLE}",
            f"$JS.API.STREAM.PURGE.{DLQ}",
            f"$JS.API.STREAM.DELETE.{HR}",
            f"$JS.API.STREAM.MSG.DELETE.{HR}",
            f"$JS.API.STREAM.UPDATE.{HR}",
        ):
            with pytest.raises(nats.errors.TimeoutError):
                await privacy.nc.request(api, b"{}", timeout=0.3)
            assert await privacy.denied(f'publish to "{api}"'), api
        await privacy.nc.publish("hr.person.p-3", b"{}")
        await privacy.nc.flush()
        assert await privacy.denied('publish to "hr.person.p-3"')
    async with connect(secured_nats, ADMIN) as admin:
        left = [m.subject for m in await stream_messages(admin.js, HR)]
    assert left == ["hr.person.p-2"]


@pytest.mark.skipif(ERASER not in SERVICES, reason="the privacy service is not installed")
async def test_only_the_privacy_service_reads_and_deletes_dead_letters(
    secured_nats: SecuredNats,
) -> None:
    await _streams(secured_nats)
    async with connect(secured_nats, "reward") as reward:
        for body in (b"p-1", b"p-2"):
            await reward.js.publish("deadletter.reward.grants", body, stream=DLQ)
    for user in (user for user in PUBLISHERS if user != ERASER):
        async with connect(secured_nats, user) as client:
            for api, request in (
                (f"$JS.API.STREAM.MSG.GET.{DLQ}", {"seq": 1}),
                (f"$JS.API.STREAM.MSG.DELETE.{DLQ}", {"seq": 1}),
            ):
                with pytest.raises(nats.errors.TimeoutError):
                    await client.nc.request(api, json.dumps(request).encode(), timeout=0.3)
                assert await client.denied(f'publish to "{api}"'), (user, api)
    async with connect(secured_nats, ERASER) as privacy:
        assert (await privacy.js.get_msg(DLQ, seq=1)).data == b"p-1"
        assert await privacy.js.delete_msg(DLQ, 1)
        # Single messages of the dead-letter stream only.
        for api in (f"$JS.API.STREAM.MSG.GET.{LIFECYCLE}", f"$JS.API.STREAM.MSG.DELETE.{HR}"):
            with pytest.raises(nats.errors.TimeoutError):
                await privacy.nc.request(api, b'{"seq": 1}', timeout=0.3)
            assert await privacy.denied(f'publish to "{api}"'), api
    async with connect(secured_nats, ADMIN) as admin:
        assert [m.data for m in await stream_messages(admin.js, DLQ)] == [b"p-2"]


@pytest.mark.skipif(ERASER not in SERVICES, reason="the privacy service is not installed")
async def test_the_privacy_service_erases_under_its_own_user(
    secured_nats: SecuredNats, sqlite_url: str, dev_keys: DevKeys
) -> None:
    """An erasure request end to end with the privacy user's permissions: the event published
    through the outbox, the person's HR record and dead letters deleted, the HR consumer, and
    nothing refused."""
    spec = load_service(ERASER)
    settings = spec.settings_class.model_validate(
        fast_test_settings(
            nats_url=secured_nats.url,
            database_url=sqlite_url,
            nats_user=ERASER,
            nats_password=secured_nats.passwords[ERASER],
            auth_public_key=dev_keys.public_pem,
        )
    )
    person = PersonUpserted(
        person_id="p-1003",
        unit_id="u-kirjasto",
        display_name="Leena Korhonen",
        email="leena.korhonen@kuusijarvi.example",
    )
    async with running_service(spec, settings) as privacy:
        message = encode(person, source="/hr")
        async with connect(secured_nats, HR_ADAPTER) as hr:
            await hr.js.publish(message.subject, message.body, headers=message.headers, stream=HR)
        # A consumer gave up on an event naming her, and on one naming a colleague.
        async with connect(secured_nats, "review") as review:
            for named in ("p-1003", "p-1004"):
                await review.js.publish(
                    "deadletter.review.ideas",
                    json.dumps({"author_ids": [named]}).encode(),
                    headers={"Ideapaja-Original-Subject": "ideapaja.idea.submitted.v1"},
                    stream=DLQ,
                )
        response = await privacy.client.post(
            "/erasures",
            headers=dev_keys.headers("p-hr", "hr"),
            json={"person_id": "p-1003", "reason": "Tietosuojapyyntö TS-1"},
        )
        assert response.status_code == 201, response.text
        assert response.json()["hr_record_deleted_at"] is not None
        assert response.json()["dead_letters_deleted"] == 1
        async with connect(secured_nats, ADMIN) as admin:
            assert await stream_messages(admin.js, HR, "hr.person.p-1003") == []
            [kept] = await stream_messages(admin.js, DLQ)
            assert json.loads(kept.data) == {"author_ids": ["p-1004"]}
            erasure = ErasureRequested.event_type()
            [event] = await eventually(lambda: stream_messages(admin.js, LIFECYCLE, erasure))
            assert json.loads(event.data)["person_id"] == "p-1003"
    assert secured_nats.violations(ERASER) == []
    assert secured_nats.violations() == []
