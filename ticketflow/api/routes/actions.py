"""Agent actions on a ticket: one typed route per action, and macros (several at once)."""

from __future__ import annotations

import asyncio
import inspect
import typing
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, status
from pydantic import ValidationError
from temporalio.client import Client

from ticketflow.api.access import seat
from ticketflow.api.deps import ComponentsDep, CurrentAgent, TemporalClientDep
from ticketflow.api.outages import try_again_later
from ticketflow.api.routes.tickets import UNPROCESSABLE, ticket_ref
from ticketflow.api.schemas import ACTION_BODIES, ActionBody, ActionResult
from ticketflow.components import Components
from ticketflow.engine.tickets import TemporalUnavailable, perform_action, run_macro
from ticketflow.letters.answers import AnswerError, Written
from ticketflow.metrics import AGENT_ACTIONS, action_result
from ticketflow.payloads import ActionRequest
from ticketflow.store.agents import AgentIdentity
from ticketflow.tickets.lifecycle import TEXT_ACTIONS, Action, InvalidTransition

router = APIRouter(prefix="/api/v1", tags=["actions"])


@router.post("/tickets/{number}/macros/{name}", response_model=ActionResult)
async def post_macro(
    number: str,
    name: str,
    components: ComponentsDep,
    client: TemporalClientDep,
    agent: CurrentAgent,
) -> ActionResult:
    """Run a macro as one step: all its actions, or (409 with the step and reason) none."""
    return await run_macro_on_ticket(number, name, components, client, agent)


async def run_macro_on_ticket(
    number: str, name: str, components: Components, client: Client, agent: AgentIdentity
) -> ActionResult:
    """A macro's every step, or none; HTTPException with the status and reason of a
    refusal (the API answers with it, the console shows it)."""
    with _counted("macro"):
        return await _run_macro(number, name, components, client, agent)


async def _run_macro(
    number: str, name: str, components: Components, client: Client, agent: AgentIdentity
) -> ActionResult:
    ref = await asyncio.to_thread(ticket_ref, components, number, agent)
    mine = seat(components, agent, ref.project)
    macro = mine.desk.macro(name)
    if macro is None or not macro.may_run(mine.groups):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no macro {name!r} for you")
    # Every step is checked before any runs, in the queue the steps before leave it in.
    _forbid(mine.desk.macro_refusal(mine.groups, macro, ref.queue))
    with _refusals():
        result = await run_macro(components, client, ref, agent.name, macro)
    return ActionResult(**vars(result))


async def act_on_ticket(
    number: str,
    action: str,
    fields: dict[str, Any],
    components: Components,
    client: Client,
    agent: AgentIdentity,
) -> ActionResult:
    """Act on a ticket with a validated body's `fields`: its state as the workflow left
    it, or HTTPException with the status and reason of the refusal."""
    with _counted(action):
        return await _act(number, action, fields, components, client, agent)


async def _act(
    number: str,
    action: str,
    fields: dict[str, Any],
    components: Components,
    client: Client,
    agent: AgentIdentity,
) -> ActionResult:
    ref = await asyncio.to_thread(ticket_ref, components, number, agent)
    # The ticket is one the agent may see (else a 404 before this): now its rights.
    mine = seat(components, agent, ref.project)
    _forbid(mine.action_refusal(Action(action), ref.queue, fields.get("queue")))
    request = ActionRequest(
        action=action,
        agent=agent.name,
        queue=fields.get("queue"),
        priority=fields.get("priority"),
        reason=fields.get("reason"),
        remind_at=fields.get("at"),
        steal=mine.may_steal(ref.queue),
    )
    written = None
    if action in TEXT_ACTIONS:
        written = Written(text=fields.get("text"), template=fields.get("template"))
    with _refusals():
        result = await perform_action(components, client, ref, request, written)
    return ActionResult(**vars(result))


def _forbid(reason: str | None) -> None:
    if reason is not None:
        raise HTTPException(status.HTTP_403_FORBIDDEN, reason)


def _action_endpoint(action: str, body_type: type[ActionBody]) -> Callable[..., Any]:
    """A route of its own per action, so OpenAPI shows the body each one takes."""

    async def endpoint(
        number: str,
        components: ComponentsDep,
        client: TemporalClientDep,
        agent: CurrentAgent,
        body: ActionBody | None = None,
    ) -> ActionResult:
        fields = body.model_dump() if body is not None else {}
        return await act_on_ticket(number, action, fields, components, client, agent)

    # FastAPI reads the body's type from the signature: give it this action's.
    optional = _accepts_nothing(body_type)
    signature = inspect.signature(endpoint)
    body_param = signature.parameters["body"].replace(
        annotation=Annotated[body_type | None if optional else body_type, Body()],
        default=None if optional else inspect.Parameter.empty,
    )
    # The others' annotations are strings here (postponed evaluation): resolve them.
    hints = typing.get_type_hints(endpoint, include_extras=True)
    params = [
        p.replace(annotation=hints[p.name])
        for p in signature.parameters.values()
        if p.name != "body"
    ]
    endpoint.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[*params, body_param], return_annotation=ActionResult
    )
    endpoint.__name__ = f"action_{action}"
    return endpoint


def _accepts_nothing(body_type: type[ActionBody]) -> bool:
    try:
        body_type.model_validate({})
    except ValidationError:
        return False
    return True


for _action, (_body_type, _summary) in ACTION_BODIES.items():
    router.add_api_route(
        f"/tickets/{{number}}/actions/{_action}",
        _action_endpoint(_action, _body_type),
        methods=["POST"],
        response_model=ActionResult,
        summary=_summary,
        description=f"`{_action}`: {_summary}. Answers with the ticket's state as the "
        "workflow left it; 409 with the reason when its state does not allow it.",
    )


@router.post("/tickets/{number}/actions/{action}", include_in_schema=False)
def unknown_action(number: str, action: str, agent: CurrentAgent) -> None:
    raise HTTPException(
        status.HTTP_404_NOT_FOUND,
        f"unknown action {action!r}; known: {', '.join(sorted(ACTION_BODIES))}",
    )


@contextmanager
def _counted(action: str) -> Iterator[None]:
    """Every action and macro in the metrics, by its result."""
    try:
        yield
    except HTTPException as exc:
        AGENT_ACTIONS.labels(action=action, result=action_result(exc.status_code)).inc()
        raise
    AGENT_ACTIONS.labels(action=action, result="ok").inc()


@contextmanager
def _refusals() -> Iterator[None]:
    """An action's refusals as HTTP answers with their reasons."""
    try:
        yield
    except InvalidTransition as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, exc.reason) from exc
    except AnswerError as exc:
        raise HTTPException(UNPROCESSABLE, str(exc)) from exc
    except TemporalUnavailable as exc:
        raise try_again_later("the ticket engine is unreachable; try again") from exc
