"""One bootstrap for every service: settings → database → NATS → outbox relay → consumers → HTTP.

A service describes itself with a ``ServiceSpec`` (the ``ideapaja.services`` entry point named
after it); ``create_app`` turns the spec into a running process: FastAPI for HTTP, durable pull
consumers on nats-py (``pulling.py``) for events."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any, Generic, TypeVar

import nats
import structlog
from fastapi import APIRouter, FastAPI, Response
from nats.aio.client import Client as NatsClient
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ideapaja_contracts.envelope import is_traceparent, new_traceparent
from ideapaja_runtime import metrics
from ideapaja_runtime.auth import Principal, TokenVerifier
from ideapaja_runtime.bodylimit import BodySizeLimit
from ideapaja_runtime.clock import Clock, utc_now
from ideapaja_runtime.db import Database
from ideapaja_runtime.errors import ErrorMapping
from ideapaja_runtime.iplimits import IpRateLimiter
from ideapaja_runtime.logging import configure_logging, get_logger
from ideapaja_runtime.messaging import ConsumerProcessor, Subscription
from ideapaja_runtime.nats_permissions import inbox_prefix
from ideapaja_runtime.outbox import Outbox
from ideapaja_runtime.problems import PROBLEM_SCHEMA, install_problem_handlers
from ideapaja_runtime.proxies import ClientAddress, TrustedProxies
from ideapaja_runtime.pulling import PullConsumer
from ideapaja_runtime.relay import OutboxRelay
from ideapaja_runtime.settings import ServiceSettings, nats_servers
from ideapaja_runtime.streams import ensure_streams
from ideapaja_runtime.uow import UnitOfWork, open_unit_of_work

log = get_logger(__name__)

ENTRY_POINT_GROUP = "ideapaja.services"

S = TypeVar("S", bound=ServiceSettings)


def _no_subscriptions(_runtime: Any) -> Sequence[Subscription]:
    return ()


@dataclass(frozen=True)
class ServiceSpec(Generic[S]):
    name: str
    title: str
    default_port: int
    settings_class: type[S]
    routers: Sequence[APIRouter] = ()
    # Built once the runtime exists, so handlers can close over settings and adapters.
    subscriptions: Callable[[Runtime[S]], Sequence[Subscription]] = _no_subscriptions
    migrations: Path | None = None
    # Extra start/stop work of the service (e.g. background jobs), given the runtime.
    on_start: Callable[[Runtime[S]], Awaitable[None]] | None = None
    on_stop: Callable[[Runtime[S]], Awaitable[None]] | None = None
    # CPU-bound loading every process needs before its first request or event (search
    # dictionaries): run in a thread while the database migrates and NATS connects, and finished
    # before the consumers start and the service says it is ready, so the first person to submit
    # after a restart does not wait for it (nor does every request behind them on the loop).
    warm_up: Callable[[], object] | None = None
    tags: Sequence[dict[str, str]] = field(default_factory=tuple)
    # Exceptions needing more than a DomainError's status and title (ideapaja_runtime.errors).
    errors: ErrorMapping = field(default_factory=dict)
    # A web application's own middleware, static files and error pages (the portal's).
    customize: Callable[[FastAPI, Runtime[S]], None] | None = None

    def load_settings(self, **overrides: Any) -> S:
        return self.settings_class(**overrides)


def load_service(name: str) -> ServiceSpec[Any]:
    """Load one installed service by name, not importing the others (a broken one must not)."""
    matches = [ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name == name]
    if not matches:
        known = sorted(ep.name for ep in entry_points(group=ENTRY_POINT_GROUP))
        raise LookupError(f"no service named {name!r}; installed: {', '.join(known) or 'none'}")
    spec = matches[0].load()
    if not isinstance(spec, ServiceSpec):
        raise TypeError(f"entry point {name} is not a ServiceSpec")
    return spec


def discover_services() -> dict[str, ServiceSpec[Any]]:
    """Every installed service, found by its package metadata (no list to edit)."""
    specs: dict[str, ServiceSpec[Any]] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        spec = ep.load()
        if not isinstance(spec, ServiceSpec):
            raise TypeError(f"entry point {ep.name} is not a ServiceSpec")
        specs[spec.name] = spec
    return dict(sorted(specs.items(), key=lambda item: item[1].default_port))


class Runtime(Generic[S]):
    """The live parts of one service process, typed by its settings: ``Runtime[ReviewSettings]``."""

    def __init__(self, spec: ServiceSpec[S], settings: S) -> None:
        self.spec = spec
        self.settings: S = settings
        # The service's time; tests replace it (``runtime.clock = lambda: moment``).
        self.clock: Clock = utc_now
        self.source = settings.source or f"/ideapaja/{spec.name}"
        self.db = Database(settings.database_url)
        self.nc: NatsClient | None = None
        self.relay: OutboxRelay | None = None
        # Its relay is attached once started (new rows are then handed over to it).
        self.outbox = Outbox(self.source)
        self.processors: list[ConsumerProcessor] = []
        self.consumers: list[PullConsumer] = []
        # Per-process parts a service adds in on_start (e.g. notification's mail sender).
        self.extras: dict[str, Any] = {}
        self.started = False

    def unit_of_work(
        self,
        *,
        actor: Principal | None = None,
        traceparent: str | None = None,
    ) -> AbstractAsyncContextManager[UnitOfWork[S]]:
        """A transaction with the service's clock, settings and outbox: for background jobs and
        anything else outside a route or a handler, which get theirs opened for them."""
        return open_unit_of_work(
            self.db,
            self.settings,
            self.outbox,
            clock=self.clock,
            actor=actor,
            traceparent=traceparent,
        )

    @property
    def js(self) -> Any:
        assert self.nc is not None, "runtime not started"
        return self.nc.jetstream(timeout=self.settings.publish_timeout_seconds)

    async def start(self) -> None:
        settings = self.settings
        warming = None
        if self.spec.warm_up is not None:
            warming = asyncio.create_task(asyncio.to_thread(self.spec.warm_up))
            # Its outcome is awaited below; should a step before that fail, the process stops
            # anyway and this keeps asyncio from reporting the warm-up as never retrieved.
            warming.add_done_callback(lambda task: task.cancelled() or task.exception())
        # Each step says it is starting: on a busy machine an operator waiting for /readyz sees
        # which one the time goes to (the first start also migrates and loads dictionaries).
        log.info("service_starting", step="migrating the database")
        await self.db.migrate(self.spec.migrations)
        log.info("service_starting", step="connecting to NATS", nats_url=settings.nats_url)
        self.nc = await nats.connect(
            # One server, or every server of a cluster: the client fails over between them.
            servers=nats_servers(settings.nats_url),
            user=settings.nats_user,
            password=settings.nats_password,
            name=f"ideapaja-{self.spec.name}",
            max_reconnect_attempts=-1,
            inbox_prefix=inbox_prefix(self.spec.name),
        )
        js = self.js
        await ensure_streams(js, settings)
        self.relay = OutboxRelay(
            self.db,
            js,
            stream=settings.lifecycle_stream,
            batch_size=settings.outbox_batch_size,
            poll_seconds=settings.outbox_poll_seconds,
            publish_timeout=settings.publish_timeout_seconds,
            keep_sent=timedelta(hours=settings.outbox_keep_sent_hours),
        )
        self.relay.start()
        self.outbox.relay = self.relay
        for subscription in self.spec.subscriptions(self):
            processor = ConsumerProcessor(
                service=self.spec.name,
                subscription=subscription,
                settings=settings,
                db=self.db,
                outbox=self.outbox,
                js=js,
                # Read on every event, so a test that replaces runtime.clock reaches consumers.
                clock=lambda: self.clock(),
            )
            self.processors.append(processor)
            self.consumers.append(PullConsumer(processor, js))
        if warming is not None:
            log.info("service_starting", step="loading dictionaries")
            await warming
        log.info("service_starting", step="starting the consumers", consumers=len(self.consumers))
        for consumer in self.consumers:
            await consumer.start()
        if self.spec.on_start is not None:
            log.info("service_starting", step="starting the service's own tasks")
            await self.spec.on_start(self)
        self.started = True
        log.info("service_started", consumers=[p.consumer for p in self.processors])

    async def stop(self) -> None:
        """Graceful: stop fetching, let in-flight handlers finish, publish what they committed."""
        self.started = False
        if self.spec.on_stop is not None:
            await self.spec.on_stop(self)
        # Every consumer finishes (and acks) the batch in hand; they stop side by side.
        await asyncio.gather(
            *(c.stop(self.settings.shutdown_timeout_seconds) for c in self.consumers)
        )
        self.consumers.clear()
        if self.relay is not None:
            # Rows committed from here on wait for the next start's poll instead of a hand-over.
            self.outbox.relay = None
            await self.relay.stop()
        if self.nc is not None and not self.nc.is_closed:
            try:
                await self.nc.drain()
            except Exception as exc:  # server gone: nothing left to flush, just close
                log.warning("nats_drain_failed", error=repr(exc))
                # Closing flushes what is queued (the consumers' last requests), which fails
                # on a lost connection; the connection is closed either way.
                with contextlib.suppress(Exception):
                    await self.nc.close()
        await self.db.dispose()
        log.info("service_stopped")

    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            await self.db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        checks["nats"] = "ok" if self.nc is not None and self.nc.is_connected else "disconnected"
        if self.relay is not None:
            try:
                pending = await self.relay.pending()
                metrics.OUTBOX_PENDING.set(pending)
                checks["outbox_pending"] = str(pending)
            except Exception as exc:
                checks["outbox_pending"] = f"error: {type(exc).__name__}"
        return checks


DOCS_PATHS = {"/docs", "/redoc", "/docs/oauth2-redirect"}
CSP = b"content-security-policy"
# FastAPI's API documentation pages load Swagger UI / ReDoc from a CDN with an inline bootstrap.
DOCS_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (
        CSP,
        b"default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
        b"style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
        b"img-src 'self' data: https://fastapi.tiangolo.com; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeaders:
    """Safe defaults on every response; a route's own are kept, and its frame-ancestors (a page
    made to be framed) drop X-Frame-Options DENY, which old browsers obey instead. HSTS on TLS."""

    def __init__(self, app: ASGIApp, settings: ServiceSettings) -> None:
        self.app = app
        self.defaults = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (CSP, settings.content_security_policy.encode()),
            (b"x-frame-options", b"DENY"),
            (b"cache-control", b"no-store"),
        ]
        self.hsts = f"max-age={settings.hsts_max_age_seconds}; includeSubDomains".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        over_tls = scope.get("scheme") == "https"
        defaults = DOCS_HEADERS if scope.get("path") in DOCS_PATHS else self.defaults

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                if any(b"frame-ancestors" in v for n, v in headers if n.lower() == CSP):
                    present.add(b"x-frame-options")
                headers += [(n, v) for n, v in defaults if n not in present]
                if over_tls and b"strict-transport-security" not in present:
                    headers.append((b"strict-transport-security", self.hsts))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)


class Observe:
    """Counts and times every request (Prometheus), logs it, and binds its trace id to the logs
    of everything it causes. Plain ASGI: Starlette's ``@app.middleware("http")`` would cost a
    task group and a pair of memory streams per request."""

    UNLOGGED = frozenset({"/healthz", "/readyz", "/metrics"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        traceparent = next(
            (value.decode("latin-1") for name, value in scope["headers"] if name == b"traceparent"),
            "",
        )
        if not is_traceparent(traceparent):
            # A request without a (valid) trace starts one, so its log lines, the calls it
            # makes and the events it causes share an id: routes read the header.
            traceparent = new_traceparent()
            headers = [(n, v) for n, v in scope["headers"] if n != b"traceparent"]
            scope = {**scope, "headers": [*headers, (b"traceparent", traceparent.encode())]}
        structlog.contextvars.bind_contextvars(trace_id=traceparent.split("-")[1])
        status = 500  # unless the app starts a response: an exception becomes a 500 outside

        async def send_observed(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_observed)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            elapsed = time.perf_counter() - started
            metrics.HTTP_REQUESTS.labels(scope["method"], path, str(status)).inc()
            metrics.HTTP_LATENCY.labels(path).observe(elapsed)
            if path not in self.UNLOGGED:
                # Still inside the request's trace, so the access log line carries its id.
                log.info(
                    "http_request",
                    method=scope["method"],
                    route=path,
                    status=status,
                    ms=round(elapsed * 1000, 1),
                )
            structlog.contextvars.unbind_contextvars("trace_id")


def create_app(spec: ServiceSpec[S], settings: S | None = None) -> FastAPI:
    settings = settings or spec.load_settings()
    runtime = Runtime(spec, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await runtime.start()
        try:
            yield
        finally:
            await runtime.stop()

    app = FastAPI(
        title=f"Ideapaja {spec.title}",
        version="1.0.0",
        lifespan=lifespan,
        responses={
            401: PROBLEM_SCHEMA,
            403: PROBLEM_SCHEMA,
            413: PROBLEM_SCHEMA,
            422: PROBLEM_SCHEMA,
            429: PROBLEM_SCHEMA,
            # The service's database does not answer (Retry-After says when to try again).
            503: PROBLEM_SCHEMA,
        },
        openapi_tags=list(spec.tags) or None,
    )
    app.state.runtime = runtime
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(settings)
    app.state.ip_limiter = IpRateLimiter(spec.name, settings)
    install_problem_handlers(app, spec.errors)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders, settings=settings)
    # Outermost: everything inside sees the client and scheme the trusted proxies forwarded.
    app.add_middleware(ClientAddress, trusted=TrustedProxies(settings.trusted_proxies))

    app.add_middleware(Observe)

    @app.get("/healthz", tags=["operations"], summary="Liveness: the process answers")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": spec.name}

    @app.get(
        "/readyz",
        tags=["operations"],
        summary="Readiness: database and NATS reachable",
        responses={503: {"description": "Not ready"}},
    )
    async def readyz(response: Response) -> dict[str, Any]:
        checks = await runtime.readiness()
        ready = runtime.started and checks.get("database") == "ok" and checks.get("nats") == "ok"
        response.status_code = 200 if ready else 503
        return {"status": "ready" if ready else "not ready", "checks": checks}

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", response_class=Response)
    async def prometheus_metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    for router in spec.routers:
        app.include_router(router)
    if spec.customize:
        spec.customize(app, runtime)
    return app


def configure_and_create(spec: ServiceSpec[S]) -> tuple[FastAPI, S]:
    settings = spec.load_settings()
    configure_logging(spec.name, settings.log_level)
    return create_app(spec, settings), settings
