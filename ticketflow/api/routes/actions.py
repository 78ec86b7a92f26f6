"""Agent actions on a ticket: one typed route per action, and macros (several at once)."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body
from pydantic import ValidationError

from ticketflow.api.deps import ComponentsDep, CurrentAgent, TemporalClientDep
from ticketflow.api.problems import AGENT_BODY_ROUTE, problems
from ticketflow.service.actions import check_action_name, do_act, do_run_macro, do_undo
from ticketflow.service.shapes import ACTION_BODIES, ActionBody, ActionResult, UndoBody

router = APIRouter(
    prefix="/api/v1", tags=["actions"], responses=AGENT_BODY_ROUTE | problems(403, 404, 409)
)


@router.post("/tickets/{number}/macros/{name}", response_model=ActionResult)
async def post_macro(
    number: str,
    name: str,
    components: ComponentsDep,
    client: TemporalClientDep,
    agent: CurrentAgent,
) -> ActionResult:
    """Run a macro as one step: all its actions, or (409 with the step and reason) none."""
    return await do_run_macro(components, client, agent, number, name)


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
        return await do_act(components, client, agent, number, action, fields)

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


@router.post(
    "/tickets/{number}/actions/undo",
    response_model=ActionResult,
    summary="Undo one of your own actions or macros within the desk's window",
)
async def undo(
    number: str,
    body: UndoBody,
    components: ComponentsDep,
    client: TemporalClientDep,
    agent: CurrentAgent,
) -> ActionResult:
    """Put the ticket back as it was before the action whose `action_id` is given (state,
    queue, owner, priority, timers); its mail is never sent. Once only: asked again, the
    same answer. 409 once the window is over, its mail went out, or the ticket changed."""
    return await do_undo(components, client, agent, number, body.action_id)


@router.post("/tickets/{number}/actions/{action}", include_in_schema=False)
def unknown_action(number: str, action: str, agent: CurrentAgent) -> None:
    check_action_name(action)  # the 404 that lists the known actions
