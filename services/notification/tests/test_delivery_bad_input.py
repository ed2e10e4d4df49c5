"""Bad input on a real NATS server: a notice for someone HR never describes waits a bounded
number of deliveries and is dead-lettered with the reason, holding back nobody else's notice;
a message template that fails is a dead letter naming the template and the error, and the
service goes on with the next event."""

from __future__ import annotations

from typing import Any

import pytest
from jinja2 import Environment, StrictUndefined, Template
from notification_testkit import (
    MailServer,
    dead_letters,
    decided,
    deliveries,
    person,
    publish,
    submitted,
)
from test_delivery import settings_for

from ideapaja_contracts.events.idea import IdeaCommented, IdeaSupported
from ideapaja_notification import messages
from ideapaja_notification.app import service
from ideapaja_notification.domain.kinds import Language, TemplateId
from ideapaja_runtime.messaging import DLQ_DELIVERIES, DLQ_REASON
from ideapaja_runtime.testing import DevKeys, eventually, running_service


async def test_a_supporter_hr_never_describes_is_dead_lettered_after_the_bound_alone(
    sqlite_url: str, nats_url: str, js: Any, dev_keys: DevKeys, mail_server: MailServer
) -> None:
    mail_server.start()
    settings = settings_for(
        nats_url,
        sqlite_url,
        dev_keys,
        mail_server,
        retry_later_max_deliver=4,
        retry_later_delay_seconds=0.1,
    )
    async with running_service(service, settings) as svc:
        await publish(js, person("p-a", email="a@vaasa.example"))
        await publish(js, submitted("i-1", authors=["p-a"]))
        await publish(js, IdeaSupported(idea_id="i-1", supporter_id="p-ghost", support_count=1))
        decision_id = await publish(js, decided("i-1"))
        [letter] = await eventually(dead_letters(js, "supporter-decisions"), timeout=30)

        async def author_told() -> list[Any] | None:
            rows = await deliveries(svc.runtime.db)
            return rows or None

        rows = await eventually(author_told, timeout=30)
    assert letter.headers["ce-id"] == decision_id
    # Waited exactly the bound, then set aside with who is missing.
    assert letter.headers[DLQ_DELIVERIES] == "4"
    assert "RetryLater" in letter.headers[DLQ_REASON]
    assert "p-ghost" in letter.headers[DLQ_REASON]
    # The author's own notice was not held back by the unknown supporter.
    assert [(r.person_id, r.template) for r in rows] == [("p-a", "idea_accepted")]


async def test_a_failing_template_is_a_dead_letter_with_the_error_not_a_crash(
    sqlite_url: str,
    nats_url: str,
    js: Any,
    dev_keys: DevKeys,
    mail_server: MailServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = messages._template
    # A template whose subject needs a field no event gives it.
    broken = Environment(undefined=StrictUndefined, autoescape=True).from_string(
        "{% block subject %}{{ no_such_field }}{% endblock %}{% block summary %}{% endblock %}"
    )

    def template(language: Language, html: bool, name: str) -> Template:
        # By name: the renderer asks for a template's file name, not its TemplateId.
        return broken if name == TemplateId.IDEA_ACCEPTED.value else real(language, html, name)

    monkeypatch.setattr(messages, "_template", template)
    mail_server.start()
    settings = settings_for(
        nats_url, sqlite_url, dev_keys, mail_server, max_deliver=2, redelivery_backoff=[0.1]
    )
    async with running_service(service, settings) as svc:
        # A supervisor: a comment is e-mailed to them at once (an employee's waits for a digest).
        await publish(js, person("p-a", email="a@vaasa.example", roles=["supervisor"]))
        await publish(js, submitted("i-1", authors=["p-a"]))
        decision_id = await publish(js, decided("i-1"))
        [letter] = await eventually(dead_letters(js, "decisions"), timeout=30)
        # The service is still up: the next event of another kind is told.
        comment = IdeaCommented(idea_id="i-1", comment_id="k-1", commenter_id="p-b", body="Hyvä!")
        await publish(js, comment)

        async def comment_told() -> list[Any] | None:
            rows = await deliveries(svc.runtime.db)
            return [r for r in rows if r.template == "idea_commented"] or None

        rows = await eventually(comment_told, timeout=30)
    assert letter.headers["ce-id"] == decision_id
    reason = letter.headers[DLQ_REASON]
    assert "MessageTemplateError" in reason and "template idea_accepted (fi) failed" in reason
    assert "no_such_field" in reason
    assert [r.template for r in rows] == ["idea_commented"]
