"""Inbound mail from its bytes to its ticket: kept first, read in a reader process,
made an article, handed to the ticket's workflow.

Every step after the first may fail on what a sender wrote; none of them loses the
message: what cannot be read within the limits is quarantined with the reason, what
its sender sends past the new-ticket limit is held, both for an administrator
(`ticketflow quarantine`).
"""

from __future__ import annotations

import asyncio
import logging
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar

from sqlalchemy.exc import OperationalError
from temporalio.client import Client
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError

from ticketflow.components import Components
from ticketflow.desk.projects import project_of_unread
from ticketflow.desk.reading import Reading, read_and_classify
from ticketflow.engine.first_step import FirstStep, mark_started, reply_pending
from ticketflow.engine.incidents import link_new_ticket
from ticketflow.engine.tickets import (
    TemporalUnavailable,
    deliver_customer_message,
    start_ticket_run,
    ticket_client,
)
from ticketflow.mail.bounded import refuse_non_mail, sender_key
from ticketflow.mail.parse import MailRefused
from ticketflow.metrics import INBOUND_MAIL, INTAKE_SECONDS
from ticketflow.store.inbox import (
    RawState,
    Reviewer,
    keep_raw,
    load_raw,
    reopen_for_reading,
    set_aside,
    unread_since,
)
from ticketflow.store.intake import REUSED_MESSAGE_ID, IntakeResult, kept_result, store_read
from ticketflow.store.models import utcnow
from ticketflow.store.webhook_tokens import Claim, TokenUsed

log = logging.getLogger("ticketflow.engine.inbound")
T = TypeVar("T")
KEPT_UNREAD = "kept unread while the readers are busy; it is read within minutes"


async def accept_mail(
    components: Components,
    client: Client,
    raw: bytes,
    envelope_to: Sequence[str] = (),
    source: str = "mail",
    claim: Claim | None = None,
) -> IntakeResult:
    """Keep a raw message (durably, before anything reads it), read it, make its
    article and hand it to its ticket's workflow.

    `envelope_to`: the recipients the route or the SMTP session gave, which routing
    rules trust; `claim`: a signed request's token, claimed as the message is kept.
    Raises MailRefused only for bytes that are no message at all (nothing is kept);
    TokenUsed for a signed request already delivered (nothing kept); TemporalUnavailable
    when the message is stored but its workflow could not be told (a redelivery, or the
    worker's sweep, tells it).
    """
    started, outcome = time.perf_counter(), "error"  # the database unreachable, or a bug
    try:
        result = await _accept(components, client, raw, envelope_to, source, claim)
        outcome = intake_outcome(result)
        return result
    except (MailRefused, TokenUsed):
        outcome = "refused"
        raise
    except TemporalUnavailable:
        outcome = "stored_only"
        raise
    finally:
        INBOUND_MAIL.labels(route=source, outcome=outcome).inc()
        INTAKE_SECONDS.labels(route=source).observe(time.perf_counter() - started)


def intake_outcome(result: IntakeResult) -> str:
    if result.set_aside:
        return "set_aside"
    if result.ignored:
        return "ignored"
    if result.duplicate:
        return "duplicate"
    return "new_ticket" if result.created else "follow_up"


async def _accept(
    components: Components,
    client: Client,
    raw: bytes,
    envelope_to: Sequence[str],
    source: str,
    claim: Claim | None,
) -> IntakeResult:
    refuse_non_mail(raw)
    envelope = [a.strip() for a in envelope_to if a.strip()]
    sessions, now = components.sessions, components.clock()
    kept = await _stored(components, keep_raw, sessions, raw, envelope, source, now, claim)
    if not kept.new and kept.state != RawState.RECEIVED:
        result = await _stored(components, kept_result, components.sessions, kept.raw_id)
        await _hand_over(components, client, result)
        return result
    return await _read_store_hand_over(components, client, kept.raw_id, raw, envelope)


async def _read_store_hand_over(
    components: Components,
    client: Client,
    raw_id: int,
    raw: bytes,
    envelope: list[str],
    *,
    limit_senders: bool = True,
) -> IntakeResult:
    reader = components.mail_readers.lane(raw)
    if reader.busy:
        # A flood of heavy mail: kept unread (its bytes on disk, not in memory), read by
        # the worker's sweep once the flood is past.
        log.warning("raw message %d kept unread: the heavy-mail readers are busy", raw_id)
        return IntakeResult.without_ticket(KEPT_UNREAD, False, raw_id, aside=True)
    try:
        reading: Reading = await reader.run(
            read_and_classify,
            raw,
            components.mail_limits,
            components.project_rules,
            envelope,
            sender=sender_key(raw),
        )
    except MailRefused as exc:  # MailUnreadable too: kept, for its project's administrators
        return await _quarantine(components, raw_id, raw, envelope, exc.reason)
    except Exception as exc:  # a defect of ours, on what a sender wrote: kept all the same
        return await _quarantine(components, raw_id, raw, envelope, _failed(raw_id, "read", exc))
    now = components.clock()
    first_step = FirstStep(components, reading.project, reading.mail, reading.found, now)
    try:
        result = await _stored(
            components,
            partial(
                store_read,
                project=reading.project,
                limit_senders=limit_senders,
                forward=reading.forward,
                first_step=first_step,
            ),
            components.sessions,
            raw_id,
            reading.mail,
            reading.digest,
            components.intake_rules,
            now,
            reading.found,
        )
    except OperationalError:
        raise  # the database, not the message: 503, and the sender delivers again
    except Exception as exc:  # nothing of it was stored: the message is kept, set aside
        reason = _failed(raw_id, "stored", exc)
        return await _quarantine(components, raw_id, raw, envelope, reason)
    if result.first_step is not None:
        first_step.counted()
    await _hand_over(components, client, result)
    if result.created and result.ticket_id:
        await _link_to_incidents(components, client, result, reading, raw, envelope)
    return result


async def _link_to_incidents(
    components: Components,
    client: Client,
    result: IntakeResult,
    reading: Reading,
    raw: bytes,
    envelope: list[str],
) -> None:
    """A new ticket linked to the open incidents whose rule its message matches; never
    a reason to refuse the message (it is the ticket's already)."""
    try:
        await link_new_ticket(
            components, client, result.project, result.ticket_id, reading.mail, raw, envelope
        )
    except Exception:
        log.exception("ticket %s not linked to incidents by their rules", result.ticket_number)


async def _quarantine(
    components: Components, raw_id: int, raw: bytes, envelope: list[str], reason: str
) -> IntakeResult:
    """Set a kept message aside for its project's administrators, with the reason."""
    project = project_of_unread(components.project_rules, envelope, raw)
    quarantined, sessions = RawState.QUARANTINED, components.sessions
    await _stored(components, set_aside, sessions, raw_id, quarantined, reason, project)
    return IntakeResult.without_ticket(reason, False, raw_id, aside=True)


def _failed(raw_id: int, step: str, error: Exception) -> str:
    """Log a defect met on a message (its class and where: an exception's text may
    quote the message) and say it for the quarantine."""
    frame = traceback.extract_tb(error.__traceback__)[-1:] or None
    where = f"{frame[0].filename}:{frame[0].lineno}" if frame else "unknown"
    log.error("raw message %d could not be %s: %s at %s", raw_id, step, type(error).__name__, where)
    return f"it could not be {step} ({type(error).__name__}: a defect, in the log)"


async def _hand_over(components: Components, client: Client, result: IntakeResult) -> None:
    """Tell the ticket's workflow: start a new ticket's run from intake's first step (its
    message processed once the run is ours: by its automatic reply's sending, else here;
    a reply's run that came first loaded the step, and the sweep marks it), or signal a
    message, starting a run if need be."""
    if not result.needs_signal:
        return
    project_client = ticket_client(client, components, result.project)
    settings, number, facts = components.settings, result.ticket_number, result.first_step
    started = False
    try:
        if facts is not None:
            started = await start_ticket_run(project_client, settings, number, facts)
        else:
            warning = REUSED_MESSAGE_ID if result.reused_message_id else None
            await deliver_customer_message(
                project_client,
                settings,
                number,
                result.article_id,
                warning=warning,
                forwarded_by=result.forwarded_by,
            )
    except (RPCError, RuntimeError, WorkflowAlreadyStartedError) as exc:
        # RuntimeError: a lazy client's first connection failed. WorkflowAlreadyStarted: a
        # signal-with-start met a run between its continue-as-new and the next (only the
        # time-skipping test server lets one see that); the sender delivers again.
        raise TemporalUnavailable(str(exc)) from exc
    if started and facts is not None and not reply_pending(facts):
        await _stored(components, mark_started, components.sessions, result.article_id)


async def _stored(components: Components, function: Callable[..., T], *args: Any) -> T:
    """A store call of intake, in intake's own threads: a flood of mail then waits for
    those, and agents' requests and /healthz keep the default threads to themselves."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(components.intake_threads, partial(function, *args))


@dataclass(frozen=True)
class Retried:
    raw_id: int
    result: IntakeResult


async def retry_set_aside(
    components: Components, client: Client, raw_id: int, reviewer: Reviewer | None = None
) -> Retried | None:
    """Read a quarantined or held message again (a held one past the sender limit: an
    administrator let it through); None when it is not set aside (for `reviewer`)."""
    loaded = await _stored(components, load_raw, components.sessions, raw_id)
    if loaded is None:
        return None
    raw, envelope = loaded
    sessions = components.sessions
    if not await _stored(components, reopen_for_reading, sessions, raw_id, reviewer):
        return None
    result = await _read_store_hand_over(
        components, client, raw_id, raw, envelope, limit_senders=False
    )
    return Retried(raw_id, result)


UNREAD_MIN_AGE = timedelta(minutes=2)


async def read_unread(
    components: Components,
    client: Client,
    limit: int = 100,
    min_age: timedelta = UNREAD_MIN_AGE,
) -> int:
    """Read messages kept but never read (the API stopped between keeping and reading
    them, or kept them while its readers were busy): the worker's sweep calls it.
    Returns how many it read."""
    before = utcnow() - min_age
    ids = await _stored(components, unread_since, components.sessions, before, limit)
    for raw_id in ids:
        loaded = await _stored(components, load_raw, components.sessions, raw_id)
        if loaded is None:
            continue
        await _read_store_hand_over(components, client, raw_id, *loaded)
    if ids:
        log.warning("read %d kept messages that were never read", len(ids))
    return len(ids)
