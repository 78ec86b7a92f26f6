"""Early warning: a queue's (or a hint's) new tickets of the last hour against the same
hour's mean over four weeks; shown to incident managers, a metric, and one click from an
incident of those tickets."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from tests.api.test_incidents import call
from tests.api.test_rights import add_agent
from tests.console.test_pages import signed_in
from tests.support.stack import Stack, make_components
from ticketflow.service.warnings import surges_of
from ticketflow.store.models import Article, Ticket, TicketHint, TicketReport, utcnow
from ticketflow.tickets.surges import HINT, QUEUE, Surge


def seed(components: Any, queue: str, at: Any, count: int, hint: str | None = None) -> None:
    """`count` tickets first routed into `queue` at `at` (with `hint`), as reports keep them."""
    with components.sessions.begin() as session:
        for _ in range(count):
            ticket = Ticket(
                number=f"s{abs(hash((queue, at, _, hint))) % 10**12}",
                project="mail",
                state="closed",
                queue=queue,
                priority=3,
                created_at=at,
            )
            session.add(ticket)
            session.flush()
            session.add(
                TicketReport(ticket_id=ticket.id, project="mail", created_at=at, first_queue=queue)
            )
            if hint:
                article = Article(ticket_id=ticket.id, direction="in", status="processed")
                session.add(article)
                session.flush()
                session.add(
                    TicketHint(
                        ticket_id=ticket.id,
                        article_id=article.id,
                        topic=hint,
                        rule="r",
                        part="subject",
                        matched="x",
                    )
                )


def test_a_surge_is_three_times_the_same_hour_s_mean_and_at_least_the_minimum(
    tmp_path: Path, database_url: str
) -> None:
    components = make_components(tmp_path, database_url)
    now = utcnow()
    for day in range(1, 29):  # usually 2 an hour in Web, 10 in Inbox at this hour
        seed(components, "Web", now - timedelta(days=day, minutes=30), 2)
        seed(components, "Inbox", now - timedelta(days=day, minutes=20), 10)
    seed(components, "Inbox", now - timedelta(days=3, hours=5), 500)  # another hour: not counted
    seed(components, "Web", now - timedelta(minutes=10), 25, hint="login")
    seed(components, "Inbox", now - timedelta(minutes=5), 25)
    found = surges_of(components, "mail", now=now)
    assert found == [Surge(HINT, "login", 25, 0.0), Surge(QUEUE, "Web", 25, 2.0)]
    # Inbox: 25 against a usual 10 is less than three times.


async def test_warnings_for_managers_and_an_incident_of_them_in_one_click(stack: Stack) -> None:
    add_agent(stack, "ivy", ["mail/first-line", "mail/incidents"])
    desk = stack.components.projects.desk("mail")
    numbers = [
        await stack.open_ticket(sender=f"C{i} <c{i}@example.org>", subject="No mail")
        for i in range(desk.early_warning_minimum)
    ]
    # Counted afresh (a page or a scrape counts once a minute: the app's metrics counted
    # when it started).
    surges_of(stack.components, "mail", now=utcnow())
    shown = await call(stack, "GET", "/incidents/warnings")
    inbox = [w for w in shown["warnings"] if (w["kind"], w["name"]) == ("queue", "Inbox")]
    assert inbox == [
        {"project": "mail", "kind": "queue", "name": "Inbox", "count": len(numbers), "usual": 0.0}
    ]
    assert (await call(stack, "GET", "/incidents/warnings", agent="alice")) == {"warnings": []}
    metrics = await stack.http.get("/metrics")
    assert re.search(
        r'ticketflow_early_warning_tickets\{kind="queue",name="Inbox",project="mail"\} '
        + f"{len(numbers)}.0",
        metrics.text,
    )
    # The incidents page shows it to ivy; one click makes an incident of those tickets.
    ivys, csrf = await signed_in(stack, "ivy")
    page = await ivys.get("/incidents")
    assert 'data-warning="queue:Inbox"' in page.text
    made = await ivys.post(
        "/incidents/surge", data={"csrf": csrf, "project": "mail", "kind": "queue", "name": "Inbox"}
    )
    assert made.status_code == 303
    incident = await call(stack, "GET", made.headers["location"])
    assert incident["linked"] == len(numbers) and incident["title"].startswith("Inbox: ")
    gone = await stack.http.post(
        "/api/v1/incidents/warnings",
        json={"project": "mail", "kind": "hint", "name": "nothing"},
        headers=stack.auth("ivy"),
    )
    assert (gone.status_code, gone.json()["code"]) == (404, "surge-unknown")
