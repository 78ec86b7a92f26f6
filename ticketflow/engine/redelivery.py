"""Handing stranded inbound mail to its ticket: stored, but its workflow was never told
(Temporal was unreachable at intake, the API answered 503 and the sender did not
deliver again), a new ticket whose first step intake took but whose run it did not
start (its message left `routed`), or kept but never read (the API stopped while
reading it). The worker sweeps for all three periodically; the workflow drops a signal
for an article it already took in.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy import select, update
from temporalio.client import Client

from ticketflow.components import Components
from ticketflow.engine.first_step import mark_started
from ticketflow.engine.inbound import read_unread
from ticketflow.engine.tickets import (
    deliver_customer_message,
    has_taken,
    start_ticket_run,
    ticket_client,
)
from ticketflow.store.merges import merged_target
from ticketflow.store.models import Article, Ticket, utcnow
from ticketflow.tickets.articles import ArticleStatus

log = logging.getLogger("ticketflow.engine.redelivery")
SWEEP_INTERVAL = timedelta(minutes=1)
# Younger articles are most likely in flight right now; leave them be.
MIN_AGE = timedelta(seconds=30)
BATCH = 500


def stranded_articles(components: Components, min_age: timedelta) -> list[tuple[str, str, int]]:
    """(project, ticket number, article id) of each stranded article, oldest first. One
    stored under a ticket merged meanwhile (its intake read the ticket just before the
    merge moved its mail) moves to the ticket the mail now goes to, and is delivered there."""
    with components.sessions.begin() as session:
        rows = session.execute(
            select(Ticket, Article.id)
            .join(Ticket, Article.ticket_id == Ticket.id)
            .where(
                Article.status == ArticleStatus.RECEIVED, Article.created_at < utcnow() - min_age
            )
            .order_by(Article.id)
            .limit(BATCH)
        ).all()
        found = []
        for ticket, article_id in rows:
            if ticket.merged_into_id is not None:
                ticket = merged_target(session, ticket)
                session.execute(
                    update(Article).where(Article.id == article_id).values(ticket_id=ticket.id)
                )
            found.append((ticket.project, ticket.number, article_id))
        return found


async def redeliver_stranded(
    components: Components, client: Client, min_age: timedelta = MIN_AGE
) -> int:
    """Signal each stranded article's workflow; returns how many were signalled."""
    stranded = await asyncio.to_thread(stranded_articles, components, min_age)
    for project, number, article_id in stranded:
        project_client = ticket_client(client, components, project)
        await deliver_customer_message(project_client, components.settings, number, article_id)
    if stranded:
        log.warning("re-signalled %d stranded inbound articles", len(stranded))
    return len(stranded)


def routed_articles(components: Components, min_age: timedelta) -> list[tuple[str, str, int]]:
    """(project, ticket number, article id) of new tickets' first messages whose run
    intake did not start, or did not see start, oldest first."""
    with components.sessions() as session:
        rows = session.execute(
            select(Ticket.project, Ticket.number, Article.id)
            .join(Ticket, Article.ticket_id == Ticket.id)
            .where(Article.status == ArticleStatus.ROUTED, Article.created_at < utcnow() - min_age)
            .order_by(Article.id)
            .limit(BATCH)
        ).all()
        return [(row.project, row.number, row.id) for row in rows]


async def start_routed(components: Components, client: Client, min_age: timedelta = MIN_AGE) -> int:
    """Start the run of each new ticket left `routed` (it loads the ticket, the step
    taken, and sends the automatic reply); where a run is there already, mark the
    message processed once that run has it. Returns how many runs were started."""
    routed = await asyncio.to_thread(routed_articles, components, min_age)
    started = 0
    for project, number, article_id in routed:
        project_client = ticket_client(client, components, project)
        if await start_ticket_run(project_client, components.settings, number):
            started += 1  # marked by the next sweep, once the run has loaded the ticket
        elif await has_taken(project_client, number, article_id):
            await asyncio.to_thread(mark_started, components.sessions, article_id)
    if started:
        log.warning("started the runs of %d new tickets intake left without one", started)
    return started


async def sweep_forever(components: Components, client: Client) -> None:
    while True:
        try:
            await read_unread(components, client)
            await redeliver_stranded(components, client)
            await start_routed(components, client)
        except Exception:
            log.exception("redelivery sweep failed; trying again next interval")
        await asyncio.sleep(SWEEP_INTERVAL.total_seconds())
