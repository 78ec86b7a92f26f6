"""Liveness and readiness."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from ticketflow.api.deps import ComponentsDep, TemporalClientDep
from ticketflow.store.migrate import SchemaNotCurrent, check_schema

router = APIRouter(tags=["health"])


HEALTH = {"database": "ok", "temporal": "ok", "status": "ok"}


@router.get(
    "/healthz",
    responses={
        200: {"description": "Both answer", "content": {"application/json": {"example": HEALTH}}},
        503: {
            "description": "What failed: `needs migration`, or `error: <its class>`",
            "content": {"application/json": {"example": HEALTH | {"status": "degraded"}}},
        },
    },
)
async def healthz(components: ComponentsDep, client: TemporalClientDep) -> JSONResponse:
    """200 when the read model (at the current schema) and Temporal both answer, else 503
    naming what failed."""
    checks = {"database": "ok", "temporal": "ok"}
    try:
        await asyncio.to_thread(check_schema, components.engine)
    except SchemaNotCurrent:
        checks["database"] = "needs migration"  # `ticketflow migrate`
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
    try:
        await asyncio.wait_for(client.service_client.check_health(), timeout=5)
    except Exception as exc:
        checks["temporal"] = f"error: {exc.__class__.__name__}"
    healthy = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ok" if healthy else "degraded", **checks}, 200 if healthy else 503
    )
