"""The supervisors' dashboard (`/reports`): the reports' figures of a period with charts
drawn on the server, through the service's reports (the same policy: a project's
supervisors and admins)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from ticketflow.api.deps import ComponentsDep
from ticketflow.api.files import as_sheet
from ticketflow.console.charts import Series, bars
from ticketflow.console.i18n import language_of, translations
from ticketflow.console.rendering import render
from ticketflow.console.session import Seat
from ticketflow.service import reports
from ticketflow.tickets.reporting import AGE_BUCKETS

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=40)]


@router.get("/reports/{kind}.csv")
async def report_sheet(
    components: ComponentsDep,
    seat: Seat,
    kind: Literal["summary", "queues", "agents", "hourly"],
    project: Text = None,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
) -> Response:
    """A report as CSV, for the signed-in supervisor (the API's sheets need a token)."""

    def read() -> str:
        # The sheets of the dashboard: every agent's row, for one who may read reports.
        asked = reports.ReportQuery(project, start, end)
        reports.reader_seat(components, seat.agent, project)
        return reports.as_csv(reports.report(components, seat.agent, kind, asked))

    return as_sheet(await asyncio.to_thread(read), kind)


@router.get("/reports")
async def reports_page(
    request: Request,
    components: ComponentsDep,
    seat: Seat,
    project: Text = None,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
) -> Response:
    def read() -> dict[str, Any]:
        mine = reports.reader_seat(components, seat.agent, project)
        period, zone = reports.period_of(mine, start, end), reports.zone_of(mine)
        last = period.end - timedelta(microseconds=1)
        return {
            "project": mine.project,
            "shown": (period.start.astimezone(zone).date(), last.astimezone(zone).date()),
            "summary": reports.summary_of(components, period),
            "queues": reports.queues_of(components, mine, period),
            "agents": reports.agents_of(components, period),
            "hours": reports.hourly_of(components, mine, period),
        }

    found = await asyncio.to_thread(read)
    language = language_of(seat.language, request.headers.get("accept-language"))
    charts = _charts(found, translations(language).gettext)
    return render(request, "reports.html.j2", seat, **found, charts=charts)


def _charts(found: dict[str, Any], _: Callable[[str], str]) -> dict[str, Any]:
    hours = found["hours"]
    labels = [h["hour"].strftime("%H") for h in hours]
    waits = [(h["first_line_wait_mean"] or 0) / 60 for h in hours]
    ages = found["summary"]["open_by_age"]
    buckets = [name for name, _limit in AGE_BUCKETS]
    return {
        "load": bars(
            labels,
            [
                Series(_("new tickets"), [h["new"] for h in hours]),
                Series(_("agents' actions"), [h["agent_actions"] for h in hours]),
            ],
            _("New tickets and agents' actions per hour"),
        ),
        "wait": bars(
            labels,
            [Series(_("first-line wait"), [round(w, 1) for w in waits])],
            _("Mean first-line wait by hour of arrival"),
            " " + _("min"),
        ),
        "ages": bars(
            buckets,
            [Series(_("open tickets"), [ages[name] for name in buckets])],
            _("Open tickets by age"),
        ),
    }
