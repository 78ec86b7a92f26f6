"""The API's latency while a stream of hostile mail arrives, beside its latency without it.

    python bench/hostile.py [--samples 200] [--bombers 4] [--record]

One `ticketflow up` on a fresh data directory. Phase one measures /healthz and the
intake of ordinary customer mail on a quiet desk; phase two measures the same while
`--bombers` senders (processes of their own) post bombs without pause (MIME nested
1,000 deep, 20,000 parts, 990 parts, a 2 MB header, a charset that is no charset, HTML
88,000 <div> deep).
Every bomb must be answered 202 and kept; the ratio of the two phases is what reading
mail in reader processes, in two lanes, buys.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import multiprocessing
import sys
import tempfile
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event as EventType
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import (
    EmbeddedStack,
    add_stack_arguments,
    latency_line,
    parse_with_smoke,
    percentile,
    report,
    stack_settings,
)

from tests.support import bombs
from tests.support.mail import customer_mail


def bomb_stream() -> itertools.cycle[bytes]:
    return itertools.cycle(
        [
            bombs.nested(1000),
            bombs.many_parts(20_000),
            bombs.many_parts(990),
            bombs.huge_header(2_000_000),
            bombs.charset("undefined"),
            bombs.nested_html(88_000),
        ]
    )


async def measure(
    http: httpx.AsyncClient, headers: dict[str, str], samples: int
) -> dict[str, list[float]]:
    health: list[float] = []
    intake: list[float] = []
    for i in range(samples):
        start = time.perf_counter()
        resp = await http.get("/healthz")
        health.append((time.perf_counter() - start) * 1000)
        assert resp.status_code == 200, resp.text
        if i % 4 == 0:
            mail = customer_mail(sender=f"c{i}-{time.time_ns()}@example.org", subject=f"#{i}")
            start = time.perf_counter()
            resp = await http.post("/api/v1/inbound/mail", content=mail, headers=headers)
            intake.append((time.perf_counter() - start) * 1000)
            assert resp.status_code == 202, resp.text
        await asyncio.sleep(0.01)
    return {"healthz": health, "customer mail": intake}


def bomber(api: str, headers: dict[str, str], stop: EventType, answers: Queue[int]) -> None:
    """One sender of bombs, in a process of its own: the measuring client shares no event
    loop or GIL with the bombers, so its latencies are the API's."""
    stream = bomb_stream()
    with httpx.Client(base_url=api, timeout=120) as http:
        while not stop.is_set():
            # Each bomb unique (a trace field), so none is a duplicate of one kept before.
            raw = f"Received: bomb {time.time_ns()}\r\n".encode() + next(stream)
            resp = http.post("/api/v1/inbound/mail", content=raw, headers=headers)
            answers.put(resp.status_code)


async def run(stack: EmbeddedStack, samples: int, bombers: int) -> list[str]:
    headers = stack.inbound_headers
    context = multiprocessing.get_context("spawn")
    stop, answers = context.Event(), context.Queue()
    async with httpx.AsyncClient(base_url=stack.api, timeout=120) as http:
        quiet = await measure(http, headers, samples)
        senders = [
            context.Process(target=bomber, args=(stack.api, headers, stop, answers))
            for _ in range(bombers)
        ]
        for sender in senders:
            sender.start()
        await asyncio.sleep(3)  # the bombs are arriving
        loud = await measure(http, headers, samples)
        stop.set()
    for sender in senders:
        sender.join(120)
    codes = []
    while not answers.empty():
        codes.append(answers.get())
    assert set(codes) <= {202}, f"bombs answered {sorted(set(codes))}"
    lines = [f"{samples} samples per phase, {bombers} senders of bombs, {len(codes)} bombs"]
    for name in quiet:
        lines.append(latency_line(f"{name} quiet", quiet[name]))
        lines.append(latency_line(f"{name} bombed", loud[name]))
        ratio = percentile(loud[name], 0.95) / max(percentile(quiet[name], 0.95), 0.001)
        lines.append(f"  {name}: p95 under bombs / p95 quiet = {ratio:.2f}")
    lines.append(f"  healthz p95 under bombs: {percentile(loud['healthz'], 0.95):.1f} ms")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--bombers", type=int, default=4)
    add_stack_arguments(parser)
    args = parse_with_smoke(parser, samples=8, bombers=2)
    with tempfile.TemporaryDirectory() as work:
        data_dir = Path(work) / "data"
        with EmbeddedStack(data_dir, args.database_url, stack_settings(args)) as stack:
            lines = asyncio.run(run(stack, args.samples, args.bombers))
    report("hostile", lines, args.record)


if __name__ == "__main__":
    main()
