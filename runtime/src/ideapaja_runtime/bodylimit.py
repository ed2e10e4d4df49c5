"""The request body limit every service applies (``max_body_bytes``): 413 problem+json, whether
or not the client declared the body's length."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ideapaja_runtime.problems import problem_response


class BodySizeLimit:
    """Refuses request bodies over ``max_bytes`` with 413, whether or not Content-Length is sent."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        received = 0
        too_large = False
        started = False  # the app's answer has begun
        replaced = False  # the app's answer was replaced by the 413

        async def limited_receive() -> Message:
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise _TooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # Past the limit, whatever the app makes of the broken-off body (FastAPI answers 400
            # "There was an error parsing the body", a wrapper may answer 500) becomes the 413.
            nonlocal started, replaced
            if replaced:
                return
            if too_large and not started:
                replaced = True
                await self._reject(scope, receive, send)
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except _TooLarge:
            if not started and not replaced:
                await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413, "Request body too large", f"The limit is {self.max_bytes} bytes."
        )
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass
