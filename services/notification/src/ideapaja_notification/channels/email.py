"""The e-mail channel: UTF-8 mail over SMTP (aiosmtplib), plain text with an HTML alternative."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import EmailMessage, Message
from email.mime.multipart import MIMEMultipart
from email.mime.nonmultipart import MIMENonMultipart
from email.utils import format_datetime, parseaddr
from typing import cast

import aiosmtplib
from prometheus_client import Counter

from ideapaja_contracts.events.notification import NotificationChannel
from ideapaja_notification.channels import ChannelError, OutgoingMessage
from ideapaja_notification.settings import NotificationSettings

CONVERSATIONS = Counter(
    "ideapaja_notification_smtp_conversations",
    "SMTP conversations opened (connect, greeting, EHLO, TLS and login when configured); each "
    "carries up to smtp_max_messages_per_conversation messages",
)


def message_id(delivery_id: str, mail_from: str) -> str:
    """Derived from the delivery id only, so a re-sent copy carries the same Message-ID and a
    receiving MTA (or the reader's client) can recognise it as the same mail."""
    address = parseaddr(mail_from)[1]
    domain = address.rpartition("@")[2] if "@" in address else ""
    domain = domain or "ideapaja.localhost"
    return f"<{delivery_id}@{domain}>"


def _headers(message: OutgoingMessage, mail_from: str) -> tuple[tuple[str, str], ...]:
    """Every mail's own headers, in order: what both builders below write (each encodes a value
    beyond ASCII in its own way)."""
    return (
        ("From", mail_from),
        ("To", message.address),
        ("Subject", message.subject),
        ("Date", format_datetime(datetime.now(UTC))),
        ("Message-ID", message_id(message.delivery_id, mail_from)),
        # RFC 3834: out-of-office replies and other auto-responders must not answer us.
        ("Auto-Submitted", "auto-generated"),
        ("Content-Language", message.language),
    )


def _texts(message: OutgoingMessage) -> list[tuple[str, str]]:
    """The mail's text parts as (subtype, text): the plain text first, then the HTML where there
    is one (multipart/alternative: the last is the one a client prefers). Each is UTF-8 in
    quoted-printable, which passes any relay (no 8BITMIME needed) and keeps ä, ö, å intact."""
    texts = [("plain", message.body)]
    if message.html:
        texts.append(("html", message.html))
    return texts


def build_email(message: OutgoingMessage, *, mail_from: str) -> EmailMessage:
    """The mail, built with the email package's structured headers (the default policy): what
    ``mail_bytes`` hands a mail its fast path does not take, and what it is tested against."""
    return _email_message(_headers(message, mail_from), _texts(message))


def _email_message(
    headers: Sequence[tuple[str, str]], texts: list[tuple[str, str]]
) -> EmailMessage:
    mail = EmailMessage()
    # Non-ASCII is RFC 2047-encoded by the email package; a line break is refused. Content-*
    # headers go after the content, which replaces them.
    for name, value in headers:
        if not name.startswith("Content-"):
            mail[name] = value
    (_, body), *alternatives = texts
    mail.set_content(body, charset="utf-8", cte="quoted-printable")
    for subtype, text in alternatives:
        mail.add_alternative(text, subtype=subtype, charset="utf-8", cte="quoted-printable")
    for name, value in headers:
        if name.startswith("Content-"):
            mail[name] = value
    return mail


# UTF-8 in quoted-printable, in the headers (RFC 2047 "Q") and the bodies alike.
_UTF8_QP = Charset("utf-8")
_UTF8_QP.header_encoding = _UTF8_QP.body_encoding = QP


def mail_bytes(message: OutgoingMessage, *, mail_from: str) -> bytes:
    """The mail of ``build_email`` on the wire, built about five times faster: with the
    ``compat32`` classes, which store headers as given instead of parsing each into a structured
    object and refolding it (that was most of a mail's CPU once conversations were reused). The
    same headers and parts, decoded. An address beyond ASCII, or a header value with a line
    break (refused there, never folded into the header), takes ``build_email``."""
    headers = _headers(message, mail_from)
    texts = _texts(message)
    if not (message.address.isascii() and mail_from.isascii()) or any(
        "\r" in value or "\n" in value for _, value in headers
    ):
        return _email_message(headers, texts).as_bytes()
    parts = [_text_part(text, subtype) for subtype, text in texts]
    mail: Message = parts[0]
    if len(parts) > 1:
        # "=_" never occurs in quoted-printable text ("=" is "=3D" there), so the boundary needs
        # no search through the parts (the generator's default renders them twice for that).
        mail = MIMEMultipart("alternative", boundary=f"=_{uuid.uuid4().hex}", _subparts=parts)
        # The mail itself says it now; the HTML part keeps its own, as in ``build_email``'s.
        del parts[0]["MIME-Version"]
    for name, value in headers:
        # compat32 keeps a Header as given and writes it as RFC 2047 words (typeshed: str only).
        mail[name] = value if value.isascii() else cast(str, Header(value, _UTF8_QP))
    return mail.as_bytes()


class EmailChannel:
    """Sends messages over one SMTP conversation at a time, reused from one message to the next.

    Connecting, the greeting, EHLO (and TLS and login where configured) and QUIT were most of a
    mail's cost when every message had a conversation of its own; now a conversation carries up
    to ``smtp_max_messages_per_conversation`` messages and is closed (QUIT) once it has been idle
    ``smtp_idle_seconds``, or when the sender stops.

    A mail counts as sent at the server's reply to the end of its data (RFC 5321: the server has
    then taken responsibility for it). That reply is waited for up to
    ``smtp_data_timeout_seconds`` (RFC 5321 4.5.3.2.6 recommends 10 minutes: giving up sooner
    sends a second copy of a mail the server has accepted), and ``send`` returns at it: a QUIT
    comes later, in the background, so a slow or silent QUIT neither delays recording the mail as
    sent nor turns an accepted mail into a retry.

    On a reused conversation the server may have gone meanwhile (closed an idle connection,
    answered 421 because it is shutting down). Only a failure *before the data* is taken up
    again, once, on a fresh conversation: nothing of that message reached the server, so it
    cannot arrive twice. A failure during or after the data is never repeated here; it is the
    sender's to retry, as before. A refused recipient (or refused data) fails its own message
    only: the transaction is reset (RSET) before the next message on the same conversation.
    """

    name = NotificationChannel.EMAIL

    def __init__(self, settings: NotificationSettings) -> None:
        self.settings = settings
        self._client: aiosmtplib.SMTP | None = None
        # Messages accepted on the current conversation, and whether it is one opened earlier.
        self._carried = 0
        self._reused = False
        # A transaction failed and may still be open: RSET before the next MAIL.
        self._needs_reset = False
        # One message at a time on the conversation (the sender sends one after another).
        self._lock = asyncio.Lock()
        self._idle: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Task[None]] = set()

    async def send(self, message: OutgoingMessage) -> None:
        data = mail_bytes(message, mail_from=self.settings.mail_from)
        async with self._lock:
            self._stop_idle_timer()
            try:
                client = await self._transaction_for(message.address)
                await client.data(data, timeout=self.settings.smtp_data_timeout_seconds)
            except (aiosmtplib.SMTPException, OSError) as exc:
                self._after_failure()
                raise _channel_error(exc) from exc
            except BaseException:
                self._discard()  # cancelled mid-conversation: its state is unknown
                raise
            self._carried += 1
            if self._carried >= self.settings.smtp_max_messages_per_conversation:
                self._retire()
            else:
                self._start_idle_timer()

    async def _transaction_for(self, address: str) -> aiosmtplib.SMTP:
        """A conversation whose server has accepted MAIL FROM and RCPT TO ``address``."""
        client = await self._conversation()
        try:
            await self._envelope(client, address)
            return client
        except (aiosmtplib.SMTPException, OSError):
            # A reused conversation the server closed (idle timeout, 421, a dropped socket):
            # nothing of this message was sent, so it is safe to begin again on a fresh one.
            if not self._reused or client.is_connected:
                raise
        self._discard()
        client = await self._conversation()
        await self._envelope(client, address)
        return client

    async def _envelope(self, client: aiosmtplib.SMTP, address: str) -> None:
        await client.mail(parseaddr(self.settings.mail_from)[1])
        await client.rcpt(address)

    async def _conversation(self) -> aiosmtplib.SMTP:
        """The open conversation, reset if the last transaction failed; else a new one."""
        client = self._client
        if client is not None and client.is_connected and self._needs_reset:
            try:
                await client.rset()
                self._needs_reset = False
            except (aiosmtplib.SMTPException, OSError):
                self._discard()
        client = self._client
        if client is not None and client.is_connected:
            self._reused = True
            return client
        self._discard()
        client = self._new_client()
        try:
            await client.connect()
        except BaseException:
            client.close()
            raise
        CONVERSATIONS.inc()
        self._client, self._carried, self._reused, self._needs_reset = client, 0, False, False
        return client

    def _new_client(self) -> aiosmtplib.SMTP:
        settings = self.settings
        return aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
            # Explicit: aiosmtplib's default would upgrade whenever the server offers it.
            start_tls=settings.smtp_starttls,
            use_tls=settings.smtp_tls,
            timeout=settings.smtp_timeout_seconds,
        )

    def _after_failure(self) -> None:
        """Keep a conversation the server still holds (its transaction reset before the next
        message); drop one it closed or that timed out (aiosmtplib closes those)."""
        if self._client is not None and self._client.is_connected:
            self._needs_reset = True
            self._start_idle_timer()
        else:
            self._discard()

    def _discard(self) -> None:
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def _retire(self) -> None:
        """Say goodbye to the current conversation in the background (bounded by the timeout)."""
        self._stop_idle_timer()
        client, self._client = self._client, None
        if client is None:
            return
        if not client.is_connected:
            client.close()
            return
        quitting = asyncio.create_task(self._quit(client), name="smtp-quit")
        self._closing.add(quitting)
        quitting.add_done_callback(self._closing.discard)

    def _start_idle_timer(self) -> None:
        self._stop_idle_timer()
        if self._client is not None:
            loop = asyncio.get_running_loop()
            self._idle = loop.call_later(self.settings.smtp_idle_seconds, self._idle_over)

    def _stop_idle_timer(self) -> None:
        if self._idle is not None:
            self._idle.cancel()
            self._idle = None

    def _idle_over(self) -> None:
        self._idle = None
        if not self._lock.locked():  # else the message being sent re-arms the timer
            self._retire()

    async def _quit(self, client: aiosmtplib.SMTP) -> None:
        try:
            await client.quit(timeout=self.settings.smtp_timeout_seconds)
        except (aiosmtplib.SMTPException, OSError):
            client.close()  # the mail was accepted before: a failed goodbye changes nothing

    async def aclose(self) -> None:
        """Close the open conversation and finish the goodbyes still under way (each bounded by
        the SMTP timeout)."""
        async with self._lock:
            self._retire()
        if self._closing:
            await asyncio.gather(*self._closing, return_exceptions=True)


def _channel_error(exc: BaseException) -> ChannelError:
    """What a failed message is: permanent (a 5xx) or worth trying again."""
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused):
        return ChannelError(f"recipient refused: {_short(exc)}", permanent=exc.code >= 500)
    if isinstance(exc, (aiosmtplib.SMTPAuthenticationError, aiosmtplib.SMTPSenderRefused)):
        # Our configuration, not this message: worth retrying once an operator fixes it.
        return ChannelError(f"SMTP rejected us: {_short(exc)}", permanent=False)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        return ChannelError(
            f"SMTP error {exc.code}: {exc.message}"[:300], permanent=exc.code >= 500
        )
    # Connection refused, timeouts, disconnects: the server may be back soon.
    return ChannelError(f"SMTP unavailable: {_short(exc)}", permanent=False)


def _text_part(text: str, subtype: str) -> MIMENonMultipart:
    """A text part as ``set_content`` writes it: every line break one LF, and one at the end."""
    part = MIMENonMultipart("text", subtype, charset="utf-8")
    part.set_payload("\n".join(text.splitlines()) + "\n", _UTF8_QP)
    return part


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"[:300]
