"""Dead letters: listed with their reason, replayed to the original subject, removed."""

from __future__ import annotations

import json
from typing import Any

import nats
import pytest
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError
from runner_testkit import cli_exit

from ideapaja_contracts import decode, encode
from ideapaja_contracts.events.hr import PersonUpserted
from ideapaja_contracts.events.idea import IdeaSubmitted, Scope
from ideapaja_contracts.streams import dead_letter_subject
from ideapaja_runner import deadletters
from ideapaja_runtime.messaging import (
    DLQ_CONSUMER,
    DLQ_DELIVERIES,
    DLQ_ORIGINAL_SEQ,
    DLQ_ORIGINAL_STREAM,
    DLQ_ORIGINAL_SUBJECT,
    DLQ_REASON,
)
from ideapaja_runtime.settings import ServiceSettings
from ideapaja_runtime.streams import ensure_streams

SETTINGS = ServiceSettings()


async def _dead_letter(
    js: JetStreamContext, stream: str, subject: str, seq: int, reason: str, consumer: str
) -> int:
    """Copy a stored message to the DLQ exactly as ``ConsumerProcessor.dead_letter`` does."""
    original = await js.get_msg(stream, seq=seq)
    headers = {k: v for k, v in (original.headers or {}).items() if k != "Nats-Msg-Id"}
    headers.update(
        {
            DLQ_REASON: reason,
            DLQ_ORIGINAL_SUBJECT: subject,
            DLQ_ORIGINAL_STREAM: stream,
            DLQ_ORIGINAL_SEQ: str(seq),
            DLQ_CONSUMER: consumer,
            DLQ_DELIVERIES: "5",
            "Nats-Msg-Id": f"dlq-{consumer}-{stream}-{seq}",
        }
    )
    service, name = consumer.split("-", 1)
    ack = await js.publish(
        dead_letter_subject(service, name), original.data or b"", headers=headers,
        stream=SETTINGS.dead_letter_stream,
    )  # fmt: skip
    return int(ack.seq)


def _idea() -> IdeaSubmitted:
    return IdeaSubmitted(
        idea_id="i-1", title="Kirjaston aukiolo", problem="Ovet kiinni iltaisin",
        solution="Omatoimikirjasto", scope=Scope.UNIT, unit_id="u-kirjasto",
        author_ids=["p-1001"], author_ref="a-1",
    )  # fmt: skip


async def test_list_and_replay_moves_the_message_back(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        await ensure_streams(js, SETTINGS)
        message = encode(_idea(), source="/ideapaja/intake")
        ack = await js.publish(
            message.subject, message.body, headers=message.headers, stream="IDEAPAJA"
        )
        reason = "handler failed 5 times: ValueError: yksikkö ei löydy"
        dlq_seq = await _dead_letter(
            js, "IDEAPAJA", message.subject, ack.seq, reason, "review-submissions"
        )

        letters = await deadletters.list_dead_letters(js, SETTINGS.dead_letter_stream)
        assert len(letters) == 1
        letter = letters[0]
        assert letter.seq == dlq_seq
        assert letter.consumer == "review-submissions"
        assert letter.original_subject == "ideapaja.idea.submitted.v1"
        assert letter.original_stream == "IDEAPAJA" and letter.original_seq == ack.seq
        assert letter.reason == reason
        assert letter.event_id == message.envelope.id
        assert letter.as_dict()["deliveries"] == "5"

        done = await deadletters.replay(js, dlq_seq, settings=SETTINGS)
        assert done.subject == "ideapaja.idea.submitted.v1" and done.stream == "IDEAPAJA"
        assert done.msg_id == f"replay-{dlq_seq}-{message.envelope.id}"
        assert not done.duplicate and done.seq == ack.seq + 1

        replayed = await js.get_msg("IDEAPAJA", seq=done.seq)
        headers: dict[str, Any] = dict(replayed.headers or {})
        assert headers["Nats-Msg-Id"] == done.msg_id
        assert headers["ce-id"] == message.envelope.id  # consumers dedupe on this
        assert headers[deadletters.REPLAYED_FROM] == f"IDEAPAJA_DLQ/{dlq_seq}"
        assert not any(h.startswith("Ideapaja-Dead") or h == DLQ_CONSUMER for h in headers)
        envelope, event = decode(headers, replayed.data or b"")
        assert event == _idea() and envelope.type == "ideapaja.idea.submitted.v1"

        assert await deadletters.list_dead_letters(js, SETTINGS.dead_letter_stream) == []
        with pytest.raises(NotFoundError):
            await js.get_msg(SETTINGS.dead_letter_stream, seq=dlq_seq)
        with pytest.raises(deadletters.DeadLetterError, match="no dead letter with sequence"):
            await deadletters.replay(js, dlq_seq, settings=SETTINGS)
    finally:
        await nc.close()


async def test_hr_replay_does_not_roll_back_a_newer_version(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        await ensure_streams(js, SETTINGS)
        old = PersonUpserted(
            person_id="p-1", unit_id="u-1", display_name="Aino", email="aino@kuusijarvi.example"
        )
        message = encode(old, source="/ideapaja/hr-adapter")
        ack = await js.publish(
            message.subject, message.body, headers=message.headers, stream="IDEAPAJA_HR"
        )
        dlq_seq = await _dead_letter(
            js, "IDEAPAJA_HR", message.subject, ack.seq, "invalid", "notification-people"
        )
        newer = encode(old.model_copy(update={"display_name": "Aino V."}), source="/hr")
        await js.publish(newer.subject, newer.body, headers=newer.headers, stream="IDEAPAJA_HR")

        with pytest.raises(deadletters.DeadLetterError, match="newer version"):
            await deadletters.replay(js, dlq_seq, settings=SETTINGS)
        assert len(await deadletters.list_dead_letters(js, "IDEAPAJA_DLQ")) == 1  # kept

        done = await deadletters.replay(js, dlq_seq, settings=SETTINGS, force=True)
        assert done.stream == "IDEAPAJA_HR" and done.subject == "hr.person.p-1"
        assert await deadletters.list_dead_letters(js, "IDEAPAJA_DLQ") == []
    finally:
        await nc.close()


def test_cli_dlq_list_and_replay(nats_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    import asyncio

    async def setup() -> int:
        nc = await nats.connect(nats_url)
        js = nc.jetstream()
        try:
            await ensure_streams(js, SETTINGS)
            message = encode(_idea(), source="/ideapaja/intake")
            ack = await js.publish(message.subject, message.body, headers=message.headers)
            return await _dead_letter(
                js,
                "IDEAPAJA",
                message.subject,
                ack.seq,
                "ValidationError: ääkköset",
                "reward-ideas",
            )
        finally:
            await nc.close()

    dlq_seq = asyncio.run(setup())
    assert cli_exit(["dlq", "list", "--nats-url", nats_url]) == 0
    out = capsys.readouterr().out
    assert f"#{dlq_seq}" in out and "consumer=reward-ideas" in out
    assert "subject=ideapaja.idea.submitted.v1" in out and "ValidationError: ääkköset" in out

    cli_exit(["dlq", "list", "--nats-url", nats_url, "--json"])
    [row] = json.loads(capsys.readouterr().out)
    assert row["seq"] == dlq_seq and row["reason"] == "ValidationError: ääkköset"

    assert cli_exit(["dlq", "replay", str(dlq_seq), "--nats-url", nats_url]) == 0
    assert f"#{dlq_seq} replayed to ideapaja.idea.submitted.v1" in capsys.readouterr().out

    cli_exit(["dlq", "list", "--nats-url", nats_url])
    assert "no dead letters in IDEAPAJA_DLQ" in capsys.readouterr().out
    # A script reading the JSON gets an empty list, not nothing.
    assert cli_exit(["dlq", "list", "--nats-url", nats_url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []

    assert cli_exit(["dlq", "replay", str(dlq_seq), "--nats-url", nats_url]) == 1
    assert "no dead letter with sequence" in capsys.readouterr().err


def test_cli_dlq_without_streams(nats_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_exit(["dlq", "list", "--nats-url", nats_url]) == 1
    assert "stream IDEAPAJA_DLQ does not exist" in capsys.readouterr().err
