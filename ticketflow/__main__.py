"""`python -m ticketflow`: the `ticketflow` command."""

from ticketflow.cli.main import run

run()
