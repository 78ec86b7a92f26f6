"""The SQL read model and what is kept in it.

- db: engines and sessions per backend.
- models: the tables. migrations/: their Alembic history. migrate: upgrading, schema checks.
- intake: storing inbound mail (raw bytes, deduplication, threading, new tickets).
- drafts: agents' texts stored before the workflow is asked.
- queries: the read side of the agent API (queue views, pages, search).
- counts: per-queue, per-state counters kept in the change's transaction.
- agents: agents, their tokens and groups, and the record of changes to them.
- macro_uses: how often each agent ran each macro.
- report_figures: the reports' rows and hourly sums, folded from each projected event.
- reports: reading them (summary, queues, groups, agents, hours).
"""
