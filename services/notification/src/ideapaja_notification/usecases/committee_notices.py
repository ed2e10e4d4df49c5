"""Notices to a committee's members: the invitation to a meeting with its agenda, a case added
to the agenda (open for scoring), the minutes published. The members come in the events (review
names them as it knows them at that moment), so nothing here keeps a roster. None of these names
an idea's authors: an agenda lists titles only."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from ideapaja_contracts.events.review import MeetingScheduled, MinutesPublished, ScoringOpened
from ideapaja_notification.domain.kinds import TemplateId
from ideapaja_notification.domain.notices import notices_of
from ideapaja_notification.domain.values import FieldValue, Moment
from ideapaja_notification.usecases.notices import tell_all
from ideapaja_notification.usecases.recipients import people
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.messaging import HandlerContext

log = get_logger(__name__)


def meeting_link(meeting_id: str) -> str:
    return f"/meetings/{meeting_id}"


def agenda_lines(titles: Sequence[str]) -> str:
    """The agenda as the message lists it, one idea a line."""
    return "\n".join(f"\u2013 {title.strip()}" for title in titles)


async def _tell_members(
    ctx: HandlerContext,
    template: TemplateId,
    member_ids: Sequence[str],
    link: str,
    *,
    leaving_out: Collection[str],
    idea_id: str | None = None,
    **fields: FieldValue,
) -> None:
    if not member_ids:
        # Published before events named the members: there is nobody known to tell.
        log.info("committee_members_not_named", template=template.value)
        return
    members = [pid for pid in member_ids if pid not in leaving_out]
    notices = notices_of(template, await people(ctx, members), link, **fields)
    await tell_all(ctx, notices, idea_id=idea_id)


async def on_meeting_scheduled(event: MeetingScheduled, ctx: HandlerContext) -> None:
    """The invitation with the agenda, to every member but the one who called the meeting."""
    await _tell_members(
        ctx,
        TemplateId.MEETING_SCHEDULED,
        event.member_ids,
        meeting_link(event.meeting_id),
        leaving_out={event.called_by},
        meeting=event.title,
        when=Moment(event.scheduled_at),
        count=str(len(event.agenda)),
        agenda=agenda_lines([case.title for case in event.agenda]) or None,
    )


async def on_scoring_opened(event: ScoringOpened, ctx: HandlerContext) -> None:
    """A case added to a called meeting's agenda: the members may score it now."""
    await _tell_members(
        ctx,
        TemplateId.SCORING_OPENED,
        event.member_ids,
        f"{meeting_link(event.meeting_id)}/items/{event.case.case_id}",
        leaving_out={event.added_by},
        idea_id=event.case.idea_id,
        title=event.case.title,
        meeting=event.title,
        when=Moment(event.scheduled_at),
    )


async def on_minutes_published(event: MinutesPublished, ctx: HandlerContext) -> None:
    """The meeting is closed and its minutes final, to every member but who closed it."""
    await _tell_members(
        ctx,
        TemplateId.MINUTES_PUBLISHED,
        event.member_ids,
        f"{meeting_link(event.meeting_id)}/minutes",
        leaving_out={event.closed_by},
        meeting=event.title,
        decided=str(len(event.decided_idea_ids)),
        deferred=str(len(event.deferred_idea_ids)),
    )
