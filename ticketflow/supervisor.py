"""`ticketflow up`: the Temporal dev server, the workers and the API as one process tree."""

from __future__ import annotations

import asyncio
import logging
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import IO

from ticketflow.binaries import find_binary
from ticketflow.migrate import sync_queues, upgrade
from ticketflow.search_attributes import cli_flags
from ticketflow.settings import Settings
from ticketflow.temporal_setup import register_search_attributes, wait_for_temporal
from ticketflow.webhook_auth import secret_path, webhook_secret
from ticketflow.wiring import Components

log = logging.getLogger("ticketflow.up")
STOP_GRACE_SECONDS = 15
# Measured here: file-backed dev server 40 -> ~100 workflows/s with these (DESIGN.md).
SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")


class EmbeddedStack:
    def __init__(self, settings: Settings, api_port: int, temporal_port: int, ui_port: int):
        self.settings = settings
        self.api_port, self.temporal_port, self.ui_port = api_port, temporal_port, ui_port
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.stopping = False

    def run(self) -> int:
        data_dir = self.settings.data_dir.resolve()
        data_dir.mkdir(parents=True, exist_ok=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, self._request_stop)
        try:
            self._start_temporal(data_dir)
            asyncio.run(self._prepare_temporal())
            components = Components(self.settings)
            upgrade(components.engine)
            sync_queues(components.engine, components.desk)
            components.engine.dispose()
            for n in range(1, self.settings.workers + 1):
                self._spawn(f"worker {n}", [sys.executable, "-m", "ticketflow.cli", "worker"])
            api_cmd = ["api", "--host", "127.0.0.1", "--port", str(self.api_port)]
            self._spawn("api", [sys.executable, "-m", "ticketflow.cli", *api_cmd])
            self._announce(data_dir)
            return self._supervise()
        finally:
            self._stop_all()

    def _start_temporal(self, data_dir: Path) -> None:
        command = [
            find_binary("temporal"),
            "server",
            "start-dev",
            "--db-filename",
            str(data_dir / "temporal.db"),
            "--ip",
            "127.0.0.1",
            "--port",
            str(self.temporal_port),
            "--ui-port",
            str(self.ui_port),
            "--log-level",
            "warn",
            *[arg for pragma in SQLITE_PRAGMAS for arg in ("--sqlite-pragma", pragma)],
            *cli_flags(),
        ]
        if self.settings.temporal_namespace != "default":
            command += ["--namespace", self.settings.temporal_namespace]
        log_file = (data_dir / "temporal.log").open("ab")
        self._spawn("temporal", command, stdout=log_file)

    async def _prepare_temporal(self) -> None:
        waiting = asyncio.create_task(wait_for_temporal(self.settings))
        while not waiting.done():
            self._fail_if_exited()
            await asyncio.sleep(0.2)
        await waiting
        await register_search_attributes(self.settings)

    def _spawn(self, name: str, command: list[str], stdout: IO[bytes] | None = None) -> None:
        stderr = subprocess.STDOUT if stdout else None
        proc = subprocess.Popen(command, stdout=stdout, stderr=stderr)
        self.children.append((name, proc))

    def _announce(self, data_dir: Path) -> None:
        webhook_secret(self.settings)  # made now, so it can be read before the first mail
        secret = (
            "TICKETFLOW_WEBHOOK_SECRET"
            if self.settings.webhook_secret
            else secret_path(self.settings)
        )
        print(
            f"Ticketflow is up.\n"
            f"  API          http://127.0.0.1:{self.api_port}  (OpenAPI: /docs)\n"
            f"  Temporal UI  http://127.0.0.1:{self.ui_port}\n"
            f"  Temporal     127.0.0.1:{self.temporal_port}\n"
            f"  Data         {data_dir}  (outbox: {self.settings.outbox_dir.resolve()})\n"
            f"  Inbound mail needs the header X-Webhook-Secret: the secret in {secret}\n"
            f"Press Ctrl-C to stop.",
            flush=True,
        )

    def _supervise(self) -> int:
        while not self.stopping:
            try:
                self._fail_if_exited()
            except RuntimeError as exc:
                log.error("%s", exc)
                return 1
            time.sleep(0.5)
        return 0

    def _fail_if_exited(self) -> None:
        for name, proc in self.children:
            if proc.poll() is not None:
                hint = (
                    f"; see {self.settings.data_dir / 'temporal.log'}" if name == "temporal" else ""
                )
                raise RuntimeError(f"{name} exited with status {proc.returncode}{hint}")

    def _request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True
        if not self.children or all(p.poll() is not None for _, p in self.children):
            raise KeyboardInterrupt

    def _stop_all(self) -> None:
        # API and worker first, so nothing is mid-call when Temporal goes.
        for name, proc in reversed(self.children):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(STOP_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    log.warning("%s did not stop in %ss; killing it", name, STOP_GRACE_SECONDS)
                    proc.kill()
                    proc.wait()
        self.children.clear()
