"""Who may do what in the notification service: the one table every route uses."""

from __future__ import annotations

from ideapaja_runtime.authz import AUTHENTICATED, Policy, Role, Scope, ServiceRole, allow

POLICY = Policy(
    "notification",
    [
        allow(
            "notifications.read_own",
            AUTHENTICATED,
            "Read the messages sent to me",
            default_scope=Scope.OWN,
        ),
        allow("deliveries.read", {Role.ADMIN}, "Read deliveries by status (operators)"),
        allow("deliveries.retry", {Role.ADMIN}, "Queue a failed delivery again (operators)"),
        allow(
            "privacy.report",
            AUTHENTICATED | {ServiceRole.PRIVACY},
            "Read everything held on a person (GDPR access report): their own, or anyone's for "
            "HR, admins and the privacy service (its access report, with its own token)",
            default_scope=Scope.OWN,
            hr=Scope.ANY,
            admin=Scope.ANY,
            **{ServiceRole.PRIVACY: Scope.ANY},
        ),
    ],
)
