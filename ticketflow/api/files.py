"""An attachment as both faces answer with it: always a download, never rendered or run
in our origin (a browser gets no chance to sniff or script it)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import Response

from ticketflow.service.tickets import Download


def as_download(found: Download) -> Response:
    return Response(
        content=found.data,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(found.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "sandbox",
        },
    )
