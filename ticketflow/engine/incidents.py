"""How the rest of the system reaches incident workflows (`incident-<id>`): started with
the incident, given agents' orders as Updates, told of tickets linked by a rule at intake."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from email.parser import BytesHeaderParser
from email.policy import default as default_policy

from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from ticketflow.components import Components
from ticketflow.desk.rules import MessageParts
from ticketflow.engine.tickets import (
    TemporalUnavailable,
    ticket_client,
    ticket_input,
    updates_refused,
)
from ticketflow.mail.parse import ParsedMail
from ticketflow.payloads import IncidentCommand, IncidentInput
from ticketflow.settings import Settings
from ticketflow.store import incidents as store
from ticketflow.store.incident_rules import RuleOfIncident
from ticketflow.store.models import utcnow
from ticketflow.tickets.incidents import Order
from ticketflow.tickets.lifecycle import InvalidTransition
from workflows.incident import IncidentWorkflow

log = logging.getLogger("ticketflow.engine.incidents")


def incident_workflow_id(settings: Settings, incident_id: int) -> str:
    """`incident-<system>-<id>`: the installation's system id (as in its tickets'
    numbers) keeps two installations on one Temporal namespace apart."""
    return f"incident-{settings.system_id}-{incident_id}"


async def start_incident(
    components: Components, client: Client, incident_id: int, project: str
) -> None:
    """Start the incident's run (once: a second start finds it running)."""
    settings = components.settings
    found = components.projects.get(project)
    rate = found.desk.incident_rate if found is not None else 600
    try:
        await ticket_client(client, components, project).start_workflow(
            IncidentWorkflow.run,
            IncidentInput(incident_id, project, rate, ticket_input(settings, "")),
            id=incident_workflow_id(settings, incident_id),
            task_queue=settings.task_queue,
            static_summary=f"incident {incident_id}",
        )
    except WorkflowAlreadyStartedError:
        pass
    except (RPCError, RuntimeError) as exc:
        raise TemporalUnavailable(str(exc)) from exc


async def give_order(
    components: Components,
    client: Client,
    incident_id: int,
    project: str,
    command: IncidentCommand,
) -> str:
    """The incident's state after the order; InvalidTransition when it refuses it."""
    handle = ticket_client(client, components, project).get_workflow_handle(
        incident_workflow_id(components.settings, incident_id)
    )
    with updates_refused():
        return await handle.execute_update(IncidentWorkflow.order, command)


async def link_new_ticket(
    components: Components,
    client: Client,
    project: str,
    ticket_id: int,
    mail: ParsedMail,
    raw: bytes,
    envelope: Sequence[str],
) -> list[int]:
    """Link a new ticket to the open incidents of its project whose rule its first
    message matches (none open: a look at a list read every few seconds)."""
    rules = await components.incident_rules.of_project(project)
    if not rules:
        return []
    return await link_by_rules(components, client, rules, ticket_id, mail, raw, envelope)


async def link_by_rules(
    components: Components,
    client: Client,
    rules: Sequence[RuleOfIncident],
    ticket_id: int,
    mail: ParsedMail,
    raw: bytes,
    envelope: Sequence[str],
) -> list[int]:
    """Link a new ticket to every open incident whose rule its first message matches;
    the incidents it was linked to (each told, so that its answer reaches the ticket)."""
    if any(r.reads_headers for r in rules) and mail.message is None:
        # The reader kept no parsed message: its header fields, read again here.
        headers = BytesHeaderParser(policy=default_policy).parsebytes(raw)
        mail = dataclasses.replace(mail, message=headers)
    parts = MessageParts(mail, list(envelope), ())
    matched = [r for r in rules if r.matches(parts)]
    if not matched:
        return []
    now = utcnow()
    linked: list[int] = []
    with components.sessions.begin() as session:
        for rule in matched:
            if store.link_tickets(session, rule.incident_id, [ticket_id], "rule", now):
                linked.append(rule.incident_id)
    for rule in matched:
        if rule.incident_id in linked:
            command = IncidentCommand(order=Order.LINK, agent="rule")
            try:
                await give_order(components, client, rule.incident_id, rule.project, command)
            except (InvalidTransition, TemporalUnavailable, RPCError) as exc:
                # Linked all the same: the incident's next order, or a resume, sends to it.
                log.warning("incident %d not told of a new ticket: %s", rule.incident_id, exc)
    return linked
