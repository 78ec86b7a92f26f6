"""Helpers for tests that run the real stack: settings, migrated databases, workers, mail."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import socket
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any, TypeVar

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.worker import Worker

from ticketflow.components import Components
from ticketflow.mail.transport import Transport
from ticketflow.settings import Settings
from ticketflow.store.migrate import sync_queues, upgrade
from worker import build_worker

T = TypeVar("T")

# Recorded workflow histories that tests/workflows/test_replay.py replays on today's code.
HISTORIES = Path(__file__).resolve().parent / "workflows" / "histories"
RECORD_VARIABLE = "TICKETFLOW_RECORD_HISTORIES"


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


def text_part(msg: EmailMessage) -> str:
    """The text/plain body of a mail we sent (ours also carry an HTML alternative)."""
    part = msg.get_body(preferencelist=("plain",))
    assert isinstance(part, EmailMessage), "no text/plain part"
    return str(part.get_content())


@dataclass
class SmtpSink:
    """An aiosmtpd handler that keeps every message it accepts."""

    messages: list[EmailMessage] = field(default_factory=list)
    # Recipients refused for good, as a mail server does for a mailbox that does not exist.
    refused: set[str] = field(default_factory=set)
    # Failures to inject into the next messages' DATA: "slow" keeps the message and answers
    # only after `slow_seconds` (the client times out after the server took it); "busy"
    # answers 451 and keeps nothing.
    faults: list[str] = field(default_factory=list)
    slow_seconds: float = 3.0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        fault = self.faults.pop(0) if self.faults else None
        if fault == "busy":
            return "451 4.3.2 try again later"
        msg = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        if fault == "slow":
            await asyncio.sleep(self.slow_seconds)
        return "250 Message accepted for delivery"

    async def wait_for(self, count: int, timeout: float = 20.0) -> list[EmailMessage]:
        for _ in range(int(timeout / 0.05)):
            if len(self.messages) >= count:
                return self.messages
            await asyncio.sleep(0.05)
        raise AssertionError(f"expected {count} mails, got {len(self.messages)}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def make_components(tmp_path: Path, database_url: str, **overrides: object) -> Components:
    settings = Settings(
        data_dir=tmp_path,
        database_url=database_url,
        task_queue=f"tq-{uuid.uuid4()}",
        # Tests share one Temporal server: distinct system ids keep workflow ids apart.
        system_id=str(uuid.uuid4().int % 900000 + 100000),
        **overrides,  # type: ignore[arg-type]
    )
    components = Components(settings)
    upgrade(components.engine)
    sync_queues(components.engine, components.desk)
    return components


def new_worker(
    client: Client, components: Components, transport: Transport | None = None
) -> Worker:
    return build_worker(client, components, transport=transport)


def customer_mail(
    *,
    sender: str = "Anna Petrova <anna@example.org>",
    to: str = "support@ticketflow.localhost",
    subject: str = "Cannot log in",
    body: str = "I forgot my password and the recovery form does not work.",
    in_reply_to: str | None = None,
    message_id: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = message_id or make_msgid(domain="example.org")
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    return msg.as_bytes()


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


def _show(value: object) -> str:
    table = getattr(value, "__table__", None)
    if table is None:
        return repr(value)
    return repr({c.name: getattr(value, c.key, None) for c in table.columns})


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
