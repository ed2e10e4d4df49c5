"""A person's whole history in intake, built through the API, and the probes the GDPR access
report and erasure tests read it with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from intake_testkit import AUTHOR, COLLEAGUE, PNG_FILE, form_payload, idea_payload

from ideapaja_contracts import Envelope, encode
from ideapaja_contracts.events.privacy import ErasureBasis, ErasureRequested
from ideapaja_intake.settings import IntakeSettings
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.testing import (
    DevKeys,
    RunningService,
    handler_context,
)

ERASED = COLLEAGUE  # the person whose data is reported and erased


@dataclass
class PersonHistory:
    """What ERASED did: co-authored AUTHOR's idea, wrote an anonymous idea (with a file and a
    comment as its pseudonym) and one through the intranet form, supported and commented
    AUTHOR's other idea, decided on it as a change agent, got a reward, saved a draft; and
    AUTHOR's draft invites them."""

    co_authored: dict[str, Any]
    anonymous: dict[str, Any]
    by_form: dict[str, Any]
    supported: dict[str, Any]
    attachment_id: str
    draft_id: str
    author_draft_id: str
    form_token_id: str
    anonymous_comment: str = "Tarkennus: koskee myös lauantaita."


def erased_headers(dev_keys: DevKeys) -> dict[str, str]:
    return dev_keys.headers(ERASED, "employee", "change_agent", units=["u-kirjasto"])


async def _created(response: Any) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def build_person_history(running: RunningService, dev_keys: DevKeys) -> PersonHistory:
    """Through the API (and the review and reward handlers), then every event published."""
    from ideapaja_contracts.events.idea import Scope
    from ideapaja_contracts.events.review import Decision, ReviewDecided
    from ideapaja_contracts.events.reward import RewardGranted, RewardKind
    from ideapaja_intake.domain.form_token import read_form_token
    from ideapaja_intake.usecases.timeline import on_review_decided, on_reward_granted
    from ideapaja_runtime.testing import eventually

    client = running.client
    author = dev_keys.headers(AUTHOR, "employee", units=["u-kirjasto"])
    erased = erased_headers(dev_keys)
    co_authored = await _created(
        await client.post(
            "/ideas",
            json=idea_payload(title="Yhteinen idea", co_author_ids=[ERASED]),
            headers={**author, "Idempotency-Key": "k-author-1"},
        )
    )
    confirmed = await client.post(
        f"/ideas/{co_authored['id']}/co-authors/{ERASED}/confirm", headers=erased
    )
    assert confirmed.status_code == 200, confirmed.text
    anonymous = await _created(
        await client.post(
            "/ideas",
            json=idea_payload(title="Nimetön idea", anonymous=True),
            headers={**erased, "Idempotency-Key": "k-erased-1"},
        )
    )
    attachment = await _created(
        await client.post(
            f"/ideas/{anonymous['id']}/attachments",
            files={"file": ("kaavio.png", PNG_FILE, "image/png")},
            headers=erased,
        )
    )
    await _created(
        await client.post(
            f"/ideas/{anonymous['id']}/comments",
            json={"body": PersonHistory.anonymous_comment},
            headers=erased,
        )
    )
    token = (await _created(await client.post("/form-tokens", headers=erased)))["form_token"]
    by_form = await _created(
        await client.post(
            "/ideas/form",
            data={**form_payload(title="Lomakkeelta"), "form_token": token},
            headers={"Accept": "application/json"},
        )
    )
    supported = await _created(
        await client.post("/ideas", json=idea_payload(title="Toisen idea"), headers=author)
    )
    await _created(await client.post(f"/ideas/{supported['id']}/support", headers=erased))
    await _created(
        await client.post(
            f"/ideas/{supported['id']}/comments", json={"body": "Hyvä idea!"}, headers=erased
        )
    )
    draft = await _created(
        await client.post(
            "/drafts", json={"title": "Keskeneräinen", "problem": "Oma ajatus"}, headers=erased
        )
    )
    author_draft = await _created(
        await client.post(
            "/drafts",
            json={"title": "Yhteinen luonnos", "co_author_ids": [ERASED, "p-1003"]},
            headers=author,
        )
    )
    # As a change agent, ERASED decides on AUTHOR's idea; reward grants ERASED points.
    runtime = running.runtime
    for handler, event in (
        (
            on_review_decided,
            ReviewDecided(
                case_id="c-1",
                idea_id=supported["id"],
                decision=Decision.ACCEPTED,
                rationale="Kokeillaan.",
                decided_by=ERASED,
                scope=Scope.UNIT,
                unit_id="u-kirjasto",
            ),
        ),
        (
            on_reward_granted,
            RewardGranted(
                idea_id=co_authored["id"],
                grant_id="g-1",
                person_id=ERASED,
                kind=RewardKind.POINTS,
                amount=Decimal(0),
                points=5,
                reason="Idea jätetty",
            ),
        ),
    ):
        message = encode(event, source="/test")
        await deliver(runtime, handler, event, message.envelope)

    async def all_published() -> bool:
        assert runtime.relay is not None
        return await runtime.relay.pending() == 0

    await eventually(all_published)
    settings = runtime.settings
    assert isinstance(settings, IntakeSettings)
    claims = read_form_token(
        settings.form_token_secret.get_secret_value(), token, now=datetime.now(UTC)
    )
    return PersonHistory(
        co_authored=co_authored,
        anonymous=anonymous,
        by_form=by_form,
        supported=supported,
        attachment_id=str(attachment["id"]),
        draft_id=str(draft["id"]),
        author_draft_id=str(author_draft["id"]),
        form_token_id=claims.token_id,
    )


async def every_value(runtime: Runtime) -> list[tuple[str, str, str]]:
    """(table, column, value as text) for every text, binary and JSON value in the database."""
    import json

    from sqlalchemy import inspect, text

    async with runtime.db.engine.connect() as conn:
        tables = await conn.run_sync(lambda sync: inspect(sync).get_table_names())
        found: list[tuple[str, str, str]] = []
        for table in sorted(tables):
            rows = await conn.execute(text(f'SELECT * FROM "{table}"'))  # noqa: S608 - our names
            for row in rows.mappings():
                for column, value in row.items():
                    if isinstance(value, bytes | bytearray | memoryview):
                        value = bytes(value).decode("utf-8", "replace")
                    elif isinstance(value, dict | list):
                        value = json.dumps(value)
                    if isinstance(value, str):
                        found.append((table, str(column), value))
        return found


def naming(values: list[tuple[str, str, str]], person_id: str) -> list[str]:
    """Where ``person_id`` appears as a whole id (p-1002 is not in p-10020)."""
    import re

    whole = re.compile(rf"(?<![A-Za-z0-9_-]){re.escape(person_id)}(?![A-Za-z0-9_-])")
    return [f"{t}.{c}: {v[:120]!r}" for t, c, v in values if whole.search(v)]


def erasure(erasure_id: str = "er-1", person_id: str = ERASED) -> ErasureRequested:
    return ErasureRequested(
        erasure_id=erasure_id,
        person_id=person_id,
        requested_by="p-hr",
        reason="Tietosuojapyyntö TS-1",
        basis=ErasureBasis.REQUEST,
    )


async def erase(
    running: RunningService, person_id: str = ERASED, *, at: datetime | None = None
) -> None:
    """The subscription's handler, called as the consumer would, in one transaction."""
    from ideapaja_intake.usecases.erasure import on_erasure_requested

    event = erasure(person_id=person_id)
    message = encode(event, source="/ideapaja/privacy", time=at or datetime.now(UTC))
    await deliver(running.runtime, on_erasure_requested, event, message.envelope)


async def deliver(runtime: Runtime, handler: Any, event: Any, envelope: Envelope) -> None:
    """``handler`` run on ``event`` as the service's consumer would, in one transaction."""
    async with handler_context(
        runtime.db, envelope, settings=runtime.settings, outbox=runtime.outbox
    ) as ctx:
        await handler(event, ctx)
