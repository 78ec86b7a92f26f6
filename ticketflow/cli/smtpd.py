"""`ticketflow smtpd`: an SMTP or LMTP listener an MTA (Postfix, Exim) delivers to.

The reply to DATA is the delivery guarantee: 250 only once the raw message is stored,
a permanent 5xx for what is not mail or too large (the MTA bounces it to its sender),
and 451 when storing failed, so the MTA keeps the message and tries again. A message
stored while Temporal is unreachable is accepted too: it is durable, and the worker's
sweep hands it to its ticket.

It trusts the network, as MTA-to-MTA delivery does: bind it to loopback or a private
interface only the MTA reaches. With LMTP, give the MTA one recipient per transaction
(Postfix: `lmtp_destination_recipient_limit = 1`): one reply covers the message.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from typing import Any

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from temporalio.client import Client

from ticketflow.components import Components, connect_temporal
from ticketflow.service.intake import take_in_mail
from ticketflow.service.refusals import BadRequest, TryLater
from ticketflow.settings import Settings

log = logging.getLogger("ticketflow.smtpd")


class IntakeHandler:
    """aiosmtpd handler: every message through the same intake as the HTTP route."""

    def __init__(self, components: Components, client: Client) -> None:
        self._components = components
        self._client = client

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            result = await take_in_mail(
                self._components, self._client, raw, envelope.rcpt_tos, source="smtp"
            )
        except BadRequest as exc:
            log.warning("refused a message: %s", exc.reason)
            return f"554 5.6.0 not accepted: {exc.reason}"
        except TryLater:
            log.error("message stored, Temporal unreachable (the sweep delivers it)")
            return "250 2.0.0 stored"
        except Exception as exc:
            log.error("could not store a message (%s); the MTA will retry", type(exc).__name__)
            return "451 4.3.0 could not store the message; try again later"
        if result.ignored:
            return f"250 2.0.0 stored, no ticket: {result.ignored}"
        if result.set_aside:
            return f"250 2.0.0 stored as {result.raw_id} for review, no ticket: {result.set_aside}"
        return f"250 2.0.0 stored for ticket {result.ticket}"


def make_protocol(
    components: Components, client: Client, *, lmtp: bool, hostname: str | None = None
) -> Any:
    """A protocol factory for `loop.create_server`."""
    handler = IntakeHandler(components, client)
    protocol = LMTP if lmtp else SMTP
    limit = components.settings.max_message_bytes

    def factory() -> SMTP:
        # decode_data=False keeps the bytes exactly as delivered (original_content).
        return protocol(handler, data_size_limit=limit, hostname=hostname, decode_data=False)

    return factory


async def run_smtpd(settings: Settings, host: str, port: int, *, lmtp: bool) -> None:
    """`ticketflow smtpd`: serve until SIGINT or SIGTERM."""
    components = Components(settings)
    client = await connect_temporal(settings, lazy=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(components, client, host, port, lmtp=lmtp, stop=stop)
    components.close()


async def serve(
    components: Components,
    client: Client,
    host: str,
    port: int,
    *,
    lmtp: bool = False,
    stop: asyncio.Event | None = None,
) -> None:
    """Listen until `stop` is set (forever without one)."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(make_protocol(components, client, lmtp=lmtp), host, port)
    log.info("%s listening on %s:%s", "LMTP" if lmtp else "SMTP", host, port)
    async with server:
        if stop is None:
            await server.serve_forever()
        else:
            await stop.wait()
