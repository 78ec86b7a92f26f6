"""Ticketflow: a help-desk ticket lifecycle engine on Temporal.

Entry points and process-wide parts live here; everything else in a package of its concern:

- __main__: `python -m ticketflow`. cli/: the `ticketflow` command and the processes it runs
  (`up`, the API server, the SMTP listener, quarantine, replay): the entry points.
- settings: `TICKETFLOW_*` settings. components: the parts a process builds from them.
- payloads: what the API, the workflow and the activities pass each other (ids, not content).
- metrics: the Prometheus metrics each process counts.
- logs: bounded logs (a run of like errors is said once).
- tickets/ (the pure domain), desk/, mail/, letters/, store/ (the read model),
  engine/ (reaching workflows), api/ (HTTP), console/ (the agents' pages and /help).
"""
