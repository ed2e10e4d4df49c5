"""The e-mail channel: plain-text UTF-8 mail over SMTP (aiosmtplib)."""

from __future__ import annotations

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
    # After set_content, which replaces every Content-* header.
    mail["Content-Language"] = message.language
    return mail


class EmailChannel:
    name = NotificationChannel.EMAIL

    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings

    async def send(self, message: OutgoingMessage) -> None:
        settings = self.settings
        mail = build_email(message, mail_from=settings.mail_from)
        try:
            await aiosmtplib.send(
                mail,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=(
                    settings.smtp_password.get_secret_value() if settings.smtp_password else None
                ),
                # Explicit: aiosmtplib's default would upgrade whenever the server offers it.
                start_tls=settings.smtp_starttls,
                use_tls=settings.smtp_tls,
                timeout=settings.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            codes = [refused.code for refused in exc.recipients]
            raise ChannelError(
                f"recipient refused: {_short(exc)}", permanent=all(c >= 500 for c in codes)
            ) from exc
        except (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPSenderRefused) as exc:
            # Our configuration, not this message: worth retrying once an operator fixes it.
            raise ChannelError(f"SMTP rejected us: {_short(exc)}", permanent=False) from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise ChannelError(
                f"SMTP error {exc.code}: {exc.message}"[:300], permanent=exc.code >= 500
            ) from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Connection refused, timeouts, disconnects: the server may be back soon.
            raise ChannelError(f"SMTP unavailable: {_short(exc)}", permanent=False) from exc


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
