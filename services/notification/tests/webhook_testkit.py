"""A real HTTP receiver for webhook tests (uvicorn in the test's loop) and the settings that let
the service reach it (loopback allowed explicitly, plain http)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from notification_testkit import service_settings
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from ideapaja_notification.settings import NotificationSettings
from ideapaja_runtime.testing import DevKeys, free_port
from ideapaja_runtime.testing_builders import wiring

ADMIN = ("p-admin", "admin")


@dataclass(frozen=True)
class ReceivedRequest:
    at: float
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads(self.body)
        return document

    def verifies_with(self, secret: str) -> bool:
        """What a receiver holding ``secret`` concludes, by the Standard Webhooks library."""
        try:
            Webhook(secret).verify(self.body, self.headers)
        except WebhookVerificationError:
            return False
        return True


class Receiver:
    """Records every POST; answers the statuses in ``answers`` in turn, then 200. While
    ``hanging`` is set it answers nothing until released (or the client gives up)."""

    def __init__(self) -> None:
        self.port = free_port()
        self.requests: list[ReceivedRequest] = []
        self.answers: list[int] = []
        self.hanging = False
        self._release = asyncio.Event()
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    def url(self, host: str = "127.0.0.1", path: str = "/hooks") -> str:
        return f"http://{host}:{self.port}{path}"

    def release(self) -> None:
        self.hanging = False
        self._release.set()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body = b""
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {key.decode(): value.decode() for key, value in scope["headers"]}
        self.requests.append(ReceivedRequest(time.monotonic(), scope["path"], headers, body))
        if self.hanging:
            await self._release.wait()
        status = self.answers.pop(0) if self.answers else 200
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"text/plain")],
            }
        )
        await send({"type": "http.response.body", "body": b"ok" if status < 300 else b"busy"})

    async def start(self) -> None:
        config = uvicorn.Config(
            self,
            host="127.0.0.1",
            port=self.port,
            lifespan="off",
            log_level="warning",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        while not self._server.started:
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        self.release()
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


@contextlib.asynccontextmanager
async def receiving() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    await receiver.start()
    try:
        yield receiver
    finally:
        await receiver.stop()


def webhook_settings(
    nats_url: str, database_url: str, dev_keys: DevKeys, **extra: Any
) -> NotificationSettings:
    """The service with webhooks to the local receiver allowed (loopback only by a setting)."""
    values: dict[str, Any] = {
        **wiring(nats_url, database_url, dev_keys),
        "webhook_allowed_hosts": ["127.0.0.1", "localhost"],
        "webhook_allowed_networks": ["127.0.0.1/32", "::1/128"],
        "webhook_allow_http": True,
        "webhook_retry_base_seconds": 0.3,
        "webhook_retry_max_seconds": 2.0,
        "webhook_poll_seconds": 0.1,
        "webhook_timeout_seconds": 3.0,
    }
    values.update(extra)
    return service_settings(**values)


def admin(dev_keys: DevKeys) -> dict[str, str]:
    return dev_keys.headers(*ADMIN)
