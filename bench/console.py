"""The agents' console at a million tickets: queue view, ticket view and search pages as a
browser asks for them, rendered by `ticketflow api`, with agents clicking with think time.

    python bench/console.py [--tickets 1000000] [--agents 20] [--seconds 30]
        [--think-ms 1000] [--reuse] [--record]

Loads tickets and articles into a fresh PostgreSQL database as bench/queues.py does (COPY),
adds one ticket of 500 articles, signs 20 agents in through the sign-in form, and each
agent then opens a queue, a ticket of it and a search, pausing between clicks. Prints p50
and p95 per page, and the 500-article ticket's page beside an ordinary ticket's.
Targets: page render p95 <= 50 ms; the long ticket's page p95 within 2x an ordinary one's.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import WORK, free_port, healthy, latency_line, parse_with_smoke, percentile, report  # noqa: E402
from queues import COMMON_QUERIES, PROJECT, QUEUES, existing_counts, fresh_database, load  # noqa: E402

from ticketflow.components import Components  # noqa: E402
from ticketflow.desk.projects import load_projects  # noqa: E402
from ticketflow.settings import Settings  # noqa: E402
from ticketflow.store.migrate import bring_up_to_date, sync_queues, upgrade  # noqa: E402

PASSWORD = "bench password, long enough"
GROUPS = ["mail/first-line", "mail/passwords", "mail/web", "mail/solvers", "mail/abuse"]
LONG_TICKET_ARTICLES = 500
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
TICKET_LINK = re.compile(r'href="/t/(\d+)"')


def add_long_ticket(url: str) -> str:
    """One ticket with 500 articles (a long conversation): its number."""
    engine = create_engine(url)
    with engine.begin() as conn:
        ticket_id, number = conn.execute(
            text("SELECT id, number FROM tickets WHERE state = 'first-line' ORDER BY id LIMIT 1")
        ).one()
        conn.execute(
            text(
                "INSERT INTO articles (ticket_id, direction, status, from_addr, to_addr, subject,"
                " body_text, created_at) VALUES (:t, :d, 'processed', 'user@example.org',"
                " 'support@example.com', 'long', :b, now())"
            ),
            [
                {"t": ticket_id, "d": ("in", "out", "note")[i % 3], "b": f"Message {i}. " * 40}
                for i in range(LONG_TICKET_ARTICLES)
            ],
        )
    engine.dispose()
    return str(number)


def prepare_agents(url: str, agents: int, data_dir: Path) -> list[str]:
    components = Components(Settings(data_dir=data_dir, database_url=url))
    bring_up_to_date(components.engine, components.projects)
    admin = components.agent_admin("bench")
    names = []
    for i in range(agents):
        name = f"agent{i:02d}"
        with contextlib.suppress(ValueError):  # a reused database has them
            admin.add(name, GROUPS)
        admin.set_password(name, PASSWORD)
        names.append(name)
    components.close()
    return names


async def sign_in(http: httpx.AsyncClient, name: str) -> None:
    page = await http.get("/signin")
    form = {"csrf": CSRF.search(page.text).group(1), "name": name, "password": PASSWORD}  # type: ignore[union-attr]
    done = await http.post("/signin", data=form)
    if done.status_code != 303:
        raise RuntimeError(f"{name} could not sign in: {done.status_code}")


async def agent(
    http: httpx.AsyncClient,
    seconds: float,
    think: float,
    long_ticket: str,
    timings: dict[str, list[float]],
    seed: int,
) -> None:
    rng = random.Random(seed)

    async def timed(label: str, path: str) -> str:
        started = time.perf_counter()
        resp = await http.get(path)
        timings[label].append((time.perf_counter() - started) * 1000)
        if resp.status_code != 200:
            raise RuntimeError(f"{path}: {resp.status_code}")
        return resp.text

    # Agents do not all click at the same instant: each starts a little later.
    await asyncio.sleep(rng.uniform(0, think))
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        queue = rng.choice(list(QUEUES))
        page = await timed("queue view", f"/p/{PROJECT}/q/{queue}")
        numbers = TICKET_LINK.findall(page)
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        if numbers:
            await timed("ticket view", f"/t/{rng.choice(numbers)}")
            await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        word = rng.choice(COMMON_QUERIES)
        await timed("search", f"/search?q={word}&project={PROJECT}")
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        if rng.random() < 0.2:
            await timed("long ticket view", f"/t/{long_ticket}")


def start_api(url: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETFLOW_")}
    env |= {"TICKETFLOW_DATABASE_URL": url, "TICKETFLOW_DATA_DIR": str(data_dir)}
    log = (data_dir / "api.log").open("wb")
    command = [sys.executable, "-m", "ticketflow.cli", "api", "--port", str(port)]
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=log, cwd=ROOT)
    # /signin, not /healthz: this API runs with no Temporal to be healthy with.
    if healthy(f"http://127.0.0.1:{port}", 60, "/signin", proc):
        return proc
    raise RuntimeError(f"ticketflow api did not start; see {data_dir / 'api.log'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--think-ms", type=int, default=1000, help="pause after each click")
    parser.add_argument("--admin-url", default="postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    parser.add_argument("--database", default="tf_console_bench", help="dropped and made anew")
    parser.add_argument("--reuse", action="store_true", help="the database a previous run loaded")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parse_with_smoke(
        parser,
        tickets=2000,
        agents=2,
        seconds=3.0,
        think_ms=50,
        database="tf_console_smoke",
        reuse=False,
    )
    data_dir = WORK / "console"
    data_dir.mkdir(parents=True, exist_ok=True)
    if args.reuse:
        url = make_url(args.admin_url).set(database=args.database).render_as_string(False)
        loaded = existing_counts(url)
        engine = create_engine(url)
        with engine.connect() as conn:
            long_ticket = str(
                conn.scalar(
                    text(
                        "SELECT t.number FROM tickets t JOIN articles a ON a.ticket_id = t.id "
                        "GROUP BY t.number ORDER BY count(*) DESC LIMIT 1"
                    )
                )
            )
        engine.dispose()
    else:
        url = fresh_database(args.admin_url, args.database)
        projects = load_projects(Settings().desk_config)
        engine = create_engine(url)
        upgrade(engine, projects.first.name)
        sync_queues(engine, projects)
        engine.dispose()
        loaded = load(url, args.tickets)
        long_ticket = add_long_ticket(url)
    names = prepare_agents(url, args.agents, data_dir)
    port = free_port()
    api = start_api(url, data_dir, port)
    timings: dict[str, list[float]] = defaultdict(list)
    try:
        base = f"http://127.0.0.1:{port}"
        think = args.think_ms / 1000

        async def run() -> None:
            browsers = [httpx.AsyncClient(base_url=base, timeout=30) for _ in names]
            # Everyone signs in first: a password check (argon2) is meant to cost CPU,
            # and is not what a click on a page costs.
            await asyncio.gather(*(sign_in(b, n) for b, n in zip(browsers, names, strict=True)))
            await asyncio.gather(
                *(
                    agent(browser, args.seconds, think, long_ticket, timings, seed)
                    for seed, browser in enumerate(browsers)
                )
            )
            for browser in browsers:
                await browser.aclose()

        asyncio.run(run())
    finally:
        api.terminate()
        api.wait(30)

    lines = [
        f"PostgreSQL, {loaded['tickets']} tickets, {loaded['articles']} articles; "
        f"{args.agents} agents for {args.seconds:.0f} s, think time {args.think_ms} ms; "
        "pages from `ticketflow api` over HTTP"
    ]
    lines += [latency_line(name, values) for name, values in sorted(timings.items())]
    pages = ["queue view", "ticket view", "search"]
    worst = max(percentile(timings[k], 0.95) for k in pages if timings[k])
    lines.append(
        f"pages: worst p95 {worst:.1f} ms (target <= 50 ms: {'met' if worst <= 50 else 'missed'})"
    )
    if timings["long ticket view"] and timings["ticket view"]:
        ratio = percentile(timings["long ticket view"], 0.95) / percentile(
            timings["ticket view"], 0.95
        )
        verdict = "met" if ratio <= 2 else "missed"
        lines.append(
            f"ratio {LONG_TICKET_ARTICLES}-article ticket p95 / ordinary ticket p95: "
            f"{ratio:.2f} (target <= 2: {verdict})"
        )
    report("console", lines, args.record)


if __name__ == "__main__":
    main()
