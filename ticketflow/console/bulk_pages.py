"""A queue view's selection, acted on at once: tickets ticked (click, shift-click, `x`), one
action or macro chosen, each ticket decided apart (ticketflow.service.bulk), and a page that
says ticket by ticket what was done and what was refused and why."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ticketflow.api.deps import ComponentsDep, TemporalClientDep
from ticketflow.api.errors import status_of
from ticketflow.components import Components
from ticketflow.console.incident_pages import link_selection, open_incidents
from ticketflow.console.rendering import SECURITY_HEADERS, render
from ticketflow.console.session import Seat, check_csrf, read_form, validated
from ticketflow.service import incidents
from ticketflow.service.bulk import do_bulk
from ticketflow.service.policy import policy_of
from ticketflow.service.refusals import Invalid, Refusal
from ticketflow.service.shapes import BulkBody
from ticketflow.store.agents import AgentIdentity

router = APIRouter(include_in_schema=False)
# A ticked row's field: `t-<number>` (one field a ticket, so a form reads as one mapping).
TICKED = "t-"


def bulk_choices(
    components: Components, agent: AgentIdentity, project: str, queue: str
) -> dict[str, Any]:
    """What a queue view offers its selection: moves out of the queue, priorities, close,
    take, release, and the macros he may run (in the desk's order). From the policy alone:
    a queue view is read often, and needs no more of the desk than this."""
    seat = policy_of(components.projects).chosen(agent, project)
    manages = incidents.may_manage(components, agent, seat.project)
    return {
        "moves": [q for q in seat.move_targets() if q != queue],
        "macros": seat.macros(),
        # Made an incident of, or linked to an open one: for those who manage incidents.
        "incidents": open_incidents(components, agent, seat.project) if manages else None,
    }


def ticked(form: dict[str, str]) -> list[str]:
    """The ticked tickets' numbers; Invalid when none is."""
    numbers = [name.removeprefix(TICKED) for name in form if name.startswith(TICKED)]
    if not numbers:
        raise Invalid("form-invalid", reason="no ticket is selected")
    return numbers


def chosen_body(form: dict[str, str]) -> BulkBody:
    """The form's ticked tickets and chosen action as a bulk request; Invalid saying what
    is missing."""
    numbers = ticked(form)
    kind, _, value = form.get("bulk", "").partition(":")
    fields: dict[str, Any] = {"numbers": numbers, "action": kind}
    if kind == "move":
        fields["queue"] = value
    elif kind == "priority":
        fields["priority"] = int(value) if value.isdigit() else None
    elif kind == "macro":
        fields["macro"] = value
    return validated(BulkBody, fields)


@router.post("/p/{project}/q/{queue}/bulk")
async def bulk(
    request: Request,
    project: str,
    queue: str,
    components: ComponentsDep,
    client: TemporalClientDep,
    seat: Seat,
) -> Response:
    form = await read_form(request)
    check_csrf(seat.csrf, form)
    back = f"/p/{quote(project, safe='')}/q/{quote(queue, safe='')}"
    try:
        kind, _, chosen = form.get("bulk", "").partition(":")
        if kind == "incident":
            title = form.get("incident_title", "")
            incident_id = await link_selection(
                components, client, seat.agent, project, ticked(form), chosen, title
            )
            return RedirectResponse(f"/incidents/{incident_id}", 303, headers=SECURITY_HEADERS)
        body = chosen_body(form)
    except Refusal as refused:
        return render(
            request,
            "bulk_result.html.j2",
            seat,
            status_of(refused),
            refused=refused,
            results=[],
            back=back,
            queue=queue,
        )
    results = await do_bulk(
        components, client, seat.agent, body.numbers, body.action, body.fields()
    )
    done = [r for r in results if r.result == "done"]
    return render(
        request,
        "bulk_result.html.j2",
        seat,
        200,
        results=results,
        done=len(done),
        refused=None,
        action=body.action,
        back=back,
        queue=queue,
    )
