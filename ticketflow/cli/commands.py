"""What each `ticketflow` command does, once `ticketflow.cli.main` has parsed it and its settings.

A command returns its exit status; a mistake the user can fix is a CommandError (one line,
exit 2). Heavy imports (Temporal, uvicorn) happen inside the commands that need them.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Callable

from temporalio.service import RPCError, RPCStatusCode

from ticketflow.cli.up import EmbeddedStack, Ports, check_port_free
from ticketflow.components import Components
from ticketflow.desk.projects import load_projects, project_of
from ticketflow.settings import Settings
from ticketflow.store.agents import AgentAdmin, AgentError, agent_changes, list_agents
from ticketflow.store.migrate import bring_up_to_date, check_schema

Command = Callable[[argparse.Namespace, Settings], int]


class CommandError(Exception):
    """A mistake the user can fix: printed as one line, exit status 2."""


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    ports = Ports(
        api=args.api_port, temporal=args.temporal_port, ui=args.ui_port, metrics=args.metrics_port
    )
    return EmbeddedStack(settings, ports, api_host=args.host).run()


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    from worker import run_worker

    _check_ready(settings)
    asyncio.run(run_worker(settings))
    return 0


def cmd_api(args: argparse.Namespace, settings: Settings) -> int:
    from ticketflow.cli.serve_api import serve_api

    _check_ready(settings)
    check_port_free(args.host, args.port, "the API")
    serve_api(settings, args.host, args.port)
    return 0


def cmd_smtpd(args: argparse.Namespace, settings: Settings) -> int:
    from ticketflow.cli.smtpd import run_smtpd

    _check_ready(settings)
    check_port_free(args.host, args.port, "smtpd")
    asyncio.run(run_smtpd(settings, args.host, args.port, lmtp=args.lmtp))
    return 0


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    components = Components(settings)
    before, after = bring_up_to_date(components.engine, components.projects)
    where = settings.resolved_database_url.split("@")[-1]
    change = "is current" if before == after else f"upgraded from {before or 'empty'}"
    print(f"read model at {where} {change} (revision {after})")
    return 0


def cmd_temporal_setup(args: argparse.Namespace, settings: Settings) -> int:
    from ticketflow.engine.temporal_setup import register_search_attributes

    for namespace in Components(settings).temporal_namespaces:
        try:
            added = asyncio.run(register_search_attributes(settings, namespace))
        except RPCError as exc:
            if exc.status is not RPCStatusCode.NOT_FOUND:
                raise
            raise CommandError(
                f"namespace {namespace} does not exist on {settings.temporal_address}: "
                f"create it first (temporal operator namespace create --namespace {namespace})"
            ) from None
        found = ", ".join(added) or "all present"
        print(f"search attributes in {namespace} on {settings.temporal_address}: {found}")
    return 0


def cmd_agent(args: argparse.Namespace, settings: Settings) -> int:
    components = Components(settings)
    # The administration commands work on a fresh data directory: no separate migrate step.
    bring_up_to_date(components.engine, components.projects)
    try:
        return AGENT_ACTIONS[args.agent_command](args, components)
    except AgentError as exc:
        raise CommandError(str(exc)) from None


def _agent_add(args: argparse.Namespace, components: Components) -> int:
    token = _admin(components).add(args.name, args.groups.split(","))
    print(f"agent {args.name} created; its bearer token (shown once):")
    print(token)
    return 0


def _agent_list(args: argparse.Namespace, components: Components) -> int:
    agents = list_agents(components.sessions)
    if not agents:
        print("no agents yet: ticketflow agent add NAME --groups GROUP")
    width = max((len(a.name) for a in agents), default=0)
    for a in agents:
        state = f"disabled {a.disabled_at:%Y-%m-%d %H:%M}" if a.disabled_at else "active"
        print(f"{a.name:<{width}}  {state:<22}  {','.join(a.groups)}")
    return 0


def _agent_disabled(disabled: bool) -> Callable[[argparse.Namespace, Components], int]:
    done = "disabled" if disabled else "enabled"

    def run(args: argparse.Namespace, components: Components) -> int:
        changed = _admin(components).set_disabled(args.name, disabled)
        print(f"agent {args.name} {done if changed else 'was already ' + done}")
        return 0

    return run


def _agent_groups(args: argparse.Namespace, components: Components) -> int:
    groups = _admin(components).set_groups(args.name, args.groups.split(","))
    print(f"agent {args.name} now in {', '.join(groups)}")
    return 0


def _agent_reset_token(args: argparse.Namespace, components: Components) -> int:
    token = _admin(components).reset_token(args.name)
    print(f"agent {args.name} has a new bearer token (shown once); the old one is refused:")
    print(token)
    return 0


def _agent_password(args: argparse.Namespace, components: Components) -> int:
    if sys.stdin.isatty():
        password = getpass.getpass(f"console password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            raise CommandError("the two passwords differ; nothing changed")
    else:  # piped in: its first line
        password = sys.stdin.readline().rstrip("\r\n")
    _admin(components).set_password(args.name, password)
    print(f"agent {args.name} may sign in to the console; his other console sessions ended")
    return 0


def _agent_log(args: argparse.Namespace, components: Components) -> int:
    for c in agent_changes(components.sessions, args.name):
        detail = f"  {c.detail}" if c.detail else ""
        print(f"{c.at:%Y-%m-%d %H:%M:%S}  {c.agent}  {c.change}{detail}  by {c.actor}")
    return 0


def _admin(components: Components) -> AgentAdmin:
    # Who changed what: the operating-system user running the command.
    return components.agent_admin(f"{getpass.getuser()} (cli)")


AGENT_ACTIONS: dict[str, Callable[[argparse.Namespace, Components], int]] = {
    "add": _agent_add,
    "list": _agent_list,
    "disable": _agent_disabled(True),
    "enable": _agent_disabled(False),
    "groups": _agent_groups,
    "password": _agent_password,
    "reset-token": _agent_reset_token,
    "log": _agent_log,
}


def cmd_desk(args: argparse.Namespace, settings: Settings) -> int:
    from ticketflow.desk.report import check_templates, describe_desk

    templates = Components(settings).templates
    if args.desk_command == "check":
        projects = load_projects(args.file)
        for project in projects:
            problems = check_templates(project.desk, templates)
            if problems:
                raise CommandError(f"{args.file}: project {project.name}: {problems[0]}")
        for project in projects:
            desk = project.desk
            print(
                f"{args.file}: project {project.name} ok ({len(desk.queues)} queues, "
                f"{len(desk.rules)} rules, {len(desk.macros)} macros, {len(desk.slas)} SLAs)"
            )
        return 0
    print(f"desk config {settings.desk_config}")
    for project in load_projects(settings.desk_config):
        print(f"project {project.name} (mailboxes: {', '.join(sorted(project.mailboxes)) or '-'})")
        for line in describe_desk(project.desk, templates):
            print(f"  {line}")
    return 0


def cmd_rules(args: argparse.Namespace, settings: Settings) -> int:
    from ticketflow.desk.rules import classify
    from ticketflow.mail.parse import MailRefused, parse_mail

    projects = load_projects(settings.desk_config)
    raw = args.message.read_bytes()
    try:
        mail = parse_mail(raw)
    except MailRefused as exc:
        raise CommandError(f"{args.message}: not mail: {exc.reason}") from None
    # As intake does: the project of the mailbox it was sent to, and only its rules.
    chosen = project_of(projects.rules(), args.recipient, [mail.to_header, mail.cc_header])
    desk = projects.desk(chosen.project)
    found = classify(chosen.rules, mail, args.recipient, chosen.trusted_headers)
    print(f"project:       {chosen.project}")
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


def _check_ready(settings: Settings) -> None:
    """Refuse, before a server starts, a desk config with an error or an old schema."""
    load_projects(settings.desk_config)
    components = Components(settings)
    try:
        check_schema(components.engine)
    finally:
        components.engine.dispose()


def cmd_quarantine(args: argparse.Namespace, settings: Settings) -> int:
    from ticketflow.cli.quarantine import QuarantineError, run_quarantine_action

    components = Components(settings)
    try:
        check_schema(components.engine)
        return run_quarantine_action(args, components)
    except QuarantineError as exc:
        raise CommandError(str(exc)) from None
    finally:
        components.close()


def cmd_reports(args: argparse.Namespace, settings: Settings) -> int:
    from ticketflow.store.report_figures import rebuild_all

    components = Components(settings)
    try:
        check_schema(components.engine)
        shapes = {p.name: p.desk.report_shape() for p in components.projects}
        count = rebuild_all(components.sessions, shapes)
    finally:
        components.close()
    print(f"reports: the figures of {count} tickets folded anew from their histories")
    return 0


def cmd_replay(args: argparse.Namespace, settings: Settings) -> int:
    from ticketflow.cli.replay import replay_open_tickets

    if args.limit < 1:
        raise CommandError("--limit: at least 1")
    return asyncio.run(replay_open_tickets(settings, args.limit))


def cmd_accounts(args: argparse.Namespace, settings: Settings) -> int:
    from ticketflow.cli.accounts import ACCOUNT_ACTIONS, CLAIM_ACTIONS, AccountsError

    components = Components(settings)
    try:
        bring_up_to_date(components.engine, components.projects)
        if args.command == "accounts":
            return ACCOUNT_ACTIONS[args.accounts_command](args, components)
        return CLAIM_ACTIONS[args.claims_command](args, components)
    except AccountsError as exc:
        raise CommandError(str(exc)) from None
    finally:
        components.close()


COMMANDS: dict[str, Command] = {
    "up": cmd_up,
    "worker": cmd_worker,
    "api": cmd_api,
    "smtpd": cmd_smtpd,
    "migrate": cmd_migrate,
    "temporal-setup": cmd_temporal_setup,
    "agent": cmd_agent,
    "desk": cmd_desk,
    "rules": cmd_rules,
    "quarantine": cmd_quarantine,
    "reports": cmd_reports,
    "replay": cmd_replay,
    "accounts": cmd_accounts,
    "claims": cmd_accounts,
}
