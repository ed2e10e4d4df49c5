"""Pages of a person's messages and inbox items, newest first (``Page[X]``, keyset cursors)."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select

from ideapaja_notification.db.models import Delivery, InboxItem
from ideapaja_runtime.pagination import Page, PageRequest, page_of
from ideapaja_runtime.uow import UnitOfWork

P = TypeVar("P", bound=BaseModel)


async def newest_first(
    uow: UnitOfWork[Any],
    query: Select[Any],
    model: type[Delivery] | type[InboxItem],
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
