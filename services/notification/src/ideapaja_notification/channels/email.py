"""The e-mail channel: UTF-8 mail over SMTP (aiosmtplib), plain text with an HTML alternative."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

import aiosmtplib

from ideapaja_contracts.events.notification import NotificationChannel
from ideapaja_notification.channels import ChannelError, OutgoingMessage
from ideapaja_notification.settings import NotificationSettings


def message_id(delivery_id: str, mail_from: str) -> str:
    """Derived from the delivery id only, so a re-sent copy carries the same Message-ID and a
    receiving MTA (or the reader's client) can recognise it as the same mail."""
    address = parseaddr(mail_from)[1]
    domain = address.rpartition("@")[2] if "@" in address else ""
    domain = domain or "ideapaja.localhost"
    return f"<{delivery_id}@{domain}>"


def build_email(message: OutgoingMessage, *, mail_from: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = mail_from
    mail["To"] = message.address
    # Non-ASCII headers are RFC 2047-encoded by the email package; the body is UTF-8 in
    # quoted-printable, which passes any relay (no 8BITMIME needed) and keeps ä, ö, å intact.
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(datetime.now(UTC))
    mail["Message-ID"] = message_id(message.delivery_id, mail_from)
    # RFC 3834: out-of-office replies and other auto-responders must not answer us.
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(message.body, charset="utf-8", cte="quoted-printable")
    if message.html:
        # multipart/alternative: the text first, the HTML after it (the one a client prefers).
        mail.add_alternative(message.html, subtype="html", charset="utf-8", cte="quoted-printable")
    # After the content, which replaces every Content-* header.
    mail["Content-Language"] = message.language
    return mail


class EmailChannel:
    """Sends each message in a conversation of its own.

    The mail counts as sent at the server's reply to the end of its data (RFC 5321: the server
    has then taken responsibility for it). That reply is waited for up to
    ``smtp_data_timeout_seconds`` (RFC 5321 4.5.3.2.6 recommends 10 minutes: giving up sooner
    sends a second copy of a mail the server has accepted), and QUIT comes after ``send`` has
    returned, so a slow or silent QUIT neither delays recording the mail as sent nor turns an
    accepted mail into a retry.
    """

    name = NotificationChannel.EMAIL

    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings
        self._closing: set[asyncio.Task[None]] = set()

    async def send(self, message: OutgoingMessage) -> None:
        settings = self.settings
        mail = build_email(message, mail_from=settings.mail_from)
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            # Explicit: aiosmtplib's default would upgrade whenever the server offers it.
            start_tls=settings.smtp_starttls,
            use_tls=settings.smtp_tls,
            timeout=settings.smtp_timeout_seconds,
        )
        try:
            await client.connect()
            await client.mail(parseaddr(settings.mail_from)[1])
            await client.rcpt(message.address)
            await client.data(mail.as_bytes(), timeout=settings.smtp_data_timeout_seconds)
        except aiosmtplib.SMTPRecipientRefused as exc:
            client.close()
            raise ChannelError(
                f"recipient refused: {_short(exc)}", permanent=exc.code >= 500
            ) from exc
        except (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPSenderRefused) as exc:
            client.close()
            # Our configuration, not this message: worth retrying once an operator fixes it.
            raise ChannelError(f"SMTP rejected us: {_short(exc)}", permanent=False) from exc
        except aiosmtplib.SMTPResponseException as exc:
            client.close()
            raise ChannelError(
                f"SMTP error {exc.code}: {exc.message}"[:300], permanent=exc.code >= 500
            ) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            # Connection refused, timeouts, disconnects: the server may be back soon.
            raise ChannelError(f"SMTP unavailable: {_short(exc)}", permanent=False) from exc
        quitting = asyncio.create_task(self._quit(client), name="smtp-quit")
        self._closing.add(quitting)
        quitting.add_done_callback(self._closing.discard)

    async def _quit(self, client: aiosmtplib.SMTP) -> None:
        try:
            await client.quit(timeout=self.settings.smtp_timeout_seconds)
        except (aiosmtplib.SMTPException, OSError):
            client.close()  # the mail was accepted before: a failed goodbye changes nothing

    async def aclose(self) -> None:
        """Finish the goodbyes still under way (each bounded by the SMTP timeout)."""
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
