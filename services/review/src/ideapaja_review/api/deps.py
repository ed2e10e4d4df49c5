"""What every route shares: the service's typed unit of work, path parameters, the documented
error answers, and the work-list gate. Role checks are the policy table's
(``ideapaja_review.authz``); refusals are mapped to problem+json once (``errors.py``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends

from ideapaja_review.settings import ReviewSettings
from ideapaja_runtime.deps import get_runtime, id_path
from ideapaja_runtime.problems import PROBLEM_SCHEMA
from ideapaja_runtime.routes import current_unit_of_work
from ideapaja_runtime.service import Runtime
from ideapaja_runtime.uow import UnitOfWork

ReviewUow = Annotated[UnitOfWork[ReviewSettings], Depends(current_unit_of_work)]
# Only for work of several transactions (the deadline sweep's batches).
ReviewRuntime = Annotated[Runtime[ReviewSettings], Depends(get_runtime)]


CaseId = Annotated[str, id_path("The case's id.")]
IdeaId = Annotated[str, id_path("The idea's id (its current case is meant).")]
CommitteeId = Annotated[str, id_path("The committee's id.")]
MeetingId = Annotated[str, id_path("The meeting's id.")]
AgendaCaseId = Annotated[str, id_path("The id of the case on the meeting's agenda.")]
ExperimentId = Annotated[str, id_path("The experiment's id.")]
PracticeId = Annotated[str, id_path("The good practice's id.")]
PersonId = Annotated[str, id_path("The person's id.")]
UnitId = Annotated[str, id_path("The unit's id.")]
DepartmentId = Annotated[
    str, id_path("The department whose rule is meant, or 'default' for the city-wide rule.")
]

# The error answers a route can give besides 401/403/413/422 (documented on every app).
Responses = dict[int | str, dict[str, Any]]
NOT_FOUND: Responses = {404: PROBLEM_SCHEMA}
CONFLICT: Responses = {409: PROBLEM_SCHEMA}
NOT_FOUND_OR_CONFLICT: Responses = {404: PROBLEM_SCHEMA, 409: PROBLEM_SCHEMA}
