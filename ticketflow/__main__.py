"""`python -m ticketflow`: the `ticketflow` command."""

from ticketflow.cli import run

run()
