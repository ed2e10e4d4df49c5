"""Over a real NATS server and SMTP server, on SQLite and PostgreSQL: review's reminder of a
deadline near reaches each reviewer once, by mail in their language and in the inbox, on the
review notices' consumer; a co-author confirmed after the submission gets their receipt."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from notification_testkit import (
    CASE,
    MailServer,
    deliveries,
    inbox_items,
    person,
    projected,
    publish,
    settings_for,
    submitted,
)

from ideapaja_contracts.events.idea import IdeaUpdated
from ideapaja_contracts.events.review import CaseDeadlineNear
from ideapaja_notification.app import service
from ideapaja_runtime.testing import DevKeys, eventually, running_service


async def test_a_deadline_near_and_a_late_co_author_arrive_over_nats_once(
    database_url: str, nats_url: str, js: Any, dev_keys: DevKeys, mail_server: MailServer
) -> None:
    mail_server.start()
    settings = settings_for(nats_url, database_url, dev_keys, mail_server)
    async with running_service(service, settings) as svc:
        db = svc.runtime.db
        await publish(js, person("p-1", email="a@vaasa.example"))
        await publish(js, person("p-co", email="co@vaasa.example", language="sv"))
        await publish(
            js, person("p-r", email="r@vaasa.example", language="sv", roles=["change_agent"])
        )
        await publish(js, person("p-s", email="s@vaasa.example", roles=["supervisor"]))
        await publish(js, submitted("i-1", authors=["p-1"], title="Fönsterbänkar"))
        await eventually(projected(db, 4, "i-1"))
        await publish(
            js,
            CaseDeadlineNear(
                **CASE,
                step="in_review",
                due_at=datetime(2026, 3, 14, 10, tzinfo=UTC),
                level=0,
                reviewer_ids=["p-r", "p-s"],
            ),
        )
        await publish(
            js,
            IdeaUpdated(
                idea_id="i-1", revision=2, title="Fönsterbänkar", problem="p", solution="s",
                edited_by="p-co", author_ids=["p-1", "p-co"],
            ),
        )  # fmt: skip

        async def both_sent() -> list[tuple[str, str]] | None:
            rows = [r for r in await deliveries(db) if r.status == "sent"]
            return sorted((r.person_id, r.template) for r in rows) if len(rows) >= 2 else None

        assert await eventually(both_sent, timeout=20) == [
            ("p-r", "case_deadline_near"),
            ("p-s", "case_deadline_near"),
        ]
        assert [m.subject for m in mail_server.to("r@vaasa.example")] == [
            "En tidsfrist närmar sig: Fönsterbänkar"
        ]
        assert [m.subject for m in mail_server.to("s@vaasa.example")] == [
            "Määräaika lähestyy: Fönsterbänkar"
        ]

        async def receipt() -> list[Any] | None:
            # An employee's receipt waits for the daily digest; the inbox has it at once.
            found = [i for i in await inbox_items(db, "p-co") if i.kind == "idea_received"]
            return found or None

        [item] = await eventually(receipt, timeout=20)
        assert item.link == "/ideas/i-1" and item.language == "sv"

        async def all_items() -> list[tuple[str, str]] | None:
            found = sorted((i.person_id, i.kind) for i in await inbox_items(db))
            return found if len(found) >= 4 else None

        # The author at submission had theirs from IdeaSubmitted; nobody has two.
        assert await eventually(all_items, timeout=20) == [
            ("p-1", "idea_received"),
            ("p-co", "idea_received"),
            ("p-r", "case_deadline_near"),
            ("p-s", "case_deadline_near"),
        ]
