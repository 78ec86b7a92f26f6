"""The console's live parts, as server-sent events: a queue view receives the tickets that
arrive in it (new, moved in, reopened) without a reload, and a ticket's page learns who
owns it now and who else has it open. Each stream polls the read model's indexes every
few seconds and ends when the browser leaves or the session does."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import StreamingResponse

from ticketflow.api.deps import ComponentsDep
from ticketflow.components import Components
from ticketflow.console.session import COOKIE, LIMITS, Seat
from ticketflow.console.times import shown
from ticketflow.service.access import access_queue, access_ticket
from ticketflow.service.policy import policy_of
from ticketflow.service.refusals import Invalid, NotFound
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.console_views import arrived_since, note_viewer
from ticketflow.store.models import utcnow
from ticketflow.store.queries import default_states
from ticketflow.store.sign_in import ConsoleSeat, seat_for

router = APIRouter(include_in_schema=False)
POLL_SECONDS = 2.0
STREAM_HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}


def _event(name: str, data: object) -> str:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


async def _still_signed_in(components: Components, request: Request) -> ConsoleSeat | None:
    token = request.cookies.get(COOKIE, "")
    return await asyncio.to_thread(seat_for, components.sessions, token, LIMITS)


async def _ended(
    components: Components, request: Request, still: Callable[[AgentIdentity], bool]
) -> str | None:
    """Why a stream ends now (signed out, or no longer his to watch), or None."""
    seat = await _still_signed_in(components, request)
    if seat is None:
        return "signed-out"
    return None if still(seat.agent) else "gone"


@router.get("/live/p/{project}/q/{queue}")
async def queue_events(
    request: Request,
    project: str,
    queue: str,
    components: ComponentsDep,
    seat: Seat,
    since: Annotated[datetime, Query()],
) -> StreamingResponse:
    """`ticket` events: each ticket that came into the queue's view after `since` (when
    the page was made), as the queue view shows a row."""
    policy = policy_of(components.projects)
    mine = policy.chosen(seat.agent, project)
    access_queue(mine, queue)
    if since.tzinfo is None:
        raise Invalid("since-zone")
    states = default_states(mine.desk.lines().get(queue))
    zone = mine.desk.zone

    def still_his(agent: AgentIdentity) -> bool:
        """Whether his rights (as they are now: groups change) still show him the queue."""
        return project in policy.projects_of(agent) and policy.seat(agent, project).sees(queue)

    def fetch(after: datetime) -> list[dict[str, object]]:
        with components.sessions() as session:
            rows = arrived_since(session, mine.project, queue, states, after, 50)
            return [
                {
                    "number": t.number,
                    "subject": t.subject,
                    "customer": t.customer,
                    "queue": t.queue,
                    "priority": t.priority,
                    "owner": t.owner,
                    "pending_since": t.pending_since.isoformat(),
                    "escalation_at": t.escalation_at.isoformat() if t.escalation_at else None,
                    # As the page shows it: in the desk's zone, not raw ISO.
                    "escalation_shown": shown(t.escalation_at, zone),
                }
                for t in rows
            ]

    async def stream() -> AsyncIterator[str]:
        after = since
        yield "retry: 3000\n\n"
        while not await request.is_disconnected():
            # Each poll asks who he is now: a disabled agent, or one moved out of the
            # queue's groups, gets no further row.
            ended = await _ended(components, request, still_his)
            if ended is not None:
                yield _event(ended, {})
                return
            rows = await asyncio.to_thread(fetch, after)
            for row in rows:
                after = max(after, datetime.fromisoformat(str(row["pending_since"])))
                yield _event("ticket", row)
            if not rows:
                yield ": still here\n\n"  # keeps proxies from closing a quiet stream
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(stream(), media_type="text/event-stream", headers=STREAM_HEADERS)


@router.get("/live/t/{number}")
async def ticket_events(
    request: Request, number: str, components: ComponentsDep, seat: Seat
) -> StreamingResponse:
    """`status` events: the ticket's state and owner, and the other agents who have it
    open; the agent's own presence is recorded while the stream lasts."""

    def look(agent: AgentIdentity) -> dict[str, object] | None:
        with components.sessions.begin() as session:
            try:
                ticket = access_ticket(components, session, agent, number)
            except NotFound:
                return None  # moved where he may not read it, or his rights changed
            others = note_viewer(session, ticket.id, agent.name, utcnow())
            return {"state": ticket.state, "owner": ticket.owner, "viewers": others}

    if await asyncio.to_thread(look, seat.agent) is None:
        raise NotFound("ticket-unknown", number=number)

    async def stream() -> AsyncIterator[str]:
        yield "retry: 3000\n\n"
        last: dict[str, object] | None = None
        while True:
            if await request.is_disconnected():
                return
            current = await _still_signed_in(components, request)  # his rights as they are
            if current is None:
                yield _event("signed-out", {})
                return
            now = await asyncio.to_thread(look, current.agent)
            if now is None:
                yield _event("gone", {})
                return
            if now != last:
                yield _event("status", now)
                last = now
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(stream(), media_type="text/event-stream", headers=STREAM_HEADERS)
