"""Reading ideas: one idea for its authors and reviewers, or as colleagues see it; lists and
search; similar ideas while an author types; the reporting export."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_intake.db.ideas import IdeaRecord, is_supporter, load_idea, versions_of
from ideapaja_intake.db.models import Idea, IdeaVersion
from ideapaja_intake.db.org import unit_and_children
from ideapaja_intake.db.search import (
    IdeaFilter,
    IdeaList,
    InvalidCursor,
    confirmed_authors_of,
    encode_cursor,
    filter_condition,
    list_ideas,
    similar_candidates,
)
from ideapaja_intake.domain.export import ExportRow
from ideapaja_intake.domain.search import idea_similarity
from ideapaja_intake.domain.status import PUBLIC_STATUSES, IdeaStatus
from ideapaja_intake.domain.visibility import can_view_idea, exported_author_ids, is_reviewer
from ideapaja_intake.errors import ForbiddenObject, IdeaNotFound, InvalidInput
from ideapaja_intake.schemas.ideas import ListParams
from ideapaja_intake.usecases import Uow

# --- one idea ------------------------------------------------------------------------------------


async def viewable_idea(uow: Uow, idea_id: str) -> IdeaRecord:
    """The idea for its authors (invited co-authors included) and reviewers; 404 / 403."""
    record = await load_idea(uow.session, idea_id)
    if record is None:
        raise IdeaNotFound(idea_id)
    involved = [*record.author_ids, *record.invited_ids]
    if not can_view_idea(uow.person.person_id, uow.person.roles, involved):
        raise ForbiddenObject("Only the authors and reviewers may read this idea.")
    return record


async def idea_versions(uow: Uow, idea_id: str) -> list[tuple[IdeaVersion, str]]:
    """Every version of the text with who edited it as the reader may see them: an anonymous
    idea's editors by its pseudonym to everyone but its authors."""
    record = await viewable_idea(uow, idea_id)
    versions = await versions_of(uow.session, idea_id)
    named = not record.idea.anonymous or uow.person.person_id in record.author_ids
    return [(row, row.edited_by if named else record.idea.author_ref) for row in versions]


async def public_idea(uow: Uow, idea_id: str) -> tuple[IdeaRecord, bool]:
    """The idea as colleagues see it (not withdrawn), and whether the reader supports it."""
    record = await load_idea(uow.session, idea_id)
    supported = await is_supporter(uow.session, idea_id, uow.person.person_id)
    if record is None or IdeaStatus(record.idea.status) not in PUBLIC_STATUSES:
        raise IdeaNotFound(idea_id, detail=f"No public idea {idea_id}.")
    return record, supported


# --- lists ---------------------------------------------------------------------------------------


async def idea_filter(session: AsyncSession, params: ListParams, **fixed: Any) -> IdeaFilter:
    units = await unit_and_children(session, params.unit_id) if params.unit_id else []
    return IdeaFilter(
        statuses=[s.value for s in params.status],
        scope=params.scope.value if params.scope else None,
        unit_ids=units,
        category=params.category,
        submitted_from=params.submitted_from,
        submitted_to=params.submitted_to,
        query=params.q,
        **fixed,
    )


async def _page(
    uow: Uow, params: ListParams, *, limit: int, offset: int, cursor: str | None, **fixed: Any
) -> IdeaList:
    filters = await idea_filter(uow.session, params, **fixed)
    try:
        ideas, total = await list_ideas(
            uow.session, limit=limit, offset=offset, filters=filters, cursor=cursor
        )
    except InvalidCursor as exc:
        raise InvalidInput("cursor", str(exc), kind="cursor") from exc
    next_cursor = encode_cursor(ideas[-1]) if len(ideas) == limit else None
    return IdeaList(ideas, total, next_cursor)


async def list_ideas_for(
    uow: Uow, params: ListParams, *, mine: bool, limit: int, offset: int, cursor: str | None
) -> IdeaList:
    """The reader's own ideas, or (reviewers only) every submitted idea."""
    if not mine and not is_reviewer(uow.person.roles):
        raise ForbiddenObject("Listing all ideas needs a reviewer role; use mine=true for yours.")
    author_id = uow.person.person_id if mine else None
    return await _page(uow, params, limit=limit, offset=offset, cursor=cursor, author_id=author_id)


async def list_public_ideas(
    uow: Uow, params: ListParams, *, limit: int, cursor: str | None
) -> IdeaList:
    """Every submitted idea that is not withdrawn, as colleagues see them."""
    return await _page(uow, params, limit=limit, offset=0, cursor=cursor, public_only=True)


# --- similar ideas -------------------------------------------------------------------------------


async def similar_ideas(
    uow: Uow, text: str, *, language: str, limit: int, trigram_index: bool
) -> list[tuple[float, Idea]]:
    """Public ideas whose title or text resemble ``text``, best first (score, idea), at least
    as similar as ``similar_min_score``."""
    candidates = await similar_candidates(uow.session, text, trigram_index=trigram_index)
    scored = [
        (
            idea_similarity(
                text,
                title=idea.title,
                body=f"{idea.problem}\n{idea.solution}\n{idea.benefit}",
                language=idea.language or language,
            ),
            idea,
        )
        for idea in candidates
    ]
    return sorted(
        (pair for pair in scored if pair[0] >= uow.settings.similar_min_score),
        key=lambda pair: (-pair[0], pair[1].id),
    )[:limit]


# --- the reporting export ------------------------------------------------------------------------


async def export_rows(uow: Uow, params: ListParams) -> list[ExportRow]:
    """One row per idea (at most ``export_max_rows``); anonymous ideas without their authors."""
    session = uow.session
    filters = await idea_filter(session, params)
    condition = filter_condition(session, filters)
    ideas, _ = await list_ideas(session, limit=uow.settings.export_max_rows, filters=filters)
    authors = await confirmed_authors_of(session, condition)
    return [
        ExportRow(
            id=idea.id,
            submitted_at=idea.submitted_at,
            status=idea.status,
            status_changed_at=idea.status_changed_at,
            scope=idea.scope,
            unit_id=idea.unit_id,
            category=idea.category,
            benefit_kinds=list(idea.benefit_kinds or []),
            channel=idea.channel,
            external=idea.external,
            anonymous=idea.anonymous,
            author_ids=exported_author_ids(
                anonymous=idea.anonymous, author_ids=authors.get(idea.id, [])
            ),
            team_unit_id=idea.team_unit_id,
            supports=idea.support_count,
            comments=idea.comment_count,
            revision=idea.revision,
            rewarded=idea.rewarded,
            language=idea.language,
            title=idea.title,
        )
        for idea in ideas
    ]
