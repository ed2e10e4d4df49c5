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
            "ledger.correct",
            {Role.HR, Role.ADMIN},
            "Correct a person's points with a compensating ledger entry",
        ),
        allow(
            "activity.read",
            {Role.MANAGEMENT, Role.ADMIN, Role.SUPERVISOR},
            "Read a unit's idea activity and points",
            supervisor=Scope.UNIT,
        ),
        allow(
            "unit_ledger.read",
            {Role.MANAGEMENT, Role.ADMIN, Role.SUPERVISOR},
            "Read a unit's own points ledger",
            supervisor=Scope.UNIT,
        ),
        allow(
            "rules.read",
            {Role.ADMIN, Role.HR, Role.REWARD_APPROVER, Role.MANAGEMENT},
            "Read the incentive rules in force and every earlier version",
        ),
        allow("rules.change", {Role.ADMIN}, "Put a new version of the incentive rules in force"),
    ],
)
