"""The HTTP API: a face over the service (the FastAPI app itself is built by
`api.create_app`); its routes parse, call the service and shape the answer.

- deps: dependencies: the process's components, its Temporal client, the calling agent.
- errors: the service's refusals as HTTP answers (JSON here, pages for the console), and
  503 with Retry-After while the database is unreachable.
- problems: the one shape of a refusal, and the statuses each route lists in OpenAPI.
- guards: agent routes refuse before reading a body (no credentials; past the cap).
- bodies: a request's body read within a size limit.
- files: an attachment as both faces answer with it (always a download).
- exporter: `/metrics` (the process's counters and the read model's gauges), request timing
  and the access log.
- docs: `/docs`, Swagger UI from the package under a strict Content-Security-Policy.
- routes/: one module per area.
"""
