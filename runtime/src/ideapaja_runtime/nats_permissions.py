"""NATS users and what each may do: a service publishes only its own events.

One user per service, named after it (``intake``, ``review`` …), plus:

- ``hr-adapter``: brings the city's HR data in (``ideapaja hr import``): publishes ``hr.>`` only;
- ``payroll``: HR/payroll reads granted rewards through its own durable consumer ``payroll`` on
  ``ideapaja.reward.granted.v1`` and nothing else;
- ``admin``: the operator (the runner's own set-up, ``ideapaja dlq list/replay``): everything.

Which service owns which events is decided once, in ``ideapaja_contracts.ownership``. The
permissions are allow-lists; anything not listed is refused by the server with a permissions
violation. What a service needs besides its own event subjects, found by running the runtime
against a server with exactly these permissions (``tests/security``):

- ``$JS.API.STREAM.INFO.<stream>`` and ``$JS.API.STREAM.CREATE.<stream>`` for the three streams
  (``streams.ensure_streams`` creates a missing stream on start);
- its own events published with a JetStream ack: a plain publish to the subject, the PubAck comes
  back on the connection's inbox; dead letters likewise on ``deadletter.<service>.>``;
- durable pull consumers (``pulling.py``, ``durables.ensure_durable``) on the lifecycle and
  HR streams: ``$JS.API.CONSUMER.INFO.<stream>.<durable>`` (does it exist, with which
  settings?), then ``$JS.API.CONSUMER.CREATE.<stream>.<durable>.<filter subject>`` if not, or
  if its settings changed (an update is a create request with the same name), and
  ``$JS.API.CONSUMER.MSG.NEXT.<stream>.<durable>`` for every fetch;
- ``$JS.ACK.<stream>.>`` for ack, NAK with delay, term (dead-lettered) and in-progress;
- subscribe ``_INBOX_<service>.>`` only: fetched messages and every API/PubAck reply arrive on
  the service's private inbox. A
  service never subscribes to an event subject directly; it reads events through its consumers.

A service that owns no aggregate (an extension that only consumes) gets all of the above except
event subjects: it can read the streams through its own consumers and dead-letter, nothing more.

The owner of the erasure events (``ErasureRequested``, the ``privacy`` service) may also purge the
HR stream (``$JS.API.STREAM.PURGE.<hr stream>``): erasing a person deletes their record subject
``hr.person.<id>``. The purge request's subject filter travels in its body, which permissions
cannot see, so this user could purge the whole HR stream; no other user may purge anything. It
may also read and delete single dead letters (``$JS.API.STREAM.MSG.GET.<dlq>``,
``$JS.API.STREAM.MSG.DELETE.<dlq>``): erasing a person deletes the dead letters that name them.
No other service may read the dead letters (they hold every kind of event) or delete any message.

Consumer names are ``<service>-<subscription>``. NATS wildcards match whole tokens, so the consumer
subjects are limited per stream, not per service: a service could in principle read through, or
ack, another service's consumer. It cannot publish anything but its own events.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ideapaja_contracts.events.privacy import ErasureRequested
from ideapaja_contracts.events.reward import RewardGranted
from ideapaja_contracts.ownership import HR_ADAPTER, owned_aggregates, publish_subjects
from ideapaja_runtime.settings import ServiceSettings

ADMIN = "admin"
PAYROLL = "payroll"
# The durable consumer HR/payroll reads granted rewards with (its only consumer).
PAYROLL_CONSUMER = "payroll"
PAYROLL_SUBJECT = RewardGranted.event_type()
# Users that are not services; no service may take one of these names.
RESERVED_USERS = (ADMIN, HR_ADAPTER, PAYROLL)
# Every user, services included, gets replies on a private inbox prefix (``_INBOX_<user>``), so
# no one can subscribe to another's API replies or fetched messages.

JS_API = "$JS.API"

Permissions = dict[str, dict[str, list[str]]]


def inbox_prefix(user: str) -> str:
    """The private inbox prefix of ``user`` (nats-py ``inbox_prefix``; a pull subscription's
    ``inbox_prefix`` is this plus a dot)."""
    return f"_INBOX_{user}"


def _streams(settings: ServiceSettings) -> tuple[str, str, str]:
    return settings.lifecycle_stream, settings.hr_stream, settings.dead_letter_stream


def stream_setup_subjects(settings: ServiceSettings) -> list[str]:
    """``ensure_streams``: look a stream up, create it when missing (never update or delete)."""
    streams = _streams(settings)
    return [f"{JS_API}.STREAM.INFO.{s}" for s in streams] + [
        f"{JS_API}.STREAM.CREATE.{s}" for s in streams
    ]


def consumer_subjects(stream: str, consumer: str = "*") -> list[str]:
    """A durable pull consumer on ``stream``: look up, create, fetch, ack/nak/term."""
    create = f"{JS_API}.CONSUMER.CREATE.{stream}.{'>' if consumer == '*' else consumer + '.>'}"
    return [
        f"{JS_API}.CONSUMER.INFO.{stream}.{consumer}",
        create,
        f"{JS_API}.CONSUMER.MSG.NEXT.{stream}.{consumer}",
        f"$JS.ACK.{stream}.{consumer}.>",
    ]


def erasure_subjects(service: str, settings: ServiceSettings) -> list[str]:
    """What erasing a person takes besides publishing ``ErasureRequested`` (only for the owner of
    the erasure events): deleting their HR record subject from the HR stream, and reading the
    dead letters one by one to delete those that concern them."""
    if ErasureRequested.aggregate not in owned_aggregates(service):
        return []
    dlq = settings.dead_letter_stream
    return [
        f"{JS_API}.STREAM.PURGE.{settings.hr_stream}",
        f"{JS_API}.STREAM.MSG.GET.{dlq}",
        f"{JS_API}.STREAM.MSG.DELETE.{dlq}",
    ]


def _permissions(publish: Iterable[str], subscribe: Iterable[str]) -> Permissions:
    return {
        "publish": {"allow": list(dict.fromkeys(publish))},
        "subscribe": {"allow": list(dict.fromkeys(subscribe))},
    }


def check_service_name(service: str) -> None:
    if service in RESERVED_USERS:
        raise ValueError(f"a service may not be named {service!r}: that NATS user is reserved")
    if not service or any(ch in service for ch in ".*> \t\r\n\"'$"):
        raise ValueError(f"{service!r} cannot be a NATS user and subject token")


def service_user_permissions(service: str, settings: ServiceSettings) -> Permissions:
    """The permissions of service ``service``'s NATS user (a nats-server config ``permissions``)."""
    check_service_name(service)
    lifecycle, hr, _dlq = _streams(settings)
    publish = [
        *publish_subjects(service),
        f"deadletter.{service}.>",
        *stream_setup_subjects(settings),
        *consumer_subjects(lifecycle),
        *consumer_subjects(hr),
        *erasure_subjects(service, settings),
    ]
    return _permissions(publish, [f"{inbox_prefix(service)}.>"])


def hr_adapter_permissions(settings: ServiceSettings) -> Permissions:
    """Publishes HR records (``hr.>``, with JetStream acks); reads only the latest record per
    subject (to skip unchanged ones); may create the streams."""
    publish = [
        *publish_subjects(HR_ADAPTER),
        *stream_setup_subjects(settings),
        f"{JS_API}.STREAM.MSG.GET.{settings.hr_stream}",
    ]
    return _permissions(publish, [f"{inbox_prefix(HR_ADAPTER)}.>"])


def payroll_permissions(settings: ServiceSettings, consumer: str = PAYROLL_CONSUMER) -> Permissions:
    """Reads granted rewards through its own durable consumer, filtered on reward.granted.

    The filter is part of the create subject (``…CONSUMER.CREATE.<stream>.<name>.<filter>``) and
    the server checks that it equals the consumer's filter, so payroll cannot widen it.
    """
    stream = settings.lifecycle_stream
    publish = [
        f"{JS_API}.CONSUMER.INFO.{stream}.{consumer}",
        f"{JS_API}.CONSUMER.CREATE.{stream}.{consumer}.{PAYROLL_SUBJECT}",
        f"{JS_API}.CONSUMER.MSG.NEXT.{stream}.{consumer}",
        f"$JS.ACK.{stream}.{consumer}.>",
    ]
    return _permissions(publish, [f"{inbox_prefix(PAYROLL)}.>"])


@dataclass(frozen=True)
class NatsUser:
    """One ``users`` entry. ``password`` None: taken from the environment variable
    ``password_env(name)`` when the server reads its config (``$NATS_<NAME>_PASSWORD``)."""

    name: str
    permissions: Permissions | None  # None: no restrictions (admin)
    password: str | None = None
    comment: str = ""


def password_env(user: str) -> str:
    """``NATS_INTAKE_PASSWORD``, ``NATS_HR_ADAPTER_PASSWORD`` …"""
    return "NATS_" + user.upper().replace("-", "_") + "_PASSWORD"


def nats_users(
    services: Iterable[str],
    settings: ServiceSettings,
    passwords: Mapping[str, str] | None = None,
) -> list[NatsUser]:
    """Every user: admin, hr-adapter, payroll and one per service (sorted).

    ``passwords`` gives literal passwords by user name; without it, each password is the
    environment variable ``password_env(user)``.
    """

    def password(user: str) -> str | None:
        if passwords is None:
            return None
        return passwords[user]

    users = [
        NatsUser(ADMIN, None, password(ADMIN), "operator: stream set-up, dead-letter replay"),
        NatsUser(
            HR_ADAPTER,
            hr_adapter_permissions(settings),
            password(HR_ADAPTER),
            "the HR import: publishes hr.> only",
        ),
        NatsUser(
            PAYROLL,
            payroll_permissions(settings),
            password(PAYROLL),
            f"HR/payroll: reads {PAYROLL_SUBJECT} through its consumer {PAYROLL_CONSUMER!r}",
        ),
    ]
    for service in sorted(set(services)):
        owned = publish_subjects(service)
        users.append(
            NatsUser(
                service,
                service_user_permissions(service, settings),
                password(service),
                f"publishes {', '.join(owned)}" if owned else "owns no events: consumes only",
            )
        )
    return users


def quote(value: str) -> str:
    """A double-quoted nats-server config string (its escapes: \\\\ and \\" only)."""
    if any(ch in value for ch in "\n\r\t"):
        raise ValueError(f"unsupported character in {value!r}")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_authorization(users: Sequence[NatsUser], indent: str = "") -> str:
    """The ``authorization { users = [...] }`` block of a nats-server config (2.10+)."""
    lines = [f"{indent}authorization {{", f"{indent}  users = ["]
    pad = indent + "    "
    for user in users:
        if user.comment:
            lines.append(f"{pad}# {user.comment}")
        password = (
            quote(user.password) if user.password is not None else "$" + password_env(user.name)
        )
        lines.append(f"{pad}{{")
        lines.append(f"{pad}  user: {quote(user.name)}")
        lines.append(f"{pad}  password: {password}")
        if user.permissions is not None:
            lines.append(f"{pad}  permissions: {{")
            for direction in ("publish", "subscribe"):
                rules: Mapping[str, Any] = user.permissions.get(direction, {})
                if not rules:
                    continue
                lines.append(f"{pad}    {direction}: {{")
                for kind in ("allow", "deny"):
                    if kind in rules:
                        lines.append(f"{pad}      {kind}: [")
                        lines += [f"{pad}        {quote(v)}" for v in rules[kind]]
                        lines.append(f"{pad}      ]")
                lines.append(f"{pad}    }}")
            lines.append(f"{pad}  }}")
        lines.append(f"{pad}}}")
    lines += [f"{indent}  ]", f"{indent}}}"]
    return "\n".join(lines) + "\n"
