"""One action on many tickets: each ticket gets its own update, and its own result.

A bulk action is the same action (or macro) an agent takes on one ticket, taken on each
ticket of a selection: the policy checks his rights in each ticket's queue, and each
ticket's workflow decides it against its own state and owner, so one ticket refused (owned
by a colleague, closed already) never stops or undoes the others. The answer says, ticket
by ticket, what was done and what was refused and why.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client

from ticketflow.components import Components
from ticketflow.service.actions import RESULTS, do_act, do_run_macro
from ticketflow.service.refusals import Refusal
from ticketflow.service.shapes import ActionResult
from ticketflow.store.agents import AgentIdentity
from ticketflow.tickets.reasons import Reason

# Tickets acted on at once: each is an update its workflow decides; more at once would
# only queue in the engine while other agents' single actions wait behind them.
AT_ONCE = 8


@dataclass(frozen=True)
class BulkOutcome:
    """One ticket's result: `done` with the ticket as its workflow left it, or the kind of
    refusal (`refused`, `conflict`, `unknown`, `invalid`, `unavailable`) with its code and
    reason."""

    number: str
    result: str
    ticket: ActionResult | None = None
    code: str | None = None
    reason: str | None = None
    why: Reason | None = None  # the reason with its parameters, for the console's words


async def do_bulk(
    components: Components,
    client: Client,
    agent: AgentIdentity,
    numbers: list[str],
    action: str,
    fields: Mapping[str, Any],
) -> list[BulkOutcome]:
    """`action` with `fields` (or the macro `fields["macro"]`) on each ticket of `numbers`,
    in their order: every ticket's outcome."""
    gate = asyncio.Semaphore(AT_ONCE)

    async def one(number: str) -> BulkOutcome:
        async with gate:
            try:
                if action == "macro":
                    done = await do_run_macro(components, client, agent, number, fields["macro"])
                else:
                    done = await do_act(components, client, agent, number, action, fields)
            except Refusal as refusal:
                kind = next((r for k, r in RESULTS.items() if isinstance(refusal, k)), "invalid")
                return BulkOutcome(
                    number, kind, code=refusal.code, reason=refusal.reason, why=refusal.why
                )
            return BulkOutcome(number, "done", ticket=done)

    return list(await asyncio.gather(*(one(n) for n in numbers)))
