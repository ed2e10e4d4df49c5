"""Who may do what in the reward service: the one table every route uses (see runtime authz)."""

from __future__ import annotations

from ideapaja_runtime.access_report import access_report_permission
from ideapaja_runtime.authz import AUTHENTICATED, Policy, Role, Scope, allow

POLICY = Policy(
    "reward",
    [
        allow(
            "ledger.read_own", AUTHENTICATED, "Read my own points ledger", default_scope=Scope.OWN
        ),
        allow(
            "ledger.read",
            AUTHENTICATED,
            "Read a person's points ledger",
            default_scope=Scope.OWN,
            hr=Scope.ANY,
            reward_approver=Scope.ANY,
            admin=Scope.ANY,
        ),
        allow(
            "grants.read", {Role.HR, Role.ADMIN}, "Read granted rewards (payroll reconciliation)"
        ),
        access_report_permission(),
        allow(
            "activity.read",
            {Role.MANAGEMENT, Role.ADMIN, Role.HR, Role.SUPERVISOR},
            "Read units' idea activity, per headcount and over time (supervisors: their own "
            "units and the units below them)",
            supervisor=Scope.UNIT,
        ),
        # Periodic awards: idea of the month / of the year, unit of the year.
        allow("award_rounds.read", AUTHENTICATED, "Read periodic award rounds and candidates"),
        allow(
            "award_rounds.open",
            {Role.ADMIN, Role.COMMITTEE_MEMBER},
            "Open a periodic award round",
        ),
        allow(
            "award_rounds.nominate",
            AUTHENTICATED,
            "Nominate an idea or a unit for a periodic award (any employee)",
        ),
        allow(
            "award_rounds.vote",
            {Role.COMMITTEE_MEMBER},
            "Vote in a periodic award round (committee members only)",
        ),
        allow(
            "award_rounds.decide",
            {Role.ADMIN, Role.COMMITTEE_MEMBER},
            "Decide a periodic award round and grant it (admins, or committee members who also "
            "hold the management role: the committee chair)",
        ),
    ],
)
