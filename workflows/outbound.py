"""The ticket workflow's outbound mail: which activity sends each kind, with what options,
and what the outcome adds to the ticket's history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from ticketflow.payloads import ActivityName, ArticleRef, MailKind, OutboundMail, SendResult
from ticketflow.tickets.history import EventName
from workflows.describe import MAIL_SUMMARIES

# Unlimited attempts: a mail server that is down delays mail, it does not lose it.
SEND_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(minutes=10),
)
SEND_TIMEOUT = timedelta(minutes=2)
LOCAL_SEND_TIMEOUT = timedelta(seconds=30)


@dataclass(frozen=True)
class SendOptions:
    activity: ActivityName
    timeout: timedelta
    # On the intake hot path, the automatic reply runs as a local activity: it saves an
    # activity task and a workflow task per ticket (bench/intake.py). Safe to re-run: the
    # reply article is keyed on the inbound article and sent once by its Message-ID.
    local: bool = False


SENDERS = {
    MailKind.AUTO_REPLY: SendOptions(ActivityName.SEND_AUTO_REPLY, LOCAL_SEND_TIMEOUT, local=True),
    MailKind.ARTICLE: SendOptions(ActivityName.SEND_ARTICLE, SEND_TIMEOUT),
    MailKind.WAITING_REMINDER: SendOptions(ActivityName.SEND_WAITING_REMINDER, SEND_TIMEOUT),
}
SKIPPED = {
    MailKind.AUTO_REPLY: EventName.AUTO_REPLY_SKIPPED,
    MailKind.ARTICLE: EventName.AUTO_REPLY_SKIPPED,
    MailKind.WAITING_REMINDER: EventName.WAITING_REMINDER_SKIPPED,
}


async def send(mail: OutboundMail, ref: ArticleRef) -> SendResult:
    """Send it; raises ActivityError only for a failure that no retry can mend."""
    options = SENDERS[mail.kind]
    execute = workflow.execute_local_activity if options.local else workflow.execute_activity
    result: SendResult = await execute(
        options.activity,
        ref,
        result_type=SendResult,
        start_to_close_timeout=options.timeout,
        retry_policy=SEND_RETRY,
        summary=MAIL_SUMMARIES[mail.kind],
    )
    return result


@dataclass(frozen=True)
class Outcome:
    """A history entry a sent (or unsent) mail adds to its ticket."""

    name: str
    detail: str | None
    article_id: int


def outcome(mail: OutboundMail, result: SendResult) -> Outcome | None:
    """What the history says of a send that did not simply succeed; None when it did."""
    if result.skipped:
        return Outcome(SKIPPED[mail.kind], result.skipped, mail.article_id)
    if result.unconfirmed and result.article_id is not None:
        return Outcome(EventName.MAIL_UNCONFIRMED, None, result.article_id)
    if result.error and result.article_id is not None:
        return Outcome(EventName.MAIL_FAILED, result.error[:1000], result.article_id)
    return None
