"""Reports at a million tickets: the summary, queue and agent reports of a day (and, for
comparison, of a week) as supervisors ask for them from `ticketflow api`, over HTTP.

    python bench/reports.py [--tickets 1000000] [--days 100] [--clients 10]
        [--seconds 30] [--think-ms 500] [--reuse] [--record]

Makes each ticket a plausible history (arrival in the Inbox; answered there, or asked, or
moved to a second-line queue, some wrongly; customers' replies and reopens; the newest
still open), folds it with the projection's own fold (ticketflow.tickets.reporting) and
loads tickets, figures and report rows into a fresh PostgreSQL database with COPY. A
million tickets over 100 days is the service's 10,000 a day. Target: p95 <= 100 ms for
the summary, queue and agent reports of a day.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from console import start_api  # noqa: E402
from harness import WORK, free_port, latency_line, parse_with_smoke, percentile, report  # noqa: E402
from queues import copy_rows, fresh_database  # noqa: E402

from ticketflow.components import Components  # noqa: E402
from ticketflow.desk.projects import load_projects  # noqa: E402
from ticketflow.payloads import HistoryEntry as Step  # noqa: E402
from ticketflow.settings import Settings  # noqa: E402
from ticketflow.store.migrate import sync_queues, upgrade  # noqa: E402
from ticketflow.tickets.reporting import DeskShape, TicketFigures, advance, is_agent  # noqa: E402

PROJECT = "mail"
SECOND_LINE = ["Passwords", "Web", "Solvers", "Abuse"]
AGENTS = [f"agent{i:02d}" for i in range(60)]
CHUNK = 20000  # tickets per COPY round


HOUR_SUMS = """
INSERT INTO report_hours (project, hour, queue, to_queue, action, clock, by_agent, events,
    closes, reopened, wrong_routing)
SELECT project, date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', queue, to_queue,
    action, coalesce(clock, ''), by_agent, count(*), count(*) FILTER (WHERE closes),
    count(*) FILTER (WHERE closes AND reopened_at IS NOT NULL),
    count(*) FILTER (WHERE wrong_routing)
FROM report_events GROUP BY 1, 2, 3, 4, 5, 6, 7
"""
AGENT_HOUR_SUMS = """
INSERT INTO report_agent_hours (project, hour, actor, action, events, first_contact, reopened,
    wrong_routing)
SELECT project, date_trunc('hour', at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC', actor, action,
    count(*), count(*) FILTER (WHERE first_contact),
    count(*) FILTER (WHERE reopened_at IS NOT NULL), count(*) FILTER (WHERE wrong_routing)
FROM report_events WHERE by_agent GROUP BY 1, 2, 3, 4
"""


def history(rng: random.Random, created: datetime, now: datetime) -> tuple[list[Step], str, str]:
    """A plausible life of one ticket: its events, its state and queue now."""
    steps: list[Step] = []
    at, state, queue = created, "first-line", "Inbox"

    def add(actor: str, action: str, to_state: str, to_queue: str, minutes: float) -> bool:
        nonlocal at, state, queue
        when = at + timedelta(minutes=minutes)
        if when >= now:
            return False
        steps.append(Step(len(steps) + 1, when, actor, action, state, to_state, queue, to_queue))
        at, state, queue = when, to_state, to_queue
        return True

    steps.append(Step(1, at, "customer", "customer-message", "received", "received", None, "Inbox"))
    steps.append(Step(2, at, "system", "route", "received", "first-line", None, "Inbox"))
    first, second = rng.choice(AGENTS[:30]), rng.choice(AGENTS[30:])
    wait = rng.expovariate(1 / 40)  # minutes in the first line
    fate = rng.random()
    if fate < 0.5:
        done = add(first, "answer", "closed", "Inbox", wait)
    elif fate < 0.6:
        done = add(first, "ask", "waiting", "Inbox", wait)
        done = done and add("customer", "customer-message", "first-line", "Inbox", 120)
        done = done and add(first, "answer", "closed", "Inbox", rng.expovariate(1 / 30))
    else:
        target = rng.choice(SECOND_LINE)
        done = add(first, "move", "second-line", target, wait)
        if done and rng.random() < 0.08:  # wrongly routed: handed on
            other = rng.choice([q for q in SECOND_LINE if q != target])
            done = add(second, "move", "second-line", other, rng.expovariate(1 / 90))
        done = done and add(second, "answer", "closed", queue, rng.expovariate(1 / 300))
    if done and rng.random() < 0.1:  # the customer writes again
        done = add("customer", "customer-message", "first-line", "Inbox", rng.expovariate(1 / 600))
        done = done and add(first, "close", "closed", "Inbox", rng.expovariate(1 / 60))
    return steps, state, queue


def _value(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def load(url: str, tickets: int, days: int, seed: int = 11) -> dict[str, int]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    shape: DeskShape = load_projects(Settings().desk_config).desk(PROJECT).report_shape()
    ticket_cols = [
        "id", "number", "project", "subject", "customer", "state", "queue", "priority",
        "created_at", "pending_since", "updated_at", "version",
    ]  # fmt: skip
    figure_cols = [
        "ticket_id", "project", "created_at", "first_queue", "first_line_wait_s",
        "first_response_at", "first_response_s", "first_response_business_s", "first_mail",
        "second_line", "first_closed_at", "within_day", "first_contact", "breaches",
        "queue_since", "closing_seq", "first_answer_seq", "routed_seq", "routed_at",
        "routed_into",
    ]  # fmt: skip
    event_cols = [
        "ticket_id", "seq", "project", "at", "actor", "action", "queue", "to_queue", "line",
        "closes", "handling_s", "first_contact", "clock", "wrong_routing", "reopened_at",
        "by_agent",
    ]  # fmt: skip
    counts: dict[tuple[str, str], int] = defaultdict(int)
    events_total = 0
    engine = create_engine(url)
    started = time.perf_counter()
    for start in range(1, tickets + 1, CHUNK):
        ticket_lines, figure_lines = [], []
        event_lines: list[tuple[datetime, str]] = []
        for i in range(start, min(start + CHUNK, tickets + 1)):
            # Tickets come in order, as in life: the table's order is the order of time.
            created = now - timedelta(seconds=days * 86400 * (1 - i / tickets) + rng.random())
            steps, state, queue = history(rng, created, now)
            counts[(queue, state)] += 1
            figures = TicketFigures(created_at=created)
            rows: dict[int, dict[str, object]] = {}
            for step in steps:
                row, marks = advance(figures, step, shape)
                if row is not None:
                    rows[row.seq] = vars(row) | {
                        "wrong_routing": False,
                        "reopened_at": None,
                        "by_agent": is_agent(row.actor, row.action),
                    }
                for mark in marks:
                    rows[mark.seq].update(mark.values)
            last = steps[-1].at
            ticket_lines.append(
                "\t".join(
                    map(
                        _value,
                        [i, f"{created:%Y%m%d}20{i:07d}", PROJECT, f"Ticket {i}",
                         f"user{i}@example.org", state, queue, 3, created, last, last,
                         len(steps)],
                    )
                )
                + "\n"
            )  # fmt: skip
            values = vars(figures) | {"ticket_id": i, "project": PROJECT}
            figure_lines.append("\t".join(_value(values[c]) for c in figure_cols) + "\n")
            for made in rows.values():
                values = made | {"ticket_id": i, "project": PROJECT}
                line = "\t".join(_value(values[c]) for c in event_cols) + "\n"
                event_lines.append((values["at"], line))  # type: ignore[arg-type]
        events_total += len(event_lines)
        # The projection writes events as they happen: in the order of their time.
        event_lines.sort(key=lambda pair: pair[0])
        with engine.begin() as conn:
            copy_rows(conn, "tickets", ticket_cols, iter(ticket_lines))
            copy_rows(conn, "ticket_reports", figure_cols, iter(figure_lines))
            copy_rows(conn, "report_events", event_cols, (line for _, line in event_lines))
    with engine.begin() as conn:
        # The hourly sums the projection keeps beside its rows, summed here in one pass.
        conn.execute(text(HOUR_SUMS))
        conn.execute(text(AGENT_HOUR_SUMS))
        conn.execute(text("SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets))"))
        conn.execute(text("DELETE FROM queue_counts"))
        for (queue, state), n in counts.items():
            conn.execute(
                text("INSERT INTO queue_counts VALUES (:p, :q, :s, :n)"),
                {"p": PROJECT, "q": queue, "s": state, "n": n},
            )
    print(
        f"loaded {tickets} tickets, {events_total} report rows in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return {"tickets": tickets, "events": events_total}


def loaded_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        tickets = int(conn.scalar(text("SELECT count(*) FROM tickets")) or 0)
        events = int(conn.scalar(text("SELECT count(*) FROM report_events")) or 0)
    engine.dispose()
    return {"tickets": tickets, "events": events}


def supervisor_token(url: str, data_dir: Path) -> str:
    components = Components(Settings(data_dir=data_dir, database_url=url))
    admin = components.agent_admin("bench")
    token = admin.add(f"lead{time.time_ns()}", ["mail/supervisors"])
    components.close()
    return token


async def supervisor(
    http: httpx.AsyncClient,
    seconds: float,
    think: float,
    timings: dict[str, list[float]],
    seed: int,
) -> None:
    rng = random.Random(seed)
    today = datetime.now(UTC).date()
    day = (today - timedelta(days=1)).isoformat()
    week = f"from={(today - timedelta(days=7)).isoformat()}&to={day}"
    asks = [
        ("summary, a day", f"/api/v1/reports/summary?from={day}&to={day}"),
        ("queues, a day", f"/api/v1/reports/queues?from={day}&to={day}"),
        ("agents, a day", f"/api/v1/reports/agents?from={day}&to={day}"),
        ("summary, 7 days", f"/api/v1/reports/summary?{week}"),
        ("agents, 7 days", f"/api/v1/reports/agents?{week}"),
    ]
    await asyncio.sleep(rng.uniform(0, think))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        label, path = rng.choice(asks)
        started = time.perf_counter()
        resp = await http.get(path)
        timings[label].append((time.perf_counter() - started) * 1000)
        if resp.status_code != 200:
            raise RuntimeError(f"{path}: {resp.status_code} {resp.text[:200]}")
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=100, help="the tickets' span, to now")
    parser.add_argument("--clients", type=int, default=10, help="supervisors asking at once")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think-ms", type=int, default=500)
    parser.add_argument("--admin-url", default="postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    parser.add_argument("--database", default="tf_reports_bench", help="dropped and made anew")
    parser.add_argument("--reuse", action="store_true", help="the database a previous run loaded")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parse_with_smoke(
        parser, tickets=3000, days=10, clients=2, seconds=3.0, think_ms=50,
        database="tf_reports_smoke", reuse=False,
    )  # fmt: skip
    data_dir = WORK / "reports"
    data_dir.mkdir(parents=True, exist_ok=True)
    if args.reuse:
        url = make_url(args.admin_url).set(database=args.database).render_as_string(False)
        loaded = loaded_counts(url)
    else:
        url = fresh_database(args.admin_url, args.database)
        projects = load_projects(Settings().desk_config)
        engine = create_engine(url)
        upgrade(engine, projects.first.name)
        sync_queues(engine, projects)
        engine.dispose()
        loaded = load(url, args.tickets, args.days)
    token = supervisor_token(url, data_dir)
    port = free_port()
    api = start_api(url, data_dir, port)
    timings: dict[str, list[float]] = defaultdict(list)
    try:
        headers = {"Authorization": f"Bearer {token}"}

        async def run() -> None:
            clients = [
                httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=60)
                for _ in range(args.clients)
            ]
            think = args.think_ms / 1000
            await asyncio.gather(
                *(supervisor(c, args.seconds, think, timings, s) for s, c in enumerate(clients))
            )
            for client in clients:
                await client.aclose()

        asyncio.run(run())
    finally:
        api.terminate()
        api.wait(30)
    per_day = loaded["tickets"] / args.days
    lines = [
        f"PostgreSQL, {loaded['tickets']} tickets ({per_day:.0f} a day), "
        f"{loaded['events']} report rows; {args.clients} supervisors for {args.seconds:.0f} s, "
        f"think time {args.think_ms} ms; reports from `ticketflow api` over HTTP"
    ]
    lines += [latency_line(name, values) for name, values in sorted(timings.items())]
    targets = ["summary, a day", "queues, a day", "agents, a day"]
    worst = max(percentile(timings[k], 0.95) for k in targets if timings[k])
    verdict = "met" if worst <= 100 else "missed"
    lines.append(f"reports of a day: worst p95 {worst:.1f} ms (target <= 100 ms: {verdict})")
    report("reports", lines, args.record)


if __name__ == "__main__":
    main()
