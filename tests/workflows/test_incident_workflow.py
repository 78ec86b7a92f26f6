"""IncidentWorkflow on the time-skipping server: its answer to all reaches each linked
ticket through the ticket's own workflow, a ticket linked later gets it, and closing sends
the final answer to the tickets still open, then ends the run. Its history is kept for the
replay net."""

from __future__ import annotations

from temporalio.testing import WorkflowEnvironment

from tests.support.mail import customer_mail
from tests.support.temporal import eventually, keep_history, new_worker
from tests.support.tickets import new_ticket_in_inbox, ticket_row, wait_state
from tests.workflows.test_ticket_workflow import history_actions
from ticketflow.components import Components
from ticketflow.engine.inbound import accept_mail
from ticketflow.engine.incidents import give_order, incident_workflow_id, start_incident
from ticketflow.payloads import IncidentCommand
from ticketflow.store import incidents as store
from ticketflow.store.models import Incident, utcnow
from ticketflow.tickets.incidents import Order, Phase


def make_incident(components: Components, numbers: list[str]) -> int:
    with components.sessions.begin() as session:
        incident = Incident(
            project="mail",
            title="Login outage",
            status_text="",
            state="open",
            created_by="alice",
            answer_text="We know: logins fail.",
            answered_by="alice",
            final_text="Fixed now.",
            closed_by="alice",
        )
        session.add(incident)
        session.flush()
        ids = [ticket_row(components, n).id for n in numbers]
        store.link_tickets(session, incident.id, ids, "alice", utcnow())
        return incident.id


async def state_of(components: Components, incident_id: int) -> str:
    with components.sessions() as session:
        found = session.get(Incident, incident_id)
        assert found is not None
        return found.state


async def test_an_incident_answers_links_later_and_closes(
    time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    client = time_skipping_env.client
    async with new_worker(client, components):
        numbers = [await new_ticket_in_inbox(client, components) for _ in range(3)]
        incident = make_incident(components, numbers[:2])
        await start_incident(components, client, incident, "mail")

        async def order(name: str) -> str:
            command = IncidentCommand(order=name, agent="alice")
            return await give_order(components, client, incident, "mail", command)

        assert await order(Order.ANSWER) in ("answering", "answered")
        await eventually(lambda: state_of(components, incident), lambda s: s == "answered")
        for number in numbers[:2]:
            await wait_state(components, number, "closed", "Inbox")
            assert history_actions(components, number)[-2:] == ["macro", "answer"]
        # The third ticket, linked after the answer and reopened by its customer's reply
        # before the incident closes: the final answer is for it alone.
        with components.sessions.begin() as session:
            third = ticket_row(components, numbers[2]).id
            store.link_tickets(session, incident, [third], "alice", utcnow())
        assert await order(Order.LINK) in ("answering", "answered")
        await wait_state(components, numbers[2], "closed", "Inbox")
        reply = customer_mail(subject=f"Re: [Ticket#{numbers[2]}] Cannot log in", body="Still.")
        await accept_mail(components, client, reply)
        await wait_state(components, numbers[2], "first-line", "Inbox")
        assert await order(Order.CLOSE) in ("closing", "closed")
        handle = client.get_workflow_handle(incident_workflow_id(components.settings, incident))
        await handle.result()  # the run ends once every ticket is done
        assert await state_of(components, incident) == "closed"
        await wait_state(components, numbers[2], "closed", "Inbox")
        assert history_actions(components, numbers[2])[-2:] == ["macro", "answer"]
        with components.sessions() as session:
            found = session.get(Incident, incident)
            assert found is not None
            final = store.progress(session, found, Phase.FINAL)
        assert (final.sent, final.skipped, final.pending) == (1, 2, 0)
        await keep_history(client, handle.id, "incident-answered-closed")
