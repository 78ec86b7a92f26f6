"""The calling agent and the desk as that agent may use it."""

from __future__ import annotations

from fastapi import APIRouter

from ticketflow.api.deps import ComponentsDep, CurrentAgent
from ticketflow.api.schemas import AnswerTemplateOut, DeskOut, DeskQueueOut, MacroOut, MeOut
from ticketflow.desk.macros import most_used_first
from ticketflow.letters.answers import answer_templates
from ticketflow.store.macro_uses import macro_uses

router = APIRouter(prefix="/api/v1", tags=["desk"])


@router.get("/me", response_model=MeOut)
def get_me(components: ComponentsDep, agent: CurrentAgent) -> MeOut:
    """Who the token belongs to, its groups and the queues it sees."""
    return MeOut(
        name=agent.name,
        groups=sorted(agent.groups),
        queues=components.desk.visible_queues(agent.groups),
    )


@router.get("/desk", response_model=DeskOut)
def get_desk(components: ComponentsDep, agent: CurrentAgent) -> DeskOut:
    """The agent's queues, move targets, the macros it may run (most used first) and the
    answer templates with their languages."""
    desk = components.desk
    visible = set(desk.visible_queues(agent.groups))
    uses = macro_uses(components.sessions, agent.name)
    macros = most_used_first((m for m in desk.macros if m.may_run(agent.groups)), uses)
    return DeskOut(
        queues=[
            DeskQueueOut(name=q.name, line=q.line, group=q.group, address=q.address, sla=q.sla)
            for q in desk.queues
            if q.name in visible
        ],
        move_targets=[q.name for q in desk.queues],
        macros=[MacroOut.of(m, uses) for m in macros],
        templates=[
            AnswerTemplateOut(name=name, languages=languages)
            for name, languages in answer_templates(components.templates).items()
        ],
    )
