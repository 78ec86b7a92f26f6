"""The API's routes, one module per area.

- tickets: queue views, a ticket, its macros, language, preview, escalations.
- actions: one typed route per agent action, and running macros.
- bulk: one action or macro on many tickets, each ticket's result.
- links: related tickets linked both ways.
- incidents: one outage's tickets, answered and closed at once.
- inbound: mail over HTTP (raw and the providers' webhooks).
- attachments: downloads. uploads: agents' files for their mail.
- search: full-text search. queues: the agent's queues.
- desk: the calling agent and the desk as it may use it. health: `/healthz`.
- admin: agents for a project's admins, and the audit log. quarantine: mail kept aside.
- passwords: a customer's sealed claims, the verification's verdicts, the account panel.
- tracker: the product tracker's webhooks (a task closed or commented on).
- reports: the service's figures per project, queue, group, agent and hour.
"""
