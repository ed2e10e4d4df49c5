"""TCP proxies the fault scenarios put in front of a server, run as the test's own process, so a
signal from the test can take the server away from its clients.

    python partition_proxy.py [--refuse] LISTEN_PORT:TARGET_PORT [LISTEN_PORT:TARGET_PORT ...]

Without ``--refuse`` (F8, on the routes between one NATS node and the others), SIGUSR1
partitions: nothing more is read or forwarded in either direction and new connections are held
unanswered, the way a network that drops packets looks to TCP (the senders' buffers fill, their
writes block until the servers' own deadlines give up on the route). SIGUSR2 heals: what was held
flows again and held connections are forwarded.

With ``--refuse`` (F2 on PostgreSQL, in front of the database server), SIGUSR1 is the server
going away: every open connection is reset and the port is closed, so new connections are
refused (ECONNREFUSED, as when PostgreSQL is stopped). SIGUSR2 listens again on the same port.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


async def pump(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, flowing: asyncio.Event
) -> None:
    try:
        while True:
            await flowing.wait()
            data = await reader.read(65536)
            if not data:
                break
            await flowing.wait()  # a chunk read just before the partition is held as well
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


class Proxies:
    def __init__(self, pairs: list[tuple[int, int]], *, refuse: bool) -> None:
        self.pairs = pairs
        self.refuse = refuse
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.servers: list[asyncio.Server] = []
        self.open: set[asyncio.StreamWriter] = set()
        self.tasks: set[asyncio.Task[None]] = set()

    def forward_to(self, target_port: int) -> Handler:
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
                    pump(client_r, target_w, self.flowing), pump(target_r, client_w, self.flowing)
                )
            finally:
                self.open -= ends

        return handle

    async def listen(self) -> None:
        self.servers = [
            await asyncio.start_server(self.forward_to(target), "127.0.0.1", listen)
            for listen, target in self.pairs
        ]

    def cut(self) -> None:
        if not self.refuse:
            self.flowing.clear()
            return
        for server in self.servers:
            server.close()  # the port is closed: a new connection is refused
        self.servers = []
        for writer in list(self.open):
            writer.transport.abort()  # RST to both ends, as a stopped server's kernel sends

    def heal(self) -> None:
        if not self.refuse:
            self.flowing.set()
            return
        task = asyncio.ensure_future(self.listen())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


async def main(pairs: list[tuple[int, int]], *, refuse: bool) -> None:
    proxies = Proxies(pairs, refuse=refuse)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, proxies.cut)
    loop.add_signal_handler(signal.SIGUSR2, proxies.heal)
    await proxies.listen()
    print("listening", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    args = sys.argv[1:]
    refusing = "--refuse" in args
    ports = [arg.split(":") for arg in args if arg != "--refuse"]
    asyncio.run(main([(int(a), int(b)) for a, b in ports], refuse=refusing))
