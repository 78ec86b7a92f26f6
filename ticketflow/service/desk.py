"""The agent and his desk: who he is, the projects and queues he sees with their load, the
desk as he may use it (move targets, macros, answer templates), and the overview of his
projects' queues."""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow.components import Components
from ticketflow.desk.macros import macro_keys, most_used_first
from ticketflow.letters.answers import answer_templates
from ticketflow.service.policy import policy_of
from ticketflow.service.shapes import (
    AnswerTemplateOut,
    DeskOut,
    DeskQueueOut,
    MacroOut,
    MeOut,
    ProjectOut,
    QueueOut,
)
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.console_views import Overview, overview
from ticketflow.store.macro_uses import macro_uses
from ticketflow.store.models import utcnow
from ticketflow.store.queries import queue_stats


def me(components: Components, agent: AgentIdentity) -> MeOut:
    """Who he is, his groups, the projects he is in with the queues he sees in each, and
    the queues of his first project."""
    seats = policy_of(components.projects).seats(agent)
    return MeOut(
        name=agent.name,
        groups=sorted(agent.groups),
        projects=[ProjectOut(name=s.project, queues=s.visible_queues()) for s in seats],
        queues=seats[0].visible_queues() if seats else [],
    )


def desk_for(components: Components, agent: AgentIdentity, project: str | None = None) -> DeskOut:
    """A project's desk as he may use it (his first project unless named): his queues,
    move targets, the macros he may run (most used first) and the answer templates with
    their languages."""
    seat = policy_of(components.projects).chosen(agent, project)
    visible = set(seat.visible_queues())
    uses = macro_uses(components.sessions, agent.name)
    keys = macro_keys(seat.desk.macros)
    return DeskOut(
        project=seat.project,
        queues=[
            DeskQueueOut(name=q.name, line=q.line, group=q.group, address=q.address, sla=q.sla)
            for q in seat.desk.queues
            if q.name in visible
        ],
        move_targets=seat.move_targets(),
        macros=[MacroOut.of(m, uses, keys) for m in most_used_first(seat.macros(), uses)],
        templates=[
            AnswerTemplateOut(
                name=name, languages=languages, titles=seat.desk.template_titles.get(name, {})
            )
            for name, languages in answer_templates(components.templates).items()
        ],
        time_zone=seat.desk.zone,
    )


def queues(
    components: Components, agent: AgentIdentity, project: str | None = None
) -> list[QueueOut]:
    """The queues he works in a project (his first unless named), with open and waiting
    counts and the oldest open age."""
    seat = policy_of(components.projects).chosen(agent, project)
    with components.sessions() as session:
        return [
            QueueOut(**vars(s)) for s in queue_stats(session, seat.project, seat.visible_queues())
        ]


@dataclass(frozen=True)
class ProjectOverview:
    project: str
    queues: list[QueueOut]
    overview: Overview  # breached per queue, and what each agent owns


def overviews(components: Components, agent: AgentIdentity) -> list[ProjectOverview]:
    """Per project of his: its queues' load, breaches, and who owns what, over the queues
    he sees."""
    found = []
    for seat in policy_of(components.projects).seats(agent):
        with components.sessions() as session:
            kept = overview(session, seat.project, seat.visible_queues(), utcnow())
        found.append(ProjectOverview(seat.project, queues(components, agent, seat.project), kept))
    return found
