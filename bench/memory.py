"""Worker memory with many open ticket workflows: the workflow cache bounds it.

    python bench/memory.py [--tickets 100000] [--concurrency 32] [--record]
                           [--set max_cached_workflows=2000]

Starts `ticketflow up`, writes the tickets straight into the read model (open, routed,
in their queues), then starts one ticket workflow for each, as intake would have,
carrying its facts. Every workflow stays open, waiting for its customer or an agent.
The worker's resident memory (VmRSS) is read at checkpoints as the open workflows
grow. Target: RSS <= 400 MB with 100,000 open ticket workflows.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, insert
from temporalio.client import Client

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

from ticketflow.desk.projects import load_projects  # noqa: E402
from ticketflow.payloads import TicketFacts, TicketInput  # noqa: E402
from ticketflow.settings import Settings  # noqa: E402
from ticketflow.store.models import Ticket  # noqa: E402
from ticketflow.tickets import lifecycle  # noqa: E402
from ticketflow.tickets.lifecycle import State  # noqa: E402
from ticketflow.tickets.numbering import ticket_number, workflow_id  # noqa: E402
from workflows.ticket import TicketWorkflow  # noqa: E402

CREATED = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def worker_pid(root_pid: int) -> int:
    for child in Path(f"/proc/{root_pid}/task/{root_pid}/children").read_text().split():
        if b"worker" in Path(f"/proc/{child}/cmdline").read_bytes().split(b"\0")[3:4]:
            return int(child)
    raise RuntimeError("no worker process under ticketflow up")


def write_tickets(database_url: str, count: int) -> list[TicketFacts]:
    """Open tickets in the read model, spread over the desk's queues, each at version 2
    (the customer's message and the route), as intake and routing leave them."""
    project = load_projects(Settings().desk_config).first
    lines = project.desk.lines()
    queues = list(lines)
    rows = [
        {
            "id": i,
            "number": ticket_number(CREATED, "10", i),
            "subject": f"Ticket {i}",
            "customer": f"user{i}@example.org",
            "project": project.name,
            "state": lines[queues[i % len(queues)]],
            "queue": queues[i % len(queues)],
            "owner": None,
            "priority": 3,
            "reply_queue": None,
            "created_at": CREATED,
            "pending_since": CREATED,
            "updated_at": CREATED,
            "version": 2,
        }
        for i in range(1, count + 1)
    ]
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(insert(Ticket), rows)
    engine.dispose()
    return [
        TicketFacts(
            ticket_id=row["id"],
            project=project.name,
            ticket=lifecycle.Ticket(State(row["state"]), row["queue"]),
            pending_since=CREATED,
            closed_at=None,
            version=2,
            last_seq=2,
            lines=lines,
        )
        for row in rows
    ]


async def open_workflows(
    address: str, facts: list[TicketFacts], concurrency: int, checkpoints: list[int], pid: int
) -> list[tuple[int, float, float]]:
    """Start a workflow per ticket; at each checkpoint, settle and read the worker's RSS."""
    client = await Client.connect(address)
    settings = Settings()
    gate = asyncio.Semaphore(concurrency)
    readings: list[tuple[int, float, float]] = []
    started = time.perf_counter()

    async def start(ticket: TicketFacts) -> None:
        number = ticket_number(CREATED, "10", ticket.ticket_id)
        async with gate:
            await client.start_workflow(
                TicketWorkflow.run,
                TicketInput(
                    number=number,
                    reopen_window_seconds=settings.reopen_window.total_seconds(),
                    max_history_events=settings.max_history_events,
                    carried=ticket,
                ),
                id=workflow_id(number),
                task_queue=settings.task_queue,
            )

    done = 0
    for checkpoint in checkpoints:
        await asyncio.gather(*(start(t) for t in facts[done:checkpoint]))
        done = checkpoint
        await asyncio.sleep(5)  # let the worker run the last first activations
        readings.append((done, rss_mb(pid), time.perf_counter() - started))
        print(f"  {done:7} open workflows: worker RSS {readings[-1][1]:6.1f} MB", flush=True)
    return readings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=32)
    add_stack_arguments(parser)
    args = parse_with_smoke(parser, tickets=200, concurrency=8)

    run_dir = WORK / f"mem-{uuid.uuid4().hex[:8]}"
    run_dir.mkdir(parents=True)
    # One worker process, so that one holds every workflow: the case the target is about.
    settings = {"workers": "1"} | stack_settings(args)
    checkpoints = sorted(
        {n for n in (1000, 2000, 5000, 10_000, 25_000, 50_000, 100_000) if n < args.tickets}
        | {args.tickets}
    )
    with EmbeddedStack(run_dir / "data", args.database_url, settings) as stack:
        assert stack.proc is not None
        pid = worker_pid(stack.proc.pid)
        idle = rss_mb(pid)
        facts = write_tickets(stack.database_url, args.tickets)
        address = f"127.0.0.1:{stack.temporal_port}"
        readings = asyncio.run(open_workflows(address, facts, args.concurrency, checkpoints, pid))
    shutil.rmtree(run_dir, ignore_errors=True)

    cache = settings.get("max_cached_workflows", str(Settings().max_cached_workflows))
    lines = [f"worker RSS, workflow cache {cache}; idle before any ticket: {idle:.1f} MB"]
    lines += [
        f"  {n:7} open ticket workflows: {mb:6.1f} MB  ({n / seconds:.0f} started/s so far)"
        for n, mb, seconds in readings
    ]
    peak = max(mb for _, mb, _ in readings)
    lines.append(
        f"peak {peak:.1f} MB with {readings[-1][0]} open (target <= 400 MB:"
        f" {'met' if peak <= 400 else 'missed'})"
    )
    report("memory", lines, args.record)


if __name__ == "__main__":
    main()
