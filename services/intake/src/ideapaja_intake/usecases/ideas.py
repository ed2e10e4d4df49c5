"""Reading ideas: one idea for its authors and reviewers, or as colleagues see it; lists and
search; similar ideas while an author types; the reporting export."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_intake.db.ideas import IdeaRecord, is_supporter, load_idea, versions_of
from ideapaja_intake.db.models import Idea, IdeaVersion
from ideapaja_intake.db.org import unit_and_children
from ideapaja_intake.db.search import (
    COUNT_UP_TO,
    IdeaFilter,
    confirmed_authors_of,
    filter_condition,
    idea_page,
    newest_ideas,
    similar_candidates,
)
from ideapaja_intake.domain.export import ExportRow
from ideapaja_intake.domain.search import idea_similarity
from ideapaja_intake.domain.status import PUBLIC_STATUSES, IdeaStatus
from ideapaja_intake.domain.visibility import can_view_idea, exported_author_ids, is_reviewer
from ideapaja_intake.errors import ForbiddenObject, IdeaNotFound
from ideapaja_intake.schemas.ideas import ListParams
from ideapaja_intake.usecases import Uow
from ideapaja_runtime.pagination import Page, PageRequest, page_from, page_of, page_of_computed

R = TypeVar("R")
# Similarity scores as integers for the similar list's cursor (keys are str, int or time).
SCORE_STEPS = 1_000_000

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


async def idea_versions(
    uow: Uow, idea_id: str, page: PageRequest, item: Callable[[IdeaVersion, str], R]
) -> Page[R]:
    """The versions of the text, oldest first, each with who edited it as the reader may see
    them: an anonymous idea's editors by its pseudonym to everyone but its authors."""
    record = await viewable_idea(uow, idea_id)
    named = not record.idea.anonymous or uow.person.person_id in record.author_ids

    def shown(row: IdeaVersion) -> R:
        return item(row, row.edited_by if named else record.idea.author_ref)

    return await page_of(
        uow.session,
        versions_of(idea_id),
        keys=[IdeaVersion.revision],
        page=page,
        item=shown,
        descending=False,
    )


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
        language=params.language,
        query=params.q,
        **fixed,
    )


async def _page(
    uow: Uow, params: ListParams, page: PageRequest, item: Callable[[Idea], R], **fixed: Any
) -> Page[R]:
    filters = await idea_filter(uow.session, params, **fixed)
    rows, total, next_cursor = await idea_page(uow.session, filters, page)
    return page_from(page, rows, total, next_cursor, item=item, counted_up_to=COUNT_UP_TO)


async def list_ideas_for(
    uow: Uow, params: ListParams, page: PageRequest, item: Callable[[Idea], R], *, mine: bool
) -> Page[R]:
    """The reader's own ideas, or (reviewers only) every submitted idea, newest first."""
    if not mine and not is_reviewer(uow.person.roles):
        raise ForbiddenObject("Listing all ideas needs a reviewer role; use mine=true for yours.")
    author_id = uow.person.person_id if mine else None
    return await _page(uow, params, page, item, author_id=author_id)


async def list_public_ideas(
    uow: Uow, params: ListParams, page: PageRequest, item: Callable[[Idea], R]
) -> Page[R]:
    """Every submitted idea that is not withdrawn, as colleagues see them, newest first."""
    return await _page(uow, params, page, item, public_only=True)


# --- similar ideas -------------------------------------------------------------------------------


async def similar_ideas(
    uow: Uow,
    text: str,
    page: PageRequest,
    item: Callable[[float, Idea], R],
    *,
    language: str,
    trigram_index: bool,
) -> Page[R]:
    """Public ideas whose title or text resemble ``text``, best first (ties by id), at least as
    similar as ``similar_min_score``: ranked among a bounded set of candidates, and paged like
    any list."""
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
    return page_of_computed(
        [pair for pair in scored if pair[0] >= uow.settings.similar_min_score],
        key=lambda pair: (round((1 - pair[0]) * SCORE_STEPS), pair[1].id),
        arity=2,
        page=page,
        item=lambda pair: item(*pair),
    )


# --- the reporting export ------------------------------------------------------------------------


async def export_rows(uow: Uow, params: ListParams) -> list[ExportRow]:
    """One row per idea (at most ``export_max_rows``); anonymous ideas without their authors."""
    session = uow.session
    filters = await idea_filter(session, params)
    condition = filter_condition(session, filters)
    ideas = await newest_ideas(session, filters, limit=uow.settings.export_max_rows)
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
