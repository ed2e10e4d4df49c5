"""HTTP API: the caller's own in-app inbox (the portal shows it)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query

from ideapaja_notification.api.deps import NotificationUow
from ideapaja_notification.authz import POLICY
from ideapaja_notification.schemas import InboxItemPublic, MarkedRead, UnreadCount
from ideapaja_notification.usecases import inbox
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/inbox", tags=["inbox"])

InboxItemId = Annotated[
    str,
    Path(max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="The inbox item's id"),
]


@router.get(
    "",
    summary="My inbox, newest first",
    response_model=Page[InboxItemPublic],
    **POLICY.route("inbox.read_own"),
)
async def read_my_inbox(
    uow: NotificationUow,
    page: PageParams,
    unread: Annotated[
        bool, Query(description="Only the items not yet marked read (all if false)")
    ] = False,
) -> Page[InboxItemPublic]:
    return await inbox.items_of(uow, uow.person.person_id, page, InboxItemPublic, unread=unread)


@router.get(
    "/unread-count",
    summary="How many items of my inbox are unread",
    response_model=UnreadCount,
    **POLICY.route("inbox.read_own"),
)
async def count_my_unread(uow: NotificationUow) -> UnreadCount:
    return UnreadCount(unread=await inbox.unread_count(uow, uow.person.person_id))


@router.post(
    "/read-all",
    summary="Mark every item of my inbox read",
    response_model=MarkedRead,
    **POLICY.route("inbox.mark_read"),
)
async def mark_all_my_items_read(uow: NotificationUow) -> MarkedRead:
    return MarkedRead(marked=await inbox.mark_all_read(uow, uow.person.person_id))


@router.post(
    "/{item_id}/read",
    summary="Mark an item of my inbox read",
    response_model=InboxItemPublic,
    responses={404: PROBLEM_SCHEMA},
    **POLICY.route("inbox.mark_read"),
)
async def mark_my_item_read(item_id: InboxItemId, uow: NotificationUow) -> InboxItemPublic:
    item = await inbox.mark_read(uow, uow.person.person_id, item_id)
    return InboxItemPublic.model_validate(item)
