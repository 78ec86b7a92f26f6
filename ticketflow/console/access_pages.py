"""The Passwords tools on a ticket's page: the verification as the service gives it (the
verdicts, the account's change kinds, the decision; never a claim), the form a claim is
recorded with, and the account panel beside the ticket, fetched after the page so that a
slow directory never holds it up."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ticketflow.api.deps import ComponentsDep
from ticketflow.components import Components
from ticketflow.console.rendering import render
from ticketflow.console.session import Seat
from ticketflow.service.passwords import account_beside, verification_of
from ticketflow.service.policy import policy_of
from ticketflow.service.shapes import TicketDetail
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.tasks import tasks_of
from ticketflow.tickets.lifecycle import Action
from ticketflow.tickets.rights import Right

router = APIRouter(include_in_schema=False)


def tools_context(
    components: Components, agent: AgentIdentity, ticket: TicketDetail
) -> dict[str, Any]:
    """What the page shows of the second line's tools: the Passwords ones, and the
    tracker's tasks the ticket is linked to (with the answer its reply box suggests once
    its task is closed)."""
    context = _tracker_context(components, ticket)
    return context | _access_context(components, agent, ticket)


def _tracker_context(components: Components, ticket: TicketDetail) -> dict[str, Any]:
    project = components.projects.get(ticket.project)
    tracker = project.desk.tracker if project is not None else None
    # Only a ticket whose history names a task is linked to one: no query for the others.
    if tracker is None or not any(h.action == Action.FILE_TASK for h in ticket.history):
        return {}
    with components.sessions() as session:
        found = tasks_of(session, ticket.number)
    context: dict[str, Any] = {"tasks": [(t.key, t.url) for t in found]}
    last = ticket.history[-1] if ticket.history else None
    if (
        last is not None
        and last.action == Action.TASK_UPDATE
        and (last.detail or "").endswith(" closed")
    ):
        context["suggested_template"] = tracker.answer_template
    return context


def _access_context(
    components: Components, agent: AgentIdentity, ticket: TicketDetail
) -> dict[str, Any]:
    """The verification and the claim form to those who may use them, the account
    panel's address for second-line tickets."""
    project = components.projects.get(ticket.project)
    config = project.desk.passwords if project is not None else None
    if config is None:
        return {}
    context: dict[str, Any] = {}
    queue = project.desk.queue(ticket.queue) if project is not None else None
    if queue is not None and queue.line == "second-line":
        context["account_url"] = f"/t/{quote(ticket.number, safe='')}/account"
    # Its verification to those with the Passwords tools in its queue, closed or not.
    if Right.VERIFY in policy_of(components.projects).seat(agent, ticket.project).rights_in(
        ticket.queue
    ):
        context["access"] = verification_of(components, agent, ticket.number)
        context["claim_fields"] = config.claims
        context["channels"] = config.channels
    return context


@router.get("/t/{number}/account")
async def account_panel(
    request: Request, number: str, components: ComponentsDep, seat: Seat
) -> Response:
    """The account panel's content, which the page fetches once it has shown."""
    found = await account_beside(components, seat.agent, number)
    desk = components.projects.first.desk
    return render(request, "_account.html.j2", seat, account=found, zone=desk.zone)
