"""Who may do what in the intake service: the one table every route uses (see runtime authz).

The roles say who may *attempt* an action and are checked before anything is read; the object
rules (domain/visibility.py and the use cases) then decide on the idea, draft or invitation at
hand and refuse with ``ForbiddenObject`` (reason "object"), or answer 404 where an object's
existence is itself private (drafts, citizens' ideas).

Every staff role may take part in ideas; a token without roles sees nothing internal. Citizens
(the optional citizen channel) hold the extra role ``citizen``: their own channel, and the units
and categories its form needs, nothing else. A deployment whose citizen identity provider calls
the role otherwise names it in ``IDEAPAJA_INTAKE_CITIZEN_ROLE``; the policy reads tokens in the
table's terms (``adapt``).
"""

from __future__ import annotations

from dataclasses import replace

from fastapi import Request

from ideapaja_intake.domain.visibility import MODERATOR_ROLES, REPORTING_ROLES, REVIEWER_ROLES
from ideapaja_intake.settings import IntakeSettings
from ideapaja_runtime.access_report import access_report_permission
from ideapaja_runtime.auth import Principal
from ideapaja_runtime.authz import STAFF, FormToken, Policy, Scope, allow

CITIZEN = "citizen"
# Reviewers read every idea and list; everyone else their own.
REVIEWERS_SEE_ALL = {role: Scope.ANY for role in REVIEWER_ROLES}
# Plain HTML forms: a form token from POST /form-tokens (a bearer token also works where a
# script or server calls).
FORM_FIELD = FormToken(issued_by="POST /form-tokens", location="form", bearer=True)
PAGE_QUERY = FormToken(issued_by="POST /form-tokens", location="query", bearer=True)
PAGE_FORM = FormToken(issued_by="POST /form-tokens", location="form", bearer=False)
# The page's co-author search (its script): the page's form token in the query (GET /people
# takes the bearer token).
PAGE_SEARCH = FormToken(issued_by="POST /form-tokens", location="query", bearer=False)


def _in_table_terms(request: Request, principal: Principal) -> Principal:
    """The policy's ``adapt``: the token's principal in the table's terms, before every check (the
    admitted principal, the route's actor, carries the table's role names)."""
    settings: IntakeSettings = request.app.state.settings
    return in_table_terms(principal, settings.citizen_role)


POLICY = Policy(
    "intake",
    [
        # --- submitting and following ideas -----------------------------------------------
        allow(
            "ideas.submit",
            STAFF,
            "Submit an idea in my name (JSON API)",
            default_scope=Scope.OWN,
        ),
        allow(
            "ideas.submit_form",
            STAFF,
            "Submit an idea in my name from the intranet's plain HTML form",
            default_scope=Scope.OWN,
        ),
        allow(
            "ideas.similar",
            STAFF,
            "Find existing ideas like the one being typed",
        ),
        allow(
            "ideas.read",
            STAFF,
            "Read an idea, its status history and versions (its authors and invited co-authors; "
            "reviewers any)",
            default_scope=Scope.OWN,
            **REVIEWERS_SEE_ALL,
        ),
        allow(
            "ideas.list",
            STAFF,
            "List and search ideas (my own with mine=true; reviewers all)",
            default_scope=Scope.OWN,
            **REVIEWERS_SEE_ALL,
        ),
        allow(
            "ideas.edit",
            STAFF,
            "Edit an idea into a new version (its confirmed authors, while submitted or "
            "needs_info)",
            default_scope=Scope.OWN,
        ),
        allow(
            "ideas.withdraw",
            STAFF,
            "Withdraw an idea (its confirmed authors, until a final decision)",
            default_scope=Scope.OWN,
        ),
        # --- colleagues ----------------------------------------------------------------------
        allow("public.list", STAFF, "List and search the ideas colleagues see"),
        allow("public.read", STAFF, "Read an idea as colleagues see it, with its timeline"),
        allow(
            "supports.write",
            STAFF,
            "Support an idea or withdraw my support (not on my own idea)",
        ),
        allow("comments.read", STAFF, "Read an idea's comments"),
        allow("comments.write", STAFF, "Comment on an idea"),
        allow("comments.hide", set(MODERATOR_ROLES), "Hide a comment (moderation)"),
        # --- co-authors and attachments --------------------------------------------------
        allow(
            "co_authors.invite",
            STAFF,
            "Invite a co-author (the idea's confirmed authors)",
            default_scope=Scope.OWN,
        ),
        allow(
            "co_authors.confirm",
            STAFF,
            "Accept an invitation to co-author (the invited person)",
            default_scope=Scope.OWN,
        ),
        allow(
            "co_authors.remove",
            STAFF,
            "Decline an invitation (the invited person) or withdraw it (the authors)",
            default_scope=Scope.OWN,
        ),
        allow(
            "attachments.add",
            STAFF,
            "Attach a file to an idea (its confirmed authors, while under review)",
            default_scope=Scope.OWN,
        ),
        allow(
            "attachments.read",
            STAFF,
            "Download an attachment (of a public idea; otherwise its authors and reviewers)",
        ),
        # --- drafts ------------------------------------------------------------------------
        allow("drafts.read", STAFF, "Read my drafts", default_scope=Scope.OWN),
        allow("drafts.write", STAFF, "Save, replace or delete my draft", default_scope=Scope.OWN),
        allow("drafts.submit", STAFF, "Submit my draft as an idea", default_scope=Scope.OWN),
        # --- plain HTML forms and the embeddable page --------------------------------------
        allow(
            "form_tokens.issue",
            STAFF,
            "Get a short-lived form token in my name for a plain HTML form or the page",
            default_scope=Scope.OWN,
        ),
        allow(
            "embed.read",
            STAFF,
            "Open the embeddable idea form page",
            default_scope=Scope.OWN,
        ),
        allow(
            "embed.submit",
            STAFF,
            "Submit the embeddable idea form page in my name",
            default_scope=Scope.OWN,
        ),
        # --- the citizen channel (off unless the city opens it: 404) ----------------------
        allow(
            "citizen.submit",
            {CITIZEN},
            "Submit an idea as a citizen or customer",
            default_scope=Scope.OWN,
        ),
        allow(
            "citizen.read",
            {CITIZEN},
            "Read my ideas as a citizen, without internal data",
            default_scope=Scope.OWN,
        ),
        # --- reporting and the forms' lists --------------------------------------------------
        allow(
            "reports.export",
            set(REPORTING_ROLES),
            "Export ideas as CSV (never the authors of anonymous ideas)",
        ),
        allow(
            "units.read",
            STAFF | {CITIZEN},
            "Read the units and departments an idea can concern (also for the citizen form)",
        ),
        allow(
            "people.search",
            STAFF,
            "Find colleagues by name and unit for choosing co-authors (active staff; no contact "
            "details)",
        ),
        allow(
            "categories.read",
            STAFF | {CITIZEN},
            "Read the idea categories and benefit kinds (also for the citizen form)",
        ),
        # --- data protection -----------------------------------------------------------------
        access_report_permission(),
    ],
    extra_roles={CITIZEN},
    adapt=_in_table_terms,
)


def in_table_terms(principal: Principal, citizen_role: str) -> Principal:
    """The principal with the deployment's citizen role (``CITIZEN_ROLE``) called ``citizen``,
    as the table calls it; a token's own ``citizen`` counts only if that is the name in use."""
    if citizen_role == CITIZEN:
        return principal
    roles = principal.roles - {CITIZEN}
    if citizen_role in principal.roles:
        roles |= {CITIZEN}
    return replace(principal, roles=frozenset(roles))


def check(action: str, principal: Principal, citizen_role: str) -> Principal:
    """``POLICY.check`` in the table's terms (for the form-token routes)."""
    return POLICY.check(action, in_table_terms(principal, citizen_role))
