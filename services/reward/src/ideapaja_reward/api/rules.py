"""HTTP API: the incentive rules in force, every version of them, and an admin's new version."""

from __future__ import annotations

from ideapaja_reward.api.deps import CONFLICT, RewardUow
from ideapaja_reward.authz import POLICY
from ideapaja_reward.schemas import RuleVersionCreate, RuleVersionPublic
from ideapaja_reward.usecases import rulebook
from ideapaja_runtime.pagination import Page, PageParams
from ideapaja_runtime.routes import service_router

router = service_router(tags=["rules"])


@router.get(
    "/rules",
    summary="The incentive rules in force, with who put them in force, when and why",
    response_model=RuleVersionPublic,
    **POLICY.route("rules.read"),
)
async def read_rules(uow: RewardUow) -> RuleVersionPublic:
    return RuleVersionPublic.model_validate(await rulebook.current_version(uow))


@router.get(
    "/rules/versions",
    summary="Every version of the incentive rules, newest first",
    response_model=Page[RuleVersionPublic],
    **POLICY.route("rules.read"),
)
async def list_rule_versions(uow: RewardUow, page: PageParams) -> Page[RuleVersionPublic]:
    rows, total, next_cursor = await rulebook.versions(uow, page)
    return Page(
        items=[RuleVersionPublic.model_validate(row) for row in rows],
        total=total,
        limit=page.limit,
        next_cursor=next_cursor,
    )


@router.post(
    "/rules/versions",
    summary="Put a new version of the incentive rules in force (admin)",
    response_model=RuleVersionPublic,
    status_code=201,
    responses=CONFLICT,
    **POLICY.route(
        "rules.change",
        description="The whole rule set, validated: an unknown outcome, negative or fractional "
        "points or a cap of 0 is a 422 naming the rule. Outcomes from now on are computed by "
        "the new version; entries already in the ledger keep the version that computed them.",
    ),
)
async def create_rule_version(body: RuleVersionCreate, uow: RewardUow) -> RuleVersionPublic:
    row = await rulebook.new_version(uow, body.rules, body.reason, based_on=body.based_on)
    return RuleVersionPublic.model_validate(row)
