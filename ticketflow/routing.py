"""Where a new ticket goes: a pure decision over the parsed first message and the desk.

Intake calls it with the message it has just parsed, so a new ticket's workflow
starts with its route and needs no classification activity (bench/RESULTS.md: one
activation and one local activity fewer per ticket). The classify activity calls
the same function for a run that starts without intake's decision.
"""

from __future__ import annotations

from dataclasses import dataclass

from ticketflow.desk import DeskConfig
from ticketflow.mailparse import ParsedMail


@dataclass(frozen=True)
class Route:
    queue: str


def route_new_ticket(desk: DeskConfig, mail: ParsedMail) -> Route:
    """The queue a new ticket starts in. Routing rules come with the desk's filters;
    until then every new ticket goes to the default queue."""
    del mail  # the rules will read it
    return Route(queue=desk.default_queue.name)
