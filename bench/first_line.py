"""The first line at one click per ticket: one agent works the Inbox in Debian's Chromium
(Playwright) with the keyboard only, then two agents work it at once.

    python bench/first_line.py [--tickets 100] [--open 100000] [--record]

Starts `ticketflow up` on a fresh PostgreSQL database, takes in 2 x `--tickets` customer
mails (they land in the Inbox, oldest first), then adds `--open` open Inbox tickets
behind them (newer; a third owned by other agents) straight into the read model. Agent
alice opens the Inbox, works its first `--tickets` tickets by macro key in the seeds' mix
(40% moved to a second-line queue, 30% answered from a template, 15% asked, 15% closed as
spam): each action opens the next ticket. Prints keys per ticket (target <= 2, opening the
first one included) and the time from a key to the next ticket shown (p50, p95; target
p95 <= 300 ms). Then alice and ada work the next `--tickets` at once: every one worked
once, none skipped, no seeded ticket touched (target: 0 and 0).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import re
import shutil
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import WORK, EmbeddedStack, latency_line, parse_with_smoke, percentile, report  # noqa: E402
from playwright.async_api import Page, async_playwright  # noqa: E402
from queues import copy_rows, fresh_database  # noqa: E402

from ticketflow.components import Components  # noqa: E402
from ticketflow.settings import Settings  # noqa: E402

PASSWORD = "bench password, long enough"
AGENTS = ("alice", "ada")
# The seeds' mix of what the first line does with a ticket: (share, macros by title).
MIX = (
    (0.40, ("Move to Passwords", "Move to Web", "Move to Solvers", "Move to Abuse")),
    (0.30, ("Answer: reset the password yourself",)),
    (0.15, ("Ask for details",)),
    (0.15, ("Close as spam",)),
)
SUBJECTS = (
    "Не приходят письма",
    "Cannot open my mailbox",
    "Вопрос по настройкам ящика",
    "Mailbox settings",
    "Posta kutumu açamıyorum",
)
NUMBER = re.compile(r"/t/(\d+)")


def customer_mail(i: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Customer {i} <customer{i}@example.org>"
    msg["To"] = "support@ticketflow.localhost"
    msg["Subject"] = f"{SUBJECTS[i % len(SUBJECTS)]} #{i}"
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content(f"Hello, this is request {i}.\n\n" + "Some details of it.\n" * 12)
    return msg.as_bytes()


def take_in(stack: EmbeddedStack, url: str, count: int) -> list[str]:
    """`count` customer mails through the API; their numbers once all are in the Inbox,
    oldest first."""
    with httpx.Client(base_url=stack.api, timeout=30) as http:
        for i in range(count):
            sent = http.post(
                "/api/v1/inbound/mail", content=customer_mail(i), headers=stack.inbound_headers
            )
            sent.raise_for_status()
            time.sleep(0.002)  # distinct arrival times: the order is theirs
    engine = create_engine(url)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            rows = (
                conn.execute(
                    text(
                        "SELECT number FROM tickets WHERE queue = 'Inbox' AND state = 'first-line' "
                        "ORDER BY pending_since, id"
                    )
                )
                .scalars()
                .all()
            )
        if len(rows) == count:
            engine.dispose()
            return list(rows)
        time.sleep(0.5)
    raise RuntimeError(f"only {len(rows)} of {count} mails reached the Inbox")


def seed_open(url: str, count: int) -> int:
    """`count` open Inbox tickets behind the real ones (newer), a third owned by other
    agents; returns the first seeded id."""
    engine = create_engine(url)
    with engine.begin() as conn:
        first = int(conn.scalar(text("SELECT coalesce(max(id), 0) FROM tickets"))) + 1
        latest = conn.scalar(text("SELECT max(pending_since) FROM tickets"))
    start = (latest or datetime.now(UTC)) + timedelta(seconds=1)
    rng = random.Random(11)
    columns = [
        "id", "number", "project", "subject", "customer", "state", "queue", "owner",
        "priority", "reply_queue", "created_at", "pending_since", "updated_at", "version",
    ]  # fmt: skip

    def rows() -> Iterator[str]:
        for n in range(count):
            at = (start + timedelta(milliseconds=n)).isoformat()
            owner = f"agent{rng.randrange(40)}" if rng.random() < 0.33 else "\\N"
            yield (
                f"{first + n}\t9{first + n:015d}\tmail\tSeeded {n}\tseed{n}@example.org\t"
                f"first-line\tInbox\t{owner}\t3\tInbox\t{at}\t{at}\t{at}\t2\n"
            )

    with engine.begin() as conn:
        copy_rows(conn, "tickets", columns, rows())
        conn.execute(text("SELECT setval('tickets_id_seq', (SELECT max(id) FROM tickets))"))
        conn.execute(text("ANALYZE tickets"))
    engine.dispose()
    return first


def prepare_agents(url: str, data_dir: Path) -> None:
    components = Components(Settings(data_dir=data_dir, database_url=url))
    admin = components.agent_admin("bench")
    for name in AGENTS:
        admin.add(name, ["mail/first-line"])
        admin.set_password(name, PASSWORD)
    components.close()


def plan(count: int, seed: int) -> list[str]:
    """The macro each ticket gets, by title, in the seeds' mix."""
    rng = random.Random(seed)
    titles = []
    for share, macros in MIX:
        titles += [macros[i % len(macros)] for i in range(round(share * count))]
    titles = (titles + [MIX[0][1][0]] * count)[:count]
    rng.shuffle(titles)
    return titles


async def signed_in(browser: object, base: str, name: str) -> Page:
    context = await browser.new_context(locale="en-US", viewport={"width": 1366, "height": 768})  # type: ignore[attr-defined]
    page: Page = await context.new_page()
    await page.goto(f"{base}/signin")
    await page.get_by_label("Name").fill(name)
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{base}/")
    return page


def shown_number(page: Page) -> str | None:
    found = NUMBER.search(page.url)
    return found.group(1) if found else None


async def press_and_wait(page: Page, key: str, away_from: str | None) -> float:
    """Press `key` and wait until another ticket's page is shown (its document parsed):
    milliseconds."""

    def another_ticket(url: str) -> bool:
        found = NUMBER.search(url)
        return found is not None and found.group(1) != away_from

    began = time.perf_counter()
    try:
        async with page.expect_navigation(
            url=another_ticket, wait_until="domcontentloaded", timeout=30000
        ):
            await page.keyboard.press(key)
    except Exception:
        await page.screenshot(path=str(WORK / "first_line" / "failed.png"))
        print(f"no next ticket after {key!r} on {page.url}", file=sys.stderr)
        raise
    return (time.perf_counter() - began) * 1000


async def key_of(page: Page, title: str) -> str:
    button = page.locator("button[data-macro]").filter(has_text=title).first
    key = await button.get_attribute("data-macro")
    if key is None:
        raise RuntimeError(f"no key for {title!r} on {page.url}")
    return key


class Shared:
    """What agents working at once have done between them: they stop at `total`."""

    def __init__(self, total: int) -> None:
        self.total, self.started = total, 0

    def take(self) -> bool:
        if self.started >= self.total:
            return False
        self.started += 1
        return True


async def work(
    page: Page, base: str, titles: list[str], shared: Shared
) -> tuple[list[str], list[float], int, list[float]]:
    """Open the Inbox, its next ticket by the keyboard (Enter), then each ticket's macro by
    its key while `shared` allows: the tickets worked, each key's time to the next ticket,
    the keys pressed, and of each time the part the server took (the action and the claim,
    until the next ticket's page began to arrive)."""
    await page.goto(f"{base}/p/mail/q/Inbox")
    keys = 1  # Enter: the queue's next ticket, his alone
    first_open = await press_and_wait(page, "Enter", None)
    worked: list[str] = []
    timings, server = [first_open], [await server_part(page)]
    for title in titles:
        if not shared.take():
            break
        number = shown_number(page)
        assert number is not None, page.url
        worked.append(number)
        key = await key_of(page, title)
        keys += 1
        timings.append(await press_and_wait(page, key, number))
        server.append(await server_part(page))
    return worked, timings, keys, server


async def server_part(page: Page) -> float:
    """Of the last navigation, milliseconds until its final page's first byte (the POST,
    the workflow's Update, the claim and the redirect), by Navigation Timing."""
    return float(
        await page.evaluate(
            "() => { const n = performance.getEntriesByType('navigation')[0];"
            " return n ? n.responseStart : 0 }"
        )
    )


async def run_agents(
    base: str, plans: dict[str, list[str]], total: int
) -> dict[str, tuple[list[str], list[float], int, list[float]]]:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no chromium: apt-get install chromium")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        pages = {name: await signed_in(browser, base, name) for name in plans}
        shared = Shared(total)
        results = await asyncio.gather(*(work(pages[n], base, plans[n], shared) for n in plans))
        await browser.close()
    return dict(zip(plans, results, strict=True))


def untouched(url: str, first_seeded: int) -> int:
    """Seeded tickets something changed (an agent worked one: the real ones were skipped)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        changed = int(
            conn.scalar(
                text("SELECT count(*) FROM tickets WHERE id >= :f AND version <> 2"),
                {"f": first_seeded},
            )
        )
    engine.dispose()
    return changed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100, help="tickets each phase works")
    parser.add_argument("--open", type=int, default=100_000, help="open Inbox tickets behind them")
    parser.add_argument("--admin-url", default="postgresql+psycopg2://postgres@127.0.0.1:5432/test")
    parser.add_argument("--database", default="tf_first_line_bench", help="dropped and made anew")
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")
    args = parse_with_smoke(parser, tickets=6, open=500, database="tf_first_line_smoke")
    url = fresh_database(args.admin_url, args.database)
    data_dir = WORK / "first_line" / uuid.uuid4().hex[:8]
    data_dir.mkdir(parents=True)
    with EmbeddedStack(data_dir, database_url=url) as stack:
        real = take_in(stack, url, 2 * args.tickets)
        first_seeded = seed_open(url, args.open)
        prepare_agents(url, data_dir)
        one = asyncio.run(run_agents(stack.api, {"alice": plan(args.tickets, 1)}, args.tickets))
        # Two at once work the next tickets between them, as many as each gets to.
        plans = {"alice": plan(args.tickets, 2), "ada": plan(args.tickets, 3)}
        two = asyncio.run(run_agents(stack.api, plans, args.tickets))
    worked, timings, keys, server = one["alice"]
    per_ticket = keys / len(worked)
    p95 = percentile(timings, 0.95)
    together = [n for result in two.values() for n in result[0]]
    twice = len(together) - len(set(together))
    skipped = len(set(real[args.tickets :]) - set(together))
    touched = untouched(url, first_seeded)
    lines = [
        f"PostgreSQL, {len(real)} real tickets and {args.open} more open in the Inbox; "
        f"Chromium at 1366x768, keyboard only",
        f"one agent: {len(worked)} tickets in order: {worked == real[: args.tickets]}; "
        f"keys per ticket {per_ticket:.2f} (target <= 2: {'met' if per_ticket <= 2 else 'missed'})",
        latency_line("key -> next", timings),
        latency_line("  of it server", server),
        f"  p95 {p95:.0f} ms (target <= 300 ms: {'met' if p95 <= 300 else 'missed'})",
        f"two agents at once: {len(together)} tickets, worked twice {twice}, skipped {skipped}, "
        f"seeded tickets touched {touched} (target 0, 0, 0)",
    ]
    report("first_line", lines, args.record)


if __name__ == "__main__":
    main()
