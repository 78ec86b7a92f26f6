"""Downloading an article's attachment, for agents who may see its ticket."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Response, status

from ticketflow.api.access import may_see
from ticketflow.api.deps import ComponentsDep, CurrentAgent, RowId
from ticketflow.store.queries import attachment_and_ticket, blob_data

router = APIRouter(prefix="/api/v1", tags=["attachments"])


@router.get("/attachments/{attachment_id}", response_class=Response)
def download_attachment(
    attachment_id: RowId, components: ComponentsDep, agent: CurrentAgent
) -> Response:
    """The file as the customer sent it, always as a download: a browser never renders
    or runs it in our origin."""
    with components.sessions() as session:
        found = attachment_and_ticket(session, attachment_id)
        if found is None or not may_see(components, found[1], agent):
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no attachment {attachment_id}")
        attachment, _ = found
        data = blob_data(session, attachment.blob_sha256) if attachment.blob_sha256 else None
    if data is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            "attachment larger than the storage limit: it is only in the raw message",
        )
    return Response(
        content=data,
        media_type=attachment.content_type or "application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(attachment.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
        },
    )
