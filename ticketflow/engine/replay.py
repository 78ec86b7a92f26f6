"""Replaying ticket histories on this process's workflow code: would a running ticket take
another path than its history says it took?

The test suite replays the histories recorded per release (tests/workflows/histories/);
`ticketflow replay` replays the open tickets of a live installation on the code about to
be deployed. Both report each history by name, and a failure names what broke.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from dataclasses import dataclass

from temporalio.client import Client, WorkflowHistory
from temporalio.worker import Replayer

from ticketflow.engine.converter import DATA_CONVERTER
from ticketflow.engine.runner import WORKFLOW_RUNNER, WORKFLOWS
from ticketflow.engine.tickets import in_namespace
from ticketflow.tickets.numbering import number_of_workflow

# Open tickets, and open incidents (their runs replay on the same code).
OPEN_TICKETS = (
    "(WorkflowType = 'Ticket' OR WorkflowType = 'Incident') AND ExecutionStatus = 'Running'"
)


@dataclass(frozen=True)
class Replayed:
    name: str  # a ticket's number (an incident's workflow id), or a recorded history's name
    failure: str | None = None  # why it does not replay on this code; None: it does


async def replay(
    histories: AsyncIterable[tuple[str, WorkflowHistory]],
    workflows: Sequence[type] = WORKFLOWS,
) -> AsyncIterator[Replayed]:
    """Each named history replayed on `workflows` (this code's), in order, with the
    worker's own sandbox and payload format."""
    names: deque[str] = deque()

    async def fed() -> AsyncIterator[WorkflowHistory]:
        async for name, history in histories:
            names.append(name)
            yield history

    replayer = Replayer(
        workflows=list(workflows), workflow_runner=WORKFLOW_RUNNER, data_converter=DATA_CONVERTER
    )
    async with replayer.workflow_replay_iterator(fed()) as results:
        async for result in results:
            failure = result.replay_failure
            yield Replayed(names.popleft(), None if failure is None else _reason(failure))


def _reason(failure: Exception) -> str:
    """The failure's class and its innermost message (the SDK wraps the core's in a
    Rust debug print)."""
    found = re.findall(r'message: "([^"]+)"', str(failure))
    return f"{type(failure).__name__}: {found[0] if found else failure}"


async def open_ticket_histories(
    client: Client, namespaces: Sequence[str], limit: int
) -> AsyncIterator[tuple[str, WorkflowHistory]]:
    """The histories of running ticket workflows (at most `limit`), by ticket number, from
    the visibility store of each namespace tickets live in."""
    left = limit
    for namespace in namespaces:
        scoped = in_namespace(client, namespace)
        async for execution in scoped.list_workflows(OPEN_TICKETS, limit=left):
            handle = scoped.get_workflow_handle(execution.id, run_id=execution.run_id)
            yield number_of_workflow(execution.id), await handle.fetch_history()
            left -= 1
        if left <= 0:
            return
