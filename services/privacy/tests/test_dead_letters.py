"""An erasure deletes the dead letters that concern the person, on a real NATS: an HR record of
theirs that a consumer could not handle, an event naming them; others' dead letters stay."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from privacy_testkit import audit_rows, hr_sent, privacy_settings, upserted

from ideapaja_contracts import encode
from ideapaja_contracts.events.idea import IdeaSubmitted, Scope
from ideapaja_contracts.events.privacy import ErasureBasis, ErasureRequested
from ideapaja_privacy.app import service
from ideapaja_privacy.domain.dead_letters import ORIGINAL_SUBJECT, concerned, hr_record_subject
from ideapaja_runtime.messaging import DLQ_ORIGINAL_SUBJECT
from ideapaja_runtime.testing import DevKeys, RunningService, eventually, running_service
from ideapaja_runtime.testing import stream_messages as messages_in
from ideapaja_runtime.testing_builders import wiring

DLQ = "IDEAPAJA_DLQ"


# --- which dead letters concern a person (pure) -------------------------------------------------


def test_the_header_name_is_the_one_consumers_write() -> None:
    assert DLQ_ORIGINAL_SUBJECT.lower() == ORIGINAL_SUBJECT


@pytest.mark.parametrize(
    ("headers", "body", "expected"),
    [
        ({DLQ_ORIGINAL_SUBJECT: "hr.person.p-1"}, b"not json", {"p-1"}),
        ({DLQ_ORIGINAL_SUBJECT: "hr.person.p-10"}, b"{}", set()),
        ({}, b'{"author_ids": ["p-10", "p-2"]}', {"p-2"}),
        ({"ce-subject": "p-1"}, b"{}", {"p-1"}),
        ({}, b'{"person_id": "p-1x"}', set()),
        # The erasure event itself stays for the operator to replay.
        ({"ce-type": ErasureRequested.event_type()}, b'{"person_id": "p-1"}', set()),
    ],
)
def test_which_dead_letters_concern_whom(
    headers: dict[str, str], body: bytes, expected: set[str]
) -> None:
    assert concerned(headers, body, ["p-1", "p-2"]) == expected


def test_the_hr_record_subject() -> None:
    assert hr_record_subject("p-1003") == "hr.person.p-1003"


# --- on a real NATS ------------------------------------------------------------------------------


@pytest.fixture
async def privacy(
    nats_url: str, sqlite_url: str, dev_keys: DevKeys
) -> AsyncIterator[RunningService]:
    settings = privacy_settings(
        **wiring(nats_url, sqlite_url, dev_keys),
        max_deliver=1,
    )
    async with running_service(service, settings) as running:
        yield running


async def _broken_hr_record(js: Any, person_id: str, name: str) -> None:
    """An HR record the privacy service's own HR consumer cannot read (its e-mail is not one):
    dead-lettered at once, name and all, the way every consumer does it."""
    message = encode(upserted(person_id, display_name=name), source="/hr")
    body = json.loads(message.body)
    body["email"] = f"{name} (no address)"
    await js.publish(
        message.subject, json.dumps(body, ensure_ascii=False).encode(), headers=message.headers
    )


async def _dead_letter_naming(js: Any, author_id: str) -> None:
    """An idea whose consumer gave up, copied to the dead-letter stream like messaging.py does."""
    event = IdeaSubmitted(
        idea_id=f"i-{author_id}",
        title="Omatoimikirjasto iltaisin",
        problem="Vuorotyöläiset eivät ehdi kirjastoon.",
        solution="Avataan omatoimiaika.",
        scope=Scope.UNIT,
        unit_id="u-kirjasto",
        author_ids=[author_id],
        author_ref=f"a-{author_id}",
        language="fi",
    )
    message = encode(event, source="/ideapaja/intake")
    headers = dict(message.headers)
    headers.pop("Nats-Msg-Id", None)
    headers.update(
        {
            DLQ_ORIGINAL_SUBJECT: message.subject,
            "Ideapaja-Dead-Letter-Reason": "RuntimeError('boom')",
            "Ideapaja-Consumer": "review-ideas",
        }
    )
    await js.publish("deadletter.review.ideas", message.body, headers=headers, stream=DLQ)


def _texts(letters: list[Any]) -> str:
    return "\n".join(
        (m.data or b"").decode()
        + json.dumps(dict(m.headers or {}), default=str, ensure_ascii=False)
        for m in letters
    )


async def test_an_erasure_deletes_the_dead_letters_that_concern_the_person(
    privacy: RunningService, dev_keys: DevKeys, js: Any
) -> None:
    await _broken_hr_record(js, "p-1003", "Leena Korhonen")
    await _broken_hr_record(js, "p-1004", "Mikko Mäki")
    await _dead_letter_naming(js, "p-1003")
    await _dead_letter_naming(js, "p-1004")

    async def four_dead_letters() -> list[Any] | None:
        letters = await messages_in(js, DLQ)
        return letters if len(letters) == 4 else None

    letters = await eventually(four_dead_letters)
    assert "Leena Korhonen" in _texts(letters)
    await hr_sent(privacy.runtime.db, "p-1003")

    response = await privacy.client.post(
        "/erasures",
        headers=dev_keys.headers("p-hr", "hr"),
        json={"person_id": "p-1003", "reason": "Tietosuojapyyntö TS-2025-014"},
    )
    assert response.status_code == 201, response.text
    erasure = response.json()
    assert erasure["dead_letters_deleted"] == 2
    assert erasure["dead_letters_deleted_at"] is not None

    left = await messages_in(js, DLQ)
    assert len(left) == 2
    assert "p-1003" not in _texts(left) and "Leena Korhonen" not in _texts(left)
    assert "Mikko Mäki" in _texts(left) and '"p-1004"' in _texts(left)

    # Audited with the count only; repeating the request deletes nothing more.
    [entry] = [
        a for a in await audit_rows(privacy.runtime.db) if a.action.endswith("dead_letters_deleted")
    ]
    assert (entry.person_id, entry.details) == (
        "p-1003",
        {"erasure_id": erasure["id"], "stream": DLQ, "deleted": 2},
    )
    again = await privacy.client.post(
        "/erasures",
        headers=dev_keys.headers("p-hr", "hr"),
        json={"person_id": "p-1003", "reason": "uudestaan"},
    )
    assert again.status_code == 200 and again.json()["dead_letters_deleted"] == 2
    assert len(await messages_in(js, DLQ)) == 2


async def test_the_sweep_deletes_them_when_nats_refused_at_first(
    privacy: RunningService, js: Any
) -> None:
    from ideapaja_privacy.sweeper import run_sweep
    from ideapaja_privacy.usecases import erasures

    await _dead_letter_naming(js, "p-7")
    runtime = privacy.runtime

    class Refusing:
        async def stream_info(self, stream: str) -> Any:
            raise ConnectionError("NATS is away")

    await hr_sent(runtime.db, "p-7")
    done = await erasures.request(
        runtime.db,
        runtime.outbox,
        person_id="p-7",
        requested_by="p-hr",
        reason="TS-1",
        basis=ErasureBasis.REQUEST,
        now=runtime.clock(),
    )
    assert done.created
    assert (
        await erasures.delete_dead_letters(
            runtime.db, Refusing(), DLQ, runtime.clock, person_id="p-7"
        )
        == []
    )
    assert len(await messages_in(js, DLQ)) == 1
    result = await run_sweep(runtime)
    assert result.dead_letters_deleted == [done.erasure.erasure_id]
    assert await messages_in(js, DLQ) == []
    assert (await run_sweep(runtime)).dead_letters_deleted == []
