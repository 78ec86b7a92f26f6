"""`ticketflow quarantine`: mail kept for review (unreadable, past the reading limits, or
held because its sender opened too many tickets): list, show, retry, drop."""

from __future__ import annotations

import argparse
import asyncio
import sys

from ticketflow.components import Components, connect_temporal
from ticketflow.store.inbox import (
    SET_ASIDE,
    RawState,
    drop_set_aside,
    list_set_aside,
    set_aside_detail,
)


class QuarantineError(LookupError):
    """No such message kept for review (printed as the command's one-line error)."""


def run_quarantine_action(args: argparse.Namespace, components: Components) -> int:
    return ACTIONS[args.quarantine_command](args, components)


def _list(args: argparse.Namespace, components: Components) -> int:
    states = (RawState(args.state),) if args.state else SET_ASIDE
    entries = list_set_aside(components.sessions, states, args.limit)
    if not entries:
        print("nothing kept for review")
    for e in entries:
        print(
            f"{e.raw_id:>8}  {e.received_at:%Y-%m-%d %H:%M}  {e.state.value:<11}  "
            f"{e.source or '-':<8}  {e.size:>9} B  {e.problem}"
        )
    return 0


def _show(args: argparse.Namespace, components: Components) -> int:
    detail = set_aside_detail(components.sessions, args.id)
    if detail is None:
        raise QuarantineError(f"no kept message {args.id}")
    if args.raw:
        sys.stdout.buffer.write(detail.raw)
        return 0
    e = detail.entry
    print(f"message    {e.raw_id} ({e.size} bytes, via {e.source or 'unknown'})")
    print(f"received   {e.received_at:%Y-%m-%d %H:%M:%S %Z}")
    print(f"state      {e.state.value}")
    print(f"problem    {e.problem or '-'}")
    print(f"envelope   {', '.join(detail.envelope_to) or '-'}")
    print(f"the bytes: ticketflow quarantine show {e.raw_id} --raw > message-{e.raw_id}.eml")
    return 0


def _retry(args: argparse.Namespace, components: Components) -> int:
    from ticketflow.engine.inbound import retry_set_aside
    from ticketflow.engine.tickets import TemporalUnavailable

    async def retry() -> int:
        client = await connect_temporal(components.settings, lazy=True)
        try:
            retried = await retry_set_aside(components, client, args.id)
        except TemporalUnavailable:
            print(f"message {args.id} read and stored; Temporal is unreachable, so the")
            print("worker's sweep hands it to its ticket once it is back")
            return 0
        if retried is None:
            raise QuarantineError(f"message {args.id} is not kept for review (see: list)")
        result = retried.result
        if result.set_aside:
            print(f"message {args.id} set aside again: {result.set_aside}")
            return 1
        if result.ignored:
            print(f"message {args.id} read; no ticket: {result.ignored}")
        else:
            made = "a new ticket" if result.created else "ticket"
            print(f"message {args.id} read: {made} {result.ticket_number}")
        return 0

    return asyncio.run(retry())


def _drop(args: argparse.Namespace, components: Components) -> int:
    if not drop_set_aside(components.sessions, args.id):
        raise QuarantineError(f"message {args.id} is not kept for review (see: list)")
    print(f"message {args.id} dropped: it makes no ticket (its bytes stay stored)")
    return 0


ACTIONS = {"list": _list, "show": _show, "retry": _retry, "drop": _drop}
