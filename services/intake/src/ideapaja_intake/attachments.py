"""Attachments: checked by content and size, optionally scanned, stored in the service's own
database (one place to back up, shared by every replica, written in the same transaction as
the idea it belongs to).

Virus scanning is an extension point: no scanner is available in this deployment, so files are
stored with ``scan_status = "not_scanned"``. A city with a scanner (e.g. ClamAV's clamd) sets
``IDEAPAJA_INTAKE_ATTACHMENT_SCANNER=package.module:factory``; the factory receives the settings
and returns an ``AttachmentScanner``. An infected file is refused (422) and never stored.
"""

from __future__ import annotations

import hashlib
import importlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import undefer

from ideapaja_intake.db.ideas import confirmed_authors, lock_idea
from ideapaja_intake.db.models import IdeaAttachment
from ideapaja_intake.domain.attachments import (
    AttachmentRejected,
    CheckedAttachment,
    check_attachment,
)
from ideapaja_intake.domain.status import IdeaStatus
from ideapaja_intake.errors import (
    AttachmentRefused,
    ForbiddenObject,
    IdeaNotFound,
    IllegalTransition,
    TooManyAttachments,
)
from ideapaja_intake.settings import IntakeSettings

# Files may be added while the idea is still being looked at.
ATTACHABLE_STATUSES = frozenset(
    {
        IdeaStatus.SUBMITTED,
        IdeaStatus.SCREENING,
        IdeaStatus.IN_REVIEW,
        IdeaStatus.NEEDS_INFO,
        IdeaStatus.REOPENED,
    }
)


@dataclass(frozen=True)
class ScanResult:
    clean: bool
    detail: str = ""


class AttachmentScanner(Protocol):
    async def scan(self, *, filename: str, content_type: str, data: bytes) -> ScanResult: ...


def load_scanner(settings: IntakeSettings) -> AttachmentScanner | None:
    if not settings.attachment_scanner:
        return None
    module_name, _, factory_name = settings.attachment_scanner.partition(":")
    factory = getattr(importlib.import_module(module_name), factory_name)
    scanner: AttachmentScanner = factory(settings)
    return scanner


@dataclass(frozen=True)
class AcceptedFile:
    checked: CheckedAttachment
    data: bytes
    scan_status: str


async def accept_file(
    settings: IntakeSettings,
    scanner: AttachmentScanner | None,
    *,
    filename: str,
    declared_type: str,
    data: bytes,
) -> AcceptedFile:
    """Check (and scan) a file before any transaction starts: scanning may be slow."""
    try:
        checked = check_attachment(
            filename=filename,
            declared_type=declared_type,
            data=data,
            max_bytes=settings.attachment_max_bytes,
            allowed=frozenset(settings.attachment_types),
        )
    except AttachmentRejected as rejected:
        raise AttachmentRefused(rejected.status, rejected.reason) from rejected
    if scanner is None:
        return AcceptedFile(checked, data, "not_scanned")
    result = await scanner.scan(
        filename=checked.filename, content_type=checked.content_type, data=data
    )
    if not result.clean:
        raise AttachmentRefused(
            422, f"The virus scan refused the file. {result.detail}", field_error=False
        )
    return AcceptedFile(checked, data, "clean")


async def store_attachment(
    session: AsyncSession,
    settings: IntakeSettings,
    *,
    person_id: str,
    idea_id: str,
    accepted: AcceptedFile,
    check_author: bool = True,
) -> IdeaAttachment:
    idea = await lock_idea(session, idea_id)
    if idea is None:
        raise IdeaNotFound(idea_id)
    if check_author and person_id not in await confirmed_authors(session, idea_id):
        raise ForbiddenObject("Only the idea's authors may attach files.")
    if IdeaStatus(idea.status) not in ATTACHABLE_STATUSES:
        raise IllegalTransition(
            f"Files cannot be attached to an idea in status {idea.status}.",
            status_now=idea.status,
        )
    count = await session.scalar(
        select(func.count()).select_from(IdeaAttachment).where(IdeaAttachment.idea_id == idea_id)
    )
    if int(count or 0) >= settings.attachments_per_idea:
        raise TooManyAttachments(
            f"An idea has at most {settings.attachments_per_idea} attachments."
        )
    row = IdeaAttachment(
        id=f"f-{uuid.uuid4().hex}",
        idea_id=idea_id,
        filename=accepted.checked.filename,
        content_type=accepted.checked.content_type,
        size=accepted.checked.size,
        sha256=hashlib.sha256(accepted.data).hexdigest(),
        data=accepted.data,
        uploaded_by=person_id,
        uploaded_at=datetime.now(UTC),
        scan_status=accepted.scan_status,
    )
    session.add(row)
    await session.flush()
    return row


async def load_attachment(
    session: AsyncSession, idea_id: str, attachment_id: str
) -> IdeaAttachment | None:
    row = (
        await session.scalars(
            select(IdeaAttachment)
            .where(IdeaAttachment.id == attachment_id, IdeaAttachment.idea_id == idea_id)
            .options(undefer(IdeaAttachment.data))
        )
    ).one_or_none()
    return row
