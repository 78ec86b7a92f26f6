"""Recorded histories of real ticket runs replay on today's workflow code.

A change to workflow code that would take a running ticket down another path than its history
(a new activity, a reordered timer, a different command) fails here, by name, before it
reaches an installation. Re-record with `python -m tests.workflows.record_histories` only as
its docstring says.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

from tests.support.temporal import HISTORIES
from worker import WORKFLOW_RUNNER
from workflows.ticket import TicketWorkflow

SCENARIOS = {
    "new-ticket-auto-reply",
    "answered-then-reopened",
    "reopen-window-ends",
    "reopen-after-window",
    "continue-as-new",
    "continued-run",
    "macro",
    "sla-warning-breach-move",
    "waiting-reminded-closed-reopened",
    "remind-me",
    "owner-released",
}


def test_every_scenario_has_a_recorded_history() -> None:
    assert {p.stem for p in HISTORIES.glob("*.json")} == SCENARIOS


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_a_recorded_history_replays_on_todays_code(name: str) -> None:
    path: Path = HISTORIES / f"{name}.json"
    history = WorkflowHistory.from_json(f"replay-{name}", path.read_text())
    replayer = Replayer(workflows=[TicketWorkflow], workflow_runner=WORKFLOW_RUNNER)
    result = await replayer.replay_workflow(history)  # raises on any nondeterminism
    assert result.replay_failure is None
