"""Where a new ticket goes, and whether it gets an automatic reply: a pure decision over
the parsed first message and the desk.

Intake calls it with the message it has just parsed, so a new ticket's workflow
starts with its route and needs no classification activity (bench/RESULTS.md: one
activation and one local activity fewer per ticket). The `route` activity calls
the same function for a run that starts without intake's decision.
"""

from __future__ import annotations

from ticketflow.contracts import Route
from ticketflow.desk import DeskConfig
from ticketflow.loops import OwnIdentity, auto_reply_refusal
from ticketflow.mailparse import ParsedMail


def route_new_ticket(desk: DeskConfig, mail: ParsedMail, own: OwnIdentity) -> Route:
    """The queue a new ticket starts in (the default queue until the desk's routing
    rules arrive) and why it must get no automatic reply, if it must not."""
    return Route(queue=desk.default_queue.name, no_auto_reply=auto_reply_refusal(mail, own))
