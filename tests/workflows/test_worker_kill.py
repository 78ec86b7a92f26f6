"""A worker SIGKILLed in the middle of a new ticket's first step, while the customer's
reply is on its way: the first step's projection (a local activity) was written, its
workflow task never completed, and the retry sees the reply as well. The history in the
read model must come out as if nothing had happened.

The kill lands in that window for certain: the worker reaches Temporal through a proxy
that stops passing the worker's requests once the first workflow task has been handed
to it, so the task runs (and projects) but its completion never arrives.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import select
from temporalio.testing import WorkflowEnvironment

from tests.support.mail import customer_mail
from tests.support.stack import make_components
from tests.support.temporal import eventually, new_worker
from ticketflow.components import Components
from ticketflow.engine.inbound import accept_mail
from ticketflow.store.models import HistoryEvent, Ticket


class FreezingProxy:
    """TCP between the worker and Temporal. Once armed, the first sizeable reply to the
    worker is the workflow task it polled for (an idle long poll gets only small HTTP/2
    frames, and gRPC messages may be compressed, so size is what tells); from then on
    the worker's requests go nowhere."""

    # A workflow task carries its history: about 1.3 KB compressed here, where keepalive
    # frames and the other calls' answers are under 400 bytes.
    TASK_BYTES = 800

    def __init__(self, target: str) -> None:
        self.host, port = target.rsplit(":", 1)
        self.port = int(port)
        self.armed = False
        self.task_handed_over = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    @asynccontextmanager
    async def serve(self) -> AsyncIterator[int]:
        server = await asyncio.start_server(self._connect, "127.0.0.1", 0)
        try:
            yield int(server.sockets[0].getsockname()[1])
        finally:
            server.close()
            for task in self._tasks:
                task.cancel()

    async def _connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port)
        for pump in (self._to_server(reader, up_writer), self._to_worker(up_reader, writer)):
            task = asyncio.create_task(pump)
            self._tasks.add(task)

    async def _to_server(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            if not self.task_handed_over.is_set():
                writer.write(data)
                await writer.drain()

    async def _to_worker(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while data := await reader.read(65536):
            if self.armed and len(data) >= self.TASK_BYTES:
                self.task_handed_over.set()
            writer.write(data)
            await writer.drain()


def worker_process(
    components: Components, temporal: str, more: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`ticketflow worker` on the components' database and task queue (`more`: further
    settings, as environment variables)."""
    settings = components.settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETFLOW_")}
    env.update(
        TICKETFLOW_DATA_DIR=str(settings.data_dir),
        TICKETFLOW_DATABASE_URL=settings.resolved_database_url,
        TICKETFLOW_TEMPORAL_ADDRESS=temporal,
        TICKETFLOW_TASK_QUEUE=settings.task_queue,
        TICKETFLOW_SYSTEM_ID=settings.system_id,
        TICKETFLOW_WORKERS="1",
        **(more or {}),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "ticketflow", "worker"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def history(components: Components, number: str) -> list[tuple[int, str, int | None]]:
    def read() -> list[tuple[int, str, int | None]]:
        with components.sessions() as session:
            ticket_id = session.scalar(select(Ticket.id).where(Ticket.number == number))
            rows = session.execute(
                select(HistoryEvent.seq, HistoryEvent.action, HistoryEvent.article_id)
                .where(HistoryEvent.ticket_id == ticket_id)
                .order_by(HistoryEvent.seq)
            )
            return [(r.seq, r.action, r.article_id) for r in rows]

    return await asyncio.to_thread(read)


async def test_a_worker_killed_in_the_first_step_leaves_a_true_history(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path
) -> None:
    components = make_components(tmp_path, database_url)
    client = dev_env.client
    proxy = FreezingProxy(client.service_client.config.target_host)
    async with proxy.serve() as port:
        worker = worker_process(components, f"127.0.0.1:{port}")
        try:
            await asyncio.sleep(3)  # the worker has started and polls
            proxy.armed = True
            first = await accept_mail(components, client, customer_mail(subject="Locked out"))
            await asyncio.wait_for(proxy.task_handed_over.wait(), 60)
            # The first step runs: its projection is written, its completion held back.
            await eventually(lambda: history(components, first.ticket_number), bool)
            reply = customer_mail(
                subject=f"Re: [Ticket#{first.ticket_number}] Locked out", body="Any news?"
            )
            second = await accept_mail(components, client, reply)
            assert second.ticket_number == first.ticket_number
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(30)
    lost = await history(components, first.ticket_number)
    assert [action for _, action, _ in lost][:2] == ["customer-message", "route"]

    # Another worker takes the ticket over once the lost workflow task times out.
    async with new_worker(client, components):
        events = await eventually(
            lambda: history(components, first.ticket_number),
            lambda h: any(a == second.article_id for _, _, a in h),
            timeout=60,
        )
    components.close()
    seqs = [seq for seq, _, _ in events]
    assert seqs == list(range(1, len(seqs) + 1))
    messages = [a for _, action, a in events if action == "customer-message"]
    assert messages == [first.article_id, second.article_id]
    assert [action for _, action, _ in events].count("route") == 1
