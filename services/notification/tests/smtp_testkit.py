"""Real SMTP servers for the notification service's tests: aiosmtpd that records what it
accepts (``MailServer``), and a slow or misbehaving one of our own (``SlowSmtpServer``)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

from aiosmtpd.controller import Controller

from ideapaja_runtime.testing import free_port


@dataclass
class ReceivedMail:
    envelope_to: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        body = self.message.get_body(("plain",))
        assert body is not None
        # SMTP carries CRLF line ends; the text as written had LF.
        return str(body.get_content()).replace("\r\n", "\n")


class MailServer:
    """aiosmtpd on a free local port; can be started late (or restarted) to mimic an outage.

    Addresses in ``refuse`` get a permanent 550 at RCPT TO.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.mails: list[ReceivedMail] = []
        self.refuse: set[str] = set()
        self._controller: Controller | None = None

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = BytesParser(policy=policy.default).parsebytes(envelope.content)
        assert isinstance(message, EmailMessage)
        self.mails.append(ReceivedMail(list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def to(self, address: str) -> list[ReceivedMail]:
        return [mail for mail in self.mails if address in mail.envelope_to]


class SlowSmtpServer:
    """A minimal SMTP server in the test's own loop whose replies can be slow: ``data_delay``
    before the reply to the message data, and a QUIT that is never answered when ``hang_on_quit``.
    Counts the messages it accepted (each DATA it answered with 250), the connections, and
    records every command. Can also misbehave as relays do: ``refuse`` addresses with 550 at
    RCPT; after ``drop_after`` messages on a connection, close it (a dropped socket) or, with
    ``busy_after``, answer the next command 421 and close; ``drop_in_data`` closes the
    connection once it has read a message's data, without replying to it."""

    def __init__(
        self,
        *,
        data_delay: float = 0.0,
        hang_on_quit: bool = False,
        refuse: Sequence[str] = (),
        drop_after: int | None = None,
        busy_after: int | None = None,
        drop_in_data: bool = False,
    ) -> None:
        self.data_delay = data_delay
        self.hang_on_quit = hang_on_quit
        self.refuse = {address.lower() for address in refuse}
        self.drop_after = drop_after
        self.busy_after = busy_after
        self.drop_in_data = drop_in_data
        self.accepted = 0
        self.received = 0  # message data read in full, replied to or not
        # Messages whose data was read and not yet answered, now and at most (side by side).
        self.in_data = 0
        self.most_in_data = 0
        self.connections = 0
        self.commands: list[str] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._closed = asyncio.Event()

    async def __aenter__(self) -> SlowSmtpServer:
        self._server = await asyncio.start_server(self._converse, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._closed.set()
        self._server.close()

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        async def reply(line: str) -> None:
            writer.write(f"{line}\r\n".encode())
            await writer.drain()

        self.connections += 1
        carried = 0
        await reply("220 slow.example ESMTP")
        try:
            while line := (await reader.readline()).decode().strip().upper():
                self.commands.append(line.split(":")[0].split()[0])
                if self.busy_after is not None and carried >= self.busy_after:
                    await reply("421 4.3.2 Service shutting down")
                    break
                if line.startswith(("EHLO", "HELO")):
                    await reply("250 slow.example")
                elif line.startswith("RCPT") and line.split(":", 1)[1].strip("<> ").lower() in (
                    self.refuse
                ):
                    await reply("550 5.1.1 No such user")
                elif line.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                    await reply("250 OK")
                elif line == "DATA":
                    await reply("354 End data with <CR><LF>.<CR><LF>")
                    await reader.readuntil(b"\r\n.\r\n")
                    self.received += 1
                    if self.drop_in_data:
                        break
                    self.in_data += 1
                    self.most_in_data = max(self.most_in_data, self.in_data)
                    await asyncio.sleep(self.data_delay)
                    self.in_data -= 1
                    self.accepted += 1
                    carried += 1
                    await reply("250 Message accepted")
                    if self.drop_after is not None and carried >= self.drop_after:
                        break
                elif line == "QUIT":
                    if self.hang_on_quit:
                        await self._closed.wait()
                        break
                    await reply("221 Bye")
                    break
                else:
                    await reply("502 Command not implemented")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
