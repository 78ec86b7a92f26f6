"""Scale-out: one worker vs two on one Temporal server, and a worker killed mid-run.

    python bench/scaleout.py [--mails 600] [--concurrency 16] [--record]

Three runs of the same mail set, each on a fresh `ticketflow up`:
  1. its own worker alone;
  2. a second worker process (`ticketflow worker`) polling the same task queue;
  3. two workers again, the second killed with SIGKILL once a third of the tickets exist.
Each run ends when every ticket is routed, every inbound article taken in and every
automatic reply in the outbox. After run 3 the read model is checked for loss and
duplication: every mail is one article, every new ticket has exactly one automatic
reply, every ticket's history is numbered 1..n without gaps or repeats, and no ticket
workflow failed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select
from temporalio.client import Client, WorkflowExecutionStatus

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
from intake import process_cpu, ticketflow_intake  # noqa: E402
from mailset import count_new, make_mailset  # noqa: E402

from ticketflow.store.models import Article, HistoryEvent, Ticket  # noqa: E402


def start_second_worker(stack: EmbeddedStack, settings: dict[str, str]) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETFLOW_")}
    env.update({f"TICKETFLOW_{k.upper()}": v for k, v in settings.items()})
    env["TICKETFLOW_DATABASE_URL"] = stack.database_url
    env["TICKETFLOW_DATA_DIR"] = str(stack.data_dir)
    env["TICKETFLOW_TEMPORAL_ADDRESS"] = f"127.0.0.1:{stack.temporal_port}"
    log = (stack.data_dir.parent / "worker2.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "ticketflow.cli", "worker"],
        env=env,
        stdout=log,
        stderr=log,
        cwd=ROOT,
    )


def kill_when(database_url: str, tickets: int, victim: subprocess.Popen[bytes]) -> threading.Thread:
    """SIGKILL `victim` once the read model holds `tickets` tickets."""
    engine = create_engine(database_url)

    def watch() -> None:
        while victim.poll() is None:
            with engine.connect() as conn:
                if (conn.scalar(select(func.count()).select_from(Ticket)) or 0) >= tickets:
                    victim.send_signal(signal.SIGKILL)
                    break
            time.sleep(0.05)
        engine.dispose()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def check_nothing_lost_or_doubled(database_url: str, mails: list[bytes]) -> list[str]:
    """What the read model says about loss and duplication; an empty list means none."""
    problems: list[str] = []
    engine = create_engine(database_url)
    with engine.connect() as conn:
        inbound = conn.scalar(
            select(func.count()).select_from(Article).where(Article.direction == "in")
        )
        if inbound != len(mails):
            problems.append(f"{inbound} inbound articles for {len(mails)} mails")
        untaken = conn.scalar(
            select(func.count())
            .select_from(Article)
            .where(Article.direction == "in", Article.status != "processed")
        )
        if untaken:
            problems.append(f"{untaken} inbound articles not taken in")
        tickets = conn.scalar(select(func.count()).select_from(Ticket)) or 0
        # Not compared with count_new(mails): at concurrency 16 a reply can overtake its
        # original and open a ticket of its own, with or without a kill.
        without_mail = conn.scalar(
            select(func.count())
            .select_from(Ticket)
            .where(Ticket.id.not_in(select(Article.ticket_id).where(Article.direction == "in")))
        )
        if without_mail:
            problems.append(f"{without_mail} tickets without an inbound message")
        replies = conn.execute(
            select(Article.ticket_id, func.count())
            .where(Article.idempotency_key.like("auto-reply:%"))
            .group_by(Article.ticket_id)
        ).all()
        if len(replies) != tickets or any(n != 1 for _, n in replies):
            problems.append(
                f"automatic replies: {len(replies)} tickets, counts {set(n for _, n in replies)}"
            )
        unsent = conn.scalar(
            select(func.count())
            .select_from(Article)
            .where(Article.direction == "out", Article.status != "sent")
        )
        if unsent:
            problems.append(f"{unsent} outbound articles not sent")
        gaps = conn.execute(
            select(HistoryEvent.ticket_id)
            .group_by(HistoryEvent.ticket_id)
            .having(
                (func.count() != func.max(HistoryEvent.seq))
                | (func.count(func.distinct(HistoryEvent.seq)) != func.count())
            )
        ).all()
        if gaps:
            problems.append(f"{len(gaps)} tickets with gaps or repeats in their history")
        behind = conn.execute(
            select(Ticket.id)
            .join(HistoryEvent, HistoryEvent.ticket_id == Ticket.id)
            .group_by(Ticket.id, Ticket.version)
            .having(func.max(HistoryEvent.seq) != Ticket.version)
        ).all()
        if behind:
            problems.append(f"{len(behind)} tickets whose version is not their last event")
    engine.dispose()
    return problems


async def failed_workflows(address: str) -> int:
    client = await Client.connect(address)
    failed = 0
    async for wf in client.list_workflows("WorkflowType = 'Ticket'"):
        if wf.status not in (WorkflowExecutionStatus.RUNNING, WorkflowExecutionStatus.COMPLETED):
            failed += 1
    return failed


def one_run(
    mails: list[bytes], args: argparse.Namespace, workers: int, kill: bool
) -> tuple[dict[str, float], dict[str, float], list[str]]:
    run_dir = WORK / f"so-{uuid.uuid4().hex[:8]}"
    run_dir.mkdir(parents=True)
    # `up` runs one worker here; the second is a process of our own, so killing it does
    # not make `up` stop the stack.
    settings = stack_settings(args) | {"workers": "1"}
    problems: list[str] = []
    second: subprocess.Popen[bytes] | None = None
    try:
        with EmbeddedStack(run_dir / "data", args.database_url, settings) as stack:
            if workers == 2:
                second = start_second_worker(stack, settings)
                time.sleep(3)  # let it connect and poll before the mail comes
            if kill:
                assert second is not None
                kill_when(stack.database_url, count_new(mails) // 3, second)
            assert stack.proc is not None
            cpu_before = process_cpu(stack.proc.pid)
            result = asyncio.run(ticketflow_intake(stack, mails, args.concurrency))
            cpu_after = process_cpu(stack.proc.pid)
            if kill:
                assert second is not None and second.wait(10) == -signal.SIGKILL, "not killed"
                problems = check_nothing_lost_or_doubled(stack.database_url, mails)
                address = f"127.0.0.1:{stack.temporal_port}"
                if failed := asyncio.run(failed_workflows(address)):
                    problems.append(f"{failed} ticket workflows failed or were terminated")
    finally:
        if second and second.poll() is None:
            second.terminate()
            second.wait(30)
    shutil.rmtree(run_dir, ignore_errors=True)
    cpu = {k: cpu_after.get(k, 0) - cpu_before.get(k, 0) for k in cpu_after}
    return result, cpu, problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=600)
    parser.add_argument("--concurrency", type=int, default=16)
    add_stack_arguments(parser)
    args = parse_with_smoke(parser, mails=30, concurrency=4)
    if args.database_url:
        raise SystemExit("scaleout runs three fresh stacks: use the SQLite read model")

    mails = make_mailset(args.mails)
    lines = [
        f"mails: {len(mails)} ({count_new(mails)} new) per run, concurrency {args.concurrency}"
    ]
    rates = {}
    for label, workers, kill in [
        ("one worker", 1, False),
        ("two workers", 2, False),
        ("two workers, one killed", 2, True),
    ]:
        result, cpu, problems = one_run(mails, args, workers, kill)
        rates[label] = result["tickets_per_s"]
        lines.append(
            f"{label:26} {result['tickets_per_s']:6.1f} tickets/s ({result['seconds']:.1f} s;"
            f" CPU s: `up`'s worker {cpu.get('worker', 0):.1f},"
            f" temporal {cpu.get('temporal', 0):.1f}, api {cpu.get('api', 0):.1f})"
        )
        print(lines[-1], flush=True)
        if kill:
            verdict = "; ".join(problems) if problems else "nothing lost, nothing doubled"
            lines.append(f"  after the kill: {verdict}")
    lines.append(
        f"ratio two workers / one worker: {rates['two workers'] / rates['one worker']:.2f}"
    )
    report("scaleout", lines, args.record)


if __name__ == "__main__":
    main()
