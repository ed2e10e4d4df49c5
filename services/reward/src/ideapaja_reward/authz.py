"""Who may do what in the reward service: the one table every route uses (see runtime authz)."""

from __future__ import annotations

from ideapaja_runtime.access_report import access_report_permission
from ideapaja_runtime.authz import AUTHENTICATED, Policy, Role, Scope, allow

# Who may propose an award (a supervisor for ideas of their own units).
PROPOSERS = {Role.SUPERVISOR, Role.COMMITTEE_MEMBER, Role.MANAGEMENT, Role.ADMIN}
# The roles an approval level may name (IDEAPAJA_REWARD_APPROVAL_LIMITS); which step each may
# decide is the chain's rule (usecases/awards.py), not the table's.
APPROVER_ROLES = {
    Role.SUPERVISOR,
    Role.COMMITTEE_MEMBER,
    Role.REWARD_APPROVER,
    Role.MANAGEMENT,
    Role.HR,
    Role.ADMIN,
}
# Those who follow awards and budgets (supervisors: their own units' awards).
AWARD_READERS = APPROVER_ROLES

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
            {Role.MANAGEMENT, Role.ADMIN, Role.HR, Role.SUPERVISOR},
            "Read units' idea activity, per headcount and over time (supervisors: their own "
            "units and the units below them)",
            supervisor=Scope.UNIT,
        ),
        allow(
            "awards.propose",
            PROPOSERS,
            "Propose an award for an idea's authors",
            supervisor=Scope.UNIT,
        ),
        allow(
            "awards.read",
            AWARD_READERS,
            "Read awards and their approval trails",
            supervisor=Scope.UNIT,
        ),
        allow(
            "awards.decide",
            APPROVER_ROLES,
            "Approve or reject an award's waiting step (as its chain allows)",
        ),
        allow("budgets.set", {Role.HR, Role.ADMIN}, "Set a department's award budget for a year"),
        allow(
            "budgets.read",
            {Role.HR, Role.ADMIN, Role.MANAGEMENT, Role.COMMITTEE_MEMBER, Role.REWARD_APPROVER},
            "Read department award budgets: committed and left",
        ),
        allow(
            "grants.report",
            {Role.HR, Role.ADMIN},
            "Report the grants of a period, one row per grant and person (CSV), and their totals",
        ),
        allow(
            "grants.totals",
            {Role.HR, Role.ADMIN, Role.MANAGEMENT},
            "Read the totals of a period's grants per unit, department and kind (no person "
            "named: the management group's dashboard shows them too)",
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
