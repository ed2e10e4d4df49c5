"""A durable consumer follows the service's settings: checked each time the service binds to it.

nats-py's ``pull_subscribe`` binds to an existing durable as it is, so a deployment that changed
``MAX_DELIVER``, ``RETRY_LATER_MAX_DELIVER``, ``ACK_WAIT_SECONDS`` or a subscription's handlers
kept the consumer's first configuration for ever (raising the retry-later budget left JetStream
stopping deliveries before the service dead-lettered the event: it sat unacked, silently).

``ensure_durable`` reads the consumer's info (the round trip ``pull_subscribe`` made anyway),
creates it if it is missing, and otherwise updates every field that differs and that JetStream
lets an update change (nats-server 2.10+: the update is a create request with the same name).
A field it does not let change (``checkNewConsumerConfig`` in nats-server's consumer.go: deliver
and ack policy among ours) is logged as a warning with what differs; the consumer is bound
as it is and keeps working with its old value of that field until an operator deletes it
(deploy/RELIABILITY.md).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import ConsumerConfig
from nats.js.errors import APIError, NotFoundError

from ideapaja_runtime.logging import get_logger

log = get_logger(__name__)

# What nats-server (2.10 … 2.15) refuses to change on an existing consumer.
NOT_UPDATABLE = frozenset(
    {
        "deliver_policy",
        "opt_start_seq",
        "opt_start_time",
        "ack_policy",
        "replay_policy",
        "idle_heartbeat",
        "flow_control",
        "max_waiting",
        "mem_storage",
        "deliver_subject",
    }
)
# Identity, not settings.
_NAMES = frozenset({"name", "durable_name"})
# Durations nats-py gives in seconds (floats) and the server keeps in nanoseconds.
_DURATIONS = frozenset({"ack_wait", "idle_heartbeat", "inactive_threshold"})

FIX_HINT = (
    "delete the consumer (nats consumer rm <stream> <consumer>) while the service is stopped; "
    "its next start creates it with these settings (deploy/RELIABILITY.md, consumer settings)"
)


@dataclass(frozen=True)
class Drift:
    """What differs between a consumer on the server and the configuration the service wants,
    field -> (on the server, wanted)."""

    updatable: dict[str, tuple[object, object]]
    fixed: dict[str, tuple[object, object]]


def _comparable(name: str, value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if name in _DURATIONS:
        return round(float(value) * 1e9) if isinstance(value, int | float) else 0
    if name == "backoff" and isinstance(value, list):
        return [round(float(v) * 1e9) for v in value]
    return value


def _shown(value: object) -> object:
    return value.value if isinstance(value, Enum) else value


def _set_by_backoff(name: str, current: ConsumerConfig, wanted: ConsumerConfig) -> bool:
    """A consumer with a back-off list (an operator's) has its first entry as AckWait: the
    server sets it so whatever an update says."""
    return name == "ack_wait" and bool(current.backoff) and not wanted.backoff


def drift(current: ConsumerConfig, wanted: ConsumerConfig) -> Drift:
    """Compare the fields ``wanted`` sets (not None) with ``current``."""
    updatable: dict[str, tuple[object, object]] = {}
    fixed: dict[str, tuple[object, object]] = {}
    for field in fields(ConsumerConfig):
        name = field.name
        want = getattr(wanted, name)
        if want is None or name in _NAMES or _set_by_backoff(name, current, wanted):
            continue
        have = getattr(current, name)
        if _comparable(name, have) == _comparable(name, want):
            continue
        target = fixed if name in NOT_UPDATABLE else updatable
        target[name] = (_shown(have), _shown(want))
    return Drift(updatable, fixed)


def _changes(found: dict[str, tuple[object, object]]) -> dict[str, dict[str, object]]:
    return {name: {"old": old, "new": new} for name, (old, new) in found.items()}


async def ensure_durable(js: JetStreamContext, stream: str, wanted: ConsumerConfig) -> None:
    """Create the durable consumer ``wanted.durable_name`` on ``stream``, or bring the existing
    one's updatable settings to ``wanted``. Lost connections and timeouts propagate (the caller
    binds again later); a refused update is logged and the consumer is used as it is."""
    durable = wanted.durable_name
    if not durable:
        raise ValueError("a durable consumer needs a name")
    wanted = wanted.evolve(name=durable)  # create on CONSUMER.CREATE.<stream>.<name>.<filter>
    try:
        info = await js.consumer_info(stream, durable)
    except NotFoundError:
        await js.add_consumer(stream, wanted)
        return
    found = drift(info.config, wanted)
    where: dict[str, Any] = {"consumer": durable, "stream": stream}
    if found.fixed:
        log.warning(
            "consumer_config_not_updatable",
            **where,
            differs=_changes(found.fixed),
            keeps="the consumer's own value of these fields",
            fix=FIX_HINT,
        )
    if not found.updatable:
        return
    # The server's own configuration with our updatable fields: fields we do not set (and the
    # ones it refuses to change) stay as they are.
    changed = {name: getattr(wanted, name) for name in found.updatable}
    update = info.config.evolve(**changed, name=durable, durable_name=durable)
    try:
        await js.add_consumer(stream, update)
    except APIError as exc:  # an older server, a field it will not change
        log.warning(
            "consumer_config_not_updated",
            **where,
            differs=_changes(found.updatable),
            error=exc.description or repr(exc),
            fix=FIX_HINT,
        )
        return
    log.info("consumer_config_updated", **where, changes=_changes(found.updatable))
