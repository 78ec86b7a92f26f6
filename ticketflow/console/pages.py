"""The console's pages: each reads and acts through the service (the same policy, projects
and engine as the API), parses the form and renders what it returns. A refusal is shown
where the agent clicked, in his language."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import RedirectResponse, Response

from ticketflow.api.deps import ComponentsDep, RowId, TemporalClientDep
from ticketflow.api.errors import status_of
from ticketflow.api.files import as_download
from ticketflow.components import Components
from ticketflow.console.access_pages import tools_context
from ticketflow.console.bulk_pages import bulk_choices
from ticketflow.console.rendering import SECURITY_HEADERS, render
from ticketflow.console.session import Seat, check_csrf, read_form, read_form_and_files, validated
from ticketflow.desk.macros import by_hints
from ticketflow.letters.answers import Written
from ticketflow.service import desk, links, tickets, working
from ticketflow.service.access_shapes import ClaimsBody, ClaimsOut
from ticketflow.service.actions import check_action_name, do_act, do_run_macro, do_undo
from ticketflow.service.passwords import do_record_claims
from ticketflow.service.refusals import NotFound, Refusal
from ticketflow.service.shapes import ACTION_BODIES, ActionResult, LinkBody, PreviewBody
from ticketflow.service.uploads import upload_files
from ticketflow.store.models import utcnow
from ticketflow.store.queries import ROW_ID_MAX
from ticketflow.store.sign_in import ConsoleSeat

# A ticket's page shows its newest articles; a link leads to those before.
ARTICLES_PER_PAGE = 50
# Actions after which the ticket is done with, for the agent: the queue's next one opens.
ENDS_HIS_PART = frozenset({"move", "answer", "ask", "close", "merge"})
# What a ticket page's `done` names: one of the agent's actions, "<number>.<action id>".
DONE = r"^[0-9A-Za-z-]{1,40}\.[0-9]{1,10}$"
router = APIRouter(include_in_schema=False)
Project = Annotated[str | None, Query(max_length=40)]
# None: the queue's own order.
Sort = Annotated[str | None, Query(pattern="^(pending|escalation|priority)$")]
Done = Annotated[str | None, Query(pattern=DONE)]

# --- reading -----------------------------------------------------------------------------


@router.get("/")
async def home(request: Request, components: ComponentsDep, seat: Seat) -> Response:
    """The agent's queues in each of his projects, with their counts and oldest ages."""

    def read() -> list[tuple[str, Any]]:
        me = desk.me(components, seat.agent)
        return [(p.name, desk.queues(components, seat.agent, p.name)) for p in me.projects]

    projects = await asyncio.to_thread(read)
    return render(request, "home.html.j2", seat, projects=projects)


@router.get("/p/{project}/q/{queue}")
async def queue_page(
    request: Request,
    project: str,
    queue: str,
    components: ComponentsDep,
    seat: Seat,
    sort: Sort = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    done: Done = None,
    empty: bool = False,
) -> Response:
    asked = tickets.QueueQuery(project=project, queue=queue, cursor=cursor, sort=sort)
    page = await asyncio.to_thread(tickets.queue_page, components, seat.agent, asked)
    notice = await _notice(components, seat, done)
    # The live view sends what arrives after this page was made.
    live = f"/live/p/{quote(project)}/q/{quote(queue)}?since={quote(utcnow().isoformat())}"
    return render(
        request,
        "queue.html.j2",
        seat,
        project=project,
        queue=queue,
        sort=page.sort,
        page=page,
        live=live if page.sort in ("pending", "priority") and not cursor else None,
        notice=notice,
        empty=empty,
        zone=components.projects.desk(project).zone,
        choices=bulk_choices(components, seat.agent, project, queue),
    )


@router.get("/p/{project}/q/{queue}/next")
async def next_in_queue(
    project: str,
    queue: str,
    components: ComponentsDep,
    seat: Seat,
    sort: Sort = None,
    after: Annotated[str | None, Query(max_length=40)] = None,
    done: Done = None,
) -> Response:
    """Open the queue's next ticket for him (marked as open by him: another agent working
    the queue is given another); the queue's page when none is left. `done` is carried
    on: the notice of what he has just done, with its undo."""
    return await _next_of(components, seat, project, queue, done, sort, after)


async def _next_of(
    components: Components,
    seat: ConsoleSeat,
    project: str,
    queue: str,
    done: str | None,
    sort: str | None = None,
    after: str | None = None,
) -> Response:
    """To the queue's next ticket for him, now his open one (or to the queue, when none is
    left), carrying the notice of what he has just done."""
    found = await asyncio.to_thread(
        working.next_ticket, components, seat.agent, project, queue, sort, after
    )
    carried = f"done={quote(done)}" if done else ""
    if found is None:
        target = f"/p/{quote(project)}/q/{quote(queue)}?empty=1{'&' + carried if carried else ''}"
    else:
        target = f"/t/{quote(found, safe='')}{'?' + carried if carried else ''}"
    return RedirectResponse(target, 303, headers=SECURITY_HEADERS)


@router.get("/t/{number}")
async def ticket_page(
    request: Request,
    number: str,
    components: ComponentsDep,
    seat: Seat,
    before: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)] = None,
    done: Done = None,
    undone: bool = False,
) -> Response:
    notice = await _notice(components, seat, done)
    return await _ticket(
        request, number, components, seat, before=before, notice=notice, undone=undone
    )


async def _notice(
    components: Components, seat: ConsoleSeat, done: str | None
) -> working.Done | None:
    """What `done` names, if it is the agent's own action (else nothing is said)."""
    if not done:
        return None
    number, action_id = done.rsplit(".", 1)
    return await asyncio.to_thread(working.done, components, seat.agent, number, int(action_id))


async def _ticket(
    request: Request,
    number: str,
    components: Components,
    seat: ConsoleSeat,
    refused: Refusal | None = None,
    before: int | None = None,
    **context: Any,
) -> Response:
    """The ticket's page; with `refused`, the refusal where he clicked (its status)."""

    def read() -> dict[str, Any]:
        # One trip to a thread for all the page reads: none blocks the event loop.
        agent = seat.agent
        ticket = tickets.ticket_detail(components, agent, number, ARTICLES_PER_PAGE, before)
        working.opened(components, agent, number)  # one he may read: now his open one
        return {
            "ticket": ticket,
            # By key (a macro keeps its key whatever he used most), then those the
            # ticket's hints make likely first.
            "macros": by_hints(
                sorted(
                    tickets.ticket_macros(components, agent, number).macros,
                    key=lambda m: (m.key is None, m.key or ""),
                ),
                [h.topic for h in ticket.hints],
            ),
            "desk": desk.desk_for(components, agent, ticket.project),
            "others": tickets.customer_others(components, agent, ticket),
            **tools_context(components, agent, ticket),
        }

    found = await asyncio.to_thread(read)
    status_code = status_of(refused) if refused is not None else 200
    return render(
        request,
        "ticket.html.j2",
        seat,
        status_code,
        **found,
        offered=set(found["ticket"].actions),
        zone=found["desk"].time_zone,
        live=f"/live/t/{quote(number, safe='')}",
        refused=refused,
        refused_status=status_code,
        **context,
    )


@router.get("/mine")
async def mine_page(request: Request, components: ComponentsDep, seat: Seat) -> Response:
    """The agent's own open and waiting tickets, in every project."""
    found = await asyncio.to_thread(tickets.owned, components, seat.agent)
    return render(request, "mine.html.j2", seat, tickets=found)


@router.get("/overview")
async def overview_page(request: Request, components: ComponentsDep, seat: Seat) -> Response:
    """Per queue of each of his projects: open, waiting, oldest, breached; and the agents
    with what they own."""
    found = await asyncio.to_thread(desk.overviews, components, seat.agent)
    sections = [(o.project, o.queues, o.overview) for o in found]
    return render(request, "overview.html.j2", seat, sections=sections)


@router.get("/search")
async def search_page(
    request: Request,
    components: ComponentsDep,
    seat: Seat,
    q: Annotated[str, Query(max_length=500)] = "",
    project: Project = None,
) -> Response:
    hits = None
    if q.strip():
        hits = await asyncio.to_thread(tickets.search, components, seat.agent, q, 50, project)
    return render(request, "search.html.j2", seat, q=q, hits=hits, project=project)


@router.get("/escalations")
async def escalations_page(
    request: Request, components: ComponentsDep, seat: Seat, project: Project = None
) -> Response:
    found = await asyncio.to_thread(
        tickets.escalations, components, seat.agent, 24 * 60, 200, project
    )
    return render(request, "escalations.html.j2", seat, tickets=found.tickets)


@router.get("/files/{attachment_id}")
async def file_download(attachment_id: RowId, components: ComponentsDep, seat: Seat) -> Response:
    """An attachment, as the API serves it (always a download), for the signed-in agent."""
    found = await asyncio.to_thread(tickets.attachment, components, seat.agent, attachment_id)
    return as_download(found)


# --- acting ------------------------------------------------------------------------------


@router.post("/t/{number}/preview")
async def preview(request: Request, number: str, components: ComponentsDep, seat: Seat) -> Response:
    """The answer as the customer would get it, shown above the form that still holds it
    (its files are not kept for a preview: chosen again to send)."""
    form, _files = await read_form_and_files(request, components.settings.max_message_bytes)
    check_csrf(seat.csrf, form)
    text, template = form.get("text") or None, form.get("template") or None
    kept: dict[str, Any] = {"draft": text or "", "chosen_template": template}
    try:
        body = validated(PreviewBody, {"text": text, "template": template})
        shown = await tickets.preview(
            components, seat.agent, number, Written(text=body.text, template=body.template)
        )
    except NotFound:
        raise
    except Refusal as refused:
        return await _ticket(request, number, components, seat, refused, **kept)
    return await _ticket(request, number, components, seat, preview=shown, **kept)


@router.post("/t/{number}/act/{action}")
async def act(
    request: Request,
    number: str,
    action: str,
    components: ComponentsDep,
    client: TemporalClientDep,
    seat: Seat,
) -> Response:
    """One click: the action through the service; a refusal is shown on the ticket,
    where the agent clicked."""
    form, files = await read_form_and_files(request, components.settings.max_message_bytes)
    check_csrf(seat.csrf, form)
    check_action_name(action)
    working_on = _working_on(form)
    fields = _action_fields(form)
    # A refusal keeps what he wrote, in the box he wrote it in.
    kept: dict[str, Any] = {"chosen_template": form.get("template") or None}
    kept["note_draft" if action == "note" else "draft"] = form.get("text", "")
    kept.update(draft_cc=form.get("cc", ""), draft_bcc=form.get("bcc", ""))
    if action == "file-task":
        kept = {"task_summary": form.get("summary", ""), "task_text": form.get("text", "")}
    if action == "forward":
        kept = {
            "forward_draft": form.get("text", ""),
            "forward_to": form.get("to", ""),
            "forward_cc": form.get("cc", ""),
            "forward_of": int(form["article_id"]) if form.get("article_id", "").isdigit() else None,
        }
    try:
        if files:  # uploaded first: the mail names them (as the API's client does)
            kept_files = await asyncio.to_thread(
                upload_files, components, seat.agent, number, files
            )
            fields["attachments"] = [u.id for u in kept_files.uploads]
        body = validated(ACTION_BODIES[action][0], fields)
    except NotFound:
        raise
    except Refusal as refused:
        return await _ticket(request, number, components, seat, refused, acted=action, **kept)
    work = do_act(components, client, seat.agent, number, action, body.model_dump())
    ends = action in ENDS_HIS_PART
    return await _clicked(request, number, components, seat, action, work, working_on, ends, kept)


@router.post("/t/{number}/claims")
async def claims(
    request: Request,
    number: str,
    components: ComponentsDep,
    client: TemporalClientDep,
    seat: Seat,
) -> Response:
    """The customer's claims, as an agent read them in his mail: sealed at once; the page
    never shows them again (a refusal keeps none of them in the form either)."""
    form = await read_form(request)
    check_csrf(seat.csrf, form)
    items = {k.removeprefix("claim_"): v for k, v in form.items() if k.startswith("claim_") and v}
    try:
        body = validated(ClaimsBody, {"items": items})
    except Refusal as refused:
        return await _ticket(request, number, components, seat, refused, acted="claims")
    work = do_record_claims(components, client, seat.agent, number, body.items)
    return await _clicked(request, number, components, seat, "claims", work)


@router.post("/t/{number}/macro/{name}")
async def macro(
    request: Request,
    number: str,
    name: str,
    components: ComponentsDep,
    client: TemporalClientDep,
    seat: Seat,
) -> Response:
    form = await read_form(request)
    check_csrf(seat.csrf, form)
    working_on = _working_on(form)
    work = do_run_macro(components, client, seat.agent, number, name)
    ends = _macro_ends_his_part(components, working_on, name)
    return await _clicked(request, number, components, seat, name, work, working_on, ends)


def _macro_ends_his_part(
    components: Components, working_on: tuple[str, str] | None, name: str
) -> bool:
    """Whether the macro moves, answers, asks or closes (a macro that only takes or sets a
    priority leaves him on the ticket)."""
    project = components.projects.get(working_on[0]) if working_on else None
    found = project.desk.macro(name) if project is not None else None
    return found is None or any(step.action in ENDS_HIS_PART for step in found.steps)


@router.post("/t/{number}/undo/{action_id}")
async def undo(
    request: Request,
    number: str,
    action_id: Annotated[int, Path(ge=1, le=ROW_ID_MAX)],
    components: ComponentsDep,
    client: TemporalClientDep,
    seat: Seat,
) -> Response:
    """Take back what he has just done: the ticket is back as it was, and he on it."""
    form = await read_form(request)
    check_csrf(seat.csrf, form)
    try:
        await do_undo(components, client, seat.agent, number, action_id)
    except NotFound:
        raise
    except Refusal as refused:
        # Too late, or the ticket changed: said where he is working, the queue's next.
        return await _ticket(request, number, components, seat, refused, acted="undo")
    target = f"/t/{quote(number, safe='')}?undone=1"
    return RedirectResponse(target, 303, headers=SECURITY_HEADERS)


@router.post("/t/{number}/links")
async def link(request: Request, number: str, components: ComponentsDep, seat: Seat) -> Response:
    """Link the ticket with the one whose number he typed; back on the ticket's page."""
    form = await read_form(request)
    check_csrf(seat.csrf, form)
    other = form.get("number", "").strip()
    try:
        body = validated(LinkBody, {"number": other})
        await asyncio.to_thread(links.do_link, components, seat.agent, number, body.number)
    except Refusal as refused:
        return await _ticket(request, number, components, seat, refused, acted="link")
    target = f"/t/{quote(number, safe='')}#links"
    return RedirectResponse(target, 303, headers=SECURITY_HEADERS)


@router.post("/t/{number}/links/{other}/remove")
async def unlink(
    request: Request, number: str, other: str, components: ComponentsDep, seat: Seat
) -> Response:
    form = await read_form(request)
    check_csrf(seat.csrf, form)
    try:
        await asyncio.to_thread(links.do_unlink, components, seat.agent, number, other)
    except Refusal as refused:
        return await _ticket(request, number, components, seat, refused, acted="link")
    target = f"/t/{quote(number, safe='')}#links"
    return RedirectResponse(target, 303, headers=SECURITY_HEADERS)


# Fields of a ticket page's forms that are not the action's: the queue he works from.
FORM_ONLY = frozenset({"csrf", "from_project", "from_queue"})
# Address fields typed as one line: "a@x.example, b@y.example".
ADDRESS_LISTS = ("cc", "bcc")
ADDRESS_SEPARATORS = re.compile(r"[,;\s]+")


def _action_fields(form: Mapping[str, str]) -> dict[str, Any]:
    """A ticket page form's fields as the action's body takes them."""
    fields: dict[str, Any] = {k: v for k, v in form.items() if k not in FORM_ONLY and v != ""}
    if fields.get("priority", "").isdigit():
        fields["priority"] = int(fields["priority"])
    if str(fields.get("article_id", "")).isdigit():
        fields["article_id"] = int(fields["article_id"])
    for name in ADDRESS_LISTS:
        if name in fields:
            fields[name] = [a for a in ADDRESS_SEPARATORS.split(fields[name]) if a]
    if "reply_all" in fields:
        fields["reply_all"] = True  # a ticked box
    return fields


def _working_on(form: Mapping[str, str]) -> tuple[str, str] | None:
    """The project and queue he opened the ticket from, which its page's forms carry."""
    project, queue = form.get("from_project", ""), form.get("from_queue", "")
    return (project, queue) if project and queue else None


async def _clicked(
    request: Request,
    number: str,
    components: Components,
    seat: ConsoleSeat,
    acted: str,
    work: Awaitable[ActionResult | ClaimsOut],
    working_on: tuple[str, str] | None = None,
    ends_his_part: bool = False,
    kept: Mapping[str, Any] | None = None,
) -> Response:
    """After a click (a new page, so a reload repeats nothing): the queue's next ticket
    when the action ends his part, with the notice of what was done; else back to the
    ticket. A refusal is shown on the ticket where he clicked, his text kept in its box."""
    try:
        result = await work
    except NotFound:
        raise
    except Refusal as refused:
        return await _ticket(
            request, number, components, seat, refused, acted=acted, **(kept or {})
        )
    done = f"{number}.{result.action_id}" if result.action_id is not None else None
    if ends_his_part and working_on is not None:
        # Straight to the next ticket: one redirect, not two. A queue the form names that
        # is not his (a forged field) ends at home, never at a 404 after his action.
        try:
            return await _next_of(components, seat, *working_on, done)
        except NotFound:
            return RedirectResponse("/", 303, headers=SECURITY_HEADERS)
    target = f"/t/{quote(number, safe='')}" + (f"?done={quote(done)}" if done else "")
    return RedirectResponse(target, 303, headers=SECURITY_HEADERS)
