"""Solvers' tracker (Zulip's `do_*`): a webhook from the project's tracker, its signature
or token checked before anything is read, told to every ticket waiting on the task. Filing
a task is an agent action (ticketflow.service.actions)."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass

from temporalio.client import Client

from ticketflow.components import Components
from ticketflow.engine.tickets import TemporalUnavailable, tell_task_event, ticket_client
from ticketflow.payloads import TaskEvent
from ticketflow.service.refusals import BadRequest, Forbidden, NotFound, TryLater
from ticketflow.store.tasks import tickets_on_task
from ticketflow.trackers.tracker import ForgedWebhook, tracker_for

log = logging.getLogger("ticketflow.tracker")


@dataclass(frozen=True)
class Told:
    task: str
    kind: str
    tickets: list[str]


async def take_tracker_webhook(
    components: Components,
    client: Client,
    project: str,
    headers: Mapping[str, str],
    body: bytes,
) -> list[Told]:
    """Each task event the delivery tells, with the tickets it reached; Forbidden for a
    forged delivery (no signature or token of ours), NotFound for a project without a
    tracker, BadRequest for a body that is no JSON."""
    found = components.projects.get(project)
    config = found.desk.tracker if found is not None else None
    if config is None or not config.webhook_secret_env:
        raise NotFound("tracker-unknown", project=project)
    secret = os.environ.get(config.webhook_secret_env, "")
    tracker = tracker_for(config, os.environ.get(config.token_env, ""))
    try:
        events = tracker.events({k.lower(): v for k, v in headers.items()}, body, secret)
    except ForgedWebhook as exc:
        log.warning("tracker webhook of %s refused: %s", project, exc)
        raise Forbidden("tracker-forged") from None
    except (ValueError, KeyError, TypeError):
        raise BadRequest("tracker-body") from None
    told = []
    for event in events:

        def linked(key: str = event.key) -> list[str]:
            with components.sessions() as session:
                return tickets_on_task(session, project, key)

        numbers = await asyncio.to_thread(linked)
        reached = []
        for number in numbers:
            try:
                if await tell_task_event(
                    ticket_client(client, components, project),
                    number,
                    TaskEvent(event.key, event.kind),
                ):
                    reached.append(number)
            except TemporalUnavailable as exc:
                raise TryLater("engine-unavailable") from exc
        told.append(Told(event.key, event.kind, reached))
    return told
