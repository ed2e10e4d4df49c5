"""Who may do what through the portal's own API: only the GDPR access report. The pages are not
an API; each forwards the person's token to the service that decides (see web/context.py)."""

from __future__ import annotations

from ideapaja_runtime.access_report import access_report_permission
from ideapaja_runtime.authz import Policy

POLICY = Policy("portal", [access_report_permission()])
