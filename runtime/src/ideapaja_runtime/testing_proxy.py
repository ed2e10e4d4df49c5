"""A TCP proxy a test puts in front of a server (PostgreSQL, a NATS route) to take the server away
from its clients without touching the server itself, which other test runs may share.

``TcpProxy.cut()`` either *refuses* (every open connection reset, the port closed: new
connections get ECONNREFUSED, as when PostgreSQL is stopped), *holds* (nothing more is read or
forwarded in either direction and new connections wait unanswered, as a network that drops
packets looks to TCP) or *loses replies* (what clients send still reaches the server, what the
server answers is thrown away: a publish is stored and its acknowledgement never arrives).
``restore()`` undoes either; after lost replies it first resets every open connection, as the
connection that lost them dies. Used in-process by runtime tests and, as a process of its own, by
the reliability suite (tests/reliability/partition_proxy.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def pump(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    flowing: asyncio.Event,
    losing: Callable[[], bool] = lambda: False,
) -> None:
    """Copy ``reader`` to ``writer`` while ``flowing`` is set (a held chunk waits for it); a
    chunk read while ``losing()`` is read and dropped."""
    try:
        while True:
            await flowing.wait()
            data = await reader.read(65536)
            if not data:
                break
            await flowing.wait()  # a chunk read just before the partition is held as well
            if losing():
                continue
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


class TcpProxy:
    """127.0.0.1:``listen`` → 127.0.0.1:``target`` for each pair."""

    def __init__(
        self, pairs: list[tuple[int, int]], *, refuse: bool, lose_replies: bool = False
    ) -> None:
        self.pairs = pairs
        self.refuse = refuse
        self.lose_replies = lose_replies
        self.losing = False  # (lose_replies) the server's answers are being thrown away
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.servers: list[asyncio.Server] = []
        self.open: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    async def listen(self) -> None:
        self.servers = [
            await asyncio.start_server(self._forwarder(target), "127.0.0.1", listen)
            for listen, target in self.pairs
        ]

    def cut(self) -> None:
        if self.lose_replies:
            self.losing = True
            return
        if not self.refuse:
            self.flowing.clear()
            return
        for server in self.servers:
            server.close()  # the port is closed: a new connection is refused
        self.servers = []
        self._reset_open()

    def _reset_open(self) -> None:
        for writer in list(self.open):
            writer.transport.abort()  # both ends see the connection die, as a stopped server's
        self.open.clear()

    def restore(self) -> None:
        """Flowing again (a refusing proxy listens again, on the same ports; one that lost
        replies resets the connections that lost them, and new ones are forwarded whole)."""
        if self.lose_replies:
            self._reset_open()
            self.losing = False
            return
        if not self.refuse:
            self.flowing.set()
            return
        task = asyncio.ensure_future(self.listen())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def _forwarder(self, target_port: int) -> Handler:
        async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
            await self.flowing.wait()
            try:
                target_r, target_w = await asyncio.open_connection("127.0.0.1", target_port)
            except OSError:
                client_w.close()
                return
            ends = {client_w, target_w}
            self.open |= ends
            try:
                await asyncio.gather(
                    pump(client_r, target_w, self.flowing),
                    pump(target_r, client_w, self.flowing, lambda: self.losing),
                )
            finally:
                self.open -= ends

        return handle
