"""`ticketflow smtpd`: an MTA's delivery over real SMTP and LMTP on loopback."""

from __future__ import annotations

import asyncio
import smtplib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from sqlalchemy import func, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from tests.support.mail import customer_mail
from tests.support.stack import free_port
from tests.support.temporal import eventually, new_worker
from ticketflow.cli.smtpd import serve
from ticketflow.components import Components
from ticketflow.settings import Settings
from ticketflow.store.models import RawMessage, Ticket


@asynccontextmanager
async def listening(components: Components, client: Client, *, lmtp: bool) -> AsyncIterator[int]:
    port, stop = free_port(), asyncio.Event()
    server = asyncio.create_task(serve(components, client, "127.0.0.1", port, lmtp=lmtp, stop=stop))
    await asyncio.sleep(0.2)
    try:
        yield port
    finally:
        stop.set()
        await server


def deliver(port: int, raw: bytes, *, lmtp: bool = False) -> tuple[int, bytes]:
    """What an MTA does: one transaction, and the server's reply to the message data."""
    client: smtplib.SMTP = (
        smtplib.LMTP("127.0.0.1", port) if lmtp else smtplib.SMTP("127.0.0.1", port)
    )
    with client:
        client.ehlo_or_helo_if_needed()
        client.mail("mta-bounce@example.org")
        client.rcpt("support@ticketflow.localhost")
        return client.data(raw)


@pytest.mark.parametrize("lmtp", [False, True])
async def test_mta_delivery_is_acknowledged_once_the_message_is_stored(
    time_skipping_env: WorkflowEnvironment, components: Components, lmtp: bool
) -> None:
    client = time_skipping_env.client
    raw = customer_mail(message_id="<via-mta@example.org>").replace(b"\n", b"\r\n")
    async with new_worker(client, components), listening(components, client, lmtp=lmtp) as port:
        code, reply = await asyncio.to_thread(deliver, port, raw, lmtp=lmtp)
        assert code == 250 and b"stored for ticket" in reply
        with components.sessions() as session:
            stored = session.scalars(select(RawMessage.raw)).one()
        # Byte-exact, apart from the dot-stuffing SMTP itself undoes.
        assert stored.rstrip(b"\r\n") == raw.rstrip(b"\r\n")

        async def state() -> str | None:
            with components.sessions() as session:
                return session.scalar(select(Ticket.state))

        await eventually(state, lambda s: s == "first-line")
        # The MTA retrying the same message: one article, still 250.
        code, _ = await asyncio.to_thread(deliver, port, raw, lmtp=lmtp)
        assert code == 250
        with components.sessions() as session:
            assert session.scalar(select(func.count()).select_from(RawMessage)) == 1


async def test_what_is_not_mail_is_refused_for_good(
    time_skipping_env: WorkflowEnvironment, components: Components
) -> None:
    client = time_skipping_env.client
    async with listening(components, client, lmtp=False) as port:
        code, reply = await asyncio.to_thread(deliver, port, b"no headers at all\r\n")
    assert code == 554 and b"not an RFC 822 message" in reply


async def test_a_storage_failure_asks_the_mta_to_try_again(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    # A real database that is not there: nothing listens on its port.
    unreachable = f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/x"
    broken = Components(Settings(data_dir=tmp_path, database_url=unreachable))
    async with listening(broken, time_skipping_env.client, lmtp=False) as port:
        code, reply = await asyncio.to_thread(deliver, port, customer_mail())
    assert code == 451 and b"try again later" in reply
