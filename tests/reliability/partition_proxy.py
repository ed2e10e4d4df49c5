"""TCP proxies the fault scenarios put in front of a server, run as the test's own process, so a
signal from the test can take the server away from its clients (``ideapaja_runtime.
testing_proxy``). A test starts and signals it through ``ProxyProcess``.

    python partition_proxy.py [--refuse | --lose-replies] LISTEN:TARGET [LISTEN:TARGET ...]

Without ``--refuse`` (F8, on the routes between one NATS node and the others), SIGUSR1
partitions: nothing more is read or forwarded in either direction and new connections are held
unanswered, the way a network that drops packets looks to TCP (the senders' buffers fill, their
writes block until the servers' own deadlines give up on the route). SIGUSR2 heals: what was held
flows again and held connections are forwarded.

With ``--refuse`` (F2 on PostgreSQL, in front of the database server), SIGUSR1 is the server
going away: every open connection is reset and the port is closed, so new connections are
refused (ECONNREFUSED, as when PostgreSQL is stopped). SIGUSR2 listens again on the same port.

With ``--lose-replies`` (F4, in front of a NATS server's client port), SIGUSR1 throws away what
the server sends while what clients send still reaches it (publishes are stored, their acks
never arrive); SIGUSR2 resets every connection that lost its replies, and new connections are
forwarded whole.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
from pathlib import Path

from ideapaja_runtime.testing_proxy import TcpProxy


class ProxyProcess:
    """This script as a child of the test, listening once ``start`` returns: ``cut()`` sends
    SIGUSR1, ``restore()`` SIGUSR2 (what each does depends on ``refuse``, above)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process

    @classmethod
    def start(
        cls,
        pairs: list[tuple[int, int]],
        *,
        refuse: bool = False,
        lose_replies: bool = False,
        log: Path | None = None,
    ) -> ProxyProcess:
        """The proxy forwarding 127.0.0.1:``listen`` to 127.0.0.1:``target`` for each pair; its
        stderr is appended to ``log`` (else the test's own)."""
        command = [sys.executable, __file__, *(["--refuse"] if refuse else [])]
        command += ["--lose-replies"] if lose_replies else []
        command += [f"{listen}:{target}" for listen, target in pairs]
        with contextlib.ExitStack() as files:  # the child keeps its own copy of the log's
            stderr = files.enter_context(log.open("ab")) if log is not None else None
            process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == b"listening"
        return cls(process)

    def cut(self) -> None:
        self.process.send_signal(signal.SIGUSR1)

    def restore(self) -> None:
        self.process.send_signal(signal.SIGUSR2)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


async def main(pairs: list[tuple[int, int]], *, refuse: bool, lose_replies: bool) -> None:
    proxy = TcpProxy(pairs, refuse=refuse, lose_replies=lose_replies)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, proxy.cut)
    loop.add_signal_handler(signal.SIGUSR2, proxy.restore)
    await proxy.listen()
    print("listening", flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    args = sys.argv[1:]
    flags = {"--refuse", "--lose-replies"}
    ports = [arg.split(":") for arg in args if arg not in flags]
    pairs = [(int(a), int(b)) for a, b in ports]
    asyncio.run(main(pairs, refuse="--refuse" in args, lose_replies="--lose-replies" in args))
