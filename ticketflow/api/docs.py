"""The OpenAPI page, `/docs`: Swagger UI from the copy the fastapi-offline package ships,
served from here under a strict Content-Security-Policy. FastAPI's own page loads it from
a CDN, unchecked, with an inline script, on the origin the console signs agents in on."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
router = APIRouter(include_in_schema=False)
PAGE = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Ticketflow API</title>
<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">
<link rel="icon" href="{ASSETS}/favicon.png">
</head>
<body>
<div id="swagger-ui" data-openapi="/openapi.json"></div>
<script src="{ASSETS}/swagger-ui-bundle.js"></script>
<script src="{ASSETS}/docs.js"></script>
</body>
</html>
"""
# Scripts and styles from here only, nothing inline; requests ("Try it out") to here only.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


@router.get("/docs")
def docs_page() -> HTMLResponse:
    return HTMLResponse(PAGE, headers=HEADERS)


def install_docs(app: FastAPI) -> None:
    """`/docs` and its assets (ours, then the package's Swagger UI), for an app made with
    `docs_url=None, redoc_url=None`."""
    assets = StaticFiles(
        directory=Path(__file__).parent / "static", packages=[("fastapi_offline", "static")]
    )
    app.mount(ASSETS, assets, name="docs-assets")
    app.include_router(router)
