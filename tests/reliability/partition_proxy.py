"""TCP proxies on the routes between one NATS node and the others, run by the F8 scenario as
its own process: every route to or from that node passes through one of them, so the test can
cut the node off.

    python partition_proxy.py LISTEN_PORT:TARGET_PORT [LISTEN_PORT:TARGET_PORT ...]

SIGUSR1 partitions: nothing more is read or forwarded in either direction and new connections
are held unanswered, the way a network that drops packets looks to TCP (the senders' buffers
fill, their writes block until the servers' own deadlines give up on the route). SIGUSR2 heals:
what was held flows again and held connections are forwarded.
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


async def main(pairs: list[tuple[int, int]]) -> None:
    flowing = asyncio.Event()
    flowing.set()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, flowing.clear)
    loop.add_signal_handler(signal.SIGUSR2, flowing.set)

    def forward_to(target_port: int) -> Handler:
        async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
            await flowing.wait()
            try:
                target_r, target_w = await asyncio.open_connection("127.0.0.1", target_port)
            except OSError:
                client_w.close()
                return
            await asyncio.gather(
                pump(client_r, target_w, flowing), pump(target_r, client_w, flowing)
            )

        return handle

    servers = [
        await asyncio.start_server(forward_to(target), "127.0.0.1", listen)
        for listen, target in pairs
    ]
    print("listening", flush=True)
    await asyncio.gather(*(server.serve_forever() for server in servers))


if __name__ == "__main__":
    asyncio.run(main([(int(a), int(b)) for a, b in (arg.split(":") for arg in sys.argv[1:])]))
