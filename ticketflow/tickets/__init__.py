"""The pure domain of a ticket: imports nothing of ours but itself, does no I/O.

- lifecycle: the states, the actions, which action is valid in which state (one table),
  and a new ticket's first state.
- rights: what a group may do in a queue and, by its roles, over a project.
- reasons: why something is refused: a stable code and a translatable message.
- articles: an article's direction and status. history: the names of history entries.
- sla: the escalation clocks (first response, update, solution) in business time.
- escalation: what a warning's or breach's steps do to the ticket.
- calendars: business calendars (working hours in a zone, holidays) and business-time maths.
- timers: a ticket's other timers (waiting period, reminders) and how a change moves them all.
- undo: an agent's action taken back within the desk's window, and what the figures skip.
- numbering: ticket numbers and the subject tag that carries them in mail.
- language: the language a customer writes in, or a form declares.
- reporting: what the reports count, folded event by event.
- incidents: an incident's states, the orders agents give it, and its batches' rate.
- surges: early warning's arithmetic: a queue's or hint's last hour against its usual.
"""
