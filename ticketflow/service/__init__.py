"""The service: every operation an agent, a supervisor, an admin, a customer form or a mail
channel performs, under both faces (the HTTP API and the console), which only parse, call
and shape. Each takes a typed actor and returns typed results or raises typed refusals.

- refusals: the typed refusals (NotFound, Forbidden, Refused, Invalid, TryLater, ...),
  each with a stable code and a reason the console translates.
- policy: one policy: what an actor may see and do, project by project.
- access: fetch what an agent asked for, or refuse exactly as if it did not exist.
- shapes: what the service takes and gives (request bodies, typed results).
- tickets: reading tickets (a queue, a ticket and the actions it offers, search, ...).
- actions: acting on tickets: one action, or a macro's every step, and undoing either.
- bulk: one action or macro on many tickets, each ticket decided apart, its own result.
- links: related tickets linked both ways, shown on both.
- merging: what a merge needs of the ticket it goes into (rights, one project, not merged).
- incidents: incidents made, linked, answered, paused, resumed and closed; their progress.
- incident_shapes: what the incidents' routes take and answer.
- warnings: early warning (surges of new tickets by queue or hint), an incident of one.
- uploads: agents' files for their mail, checked (size, the desk's virus scanner) and kept.
- passwords: a customer's claims recorded sealed, a ticket's verification, the account
  beside it. access_shapes: what those take and give (never a claim's value).
- tracking: the tracker's webhooks, told to every ticket waiting on the task.
- working: working a queue: the next ticket for an agent, and what he has just done.
- desk: the agent, his queues with their load, the desk as he may use it, the overview.
- reports: the service's figures of a period, per project, queue, group, agent and hour.
- admin: agents of the projects an admin administers, the audit log, mail kept for review.
- intake: taking messages in, channel by channel (mail, the customer form).
"""
