"""Solvers' tasks on the real stack: a task filed from a ticket (the agent's words and the
ticket's link, never the customer's address), the ticket waiting on it, a second ticket
linked to the same task, the tracker's signed webhook bringing both back to Solvers with
the answer drafted, a forged one refused; and, where webhooks cannot reach the desk, a
ticket that waits on its task across a worker restart and comes back when a poll finds
the task closed."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.console.test_pages import signed_in
from tests.support.browser import (
    CSP_REPORTS,
    PASSWORD,
    playwright_api,
    serving_stack,
    shot,
    sign_in,
)
from tests.support.stack import EXAMPLE_DESK, SmtpSink, Stack, open_stack
from tests.support.temporal import eventually, running_workers
from tests.support.trackers import SECRET, TOKEN, Tracker, gitlab_close, gitlab_note, serving


def tracker_desk(folder: Path, url: str, poll_minutes: float | None = None) -> Path:
    """The example desk, its mail project's GitLab at `url` (polling where asked)."""
    text = EXAMPLE_DESK.read_text().replace("    undo_seconds: 10\n", "    undo_seconds: 0\n")
    text = text.replace("url: http://127.0.0.1:8929/api/v4", f"url: {url}/api/v4")
    if poll_minutes is not None:
        text = text.replace("      open_limit_days: 14\n", f"      poll_minutes: {poll_minutes}\n")
    path = folder / "desk-tracker.yaml"
    path.write_text(text)
    help_articles = folder / "help"
    if not help_articles.exists():
        help_articles.symlink_to(EXAMPLE_DESK.parent / "help")
    return path


@pytest.fixture
def tracker(monkeypatch: pytest.MonkeyPatch) -> Iterator[Tracker]:
    monkeypatch.setenv("TICKETFLOW_TRACKER_TOKEN", TOKEN)
    monkeypatch.setenv("TICKETFLOW_TRACKER_WEBHOOK_SECRET", SECRET)
    with serving(Tracker()) as found:
        yield found


@pytest.fixture
async def tracker_stack(
    dev_env: WorkflowEnvironment,
    database_url: str,
    tmp_path: Path,
    smtp: tuple[SmtpSink, int],
    tracker: Tracker,
) -> AsyncIterator[Stack]:
    desk = tracker_desk(tmp_path, tracker.url)
    async with open_stack(dev_env, database_url, tmp_path, smtp, desk_config=desk) as stack:
        yield stack


async def in_solvers(stack: Stack, **mail: str) -> str:
    number = await stack.open_ticket(**mail)
    assert (await stack.act(number, "move", agent="alice", queue="Solvers")).status_code == 200
    return number


async def ticket(stack: Stack, number: str) -> dict[str, Any]:
    resp = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("carol"))
    return dict(resp.json())


async def hook(stack: Stack, body: dict[str, Any], token: str = SECRET) -> Any:
    return await stack.http.post(
        "/api/v1/inbound/tracker/mail",
        content=json.dumps(body).encode(),
        headers={"X-Gitlab-Token": token, "X-Gitlab-Event": "Issue Hook"},
    )


async def test_a_task_filed_waited_on_and_closed(tracker_stack: Stack, tracker: Tracker) -> None:
    stack = tracker_stack
    first = await in_solvers(stack, subject="Sent folder empties itself")
    filed = await stack.act(
        first,
        "file-task",
        agent="carol",
        summary="Sent folder loses mail after a reload",
        text="Three customers since 4.2; steps: send, reload, open Sent.",
    )
    assert filed.status_code == 200, filed.text
    assert filed.json()["state"] == "waiting"
    [issue] = tracker.issues.values()
    assert issue.fields["title"] == "Sent folder loses mail after a reload"
    description = issue.fields["description"]
    assert "Three customers since 4.2" in description
    assert f"Ticket {first}: http://127.0.0.1:8000/t/{first}" in description
    assert "anna@example.org" not in json.dumps(tracker.requests)  # the customer's address
    detail = await ticket(stack, first)
    assert [h["detail"] for h in detail["history"] if h["action"] == "file-task"] == ["1"]
    # A second ticket about the same thing waits on the same task.
    second = await in_solvers(stack, sender="boris@example.net", subject="Sent is empty")
    linked = await stack.act(second, "file-task", agent="carol", task="1")
    assert linked.status_code == 200 and linked.json()["state"] == "waiting"
    assert len(tracker.issues) == 1
    unknown = await stack.act(second, "file-task", agent="carol", task="77")
    assert unknown.status_code == 409 and unknown.json()["code"] == "task-unknown"
    # No customer reminder, no closing while engineering works: the page shows the task.
    browser, _ = await signed_in(stack, "carol")
    page = await browser.get(f"/t/{first}")
    assert f"{tracker.url}/mail%2Fwebmail/-/issues/1" in page.text

    # A forged webhook changes nothing; the tracker's own brings both tickets back.
    forged = await hook(stack, gitlab_close("1"), token="guess")
    assert forged.status_code == 403 and forged.json()["code"] == "tracker-forged"
    assert (await ticket(stack, first))["state"] == "waiting"
    comment = await hook(stack, gitlab_note("1"))
    assert comment.status_code == 200, comment.text
    assert comment.json()["events"] == [
        {"task": "1", "kind": "comment", "tickets": [first, second]}
    ]
    back = await eventually(lambda: ticket(stack, first), lambda t: t["state"] == "second-line")
    assert back["queue"] == "Solvers"
    assert back["history"][-1]["action"] == "task-update"
    assert back["history"][-1]["detail"] == "1 comment"
    closed = await hook(stack, gitlab_close("1"))
    assert closed.json()["events"][0]["tickets"] == [first, second]
    other = await eventually(
        lambda: ticket(stack, second),
        lambda t: t["history"][-1]["detail"] == "1 closed" and t["state"] == "second-line",
    )
    assert other["queue"] == "Solvers"
    # The reply box offers the desk's answer for a fixed task.
    page = await browser.get(f"/t/{second}")
    assert '<option value="task_done" selected>' in page.text
    # The first ticket, told of the comment, hears of the closing too.
    await eventually(
        lambda: ticket(stack, first), lambda t: t["history"][-1]["detail"] == "1 closed"
    )


async def test_a_tracker_that_is_down_is_said_and_nothing_is_filed(
    tracker_stack: Stack, tracker: Tracker
) -> None:
    number = await in_solvers(tracker_stack)
    tracker.down = True
    resp = await tracker_stack.act(number, "file-task", agent="carol", summary="Broken")
    assert resp.status_code == 503 and resp.json()["code"] == "tracker-unavailable"
    assert (await ticket(tracker_stack, number))["state"] == "second-line"
    # Only Solvers file tasks, and only where the desk has a tracker.
    refused = await tracker_stack.act(number, "file-task", agent="alice", summary="x")
    assert refused.status_code == 404  # the first line no longer reads it


async def test_a_polled_task_across_a_worker_restart(
    dev_env: WorkflowEnvironment,
    database_url: str,
    tmp_path: Path,
    smtp: tuple[SmtpSink, int],
    tracker: Tracker,
) -> None:
    desk = tracker_desk(tmp_path, tracker.url, poll_minutes=0.05)  # every 3 seconds
    async with open_stack(
        dev_env, database_url, tmp_path, smtp, desk_config=desk, workers=False
    ) as stack:
        async with running_workers(dev_env.client, stack.components):
            number = await in_solvers(stack)
            filed = await stack.act(number, "file-task", agent="carol", summary="Broken")
            assert filed.status_code == 200, filed.text
            asked = len(tracker.requests)
            await eventually(lambda: _count(tracker), lambda n: n > asked, timeout=10)
        # No worker now: the ticket waits in Temporal; the task closes meanwhile.
        assert (await ticket(stack, number))["state"] == "waiting"
        tracker.close("1")
        async with running_workers(dev_env.client, stack.components):
            back = await eventually(
                lambda: ticket(stack, number), lambda t: t["state"] == "second-line", timeout=20
            )
    assert back["history"][-1]["detail"] == "1 closed"


async def _count(tracker: Tracker) -> int:
    return len(tracker.requests)


async def test_filing_a_task_in_the_browser(
    tracker_stack: Stack, tracker: Tracker, chromium: object
) -> None:
    """Carol, in Chromium, files a task from a Solvers ticket: the ticket waits, its
    header links the task."""
    expect = playwright_api.expect
    stack = tracker_stack
    stack.components.agent_admin("test").set_password("carol", PASSWORD)
    number = await in_solvers(stack, subject="Sent folder empties itself")
    async with serving_stack(stack) as served:
        carol = await sign_in(chromium, served, "carol")
        await carol.goto(f"{served}/t/{number}")  # type: ignore[attr-defined]
        await carol.get_by_text("Task for engineering").click()  # type: ignore[attr-defined]
        form = carol.locator("details.task-form")  # type: ignore[attr-defined]
        await form.get_by_label("Summary").fill("Sent folder loses mail after a reload")
        await form.get_by_label("What engineering needs to know").fill(
            "Three customers since 4.2: send, reload, open Sent."
        )
        await shot(carol, "solvers-file-task", full_page=False)
        await form.get_by_role("button", name="File the task and wait").click()
        await expect(carol.locator("[data-state]")).to_have_text("waiting")  # type: ignore[attr-defined]
        await expect(carol.locator("dd.tasks a")).to_have_text("1")  # type: ignore[attr-defined]
    assert tracker.issues["1"].fields["title"] == "Sent folder loses mail after a reload"
    assert CSP_REPORTS == []
