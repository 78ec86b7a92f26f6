"""An incident's answer to 500 tickets (customers writing in Russian, English and
Turkish) while the worker is SIGKILLed twice and the answer is paused halfway: exactly
500 answers reach the mail server, each in its customer's language, none twice, and each
ticket's history has one answer."""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from api import create_app
from tests.api.test_incidents import KNOWN, answers
from tests.api.test_mail_languages import WRITTEN
from tests.support.mail import customer_mail
from tests.support.stack import SmtpSink, Stack, example_desk, make_components
from tests.support.temporal import eventually
from tests.workflows.test_worker_kill import worker_process
from ticketflow.store.models import HistoryEvent, Ticket

TICKETS = 500
RATE = 3000  # a minute: batches of 50 a second


def desk_with_rate(folder: Path) -> Path:
    path = example_desk(folder, undo_seconds=0)
    text = path.read_text()
    assert "    incident_rate: 600\n" in text
    path.write_text(text.replace("    incident_rate: 600\n", f"    incident_rate: {RATE}\n"))
    return path


async def test_500_answers_exactly_once_through_two_worker_kills_and_a_pause(
    dev_env: WorkflowEnvironment, postgres_url: str, tmp_path: Path, smtp: tuple[SmtpSink, int]
) -> None:
    sink, port = smtp
    desk = desk_with_rate(tmp_path)
    components = make_components(
        tmp_path, postgres_url, smtp_url=f"smtp://127.0.0.1:{port}", desk_config=desk
    )
    admin = components.agent_admin("test")
    tokens = {
        "ivy": admin.add("ivy", ["mail/first-line", "mail/incidents"]),
        "sam": admin.add("sam", ["mail/supervisors"]),
    }
    app = create_app(components.settings, temporal=dev_env.client)
    env = {"TICKETFLOW_SMTP_URL": f"smtp://127.0.0.1:{port}", "TICKETFLOW_DESK_CONFIG": str(desk)}
    target = dev_env.client.service_client.config.target_host
    workers = [worker_process(components, target, env)]
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t", timeout=120
            ) as http,
        ):
            stack = Stack(http, components, dev_env, sink, tokens)
            languages = await make_tickets(stack)
            await sink.wait_for(TICKETS, timeout=120)  # the automatic replies

            async def call(method: str, path: str, **body: Any) -> Any:
                resp = await http.request(
                    method, f"/api/v1{path}", json=body or None, headers=stack.auth("ivy")
                )
                assert resp.status_code in (200, 201), resp.text
                return resp.json()

            incident = (await call("POST", "/incidents", project="mail", title="Login outage"))[
                "id"
            ]
            linked = await call("POST", f"/incidents/{incident}/tickets", numbers=list(languages))
            assert len(linked["linked"]) == TICKETS
            await call("POST", f"/incidents/{incident}/answer", template="incident_known")

            async def progress() -> Any:
                return await call("GET", f"/incidents/{incident}")

            # Killed twice while answering; another worker takes over each time.
            for past in (100, 200):
                await eventually(progress, sent_past(past), timeout=120)
                workers[-1].send_signal(signal.SIGKILL)
                workers[-1].wait(30)
                workers.append(worker_process(components, target, env))
            # Paused halfway: nothing more goes out until it is resumed.
            await eventually(progress, lambda i: i["sent"] >= 300, timeout=120)
            paused = await call("POST", f"/incidents/{incident}/pause")
            assert paused["state"] == "paused"
            held = await held_still(progress)
            assert 300 <= held["sent"] < TICKETS and held["pending"] == TICKETS - held["sent"]
            assert held["state"] == "paused"
            await call("POST", f"/incidents/{incident}/resume")
            done = await eventually(progress, lambda i: i["state"] == "answered", timeout=180)
            assert (done["sent"], done["pending"], done["refused"]) == (TICKETS, 0, 0)

            async def mails() -> int:
                return len(answers(stack, "Login outage"))

            await eventually(mails, lambda n: n >= TICKETS, timeout=120)
            await asyncio.sleep(3)  # time for a second copy, were there one
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    sent = answers(stack, "Login outage")  # fails on any ticket answered twice
    assert set(sent) == set(languages)
    for number, message in sent.items():
        text = message.get_body(("plain",))
        assert text is not None and KNOWN[languages[number]] in text.get_content()
    assert await answer_entries(stack) == dict.fromkeys(languages, 1)


def sent_past(count: int) -> Callable[[Any], bool]:
    return lambda progress: bool(progress["sent"] >= count)


async def make_tickets(stack: Stack) -> dict[str, str]:
    """TICKETS new tickets, a third in each language, each by a customer of its own."""
    made: dict[str, str] = {}
    codes = list(WRITTEN)
    for start in range(0, TICKETS, 25):
        batch = range(start, min(start + 25, TICKETS))
        raws = [
            (
                codes[i % 3],
                customer_mail(
                    sender=f"Customer {i} <customer{i}@example.org>",
                    subject=WRITTEN[codes[i % 3]][0],
                    body=WRITTEN[codes[i % 3]][1],
                ),
            )
            for i in batch
        ]
        sent = await asyncio.gather(*(stack.send_mail(raw) for _, raw in raws))
        for (language, _), resp in zip(raws, sent, strict=True):
            assert resp.status_code == 202, resp.text
            made[resp.json()["ticket"]] = language
    return made


async def held_still(progress: Any) -> Any:
    """The progress once two reads 3 s apart agree (the batch in hand has finished)."""
    before = await progress()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        await asyncio.sleep(3)
        now = await progress()
        if now["sent"] == before["sent"]:
            return now
        before = now
    raise AssertionError(f"the pause did not hold: {before}")


async def answer_entries(stack: Stack) -> dict[str, int]:
    """How many answers each ticket's history has."""

    def read() -> dict[str, int]:
        with stack.components.sessions() as session:
            rows = session.execute(
                select(Ticket.number, func.count())
                .join(HistoryEvent, HistoryEvent.ticket_id == Ticket.id)
                .where(HistoryEvent.action == "answer")
                .group_by(Ticket.number)
            ).all()
            return {number: count for number, count in rows}

    return await asyncio.to_thread(read)
