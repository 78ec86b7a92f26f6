"""Mail kept for an administrator: quarantined (unreadable, past the reading limits) or
held (its sender over the new-ticket limit). List, inspect, read again, drop."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from ticketflow.api.deps import ComponentsDep, CurrentAgent, RowId, TemporalClientDep
from ticketflow.api.problems import AGENT_ROUTE, problems
from ticketflow.service.admin import Quarantine
from ticketflow.service.shapes import InboundResult, SetAsideOut
from ticketflow.store.inbox import RawState
from ticketflow.store.queries import ROW_ID_MAX

router = APIRouter(
    prefix="/api/v1/admin/quarantine", tags=["admin"], responses=AGENT_ROUTE | problems(403)
)


def quarantine(components: ComponentsDep, agent: CurrentAgent) -> Quarantine:
    """The mail kept for review, for one who may handle it; 403 for others."""
    return Quarantine(components, agent)


Kept = Annotated[Quarantine, Depends(quarantine)]


@router.get("", response_model=list[SetAsideOut])
async def list_quarantine(
    kept: Kept,
    state: Annotated[RawState | None, Query()] = None,
    before: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SetAsideOut]:
    """Newest first; `before` (an id) pages on; `state`: quarantined, held or dropped."""
    return await kept.kept(state, before, limit)


@router.get("/{raw_id}", response_model=SetAsideOut, responses=problems(404))
async def show_quarantined(kept: Kept, raw_id: RowId) -> SetAsideOut:
    detail = await kept.detail(raw_id)
    return SetAsideOut.of(detail.entry, detail.envelope_to)


@router.get(
    "/{raw_id}/raw",
    response_class=Response,
    responses=problems(404) | {200: {"content": {"message/rfc822": {}}}},
)
async def quarantined_raw(kept: Kept, raw_id: RowId) -> Response:
    """The message byte-exact, as delivered (to save and open with care)."""
    detail = await kept.detail(raw_id)
    return Response(
        detail.raw,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="message-{raw_id}.eml"'},
    )


@router.post("/{raw_id}/retry", response_model=InboundResult, responses=problems(404))
async def retry_quarantined(kept: Kept, client: TemporalClientDep, raw_id: RowId) -> InboundResult:
    """Read it again with the current limits; a held message is let past the sender
    limit. The answer is what became of it (a ticket, or set aside again)."""
    return await kept.do_retry(client, raw_id)


@router.post("/{raw_id}/drop", status_code=status.HTTP_204_NO_CONTENT, responses=problems(404))
async def drop_quarantined(kept: Kept, raw_id: RowId) -> None:
    """It makes no ticket; the bytes stay stored."""
    await kept.do_drop(raw_id)
