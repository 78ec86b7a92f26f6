"""The provider's accounts, for the Passwords work: the directory, and claims sealed.

- directory: what the directory knows of an account (personal facts apart), its interface.
- table: the directory as a table of our own database (the embedded default).
- http: the directory as the provider's service over HTTP, with a circuit breaker.
- importing: loading the table from a CSV or JSON Lines file (`ticketflow accounts import`).
- sealing: personal data encrypted at rest with a key outside the database (Fernet).
- matching: a claim compared with the account's fact: match, mismatch, partial, unknown.
- checking: verifying a ticket's claims, restoring access once, the account panel's view.
"""
