"""The review service's HTTP API, one router per area."""

from ideapaja_review.api import (
    admin,
    agenda_items,
    authors,
    committees,
    meetings,
    public,
    reports,
)
from ideapaja_review.api.cases import router

routers = [
    router,
    authors.router,
    committees.router,
    meetings.router,
    agenda_items.router,
    public.router,
    admin.router,
    reports.router,
]

__all__ = ["router", "routers"]
