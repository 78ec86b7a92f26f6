"""Ticketflow: a help-desk ticket lifecycle engine on Temporal.

Process-wide parts live here; everything else in a package of its concern:

- __main__: `python -m ticketflow`.
- settings: `TICKETFLOW_*` settings. components: the parts a process builds from them.
- payloads: what the API, the workflow and the activities pass each other (ids, not content).
- metrics: the Prometheus metrics each process counts.
- logs: bounded logs (a run of like errors is said once).
- cli/: the entry points: the `ticketflow` command and the processes it runs.
- tickets/ (the pure domain), desk/, mail/, letters/, store/ (the read model),
  engine/ (reaching workflows), service/ (every operation, under both faces),
  api/ (HTTP) and console/ (the agents' pages and /help): the two faces.
"""
