"""Files attached to ideas: uploaded by the authors, downloaded by whoever may see the idea.
Uploads are larger than other bodies: only the server-wide limit applies to them."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import File, Response, UploadFile
from starlette.datastructures import UploadFile as StarletteUpload

from ideapaja_intake.api.deps import (
    CREATED,
    REFUSALS,
    AttachmentIdPath,
    IdeaIdPath,
    IntakeUow,
    LaterUow,
    Scanner,
    SettingsDep,
)
from ideapaja_intake.api.idempotency import Idempotent, Outcome
from ideapaja_intake.authz import POLICY
from ideapaja_intake.domain.attachments import KNOWN_TYPES
from ideapaja_intake.schemas.ideas import AttachmentPublic
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.usecases import attachments
from ideapaja_intake.usecases.attachments import AcceptedFile, AttachmentScanner
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import service_router

router = service_router(prefix="/ideas", tags=["engagement"])


async def accepted_upload(
    settings: IntakeSettings, scanner: AttachmentScanner | None, upload: StarletteUpload
) -> AcceptedFile:
    """The uploaded file once checked (type, size, scan); ``AttachmentRefused`` says why not."""
    data = await upload.read(settings.attachment_max_bytes + 1)
    return await attachments.accept_file(
        settings,
        scanner,
        filename=upload.filename or "",
        declared_type=upload.content_type or "",
        data=data,
    )


@router.post(
    "/{idea_id}/attachments",
    status_code=201,
    response_model=AttachmentPublic,
    summary="Attach a file to an idea",
    **POLICY.route(
        "attachments.add",
        description="Authors only, while the idea is under review. Allowed types are recognised by "
        "their content (PDF, images, text, office documents); size and count are limited (413, "
        "415, 409). No virus scanner is configured unless IDEAPAJA_INTAKE_ATTACHMENT_SCANNER is "
        "set: such files are marked not_scanned.",
    ),
    responses={**CREATED, **REFUSALS, 413: PROBLEM_SCHEMA, 415: PROBLEM_SCHEMA},
)
async def upload(
    idea_id: IdeaIdPath,
    file: Annotated[UploadFile, File(description="The file")],
    settings: SettingsDep,
    scanner: Scanner,
    later: LaterUow,
    idempotent: Idempotent,
) -> Response:
    # Checked (and scanned, which may be slow) before the unit of work opens.
    accepted = await accepted_upload(settings, scanner, file)
    uow = await later()

    async def work() -> Outcome:
        row = await attachments.store_attachment(uow, idea_id, accepted)
        return Outcome.of(
            201,
            AttachmentPublic.model_validate(row),
            Location=f"/ideas/{idea_id}/attachments/{row.id}",
        )

    content = {"filename": accepted.checked.filename, "sha256": accepted.sha256}
    return await idempotent.run(uow, content, work)


@router.get(
    "/{idea_id}/attachments/{attachment_id}",
    response_class=Response,
    summary="Download an attachment",
    **POLICY.route(
        "attachments.read",
        description="For whoever may see the idea (its authors, reviewers, and colleagues while "
        "the idea is public). Always a download, never shown inline.",
    ),
    responses={
        200: {
            "description": "The file as stored, in the type recognised from its content",
            "content": {
                media_type: {"schema": {"type": "string", "format": "binary"}}
                for media_type in sorted(KNOWN_TYPES)
            },
        },
        404: PROBLEM_SCHEMA,
    },
)
async def download(
    idea_id: IdeaIdPath, attachment_id: AttachmentIdPath, uow: IntakeUow
) -> Response:
    row = await attachments.attachment_for(uow, idea_id, attachment_id)
    return Response(
        row.data,
        media_type=row.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "private, no-store",
        },
    )
