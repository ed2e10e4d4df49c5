"""What intake holds on a person: the GDPR access report (the privacy service gathers these
from every service). Only the person's own report lists what would reveal that they wrote an
anonymous idea; anyone else's leaves those items out and counts them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ideapaja_intake.db.idempotency import FORM_TOKEN_KEY_PREFIX, citizen_caller, staff_caller
from ideapaja_intake.db.models import (
    ErasedPerson,
    Idea,
    IdeaAttachment,
    IdeaAuthor,
    IdeaComment,
    IdeaDraft,
    IdeaReward,
    IdeaStatusChange,
    IdeaSupport,
    IdeaVersion,
    IdempotencyRecord,
    Person,
    SubmissionCounter,
)
from ideapaja_intake.db.sql import rows_where
from ideapaja_intake.domain.pseudonym import citizen_person_id, former_person_id, mentions
from ideapaja_intake.schemas.privacy import (
    AttachmentUploaded,
    CommentHidden,
    CommentWritten,
    DraftData,
    ErasureData,
    HrRecord,
    IdeaAuthored,
    IdempotencyKeyData,
    InvitationSent,
    PersonData,
    RateLimitWindow,
    RewardRecorded,
    SupportGiven,
    TimelineAction,
    VersionEdited,
)
from ideapaja_intake.usecases import Uow
from ideapaja_runtime.logging import get_logger
from ideapaja_runtime.requester import ANONYMOUS_WITHHELD_NOTE

log = get_logger(__name__)


async def person_report(uow: Uow, person_id: str, own: bool = True) -> PersonData:
    """Everything intake holds on ``person_id``; unless ``own`` (the person's own report), the
    items that would reveal who wrote an anonymous idea are withheld and counted."""
    secret = uow.settings.pseudonym_secret.get_secret_value()
    data = await _full_report(uow.session, secret, person_id)
    if own:
        return data
    return await _withhold_anonymous_authorship(uow.session, data)


async def _withhold_anonymous_authorship(session: AsyncSession, data: PersonData) -> PersonData:
    """``data`` without what would tell a reader other than the person that they wrote (or were
    invited to write) an anonymous idea: the rest of the report stays as it is."""
    named = {
        *(i.idea_id for i in data.ideas),
        *(i.idea_id for i in data.invitations_sent),
        *(v.idea_id for v in data.versions_edited),
        *(c.idea_id for c in data.comments),
        *(a.idea_id for a in data.attachments),
        *(t.idea_id for t in data.timeline_actions),
        *(r.idea_id for r in data.rewards),
    }
    anonymous = set(
        (
            await session.scalars(
                select(Idea.id).where(Idea.id.in_(sorted(named)), Idea.anonymous.is_(True))
            )
        ).all()
    )
    authored = {i.idea_id for i in data.ideas if i.anonymous}
    withheld = 0

    def keep(items: list[Any], hides: Any) -> list[Any]:
        nonlocal withheld
        kept = [item for item in items if not hides(item)]
        withheld += len(items) - len(kept)
        return kept

    # Authors (and invited co-authors) alone edit, attach to, invite to and are rewarded for an
    # idea; their comments on it show its pseudonym; a reviewer's timeline steps stay listed.
    def on_anonymous(item: Any) -> bool:
        return item.idea_id in anonymous

    own_ids = {data.id, data.citizen_id}
    ideas = keep(data.ideas, lambda i: i.anonymous)
    invitations = keep(data.invitations_sent, on_anonymous)
    versions = keep(data.versions_edited, on_anonymous)
    comments = keep(data.comments, lambda c: c.idea_id in anonymous and c.shown_as not in own_ids)
    attachments = keep(data.attachments, on_anonymous)
    actions = keep(data.timeline_actions, lambda t: t.idea_id in authored)
    rewards = keep(data.rewards, on_anonymous)
    keys = keep(
        data.idempotency_keys,
        lambda k: any(mentions(f"{k.key} {k.location or ''}", idea) for idea in authored),
    )
    return data.model_copy(
        update={
            "ideas": ideas,
            "invitations_sent": invitations,
            "versions_edited": versions,
            "comments": comments,
            "attachments": attachments,
            "timeline_actions": actions,
            "rewards": rewards,
            "idempotency_keys": keys,
            "anonymous_items_withheld": withheld,
            "withheld_note": ANONYMOUS_WITHHELD_NOTE if withheld else None,
        }
    )


async def _full_report(session: AsyncSession, secret: str, person_id: str) -> PersonData:
    citizen_id = citizen_person_id(secret, person_id)
    ids = [person_id, citizen_id]
    has_citizen_data = (
        await session.scalar(
            select(IdeaAuthor.idea_id).where(IdeaAuthor.person_id == citizen_id).limit(1)
        )
        is not None
        or await session.scalar(
            select(IdempotencyRecord.key)
            .where(IdempotencyRecord.caller == citizen_caller(citizen_id))
            .limit(1)
        )
        is not None
    )
    hr = await session.get(Person, person_id)
    authored = (
        await session.execute(
            select(IdeaAuthor, Idea)
            .join(Idea, Idea.id == IdeaAuthor.idea_id)
            .where(IdeaAuthor.person_id.in_(ids))
            .order_by(IdeaAuthor.added_at, Idea.id)
        )
    ).all()
    # Each kind of row that names them, in the order the report lists it.
    invited = await rows_where(session, IdeaAuthor.invited_by == person_id, IdeaAuthor.added_at)
    drafts = await rows_where(session, IdeaDraft.owner_id == person_id, IdeaDraft.created_at)
    versions = await rows_where(
        session, IdeaVersion.edited_by.in_(ids), IdeaVersion.created_at, IdeaVersion.id
    )
    supports = await rows_where(
        session, IdeaSupport.person_id == person_id, IdeaSupport.supported_at
    )
    comments = await rows_where(
        session, IdeaComment.commenter_id.in_(ids), IdeaComment.created_at, IdeaComment.id
    )
    hidden = await rows_where(
        session, IdeaComment.hidden_by == person_id, IdeaComment.hidden_at, IdeaComment.id
    )
    attachments = await rows_where(
        session,
        IdeaAttachment.uploaded_by.in_(ids),
        IdeaAttachment.uploaded_at,
        IdeaAttachment.id,
    )
    actions = await rows_where(
        session,
        IdeaStatusChange.actor_id == person_id,
        IdeaStatusChange.occurred_at,
        IdeaStatusChange.id,
    )
    rewards = await rows_where(
        session, IdeaReward.person_id.in_(ids), IdeaReward.granted_at, IdeaReward.grant_id
    )
    keys = await rows_where(
        session,
        IdempotencyRecord.caller.in_([staff_caller(person_id), citizen_caller(citizen_id)]),
        IdempotencyRecord.created_at,
        IdempotencyRecord.key,
    )
    windows = await rows_where(
        session, SubmissionCounter.person_id.in_(ids), SubmissionCounter.window_start
    )
    erasure = await session.get(ErasedPerson, former_person_id(secret, person_id))
    return PersonData(
        id=person_id,
        citizen_id=citizen_id if has_citizen_data else None,
        hr=(HrRecord.model_validate(hr) if hr is not None else None),
        ideas=[
            IdeaAuthored(
                idea_id=idea.id,
                role=author.kind,
                confirmed=author.confirmed_at is not None,
                invited_by=author.invited_by,
                anonymous=idea.anonymous,
                author_ref=author.author_ref,
                title=idea.title,
                problem=idea.problem,
                solution=idea.solution,
                benefit=idea.benefit,
                status=idea.status,
                channel=idea.channel,
                unit_id=idea.unit_id,
                submitted_at=idea.submitted_at,
            )
            for author, idea in authored
        ],
        invitations_sent=[
            InvitationSent(
                idea_id=a.idea_id,
                invited_person_id=a.person_id,
                confirmed=a.confirmed_at is not None,
            )
            for a in invited
        ],
        drafts=[DraftData.model_validate(d) for d in drafts],
        versions_edited=[VersionEdited.model_validate(v) for v in versions],
        supports=[SupportGiven.model_validate(s) for s in supports],
        comments=[
            CommentWritten(
                id=c.id,
                idea_id=c.idea_id,
                shown_as=c.shown_as,
                body=c.body,
                created_at=c.created_at,
                hidden=c.hidden_at is not None,
                hidden_reason=c.hidden_reason,
            )
            for c in comments
        ],
        comments_hidden=[
            CommentHidden(
                comment_id=c.id,
                idea_id=c.idea_id,
                hidden_at=c.hidden_at,
                hidden_reason=c.hidden_reason,
            )
            for c in hidden
        ],
        attachments=[AttachmentUploaded.model_validate(a) for a in attachments],
        timeline_actions=[TimelineAction.model_validate(h) for h in actions],
        rewards=[RewardRecorded.model_validate(r) for r in rewards],
        idempotency_keys=[
            IdempotencyKeyData(
                key=k.key,
                status_code=k.status_code,
                location=(k.headers or {}).get("Location"),
                created_at=k.created_at,
                form_token_id=k.key.removeprefix(FORM_TOKEN_KEY_PREFIX)
                if k.key.startswith(FORM_TOKEN_KEY_PREFIX)
                else None,
            )
            for k in keys
        ],
        rate_limit_windows=[
            RateLimitWindow(window_start=w.window_start, submissions=w.count) for w in windows
        ],
        erasure=(ErasureData.model_validate(erasure) if erasure is not None else None),
    )
