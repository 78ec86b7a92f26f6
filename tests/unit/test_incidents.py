"""An incident's course (ticketflow.tickets.incidents): which order fits which state, and
what a batch's outcome does to it. Pure; no I/O."""

from __future__ import annotations

import pytest

from ticketflow.tickets.incidents import (
    IncidentCourse,
    IncidentState,
    Order,
    Phase,
    batch_plan,
    refusal,
)
from ticketflow.tickets.lifecycle import InvalidTransition

S = IncidentState


def test_an_answer_goes_out_and_ends_answered() -> None:
    course = IncidentCourse(7)
    assert (course.state, course.sends()) == (S.OPEN, False)
    assert course.give(Order.LINK) is S.OPEN and not course.sends()  # nothing to send yet
    assert course.give(Order.ANSWER) is S.ANSWERING and course.sends()
    course.batch_done(remaining=10, links_before=course.links)
    assert course.state is S.ANSWERING
    course.batch_done(remaining=0, links_before=course.links)
    assert (course.state, course.sends()) == (S.ANSWERED, False)
    # A ticket linked once it is answered gets the answer too.
    assert course.give(Order.LINK) is S.ANSWERING and course.sends()


def test_a_link_during_the_last_batch_is_not_lost() -> None:
    course = IncidentCourse(7)
    course.give(Order.ANSWER)
    before = course.links
    course.give(Order.LINK)  # while the batch that finds none left is in flight
    course.batch_done(remaining=0, links_before=before)
    assert course.state is S.ANSWERING and course.sends()


def test_a_pause_holds_either_mail_and_a_resume_goes_on() -> None:
    course = IncidentCourse(7)
    course.give(Order.ANSWER)
    assert course.give(Order.PAUSE) is S.PAUSED and not course.sends()
    course.batch_done(remaining=5, links_before=course.links)  # the batch in hand ended
    assert course.state is S.PAUSED
    assert course.give(Order.RESUME) is S.ANSWERING and course.sends()
    # Closing resumes a paused incident with its final answer.
    course.give(Order.PAUSE)
    assert course.give(Order.CLOSE) is S.CLOSING and course.phase is Phase.FINAL
    course.batch_done(remaining=0, links_before=course.links)
    assert (course.state, course.closed, course.sends()) == (S.CLOSED, True, False)


def test_an_incident_closed_with_no_answer_closes_its_tickets() -> None:
    course = IncidentCourse(7)
    assert course.give(Order.CLOSE) is S.CLOSING and course.sends()


@pytest.mark.parametrize(
    ("state", "order", "code"),
    [
        (S.ANSWERED, Order.ANSWER, "incident-answered"),
        (S.PAUSED, Order.ANSWER, "incident-answered"),
        (S.CLOSING, Order.ANSWER, "incident-closed"),
        (S.OPEN, Order.PAUSE, "incident-not-sending"),
        (S.ANSWERED, Order.PAUSE, "incident-not-sending"),
        (S.PAUSED, Order.PAUSE, "incident-paused"),
        (S.ANSWERING, Order.RESUME, "incident-not-paused"),
        (S.CLOSED, Order.CLOSE, "incident-closed"),
        (S.CLOSING, Order.LINK, "incident-closed"),
    ],
)
def test_orders_that_do_not_fit_are_refused_with_a_reason(
    state: IncidentState, order: Order, code: str
) -> None:
    found = refusal(order, state, 7)
    assert found is not None and found.code == code and "7" in str(found)


def test_a_refused_order_changes_nothing() -> None:
    course = IncidentCourse(7)
    with pytest.raises(InvalidTransition) as refused:
        course.give(Order.PAUSE)
    assert refused.value.why.code == "incident-not-sending" and course.state is S.OPEN


@pytest.mark.parametrize(
    ("rate", "size", "every"),
    [(600, 50, 5.0), (3000, 50, 1.0), (30, 30, 60.0), (1, 1, 60.0), (60000, 50, 0.05)],
)
def test_batches_keep_to_the_desk_s_rate(rate: int, size: int, every: float) -> None:
    planned_size, planned_every = batch_plan(rate)
    assert planned_size == size and planned_every == pytest.approx(every)
