"""Prometheus metrics shared by every service (one process = one service)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HTTP_REQUESTS = Counter(
    "ideapaja_http_requests_total", "HTTP requests", ["method", "route", "status"]
)
HTTP_LATENCY = Histogram("ideapaja_http_request_seconds", "HTTP request latency", ["route"])
EVENTS_CONSUMED = Counter(
    "ideapaja_events_consumed_total",
    "Events taken from JetStream, by outcome (handled, duplicate, skipped, retried, dead_lettered)",
    ["consumer", "outcome"],
)
HANDLER_SECONDS = Histogram("ideapaja_handler_seconds", "Event handler duration", ["consumer"])
OUTBOX_PUBLISHED = Counter(
    "ideapaja_outbox_published_total",
    "Outbox rows published (duplicate = dropped by JetStream)",
    ["duplicate"],
)
OUTBOX_LEFT_TO_POLL = Counter(
    "ideapaja_outbox_left_to_poll_total",
    "Committed outbox rows the relay was not handed (hand-over full) or gave up (publish failed): "
    "the poll publishes them instead, after their lease",
)
CONSUMERS_WAITING_FOR_DATABASE = Gauge(
    "ideapaja_consumers_waiting_for_database",
    "Consumers holding their events until the service's database answers again",
)
OUTBOX_PENDING = Gauge("ideapaja_outbox_pending", "Outbox rows not yet acknowledged by JetStream")
DEAD_LETTERS = Counter(
    "ideapaja_dead_letters_total", "Events sent to the dead-letter stream", ["consumer"]
)
RATE_LIMITED = Counter(
    "ideapaja_rate_limited_total",
    "Requests refused (429) by a per-client-IP limit, by limit (submissions, auth_failures, …)",
    ["limit"],
)
GROUP_COMMIT_BATCH = Histogram(
    "ideapaja_group_commit_batch_size",
    "Items written per group-commit transaction (1 = no batching happened)",
    ["writer"],
    buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256),
)
