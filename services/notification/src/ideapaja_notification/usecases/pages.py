"""Pages of messages, inbox items and webhook deliveries, newest first (``Page[X]``, keyset
cursors), and the status filter of the delivery lists."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select

from ideapaja_notification.db.models import Delivery, InboxItem
from ideapaja_notification.db.webhook_models import WebhookDelivery
from ideapaja_notification.domain.deliveries import DeliveryStatus
from ideapaja_runtime.pagination import Page, PageRequest, page_of
from ideapaja_runtime.uow import UnitOfWork

P = TypeVar("P", bound=BaseModel)


async def newest_first(
    uow: UnitOfWork[Any],
    query: Select[Any],
    model: type[Delivery] | type[InboxItem] | type[WebhookDelivery],
    page: PageRequest,
    public: type[P],
) -> Page[P]:
    """A page of ``query``'s rows of ``model`` (by created_at, id), newest first, as ``public``."""
    return await page_of(
        uow.session,
        query,
        keys=[model.created_at.expression, model.id.expression],
        page=page,
        item=public.model_validate,
    )


def in_statuses(
    query: Select[Any],
    model: type[Delivery] | type[WebhookDelivery],
    statuses: Collection[DeliveryStatus],
) -> Select[Any]:
    """``query``'s rows in any of ``statuses`` (all of them if none)."""
    if not statuses:
        return query
    return query.where(model.status.in_([status.value for status in statuses]))
