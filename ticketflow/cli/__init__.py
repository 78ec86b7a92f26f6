"""The `ticketflow` command and the processes it runs: the entry points, outside the layers.

- main: the command line (arguments, settings, one-line mistakes); `run` is the script.
  __main__: `python -m ticketflow.cli`.
- commands: what each command does.
- up: `ticketflow up`, the embedded stack. serve_api: `ticketflow api` (uvicorn).
- smtpd: `ticketflow smtpd`, the SMTP/LMTP listener an MTA delivers to.
- quarantine: `ticketflow quarantine`, mail kept for review.
- replay: `ticketflow replay`, open tickets' histories replayed on this code.
- accounts: `ticketflow accounts import` and `ticketflow claims purge | rotate-key`.
"""

from ticketflow.cli.main import main, run

__all__ = ["main", "run"]
