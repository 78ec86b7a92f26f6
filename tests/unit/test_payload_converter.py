"""The payload converter writes today's composed form and reads the flat form that
histories of tickets begun on 0.1.0 still hold (no I/O)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

from temporalio.api.common.v1 import Payload
from temporalio.converter import DefaultPayloadConverter

from ticketflow.engine.converter import DATA_CONVERTER
from ticketflow.payloads import (
    CarryOver,
    IncidentCarried,
    IncidentCommand,
    IncidentInput,
    TicketFacts,
    TicketInput,
    TicketStatus,
)
from ticketflow.tickets.lifecycle import State, Ticket
from ticketflow.tickets.sla import Clocks
from ticketflow.tickets.timers import TicketTimers

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
CONVERTER = DATA_CONVERTER.payload_converter
HISTORIES = Path(__file__).parents[1] / "workflows" / "histories"


def payload(value: object) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=json.dumps(value).encode())


def test_flat_facts_of_a_running_ticket_are_read_as_composed() -> None:
    flat = {
        "ticket_id": 7,
        "state": "waiting",
        "queue": "Passwords",
        "owner": "bob",
        "priority": 4,
        "reply_queue": "Passwords",
        "pending_since": T0.isoformat(),
        "closed_at": None,
        "version": 5,
        "last_seq": 5,
        "lines": {"Inbox": "first-line", "Passwords": "second-line"},
        "project": "mail",
        "seen_articles": [1, 2],
        "pending_articles": [3],
        "pending_mail": [["article", 9]],
        "clocks": {"responded": True},
        "waiting_since": T0.isoformat(),
        "waiting_reminded": True,
        "remind_at": None,
        "remind_agent": None,
        "owner_active_at": T0.isoformat(),
    }
    given = {"number": "1", "reopen_window_seconds": 60, "max_history_events": 9, "carried": flat}
    [read] = CONVERTER.from_payloads([payload(given)], [TicketInput])
    facts = read.carried
    assert facts is not None
    assert facts.ticket == Ticket(State.WAITING, "Passwords", "bob", 4, "Passwords")
    assert facts.timers == TicketTimers(
        clocks=Clocks(responded=True),
        waiting_since=T0,
        waiting_reminded=True,
        owner_active_at=T0,
    )
    assert facts.carry == CarryOver([1, 2], [3], [["article", 9]])
    assert (facts.ticket_id, facts.version, facts.project) == (7, 5, "mail")


def test_an_old_status_is_read_and_a_new_one_round_trips() -> None:
    old = {"number": "1", "state": "closed", "queue": "Web", "owner": "ann", "priority": 3}
    [status] = CONVERTER.from_payloads([payload(old)], [TicketStatus])
    assert status == TicketStatus("1", Ticket(State.CLOSED, "Web", "ann"))
    facts = TicketFacts(1, Ticket(State.FIRST_LINE, "Inbox"), T0, None, 1, 1, {"Inbox": "x"})
    [again] = CONVERTER.from_payloads(CONVERTER.to_payloads([facts]), [TicketFacts])
    assert again == facts
    written = json.loads(CONVERTER.to_payloads([facts])[0].data)
    assert written["ticket"]["state"] == "first-line" and "state" not in written


def test_a_kept_run_input_reads_as_the_sdk_reads_it() -> None:
    # The converter reads dataclasses its own, faster way: every kept history's input of a
    # ticket's run (composed form, 0.2.0 on) must read exactly as the SDK's own reading.
    sdk = DefaultPayloadConverter()
    read = 0
    for path in sorted(HISTORIES.glob("*/*.json")):
        if path.parent.name.startswith("0.1."):
            continue  # the flat form, which only our converter reads (above)
        started = json.loads(path.read_text())["events"][0]
        attributes = started["workflowExecutionStartedEventAttributes"]
        if attributes["workflowType"]["name"] != "Ticket":
            continue
        [given] = attributes["input"]["payloads"]
        data = Payload(
            metadata={k: base64.b64decode(v) for k, v in given["metadata"].items()},
            data=base64.b64decode(given["data"]),
        )
        ours = CONVERTER.from_payloads([data], [TicketInput])
        assert ours == sdk.from_payloads([data], [TicketInput]), path.name
        read += 1
    assert read >= 50


def test_an_incident_s_carried_course_round_trips() -> None:
    """What an incident's run hands the next on continue-as-new: its course and who
    ordered each mail, with his rights."""
    sender = IncidentCommand("answer", "ivy", {"Inbox": ["reply", "ro"]})
    carried = IncidentCarried(phase="answer", paused=True, waiting=True, senders={"answer": sender})
    given = IncidentInput(7, "mail", 600, TicketInput("", 86400.0, 1000, rules=1), carried)
    [again] = CONVERTER.from_payloads(CONVERTER.to_payloads([given]), [IncidentInput])
    assert again == given and again.carried is not None
    assert again.carried.senders["answer"].rights == {"Inbox": ["reply", "ro"]}
