"""What ``ideapaja up`` prints once everything is ready: where each part listens, where the
credentials and logs are, and commands to copy for a first token and the operator tools."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ideapaja_runner.hr_import import DEFAULT_NATS_URL
from ideapaja_runner.ports import connect_host
from ideapaja_runner.readiness import service_url
from ideapaja_runner.services import ServiceRun
from ideapaja_runner.state import StateDir
from ideapaja_runner.tokenendpoint import SIGN_IN_CLIENTS

if TYPE_CHECKING:
    from ideapaja_runner.supervisor import UpOptions


def running_banner(
    options: UpOptions,
    state: StateDir,
    runs: Sequence[ServiceRun],
    *,
    nats_url: str,
    token_url: str,
    discovery_url: str,
    smtp_host: str,
) -> str:
    opts = options
    mail = f"http://{connect_host(opts.host)}:{opts.mail_port}"
    state_arg = shlex.quote(str(state.root))
    url_arg = "" if nats_url == DEFAULT_NATS_URL else f" --nats-url {nats_url}"
    lines = ["", f"Ideapaja is running (state directory {state.root})", ""]
    # People's way in first: the web application, at its front page.
    for run in runs:
        if run.name in SIGN_IN_CLIENTS:
            lines += [f"  Open {service_url(run, '/')} in a browser and sign in", ""]
    for run in runs:
        lines.append(f"  {run.name:<14} {service_url(run, '/docs')}")
    if not runs:
        lines.append("  (no services installed or selected)")
    lines += [
        f"  {'NATS':<14} {nats_url}  (JetStream, monitoring off)",
        f"  {'NATS users':<14} {state.nats_users}  (passwords; `admin` is the operator's,",
        f"  {'':<14} each service has its own and may publish only its own events)",
        f"  {'SMTP catcher':<14} smtp://{smtp_host}:{opts.smtp_port}",
        f"  {'mail':<14} {mail}/messages  (JSON; {mail}/ in a browser)",
        f"  {'token endpoint':<14} {token_url}  (services' own tokens;",
        f"  {'':<14} client secrets in {state.service_clients})",
        f"  {'OIDC':<14} {discovery_url}",
        f"  {'':<14} (people sign in to the portal here, as anyone of the "
        f"{'demo organisation' if opts.demo else 'organisation: none loaded without --demo'})",
        f"  {'logs':<14} {state.logs}/",
        "",
        "A token for the APIs (RS256, dev issuer; roles: employee, change_agent, supervisor,",
        "committee_member, reward_approver, hr, management, admin):",
        f"  ideapaja token --state-dir {state_arg} --person p-1001 --role employee "
        "--unit u-kirjasto",
    ]
    if opts.demo:
        lines.append(
            f"  ideapaja token --state-dir {state_arg} --from-csv --person p-1001"
            "   (roles and unit from the demo organisation)"
        )
    if runs:
        example = runs[0]
        lines.append(
            f'  curl -H "Authorization: Bearer $(ideapaja token --state-dir {state_arg} '
            f'--person p-1001 --role employee)" {service_url(example, "/readyz")}'
        )
    lines += [
        "",
        "Operator commands find their NATS credentials in the state directory:",
        f"  ideapaja dlq list --state-dir {state_arg}{url_arg}",
        f"  ideapaja hr import FILE.csv --state-dir {state_arg}{url_arg}",
    ]
    lines += ["", "Stop with Ctrl-C.", ""]
    return "\n".join(lines)
