"""Who may do what in the notification service: the one table every route uses."""

from __future__ import annotations

from ideapaja_runtime.access_report import access_report_permission
from ideapaja_runtime.authz import AUTHENTICATED, Policy, Role, Scope, allow

POLICY = Policy(
    "notification",
    [
        allow(
            "notifications.read_own",
            AUTHENTICATED,
            "Read the messages sent to me",
            default_scope=Scope.OWN,
        ),
        allow(
            "inbox.read_own",
            AUTHENTICATED,
            "Read my in-app inbox and its unread count",
            default_scope=Scope.OWN,
        ),
        allow(
            "inbox.mark_read",
            AUTHENTICATED,
            "Mark items of my in-app inbox read",
            default_scope=Scope.OWN,
        ),
        allow(
            "preferences.read_own",
            AUTHENTICATED,
            "Read how each kind of my messages is e-mailed",
            default_scope=Scope.OWN,
        ),
        allow(
            "preferences.update_own",
            AUTHENTICATED,
            "Choose how each kind of my messages is e-mailed (at once, daily, weekly, off)",
            default_scope=Scope.OWN,
        ),
        allow("deliveries.read", {Role.ADMIN}, "Read deliveries by status (operators)"),
        allow("deliveries.retry", {Role.ADMIN}, "Queue a failed delivery again (operators)"),
        allow("webhooks.read", {Role.ADMIN}, "Read webhook endpoints and their delivery logs"),
        allow(
            "webhooks.manage",
            {Role.ADMIN},
            "Register, change and remove webhook endpoints; rotate their secrets",
        ),
        allow("webhooks.redeliver", {Role.ADMIN}, "Send a webhook delivery again"),
        access_report_permission(),
    ],
)
