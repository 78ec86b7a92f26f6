"""The names of a ticket's history entries that are not actions.

An action (an agent's, the customer's, the system's) is recorded under its own name
(`lifecycle.Action`); these are the other things a ticket's history tells. The read model
and the API show the same strings.
"""

from __future__ import annotations

from enum import StrEnum


class EventName(StrEnum):
    MACRO = "macro"  # a macro ran; its steps follow as actions
    AUTO_REPLY_SKIPPED = "auto-reply-skipped"
    WAITING_REMINDER = "waiting-reminder"  # the customer was reminded of our question
    WAITING_REMINDER_SKIPPED = "waiting-reminder-skipped"
    MAIL_FAILED = "mail-failed"  # refused for good by the mail server
    MAIL_UNCONFIRMED = "mail-unconfirmed"  # handed over, never confirmed: an agent checks
    SLA_WARNING = "sla-warning"
    SLA_BREACH = "sla-breach"
    NOTIFY_SKIPPED = "notify-skipped"
    NOTIFY_FAILED = "notify-failed"
    WEBHOOK_FAILED = "webhook-failed"
    MESSAGE_WARNING = "message-warning"  # intake's warning about an article (reused Message-ID)
    FORWARDED = "forwarded"  # a colleague forwarded the customer's message (detail: who)
    TASK_OVERDUE = "task-overdue"  # the tracker's task stayed open past the desk's limit
    TASK_POLL_FAILED = "task-poll-failed"  # the tracker did not answer a poll (tried again)


def sla_event(kind: str) -> EventName:
    """The entry for an SLA clock's warning or breach (`sla.WARNING`, `sla.BREACH`)."""
    return EventName(f"sla-{kind}")


def skipped(action: str) -> str:
    """The entry for a system action the ticket's state refused (`close-skipped`)."""
    return f"{action}-skipped"


def failed(action: str) -> str:
    """The entry for an escalation step that failed for good (`notify-failed`)."""
    return f"{action}-failed"
