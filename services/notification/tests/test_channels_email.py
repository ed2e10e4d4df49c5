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
from ideapaja_notification.channels.email import EmailChannel, build_email, mail_bytes, message_id
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


# --- One conversation for many messages ----------------------------------------------------------


def to(n: int) -> OutgoingMessage:
    return replace(MESSAGE, delivery_id=f"d-{n}", address=f"p-{n}@vaasa.example")


def reusing(server: SlowSmtpServer, **overrides: Any) -> EmailChannel:
    values: dict[str, Any] = {"smtp_port": server.port, "smtp_timeout_seconds": 2.0}
    return EmailChannel(NotificationSettings(**(values | overrides)))


async def test_messages_one_after_another_share_one_conversation() -> None:
    async with SlowSmtpServer() as server:
        channel = reusing(server)
        for n in range(5):
            await channel.send(to(n))
        await channel.aclose()
    assert (server.accepted, server.connections) == (5, 1)
    # Greeted once, said goodbye once (at the stop), never reset after a success.
    assert server.commands.count("EHLO") == 1 and server.commands.count("QUIT") == 1
    assert "RSET" not in server.commands


async def test_a_conversation_carries_at_most_the_configured_number_of_messages() -> None:
    async with SlowSmtpServer() as server:
        channel = reusing(server, smtp_max_messages_per_conversation=2)
        for n in range(5):
            await channel.send(to(n))
        await channel.aclose()
    assert (server.accepted, server.connections) == (5, 3)
    assert server.commands.count("QUIT") == 3


async def test_an_idle_conversation_is_closed_with_quit() -> None:
    async with SlowSmtpServer() as server:
        channel = reusing(server, smtp_idle_seconds=0.2)
        await channel.send(to(1))
        await asyncio.sleep(0.5)
        assert server.commands[-1] == "QUIT"
        await channel.send(to(2))
        await channel.aclose()
    assert (server.accepted, server.connections) == (2, 2)


@pytest.mark.parametrize("how", ["drop_after", "busy_after"])
async def test_a_conversation_the_server_ended_is_resumed_on_a_new_one_each_mail_once(
    how: str,
) -> None:
    # A dropped socket after the 250 to a message's data, or a 421 to the next MAIL: nothing of
    # the next message had reached the server, so it is sent on a fresh conversation, once.
    async with SlowSmtpServer(**{how: 2}) as server:
        channel = reusing(server)
        for n in range(5):
            await channel.send(to(n))
        await channel.aclose()
    assert (server.accepted, server.received, server.connections) == (5, 5, 3)


async def test_a_failure_during_the_data_is_never_repeated_on_a_new_conversation() -> None:
    # The server read the data and went away without a reply: it may have accepted the mail,
    # so the channel must not send it again by itself (the sender retries later, as before).
    async with SlowSmtpServer(drop_in_data=True) as server:
        channel = reusing(server)
        with pytest.raises(ChannelError) as caught:
            await channel.send(to(1))
        await channel.aclose()
    assert not caught.value.permanent
    assert (server.received, server.connections) == (1, 1)


async def test_a_refused_recipient_fails_its_own_message_only() -> None:
    async with SlowSmtpServer(refuse=["p-2@vaasa.example"]) as server:
        channel = reusing(server)
        await channel.send(to(1))
        with pytest.raises(ChannelError) as caught:
            await channel.send(to(2))
        await channel.send(to(3))
        await channel.aclose()
    assert caught.value.permanent and "550" in str(caught.value)
    assert (server.accepted, server.connections) == (2, 1)
    # The refused transaction is reset before the next one begins on the same conversation.
    assert server.commands == [
        "EHLO", "MAIL", "RCPT", "DATA", "MAIL", "RCPT", "RSET", "MAIL", "RCPT", "DATA", "QUIT"
    ]  # fmt: skip


# --- The fast builder says what build_email says -------------------------------------------------


def parsed(wire: bytes) -> Any:
    wire.decode("ascii")
    return BytesParser(policy=policy.default).parsebytes(wire)


@pytest.mark.parametrize(
    ("subject", "html", "mail_from"),
    [
        (MESSAGE.subject, None, "Ideapaja <ideapaja@vaasa.example>"),
        ("Plain ASCII subject", "<p>Hej Åsa!</p>", "ideapaja@vaasa.example"),
        (
            "Ideasi on hyväksytty: " + "pitkä otsikko " * 12,
            "<p>" + "ä" * 300 + "</p>",
            "I <i@x.fi>",
        ),
        ("=?utf-8?q?not_an_encoded_word?= = _ ?", "<p>=3D</p>", "Ideapaja <ideapaja@x.fi>"),
    ],
)
def test_mail_bytes_is_the_same_mail_as_build_email(
    subject: str, html: str | None, mail_from: str
) -> None:
    message = replace(MESSAGE, subject=subject, html=html, body=MESSAGE.body + "From here.\n.\n")
    fast = parsed(mail_bytes(message, mail_from=mail_from))
    reference = parsed(build_email(message, mail_from=mail_from).as_bytes())
    # Both take their headers and texts from the same lists; what is compared here is how each
    # writes them (encoded words, quoted-printable, the parts and their own headers).
    for name in ("From", "To", "Subject", "Message-ID", "Auto-Submitted", "Content-Language"):
        assert fast[name] == reference[name], name
    assert fast.get_content_type() == reference.get_content_type()
    fast_parts = [fast] if html is None else list(fast.iter_parts())
    reference_parts = [reference] if html is None else list(reference.iter_parts())
    assert [sorted(m.keys()) for m in (fast, *fast_parts)] == [
        sorted(m.keys()) for m in (reference, *reference_parts)
    ]
    assert [(p.get_content_type(), p.get_content_charset(), p["Content-Transfer-Encoding"],
             p.get_content()) for p in fast_parts] == [
        (p.get_content_type(), p.get_content_charset(), p["Content-Transfer-Encoding"],
         p.get_content()) for p in reference_parts
    ]  # fmt: skip


def test_mail_bytes_refuses_a_line_break_in_a_header_as_build_email_does() -> None:
    with pytest.raises(ValueError, match="linefeed or carriage return"):
        mail_bytes(replace(MESSAGE, subject="Otsikkö\r\nBcc: x@example.fi"), mail_from="i@x.fi")
