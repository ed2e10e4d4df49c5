"""What intake's routes share: the typed unit of work, the settings, path and query parameters,
the answers many routes document, and the process's parts a route hands to a use case (the
submission writer, the attachment scanner, whether PostgreSQL has the trigram index)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_contracts.events.idea import Scope
from ideapaja_intake.api.routing import settings_of
from ideapaja_intake.db.ideas import IdeaRecord
from ideapaja_intake.domain.status import IdeaStatus
from ideapaja_intake.schemas.ideas import ListParams
from ideapaja_intake.settings import IntakeSettings
from ideapaja_intake.usecases.attachments import AttachmentScanner
from ideapaja_intake.usecases.submissions import PendingSubmission, submission_writer
from ideapaja_runtime.clock import IsoDate
from ideapaja_runtime.deps import id_path
from ideapaja_runtime.groupcommit import GroupCommit
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import current_unit_of_work
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.uow import UnitOfWork

# Dependencies are ``async def`` although they never wait: FastAPI runs a plain ``def``
# dependency in a worker thread, a thread hop per dependency per request.

# --- the unit of work and the settings -----------------------------------------------------------

IntakeUow = Annotated[UnitOfWork[IntakeSettings], Depends(current_unit_of_work)]


class UowOnDemand:
    """The request's unit of work, opened when first awaited: for a route that first does what
    must not hold a transaction (on SQLite, the one writer's turn): scanning an upload, checking a
    form token, or handing a submission to the group commit, which writes it in a batch."""

    def __init__(self, request: Request) -> None:
        self._request = request

    async def __call__(self) -> UnitOfWork[IntakeSettings]:
        uow: UnitOfWork[IntakeSettings] = await current_unit_of_work(self._request)
        return uow


async def _uow_on_demand(request: Request) -> UowOnDemand:
    # A function, not the class itself: FastAPI runs a class dependency in a worker thread.
    return UowOnDemand(request)


LaterUow = Annotated[UowOnDemand, Depends(_uow_on_demand)]


async def _settings(request: Request) -> IntakeSettings:
    return settings_of(request)


SettingsDep = Annotated[IntakeSettings, Depends(_settings)]

# --- the process's parts -------------------------------------------------------------------------


def runtime_of(request: Request) -> Runtime[IntakeSettings]:
    runtime: Runtime[IntakeSettings] = request.app.state.runtime
    return runtime


async def _writer(request: Request) -> GroupCommit[PendingSubmission, IdeaRecord]:
    return submission_writer(runtime_of(request))


SubmissionWriter = Annotated[GroupCommit[PendingSubmission, IdeaRecord], Depends(_writer)]


async def _scanner(request: Request) -> AttachmentScanner | None:
    scanner: AttachmentScanner | None = runtime_of(request).extras.get("attachment_scanner")
    return scanner


Scanner = Annotated[AttachmentScanner | None, Depends(_scanner)]


async def _trigram_index(request: Request) -> bool:
    return bool(runtime_of(request).extras.get("pg_trgm"))


TrigramIndex = Annotated[bool, Depends(_trigram_index)]

# --- parameters ----------------------------------------------------------------------------------


IdeaIdPath = Annotated[str, id_path("The idea's id")]
CommentIdPath = Annotated[str, id_path("The comment's id")]
AttachmentIdPath = Annotated[str, id_path("The attachment's id")]
DraftIdPath = Annotated[str, id_path("The draft's id")]
PersonIdPath = Annotated[str, id_path("The (invited) co-author's person id")]

Statuses = Annotated[
    list[IdeaStatus],
    Query(max_length=20, description="Only ideas in these statuses (repeat for several)"),
]
UnitFilter = Annotated[
    str | None,
    Query(
        pattern=ID_PATTERN,
        max_length=64,
        description="Only ideas concerning this unit, or this department and its units",
    ),
]
ScopeFilter = Annotated[
    Scope | None, Query(description="Only ideas decided at this level: unit, department or city")
]
CategoryFilter = Annotated[
    str | None,
    Query(
        pattern=r"^[a-z0-9_-]{1,40}$", description="Only ideas in this category (GET /categories)"
    ),
]
SubmittedFrom = Annotated[
    IsoDate | None, Query(description="Only ideas submitted on or after this day (UTC)")
]
SubmittedTo = Annotated[
    IsoDate | None, Query(description="Only ideas submitted on or before this day (UTC)")
]
LanguageFilter = Annotated[
    Literal["fi", "sv", "en"] | None,
    Query(description="Only ideas written in this language: fi, sv or en"),
]
SearchText = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="Full-text search: ideas containing every word, in any inflected form "
        "(Finnish and Swedish)",
    ),
]


async def _list_filters(
    status: Statuses = [],  # noqa: B006 - FastAPI copies query defaults
    scope: ScopeFilter = None,
    unit_id: UnitFilter = None,
    category: CategoryFilter = None,
    submitted_from: SubmittedFrom = None,
    submitted_to: SubmittedTo = None,
    language: LanguageFilter = None,
    q: SearchText = None,
) -> ListParams:
    return ListParams(
        status=status,
        scope=scope,
        unit_id=unit_id,
        category=category,
        submitted_from=submitted_from,
        submitted_to=submitted_to,
        language=language,
        q=q,
    )


# The filters shared by the lists and the export, as query parameters.
ListFilters = Annotated[ListParams, Depends(_list_filters)]

# --- answers documented on many routes -----------------------------------------------------------

CREATED: dict[int | str, dict[str, Any]] = {
    201: {"headers": {"Location": {"description": "URL of the new resource"}}}
}
REFUSALS: dict[int | str, dict[str, Any]] = {
    404: PROBLEM_SCHEMA,
    409: PROBLEM_SCHEMA,
    429: PROBLEM_SCHEMA,
}
