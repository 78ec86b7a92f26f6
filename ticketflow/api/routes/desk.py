"""The calling agent and the desk as that agent may use it."""

from __future__ import annotations

from fastapi import APIRouter

from ticketflow.api.access import chosen_seat, seat
from ticketflow.api.deps import ComponentsDep, CurrentAgent, ProjectParam
from ticketflow.api.schemas import (
    AnswerTemplateOut,
    DeskOut,
    DeskQueueOut,
    MacroOut,
    MeOut,
    ProjectOut,
)
from ticketflow.desk.macros import most_used_first
from ticketflow.letters.answers import answer_templates
from ticketflow.store.macro_uses import macro_uses

router = APIRouter(prefix="/api/v1", tags=["desk"])


@router.get("/me", response_model=MeOut)
def get_me(components: ComponentsDep, agent: CurrentAgent) -> MeOut:
    """Who the token belongs to, its groups, the projects it is in with the queues it sees
    in each, and the queues of its first project."""
    names = components.projects.projects_of(agent.groups)
    seats = [seat(components, agent, name) for name in names]
    return MeOut(
        name=agent.name,
        groups=sorted(agent.groups),
        projects=[ProjectOut(name=s.project, queues=s.visible_queues()) for s in seats],
        queues=seats[0].visible_queues() if seats else [],
    )


@router.get("/desk", response_model=DeskOut)
def get_desk(
    components: ComponentsDep, agent: CurrentAgent, project: ProjectParam = None
) -> DeskOut:
    """A project's desk as the agent may use it (his first project unless named): his
    queues, move targets, the macros he may run (most used first) and the answer templates
    with their languages."""
    mine = chosen_seat(components, agent, project)
    desk = mine.desk
    visible = set(mine.visible_queues())
    uses = macro_uses(components.sessions, agent.name)
    macros = most_used_first((m for m in desk.macros if m.may_run(mine.groups)), uses)
    return DeskOut(
        project=mine.project,
        queues=[
            DeskQueueOut(name=q.name, line=q.line, group=q.group, address=q.address, sla=q.sla)
            for q in desk.queues
            if q.name in visible
        ],
        move_targets=mine.move_targets(),
        macros=[MacroOut.of(m, uses) for m in macros],
        templates=[
            AnswerTemplateOut(name=name, languages=languages)
            for name, languages in answer_templates(components.templates).items()
        ],
    )
