"""Incidents (docs/domain.md, "Incidents"): one outage's tickets together, answered at
once and closed at once, each ticket through its own workflow.

A supervisor, or an agent of a group with the `incidents` role, makes an incident, links
tickets to it (by number, from a queue's selection, or by its rule as they arrive),
orders its answer to all and its final answer, pauses and resumes them. Any agent of the
project reads it. The incident's workflow decides each order; this module keeps the
incident's row (its texts never enter workflow history) and counts its progress.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from sqlalchemy import ColumnElement, or_, update
from sqlalchemy.orm import Session
from temporalio.client import Client

from ticketflow.components import Components
from ticketflow.desk.rules import compile_condition
from ticketflow.engine.incidents import give_order, start_incident
from ticketflow.engine.tickets import TemporalUnavailable
from ticketflow.letters.answers import answer_templates
from ticketflow.payloads import IncidentCommand
from ticketflow.service.incident_shapes import (
    IncidentBody,
    IncidentCloseBody,
    IncidentLinked,
    IncidentList,
    IncidentMailBody,
    IncidentOut,
    IncidentSummary,
    IncidentTicketOut,
    MailProgress,
    TicketRefusal,
)
from ticketflow.service.policy import Seat, policy_of
from ticketflow.service.refusals import (
    MESSAGES,
    Forbidden,
    Invalid,
    NotFound,
    Refused,
    TryLater,
)
from ticketflow.store import incidents as store
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.incident_rules import rule_conditions
from ticketflow.store.models import Incident, utcnow
from ticketflow.store.queries import ticket_by_number
from ticketflow.tickets.incidents import IncidentState, Order, Phase, refusal
from ticketflow.tickets.lifecycle import InvalidTransition
from ticketflow.tickets.reasons import Reason
from ticketflow.tickets.rights import DeskRight, Right


async def do_create(
    components: Components, client: Client, agent: AgentIdentity, body: IncidentBody
) -> IncidentOut:
    """A new incident, its workflow started."""
    seat = _manager(components, agent, body.project)
    rule = None
    if body.rule is not None:
        try:
            for condition in body.rule:
                compile_condition(condition)
        except Exception as exc:  # re.error, a bad field
            raise Invalid("incident-rule", reason=str(exc)) from None
        rule = json.dumps([c.model_dump(exclude_defaults=True) for c in body.rule])
    with components.sessions.begin() as session:
        incident = Incident(
            project=seat.project,
            title=body.title,
            status_text=body.status,
            state=IncidentState.OPEN.value,
            rule=rule,
            created_by=agent.name,
            created_at=utcnow(),
        )
        session.add(incident)
        session.flush()
        incident_id = incident.id
    try:
        await start_incident(components, client, incident_id, seat.project)
    except TemporalUnavailable:
        with components.sessions.begin() as session:
            session.delete(session.get(Incident, incident_id))
        raise TryLater("engine-unavailable") from None
    if rule is not None:
        components.incident_rules.forget()
    return incident_view(components, agent, incident_id)


async def do_link(
    components: Components,
    client: Client,
    agent: AgentIdentity,
    incident_id: int,
    numbers: Sequence[str],
) -> IncidentLinked:
    """Link the tickets he may read, of the incident's project; each refused one says why."""
    incident = _incident(components, agent, incident_id, manage=True)
    _check_order(incident, Order.LINK)
    policy = policy_of(components.projects)
    refused: list[TicketRefusal] = []
    found: dict[int, str] = {}
    with components.sessions.begin() as session:
        for number in dict.fromkeys(numbers):
            ticket = ticket_by_number(session, number)
            if ticket is None or not policy.may_read(agent, ticket.project, ticket.queue):
                refused.append(_refused(number, "ticket-unknown", number=number))
            elif ticket.project != incident.project:
                refused.append(_refused(number, "incident-project", project=ticket.project))
            else:
                found[ticket.id] = ticket.number
        new = store.link_tickets(session, incident_id, found, agent.name, utcnow())
    if found:  # told again for tickets linked before: a link whose telling failed is sent
        await _order(components, client, agent, incident, Order.LINK)
    fresh = set(new)
    linked = [found[i] for i in new]
    already = [n for i, n in found.items() if i not in fresh]
    view = incident_view(components, agent, incident_id)
    return IncidentLinked(linked=linked, already=already, refused=refused, incident=view)


async def do_answer(
    components: Components,
    client: Client,
    agent: AgentIdentity,
    incident_id: int,
    body: IncidentMailBody,
) -> IncidentOut:
    """Order the answer to all: every linked ticket gets it, and every ticket linked later."""
    incident = _incident(components, agent, incident_id, manage=True)
    _check_template(components, body.template)
    _check_replies(components, agent, incident.project)
    _check_order(incident, Order.ANSWER)
    # Given again while the incident is still open: an earlier order of it may not have
    # reached the workflow (503); the latest text is the one sent.
    may_keep = or_(Incident.answered_by.is_(None), Incident.state == IncidentState.OPEN.value)
    mail = {
        "answer_template": body.template,
        "answer_text": body.text,
        "answered_by": agent.name,
        "answered_at": utcnow(),
    }
    await _order_with_mail(components, client, agent, incident, Order.ANSWER, may_keep, mail)
    return incident_view(components, agent, incident_id)


async def do_close(
    components: Components,
    client: Client,
    agent: AgentIdentity,
    incident_id: int,
    body: IncidentCloseBody,
) -> IncidentOut:
    """Order the final answer: the linked tickets still open are closed by it (or asked
    and moved to `queue`); the incident closes once every one is done."""
    incident = _incident(components, agent, incident_id, manage=True)
    _check_template(components, body.template)
    _check_replies(components, agent, incident.project)
    if body.queue is not None:
        seat = policy_of(components.projects).seat(agent, incident.project)
        if seat.desk.queue(body.queue) is None:
            raise Invalid("incident-queue", queue=body.queue)
    _check_order(incident, Order.CLOSE)
    may_keep = or_(Incident.closed_by.is_(None), Incident.state.not_in(CLOSING))
    mail = {
        "final_template": body.template,
        "final_text": body.text,
        "close_queue": body.queue,
        "closed_by": agent.name,
        "closed_at": utcnow(),
    }
    await _order_with_mail(components, client, agent, incident, Order.CLOSE, may_keep, mail)
    components.incident_rules.forget()
    return incident_view(components, agent, incident_id)


async def do_pause(
    components: Components, client: Client, agent: AgentIdentity, incident_id: int
) -> IncidentOut:
    """Hold the incident's mail after the batch in hand."""
    return await _simple_order(components, client, agent, incident_id, Order.PAUSE)


async def do_resume(
    components: Components, client: Client, agent: AgentIdentity, incident_id: int
) -> IncidentOut:
    return await _simple_order(components, client, agent, incident_id, Order.RESUME)


async def _simple_order(
    components: Components, client: Client, agent: AgentIdentity, incident_id: int, order: Order
) -> IncidentOut:
    incident = _incident(components, agent, incident_id, manage=True)
    _check_order(incident, order)
    await _order(components, client, agent, incident, order)
    return incident_view(components, agent, incident_id)


def incident_view(components: Components, agent: AgentIdentity, incident_id: int) -> IncidentOut:
    """The incident and how far its mail is, if he is of its project."""
    with components.sessions() as session:
        incident = _readable(components, session, agent, incident_id)
        answer = store.progress(session, incident, Phase.ANSWER)
        final = store.progress(session, incident, Phase.FINAL)
        return IncidentOut(
            id=incident.id,
            project=incident.project,
            title=incident.title,
            status=incident.status_text,
            state=incident.state,  # type: ignore[arg-type]
            rule=rule_conditions(incident.rule) if incident.rule else None,
            created_by=incident.created_by,
            created_at=incident.created_at,
            linked=answer.linked,
            sent=answer.sent,
            pending=answer.pending,
            refused=answer.refused,
            answer=incident.answer_template or ("text" if incident.answer_text else None),
            answered_by=incident.answered_by,
            final=MailProgress(
                sent=final.sent,
                pending=final.pending,
                refused=final.refused,
                skipped=final.skipped,
            ),
            closed_by=incident.closed_by,
            close_queue=incident.close_queue,
            refusals=_refusals(session, incident_id, Phase.ANSWER),
            final_refusals=_refusals(session, incident_id, Phase.FINAL),
            tickets=[
                IncidentTicketOut.model_validate(t, from_attributes=True)
                for t in store.linked_tickets(session, incident_id, TICKETS_SHOWN)
                if policy_of(components.projects).may_read(agent, incident.project, t.queue)
            ],
        )


def incident_list(
    components: Components, agent: AgentIdentity, project: str | None = None
) -> IncidentList:
    """The incidents of his projects (or of `project`), the newest first."""
    policy = policy_of(components.projects)
    projects = [policy.chosen(agent, project).project] if project else policy.projects_of(agent)
    with components.sessions() as session:
        found = store.incidents_of(session, projects)
        return IncidentList(incidents=[_summary(i) for i in found])


def may_manage(components: Components, agent: AgentIdentity, project: str) -> bool:
    return policy_of(components.projects).seat(agent, project).may(DeskRight.INCIDENTS)


def _summary(incident: Incident) -> IncidentSummary:
    return IncidentSummary(
        id=incident.id,
        project=incident.project,
        title=incident.title,
        state=incident.state,  # type: ignore[arg-type]
        created_by=incident.created_by,
        created_at=incident.created_at,
    )


def _refusals(session: Session, incident_id: int, phase: Phase) -> list[TicketRefusal]:
    found = store.refusals(session, incident_id, phase)
    return [TicketRefusal(number=n, code=why.code, reason=str(why), why=why) for n, why in found]


def _refused(ticket: str, code: str, **params: object) -> TicketRefusal:
    why = Reason(code, MESSAGES[code], params)
    return TicketRefusal(number=ticket, code=code, reason=str(why), why=why)


def _manager(components: Components, agent: AgentIdentity, project: str) -> Seat:
    """He in `project`, if he may manage its incidents."""
    seat = policy_of(components.projects).chosen(agent, project)
    if not seat.may(DeskRight.INCIDENTS):
        raise Forbidden("incidents-role", project=seat.project)
    return seat


def _readable(
    components: Components, session: Session, agent: AgentIdentity, incident_id: int
) -> Incident:
    incident = session.get(Incident, incident_id)
    if incident is None or incident.project not in policy_of(components.projects).projects_of(
        agent
    ):
        raise NotFound("incident-unknown", id=incident_id)
    return incident


def _incident(
    components: Components, agent: AgentIdentity, incident_id: int, manage: bool = False
) -> Incident:
    with components.sessions() as session:
        incident = _readable(components, session, agent, incident_id)
        session.expunge(incident)
    if manage:
        _manager(components, agent, incident.project)
    return incident


def _check_order(incident: Incident, order: Order) -> None:
    """The read model's refusal, before the workflow is asked (which decides again)."""
    found = refusal(order, IncidentState(incident.state), incident.id)
    if found is not None:
        raise Refused(found)


def _check_replies(components: Components, agent: AgentIdentity, project: str) -> None:
    """The incident's mail goes out with his rights: he must reply in some queue."""
    seat = policy_of(components.projects).seat(agent, project)
    if not any(Right.REPLY in seat.rights_in(q) for q in seat.visible_queues()):
        raise Forbidden("incident-replies", project=project)


def _check_template(components: Components, template: str | None) -> None:
    if template is not None and template not in answer_templates(components.templates):
        known = ", ".join(answer_templates(components.templates)) or "none"
        raise Invalid("template-invalid", reason=f"no answer template {template!r}; known: {known}")


TICKETS_SHOWN = 100  # an incident's latest linked tickets shown with it

# The states an incident's final answer has been taken in.
CLOSING = (IncidentState.CLOSING.value, IncidentState.CLOSED.value)
# What an answer or a close is refused with when the incident has taken one already.
TAKEN = {Order.ANSWER: "incident-answered", Order.CLOSE: "incident-closed"}


async def _order_with_mail(
    components: Components,
    client: Client,
    agent: AgentIdentity,
    incident: Incident,
    order: Order,
    may_keep: ColumnElement[bool],
    mail: Mapping[str, object],
) -> None:
    """Keep the order's mail on the incident where `may_keep` holds (its texts never enter
    workflow history), then give the order. The workflow's refusal takes the mail back;
    a 503 keeps it, since the order may have been taken."""
    with components.sessions.begin() as session:
        kept = session.execute(
            update(Incident).where(Incident.id == incident.id, may_keep).values(**mail)
        )
    if not kept.rowcount:  # type: ignore[attr-defined]
        raise Refused(TAKEN[order], incident=incident.id)
    try:
        await _order(components, client, agent, incident, order)
    except Refused:
        with components.sessions.begin() as session:
            forget = update(Incident).where(Incident.id == incident.id)
            session.execute(forget.values(dict.fromkeys(mail)))
        raise


async def _order(
    components: Components, client: Client, agent: AgentIdentity, incident: Incident, order: Order
) -> None:
    """Give the workflow the order (it answers once the read model shows its state)."""
    seat = policy_of(components.projects).seat(agent, incident.project)
    command = IncidentCommand(order=order.value, agent=agent.name, rights=seat.carried())
    with _engine_refusals():
        await give_order(components, client, incident.id, incident.project, command)


@contextmanager
def _engine_refusals() -> Iterator[None]:
    try:
        yield
    except InvalidTransition as exc:
        raise Refused(exc.why) from exc
    except TemporalUnavailable as exc:
        raise TryLater("engine-unavailable") from exc
