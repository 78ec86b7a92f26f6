"""The FastAPI application: agents' API and inbound mail, built by `create_app(settings)`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from temporalio.client import Client

from ticketflow.api.docs import install_docs
from ticketflow.api.errors import install_error_handlers
from ticketflow.api.exporter import install_metrics, read_model_gauges
from ticketflow.api.guards import AgentRequestGuard
from ticketflow.api.routes import (
    actions,
    admin,
    attachments,
    bulk,
    desk,
    health,
    inbound,
    incidents,
    links,
    passwords,
    quarantine,
    queues,
    reports,
    search,
    tickets,
    tracker,
    uploads,
)
from ticketflow.components import Components, connect_temporal
from ticketflow.console.app import install as install_console
from ticketflow.console.app import refusal_page
from ticketflow.settings import Settings, package_version


def create_app(settings: Settings, temporal: Client | None = None) -> FastAPI:
    """The app for `settings`; `temporal` is an already connected client (tests), else lazy."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        components = Components(settings)
        app.state.components = components
        app.state.temporal = temporal or await connect_temporal(settings, lazy=True)
        with read_model_gauges(components):
            yield
        components.close()

    app = FastAPI(
        title="Ticketflow",
        version=package_version(),
        summary="Help-desk tickets as durable Temporal workflows",
        lifespan=lifespan,
        # The OpenAPI page is ticketflow.api.docs's, served from the package; no ReDoc.
        docs_url=None,
        redoc_url=None,
    )
    for module in (
        actions,
        admin,
        attachments,
        bulk,
        desk,
        health,
        inbound,
        incidents,
        links,
        passwords,
        quarantine,
        queues,
        reports,
        search,
        tickets,
        tracker,
        uploads,
    ):
        app.include_router(module.router)
    install_docs(app)
    install_console(app)
    install_metrics(app)
    # Refusals: JSON on the API's paths, the console's pages elsewhere.
    install_error_handlers(app, page=refusal_page)
    app.add_middleware(AgentRequestGuard)
    return app
