"""Deterministic workflow code: the ticket's life, and an incident's, on Temporal. Imports
the domain and the payloads, never the store, mail transport or HTTP; activities are
called by name.

- ticket: TicketWorkflow, handlers and the main loop.
- ticket_state: TicketRun, the run's whole state and every decision over it (no Temporal).
- alarm: one durable timer for the next due moment.
- outbound: which activity sends each kind of mail, and what its outcome records.
- search_attributes: the attributes supervisors filter tickets by in the Temporal UI.
- passwords: the directory asked before a verification or a restore is recorded.
- tracking: a task filed or found before a file-task is recorded; polling a task.
- describe: the summaries and current details a ticket workflow shows in the Temporal UI.
- incident: IncidentWorkflow, an incident's mail to its tickets, batch by batch at a rate.
"""
