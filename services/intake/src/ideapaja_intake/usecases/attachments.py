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
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from ideapaja_contracts.events.idea import Channel
from ideapaja_intake.db.ideas import IdeaRecord, confirmed_authors, load_idea, lock_idea
from ideapaja_intake.db.models import IdeaAttachment
from ideapaja_intake.domain.attachments import (
    AttachmentRejected,
    CheckedAttachment,
    check_attachment,
)
from ideapaja_intake.domain.status import PUBLIC_STATUSES, IdeaStatus
from ideapaja_intake.domain.submission import IdeaSubmission
from ideapaja_intake.errors import (
    AttachmentNotFound,
    AttachmentRefused,
    ForbiddenObject,
    IdeaNotFound,
    IllegalTransition,
    TooManyAttachments,
)
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.usecases import Uow
from ideapaja_intake.usecases.ideas import viewable_idea
from ideapaja_intake.usecases.submissions import Submitter, submit_idea

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

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


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
    uow: Uow, idea_id: str, accepted: AcceptedFile, *, check_author: bool = True
) -> IdeaAttachment:
    """The acting person's file on the idea (its confirmed authors, while it is looked at)."""
    person_id = uow.person.person_id
    session = uow.session
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
    limit = uow.settings.attachments_per_idea
    if int(count or 0) >= limit:
        raise TooManyAttachments(f"An idea has at most {limit} attachments.")
    row = IdeaAttachment(
        id=f"f-{uuid.uuid4().hex}",
        idea_id=idea_id,
        filename=accepted.checked.filename,
        content_type=accepted.checked.content_type,
        size=accepted.checked.size,
        sha256=accepted.sha256,
        data=accepted.data,
        uploaded_by=person_id,
        uploaded_at=uow.now,
        scan_status=accepted.scan_status,
    )
    session.add(row)
    await session.flush()
    return row


async def attachment_for(uow: Uow, idea_id: str, attachment_id: str) -> IdeaAttachment:
    """The file, for whoever may see the idea: anyone while it is public, otherwise its authors
    and reviewers."""
    record = await load_idea(uow.session, idea_id)
    row = (
        await uow.session.scalars(
            select(IdeaAttachment)
            .where(IdeaAttachment.id == attachment_id, IdeaAttachment.idea_id == idea_id)
            .options(undefer(IdeaAttachment.data))
        )
    ).one_or_none()
    if record is None or row is None:
        raise AttachmentNotFound(f"No attachment {attachment_id}.")
    if IdeaStatus(record.idea.status) not in PUBLIC_STATUSES:
        await viewable_idea(uow, idea_id)
    return row


async def submit_with_file(
    uow: Uow,
    submitter: Submitter,
    submission: IdeaSubmission,
    channel: Channel,
    accepted: AcceptedFile | None,
) -> IdeaRecord:
    """A new idea and (if any) its first file, in one unit of work (the embeddable page)."""
    record = await submit_idea(uow, submitter, submission, channel)
    if accepted is not None:
        await store_attachment(uow, record.idea.id, accepted)
    return record
