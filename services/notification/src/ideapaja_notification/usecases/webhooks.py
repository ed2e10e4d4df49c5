"""Webhook endpoints: admins register, list, change, remove them and rotate their secrets.

A URL is checked when it is registered or changed (scheme, allow-list, and the addresses its
host resolves to now) so an admin hears at once that it cannot work; the sender checks the
resolved address again at every request, since a name can change what it points to.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import delete, select

from ideapaja_notification.channels.webhook import checked_addresses
from ideapaja_notification.db.webhook_models import WebhookDelivery, WebhookEndpoint
from ideapaja_notification.domain.webhooks import (
    DestinationRefused,
    literal_address,
    new_secret,
    parse_endpoint_url,
    refusal_among,
    unknown_event_types,
)
from ideapaja_notification.errors import WebhookNotFound
from ideapaja_notification.settings import NotificationSettings
from ideapaja_runtime.errors import InvalidInput
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.pagination import Page, PageRequest, page_of
from ideapaja_runtime.uow import UnitOfWork

log = get_logger(__name__)

P = TypeVar("P", bound=BaseModel)

# A registration waits this long for the name to resolve.
_RESOLVE_SECONDS = 5.0


async def check_url(settings: NotificationSettings, url: str) -> None:
    """Refuse (422 on ``url``) a URL webhooks may not reach: see ``parse_endpoint_url`` and
    ``refusal_among``."""
    try:
        parsed = parse_endpoint_url(
            url, settings.webhook_allowed_hosts, allow_http=settings.webhook_allow_http
        )
        networks = settings.webhook_allowed_networks
        literal = literal_address(parsed.host)
        if literal is not None:
            refusal = refusal_among([literal], networks)
            if refusal is not None:
                raise DestinationRefused(refusal)
        else:
            async with asyncio.timeout(_RESOLVE_SECONDS):
                await checked_addresses(parsed.host, parsed.port, networks)
    except DestinationRefused as exc:
        raise InvalidInput("url", str(exc), kind="url_refused") from exc
    except TimeoutError as exc:
        raise InvalidInput("url", "its host did not resolve in time", kind="url_refused") from exc


def check_event_types(event_types: Sequence[str]) -> list[str]:
    unknown = unknown_event_types(event_types)
    if unknown:
        raise InvalidInput(
            "event_types", f"unknown event type(s): {', '.join(unknown)}", kind="unknown_type"
        )
    return sorted(set(event_types))


async def register(
    uow: UnitOfWork[NotificationSettings],
    *,
    url: str,
    event_types: Sequence[str],
    description: str,
    enabled: bool,
) -> WebhookEndpoint:
    """A new endpoint with a fresh secret (``endpoint.secret``: the caller shows it once)."""
    types = check_event_types(event_types)
    await check_url(uow.settings, url)
    now = uow.now
    endpoint = WebhookEndpoint(
        id=f"wh-{uuid.uuid4().hex[:24]}",
        url=url,
        description=description,
        event_types=types,
        enabled=enabled,
        secret=new_secret(),
        created_by=uow.person.person_id,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(endpoint)
    await uow.session.flush()
    log.info("webhook_registered", endpoint_id=endpoint.id, event_types=types)
    return endpoint


async def endpoint_of(uow: UnitOfWork[Any], endpoint_id: str) -> WebhookEndpoint:
    endpoint = await uow.session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise WebhookNotFound(endpoint_id)
    return endpoint


async def endpoints(uow: UnitOfWork[Any], page: PageRequest, public: type[P]) -> Page[P]:
    """A page of the endpoints, newest first."""
    return await page_of(
        uow.session,
        select(WebhookEndpoint),
        keys=[WebhookEndpoint.created_at.expression, WebhookEndpoint.id.expression],
        page=page,
        item=public.model_validate,
    )


async def update(
    uow: UnitOfWork[NotificationSettings], endpoint_id: str, changes: dict[str, Any]
) -> WebhookEndpoint:
    """Change the fields in ``changes`` (a URL and event types are checked as at registration)."""
    endpoint = await endpoint_of(uow, endpoint_id)
    if changes.get("event_types") is not None:
        endpoint.event_types = check_event_types(changes["event_types"])
    if changes.get("url") is not None:
        await check_url(uow.settings, changes["url"])
        endpoint.url = changes["url"]
    if changes.get("description") is not None:
        endpoint.description = changes["description"]
    if changes.get("enabled") is not None:
        endpoint.enabled = changes["enabled"]
    endpoint.updated_at = uow.now
    await uow.session.flush()
    return endpoint


async def remove(uow: UnitOfWork[Any], endpoint_id: str) -> None:
    """Remove the endpoint and its delivery log (pending deliveries are not sent)."""
    endpoint = await endpoint_of(uow, endpoint_id)
    await uow.session.execute(
        delete(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .execution_options(synchronize_session=False)
    )
    await uow.session.delete(endpoint)
    await uow.session.flush()
    log.info("webhook_removed", endpoint_id=endpoint_id)


async def rotate_secret(uow: UnitOfWork[NotificationSettings], endpoint_id: str) -> WebhookEndpoint:
    """A new secret signs from now on; the current one signs beside it for
    ``WEBHOOK_SECRET_OVERLAP_SECONDS`` (a receiver switches over without missing a request),
    then stops. A rotation during an overlap ends the older secret at once."""
    endpoint = await endpoint_of(uow, endpoint_id)
    overlap = uow.settings.webhook_secret_overlap_seconds
    if overlap > 0:
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = uow.now + timedelta(seconds=overlap)
    else:
        endpoint.previous_secret = None
        endpoint.previous_secret_expires_at = None
    endpoint.secret = new_secret()
    endpoint.updated_at = uow.now
    await uow.session.flush()
    log.info(
        "webhook_secret_rotated",
        endpoint_id=endpoint_id,
        previous_expires_at=(
            endpoint.previous_secret_expires_at.isoformat()
            if endpoint.previous_secret_expires_at is not None
            else None
        ),
    )
    return endpoint
