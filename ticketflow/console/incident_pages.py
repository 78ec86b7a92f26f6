"""Incidents in the console: the list and a new incident's form, an incident's page (its
progress, refreshed while mail goes out, and its orders), and a queue view's selection
made an incident or linked to one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from ticketflow.api.deps import ComponentsDep, RowId, TemporalClientDep
from ticketflow.api.errors import status_of
from ticketflow.components import Components
from ticketflow.console.rendering import SECURITY_HEADERS, render
from ticketflow.console.session import Seat, check_csrf, read_form, validated
from ticketflow.letters.answers import answer_templates
from ticketflow.service import incidents, warnings
from ticketflow.service.incident_shapes import (
    IncidentBody,
    IncidentCloseBody,
    IncidentMailBody,
    IncidentOut,
    IncidentSummary,
    SurgeBody,
)
from ticketflow.service.policy import policy_of
from ticketflow.service.refusals import Invalid, Refusal
from ticketflow.store.agents import AgentIdentity
from ticketflow.tickets.incidents import TAKES_LINKS

router = APIRouter(include_in_schema=False)
# Pages of an incident whose mail is on its way reload themselves this often (seconds).
REFRESH_SECONDS = 3
SENDING = ("answering", "closing")


def managed_projects(components: Components, agent: AgentIdentity) -> list[str]:
    """The projects whose incidents he manages."""
    return [
        p
        for p in policy_of(components.projects).projects_of(agent)
        if incidents.may_manage(components, agent, p)
    ]


def open_incidents(
    components: Components, agent: AgentIdentity, project: str
) -> list[IncidentSummary]:
    """The project's incidents taking tickets, for a queue view's selection."""
    found = incidents.incident_list(components, agent, project).incidents
    return [i for i in found if i.state in TAKES_LINKS]


@router.get("/incidents")
def incident_list(request: Request, components: ComponentsDep, seat: Seat) -> Response:
    return _list_page(request, components, seat)


def _list_page(
    request: Request,
    components: Components,
    seat: Any,
    refused: Refusal | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    found = incidents.incident_list(components, seat.agent)
    return render(
        request,
        "incidents.html.j2",
        seat,
        status_of(refused) if refused else 200,
        incidents=found.incidents,
        managed=managed_projects(components, seat.agent),
        warnings=warnings.early_warnings(components, seat.agent).warnings,
        refused=refused,
        form=form or {},
    )


@router.post("/incidents")
async def create(
    request: Request, components: ComponentsDep, client: TemporalClientDep, seat: Seat
) -> Response:
    form = await read_form(request)
    check_csrf(seat.csrf, form)
    words = [w.strip() for w in form.get("words", "").split(",") if w.strip()]
    fields: dict[str, Any] = {
        "project": form.get("project", ""),
        "title": form.get("title", "").strip(),
        "status": form.get("status", "").strip(),
    }
    if words:
        fields["rule"] = [
            {"field": "subject", "keywords": words},
            {"field": "body", "keywords": words},
        ]
    try:
        body = validated(IncidentBody, fields)
        made = await incidents.do_create(components, client, seat.agent, body)
    except Refusal as refused:
        return _list_page(request, components, seat, refused, form)
    return _to_incident(made.id)


@router.post("/incidents/surge")
async def incident_of_surge(
    request: Request, components: ComponentsDep, client: TemporalClientDep, seat: Seat
) -> Response:
    """Early warning's one click: an incident of the surge's tickets."""
    form = await read_form(request)
    check_csrf(seat.csrf, form)
    try:
        body = validated(SurgeBody, {k: form.get(k, "") for k in ("project", "kind", "name")})
        made = await warnings.do_incident_of(
            components, client, seat.agent, body.project, body.kind, body.name
        )
    except Refusal as refused:
        return _list_page(request, components, seat, refused)
    return _to_incident(made.id)


@router.get("/incidents/{incident_id}")
def incident_page(
    request: Request, incident_id: RowId, components: ComponentsDep, seat: Seat
) -> Response:
    return _page(request, components, seat, incident_id)


def _page(
    request: Request,
    components: Components,
    seat: Any,
    incident_id: int,
    refused: Refusal | None = None,
    linked: Any = None,
) -> Response:
    view: IncidentOut = incidents.incident_view(components, seat.agent, incident_id)
    project = policy_of(components.projects).seat(seat.agent, view.project)
    templates = answer_templates(components.templates)
    titles = project.desk.template_titles
    return render(
        request,
        "incident.html.j2",
        seat,
        status_of(refused) if refused else 200,
        incident=view,
        manages=incidents.may_manage(components, seat.agent, view.project),
        templates=[(name, titles.get(name, {})) for name in templates],
        queues=project.move_targets(),
        refresh=REFRESH_SECONDS if view.state in SENDING and refused is None else None,
        refused=refused,
        linked=linked,
    )


@router.post("/incidents/{incident_id}/{order}")
async def order(
    request: Request,
    incident_id: RowId,
    order: str,
    components: ComponentsDep,
    client: TemporalClientDep,
    seat: Seat,
) -> Response:
    """One of the incident page's forms: tickets, answer, pause, resume, close."""
    form = await read_form(request)
    check_csrf(seat.csrf, form)
    agent = seat.agent
    try:
        if order == "tickets":
            numbers = [n for n in form.get("numbers", "").replace(",", " ").split() if n]
            if not numbers:
                raise Invalid("form-invalid", reason="no ticket number is given")
            linked = await incidents.do_link(components, client, agent, incident_id, numbers)
            if linked.refused:
                return _page(request, components, seat, incident_id, linked=linked)
        elif order == "answer":
            mail = validated(IncidentMailBody, _mail_fields(form))
            await incidents.do_answer(components, client, agent, incident_id, mail)
        elif order == "close":
            fields = _mail_fields(form) | ({"queue": form["queue"]} if form.get("queue") else {})
            final = validated(IncidentCloseBody, fields)
            await incidents.do_close(components, client, agent, incident_id, final)
        elif order == "pause":
            await incidents.do_pause(components, client, agent, incident_id)
        elif order == "resume":
            await incidents.do_resume(components, client, agent, incident_id)
        else:
            raise Invalid("form-invalid", reason=f"no such order: {order}")
    except Refusal as refused:
        return _page(request, components, seat, incident_id, refused)
    return _to_incident(incident_id)


async def link_selection(
    components: Components,
    client: Any,
    agent: AgentIdentity,
    project: str,
    numbers: list[str],
    chosen: str,
    title: str,
) -> int:
    """A queue view's selection linked to an incident: one of the open ones (`chosen`, its
    id), or a new one with `title` (`chosen` is "new"); the incident's id."""
    if chosen == "new":
        body = validated(IncidentBody, {"project": project, "title": title.strip()})
        incident_id = (await incidents.do_create(components, client, agent, body)).id
    elif chosen.isdigit():
        incident_id = int(chosen)
    else:
        raise Invalid("form-invalid", reason="no such incident")
    await incidents.do_link(components, client, agent, incident_id, numbers)
    return incident_id


def _mail_fields(form: dict[str, str]) -> dict[str, Any]:
    text = form.get("text", "").strip()
    template = form.get("template", "")
    return {"template": template} if template else {"text": text or None}


def _to_incident(incident_id: int) -> Response:
    return RedirectResponse(f"/incidents/{incident_id}", 303, headers=SECURITY_HEADERS)
