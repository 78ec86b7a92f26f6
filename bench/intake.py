"""Intake benchmark: Ticketflow vs Temporal's empty-workflow limit vs django-helpdesk.

    python bench/intake.py [--mails 2000] [--concurrency 16] [--no-peer] [--record]

Starts `ticketflow up` on a fresh data directory, posts the mail set through
POST /api/v1/inbound/mail and times until every ticket is in its queue in the read
model and every automatic reply is in the outbox. On the same Temporal server it
measures an empty workflow's rate; then django-helpdesk (installed into its own
virtualenv under bench/.work) imports the same mails with `get_email` on SQLite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, func, select
from temporalio.client import Client
from temporalio.worker import Worker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from empty_workflow import EmptyWorkflow  # noqa: E402
from harness import (  # noqa: E402
    WORK,
    EmbeddedStack,
    add_stack_arguments,
    parse_with_smoke,
    report,
    stack_settings,
)
from mailset import count_new, make_mailset  # noqa: E402

from ticketflow.store.models import Article, Ticket  # noqa: E402

PEER_VERSION = "django-helpdesk==2.6.1"


def process_cpu(root_pid: int) -> dict[str, float]:
    """CPU seconds (user + system) of each process under `ticketflow up`, by role."""
    tick = os.sysconf("SC_CLK_TCK")
    usage: dict[str, float] = {}
    pending = [root_pid]
    while pending:
        pid = pending.pop()
        try:
            stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        words = [w.decode() for w in cmdline if w]
        role = next((r for r in ("worker", "api", "temporal", "up") if r in words[1:4]), "up")
        if words and words[0].endswith("temporal"):
            role = "temporal"
        usage[role] = usage.get(role, 0.0) + (int(stat[11]) + int(stat[12])) / tick
        pending += [int(c) for c in children]
    return usage


async def empty_workflow_rate(address: str, count: int, concurrency: int) -> float:
    client = await Client.connect(address)
    queue = f"bench-empty-{uuid.uuid4()}"
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            await client.execute_workflow(
                EmptyWorkflow.run, id=f"bench-empty-{queue}-{i}", task_queue=queue
            )

    async with Worker(client, task_queue=queue, workflows=[EmptyWorkflow]):
        started = time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(count)))
        return count / (time.perf_counter() - started)


async def ticketflow_intake(
    stack: EmbeddedStack, mails: list[bytes], concurrency: int
) -> dict[str, float]:
    expected_new = count_new(mails)
    gate = asyncio.Semaphore(concurrency)
    statuses: dict[int, int] = {}
    engine = create_engine(stack.database_url)
    outbox = stack.data_dir / "outbox" / "new"

    async with httpx.AsyncClient(base_url=stack.api, timeout=60) as http:

        async def post(raw: bytes) -> None:
            async with gate:
                resp = await http.post(
                    "/api/v1/inbound/mail", content=raw, headers=stack.inbound_headers
                )
                statuses[resp.status_code] = statuses.get(resp.status_code, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(post(m) for m in mails))
        posted = time.perf_counter() - started

    def progress() -> tuple[int, int, int, int]:
        with engine.connect() as conn:
            tickets = conn.scalar(select(func.count()).select_from(Ticket)) or 0
            routed = (
                conn.scalar(
                    select(func.count()).select_from(Ticket).where(Ticket.state != "received")
                )
                or 0
            )
            taken = (
                conn.scalar(
                    select(func.count())
                    .select_from(Article)
                    .where(Article.direction == "in", Article.status == "processed")
                )
                or 0
            )
        replies = len(list(outbox.iterdir())) if outbox.exists() else 0
        return tickets, routed, taken, replies

    while True:
        tickets, routed, taken, replies = progress()
        if routed >= tickets >= expected_new and taken >= len(mails) and replies >= tickets:
            break
        if time.perf_counter() - started > 1800:
            raise RuntimeError(f"intake did not finish: {progress()}")
        await asyncio.sleep(0.1)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return {
        "seconds": elapsed,
        "posted_seconds": posted,
        "mails": len(mails),
        "tickets": tickets,
        "auto_replies": replies,
        "mails_per_s": len(mails) / elapsed,
        "tickets_per_s": tickets / elapsed,
        "http_statuses": statuses,  # type: ignore[dict-item]
    }


def peer_venv() -> Path:
    venv = WORK / "dh-venv"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", PEER_VERSION], check=True)
    return python


def django_helpdesk_intake(mails: list[bytes]) -> dict[str, float]:
    python = peer_venv()
    work = WORK / f"dh-{uuid.uuid4().hex[:8]}"
    mail_dir = work / "maildir"
    mail_dir.mkdir(parents=True)
    for i, raw in enumerate(mails):
        # Numbered so that the directory order is the arrival order.
        (mail_dir / f"{i:06d}.eml").write_bytes(raw)
    script = ROOT / "bench" / "peer_helpdesk.py"
    out = subprocess.run(
        [str(python), str(script), str(work), str(mail_dir)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["mails_per_s"] = len(mails) / result["seconds"]
    result["tickets_per_s"] = result["tickets"] / result["seconds"]
    shutil.rmtree(work, ignore_errors=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--empty-workflows", type=int, default=1000)
    parser.add_argument("--no-peer", action="store_true", help="skip django-helpdesk")
    add_stack_arguments(parser)
    args = parse_with_smoke(parser, mails=20, empty_workflows=20, concurrency=4, no_peer=True)

    mails = make_mailset(args.mails)
    run_dir = WORK / f"tf-{uuid.uuid4().hex[:8]}"
    run_dir.mkdir(parents=True)
    with EmbeddedStack(run_dir / "data", args.database_url, stack_settings(args)) as stack:
        address = f"127.0.0.1:{stack.temporal_port}"
        empty = asyncio.run(empty_workflow_rate(address, args.empty_workflows, args.concurrency))
        assert stack.proc is not None
        cpu_before = process_cpu(stack.proc.pid)
        ours = asyncio.run(ticketflow_intake(stack, mails, args.concurrency))
        cpu_after = process_cpu(stack.proc.pid)
    cpu = {k: cpu_after.get(k, 0) - cpu_before.get(k, 0) for k in cpu_after}
    shutil.rmtree(run_dir, ignore_errors=True)
    peer = None if args.no_peer else django_helpdesk_intake(mails)

    lines = [
        f"mails: {len(mails)} ({count_new(mails)} new), concurrency {args.concurrency},"
        f" read model {stack.database_url.split(':')[0]}",
        f"empty workflow (same server): {empty:8.1f} workflows/s",
        f"ticketflow intake:            {ours['tickets_per_s']:8.1f} tickets/s"
        f"  ({ours['mails_per_s']:.1f} mails/s, {ours['seconds']:.1f} s,"
        f" {ours['tickets']} tickets, {ours['auto_replies']} auto-replies,"
        f" HTTP {ours['http_statuses']})",
        "  CPU seconds during intake: "
        + ", ".join(f"{k} {v:.1f}" for k, v in sorted(cpu.items(), key=lambda kv: -kv[1]))
        + f"; all mails posted after {ours['posted_seconds']:.1f} s",
    ]
    if peer:
        lines.append(
            f"django-helpdesk get_email:    {peer['tickets_per_s']:8.1f} tickets/s"
            f"  ({peer['mails_per_s']:.1f} mails/s, {peer['seconds']:.1f} s,"
            f" {peer['tickets']} tickets, {peer['followups']} follow-ups,"
            f" {peer['mails_sent']} mail files)"
        )
        lines.append(
            f"ratio ticketflow / django-helpdesk (mails/s): "
            f"{ours['mails_per_s'] / peer['mails_per_s']:.2f}  (target >= 1.0)"
        )
    lines.append(
        f"ratio ticketflow tickets/s / empty workflows/s: "
        f"{ours['tickets_per_s'] / empty:.2f}  (target >= 0.6)"
    )
    report("intake", lines, args.record)


if __name__ == "__main__":
    main()
