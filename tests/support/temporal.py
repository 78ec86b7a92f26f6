"""Temporal for tests: workers that fail a workflow on its first error (with its
traceback, not a test that times out), waiting for a condition, and histories."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.worker import Worker

from ticketflow.components import Components
from ticketflow.mail.transport import Transport
from worker import build_worker, build_workers

T = TypeVar("T")

# Recorded workflow histories that tests/workflows/test_replay.py replays on today's code.
HISTORIES = Path(__file__).resolve().parents[1] / "workflows" / "histories"
RECORD_VARIABLE = "TICKETFLOW_RECORD_HISTORIES"
# A namespace the shared dev server has besides the default, for a project of its own.
PROJECT_NAMESPACE = "ticketflow-project"


async def keep_history(
    client: Client, workflow_id: str, name: str, run_id: str | None = None
) -> None:
    """With TICKETFLOW_RECORD_HISTORIES set (`python -m tests.workflows.record_histories`),
    write this run's history to tests/workflows/histories/NAME.json; else nothing."""
    if not os.environ.get(RECORD_VARIABLE):
        return
    history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    HISTORIES.mkdir(exist_ok=True)
    (HISTORIES / f"{name}.json").write_text(history.to_json())


def new_worker(
    client: Client, components: Components, transport: Transport | None = None
) -> Worker:
    # As sdk-python's own test helper: a bug in workflow code fails the workflow at once.
    return build_worker(
        client, components, transport=transport, workflow_failure_exception_types=[Exception]
    )


@asynccontextmanager
async def running_workers(client: Client, components: Components) -> AsyncIterator[None]:
    """A worker in each namespace the installation's tickets live in (new_worker's way)."""
    async with AsyncExitStack() as stack:
        for worker in build_workers(
            client, components, workflow_failure_exception_types=[Exception]
        ):
            await stack.enter_async_context(worker)
        yield


async def eventually(
    probe: Callable[[], Awaitable[T]], accept: Callable[[T], bool], timeout: float = 20.0
) -> T:
    """Poll `probe` until `accept` holds for its value; fail with the last value otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        value = await probe()
        if accept(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout}s; last value: {_show(value)}")
        await asyncio.sleep(0.05)


async def assert_eventually(check: Callable[[], Awaitable[None]], timeout: float = 20.0) -> None:
    """Run `check` until it stops raising AssertionError; past `timeout`, its last one."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            await check()
            return
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        await asyncio.sleep(0.05)


def _show(value: object) -> str:
    table = getattr(value, "__table__", None)
    if table is None:
        return repr(value)
    return repr({c.name: getattr(value, c.key, None) for c in table.columns})


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    status: WorkflowExecutionStatus


async def describe_run(client: Client, workflow_id: str) -> RunInfo:
    """The current run of a workflow, read without decoding its search attributes: the
    time-skipping server returns an unset Datetime attribute (TicketEscalationAt on a
    closed ticket) as null, which the SDK's `describe()` fails to decode."""
    response = await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
        )
    )
    info = response.workflow_execution_info
    return RunInfo(info.execution.run_id, WorkflowExecutionStatus(info.status))


def decoded_history_text(history: object) -> str:
    """A workflow history (as a JSON dict) with every payload's base64 data decoded.

    Payload data is base64 in JSON, so a plain text search would miss a leaked body.
    """
    parts: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "data" and isinstance(value, str):
                    parts.append(base64.b64decode(value).decode("utf-8", "replace"))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(history)
    return json.dumps(history) + "\n" + "\n".join(parts)
