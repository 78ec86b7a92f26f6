"""`ticketflow api`: uvicorn serving the app, stopping on SIGINT or SIGTERM with exit
status 0 once it has shut down gracefully.

uvicorn raises the signal again after its graceful shutdown, so a supervisor would read
a clean stop as death by signal (-15); here the stop ends as a normal exit.
"""

from __future__ import annotations

import signal
from collections.abc import Generator
from contextlib import contextmanager

import uvicorn

from api import create_app
from ticketflow.settings import Settings


class _Server(uvicorn.Server):
    @contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        handled = (signal.SIGINT, signal.SIGTERM)
        original = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
        try:
            yield
        finally:
            for sig, handler in original.items():
                signal.signal(sig, handler)


def serve_api(settings: Settings, host: str, port: int) -> None:
    config = uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        log_level=settings.log_level.lower(),
        # Forwarded headers from the listed proxies only (none by default): a client who
        # rotates X-Forwarded-For is still one client to the per-client limits.
        proxy_headers=bool(settings.proxies),
        forwarded_allow_ips=settings.proxies or "",
        # The app logs each request by its route's template (ticketflow.api.exporter):
        # uvicorn's own line carries query strings, where customers' words travel.
        access_log=False,
    )
    _Server(config).run()
