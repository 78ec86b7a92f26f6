"""The SQL read model and what is kept in it.

- db: engines and sessions per backend.
- models: the tables. migrations/: their Alembic history. migrate: upgrading, schema checks.
- ticket_shape: a ticket's row read as the domain's lifecycle and written from it, the
  facts a run starts from, the projection it writes back.
- projection: a workflow's changes written to the read model (row, history, counters,
  figures, articles), by its projection activity and by intake's first step.
- inbox: raw messages kept before anything reads them, and those set aside.
- blobs: file contents, stored once by their SHA-256.
- intake: storing inbound mail (deduplication, threading, new tickets).
- drafts: agents' texts stored before the workflow is asked.
- forward_drafts: an agent's forward of a ticket's mail, as a draft with its files.
- uploads: files agents upload to send with their mail.
- links: links between related tickets, one row a pair, read both ways.
- merges: a merged ticket's mail moved under the other; mail to it followed there.
- incidents: incidents, their linked tickets and what each incident mail did to each.
- incident_rules: the open incidents' rules as intake tests new tickets with them.
- surges: new tickets counted by queue and by hint in a window (early warning's counts).
- queries: the read side of the agent API (queue views, pages, search).
- console_views: what the console reads beyond them (live arrivals, own tickets, overview).
- counts: per-queue, per-state counters kept in the change's transaction.
- agents: agents, their tokens and groups, and the record of changes to them.
- sign_in: console passwords, sessions and the limit on failed sign-ins.
- macro_uses: how often each agent ran each macro.
- form_posts: the customer form's limit per client address.
- help_articles: the customer form's help articles, read and searched.
- webhook_tokens: signed provider requests, each accepted once.
- report_figures: the reports' rows and hourly sums, folded from each projected event.
- reports: reading them (summary, queues, groups, agents, hours).
- tasks: tickets' links to their tracker's tasks (filed once per note; who waits on one).
- claims: customers' sealed claims and their verifications; purging closed tickets' claims.
"""
