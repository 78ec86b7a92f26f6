"""TicketRun, the ticket workflow's state and decisions, without Temporal."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.workflow import _Definition

from activities.merge import MERGED_IN_SIGNAL, TICKET_WORKFLOW
from ticketflow.payloads import (
    ActionRequest,
    CarryOver,
    MailKind,
    MergedIn,
    OutboundMail,
    TicketFacts,
)
from ticketflow.tickets import sla
from ticketflow.tickets.lifecycle import Action, InvalidTransition, State, Ticket
from workflows.ticket import TicketWorkflow
from workflows.ticket_state import TicketRun

T0 = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
LINES = {"Inbox": "first-line", "Passwords": "second-line"}


def facts(
    state: str = "first-line", reply_queue: str | None = None, **overrides: object
) -> TicketFacts:
    base: dict[str, object] = dict(
        ticket_id=7,
        ticket=Ticket(State(state), "Inbox", reply_queue=reply_queue),
        pending_since=T0,
        closed_at=None,
        version=2,
        last_seq=2,
        lines=LINES,
    )
    return TicketFacts(**(base | overrides))  # type: ignore[arg-type]


def test_restore_takes_handed_over_messages_and_mail_first() -> None:
    carried = facts(carry=CarryOver(pending_articles=[5], pending_mail=[["article", 9]]))
    run = TicketRun.restore("2026120110000001", carried, early_inbox=[6])
    assert run.inbox == [5, 6]
    assert run.outbound == [OutboundMail(MailKind.ARTICLE, 9)]
    assert (carried.carry.pending_articles, carried.carry.pending_mail) == ([], [])
    assert run.projected == 2 and not run.pending_projection


def test_an_answer_closes_queues_its_mail_and_records_once() -> None:
    run = TicketRun.restore("n", facts(), [])
    answer = ActionRequest(action="answer", agent="bob", article_id=11)
    version = run.apply("bob", Action.ANSWER, run.decide(answer, T0), answer, T0)
    assert version == 3 and run.state == "closed" and run.facts.closed_at == T0
    # Held for the desk's undo window (10 s by default).
    assert run.outbound == [OutboundMail(MailKind.ARTICLE, 11, T0 + timedelta(seconds=10))]
    assert run.held == {11}
    assert [e.action for e in run.events] == ["answer"]
    projection = run.projection(T0)
    assert (projection.version, projection.ticket.state, projection.accepted_articles) == (
        3,
        "closed",
        [11],
    )
    assert run.events == [] and run.accepted == []


def test_a_redelivered_message_is_taken_in_once() -> None:
    run = TicketRun.restore("n", facts(state="closed", reply_queue="Passwords"), [21, 21])
    run.take_inbox(T0)
    assert (run.state, run.ticket.queue) == ("second-line", "Passwords")
    assert [e.action for e in run.events] == ["customer-message"]


def test_a_refused_system_action_is_noted_not_applied() -> None:
    run = TicketRun.restore("n", facts(state="closed"), [])
    run.system_action(Action.CLOSE, T0, reason="no reply")
    assert run.state == "closed"
    assert [(e.action, e.detail) for e in run.events] == [
        ("close-skipped", "cannot close a ticket that is closed")
    ]


def test_remind_needs_a_time_in_the_future() -> None:
    run = TicketRun.restore("n", facts(), [])
    with pytest.raises(InvalidTransition, match="in the future"):
        run.decide(ActionRequest(action="remind", agent="a", remind_at=T0), T0)
    later = ActionRequest(action="remind", agent="a", remind_at=T0 + timedelta(hours=1))
    run.apply("a", Action.REMIND, run.decide(later, T0), later, T0)
    assert run.next_timer() == T0 + timedelta(hours=1)
    run.fire_timers(T0 + timedelta(hours=1))
    assert run.events[-1].action == "reminder" and run.ticket.owner == "a"


def test_a_waiting_ticket_closes_after_the_default_period() -> None:
    run = TicketRun.restore("n", facts(), [])
    ask = ActionRequest(action="ask", agent="a", article_id=3)
    run.apply("a", Action.ASK, run.decide(ask, T0), ask, T0)
    assert run.state == "waiting" and run.next_timer() == T0 + timedelta(days=7)
    run.fire_timers(T0 + timedelta(days=7))
    assert run.state == "closed"
    assert run.events[-1].detail == "no reply from the customer in 7 days"


def test_carry_over_hands_over_what_is_not_yet_done() -> None:
    run = TicketRun.restore("n", facts(), [4])
    run.outbound.append(OutboundMail(MailKind.AUTO_REPLY, 4))
    carried = run.carry_over()
    assert carried.carry.pending_articles == [4]
    assert carried.carry.pending_mail == [["auto-reply", 4]]


def test_the_state_object_imports_nothing_of_temporal() -> None:
    probe = "import sys, workflows.ticket_state; print('temporalio' in sys.modules)"
    found = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert found.stdout.strip() == "False", found.stderr


def act(run: TicketRun, agent: str, action: str, at: datetime, **fields: object) -> None:
    request = ActionRequest(action=action, agent=agent, **fields)  # type: ignore[arg-type]
    run.apply(agent, Action(action), run.decide(request, at), request, at)


def test_an_owner_who_does_nothing_loses_the_ticket_after_the_timeout() -> None:
    run = TicketRun.restore("n", facts(), [])
    act(run, "ann", "take", T0)
    assert run.next_timer() == T0 + timedelta(minutes=30)
    # A note of hers is an action: her time starts again.
    act(run, "ann", "note", T0 + timedelta(minutes=20), article_id=5)
    assert run.next_timer() == T0 + timedelta(minutes=50)
    # Another agent's note is not hers.
    act(run, "bob", "note", T0 + timedelta(minutes=40), article_id=6)
    run.fire_timers(T0 + timedelta(minutes=49))
    assert run.ticket.owner == "ann"
    run.fire_timers(T0 + timedelta(minutes=50))
    assert run.ticket.owner is None and run.next_timer() is None
    released = run.events[-1]
    assert (released.actor, released.action) == ("system", "released")
    assert released.detail == "ann: no action in 30 minutes"


def test_an_owner_s_time_stops_while_the_ticket_waits_and_starts_on_the_reply() -> None:
    run = TicketRun.restore("n", facts(), [])
    act(run, "ann", "ask", T0, article_id=3)  # who writes owns it
    assert run.ticket.owner == "ann" and run.next_timer() == T0 + timedelta(days=7)
    later = T0 + timedelta(days=2)
    run.inbox.append(4)
    run.take_inbox(later)
    assert run.ticket.owner == "ann" and run.next_timer() == later + timedelta(minutes=30)


def test_a_queue_that_releases_on_reopen_gives_the_ticket_back() -> None:
    policy = sla.DeskPolicy(queues={"Inbox": sla.QueuePolicy(reopen_owner="release")})
    run = TicketRun.restore("n", facts(policy=sla.policy_json(policy)), [])
    act(run, "ann", "answer", T0, article_id=3)
    assert (run.state, run.ticket.owner) == ("closed", "ann")
    run.inbox.append(4)
    run.take_inbox(T0 + timedelta(hours=1))
    assert (run.state, run.ticket.owner) == ("first-line", None)
    assert [(e.action, e.detail) for e in run.events[-2:]] == [
        ("customer-message", None),
        ("released", "ann: reopened in Inbox, which releases its owner"),
    ]


def test_release_gives_the_ticket_back_at_once_and_runs_before_the_rule_keep_no_timer() -> None:
    run = TicketRun.restore("n", facts(), [])
    act(run, "ann", "take", T0)
    act(run, "ann", "release", T0 + timedelta(minutes=1))
    assert run.ticket.owner is None and run.events[-1].action == "release"
    old = TicketRun.restore("n", facts(), [])
    old.owner_timeout = False
    act(old, "ann", "take", T0)
    assert old.next_timer() is None


FIRST_LINE = {"Inbox": ["close", "move_into", "note", "owner", "priority", "reply", "ro"]}
FIRST_LINE["Passwords"] = ["move_into"]


def test_an_agent_s_rights_are_decided_in_the_queue_the_ticket_is_in() -> None:
    """The rights an action carries are checked against the ticket's queue as the workflow
    has it: a first-line agent's answer that arrives once the ticket is in Passwords is
    refused, whatever queue the read model showed him."""
    run = TicketRun.restore("n", facts(), [])
    move = ActionRequest(action="move", agent="fl", queue="Passwords", rights=FIRST_LINE)
    run.apply("fl", Action.MOVE, run.decide(move, T0), move, T0)
    for action in ("answer", "note", "priority", "take", "close"):
        late = ActionRequest(action=action, agent="fl", priority=5, rights=FIRST_LINE)
        with pytest.raises(InvalidTransition) as refused:
            run.decide(late, T0)
        assert refused.value.why.code == "right-missing", action
    back = ActionRequest(action="move", agent="fl", queue="Inbox", rights=FIRST_LINE)
    with pytest.raises(InvalidTransition, match="needs the owner right"):
        run.decide(back, T0)
    # A macro's steps are decided in the queue the steps before leave the ticket in.
    steps = [
        ActionRequest(action="take", agent="pw", rights={"Passwords": ["owner", "ro"]}),
        ActionRequest(action="move", agent="pw", queue="Inbox", rights={"Passwords": ["owner"]}),
    ]
    with pytest.raises(InvalidTransition, match=r"step 2 \(move\): no move_into right"):
        run.plan(steps)


def test_a_steal_needs_the_steal_right_where_the_ticket_is() -> None:
    run = TicketRun.restore("n", facts(state="second-line"), [])
    run.facts.ticket = Ticket(State.SECOND_LINE, "Passwords", owner="ann")
    mine = {"Passwords": ["owner", "ro", "steal"]}
    take = ActionRequest(action="take", agent="bob", rights=mine)
    assert run.decide(take, T0).owner == "bob"
    elsewhere = {"Inbox": ["owner", "ro", "steal"], "Passwords": ["owner", "ro"]}
    with pytest.raises(InvalidTransition, match="needs the steal right"):
        run.decide(ActionRequest(action="take", agent="bob", rights=elsewhere, steal=True), T0)


def test_a_merge_needs_another_ticket_closes_this_one_and_is_never_undone() -> None:
    run = TicketRun.restore("n", facts(), [])
    for into in (None, "n"):
        with pytest.raises(InvalidTransition) as refused:
            run.decide(ActionRequest(action="merge", agent="alice", into=into), T0)
        assert refused.value.why.code == "merge-into"
    merge = ActionRequest(action="merge", agent="alice", into="m")
    action_id, before = run.before_action()
    run.apply("alice", Action.MERGE, run.decide(merge, T0), merge, T0)
    assert run.state == "closed" and run.outbound == []
    assert [(e.action, e.detail) for e in run.events] == [("merge", "m")]
    assert run.offer_undo(action_id, before, "merge", "alice", [merge], T0) is None


def test_a_ticket_merged_in_is_recorded_and_nothing_else_changes() -> None:
    run = TicketRun.restore("m", facts(state="waiting"), [])
    run.take_merged(MergedIn(source="n", agent="alice"), T0)
    assert run.state == "waiting"
    assert [(e.actor, e.action, e.detail) for e in run.events] == [("alice", "merged-in", "n")]


def test_the_merge_activity_names_the_workflow_and_its_signal_as_they_are() -> None:
    # The activity may not import workflow code: it names both, and must name them right
    # (the SDK's definition of a workflow class is the one place both are read from).
    definition = _Definition.must_from_class(TicketWorkflow)
    assert definition.name == TICKET_WORKFLOW
    assert MERGED_IN_SIGNAL in definition.signals
