"""A supervisor's view of a ticket in the Temporal UI that `ticketflow up` serves, in a real
Chromium: the workflow's summary and current details on its page; and the counts per queue
that docs/supervisors.md gives, from the `temporal` CLI. With TICKETFLOW_SCREENSHOTS set,
the page's screenshot goes there (docs/supervisors/)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from tests.api.test_embedded_up import poll, running_up
from tests.support.mail import customer_mail
from tests.support.stack import free_port, free_port_run
from ticketflow.engine.binaries import find_binary
from ticketflow.tickets.numbering import workflow_id

SHOTS = os.environ.get("TICKETFLOW_SCREENSHOTS")


async def _shows(page: Any, texts: list[str], timeout: float = 60) -> None:
    """Wait until the page shows every text (the UI renders Markdown in frames of its own)."""
    deadline = time.monotonic() + timeout
    while True:
        body = ""
        for frame in page.frames:
            with contextlib.suppress(Exception):  # a frame gone or not loaded yet
                body += await frame.inner_text("body", timeout=1000)
        if all(text in body for text in texts):
            return
        assert time.monotonic() < deadline, [t for t in texts if t not in body]
        await asyncio.sleep(0.3)


async def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


async def test_a_ticket_in_the_temporal_ui(tmp_path: Path, chromium: Any) -> None:
    data_dir = tmp_path / "data"
    ports = {"api-port": free_port(), "temporal-port": free_port(), "ui-port": free_port()}
    ports["metrics-port"] = free_port_run(4)
    api = f"http://127.0.0.1:{ports['api-port']}"
    with running_up(data_dir, ports):
        env = {**os.environ, "TICKETFLOW_DATA_DIR": str(data_dir)}
        cli = [sys.executable, "-m", "ticketflow.cli"]
        added = subprocess.run(
            [*cli, "agent", "add", "alice", "--groups", "mail/first-line"],
            env=env, capture_output=True, text=True, check=True,
        )  # fmt: skip
        auth = {"Authorization": f"Bearer {added.stdout.strip().splitlines()[-1]}"}
        secret = (data_dir / "webhook_secret").read_text().strip()
        headers = {"Content-Type": "message/rfc822", "X-Webhook-Secret": secret}
        numbers = []
        for subject in ("Cannot log in", "Spam from my own address"):
            sent = httpx.post(
                f"{api}/api/v1/inbound/mail",
                content=customer_mail(subject=subject),
                headers=headers,
            )
            numbers.append(sent.json()["ticket"])
        number = numbers[0]
        poll(
            lambda: httpx.get(f"{api}/api/v1/tickets/{number}", headers=auth).json(),
            lambda t: t["state"] == "first-line",
        )
        took = httpx.post(f"{api}/api/v1/tickets/{number}/actions/take", headers=auth, timeout=30)
        assert took.status_code == 200, took.text

        page = await chromium.new_page(viewport={"width": 1400, "height": 1000})
        ui = f"http://127.0.0.1:{ports['ui-port']}"
        await page.goto(f"{ui}/namespaces/default/workflows/{workflow_id(number)}")
        # The timeline names each timer by what it is for.
        await page.get_by_text("first-response warning").first.wait_for(timeout=60000)
        await shot(page, "ticket-workflow")
        # The summary and the current details are under "User Metadata".
        await page.get_by_text("User Metadata", exact=True).first.click()
        summary = f"Ticket {number} · mail · first queue Inbox"
        await _shows(page, [summary, "owner alice", "next SLA: first-response warning"])
        await shot(page, "ticket-details")
        body = await page.inner_text("body")
        assert "Cannot log in" not in body and "anna@example.org" not in body
        await page.close()

        # The counts docs/supervisors.md gives, from the CLI.
        temporal = [find_binary("temporal"), "workflow", "count"]
        temporal += ["--address", f"127.0.0.1:{ports['temporal-port']}", "-o", "json"]

        def count(query: str) -> Any:
            done = subprocess.run(
                [*temporal, "--query", query], capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, done.stderr
            return json.loads(done.stdout)

        def counted(query: str, expected: int) -> None:
            # The visibility store follows the workflows a moment later.
            found = poll(lambda: count(query), lambda c: int(c["count"]) == expected)
            assert int(found["count"]) == expected, (query, found)

        counted(
            'TicketProject = "mail" AND TicketQueue = "Inbox" AND TicketState = "first-line"', 2
        )
        counted('ExecutionStatus = "Running" AND TicketOwner = "alice"', 1)
        # docs/supervisors.md's "what is stuck" (nothing done since a moment from now) and
        # "what escalates next" (deadlines from today on: outside the desk's working hours
        # the first response is due the next working morning).
        soon = (datetime.now(UTC) + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
        later = (datetime.now(UTC) + timedelta(days=4)).strftime("%Y-%m-%dT%H:%M:%SZ")
        open_states = 'TicketState IN ("first-line", "second-line")'
        stuck = f'ExecutionStatus = "Running" AND {open_states} AND TicketOwner IS NOT NULL'
        counted(f'{stuck} AND TicketChangedAt < "{soon}"', 1)
        upcoming = f'TicketEscalationAt BETWEEN "{soon[:11]}00:00:00Z" AND "{later}"'
        counted(f'TicketProject = "mail" AND {open_states} AND {upcoming}', 2)
        by_status = count("GROUP BY ExecutionStatus")
        assert int(by_status["count"]) == 2 and by_status["groups"], by_status
