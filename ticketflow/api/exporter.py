"""`GET /metrics` in Prometheus's text format: this process's counters
(ticketflow.metrics) and what the read model holds now, read when scraped (a few indexed
rows: the queue counters, the oldest open ticket per queue from the queue index, the mail
set aside, the open tickets past their escalation deadline, early warning's surges), to
loopback or with a token.
Also the middleware that times and logs every HTTP request by its route template (never
its path or query: no ticket numbers, no customer's words)."""

from __future__ import annotations

import hmac
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException, Request
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ticketflow.api.deps import ComponentsDep
from ticketflow.api.guards import ASGIApp, Message, Receive, Scope, Send
from ticketflow.components import Components
from ticketflow.metrics import HTTP_SECONDS
from ticketflow.service.warnings import surges_of
from ticketflow.store.inbox import RawState
from ticketflow.store.models import RawMessage, Ticket, utcnow
from ticketflow.store.queries import queue_stats
from ticketflow.tickets.lifecycle import OPEN_STATES

router = APIRouter(tags=["operations"])
access = logging.getLogger("ticketflow.access")
# Long-lived or trivial answers whose time says nothing of the service's speed.
UNTIMED = ("/live/", "/static/", "/metrics")


LOOPBACK = frozenset({"127.0.0.1", "::1"})


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, components: ComponentsDep) -> Response:
    """The process's metrics, for Prometheus: with TICKETFLOW_METRICS_TOKEN as a bearer
    token, else to clients on loopback only (behind a proxy, no one: the proxy is no
    client on loopback, and it publishes no /metrics either)."""
    token = components.settings.metrics_token
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise HTTPException(401, "the metrics token", headers={"WWW-Authenticate": "Bearer"})
    elif (request.client.host if request.client else "") not in LOOPBACK:
        raise HTTPException(403, "metrics are served on loopback, or with the metrics token")
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


class ReadModelCollector(Collector):
    """Gauges of the read model, per project and queue."""

    def __init__(self, components: Components) -> None:
        self.components = components

    def collect(self) -> Iterator[Any]:
        tickets = GaugeMetricFamily(
            "ticketflow_queue_tickets",
            "Tickets in each queue by state (open in its line, or waiting)",
            labels=["project", "queue", "state"],
        )
        oldest = GaugeMetricFamily(
            "ticketflow_queue_oldest_open_seconds",
            "Age of the oldest open ticket in each queue, since it came into its state",
            labels=["project", "queue", "line"],
        )
        aside = GaugeMetricFamily(
            "ticketflow_mail_set_aside", "Raw messages kept for review, by state", labels=["state"]
        )
        overdue = GaugeMetricFamily(
            "ticketflow_tickets_past_deadline",
            "Open tickets whose next SLA deadline has passed",
            labels=["project"],
        )
        surging = GaugeMetricFamily(
            "ticketflow_early_warning_tickets",
            "New tickets in the last hour of each queue or hint arriving faster than usual"
            " (early warning: the desk's factor times the same hour's four-week mean)",
            labels=["project", "kind", "name"],
        )
        up = GaugeMetricFamily("ticketflow_read_model_up", "1 when the read model answered")
        try:
            self._read(tickets, oldest, aside, overdue, surging)
            up.add_metric([], 1)
        except SQLAlchemyError:
            up.add_metric([], 0)  # the scrape still answers: the outage is the alert
        yield from (tickets, oldest, aside, overdue, surging, up)

    def _read(self, *families: GaugeMetricFamily) -> None:
        tickets, oldest, aside, overdue, surging = families
        projects, now = self.components.projects, utcnow()
        with self.components.sessions() as session:
            for project in projects:
                names = [q.name for q in project.desk.queues]
                for stats in queue_stats(session, project.name, names):
                    tickets.add_metric([project.name, stats.name, stats.line], stats.open)
                    tickets.add_metric([project.name, stats.name, "waiting"], stats.waiting)
                    age = stats.oldest_open_age_seconds or 0.0
                    oldest.add_metric([project.name, stats.name, stats.line], age)
            for state in (RawState.QUARANTINED, RawState.HELD):
                count = session.scalar(
                    select(func.count()).select_from(RawMessage).where(RawMessage.state == state)
                )
                aside.add_metric([state], count or 0)
            past = session.execute(
                select(Ticket.project, func.count())
                .where(Ticket.escalation_at < now, Ticket.state.in_(list(OPEN_STATES)))
                .group_by(Ticket.project)
            ).all()
            found = dict(past)
            for project in projects:
                overdue.add_metric([project.name], found.get(project.name, 0))
        for project in projects:  # counted at most once a minute (ticketflow.service.warnings)
            for surge in surges_of(self.components, project.name):
                surging.add_metric([project.name, surge.kind, surge.name], surge.count)


class RequestTimer:
    """Times each HTTP request; labelled by the route's template once routing matched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith(UNTIMED):
            return await self.app(scope, receive, send)
        started, status = time.perf_counter(), 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            took = time.perf_counter() - started
            HTTP_SECONDS.labels(scope["method"], route, str(status)).observe(took)
            # The access log: the route's template and the status, never the path's
            # numbers, a query string (what a customer types in /help, an agent's search)
            # or a body.
            access.info("%s %s %d %.0f ms", scope["method"], route, status, took * 1000)


def install_metrics(app: FastAPI) -> None:
    app.include_router(router)
    app.add_middleware(RequestTimer)


@contextmanager
def read_model_gauges(components: Components) -> Iterator[None]:
    """The read model's gauges in this process's registry while the app runs. A second
    app in the same process (as tests make) reports through the first one's."""
    collector = ReadModelCollector(components)
    try:
        REGISTRY.register(collector)
    except ValueError:  # the names are registered already
        yield
        return
    try:
        yield
    finally:
        REGISTRY.unregister(collector)
