"""How a ticket workflow describes itself in the Temporal UI: its summary at start, its
current details, and a summary on each activity and timer, so the UI's timeline reads as
the ticket's life. Only what the desk's staff may see of any ticket: numbers, projects,
queues, states, agents' names, times; never a subject, a body or an address. Pure and
deterministic (workflow time only)."""

from __future__ import annotations

from datetime import datetime

from ticketflow.payloads import EscalationNotice, MailKind, TicketFacts
from ticketflow.tickets import sla, timers
from ticketflow.tickets.sla import DeskPolicy

MAIL_SUMMARIES = {
    MailKind.AUTO_REPLY: "automatic reply",
    MailKind.ARTICLE: "agent's mail to the customer",
    MailKind.WAITING_REMINDER: "reminder to the customer (waiting)",
}


def _time(at: datetime) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC")


def _clock(at: datetime) -> str:
    return at.strftime("%H:%M UTC")


def start_summary(number: str, facts: TicketFacts | None) -> str:
    """The static summary of a run: the ticket, and for a new one its project and queue."""
    if facts is None or facts.route is None:
        return f"Ticket {number}"
    return f"Ticket {number} · {facts.project or 'main'} · first queue {facts.route.queue}"


def start_details(number: str, facts: TicketFacts | None) -> str | None:
    """The static details of a new ticket's run (Markdown)."""
    if facts is None or facts.route is None:
        return None
    priority = facts.route.priority or facts.ticket.priority
    return (
        f"**Ticket** {number}\n\n**Project** {facts.project or 'main'}\n\n"
        f"**First queue** {facts.route.queue}\n\n**Priority** {priority}"
    )


def _steps(policy: DeskPolicy, queue: str, priority: int, kind: str) -> str:
    found = policy.sla_for(queue, priority)
    steps = (found.on_warning if kind == sla.WARNING else found.on_breach) if found else []
    return ", ".join(step.action for step in steps) or "recorded in the history"


def escalation_summary(due: sla.Due, at: datetime) -> str:
    return f"{due.clock} {due.kind} {_clock(at)}"


def current_details(facts: TicketFacts, policy: DeskPolicy, window_end: datetime | None) -> str:
    """What a supervisor wants to know of a ticket at a glance (Markdown)."""
    ticket, kept = facts.ticket, facts.timers
    lines = [
        f"**{ticket.state.value}** in **{ticket.queue}** · priority {ticket.priority} · "
        f"owner {ticket.owner or 'nobody'}"
    ]
    next_due = sla.upcoming(kept.clocks) if kept.clocks else None
    if next_due is not None:
        at, due = next_due
        steps = _steps(policy, ticket.queue, ticket.priority, due.kind)
        lines.append(f"next SLA: {escalation_summary(due, at)} → {steps}")
    else:
        lines.append("next SLA: none running")
    reminder_at, close_at = timers.waiting_times(kept, policy.queue(ticket.queue))
    if close_at is not None:
        lines.append(f"closes unanswered at {_time(close_at)}")
    if reminder_at is not None:
        lines.append(f"reminds the customer at {_time(reminder_at)}")
    if kept.remind_at is not None:
        lines.append(f"reminds {kept.remind_agent or 'its agent'} at {_time(kept.remind_at)}")
    if window_end is not None:
        lines.append(f"reopen window ends {_time(window_end)}")
    wrote = facts.customer_wrote_at
    lines.append(f"customer last wrote {_time(wrote) if wrote else 'before this run'}")
    return "\n\n".join(lines)


def wake_summary(
    facts: TicketFacts,
    policy: DeskPolicy,
    at: datetime,
    window_end: datetime | None,
    owner_lapses_at: datetime | None,
) -> str:
    """What the workflow's next timer is for (the first match at that moment)."""
    ticket, kept = facts.ticket, facts.timers
    next_due = sla.upcoming(kept.clocks) if kept.clocks else None
    if next_due is not None and next_due[0] == at:
        return escalation_summary(next_due[1], at)
    reminder_at, close_at = timers.waiting_times(kept, policy.queue(ticket.queue))
    if reminder_at == at:
        return "reminder to the customer"
    if close_at == at:
        return "closes: no reply from the customer"
    if kept.remind_at == at:
        return f"reminder for {kept.remind_agent or 'its agent'}"
    if owner_lapses_at == at:
        return f"{ticket.owner} loses the ticket unless he acts"
    if window_end == at:
        return "reopen window ends"
    return f"next check {_clock(at)}"


def notice_summary(notice: EscalationNotice) -> str:
    told = "tell supervisors" if notice.action == "notify" else "webhook"
    return f"{told}: {notice.clock} {notice.kind} in {notice.queue}"


def projection_summary(actions: list[str]) -> str:
    shown = ", ".join(dict.fromkeys(actions))
    return f"record: {shown}" if shown else "record"
