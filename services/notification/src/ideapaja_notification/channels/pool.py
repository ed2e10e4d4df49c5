"""Several conversations of one channel side by side: a message goes out on whichever is free.

Why: one SMTP conversation sends one mail at a time, and each waits for the server's replies
and for the commit recording it (about 22 ms a mail here), so a burst of notices (every new case
tells its change agent and supervisor) queued a decision's e-mail behind hundreds of others for
seconds. The sender runs one lane per conversation (``SMTP_CONVERSATIONS``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from ideapaja_notification.channels import Channel, OutgoingMessage


class ChannelPool:
    def __init__(self, channels: Sequence[Channel]) -> None:
        if not channels:
            raise ValueError("a pool needs at least one channel")
        self.name = channels[0].name
        self._channels = list(channels)
        # A stack: the channel used last goes first, so under a light load one conversation
        # carries the mail and the others are closed once idle.
        self._free = list(reversed(channels))
        self._available = asyncio.Semaphore(len(channels))

    async def send(self, message: OutgoingMessage) -> None:
        async with self._available:
            channel = self._free.pop()
            try:
                await channel.send(message)
            finally:
                self._free.append(channel)

    async def aclose(self) -> None:
        await asyncio.gather(*(channel.aclose() for channel in self._channels))
