"""The `ticketflow` command: run the system, or parts of it, and administer it."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from pathlib import Path

from ticketflow.settings import Settings

log = logging.getLogger("ticketflow")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ticketflow", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    up = commands.add_parser("up", help="run Temporal, the worker and the API on embedded defaults")
    up.add_argument("--data-dir", type=Path, help="where the databases and the outbox live")
    up.add_argument("--api-port", type=int, default=8000)
    up.add_argument("--temporal-port", type=int, default=7233)
    up.add_argument("--ui-port", type=int, default=8233)

    commands.add_parser("worker", help="run a Temporal worker")
    api = commands.add_parser("api", help="serve the HTTP API")
    api.add_argument("--host", default="127.0.0.1")
    api.add_argument("--port", type=int, default=8000)
    smtpd = commands.add_parser("smtpd", help="receive mail from an MTA over SMTP or LMTP")
    smtpd.add_argument("--host", default="127.0.0.1")
    smtpd.add_argument("--port", type=int, default=8025)
    smtpd.add_argument("--lmtp", action="store_true", help="speak LMTP instead of SMTP")
    commands.add_parser("migrate", help="create or upgrade the read model schema")
    commands.add_parser("temporal-setup", help="register the search attributes on Temporal")

    agent = commands.add_parser("agent", help="manage agents")
    agent_commands = agent.add_subparsers(dest="agent_command", required=True)
    add = agent_commands.add_parser("add", help="create an agent and print its token")
    add.add_argument("name")
    add.add_argument("--groups", required=True, help="comma-separated, e.g. first-line,web")

    rules = commands.add_parser("rules", help="check the desk's routing rules")
    rules_commands = rules.add_subparsers(dest="rules_command", required=True)
    rules_test = rules_commands.add_parser(
        "test", help="print the routing decision and hints for a message file"
    )
    rules_test.add_argument("message", type=Path, help="a raw RFC 822 message (.eml)")
    rules_test.add_argument(
        "--recipient", action="append", default=[], help="an envelope recipient (repeatable)"
    )

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    return COMMANDS[args.command](args)


def cmd_up(args: argparse.Namespace) -> int:
    from ticketflow.supervisor import EmbeddedStack

    if args.data_dir:
        os.environ["TICKETFLOW_DATA_DIR"] = str(args.data_dir.resolve())
    os.environ["TICKETFLOW_TEMPORAL_ADDRESS"] = f"127.0.0.1:{args.temporal_port}"
    stack = EmbeddedStack(Settings(), args.api_port, args.temporal_port, args.ui_port)
    return stack.run()


def cmd_smtpd(args: argparse.Namespace) -> int:
    from ticketflow.smtpd import run_smtpd

    asyncio.run(run_smtpd(Settings(), args.host, args.port, lmtp=args.lmtp))
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from worker import run_worker

    asyncio.run(run_worker(Settings()))
    return 0


def cmd_api(args: argparse.Namespace) -> int:
    import uvicorn

    from api import create_app

    uvicorn.run(create_app(Settings()), host=args.host, port=args.port, log_level="info")
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from ticketflow.migrate import sync_queues, upgrade
    from ticketflow.wiring import Components

    components = Components(Settings())
    upgrade(components.engine)
    sync_queues(components.engine, components.desk)
    print(f"read model at {components.settings.resolved_database_url.split('@')[-1]} is current")
    return 0


def cmd_temporal_setup(args: argparse.Namespace) -> int:
    from ticketflow.temporal_setup import register_search_attributes

    settings = Settings()
    added = asyncio.run(register_search_attributes(settings))
    print(f"search attributes on {settings.temporal_address}: {', '.join(added) or 'all present'}")
    return 0


def cmd_agent(args: argparse.Namespace) -> int:
    from ticketflow.agents import AgentError, create_agent
    from ticketflow.migrate import sync_queues, upgrade
    from ticketflow.wiring import Components

    components = Components(Settings())
    upgrade(components.engine)
    sync_queues(components.engine, components.desk)
    try:
        token = create_agent(components.sessions, args.name, args.groups.split(","))
    except AgentError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"agent {args.name} created; its bearer token (shown once):")
    print(token)
    return 0


def cmd_rules(args: argparse.Namespace) -> int:
    from ticketflow.desk import load_desk
    from ticketflow.mailparse import MailRefused, parse_mail
    from ticketflow.rules import classify

    settings = Settings()
    desk = load_desk(settings.desk_config)  # a rule that does not compile stops here
    try:
        mail = parse_mail(args.message.read_bytes())
    except MailRefused as exc:
        print(f"refused: {exc.reason}", file=sys.stderr)
        return 2
    found = classify(desk.routing_rules(), mail, args.recipient)
    print(f"rules matched: {', '.join(found.matched_rules) or 'none'}")
    if found.ignore:
        print(f"no ticket: {found.ignore} (the raw message is kept)")
        return 0
    print(f"queue:         {found.queue or desk.default_queue.name}")
    print(f"priority:      {found.priority or 'unchanged'}")
    print(f"tags:          {', '.join(found.tags) or 'none'}")
    if found.spam:
        print(f"closed as spam: {found.spam}")
    if found.no_auto_reply:
        print(f"no automatic reply: {found.no_auto_reply}")
    for hint in found.hints:
        print(f"hint {hint.topic}: rule {hint.rule!r} found {hint.matched!r} in the {hint.part}")
    return 0


COMMANDS = {
    "up": cmd_up,
    "worker": cmd_worker,
    "smtpd": cmd_smtpd,
    "api": cmd_api,
    "migrate": cmd_migrate,
    "temporal-setup": cmd_temporal_setup,
    "agent": cmd_agent,
    "rules": cmd_rules,
}

if __name__ == "__main__":
    raise SystemExit(main())
