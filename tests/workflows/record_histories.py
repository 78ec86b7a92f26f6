"""Record the workflow histories of this release that test_replay.py replays:

    .venv/bin/python -m tests.workflows.record_histories

Runs the scenario tests below with TICKETFLOW_RECORD_HISTORIES set; each writes the history
of its ticket's run to tests/workflows/histories/<release>/ (the version in pyproject.toml)
and seals it in histories/SHA256SUMS. Histories are append-only: those of
earlier releases stand for tickets running in installations now, and are never re-recorded
or deleted while such a ticket may exist (docs/architecture.md, "Changing workflow code").
A release's histories are recorded once; a workflow change that needs new ones is a new
release, with a `workflow.patched` marker guarding the old path.
"""

from __future__ import annotations

import os
import sys

import pytest

from tests.support.temporal import (
    HISTORIES,
    RECORD_VARIABLE,
    SEALED,
    history_path,
    release,
    sealed_histories,
)

TICKET = "tests/workflows/test_ticket_workflow.py::"
ESCALATION = "tests/workflows/test_escalation.py::"
UNDO = "tests/workflows/test_undo.py::"
SECOND = "tests/workflows/test_second_line.py::"
# Each scenario test, and the histories it keeps.
SCENARIOS = {
    f"{TICKET}test_new_ticket_routes_to_inbox_and_gets_auto_reply": ("new-ticket-auto-reply",),
    f"{TICKET}test_answered_ticket_reopens_in_the_answering_queue": ("answered-then-reopened",),
    f"{TICKET}test_reply_after_reopen_window_starts_a_new_run_of_the_same_ticket": (
        "reopen-window-ends",
        "reopen-after-window",
    ),
    f"{TICKET}test_long_ticket_continues_as_new_and_keeps_every_message": (
        "continue-as-new",
        "continued-run",
    ),
    f"{TICKET}test_a_macro_applies_every_step_as_one_change": ("macro",),
    f"{ESCALATION}test_friday_evening_mail_escalates_saturday_morning": (
        "sla-warning-breach-move",
    ),
    f"{ESCALATION}test_a_waiting_ticket_is_reminded_closed_and_reopened_by_a_late_reply": (
        "waiting-reminded-closed-reopened",
    ),
    f"{ESCALATION}test_remind_me_brings_a_waiting_ticket_back_to_the_agent": ("remind-me",),
    f"{ESCALATION}test_an_idle_owner_loses_the_ticket_on_a_durable_timer": ("owner-released",),
    f"{UNDO}test_an_undone_answer_never_reaches_the_customer_and_the_ticket_is_back": (
        "answer-undone",
    ),
    f"{TICKET}test_a_colleague_s_forward_then_an_agent_s_forward_out": (
        "staff-forward-and-forward-out",
    ),
    f"{SECOND}test_a_verification_and_a_restore": ("passwords-verify-restore",),
    f"{SECOND}test_a_task_waited_on_for_days_then_closed": ("task-filed-polled-closed",),
    f"{TICKET}test_a_ticket_merged_into_another_moves_its_mail_and_its_run_ends": (
        "merged-into-another",
        "another-merged-in",
    ),
    "tests/workflows/test_incident_workflow.py::test_an_incident_answers_links_later_and_closes": (
        "incident-answered-closed",
    ),
}


def main() -> int:
    names = [name for names in SCENARIOS.values() for name in names]
    sealed = sealed_histories()
    taken = [n for n in names if history_path(n).relative_to(HISTORIES).as_posix() in sealed]
    if taken:
        print(f"release {release()} already has its histories ({', '.join(taken)}): bump the")
        print("version in pyproject.toml for a release whose workflow code records new ones")
        return 2
    os.environ[RECORD_VARIABLE] = "1"
    print(f"recording into {HISTORIES / release()}, sealing in {SEALED}", flush=True)
    # Each scenario's keep_history writes and seals its history (the suite's conftest ends
    # the process with pytest's own status once it has run).
    return int(pytest.main(["-q", "-p", "no:cacheprovider", *SCENARIOS]))


if __name__ == "__main__":
    sys.exit(main())
