"""Read side at a million tickets: queue views, pages, ticket views, queue counts, search.

    python bench/queues.py [--tickets 1000000] [--clients 20] [--seconds 30] [--record]

Loads tickets and articles (three per ticket on average) straight into a fresh PostgreSQL
database with COPY, bypassing Temporal, with realistic distributions (queues, states, ages,
owners, Russian and English text with a long-tailed vocabulary of rare words, error codes and
sender addresses, so searches range from a word in half the articles to one in a handful).
Then 20 client processes run the read model's own query functions (the ones the API calls)
and the benchmark prints p50/p95 per operation.
Targets: p95 <= 20 ms for views and counts, p95 <= 200 ms for full-text search.
"""

from __future__ import annotations

import argparse
import io
import itertools
import multiprocessing
import random
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import latency_line, parse_with_smoke, percentile, report  # noqa: E402

from ticketflow.desk.projects import load_projects  # noqa: E402
from ticketflow.settings import Settings  # noqa: E402
from ticketflow.store.db import make_engine, make_session_factory  # noqa: E402
from ticketflow.store.migrate import sync_queues, upgrade  # noqa: E402
from ticketflow.store.queries import (  # noqa: E402
    list_tickets,
    queue_stats,
    search_tickets,
    ticket_articles,
    ticket_by_number,
    ticket_history,
)

PROJECT = "mail"  # the example desk's first project: the tickets load into it
QUEUES = {"Inbox": 0.30, "Passwords": 0.25, "Web": 0.20, "Solvers": 0.10, "Abuse": 0.15}
LINES = {"Inbox": "first-line"} | dict.fromkeys(
    ["Passwords", "Web", "Solvers", "Abuse"], "second-line"
)
# Most tickets are closed; a working day's worth is open or waiting.
STATES = {"closed": 0.85, "waiting": 0.07, "open": 0.08}
SENTENCES = [
    "Не могу войти в почтовый ящик, пароль не подходит.",
    "Почтовая программа перестала получать письма после обновления.",
    "С моего адреса рассылают спам, помогите защитить аккаунт.",
    "I cannot log in to my mailbox since yesterday.",
    "My mail client stopped receiving messages after the update.",
    "Somebody sends phishing links from my address.",
    "We have restored your access; please change your password.",
    "Проверили журнал входов: были попытки из двух стран.",
]
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
# The long tail: made-up words, Cyrillic and Latin, drawn with Zipf weights (a few common,
# most rare), as product names, places and typos are in real mail.
SYLLABLES = ["ка", "ро", "ми", "та", "ле", "ну", "во", "за", "ki", "lo", "ra", "men", "to", "vi"]


def make_vocabulary(size: int = 30000, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    words = {"".join(rng.choices(SYLLABLES, k=rng.randint(3, 6))) for _ in range(size)}
    return sorted(words, key=lambda w: (len(w), w))


VOCABULARY = make_vocabulary()
ZIPF = list(itertools.accumulate(1 / (rank + 1) for rank in range(len(VOCABULARY))))
# Words of the fixed sentences: each is in a large share of all articles.
COMMON_QUERIES = ["пароль", "почтовая программа", "phishing", "mailbox", "обновления"]
SEARCH_INDEX = "CREATE INDEX ix_articles_search ON articles USING gin (search_vector)"


def weighted(rng: random.Random, table: dict[str, float]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def copy_rows(conn, table: str, columns: list[str], rows: Iterator[str]) -> None:  # type: ignore[no-untyped-def]
    """Stream rows (tab-separated lines) into COPY in chunks, without holding them all."""

    class Stream(io.TextIOBase):
        def __init__(self) -> None:
            self.buffer = ""

        def read(self, size: int = -1) -> str:
            while size < 0 or len(self.buffer) < size:
                try:
                    self.buffer += next(rows)
                except StopIteration:
                    break
            if size < 0:
                size = len(self.buffer)
            chunk, self.buffer = self.buffer[:size], self.buffer[size:]
            return chunk

        def readline(self, size: int = -1) -> str:  # pragma: no cover - COPY uses read
            return self.read(size)

    cursor = conn.connection.dbapi_connection.cursor()
    cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", Stream(), size=1 << 20)


def load(url: str, tickets: int, seed: int = 5) -> dict[str, int]:
    rng = random.Random(seed)
    counts: Counter[tuple[str, str]] = Counter()
    ticket_cols = [
        "id", "number", "subject", "customer", "state", "queue", "owner", "priority",
        "reply_queue", "created_at", "pending_since", "updated_at", "version",
    ]  # fmt: skip
    article_cols = [
        "ticket_id", "direction", "status", "from_addr", "to_addr", "subject", "body_text",
        "message_id", "created_at",
    ]  # fmt: skip
    articles_total = 0

    def ticket_rows() -> Iterator[str]:
        for i in range(1, tickets + 1):
            queue = weighted(rng, QUEUES)
            kind = weighted(rng, STATES)
            state = LINES[queue] if kind == "open" else kind
            counts[(queue, state)] += 1
            created = NOW - timedelta(seconds=rng.randrange(0, 2 * 365 * 86400))
            pending = created + timedelta(seconds=rng.randrange(0, 3600))
            owner = f"agent{rng.randrange(60)}" if rng.random() < 0.6 else "\\N"
            number = f"{created:%Y%m%d}10{i:07d}"
            yield (
                f"{i}\t{number}\tTicket {i}\tuser{i}@example.org\t{state}\t{queue}\t{owner}\t"
                f"{rng.randint(1, 5)}\t{queue}\t{created.isoformat()}\t{pending.isoformat()}\t"
                f"{pending.isoformat()}\t3\n"
            )

    def article_rows() -> Iterator[str]:
        nonlocal articles_total
        for i in range(1, tickets + 1):
            for j in range(rng.choice([1, 2, 3, 3, 4, 5])):
                articles_total += 1
                rare = rng.choices(VOCABULARY, cum_weights=ZIPF, k=4)
                code = f"E{rng.randrange(100000):05d}"
                body = " ".join(rng.choices(SENTENCES, k=rng.randint(2, 8)) + rare + [code])
                direction = ("in", "out", "note")[min(j, 2)] if j else "in"
                yield (
                    f"{i}\t{direction}\tprocessed\tuser{i}@example.org\tsupport@example.com\t"
                    f"Ticket {i}\t{body}\t<{i}.{j}@example.org>\t{NOW.isoformat()}\n"
                )

    engine = create_engine(url)
    with engine.begin() as conn:
        started = time.perf_counter()
        # A bulk load builds the search index once at the end, not row by row.
        conn.execute(text("DROP INDEX ix_articles_search"))
        copy_rows(conn, "tickets", ticket_cols, ticket_rows())
        copy_rows(conn, "articles", article_cols, article_rows())
        conn.execute(text("SET maintenance_work_mem = '512MB'"))
        conn.execute(text(SEARCH_INDEX))
        conn.execute(text("SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets))"))
        conn.execute(text("DELETE FROM queue_counts"))
        for (queue, state), n in counts.items():
            conn.execute(
                text(
                    "INSERT INTO queue_counts (project, queue, state, count) "
                    "VALUES (:p, :q, :s, :n)"
                ),
                {"p": PROJECT, "q": queue, "s": state, "n": n},
            )
        print(f"loaded {tickets} tickets, {articles_total} articles in "
              f"{time.perf_counter() - started:.0f} s", flush=True)  # fmt: skip
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    return {"tickets": tickets, "articles": articles_total}


def ticket_view(session: Session, number: str) -> None:
    ticket = ticket_by_number(session, number)
    assert ticket is not None
    ticket_articles(session, ticket.id)
    ticket_history(session, ticket.id)


def client(
    url: str, numbers: list[str], tickets: int, seed: int, seconds: float, think: float
) -> dict[str, list[float]]:
    """One client process: the API's read queries in a loop, each in its own session as
    an API request would be, timed one by one; `think` seconds (jittered) after each."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    names = list(QUEUES)
    timings: dict[str, list[float]] = defaultdict(list)
    rng = random.Random(seed)

    warm = False  # the first round (new connections, cold statement cache) is not timed

    def timed(name: str, work: Callable[[Session], Any]) -> Any:
        started = time.perf_counter()
        with sessions() as session:
            result = work(session)
        if warm:
            timings[name].append((time.perf_counter() - started) * 1000)
            if think:
                time.sleep(think * rng.uniform(0.5, 1.5))
        return result

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        queue, number = rng.choice(names), rng.choice(numbers)
        view = partial(
            list_tickets, project=PROJECT, queues=[queue], states=[LINES[queue]], limit=50
        )
        _, cursor = timed("queue view", partial(view, cursor=None))
        if cursor:
            timed("next page", partial(view, cursor=cursor))
        # A queue listed highest priority first (the Security and Abuse queues' order).
        _, cursor = timed("priority view", partial(view, cursor=None, sort="priority"))
        if cursor:
            timed("priority next page", partial(view, cursor=cursor, sort="priority"))
        timed("ticket view", partial(ticket_view, number=number))
        timed("queue list", partial(queue_stats, project=PROJECT, names=names))
        for kind, query in search_queries(rng, tickets):
            search = partial(search_tickets, text=query, project=PROJECT, queues=names, limit=50)
            timed(kind, search)
        if not warm and think:
            # Agents do not all click at the same instant: spread the clients' rounds.
            time.sleep(rng.uniform(0, 7 * think))
        warm = True
    engine.dispose()
    return dict(timings)


def search_queries(rng: random.Random, tickets: int) -> list[tuple[str, str]]:
    """What agents type: a common word, a rare word or error code, a customer's address."""
    rare = rng.choice(VOCABULARY[1000:]) if rng.random() < 0.5 else f"E{rng.randrange(100000):05d}"
    return [
        ("search common", rng.choice(COMMON_QUERIES)),
        ("search rare", rare),
        ("search sender", f"user{rng.randrange(1, tickets)}@example.org"),
    ]


def measure(url: str, clients: int, seconds: float, think: float) -> dict[str, list[float]]:
    """`clients` processes (as API workers would be), so no client waits on another's GIL."""
    engine = create_engine(url)
    with engine.connect() as conn:
        numbers = [
            row[0]
            for row in conn.execute(text("SELECT number FROM tickets ORDER BY random() LIMIT 5000"))
        ]
        tickets = int(conn.scalar(text("SELECT max(id) FROM tickets")) or 0)
    engine.dispose()
    merged: dict[str, list[float]] = defaultdict(list)
    with ProcessPoolExecutor(clients, mp_context=multiprocessing.get_context("fork")) as pool:
        futures = [
            pool.submit(client, url, numbers, tickets, i, seconds, think) for i in range(clients)
        ]
        for future in futures:
            for name, values in future.result().items():
                merged[name] += values
    return merged


def existing_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    with engine.connect() as conn:
        tickets = int(conn.scalar(text("SELECT count(*) FROM tickets")) or 0)
        articles = int(conn.scalar(text("SELECT count(*) FROM articles")) or 0)
    engine.dispose()
    return {"tickets": tickets, "articles": articles}


def fresh_database(admin_url: str, name: str) -> str:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--admin-url", default="postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    parser.add_argument("--database", default="tf_queues_bench", help="dropped and made anew")
    parser.add_argument(
        "--think-ms", type=int, default=0, help="pause of each client after each query"
    )
    parser.add_argument(
        "--reuse", action="store_true", help="measure the database a previous run loaded"
    )
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parse_with_smoke(
        parser, tickets=2000, clients=2, seconds=2.0, database="tf_queues_smoke", reuse=False
    )

    if args.reuse:
        url = make_url(args.admin_url).set(database=args.database).render_as_string(False)
        engine = make_engine(url)
        upgrade(engine, PROJECT)  # a database loaded by an older schema gets the newer ones
        engine.dispose()
        loaded = existing_counts(url)
    else:
        url = fresh_database(args.admin_url, args.database)
        engine = make_engine(url)
        projects = load_projects(Settings().desk_config)
        upgrade(engine, projects.first.name)
        sync_queues(engine, projects)
        engine.dispose()
        loaded = load(url, args.tickets)
    timings = measure(url, args.clients, args.seconds, args.think_ms / 1000)

    lines = [
        f"PostgreSQL, {loaded['tickets']} tickets, {loaded['articles']} articles,"
        f" {args.clients} clients for {args.seconds:.0f} s, think time {args.think_ms} ms"
    ]
    lines += [latency_line(name, values) for name, values in timings.items()]
    for label, kinds, target in [
        ("views and counts", [k for k in timings if not k.startswith("search")], 20),
        ("search", [k for k in timings if k.startswith("search")], 200),
    ]:
        worst = max(percentile(timings[k], 0.95) for k in kinds)
        verdict = "met" if worst <= target else "missed"
        lines.append(f"{label}: worst p95 {worst:.1f} ms (target <= {target} ms: {verdict})")
    report("queues", lines, args.record)


if __name__ == "__main__":
    main()
