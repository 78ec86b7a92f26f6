"""The `ticketflow` command: run the system, or parts of it, and administer it.

Every command reads `TICKETFLOW_*` settings and takes `--data-dir`. A mistake (a missing
file, a bad setting or desk config, a database or Temporal out of reach) is one line on
standard error and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy.exc import OperationalError

from ticketflow.settings import Settings, package_version

USAGE_ERROR = 2
INTERRUPTED = 130  # as shells report a command ended by Ctrl-C
PRIVATE_UMASK = 0o077


def build_parser() -> argparse.ArgumentParser:
    # --data-dir on every command, so administration finds the data `up --data-dir` uses.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir", type=Path, help="where the databases and the outbox live (default .data)"
    )
    parser = argparse.ArgumentParser(prog="ticketflow", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"ticketflow {package_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help: str, group: bool = False) -> argparse.ArgumentParser:
        # A group's own actions take the common options (argparse lets a subparser's
        # defaults overwrite what its parent parsed).
        parents = [] if group else [common]
        return commands.add_parser(name, help=help, description=help, parents=parents)

    def action(actions: Any, name: str, help: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(
            name, help=help, description=help, parents=[common]
        )
        return parser

    up = command("up", "run Temporal, the workers and the API on embedded defaults")
    up.add_argument(
        "--host", default="127.0.0.1", help="the API's address (Temporal and its UI stay local)"
    )
    up.add_argument("--api-port", type=int, default=8000)
    up.add_argument("--temporal-port", type=int, default=7233)
    up.add_argument("--ui-port", type=int, default=8233)
    up.add_argument(
        "--metrics-port",
        type=int,
        default=9464,
        help="worker n's metrics on this + 2(n-1), the Temporal SDK's of it one above",
    )

    command("worker", "run a Temporal worker")
    api = command("api", "serve the HTTP API")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=8000)
    smtpd = command("smtpd", "receive mail from an MTA over SMTP or LMTP")
    smtpd.add_argument("--host", default="127.0.0.1")
    smtpd.add_argument("--port", type=int, default=8025)
    smtpd.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")
    command("migrate", "create or upgrade the read model schema")
    command("temporal-setup", "register the search attributes on Temporal")

    agent = command("agent", "manage agents: add, list, disable, enable, groups, reset-token", True)
    agent_commands = agent.add_subparsers(dest="agent_command", required=True, metavar="ACTION")
    add = action(agent_commands, "add", "create an agent and print its token")
    add.add_argument("name")
    add.add_argument(
        "--groups",
        required=True,
        help="comma-separated, each named with its project, e.g. mail/first-line,mail/web",
    )
    action(agent_commands, "list", "every agent with its groups and state")
    for name, help in (
        ("disable", "refuse the agent's token from now on"),
        ("enable", "accept the agent's token again"),
        ("reset-token", "print a new token; the old one stops working"),
        ("password", "set the console password, read from standard input"),
        ("log", "the recorded changes to an agent (or to all, without a name)"),
    ):
        sub = action(agent_commands, name, help)
        sub.add_argument("name", nargs="?" if name == "log" else None)
    groups = action(agent_commands, "groups", "replace an agent's groups")
    groups.add_argument("name")
    groups.add_argument("--set", required=True, dest="groups", help="comma-separated")

    desk = command("desk", "show the desk config, or check a candidate file", True)
    desk_commands = desk.add_subparsers(dest="desk_command", required=True, metavar="ACTION")
    action(desk_commands, "show", "queues, groups, SLAs, macros, templates and rules")
    check = action(desk_commands, "check", "validate a desk config file, start nothing")
    check.add_argument("file", type=Path)

    rules = command("rules", "check the desk's routing rules", True)
    rules_commands = rules.add_subparsers(dest="rules_command", required=True, metavar="ACTION")
    rules_test = action(
        rules_commands, "test", "print the routing decision and hints for a message file"
    )
    rules_test.add_argument("message", type=Path, help="a raw RFC 822 message (.eml)")
    rules_test.add_argument(
        "--recipient", action="append", default=[], help="an envelope recipient (repeatable)"
    )

    reports = command("reports", "the reports' figures: rebuild", True)
    report_commands = reports.add_subparsers(
        dest="reports_command", required=True, metavar="ACTION"
    )
    action(report_commands, "rebuild", "fold every ticket's history into its figures anew")

    replay = command(
        "replay",
        "before an upgrade: replay the open tickets' histories on this install's code",
    )
    replay.add_argument(
        "--limit", type=int, default=10_000, help="at most this many tickets (default 10000)"
    )

    accounts = command("accounts", "a project's account directory table: import", True)
    account_commands = accounts.add_subparsers(
        dest="accounts_command", required=True, metavar="ACTION"
    )
    loading = action(
        account_commands, "import", "load accounts from a CSV or JSON Lines file (idempotent)"
    )
    loading.add_argument("file", type=Path)
    loading.add_argument("--project", help="whose directory (default: the first with passwords)")

    claims = command("claims", "customers' sealed claims: purge, rotate-key", True)
    claim_commands = claims.add_subparsers(dest="claims_command", required=True, metavar="ACTION")
    action(claim_commands, "purge", "destroy the claims of tickets closed past the desk's days")
    rotate = action(claim_commands, "rotate-key", "seal every claim and account with a new key")
    rotate.add_argument("--drop-old", action="store_true", help="then remove the old keys")

    quarantine = command("quarantine", "mail kept for review: list, show, retry, drop", True)
    kept = quarantine.add_subparsers(dest="quarantine_command", required=True, metavar="ACTION")
    listing = action(kept, "list", "quarantined and held messages, newest first")
    listing.add_argument("--state", choices=["quarantined", "held", "dropped"])
    listing.add_argument("--limit", type=int, default=100)
    for name, help in (
        ("show", "why a message was kept, and its envelope (--raw: its bytes)"),
        ("retry", "read it again (a held one is let past the sender limit)"),
        ("drop", "it makes no ticket; its bytes stay stored"),
    ):
        sub = action(kept, name, help)
        sub.add_argument("id", type=int)
        if name == "show":
            sub.add_argument("--raw", action="store_true", help="write the message to stdout")
    return parser


def load_settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment, with --data-dir over TICKETFLOW_DATA_DIR."""
    from ticketflow.cli.commands import CommandError

    try:
        if args.data_dir is not None:
            return Settings(data_dir=args.data_dir.resolve())
        return Settings()
    except ValidationError as exc:
        raise CommandError("; ".join(_setting_error(e) for e in exc.errors())) from None


def _setting_error(error: ErrorDetails) -> str:
    reason = error["msg"].removeprefix("Value error, ")
    if not error["loc"]:  # a rule across settings names them itself
        return reason
    return f"TICKETFLOW_{'_'.join(str(p) for p in error['loc']).upper()}: {reason}"


def configure_logging(settings: Settings) -> None:
    from ticketflow.logs import stderr_handler

    root = logging.getLogger()
    if not root.handlers:  # as logging.basicConfig: a host's own logging setup stays
        root.addHandler(stderr_handler("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.setLevel(settings.log_level)
    if settings.log_level != "DEBUG":
        # Alembic tells of every step of every migration at INFO: `migrate` says what changed.
        logging.getLogger("alembic").setLevel(logging.WARNING)
        # aiosmtpd (`ticketflow smtpd`) logs every envelope address at INFO.
        logging.getLogger("mail.log").setLevel(logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit status (2 for a mistake, with its one-line reason)."""
    from ticketflow.cli.commands import COMMANDS, CommandError
    from ticketflow.cli.up import AlreadyRunning, PortBusy
    from ticketflow.components import TemporalUnreachable
    from ticketflow.desk.config import DeskConfigError
    from ticketflow.store.migrate import SchemaNotCurrent

    fixable = (
        AlreadyRunning,
        CommandError,
        DeskConfigError,
        PortBusy,
        SchemaNotCurrent,
        TemporalUnreachable,
    )

    args = build_parser().parse_args(argv)
    # Everything we (and `up`'s children) create is the owner's alone: the databases hold
    # every customer's mail, the data directory holds the webhook secret and the outbox.
    os.umask(PRIVATE_UMASK)
    try:
        settings = load_settings(args)
        configure_logging(settings)
        run: Callable[[argparse.Namespace, Settings], int] = COMMANDS[args.command]
        return run(args, settings)
    except fixable as exc:
        return _refuse(str(exc))
    except OSError as exc:  # a missing or unreadable file named on the command line
        return _refuse(f"{exc.filename or 'file'}: {exc.strerror or exc}")
    except OperationalError as exc:
        return _refuse(f"the read model's database is not reachable: {_first_line(exc.orig)}")
    except KeyboardInterrupt:
        return INTERRUPTED


def _first_line(error: object) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def _refuse(reason: str) -> int:
    print(f"ticketflow: {reason}", file=sys.stderr)
    return USAGE_ERROR


def run() -> None:
    """The console script: leaves without the interpreter's teardown, where the Temporal
    SDK can crash the process after a clean run (sdk-python issue 300)."""
    status = main()
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    run()
