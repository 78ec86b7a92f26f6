"""Downloading an article's attachment, for agents who may see its ticket."""

from __future__ import annotations

from fastapi import APIRouter, Response

from ticketflow.api.deps import ComponentsDep, CurrentAgent, RowId
from ticketflow.api.files import as_download
from ticketflow.api.problems import AGENT_ROUTE, problems
from ticketflow.service import tickets

router = APIRouter(prefix="/api/v1", tags=["attachments"], responses=AGENT_ROUTE)


@router.get(
    "/attachments/{attachment_id}",
    response_class=Response,
    responses=problems(404) | {200: {"description": "The file", "content": {"*/*": {}}}},
)
def download_attachment(
    attachment_id: RowId, components: ComponentsDep, agent: CurrentAgent
) -> Response:
    """The file as the customer sent it, always as a download: a browser never renders
    or runs it in our origin."""
    return as_download(tickets.attachment(components, agent, attachment_id))
