"""Daily and weekly digests on both databases, with the service's clock in the test's hands:
due at 07:00 Helsinki time on each side of the DST changes (once per local day; weekly once),
one e-mail per digest grouped by idea in the reader's language, never an item twice (a restart,
two replicas racing), and end to end through the running service to a real SMTP server."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from notification_testkit import (
    SOURCE,
    MailServer,
    choose,
    deliveries,
    digest_items,
    envelope_of,
    handle,
    new_id,
    person,
    service_settings,
    submitted,
)

from ideapaja_contracts.events.idea import IdeaCommented
from ideapaja_contracts.events.progress import PracticeAdopted
from ideapaja_notification import handlers
from ideapaja_notification.app import service
from ideapaja_notification.db.models import Delivery
from ideapaja_notification.domain.preferences import Frequency
from ideapaja_notification.settings import NotificationSettings
from ideapaja_notification.usecases.digests import build_due_digests
from ideapaja_runtime.db import Database
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.testing import DevKeys, eventually, handler_context, running_service
from ideapaja_runtime.testing_builders import wiring
from ideapaja_runtime.uow import UnitOfWork, open_unit_of_work

# The test's own zone, not the code's: a digest at a fixed offset must fail here.
HELSINKI = ZoneInfo("Europe/Helsinki")
SETTINGS = service_settings()  # 07:00 local, weekly on Mondays


async def _people(db: Database) -> None:
    """p-1 (fi, employee: comments daily) and p-2 (sv, management: weekly) wrote i-1 and i-2;
    p-9 comments."""
    await handle(db, handlers.on_person_upserted, person("p-1", name="Aino", language="fi"))
    await handle(
        db,
        handlers.on_person_upserted,
        person("p-2", name="Sven", language="sv", roles=["management"]),
    )
    await handle(db, handlers.on_person_upserted, person("p-9", name="Ville"))
    for idea_id, title in (("i-1", "Iltakirjasto"), ("i-2", "Pyöräparkki")):
        await handle(
            db, handlers.on_idea_submitted, submitted(idea_id, authors=["p-1", "p-2"], title=title)
        )


async def _comment(db: Database, at: datetime, idea_id: str = "i-1", body: str = "Hyvä!") -> None:
    event = IdeaCommented(idea_id=idea_id, comment_id=new_id("k"), commenter_id="p-9", body=body)
    async with handler_context(
        db, envelope_of(event), outbox=Outbox(SOURCE), clock=lambda: at
    ) as ctx:
        await handlers.on_idea_commented(event, ctx)


def _units(
    db: Database, now: datetime
) -> Callable[[], AbstractAsyncContextManager[UnitOfWork[NotificationSettings]]]:
    return lambda: open_unit_of_work(db, SETTINGS, Outbox(SOURCE), clock=lambda: now)


async def _build(db: Database, now: datetime) -> int:
    return await build_due_digests(_units(db, now), now, SETTINGS.digest_batch_size)


async def _digests(db: Database, person_id: str) -> list[Delivery]:
    return [
        d
        for d in await deliveries(db)
        if d.person_id == person_id and d.template.startswith("digest_")
    ]


def _local(moment: datetime) -> datetime:
    return moment.astimezone(HELSINKI)


@pytest.mark.parametrize(
    "change_day", [date(2026, 3, 29), date(2026, 10, 25)], ids=["march", "october"]
)
async def test_one_daily_digest_per_local_day_at_seven_and_one_weekly_across_dst(
    notification_db: Database, change_day: date
) -> None:
    db = notification_db
    await _people(db)
    start = datetime.combine(change_day - timedelta(days=2), time(0), tzinfo=HELSINKI)
    end = datetime.combine(change_day + timedelta(days=3), time(0), tzinfo=HELSINKI)
    now = start.astimezone(UTC)
    step = 0
    while now < end:
        if step % 6 == 0:  # a comment every three hours, each to p-1 and p-2
            await _comment(db, now)
        await _build(db, now)
        now += timedelta(minutes=30)
        step += 1

    daily = await _digests(db, "p-1")
    sent_at = [_local(d.created_at) for d in daily]
    days = [change_day + timedelta(days=n) for n in (-2, -1, 0, 1, 2)]
    assert [t.date() for t in sent_at] == days, "exactly one per local day"
    assert {(t.hour, t.minute) for t in sent_at} == {(7, 0)}, "at 07:00 local, summer or winter"
    assert {d.template for d in daily} == {"digest_daily"} and len({d.id for d in daily}) == 5

    weekly = await _digests(db, "p-2")
    monday = change_day + timedelta(days=1)
    assert [(_local(d.created_at).date(), _local(d.created_at).hour) for d in weekly] == [
        (monday, 7)
    ]

    # Each comment is in exactly one digest: the first due after it arrived.
    dues = [d.created_at for d in daily]
    by_digest = {d.id: d for d in daily}
    for item in await digest_items(db, "p-1"):
        if item.created_at > dues[-1]:
            assert item.digest_id is None, "waits for tomorrow"
            continue
        carried_by = by_digest[item.digest_id or ""]
        earlier = [due for due in dues if due < carried_by.created_at]
        assert item.created_at <= carried_by.created_at
        assert not earlier or item.created_at > earlier[-1]
    # The first digest carries the comments since the window opened: 00:00, 03:00 and 06:00.
    assert daily[0].body.count("Hyvä!") == 3


async def test_one_e_mail_grouped_by_idea_in_the_readers_language(
    notification_db: Database,
) -> None:
    db = notification_db
    await _people(db)
    await choose(
        db, "p-2", {"idea_commented": Frequency.DAILY, "practice_adopted": Frequency.DAILY}
    )
    evening = datetime(2026, 5, 4, 18, tzinfo=HELSINKI).astimezone(UTC)
    await _comment(db, evening, "i-2", "Ensimmäinen kommentti")
    await _comment(db, evening + timedelta(minutes=1), "i-1", "Toinen kommentti")
    adopted = PracticeAdopted(
        idea_id="i-2", practice_id="g-1", adopting_unit_id="u-2", reported_by="p-9"
    )
    async with handler_context(
        db,
        envelope_of(adopted),
        outbox=Outbox(SOURCE),
        clock=lambda: evening + timedelta(minutes=2),
    ) as ctx:
        await handlers.on_practice_adopted(adopted, ctx)

    morning = datetime(2026, 5, 5, 7, 0, 5, tzinfo=HELSINKI).astimezone(UTC)
    assert await _build(db, morning) == 2
    [fi] = await _digests(db, "p-1")
    [sv] = await _digests(db, "p-2")
    assert fi.subject == "Ideapajan päivittäinen kooste"
    assert sv.subject == "Din dagliga sammanfattning från Ideapaja"
    assert fi.body.startswith("Hei Aino!\n\nTässä Ideapajan tapahtumat viime vuorokauden ajalta.")
    # Grouped by idea: i-2 (its comment came first) with its two lines, then i-1.
    order = [
        "Idea: Pyöräparkki",
        "Ensimmäinen kommentti",
        "Toinen yksikkö",
        "Idea: Iltakirjasto",
        "Toinen kommentti",
    ]
    positions = [fi.body.index(text) for text in order]
    assert positions == sorted(positions)
    assert fi.body.count("Idea: ") == 2
    assert "Idé: Pyöräparkki" in sv.body and "Idé: Iltakirjasto" in sv.body
    assert fi.html is not None and "<h2>Idea: Pyöräparkki</h2>" in fi.html
    # Nothing more that morning, however often the job runs.
    assert await _build(db, morning + timedelta(minutes=30)) == 0
    assert len(await _digests(db, "p-1")) == 1


async def test_no_item_twice_after_a_restart_or_with_two_replicas_racing(
    notification_db: Database,
) -> None:
    db = notification_db
    await _people(db)
    for n in range(3):
        await _comment(db, datetime(2026, 5, 4, 10 + n, tzinfo=UTC))
    morning = datetime(2026, 5, 5, 4, 30, tzinfo=UTC)  # 07:30 local
    other = Database(db.url)  # a second replica, with its own connections
    try:
        await other.migrate(service.migrations)
        results = await asyncio.gather(
            build_due_digests(_units(db, morning), morning, 1),
            build_due_digests(_units(other, morning), morning, 1),
        )
    finally:
        await other.dispose()
    assert sum(results) == 1, "p-1's daily digest, built by one of them"
    [digest] = await _digests(db, "p-1")
    items = await digest_items(db, "p-1")
    assert {i.digest_id for i in items} == {digest.id} and len(items) == 3
    # "Restarted": the job runs again, later that day and the next (nothing new arrived).
    assert await _build(db, morning + timedelta(hours=5)) == 0
    assert await _build(db, morning + timedelta(days=1)) == 0
    assert len(await _digests(db, "p-1")) == 1


async def test_the_running_service_mails_one_digest_and_not_again_after_a_restart(
    sqlite_url: str, nats_url: str, dev_keys: DevKeys, mail_server: MailServer
) -> None:
    mail_server.start()
    settings = service_settings(
        **wiring(nats_url, sqlite_url, dev_keys),
        smtp_port=mail_server.port,
        digest_poll_seconds=0.1,
    )
    tomorrow = datetime.now(UTC) + timedelta(days=1)  # past the next 07:00 local
    async with running_service(service, settings) as svc:
        db = svc.runtime.db
        await _people(db)
        await handle(
            db,
            handlers.on_idea_commented,
            IdeaCommented(idea_id="i-1", comment_id="k-1", commenter_id="p-9", body="Kiitos!"),
        )
        assert mail_server.mails == []
        svc.runtime.clock = lambda: tomorrow

        async def mailed() -> Any:
            return mail_server.to("p-1@vaasa.example") or None

        [mail] = await eventually(mailed, timeout=20)
        assert mail.subject == "Ideapajan päivittäinen kooste"
        assert mail.message.get_content_type() == "multipart/alternative"
        assert "Idea: Iltakirjasto" in mail.text and "Kiitos!" in mail.text
        html = mail.message.get_body(("html",))
        assert html is not None and "<h2>Idea: Iltakirjasto</h2>" in html.get_content()
    async with running_service(service, settings) as svc:
        svc.runtime.clock = lambda: tomorrow + timedelta(minutes=5)
        await asyncio.sleep(1.0)  # ten runs of the job
        assert len(mail_server.to("p-1@vaasa.example")) == 1
        assert {d.status for d in await _digests(svc.runtime.db, "p-1")} == {"sent"}
