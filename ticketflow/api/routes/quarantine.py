"""Mail kept for an administrator: quarantined (unreadable, past the reading limits) or
held (its sender over the new-ticket limit). List, inspect, read again, drop."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Response, status

from ticketflow.api.deps import ComponentsDep, CurrentAdmin, RowId, TemporalClientDep
from ticketflow.api.outages import try_again_later
from ticketflow.api.schemas import InboundResult, SetAsideOut
from ticketflow.components import Components
from ticketflow.engine.inbound import retry_set_aside
from ticketflow.engine.tickets import TemporalUnavailable
from ticketflow.store.inbox import (
    SET_ASIDE,
    RawDetail,
    RawState,
    drop_set_aside,
    list_set_aside,
    raw_detail,
)
from ticketflow.store.queries import ROW_ID_MAX

router = APIRouter(prefix="/api/v1/admin/quarantine", tags=["admin"])
NOT_FOUND = "no such message kept for review"


@router.get("", response_model=list[SetAsideOut])
async def list_quarantine(
    components: ComponentsDep,
    admin: CurrentAdmin,
    state: Annotated[RawState | None, Query()] = None,
    before: Annotated[int | None, Query(ge=1, le=ROW_ID_MAX)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[SetAsideOut]:
    """Newest first; `before` (an id) pages on; `state`: quarantined, held or dropped."""
    states = (state,) if state is not None else SET_ASIDE
    entries = await asyncio.to_thread(list_set_aside, components.sessions, states, limit, before)
    return [SetAsideOut.of(e) for e in entries]


@router.get("/{raw_id}", response_model=SetAsideOut)
async def show_quarantined(
    components: ComponentsDep, admin: CurrentAdmin, raw_id: RowId
) -> SetAsideOut:
    detail = await _detail(components, raw_id)
    return SetAsideOut.of(detail.entry, detail.envelope_to)


@router.get("/{raw_id}/raw", response_class=Response)
async def quarantined_raw(
    components: ComponentsDep, admin: CurrentAdmin, raw_id: RowId
) -> Response:
    """The message byte-exact, as delivered (to save and open with care)."""
    detail = await _detail(components, raw_id)
    return Response(
        detail.raw,
        media_type="message/rfc822",
        headers={"Content-Disposition": f'attachment; filename="message-{raw_id}.eml"'},
    )


@router.post("/{raw_id}/retry", response_model=InboundResult)
async def retry_quarantined(
    components: ComponentsDep,
    client: TemporalClientDep,
    admin: CurrentAdmin,
    raw_id: RowId,
) -> InboundResult:
    """Read it again with the current limits; a held message is let past the sender
    limit. The answer is what became of it (a ticket, or set aside again)."""
    try:
        retried = await retry_set_aside(components, client, raw_id)
    except TemporalUnavailable as exc:
        raise try_again_later(
            "read and stored, but its ticket could not be told; the worker's sweep tells it"
        ) from exc
    if retried is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    return InboundResult.of(retried.result)


@router.post("/{raw_id}/drop", status_code=status.HTTP_204_NO_CONTENT)
async def drop_quarantined(components: ComponentsDep, admin: CurrentAdmin, raw_id: RowId) -> None:
    """It makes no ticket; the bytes stay stored."""
    if not await asyncio.to_thread(drop_set_aside, components.sessions, raw_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)


async def _detail(components: Components, raw_id: int) -> RawDetail:
    detail = await asyncio.to_thread(raw_detail, components.sessions, raw_id)
    if detail is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_FOUND)
    return detail
