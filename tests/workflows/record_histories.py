"""Re-record the workflow histories that test_replay.py replays:

    .venv/bin/python -m tests.workflows.record_histories

Runs the scenario tests below with TICKETFLOW_RECORD_HISTORIES set; each writes the history of
its ticket's run to tests/workflows/histories/. Re-record only when a workflow change is meant
to make old histories replay differently, and only with a `workflow.patched` marker guarding the
old path (docs/architecture.md, "Changing workflow code"): the recorded histories stand for
tickets that are running in installations now, which must replay on the new code.
"""

from __future__ import annotations

import os
import sys

import pytest

from tests.support.temporal import HISTORIES, RECORD_VARIABLE

SCENARIOS = [
    "tests/workflows/test_ticket_workflow.py::test_new_ticket_routes_to_inbox_and_gets_auto_reply",
    "tests/workflows/test_ticket_workflow.py::test_answered_ticket_reopens_in_the_answering_queue",
    "tests/workflows/test_ticket_workflow.py::"
    "test_reply_after_reopen_window_starts_a_new_run_of_the_same_ticket",
    "tests/workflows/test_ticket_workflow.py::"
    "test_long_ticket_continues_as_new_and_keeps_every_message",
    "tests/workflows/test_ticket_workflow.py::test_a_macro_applies_every_step_as_one_change",
    "tests/workflows/test_escalation.py::test_friday_evening_mail_escalates_saturday_morning",
    "tests/workflows/test_escalation.py::"
    "test_a_waiting_ticket_is_reminded_closed_and_reopened_by_a_late_reply",
    "tests/workflows/test_escalation.py::test_remind_me_brings_a_waiting_ticket_back_to_the_agent",
    "tests/workflows/test_escalation.py::test_an_idle_owner_loses_the_ticket_on_a_durable_timer",
]


def main() -> int:
    os.environ[RECORD_VARIABLE] = "1"
    for old in HISTORIES.glob("*.json"):
        old.unlink()
    print(f"recording into {HISTORIES}", flush=True)
    return pytest.main(["-q", "-p", "no:cacheprovider", *SCENARIOS])


if __name__ == "__main__":
    sys.exit(main())
