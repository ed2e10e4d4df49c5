"""On whose behalf a request is made: the person a trusted service names, otherwise the caller.

The privacy service gathers a person's access report from every service with its *own* token
(role ``privacy-service``), so a service cannot tell from the token whether the report is for
the person themselves or for HR or an admin reading someone else's. It says so in the
``Ideapaja-Requested-By`` header: the person id of whoever asked it for the report. A service
believes that header only from a caller holding a role in ``ON_BEHALF_ROLES``; from anyone else
(a person's token, another service's) it is ignored and the caller is the requester.

What depends on it: the access report sections of intake, review and notification withhold the
items that would reveal who wrote an anonymous idea unless the requester is the person
themselves (``sees_own_data``); they count what they withheld (``ANONYMOUS_WITHHELD_NOTE``).
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Header

from ideapaja_contracts.base import ID_PATTERN
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.authz import ServiceRole, is_service

REQUESTED_BY_HEADER = "Ideapaja-Requested-By"
# Service roles whose REQUESTED_BY_HEADER is believed: the privacy service's access report.
ON_BEHALF_ROLES: frozenset[str] = frozenset({ServiceRole.PRIVACY.value})
_PERSON_ID = re.compile(ID_PATTERN)

ANONYMOUS_WITHHELD_NOTE = (
    "Items that would reveal who wrote an anonymous idea are withheld (only counted) here: they "
    "are shown only in the person's own report."
)

RequestedByHeader = Annotated[
    str | None,
    Header(
        alias=REQUESTED_BY_HEADER,
        description=(
            "The person on whose behalf the privacy service asks (the one who requested the "
            "access report). Believed only from a caller with the privacy-service role; "
            "ignored from anyone else, whose own identity is then the requester."
        ),
        examples=["p-does-not-exist"],
    ),
]


def requester_id(principal: Principal, requested_by: str | None) -> str | None:
    """Who the request is for: the person a trusted service names, else the calling person;
    None for a service that names nobody (or names them malformed), which is nobody's own."""
    if principal.has_any(*ON_BEHALF_ROLES):
        if requested_by is not None and _PERSON_ID.fullmatch(requested_by):
            return requested_by
        return None
    if is_service(principal):
        return None
    return principal.person_id


def sees_own_data(principal: Principal, requested_by: str | None, subject_id: str) -> bool:
    """Whether the request is the data subject's own (directly or through the privacy
    service): then everything held on them is shown, authorship of anonymous ideas included."""
    return requester_id(principal, requested_by) == subject_id
