"""Who may do what in the review service: the one table every route uses (see runtime authz).

The roles say who may *attempt* an action; the object rules in ``domain/access.py`` and the use
cases (``usecases/``) then decide on the case, committee or practice at hand and refuse with
``NotAllowed`` (403, reason "object").

Case work is open to every staff role at role level on purpose: a department's routing rule may
name any role but ``employee`` as its reviewers or deciders, and an admin may assign any employee
as a unit's change agent in review (which the identity provider does not know). Whether the
caller is on this case's reviewer list, holds the rule's role and is assigned is the object check.
Committee work needs the ``committee_member`` role (review cannot grant it; routing and deciding
city ideas already rely on it); membership of *this* committee, chair/secretary and conflicts of
interest are object checks.
"""

from __future__ import annotations

from ideapaja_runtime.access_report import access_report_permission
from ideapaja_runtime.authz import AUTHENTICATED, STAFF, Policy, Role, Scope, allow

ADMIN_ONLY = {Role.ADMIN}
COMMITTEE_WORK = {Role.COMMITTEE_MEMBER, Role.ADMIN}
OVERSEERS = {Role.ADMIN, Role.MANAGEMENT, Role.SUPERVISOR}

POLICY = Policy(
    "review",
    [
        # --- cases: the reviewers' work ---------------------------------------------------
        allow(
            "cases.list",
            STAFF,
            "The work list: the cases the caller reviews (every case for admins); callers "
            "without a reviewing role must be assigned in review",
            default_scope=Scope.ASSIGNED,
            admin=Scope.ANY,
        ),
        allow(
            "cases.read",
            STAFF,
            "Read a case with its history (its reviewers, its committee's members)",
            default_scope=Scope.ASSIGNED,
            admin=Scope.ANY,
        ),
        allow(
            "cases.screen",
            STAFF,
            "Accept an idea for review (the case's reviewers holding the rule's role)",
            default_scope=Scope.ASSIGNED,
            admin=Scope.ANY,
        ),
        allow(
            "cases.decide",
            STAFF,
            "Decide a case (the case's reviewers; accept/reject needs the rule's decider role)",
            default_scope=Scope.ASSIGNED,
            admin=Scope.ANY,
        ),
        allow(
            "cases.reopen",
            STAFF,
            "Reopen a decision (the case's reviewers holding a decider role; once per case)",
            default_scope=Scope.ASSIGNED,
            admin=Scope.ANY,
        ),
        # --- after acceptance ---------------------------------------------------------------
        allow(
            "experiments.run",
            STAFF,
            "Start an experiment or record its results (the case's reviewers)",
            default_scope=Scope.ASSIGNED,
            admin=Scope.ANY,
        ),
        allow(
            "experiments.read",
            STAFF,
            "Read experiments and their results (open to everyone signed in)",
        ),
        allow(
            "implementation.start",
            STAFF,
            "Start implementing an accepted idea (the case's reviewers)",
            default_scope=Scope.ASSIGNED,
            admin=Scope.ANY,
        ),
        allow(
            "implementation.report",
            STAFF,
            "Report implementation progress or completion (the owner, the case's reviewers)",
            default_scope=Scope.ASSIGNED,
            admin=Scope.ANY,
        ),
        allow(
            "implementation.read",
            STAFF,
            "Read an idea's implementation (open to everyone signed in)",
        ),
        allow(
            "practices.publish",
            STAFF,
            "Publish an implemented idea as a good practice (the case's reviewers)",
            default_scope=Scope.ASSIGNED,
            admin=Scope.ANY,
        ),
        allow(
            "practices.read",
            STAFF,
            "Read good practices and their adoptions (open to everyone signed in)",
        ),
        allow(
            "practices.adopt",
            STAFF,
            "Report a unit's adoption of a practice (that unit's supervisor or change agent)",
            default_scope=Scope.UNIT,
            admin=Scope.ANY,
        ),
        # --- an idea's authors ---------------------------------------------------------------
        allow(
            "ideas.read_review",
            AUTHENTICATED,
            "Follow an idea's review (its authors; also the case's reviewers)",
            default_scope=Scope.OWN,
            admin=Scope.ANY,
        ),
        allow(
            "ideas.answer",
            AUTHENTICATED,
            "Answer the reviewers' question on my idea (its authors)",
            default_scope=Scope.OWN,
        ),
        allow(
            "ideas.appeal",
            AUTHENTICATED,
            "Appeal the decision on my idea (its authors; once per case)",
            default_scope=Scope.OWN,
        ),
        # --- committees and meetings ---------------------------------------------------------
        allow("committees.create", ADMIN_ONLY, "Create a committee"),
        allow(
            "committees.read",
            STAFF,
            "Read committees, their members and rubric (open to everyone signed in)",
        ),
        allow(
            "committees.update",
            COMMITTEE_WORK,
            "Change a committee (admins), or its rubric (its chair)",
            committee_member=Scope.ASSIGNED,
        ),
        allow("committees.members", ADMIN_ONLY, "Add, change or remove a committee's members"),
        allow(
            "committees.meetings.read",
            {Role.COMMITTEE_MEMBER, Role.MANAGEMENT, Role.ADMIN},
            "Read a committee's meetings, agendas and item evaluations (its members)",
            committee_member=Scope.ASSIGNED,
        ),
        allow(
            "committees.meetings.organise",
            COMMITTEE_WORK,
            "Call a meeting, change its agenda and attendance, defer items, close it "
            "(the committee's chair or secretary)",
            committee_member=Scope.ASSIGNED,
        ),
        allow(
            "committees.conflicts",
            COMMITTEE_WORK,
            "Record a conflict of interest on an item (a member for themselves; the chair or "
            "secretary for any member)",
            committee_member=Scope.ASSIGNED,
        ),
        allow(
            "committees.score",
            {Role.COMMITTEE_MEMBER},
            "Score an agenda item (the committee's voting members without a conflict of "
            "interest who are not its authors)",
            default_scope=Scope.ASSIGNED,
        ),
        allow(
            "committees.decide",
            COMMITTEE_WORK,
            "Record the committee's decision on an item (its chair; needs quorum)",
            committee_member=Scope.ASSIGNED,
        ),
        allow(
            "committees.minutes",
            STAFF,
            "Read a meeting's minutes (everyone signed in once it is closed; before that its "
            "committee's members, management and admins)",
        ),
        # --- operating review ------------------------------------------------------------------
        allow("rules.read", OVERSEERS, "Read the routing rules in force"),
        allow("rules.write", ADMIN_ONLY, "Store or remove a department's routing rule"),
        allow(
            "network.read",
            STAFF,
            "Read the change-agent network and its workload (open to everyone signed in)",
        ),
        allow("network.manage", ADMIN_ONLY, "Assign a change agent or supervisor, or unassign"),
        allow("workload.read", OVERSEERS, "Read open and overdue cases per reviewer"),
        allow("deadlines.sweep", ADMIN_ONLY, "Escalate every overdue step now"),
        allow(
            "reports.read",
            {Role.MANAGEMENT, Role.ADMIN},
            "Read the city-wide reports: ideas funnel, time to decision, experiments' outcomes",
        ),
        # --- data protection -------------------------------------------------------------------
        access_report_permission(),
    ],
)
