"""The e-mail channel against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from email import policy
from email.parser import BytesParser
from typing import Any

import pytest
from notification_testkit import MailServer, SlowSmtpServer

from ideapaja_notification.channels import ChannelError, OutgoingMessage
from ideapaja_notification.channels.email import EmailChannel, build_email, message_id
from ideapaja_notification.settings import NotificationSettings

MESSAGE = OutgoingMessage(
    delivery_id="6f1c2a52-0d5e-5b8e-9c0a-1b2c3d4e5f60",
    person_id="p-1",
    address="asa.oberg@vaasa.example",
    language="sv",
    subject="Din idé har godkänts: Fönsterbänkar åt alla",
    body="Hej Åsa Öberg!\n\nDin idé ”Fönsterbänkar åt alla” har godkänts.\n",
)


def settings_for(server: MailServer, **overrides: Any) -> NotificationSettings:
    return NotificationSettings(smtp_port=server.port, smtp_timeout_seconds=2, **overrides)


def test_message_id_comes_from_the_delivery_and_the_sender_domain() -> None:
    assert message_id("d-1", "Ideapaja <ideapaja@vaasa.example>") == "<d-1@vaasa.example>"
    assert message_id("d-1", "no address") == "<d-1@ideapaja.localhost>"


def test_the_mail_is_utf8_plain_text_that_survives_a_round_trip() -> None:
    mail = build_email(MESSAGE, mail_from="Ideapaja <ideapaja@vaasa.example>")
    wire = mail.as_bytes()
    # Only ASCII on the wire: any relay passes it, no 8BITMIME or SMTPUTF8 needed.
    wire.decode("ascii")
    parsed = BytesParser(policy=policy.default).parsebytes(wire)
    assert parsed["Subject"] == MESSAGE.subject
    assert parsed["To"] == MESSAGE.address
    assert parsed["Message-ID"] == f"<{MESSAGE.delivery_id}@vaasa.example>"
    assert parsed["Content-Language"] == "sv"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed.get_content_type() == "text/plain"
    assert parsed.get_content_charset() == "utf-8"
    assert parsed.get_content() == MESSAGE.body


def test_a_message_with_html_is_multipart_alternative_text_first() -> None:
    html = "<p>Hej Åsa Öberg!</p>\n<p>Din idé &lt;b&gt; har godkänts.</p>\n"
    mail = build_email(replace(MESSAGE, html=html), mail_from="Ideapaja <i@vaasa.example>")
    wire = mail.as_bytes()
    wire.decode("ascii")
    parsed = BytesParser(policy=policy.default).parsebytes(wire)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["Content-Language"] == "sv" and parsed["Subject"] == MESSAGE.subject
    text, rich = list(parsed.iter_parts())
    assert (text.get_content_type(), rich.get_content_type()) == ("text/plain", "text/html")
    assert text.get_content() == MESSAGE.body and rich.get_content() == html
    assert rich.get_content_charset() == "utf-8"


async def test_sends_to_the_smtp_server(mail_server: MailServer) -> None:
    mail_server.start()
    await EmailChannel(settings_for(mail_server)).send(MESSAGE)
    [mail] = mail_server.mails
    assert mail.envelope_to == [MESSAGE.address]
    assert mail.subject == MESSAGE.subject
    assert mail.text == MESSAGE.body
    assert mail.message["From"] == "Ideapaja <ideapaja@localhost>"


async def test_a_server_that_is_down_is_a_transient_error(mail_server: MailServer) -> None:
    with pytest.raises(ChannelError) as caught:
        await EmailChannel(settings_for(mail_server)).send(MESSAGE)
    assert not caught.value.permanent
    assert "SMTP unavailable" in str(caught.value)


async def test_a_refused_recipient_is_a_permanent_error(mail_server: MailServer) -> None:
    mail_server.refuse.add(MESSAGE.address)
    mail_server.start()
    with pytest.raises(ChannelError) as caught:
        await EmailChannel(settings_for(mail_server)).send(MESSAGE)
    assert caught.value.permanent
    assert "550" in str(caught.value)
    assert mail_server.mails == []


def test_tls_modes_are_exclusive() -> None:
    with pytest.raises(ValueError, match="smtp_starttls or smtp_tls"):
        NotificationSettings(smtp_starttls=True, smtp_tls=True)


async def test_a_slow_reply_to_the_message_data_is_waited_for_not_sent_again() -> None:
    # RFC 5321 4.5.3.2.6: the reply to the end of the data may take up to 10 minutes; a client
    # that gives up sooner sends a second copy of a mail the server has already accepted.
    async with SlowSmtpServer(data_delay=1.5) as server:
        channel = EmailChannel(
            NotificationSettings(
                smtp_port=server.port, smtp_timeout_seconds=0.5, smtp_data_timeout_seconds=5
            )
        )
        await channel.send(MESSAGE)
    assert server.accepted == 1


async def test_a_server_that_never_answers_quit_does_not_undo_an_accepted_mail() -> None:
    async with SlowSmtpServer(hang_on_quit=True) as server:
        channel = EmailChannel(
            NotificationSettings(smtp_port=server.port, smtp_timeout_seconds=0.5)
        )
        # Accepted at the reply to the data: the send is over then, whatever QUIT does.
        await asyncio.wait_for(channel.send(MESSAGE), timeout=0.4)
        await channel.aclose()
    assert server.accepted == 1
