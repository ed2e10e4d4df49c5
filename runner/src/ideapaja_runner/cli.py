"""The ``ideapaja`` command.

ideapaja up [--state-dir .ideapaja] [--demo] [--host 127.0.0.1] [--nats-port 4223]
            [--nats-url URL[,URL...]] [--database-url postgresql+asyncpg://…/PREFIX]
            [--smtp-port 1025] [--mail-port 8025] [--issuer-port 8020]
            [--port SERVICE=PORT ...]
            [--only [SERVICE ...]] [--skip SERVICE ...] [--no-services] [--follow]
ideapaja token --person ID [--role ROLE ...] [--unit UNIT ...] [--from-csv [FILE]] [--ttl 3600]
ideapaja hr import FILE.csv [--nats-url URL] [--state-dir DIR] [--partial] [--dry-run]
ideapaja hr leave PERSON_ID --on YYYY-MM-DD [--nats-url URL] [--state-dir DIR]
ideapaja dlq list [--nats-url URL] [--state-dir DIR] [--stream IDEAPAJA_DLQ] [--json]
ideapaja dlq show SEQ
ideapaja dlq replay SEQ [SEQ ...] | --all  [--force]

``--nats-url`` defaults to ``$IDEAPAJA_NATS_URL``, else ``nats://127.0.0.1:4223`` (``ideapaja up``).
NATS credentials (``natsauth``): in the URL, else the ``nats-users.json`` of ``--state-dir``, else
``IDEAPAJA_NATS_USER`` / ``IDEAPAJA_NATS_PASSWORD``, else the default state directory's file; from
a file, ``hr`` logs in as hr-adapter and ``dlq`` as admin. Stream names from
``IDEAPAJA_LIFECYCLE_STREAM`` / ``IDEAPAJA_HR_STREAM`` / ``IDEAPAJA_DEAD_LETTER_STREAM``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from ideapaja_runner import devissuer, hr_import, hr_records, natsauth
from ideapaja_runner.state import DEFAULT_STATE_DIR, StateDir


def _default_nats_url() -> str:
    return os.environ.get("IDEAPAJA_NATS_URL", hr_import.DEFAULT_NATS_URL)


def _service_port(value: str) -> tuple[str, int]:
    name, sep, port = value.partition("=")
    if not sep or not name or not port.isdigit() or not 0 < int(port) < 65536:
        raise argparse.ArgumentTypeError(f"expected SERVICE=PORT, got {value!r}")
    return name, int(port)


def _port(value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise argparse.ArgumentTypeError(f"not a TCP port: {value!r}")
    return int(value)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected YYYY-MM-DD, got {value!r}") from None


def _state_dir_for_credentials(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--state-dir",
        type=Path,
        default=None,
        help="take the NATS credentials from this `ideapaja up` state directory's "
        f"nats-users.json (default: the URL, IDEAPAJA_NATS_USER/PASSWORD, or {DEFAULT_STATE_DIR})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ideapaja",
        description="Ideapaja: run the embedded stack and operate it.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p_up = commands.add_parser(
        "up",
        help="start NATS, the mail catcher and every installed service",
        description="Start a real nats-server (JetStream), a local SMTP catcher and every "
        "installed service (SQLite, or PostgreSQL with --database-url) as local processes; "
        "Ctrl-C stops them. Data is kept in the state directory (and the databases), so the "
        "next `up` resumes.",
    )
    p_up.add_argument(
        "--state-dir",
        type=Path,
        default=Path(DEFAULT_STATE_DIR),
        help=f"where data, logs and keys are kept (default {DEFAULT_STATE_DIR})",
    )
    p_up.add_argument(
        "--demo",
        action="store_true",
        help="import the demo organisation (Kuusijärvi) into the HR stream",
    )
    p_up.add_argument(
        "--host", default="127.0.0.1", help="address the services and the mail web page listen on"
    )
    p_up.add_argument("--nats-port", type=_port, default=4223, help="default 4223")
    p_up.add_argument(
        "--nats-url",
        help="use this NATS (one URL, or a cluster's servers comma-separated) instead of "
        "starting one; it must know the users of nats-users.json in the state directory",
    )
    p_up.add_argument(
        "--database-url",
        metavar="postgresql+asyncpg://USER@HOST:PORT/PREFIX",
        help="run every service on PostgreSQL, each in its own database PREFIX_<service> "
        "(created if missing) instead of SQLite in the state directory",
    )
    p_up.add_argument("--smtp-port", type=_port, default=1025, help="default 1025")
    p_up.add_argument(
        "--mail-port", type=_port, default=8025, help="mail list over HTTP (default 8025)"
    )
    p_up.add_argument(
        "--issuer-port",
        type=_port,
        default=8020,
        help="dev issuer's OAuth2 token endpoint, where services get their own tokens "
        "(default 8020)",
    )
    p_up.add_argument(
        "--port",
        type=_service_port,
        action="append",
        default=[],
        metavar="SERVICE=PORT",
        help="HTTP port of one service (repeatable)",
    )
    p_up.add_argument(
        "--only",
        nargs="*",
        action="extend",
        metavar="SERVICE",
        help="start only these services (none if given without names)",
    )
    p_up.add_argument(
        "--skip",
        action="append",
        default=[],
        metavar="SERVICE",
        help="do not start this service (repeatable)",
    )
    p_up.add_argument("--no-services", action="store_true", help="only NATS and the mail catcher")
    p_up.add_argument(
        "--ready-timeout",
        type=float,
        default=60.0,
        help="seconds to wait for each service's /readyz (default 60)",
    )
    p_up.add_argument(
        "--stop-timeout",
        type=float,
        default=20.0,
        help="seconds services get to stop after SIGTERM (default 20)",
    )
    p_up.add_argument(
        "--max-restarts",
        type=int,
        default=5,
        help="a process that dies is started again after a back-off (1 s, doubling up to 30 s); "
        "more than this many deaths of one process within 5 minutes stops everything "
        "(default 5; 0: stop everything at the first death)",
    )
    p_up.add_argument("--log-level", default="INFO", help="services' log level (default INFO)")
    p_up.add_argument(
        "--follow",
        action="store_true",
        help="also print the services' logs here, each line prefixed by [service]",
    )

    p_token = commands.add_parser(
        "token",
        help="print a dev JWT for calling the APIs",
        description="Print an RS256 JWT signed by the dev issuer key of the state directory "
        "(created if missing). Use it as `Authorization: Bearer <token>`.",
    )
    p_token.add_argument("--person", required=True, help="person id (sub), e.g. p-1001")
    p_token.add_argument(
        "--role",
        action="append",
        default=[],
        help=f"role (repeatable): {', '.join(devissuer.KNOWN_ROLES)}",
    )
    p_token.add_argument("--unit", action="append", default=[], help="unit id (repeatable)")
    p_token.add_argument(
        "--from-csv",
        nargs="?",
        const="demo",
        metavar="FILE",
        help="add the person's roles and unit from an HR CSV (the demo organisation if no FILE)",
    )
    p_token.add_argument("--state-dir", type=Path, default=Path(DEFAULT_STATE_DIR))
    p_token.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")

    p_hr = commands.add_parser("hr", help="publish organisation data (as the HR adapter does)")
    hr_commands = p_hr.add_subparsers(dest="hr_command", required=True, metavar="COMMAND")
    p_import = hr_commands.add_parser(
        "import",
        help="publish units and persons from a CSV file",
        description=hr_import.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p_import.add_argument("file", type=Path)
    p_import.add_argument("--nats-url", default=_default_nats_url())
    _state_dir_for_credentials(p_import)
    p_import.add_argument(
        "--partial", action="store_true", help="allow parent_id/unit_id not defined in this file"
    )
    p_import.add_argument("--dry-run", action="store_true", help="validate and list only")
    p_leave = hr_commands.add_parser("leave", help="publish that a person left the city")
    p_leave.add_argument("person_id")
    p_leave.add_argument("--on", type=_date, required=True, metavar="YYYY-MM-DD")
    p_leave.add_argument("--nats-url", default=_default_nats_url())
    _state_dir_for_credentials(p_leave)

    p_dlq = commands.add_parser("dlq", help="list and replay dead letters")
    dlq_commands = p_dlq.add_subparsers(dest="dlq_command", required=True, metavar="COMMAND")
    for name, text in (
        ("list", "list dead letters"),
        ("show", "show one dead letter with its body"),
        ("replay", "publish dead letters to their original subject again, then delete them"),
    ):
        sub = dlq_commands.add_parser(name, help=text, description=text)
        sub.add_argument("--nats-url", default=_default_nats_url())
        _state_dir_for_credentials(sub)
        sub.add_argument("--stream", default=None, help="dead-letter stream (IDEAPAJA_DLQ)")
        if name == "list":
            sub.add_argument("--json", action="store_true", help="a JSON array")
        if name == "show":
            sub.add_argument("seq", type=int)
        if name == "replay":
            sub.add_argument("seq", type=int, nargs="*")
            sub.add_argument("--all", action="store_true", help="replay every dead letter")
            sub.add_argument(
                "--force", action="store_true", help="replay an HR record even over a newer version"
            )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    handler = {
        "up": cmd_up,
        "token": cmd_token,
        "hr": cmd_hr,
        "dlq": cmd_dlq,
    }[args.command]
    sys.exit(handler(args))


def fail(message: str, code: int = 1) -> int:
    print(f"ideapaja: {message}", file=sys.stderr)
    return code


def cmd_up(args: argparse.Namespace) -> int:
    from ideapaja_runner.supervisor import UpOptions, up

    ports: dict[str, int] = {}
    for name, port in args.port:
        ports[name] = port
    only = [] if args.no_services else args.only
    return up(
        UpOptions(
            state_dir=args.state_dir,
            demo=args.demo,
            host=args.host,
            nats_port=args.nats_port,
            nats_url=args.nats_url,
            database_url=args.database_url,
            smtp_port=args.smtp_port,
            mail_port=args.mail_port,
            issuer_port=args.issuer_port,
            ports=ports,
            only=only,
            skip=args.skip,
            ready_timeout=args.ready_timeout,
            stop_timeout=args.stop_timeout,
            max_restarts=max(0, args.max_restarts),
            log_level=args.log_level,
            follow=args.follow,
        )
    )


def cmd_token(args: argparse.Namespace) -> int:
    roles: list[str] = list(args.role)
    units: list[str] = list(args.unit)
    if args.from_csv:
        try:
            text = (
                hr_records.demo_csv_text()
                if args.from_csv == "demo"
                else hr_records.read_csv_file(Path(args.from_csv))
            )
            org = hr_records.parse_organisation(text, source=args.from_csv, partial=True)
            csv_roles, csv_units = hr_records.person_claims(org, args.person)
        except hr_records.CsvError as exc:
            return fail(str(exc))
        except KeyError:
            return fail(f"person {args.person} is not in {args.from_csv}")
        roles = csv_roles + roles
        units = csv_units + units
    if not roles:
        roles = ["employee"]
    unknown = [r for r in roles if r not in devissuer.KNOWN_ROLES]
    if unknown:
        print(
            f"ideapaja: warning: role(s) not used by Ideapaja: {', '.join(unknown)}",
            file=sys.stderr,
        )
    try:
        token = devissuer.issue_token(
            StateDir.at(args.state_dir),
            person_id=args.person,
            roles=roles,
            units=units,
            ttl_seconds=args.ttl,
        )
    except devissuer.TokenError as exc:
        return fail(str(exc), 2)
    print(token)
    return 0


def cmd_hr(args: argparse.Namespace) -> int:
    try:
        if args.hr_command == "import":
            text = hr_records.read_csv_file(args.file)
            org = hr_records.parse_organisation(text, source=str(args.file), partial=args.partial)
            if args.dry_run:
                for event in org.events:
                    print(f"{event.subject()}\t{event.model_dump_json()}")
                print(
                    f"{len(org.units)} unit(s), {len(org.persons)} person(s): valid; "
                    "nothing published (--dry-run)"
                )
                return 0
            credentials = natsauth.resolve(args.nats_url, natsauth.HR_ADAPTER, args.state_dir)
            summary = asyncio.run(
                hr_import.publish_to_nats(org.events, args.nats_url, credentials=credentials)
            )
            print(f"{args.file}: {len(org.units)} unit(s), {len(org.persons)} person(s): {summary}")
            return 0
        event = hr_records.person_left(args.person_id, args.on)
        credentials = natsauth.resolve(args.nats_url, natsauth.HR_ADAPTER, args.state_dir)
        summary = asyncio.run(
            hr_import.publish_to_nats([event], args.nats_url, credentials=credentials)
        )
        print(f"{event.subject()}: person {args.person_id} left on {args.on}: {summary}")
        return 0
    except hr_records.CsvError as exc:
        return fail(str(exc))
    except (hr_import.HrPublishError, natsauth.CredentialsError) as exc:
        return fail(str(exc))


def cmd_dlq(args: argparse.Namespace) -> int:
    from ideapaja_runner import deadletters
    from ideapaja_runtime.settings import ServiceSettings

    overrides = {"nats_url": args.nats_url}
    if args.stream:
        overrides["dead_letter_stream"] = args.stream
    settings = ServiceSettings(**overrides)
    try:
        credentials = natsauth.resolve(args.nats_url, natsauth.ADMIN, args.state_dir)
        return asyncio.run(_dlq(args, settings, credentials))
    except (
        deadletters.DeadLetterError,
        hr_import.HrPublishError,
        natsauth.CredentialsError,
    ) as exc:
        return fail(str(exc))


async def _dlq(
    args: argparse.Namespace, settings: object, credentials: natsauth.Credentials
) -> int:
    from ideapaja_runner import deadletters
    from ideapaja_runtime.settings import ServiceSettings

    assert isinstance(settings, ServiceSettings)
    stream = settings.dead_letter_stream
    async with hr_import.connect(args.nats_url, credentials=credentials) as (_nc, js):
        if args.dlq_command == "list":
            letters = await deadletters.list_dead_letters(js, stream)
            if args.json:
                # One JSON array, empty when there are none: a script can always parse it.
                print(json.dumps([letter.as_dict() for letter in letters], ensure_ascii=False))
                return 0
            if not letters:
                print(f"no dead letters in {stream}")
                return 0
            for letter in letters:
                when = letter.time.isoformat(timespec="seconds") if letter.time else "?"
                print(
                    f"#{letter.seq}  {when}  consumer={letter.consumer or '?'}  "
                    f"subject={letter.original_subject or '?'}  type={letter.event_type or '?'}  "
                    f"id={letter.event_id or '?'}  deliveries={letter.deliveries or '?'}\n"
                    f"    reason: {letter.reason or '(none given)'}"
                )
            print(
                f"{len(letters)} dead letter(s) in {stream}; "
                "replay with `ideapaja dlq replay <seq>`"
            )
            return 0
        if args.dlq_command == "show":
            letter = await deadletters.get_dead_letter(js, stream, args.seq)
            print(json.dumps(letter.as_dict(), ensure_ascii=False, indent=2))
            print("headers:")
            for key, value in letter.headers.items():
                print(f"  {key}: {value}")
            print("body:")
            print(letter.data.decode("utf-8", errors="replace"))
            return 0
        seqs: list[int] = list(args.seq)
        if args.all:
            seqs += [letter.seq for letter in await deadletters.list_dead_letters(js, stream)]
        if not seqs:
            return fail("give the sequence number(s) to replay, or --all", 2)
        failures = 0
        for seq in dict.fromkeys(seqs):
            try:
                done = await deadletters.replay(js, seq, settings=settings, force=args.force)
            except deadletters.DeadLetterError as exc:
                print(f"ideapaja: #{seq}: {exc}", file=sys.stderr)
                failures += 1
                continue
            note = " (JetStream: duplicate, already replayed)" if done.duplicate else ""
            print(
                f"#{seq} replayed to {done.subject} ({done.stream} seq {done.seq}){note}; "
                "removed from the dead letters"
            )
        return 1 if failures else 0


if __name__ == "__main__":
    main()
