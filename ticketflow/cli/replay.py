"""`ticketflow replay`: the check an operator runs before an upgrade. The open tickets of a
running installation, replayed on the workflow code of this install (the release about to
be deployed): exit 1 names the first ticket whose history would take another path on it.
Run it from the new release's install, against the live cluster."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TextIO

from ticketflow.components import Components, connect_temporal
from ticketflow.engine.replay import open_ticket_histories, replay
from ticketflow.engine.runner import WORKFLOWS
from ticketflow.settings import Settings

BREAKS = 1
PROGRESS_EVERY_SECONDS = 2.0


async def replay_open_tickets(
    settings: Settings,
    limit: int,
    out: TextIO | None = None,
    workflows: Sequence[type] | None = None,
) -> int:
    """Replay up to `limit` open tickets on `workflows` (this install's unless given); 0 when
    each replays, 1 at the first that does not."""
    out = out or sys.stdout
    namespaces = Components(settings).temporal_namespaces
    client = await connect_temporal(settings)
    checked, shown = 0, time.monotonic()
    histories = open_ticket_histories(client, namespaces, limit)
    async for done in replay(histories, workflows or WORKFLOWS):
        if done.failure is not None:
            print(f"ticket {done.name} would break on this code: {done.failure}", file=out)
            print(f"({checked} open tickets replayed before it)", file=out)
            return BREAKS
        checked += 1
        if time.monotonic() - shown >= PROGRESS_EVERY_SECONDS:
            print(f"{checked} open tickets replayed ...", file=sys.stderr, flush=True)
            shown = time.monotonic()
    where = f"{', '.join(namespaces)} on {settings.temporal_address}"
    bound = f" (the first {limit}: --limit checks more)" if checked >= limit else ""
    print(f"{checked} open tickets in {where} replay on this code{bound}", file=out)
    return 0
