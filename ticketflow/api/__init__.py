"""The HTTP API (the FastAPI app itself is built by `api.create_app`).

- deps: dependencies: the process's components, its Temporal client, the calling agent.
- schemas: request and response shapes.
- access: fetch what an agent asked for, or refuse exactly as if it did not exist.
- outages: 503 with Retry-After while the database is unreachable.
- guards: agent routes refuse before reading a body (no credentials; past the cap).
- exporter: `/metrics` (the process's counters and the read model's gauges), request timing.
- routes/: one module per area.
"""
