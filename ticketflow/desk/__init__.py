"""The desk: how an installation is set up, and what follows from it.

- config: the desk config (queues, lines, groups and roles, calendars, SLAs, rules,
  macros) and its checks.
- strict: its models refuse unknown keys, naming the nearest known one.
- projects: several desks in one installation, their mailboxes, groups named with them.
- rules: routing rules (postmaster filters) over an arriving message.
- reading: what a reader process does with one message (read it, run the rules).
- staff: colleagues whose forwards become the customer's tickets (who counts as one).
- routing: where a new ticket goes and whether it gets an automatic reply.
- macros: one-click chains of agent actions, checked step by step.
- help: the customer form's help articles (Markdown beside the desk config).
- report: the desk as people read it (`ticketflow desk show`), and checks beyond the config.
- tracker: a project's task tracker (GitLab, GitHub, Jira), where Solvers file tasks.
- passwords: a project's lost-access work: the claims asked, the account directory.
- desk.example.yaml: the example desk. help/: its help articles. accounts.example.jsonl:
  its sample account directory (`ticketflow accounts import`).
"""
