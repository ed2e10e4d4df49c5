"""The review service's HTTP API, one router per area."""

from ideapaja_review.api import admin, authors, committees, public
from ideapaja_review.api.cases import router

routers = [router, authors.router, committees.router, public.router, admin.router]

__all__ = ["router", "routers"]
