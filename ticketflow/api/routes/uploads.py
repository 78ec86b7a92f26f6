"""Agents' files for their mail: uploaded to a ticket as multipart/form-data, then named
in an answer's, a question's or a forward's `attachments`."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request

from ticketflow.api.bodies import read_form_data
from ticketflow.api.deps import ComponentsDep, CurrentAgent
from ticketflow.api.problems import AGENT_ROUTE, problems
from ticketflow.service.shapes import UploadList
from ticketflow.service.uploads import upload_files

router = APIRouter(prefix="/api/v1", tags=["attachments"], responses=AGENT_ROUTE)
FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                    "required": ["file"],
                }
            }
        },
    }
}


@router.post(
    "/tickets/{number}/uploads",
    status_code=201,
    response_model=UploadList,
    responses=problems(400, 404, 413, 422, 503),
    openapi_extra=FORM,
)
async def post_uploads(
    number: str, request: Request, components: ComponentsDep, agent: CurrentAgent
) -> UploadList:
    """Keep files (each a part named `file`) to send with your mail on this ticket: each
    within the attachment limit, through the desk's virus scanner if it has one."""
    form = await read_form_data(request, components.settings.max_message_bytes)
    files = form.files_named("file")
    return await asyncio.to_thread(upload_files, components, agent, number, files)
