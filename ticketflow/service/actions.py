"""Acting on tickets (Zulip's `do_*`): one agent action, or a macro's every step.

The policy checks the agent's rights in the ticket's queue as the read model has it (a
refusal without a trip to the engine); the request carries those rights, and the ticket's
workflow decides the action again against its queue, state and owner as they are then (an
Update with a validator). Every action and macro is counted by its result.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from temporalio.client import Client

from ticketflow.components import Components
from ticketflow.engine.tickets import (
    TemporalUnavailable,
    perform_action,
    run_macro,
    undo_action,
)
from ticketflow.letters.answers import DECISIONS_DIR, AnswerError, Written
from ticketflow.metrics import AGENT_ACTIONS
from ticketflow.payloads import ActionRequest
from ticketflow.service.access import access_own_action, access_ticket_ref
from ticketflow.service.merging import merge_target
from ticketflow.service.passwords import passwords_config
from ticketflow.service.policy import policy_of
from ticketflow.service.refusals import (
    Forbidden,
    Invalid,
    NotFound,
    Refusal,
    Refused,
    TooLarge,
    TryLater,
)
from ticketflow.service.shapes import ACTION_BODIES, ActionResult
from ticketflow.store.agents import AgentIdentity
from ticketflow.store.drafts import FilesTooLarge, MailExtras
from ticketflow.store.forward_drafts import Forwarding, UnknownArticle
from ticketflow.store.uploads import UnknownUpload
from ticketflow.tickets.lifecycle import (
    DECISIONS,
    SENDING_ACTIONS,
    TEXT_ACTIONS,
    Action,
    InvalidTransition,
)
from ticketflow.tickets.rights import DENIALS

# What the workflow refuses because a part it asked could not answer (503, not 409).
UNREACHABLE = frozenset({"directory-unavailable", "tracker-unavailable"})
# How each kind of refusal is counted (AGENT_ACTIONS' `result`).
RESULTS: Mapping[type[Refusal], str] = {
    Forbidden: "refused",
    NotFound: "unknown",
    Refused: "conflict",
    TryLater: "unavailable",
}


async def do_act(
    components: Components,
    client: Client,
    agent: AgentIdentity,
    number: str,
    action: str,
    fields: Mapping[str, Any],
) -> ActionResult:
    """Act on a ticket with a validated body's `fields`: its state as the workflow left
    it, or a refusal saying why."""
    check_action_name(action)  # before counting: a label is never the caller's word
    with _counted(action):
        ref = await asyncio.to_thread(access_ticket_ref, components, agent, number)
        # The ticket is one the agent may see: now his rights in its queue.
        seat = policy_of(components.projects).seat(agent, ref.project)
        seat.check_action(Action(action), ref.queue, fields.get("queue"))
        into = None
        if action == Action.MERGE:
            into = await asyncio.to_thread(merge_target, components, agent, ref, fields["into"])
        request = ActionRequest(
            action=action,
            agent=agent.name,
            queue=fields.get("queue"),
            priority=fields.get("priority"),
            reason=fields.get("reason"),
            remind_at=fields.get("at"),
            language=fields.get("language"),
            rights=seat.carried(),
            channel=fields.get("channel"),
            task=fields.get("task"),
            into=into,
        )
        written, extras = None, None
        if action in TEXT_ACTIONS or action == Action.FORWARD:
            written = Written(text=fields.get("text"), template=fields.get("template"))
        if action in DECISIONS:
            written = decision_letter(components, ref.project, Action(action), fields)
        if action == Action.FILE_TASK:
            written = task_note(seat.desk.tracker is not None, ref.project, request, fields)
        if action in SENDING_ACTIONS:
            extras = mail_extras(fields, seat.desk.forward_original)
        with _engine_refusals():
            result = await perform_action(components, client, ref, request, written, extras)
        return ActionResult.of(result)


def decision_letter(
    components: Components, project: str, action: Action, fields: Mapping[str, Any]
) -> Written:
    """The customer's answer to a Passwords decision: the desk's template for it, told the
    channel access is restored by (one of the desk's)."""
    config = passwords_config(components.accounts, project)
    if action is Action.REFUSE:
        return Written(template=config.refused_template, folder=DECISIONS_DIR)
    channel = fields["channel"]
    if channel not in config.channels:
        raise Invalid("channel-unknown", channel=channel, known=", ".join(config.channels))
    return Written(
        template=config.restored_template, values=(("channel", channel),), folder=DECISIONS_DIR
    )


def task_note(
    has_tracker: bool, project: str, request: ActionRequest, fields: Mapping[str, Any]
) -> Written | None:
    """A new task's summary and text, kept as the agent's note on the ticket (the
    workflow carries its id); None for a link to an existing task."""
    if not has_tracker:
        raise Invalid("tracker-none", project=project)
    if request.task:
        return None
    text = fields.get("text") or ""
    return Written(text=f"{fields['summary']}\n{text}".strip())


def mail_extras(fields: Mapping[str, Any], forward_original: bool) -> MailExtras:
    """A validated mail body's copies and files; a forward's article, address and files."""
    return MailExtras(
        cc=tuple(fields.get("cc") or ()),
        bcc=tuple(fields.get("bcc") or ()),
        reply_all=bool(fields.get("reply_all")),
        uploads=tuple(fields.get("attachments") or ()),
        forward=Forwarding(
            article_id=fields["article_id"],
            to=fields["to"],
            files=None if fields.get("files") is None else tuple(fields["files"]),
            original=forward_original,
        )
        if "article_id" in fields
        else None,
    )


async def do_run_macro(
    components: Components, client: Client, agent: AgentIdentity, number: str, name: str
) -> ActionResult:
    """A macro's every step, or none (the refusal names the step and its reason)."""
    with _counted("macro"):
        ref = await asyncio.to_thread(access_ticket_ref, components, agent, number)
        seat = policy_of(components.projects).seat(agent, ref.project)
        macro = seat.macro(name)
        # Every step is checked before any runs, in the queue the steps before leave it in.
        denied = seat.macro_denial(macro, ref.queue)
        if denied is not None:
            raise Forbidden(denied)
        with _engine_refusals():
            result = await run_macro(components, client, ref, agent.name, macro, seat.carried())
        return ActionResult.of(result)


async def do_undo(
    components: Components, client: Client, agent: AgentIdentity, number: str, action_id: int
) -> ActionResult:
    """Take back one of the agent's own actions or macros within the desk's window: the
    ticket as it was, its mail never sent. His own action is all the right it needs (a
    move took the ticket out of his queues); the workflow decides the rest."""
    with _counted("undo"):
        ref = await asyncio.to_thread(access_own_action, components, agent, number, action_id)
        with _engine_refusals():
            result = await undo_action(components, client, ref, agent.name, action_id)
        return ActionResult.of(result)


def check_action_name(action: str) -> None:
    if action not in ACTION_BODIES:
        known = ", ".join(sorted(ACTION_BODIES))
        raise NotFound("action-unknown", action=action, known=known)


@contextmanager
def _counted(action: str) -> Iterator[None]:
    """Every action and macro in the metrics, by its result."""
    try:
        yield
    except Refusal as refusal:
        result = next((r for kind, r in RESULTS.items() if isinstance(refusal, kind)), "invalid")
        AGENT_ACTIONS.labels(action=action, result=result).inc()
        raise
    AGENT_ACTIONS.labels(action=action, result="ok").inc()


@contextmanager
def _engine_refusals() -> Iterator[None]:
    """What the engine refuses, as the service's refusals."""
    try:
        yield
    except InvalidTransition as exc:
        if exc.why.code in UNREACHABLE:
            raise TryLater(exc.why, after=5) from exc
        # The workflow decides the agent's rights too, in the queue the ticket is in.
        kind = Forbidden if exc.why.code in DENIALS else Refused
        raise kind(exc.why) from exc
    except AnswerError as exc:
        raise Invalid("template-invalid", reason=str(exc)) from exc
    except UnknownUpload as exc:
        raise NotFound("upload-unknown", id=exc.upload_id) from exc
    except UnknownArticle as exc:
        raise NotFound("article-unknown", id=exc.article_id) from exc
    except FilesTooLarge as exc:
        raise TooLarge("mail-too-large", limit=exc.limit) from exc
    except TemporalUnavailable as exc:
        raise TryLater("engine-unavailable") from exc
