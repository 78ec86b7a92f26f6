"""Ticketflow: a help-desk ticket lifecycle engine on Temporal.

Entry points and process-wide parts live here; everything else in a package of its concern:

- cli, commands, __main__: the `ticketflow` command. up: `ticketflow up`. smtpd: the MTA listener.
- settings: `TICKETFLOW_*` settings. components: the parts a process builds from them.
- payloads: what the API, the workflow and the activities pass each other (ids, not content).
- metrics: the Prometheus metrics each process counts.
- tickets/ (the pure domain), desk/, mail/, letters/, store/ (the read model),
  engine/ (reaching workflows), api/ (HTTP), console/ (the agents' pages and /help).
"""
