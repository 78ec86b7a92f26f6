"""Temporal for tests: workers that fail a workflow on its first error (with its
traceback, not a test that times out), waiting for a condition, and histories."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import time
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHistory
from temporalio.worker import Worker

from ticketflow.components import Components
from ticketflow.mail.transport import Transport
from worker import build_worker, build_workers

T = TypeVar("T")

# Recorded workflow histories that tests/workflows/test_replay.py replays on today's code:
# histories/<release>/<scenario>.json, append-only (histories/SHA256SUMS seals each).
HISTORIES = Path(__file__).resolve().parents[1] / "workflows" / "histories"
SEALED = HISTORIES / "SHA256SUMS"
RECORD_VARIABLE = "TICKETFLOW_RECORD_HISTORIES"
PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
IN_FLIGHT = {"EVENT_TYPE_WORKFLOW_TASK_SCHEDULED", "EVENT_TYPE_WORKFLOW_TASK_STARTED"}
# A namespace the shared dev server has besides the default, for a project of its own.
PROJECT_NAMESPACE = "ticketflow-project"


def release() -> str:
    """The release this checkout builds (its histories are recorded under that name)."""
    return str(tomllib.loads(PYPROJECT.read_text())["project"]["version"])


def sealed_histories() -> dict[str, str]:
    """Every kept history (`<release>/<scenario>.json`) and its SHA-256, as sealed."""
    if not SEALED.exists():
        return {}
    rows = (line.split(maxsplit=1) for line in SEALED.read_text().splitlines() if line.strip())
    return {path.strip(): digest for digest, path in rows}


def history_path(name: str) -> Path:
    return HISTORIES / release() / f"{name}.json"


async def keep_history(
    client: Client, workflow_id: str, name: str, run_id: str | None = None
) -> None:
    """With TICKETFLOW_RECORD_HISTORIES set (`python -m tests.workflows.record_histories`),
    write this run's history to tests/workflows/histories/<release>/NAME.json once its
    workflow tasks are done (a history cut inside a task guards nothing), and seal it in
    histories/SHA256SUMS; else nothing. A sealed history is never written again."""
    if not os.environ.get(RECORD_VARIABLE):
        return
    path = history_path(name)
    if path.relative_to(HISTORIES).as_posix() in sealed_histories():
        raise AssertionError(f"{path} is sealed: a new recording belongs to a new release")
    handle = client.get_workflow_handle(workflow_id, run_id=run_id)
    history = await eventually(handle.fetch_history, _settled, timeout=30)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(history.to_json())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with SEALED.open("a") as seals:
        seals.write(f"{digest}  {path.relative_to(HISTORIES).as_posix()}\n")


def _settled(history: WorkflowHistory) -> bool:
    kinds = [event["eventType"] for event in history.to_json_dict()["events"]]
    return "EVENT_TYPE_WORKFLOW_TASK_COMPLETED" in kinds and kinds[-1] not in IN_FLIGHT


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
