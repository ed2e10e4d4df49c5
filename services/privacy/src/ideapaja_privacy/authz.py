"""Who may do what in the privacy service: the one table every route uses (see runtime authz)."""

from __future__ import annotations

from ideapaja_runtime.authz import AUTHENTICATED, Policy, Role, Scope, allow
from ideapaja_runtime.dead_letters import dead_letters_permission

POLICY = Policy(
    "privacy",
    [
        allow(
            "erasures.request",
            {Role.HR, Role.ADMIN},
            "Request the erasure of a person's personal data in every service (and HR stream)",
        ),
        allow(
            "erasures.read",
            {Role.HR, Role.ADMIN},
            "Read erasures, and a person's erasure and retention status",
        ),
        allow(
            "report.read",
            AUTHENTICATED,
            "Read the access report: everything every service holds on a person (people read "
            "their own; HR and admins anyone's). Every view is audited",
            default_scope=Scope.OWN,
            hr=Scope.ANY,
            admin=Scope.ANY,
        ),
        allow("audit.read", {Role.ADMIN}, "Read the privacy audit log"),
        # Privacy already reads the dead-letter stream (erasures delete the letters naming a
        # person), so it is the service that shows admins the list (runtime's dead_letters).
        dead_letters_permission(),
    ],
)
