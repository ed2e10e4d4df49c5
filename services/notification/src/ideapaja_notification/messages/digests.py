"""A digest e-mail in its reader's language: the gathered notices grouped by idea, with the
same greeting and signature as every message (``templates/digest.jinja``)."""

from __future__ import annotations

from collections.abc import Sequence

from ideapaja_notification.domain.digests import IdeaGroup
from ideapaja_notification.domain.kinds import Language
from ideapaja_notification.domain.preferences import Frequency
from ideapaja_notification.messages import RenderedMessage, render_file


def render_digest(
    language: Language, frequency: Frequency, name: str, groups: Sequence[IdeaGroup]
) -> RenderedMessage:
    return render_file(
        "digest",
        language,
        {
            "name": name,
            "weekly": frequency is Frequency.WEEKLY,
            "count": sum(len(group.lines) for group in groups),
            "groups": groups,
        },
    )
