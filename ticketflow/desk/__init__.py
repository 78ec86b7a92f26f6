"""The desk: how an installation is set up, and the decisions that follow from it.

- config: the desk config (queues, lines, groups, calendars, SLAs, rules, macros) and its checks.
- strict: its models refuse unknown keys, naming the nearest known one.
- rules: routing rules (postmaster filters) over an arriving message.
- routing: where a new ticket goes and whether it gets an automatic reply.
- macros: one-click chains of agent actions, checked step by step.
- report: the desk as people read it (`ticketflow desk show`), and checks beyond the config.
- desk.example.yaml: the example desk.
"""
