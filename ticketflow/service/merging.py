"""Merging a ticket into the one it repeats: what the service checks before the ticket's
workflow decides the merge on its own side.

The agent needs the `close` right where the ticket is (a merge closes it; its workflow
checks that again, with its owner) and the `note` right where the other ticket is (its
mail lands there). Both tickets are in one project: a desk answers its own customers.
"""

from __future__ import annotations

from ticketflow.components import Components
from ticketflow.engine.tickets import TicketRef
from ticketflow.service.access import access_ticket
from ticketflow.service.policy import policy_of
from ticketflow.service.refusals import Invalid, Refused
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.merges import merged_target
from ticketflow.tickets.lifecycle import Action


def merge_target(components: Components, agent: AgentIdentity, ref: TicketRef, into: str) -> str:
    """The number of the ticket `ref` may be merged into, or the refusal saying why."""
    with components.sessions() as session:
        target = access_ticket(components, session, agent, into)
        if target.id == ref.id:
            raise Invalid("merge-self")
        if target.project != ref.project:
            raise Invalid("merge-project", into=into, project=target.project)
        if target.merged_into_id is not None:
            final = merged_target(session, target).number  # where its mail went
            raise Refused("merge-merged", into=into, final=final)
        seat = policy_of(components.projects).seat(agent, target.project)
        seat.check_action(Action.NOTE, target.queue)
        return target.number
