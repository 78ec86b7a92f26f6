"""What tests share: the real stack, mail, tickets and Temporal, one module each.

- stack: settings on a migrated database (`make_components`), the API stack (`Stack`), an
  SMTP server on loopback (`SmtpSink`), free ports.
- mail: messages as customers and mail daemons write them, and reading the mail we send.
- tickets: acting on tickets through the engine, and reading them back.
- clock: intake's clock following a time-skipping server's.
- temporal: workers that fail a workflow on its first error, waiting for a condition,
  histories (recorded for the replay tests, decoded for leak checks).
"""
