"""Escalation timers on the time-skipping server: SLAs in business time, pauses while
waiting, auto-close, reminders. Each test has its own server (it skips days ahead)."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from tests.support.mail import customer_mail
from tests.support.stack import make_components
from tests.support.temporal import eventually, keep_history, new_worker
from tests.support.tickets import act, ticket_row, wait_state
from ticketflow.components import Components
from ticketflow.engine.inbound import accept_mail
from ticketflow.store.models import Article, HistoryEvent
from ticketflow.tickets.calendars import calendar_for
from ticketflow.tickets.numbering import workflow_id

MSK = ZoneInfo("Europe/Moscow")
MINUTE = timedelta(minutes=1)


async def skip_to(env: WorkflowEnvironment, weekday: int, hour: int, minute: int) -> datetime:
    """Skip the server's clock to the next such moment, Moscow time (weekday 0 = Monday)."""
    now = (await env.get_current_time()).astimezone(MSK)
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    target += timedelta(days=(weekday - now.weekday()) % 7)
    if target <= now:
        target += timedelta(days=7)
    await env.sleep(target - now)
    return target


async def skip_until(env: WorkflowEnvironment, moment: datetime) -> None:
    wait = moment - await env.get_current_time()
    # The time-skipping server starts at today: a fixed moment now past cannot be reached.
    assert wait >= timedelta(0), f"{moment} has passed: choose a later date for this test"
    await env.sleep(wait)


def history(components: Components, number: str) -> list[tuple[str, str | None]]:
    ticket_id = ticket_row(components, number).id
    with components.sessions() as session:
        rows = session.execute(
            select(HistoryEvent.action, HistoryEvent.detail)
            .where(HistoryEvent.ticket_id == ticket_id)
            .order_by(HistoryEvent.seq)
        ).all()
    return [(a, d) for a, d in rows]


async def history_with(components: Components, number: str, action: str) -> list[Any]:
    async def probe() -> list[tuple[str, str | None]]:
        return history(components, number)

    return await eventually(probe, lambda h: any(a == action for a, _ in h))


def actions(components: Components, number: str) -> list[str]:
    return [a for a, _ in history(components, number)]


async def new_ticket(env: WorkflowEnvironment, components: Components) -> str:
    number = (await accept_mail(components, env.client, customer_mail())).ticket_number
    await wait_state(components, number, "first-line", "Inbox")
    return number


async def test_friday_evening_mail_escalates_saturday_morning(
    own_time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    env, hooks = own_time_skipping_env, WebhookSink()
    desk = tmp_path / "desk.yaml"
    desk.write_text(FAST_DESK.format(url=hooks.url))
    components = make_components(tmp_path, f"sqlite:///{tmp_path / 'tf.db'}", desk_config=desk)
    with hooks:
        async with new_worker(env.client, components):
            arrived = await skip_to(env, 4, 20, 50)  # Friday
            number = await new_ticket(env, components)
            due = ticket_row(components, number).escalation_at
            assert due is not None
            assert arrived + timedelta(hours=13) <= due < arrived + timedelta(hours=13) + MINUTE

            await skip_until(env, due - 5 * MINUTE)  # the warning (80%) is at 09:38
            await history_with(components, number, "sla-warning")
            assert "sla-breach" not in actions(components, number)

            await skip_until(env, due + MINUTE)
            events = await history_with(components, number, "move")
            assert (
                "sla-breach",
                f"first-response due {due.isoformat(timespec='minutes')}",
            ) in events
            row = await wait_state(components, number, "second-line", "Escalated")
            assert row.priority == 4  # raised from 3
            posted = await eventually(lambda: hooks.received(), lambda p: len(p) == 2)
            assert [p["event"] for p in posted] == ["sla-warning", "sla-breach"]
            assert {p["ticket"] for p in posted} == {number}
            mails = await eventually(
                lambda: outbox(components), lambda m: any("lead@" in x for x in m)
            )
            assert any("SLA breach: first-response" in m and "lead@" in m for m in mails)
            await keep_history(env.client, workflow_id(number), "sla-warning-breach-move")


@pytest.mark.parametrize(
    ("zone", "arrival", "holidays", "due_utc"),
    [
        # A Saturday holiday: Friday's ten minutes, then fifty on Sunday morning. (A year
        # ahead: the time-skipping server starts at today and only goes forward.)
        (
            "Europe/Moscow",
            datetime(2027, 12, 3, 20, 50),
            ["2027-12-04"],
            datetime(2027, 12, 5, 6, 50),
        ),
        # Berlin moves its clocks on Sunday 2027-03-28: 09:50 that day is 07:50 UTC, not 08:50.
        (
            "Europe/Berlin",
            datetime(2027, 3, 26, 20, 50),
            ["2027-03-27"],
            datetime(2027, 3, 28, 7, 50),
        ),
    ],
)
async def test_holidays_and_dst_shift_the_deadline(
    own_time_skipping_env: WorkflowEnvironment,
    tmp_path: Path,
    zone: str,
    arrival: datetime,
    holidays: list[str],
    due_utc: datetime,
) -> None:
    env = own_time_skipping_env
    desk = tmp_path / "desk.yaml"
    desk.write_text(
        FAST_DESK.format(url="http://127.0.0.1:9/unused")
        .replace("Europe/Moscow", zone)
        .replace('"09:00-21:00"}}', f'"09:00-21:00"}}, holidays: {holidays}}}')
    )
    components = make_components(tmp_path, f"sqlite:///{tmp_path / 'tf.db'}", desk_config=desk)
    async with new_worker(env.client, components):
        await skip_until(env, arrival.replace(tzinfo=ZoneInfo(zone)))
        number = await new_ticket(env, components)
        due = ticket_row(components, number).escalation_at
        assert due is not None and abs(due - due_utc.replace(tzinfo=UTC)) < MINUTE


async def test_waiting_is_not_counted_and_an_answer_stops_the_clock(
    own_time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    env = own_time_skipping_env
    async with new_worker(env.client, components):
        await skip_to(env, 0, 10, 0)  # Monday
        number = await new_ticket(env, components)
        await env.sleep(10 * MINUTE)
        await act(env.client, components, number, "ask", "Which browser do you use?")
        assert ticket_row(components, number).escalation_at is None
        await env.sleep(timedelta(days=3))  # waiting: nothing escalates
        assert not [a for a in actions(components, number) if a.startswith("sla-")]

        replied = await env.get_current_time()
        await accept_mail(components, env.client, customer_mail(subject=f"Re: [Ticket#{number}]"))
        row = await wait_state(components, number, "first-line", "Inbox")
        # The update clock: 120 business minutes from the reply (Inbox's SLA).
        assert row.escalation_at is not None
        assert abs(row.escalation_at - inbox_add(components, replied, 120)) < MINUTE

        await act(env.client, components, number, "answer", "Use another browser.")
        row = await wait_state(components, number, "closed", "Inbox")
        assert row.escalation_at is None
        await env.sleep(timedelta(days=1))
        assert not [a for a in actions(components, number) if a.startswith("sla-")]


async def test_a_move_recomputes_the_deadline_from_what_is_left(
    own_time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    env = own_time_skipping_env
    async with new_worker(env.client, components):
        arrived = await skip_to(env, 0, 10, 0)
        number = await new_ticket(env, components)
        await env.sleep(20 * MINUTE)
        await act(env.client, components, number, "move", queue="Passwords")
        row = ticket_row(components, number)
        # Passwords: 240 minutes for the first response, 20 of them used in the Inbox.
        assert row.escalation_at is not None
        assert abs(row.escalation_at - (arrived + timedelta(hours=4))) < MINUTE


async def test_a_waiting_ticket_is_reminded_closed_and_reopened_by_a_late_reply(
    own_time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    env = own_time_skipping_env
    async with new_worker(env.client, components):
        await skip_to(env, 0, 10, 0)
        number = await new_ticket(env, components)
        await act(env.client, components, number, "move", queue="Passwords")
        await act(env.client, components, number, "ask", "Which address did you sign up with?")
        await wait_state(components, number, "waiting", "Passwords")

        await env.sleep(timedelta(days=3, hours=13))  # Passwords reminds halfway
        await history_with(components, number, "waiting-reminder")
        with components.sessions() as session:
            reminder = session.scalars(
                select(Article).where(Article.idempotency_key.like("waiting-reminder:%"))
            ).one()
        assert reminder.to_addr == "anna@example.org"
        assert "still waiting for your answer" in reminder.body_text
        assert reminder.in_reply_to is not None  # threads under our question

        await env.sleep(timedelta(days=3, hours=12))
        events = await history_with(components, number, "close")
        assert ("close", "no reply from the customer in 7 days") in events
        assert ticket_row(components, number).state == "closed"

        await accept_mail(components, env.client, customer_mail(subject=f"Re: [Ticket#{number}]"))
        await wait_state(components, number, "second-line", "Passwords")
        await keep_history(env.client, workflow_id(number), "waiting-reminded-closed-reopened")


async def test_remind_me_brings_a_waiting_ticket_back_to_the_agent(
    own_time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    env = own_time_skipping_env
    async with new_worker(env.client, components):
        number = await new_ticket(env, components)
        await act(env.client, components, number, "ask", "Please send a screenshot.")
        at = await env.get_current_time() + timedelta(hours=2)
        status = await act(env.client, components, number, "remind", agent="bob", remind_at=at)
        assert status.ticket.state == "waiting"
        await env.sleep(timedelta(hours=2, minutes=1))
        row = await wait_state(components, number, "first-line", "Inbox")
        assert row.owner == "bob"
        assert ("reminder", "bob") in history(components, number)
        await keep_history(env.client, workflow_id(number), "remind-me")


async def test_an_idle_owner_loses_the_ticket_on_a_durable_timer(
    own_time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    env = own_time_skipping_env
    async with new_worker(env.client, components):
        number = await new_ticket(env, components)
        await act(env.client, components, number, "take", agent="bob")
        await env.sleep(timedelta(minutes=20))
        await act(env.client, components, number, "note", "Looking into it.", agent="bob")
        await env.sleep(timedelta(minutes=29))
        assert ticket_row(components, number).owner == "bob"  # his note restarted his time
        await env.sleep(timedelta(minutes=2))
        await history_with(components, number, "released")
        assert ticket_row(components, number).owner is None
        assert ("released", "bob: no action in 30 minutes") in history(components, number)
        await act(env.client, components, number, "take", agent="carol")
        await act(env.client, components, number, "release", agent="carol")
        assert ticket_row(components, number).owner is None
        assert [a for a, _ in history(components, number)][-2:] == ["take", "release"]
        await keep_history(env.client, workflow_id(number), "owner-released")


def inbox_add(components: Components, start: datetime, minutes: int) -> datetime:
    """`start` plus business minutes in the Inbox's calendar."""
    policy = components.projects.first.desk.policy()
    sla = policy.sla_for("Inbox") if policy else None
    assert sla is not None
    return calendar_for(sla.calendar).add(start, timedelta(minutes=minutes))


async def outbox(components: Components) -> list[str]:
    folder = components.settings.outbox_dir / "new"
    return [p.read_text() for p in folder.iterdir()] if folder.exists() else []


FAST_DESK = """
calendars:
  moscow: {{zone: Europe/Moscow, hours: {{every-day: "09:00-21:00"}}}}
slas:
  fast:
    calendar: moscow
    first_response: 60
    on_warning:
      - {{action: webhook, url: "{url}"}}
    on_breach:
      - {{action: raise-priority}}
      - {{action: move, queue: Escalated}}
      - {{action: notify}}
      - {{action: webhook, url: "{url}"}}
queues:
  - {{name: Inbox, line: first-line, group: first-line, default: true, sla: fast,
      supervisors: [lead@ticketflow.localhost]}}
  - {{name: Escalated, line: second-line, group: solvers}}
"""


class WebhookSink:
    """A real HTTP server on loopback that keeps the JSON posted to it."""

    def __init__(self) -> None:
        posted: list[dict[str, Any]] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                body = json.loads(self.rfile.read(length))
                body["idempotency_key"] = self.headers["Idempotency-Key"]
                posted.append(body)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self._posted = posted
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_port}/hooks/sla"

    async def received(self) -> list[dict[str, Any]]:
        return list(self._posted)

    def __enter__(self) -> WebhookSink:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
