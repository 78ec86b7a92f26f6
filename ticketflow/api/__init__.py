"""The HTTP API (the FastAPI app itself is built by `api.create_app`).

- deps: dependencies: the process's components, its Temporal client, the calling agent.
- schemas: request and response shapes.
- routes/: one module per area.
"""
