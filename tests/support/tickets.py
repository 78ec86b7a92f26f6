"""Acting on tickets through the engine (as the API does) and reading them back."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from temporalio.client import Client

from tests.support.mail import customer_mail
from tests.support.temporal import eventually
from ticketflow.components import Components
from ticketflow.engine.inbound import accept_mail
from ticketflow.engine.tickets import TicketRef, perform_action
from ticketflow.payloads import ActionRequest, TicketStatus
from ticketflow.store.models import Ticket


def ticket_row(components: Components, number: str) -> Ticket:
    with components.sessions() as session:
        ticket = session.scalar(select(Ticket).where(Ticket.number == number))
        assert ticket is not None
        return ticket


async def wait_state(components: Components, number: str, state: str, queue: str) -> Ticket:
    async def probe() -> Ticket:
        return ticket_row(components, number)

    return await eventually(probe, lambda t: (t.state, t.queue) == (state, queue))


async def new_ticket_in_inbox(client: Client, components: Components) -> str:
    number = (await accept_mail(components, client, customer_mail())).ticket_number
    await wait_state(components, number, "first-line", "Inbox")
    return number


def ref(components: Components, number: str) -> TicketRef:
    return TicketRef(id=ticket_row(components, number).id, number=number)


async def act(
    client: Client,
    components: Components,
    number: str,
    action: str,
    text: str | None = None,
    **kw: Any,
) -> TicketStatus:
    request = ActionRequest(action=action, agent=kw.pop("agent", "alice"), **kw)
    return await perform_action(components, client, ref(components, number), request, text)
