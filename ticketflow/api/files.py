"""Files as both faces answer with them: an attachment always as a download, never rendered
or run in our origin (a browser gets no chance to sniff or script it); a report's sheet,
kept by no cache."""

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


# The project's own figures: no cache (a proxy's, a browser's) keeps a copy.
NOT_KEPT = {"Cache-Control": "no-store"}


def as_sheet(csv_text: str, name: str) -> Response:
    disposition = f'attachment; filename="{name}.csv"'
    return Response(
        csv_text, media_type="text/csv", headers={"Content-Disposition": disposition, **NOT_KEPT}
    )
