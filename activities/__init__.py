"""Every side effect of a ticket's workflow, as activities (called by name, run in threads).

- store: read-model activities: load a ticket for a run, route it, project its changes.
- mail: outbound mail: the automatic reply, agents' mails, the waiting reminder.
- passwords: verifying sealed claims against the account directory; restoring access once.
- tracker: filing a task in the project's tracker (once per note), asking how one stands.
- escalation: telling supervisors by mail, or another system by webhook, of an SLA miss.
- merge: a merged ticket's mail moved under the other ticket, and that ticket told.
- incident: an incident's mail, a batch of tickets at a time, each through its workflow.
"""
