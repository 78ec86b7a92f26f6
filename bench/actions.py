"""Agent action latency: 20 concurrent agents acting through the API on the embedded stack.

    python bench/actions.py [--agents 20] [--tickets 200] [--record]

Each agent works its own tickets through a first-line-to-second-line chain (move, note, move,
note, answer), one request after another (with --think-ms between them); the benchmark prints
p50/p95 of the HTTP round trip per action and overall. Target: p95 <= 150 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from harness import (  # noqa: E402
    WORK,
    EmbeddedStack,
    add_stack_arguments,
    latency_line,
    parse_with_smoke,
    percentile,
    report,
    stack_settings,
)
from mailset import make_mailset  # noqa: E402

CHAIN = [
    ("move", {"queue": "Web"}),
    ("note", {"text": "Checked the logs: IMAP login failures from two countries."}),
    ("move", {"queue": "Passwords"}),
    ("note", {"text": "Recovery data matches; history shows a password change yesterday."}),
    ("answer", {"text": "We have restored your access; please change your password now."}),
]


def add_agent(stack: EmbeddedStack) -> str:
    env = {**os.environ, "TICKETFLOW_DATA_DIR": str(stack.data_dir)}
    env["TICKETFLOW_DATABASE_URL"] = stack.database_url
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "ticketflow.cli",
            "agent",
            "add",
            "bench",
            # Every queue the chain passes through, with the right to move on from it.
            "--groups",
            "mail/first-line,mail/abuse,mail/web,mail/passwords",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.strip().splitlines()[-1]


async def make_tickets(
    http: httpx.AsyncClient, count: int, auth: dict[str, str], headers: dict[str, str]
) -> list[str]:
    # New requests only: every mail of the set that is not a reply.
    mails = [m for m in make_mailset(count * 2) if b"\nIn-Reply-To:" not in m][:count]
    pending = []
    for raw in mails:
        resp = await http.post("/api/v1/inbound/mail", content=raw, headers=headers)
        if resp.json()["ticket"]:  # a rule may make no ticket (mass mailings)
            pending.append(resp.json()["ticket"])
    # The desk's rules send some to Abuse or Security and close spam at once: the chain
    # needs an open ticket outside Web, so closed ones take no part.
    open_tickets: list[str] = []
    deadline = time.monotonic() + 300
    while pending and time.monotonic() < deadline:
        still = []
        for number in pending:
            state = (await http.get(f"/api/v1/tickets/{number}", headers=auth)).json()["state"]
            if state == "received":
                still.append(number)
            elif state in ("first-line", "second-line"):
                open_tickets.append(number)
        pending = still
        await asyncio.sleep(0.2)
    if pending or not open_tickets:
        raise RuntimeError(f"{len(pending)} tickets stayed 'received'; {len(open_tickets)} open")
    return open_tickets


async def run_agents(
    http: httpx.AsyncClient,
    numbers: list[str],
    agents: int,
    auth: dict[str, str],
    think_seconds: float,
) -> dict[str, list[float]]:
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[int, int] = defaultdict(int)
    rng = random.Random(11)

    async def agent(mine: list[str]) -> None:
        for number in mine:
            for action, body in CHAIN:
                started = time.perf_counter()
                resp = await http.post(
                    f"/api/v1/tickets/{number}/actions/{action}", json=body, headers=auth
                )
                timings[action].append((time.perf_counter() - started) * 1000)
                if resp.status_code != 200:
                    errors[resp.status_code] += 1
                # Jittered, so that agents do not click in lockstep.
                await asyncio.sleep(think_seconds * rng.uniform(0.5, 1.5))

    await asyncio.gather(*(agent(numbers[i::agents]) for i in range(agents)))
    if errors:
        raise RuntimeError(f"actions failed: {dict(errors)}")
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--agents", type=int, default=20)
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument(
        "--think-ms", type=int, default=0, help="pause of each agent between two actions"
    )
    add_stack_arguments(parser)
    args = parse_with_smoke(parser, agents=2, tickets=16)

    run_dir = WORK / f"act-{uuid.uuid4().hex[:8]}"
    run_dir.mkdir(parents=True)
    with EmbeddedStack(run_dir / "data", args.database_url, stack_settings(args)) as stack:
        auth = {"Authorization": f"Bearer {add_agent(stack)}"}

        async def go() -> dict[str, list[float]]:
            limits = httpx.Limits(max_connections=args.agents + 5)
            async with httpx.AsyncClient(base_url=stack.api, timeout=60, limits=limits) as http:
                numbers = await make_tickets(http, args.tickets, auth, stack.inbound_headers)
                return await run_agents(http, numbers, args.agents, auth, args.think_ms / 1000)

        started = time.perf_counter()
        timings = asyncio.run(go())
        elapsed = time.perf_counter() - started

    every = [t for values in timings.values() for t in values]
    lines = [
        f"{args.agents} agents (think time {args.think_ms} ms), {len(every) // len(CHAIN)}"
        f" open tickets (of {args.tickets} new),"
        f" {len(every)} actions"
        f" ({elapsed:.0f} s with ticket creation), read model {stack.database_url.split(':')[0]}"
    ]
    lines += [latency_line(action, values) for action, values in sorted(timings.items())]
    p95 = percentile(every, 0.95)
    lines.append(
        f"all actions: p50 {statistics.median(every):.1f} ms, p95 {p95:.1f} ms"
        f"  (target p95 <= 150 ms: {'met' if p95 <= 150 else 'missed'})"
    )
    report("actions", lines, args.record)


if __name__ == "__main__":
    main()
