"""An incident's answer to N linked tickets beside N single answers through the API.

    python bench/incident.py [--tickets 1000] [--concurrency 8] [--record]

On one embedded stack (its desk's incident rate lifted, so that the machine sets the
pace), 2N new tickets: N are linked to an incident and answered by its answer to all (from
the order until the incident is `answered`: every ticket's workflow took its answer), the
other N answered one by one through the API by `--concurrency` clients at once (as many as
an incident's batch asks at once). Both wait for the tickets' workflows, neither for the
mail server. Prints both times, tickets a second, and their ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
import uuid
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import (  # noqa: E402
    WORK,
    EmbeddedStack,
    add_stack_arguments,
    parse_with_smoke,
    report,
    stack_settings,
)

from ticketflow.settings import Settings  # noqa: E402

RATE = 60000  # a minute: the most a desk may set
# What customers write during an outage, in the desk's three languages.
WRITTEN = {
    "ru": ("Почта не приходит", "Со вчерашнего вечера мне не приходят письма."),
    "en": ("Mail does not arrive", "Since last night no mail reaches my mailbox."),
    "tr": ("E-posta gelmiyor", "Dün akşamdan beri kutuma e-posta gelmiyor."),
}


def outage_mail(i: int) -> bytes:
    language = list(WRITTEN)[i % 3]
    subject, body = WRITTEN[language]
    msg = EmailMessage()
    msg["From"] = f"Customer {i} <customer{i}@example.org>"
    msg["To"] = "support@ticketflow.localhost"
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain="example.org")
    msg.set_content(body)
    return msg.as_bytes()


async def make_tickets(
    http: httpx.AsyncClient, count: int, auth: dict[str, str], headers: dict[str, str]
) -> list[str]:
    """`count` new tickets in the first line's Inbox, each of a customer of its own."""
    numbers: list[str] = []
    for start in range(0, count, 20):
        sent = await asyncio.gather(
            *(
                http.post("/api/v1/inbound/mail", content=outage_mail(i), headers=headers)
                for i in range(start, min(start + 20, count))
            )
        )
        numbers += [resp.json()["ticket"] for resp in sent]
    deadline = time.monotonic() + 600
    pending = list(numbers)
    while pending and time.monotonic() < deadline:
        states = await asyncio.gather(
            *(http.get(f"/api/v1/tickets/{n}", headers=auth) for n in pending[:50])
        )
        done = {n for n, r in zip(pending, states, strict=False) if r.json()["state"] != "received"}
        pending = [n for n in pending if n not in done]
        if not done:
            await asyncio.sleep(0.2)
    if pending:
        raise RuntimeError(f"{len(pending)} tickets stayed 'received'")
    return numbers


def fast_desk(folder: Path) -> Path:
    """The example desk without its undo window and with the highest incident rate."""
    text = Settings.model_fields["desk_config"].default.read_text()
    for old, new in (
        ("undo_seconds: 10\n", "undo_seconds: 0\n"),
        ("incident_rate: 600\n", f"incident_rate: {RATE}\n"),
    ):
        assert old in text, old
        text = text.replace(old, new)
    path = folder / "desk.yaml"
    path.write_text(text)
    (folder / "help").symlink_to(Settings.model_fields["desk_config"].default.parent / "help")
    return path


def add_agent(stack: EmbeddedStack) -> str:
    """A first-line lead with the incidents role."""
    env = {**os.environ, "TICKETFLOW_DATA_DIR": str(stack.data_dir)}
    env["TICKETFLOW_DATABASE_URL"] = stack.database_url
    env["TICKETFLOW_DESK_CONFIG"] = stack.settings["desk_config"]
    command = [sys.executable, "-m", "ticketflow.cli", "agent", "add", "lead"]
    command += ["--groups", "mail/first-line,mail/incidents"]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1]


async def by_incident(http: httpx.AsyncClient, auth: dict[str, str], numbers: list[str]) -> float:
    """Seconds from the answer's order until every linked ticket took it."""
    made = await http.post(
        "/api/v1/incidents", json={"project": "mail", "title": "Bench outage"}, headers=auth
    )
    made.raise_for_status()
    incident = made.json()["id"]
    for start in range(0, len(numbers), 500):
        linked = await http.post(
            f"/api/v1/incidents/{incident}/tickets",
            json={"numbers": numbers[start : start + 500]},
            headers=auth,
        )
        linked.raise_for_status()
    started = time.perf_counter()
    answered = await http.post(
        f"/api/v1/incidents/{incident}/answer", json={"template": "incident_known"}, headers=auth
    )
    answered.raise_for_status()
    while True:
        view = (await http.get(f"/api/v1/incidents/{incident}", headers=auth)).json()
        if view["state"] == "answered":
            elapsed = time.perf_counter() - started
            break
        await asyncio.sleep(0.05)
    if view["sent"] != len(numbers):
        raise RuntimeError(f"the incident answered {view['sent']} of {len(numbers)}: {view}")
    return elapsed


async def one_by_one(
    http: httpx.AsyncClient, auth: dict[str, str], numbers: list[str], concurrency: int
) -> float:
    """Seconds for an answer to each ticket through the API, `concurrency` at once."""
    gate = asyncio.Semaphore(concurrency)
    failed: list[int] = []

    async def answer(number: str) -> None:
        async with gate:
            resp = await http.post(
                f"/api/v1/tickets/{number}/actions/answer",
                json={"template": "incident_known"},
                headers=auth,
            )
            if resp.status_code != 200:
                failed.append(resp.status_code)

    started = time.perf_counter()
    await asyncio.gather(*(answer(n) for n in numbers))
    elapsed = time.perf_counter() - started
    if failed:
        raise RuntimeError(f"{len(failed)} single answers failed: {sorted(set(failed))}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8)
    add_stack_arguments(parser)
    args = parse_with_smoke(parser, tickets=10)

    run_dir = WORK / f"incident-{uuid.uuid4().hex[:8]}"
    run_dir.mkdir(parents=True)
    settings = stack_settings(args) | {"desk_config": str(fast_desk(run_dir))}
    with EmbeddedStack(run_dir / "data", args.database_url, settings) as stack:
        auth = {"Authorization": f"Bearer {add_agent(stack)}"}

        async def go() -> tuple[int, float, float]:
            limits = httpx.Limits(max_connections=args.concurrency + 5)
            async with httpx.AsyncClient(base_url=stack.api, timeout=120, limits=limits) as http:
                numbers = await make_tickets(http, 2 * args.tickets, auth, stack.inbound_headers)
                half = len(numbers) // 2
                incident = await by_incident(http, auth, numbers[:half])
                single = await one_by_one(http, auth, numbers[half:], args.concurrency)
                return half, incident, single

        count, incident, single = asyncio.run(go())

    lines = [
        f"{count} tickets each way, read model {stack.database_url.split(':')[0]}"
        f" (incident rate {RATE} a minute, {args.concurrency} single answers at once)",
        f"  incident's answer to all: {incident:7.1f} s  ({count / incident:6.1f} tickets/s)",
        f"  single answers (API):     {single:7.1f} s  ({count / single:6.1f} tickets/s)",
        f"  ratio (single / incident): {single / incident:.2f}",
    ]
    report("incident", lines, args.record)


if __name__ == "__main__":
    main()
