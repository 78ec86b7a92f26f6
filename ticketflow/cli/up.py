"""`ticketflow up`: the Temporal dev server, the workers and the API as one process tree.

One instance per data directory (a lock held for the process's life); every port is
checked before anything starts; the banner comes once the API answers. The workers' and
the API's output is passed on with their names in front; Temporal's goes to its log file.
"""

from __future__ import annotations

import asyncio
import fcntl
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from types import FrameType
from typing import IO

from sqlalchemy import select

from ticketflow.accounts.importing import import_accounts
from ticketflow.accounts.sealing import ensure_key_file, key_path
from ticketflow.components import Components
from ticketflow.engine.binaries import find_binary
from ticketflow.engine.temporal_setup import register_search_attributes, wait_for_temporal
from ticketflow.mail.webhook_auth import secret_path, webhook_secret
from ticketflow.settings import Settings
from ticketflow.store.migrate import bring_up_to_date
from ticketflow.store.models import DirectoryAccount
from workflows.search_attributes import cli_flags

log = logging.getLogger("ticketflow.up")
EXAMPLE_DESK = Settings.model_fields["desk_config"].default
EXAMPLE_ACCOUNTS = EXAMPLE_DESK.parent / "accounts.example.jsonl"
STOP_GRACE_SECONDS = 15
API_READY_SECONDS = 60
LOCK_FILE = "up.lock"
# Measured on a 2-core machine: the file-backed dev server ran 40 -> ~100 workflows/s with these.
SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")
LOCAL = "127.0.0.1"


class PortBusy(OSError):
    """Something else listens on the port (or the address is not this machine's)."""


def load_example_accounts(components: Components) -> None:
    """On the example desk, its sample account directory, once (an empty table), so that a
    fresh `up` shows a verification end to end (docs/domain.md, "Passwords")."""
    if components.settings.desk_config != EXAMPLE_DESK:
        return
    project = components.projects.get("mail")
    config = project.desk.passwords if project is not None else None
    if config is None or not EXAMPLE_ACCOUNTS.exists():
        return
    with components.sessions() as session:
        if session.scalars(select(DirectoryAccount.id).limit(1)).first() is not None:
            return
    names = frozenset(c.name for c in config.claims)
    done = import_accounts(
        components.sessions, components.accounts.sealer, "mail", EXAMPLE_ACCOUNTS, names
    )
    log.info("the example desk's sample accounts loaded (%d)", done.accounts)


def check_port_free(host: str, port: int, what: str) -> None:
    """Raise PortBusy, naming `what` wanted the port, unless it can be bound now."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        # As servers bind: a port left in TIME_WAIT by a stopped server counts as free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise PortBusy(f"{what} cannot listen on {host}:{port}: {exc.strerror}") from None


class AlreadyRunning(RuntimeError):
    """Another `ticketflow up` holds the data directory."""


@dataclass(frozen=True)
class Ports:
    api: int = 8000
    temporal: int = 7233
    ui: int = 8233
    # Worker n's own metrics at metrics + 2(n-1), the Temporal SDK's of it one above.
    metrics: int = 9464

    def worker_metrics(self, n: int) -> tuple[int, int]:
        own = self.metrics + 2 * (n - 1)
        return own, own + 1


@contextmanager
def data_dir_lock(data_dir: Path) -> Iterator[None]:
    """Hold the data directory for this process's life; AlreadyRunning names the holder."""
    path = data_dir / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise AlreadyRunning(
                f"ticketflow up is already running on {data_dir} (pid {holder}); "
                "stop it first, or give another --data-dir"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


class EmbeddedStack:
    def __init__(self, settings: Settings, ports: Ports, api_host: str = LOCAL):
        data_dir = settings.data_dir.resolve()
        # The children, and everything they connect to, see the same data and ports.
        self.settings = settings.model_copy(
            update={"data_dir": data_dir, "temporal_address": f"{LOCAL}:{ports.temporal}"}
        )
        self.ports, self.api_host = ports, api_host
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.stopping = False

    def run(self) -> int:
        data_dir = self.settings.data_dir
        # Made private: it holds the databases, the outbox and the webhook secret.
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        with data_dir_lock(data_dir):
            self._check_ports()
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, self._request_stop)
            try:
                self._start(data_dir)
            except RuntimeError as exc:
                log.error("%s", exc)
                return 1
            else:
                return self._supervise()
            finally:
                self._stop_all()

    @cached_property
    def _namespaces(self) -> list[str]:
        """The installation's namespace and any project's own: the dev server makes them."""
        return Components(self.settings).temporal_namespaces

    def _check_ports(self) -> None:
        check_port_free(LOCAL, self.ports.temporal, "Temporal (--temporal-port)")
        check_port_free(LOCAL, self.ports.ui, "the Temporal UI (--ui-port)")
        check_port_free(self.api_host, self.ports.api, "the API (--api-port)")
        for n in range(1, self.settings.workers + 1):
            for port in self.ports.worker_metrics(n):
                check_port_free(LOCAL, port, f"worker {n}'s metrics (--metrics-port)")
        if self.api_host not in (LOCAL, "localhost", "::1"):
            log.warning(
                "the API listens on %s:%s: other machines can deliver mail to it (with the "
                "webhook secret) and agents can use it (with their tokens), over plain HTTP; "
                "put TLS in front. Temporal and its UI stay on %s.",
                self.api_host,
                self.ports.api,
                LOCAL,
            )

    def _start(self, data_dir: Path) -> None:
        self._start_temporal(data_dir)
        asyncio.run(self._prepare_temporal())
        components = Components(self.settings)
        bring_up_to_date(components.engine, components.projects)
        webhook_secret(self.settings)  # made now, so it can be read before the first mail
        ensure_key_file(key_path(self.settings))  # one key for every process's seals
        load_example_accounts(components)
        components.engine.dispose()
        cli = [sys.executable, "-m", "ticketflow.cli"]
        for n in range(1, self.settings.workers + 1):
            own, sdk = self.ports.worker_metrics(n)
            metrics = {
                "TICKETFLOW_WORKER_METRICS_ADDRESS": f"{LOCAL}:{own}",
                "TICKETFLOW_TEMPORAL_METRICS_ADDRESS": f"{LOCAL}:{sdk}",
            }
            self._spawn(f"worker {n}", [*cli, "worker"], env=metrics)
        api = ["api", "--host", self.api_host, "--port", str(self.ports.api)]
        self._spawn("api", [*cli, *api])
        self._wait_for_api()
        self._announce(data_dir)

    def _start_temporal(self, data_dir: Path) -> None:
        command = [
            find_binary("temporal"),
            "server",
            "start-dev",
            "--db-filename",
            str(data_dir / "temporal.db"),
            "--ip",
            LOCAL,
            "--port",
            str(self.ports.temporal),
            "--ui-port",
            str(self.ports.ui),
            "--log-level",
            "warn",
            *[arg for pragma in SQLITE_PRAGMAS for arg in ("--sqlite-pragma", pragma)],
            *cli_flags(),
        ]
        for namespace in self._namespaces:
            if namespace != "default":  # the dev server makes the default one itself
                command += ["--namespace", namespace]
        log_file = (data_dir / "temporal.log").open("ab")
        self._spawn("temporal", command, log_file=log_file)

    async def _prepare_temporal(self) -> None:
        waiting = asyncio.create_task(wait_for_temporal(self.settings))
        while not waiting.done():
            self._fail_if_exited()
            await asyncio.sleep(0.2)
        await waiting
        for namespace in self._namespaces:
            await register_search_attributes(self.settings, namespace)

    def _child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["TICKETFLOW_DATA_DIR"] = str(self.settings.data_dir)
        env["TICKETFLOW_TEMPORAL_ADDRESS"] = self.settings.temporal_address
        return env

    def _spawn(
        self,
        name: str,
        command: list[str],
        log_file: IO[bytes] | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        out = log_file or subprocess.PIPE
        proc = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, env=self._child_env() | (env or {})
        )
        self.children.append((name, proc))
        if proc.stdout is not None:
            threading.Thread(target=_prefix_lines, args=(name, proc.stdout), daemon=True).start()

    def _wait_for_api(self) -> None:
        host = LOCAL if self.api_host in ("0.0.0.0", "::") else self.api_host
        url = f"http://{host}:{self.ports.api}/healthz"
        deadline = time.monotonic() + API_READY_SECONDS
        while time.monotonic() < deadline:
            self._fail_if_exited()
            try:
                with urllib.request.urlopen(url, timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"the API did not answer {url} within {API_READY_SECONDS}s")

    def _announce(self, data_dir: Path) -> None:
        secret = (
            "TICKETFLOW_WEBHOOK_SECRET"
            if self.settings.webhook_secret
            else secret_path(self.settings)
        )
        last_port = self.ports.worker_metrics(self.settings.workers)[1]
        print(
            f"Ticketflow is up.\n"
            f"  API          http://{self.api_host}:{self.ports.api}  (OpenAPI: /docs)\n"
            f"  Temporal UI  http://{LOCAL}:{self.ports.ui}\n"
            f"  Temporal     {LOCAL}:{self.ports.temporal}\n"
            f"  Metrics      http://{self.api_host}:{self.ports.api}/metrics, workers' "
            f"(theirs and the Temporal SDK's) on {LOCAL}:{self.ports.metrics}-{last_port}\n"
            f"  Data         {data_dir}  (outbox: {self.settings.outbox_dir})\n"
            f"  Inbound mail needs the header X-Webhook-Secret: the secret in {secret}\n"
            f"  Agents:      ticketflow agent add NAME --groups GROUP --data-dir {data_dir}\n"
            f"Press Ctrl-C to stop.",
            flush=True,
        )

    def _supervise(self) -> int:
        while True:
            time.sleep(0.5)
            if self.stopping:
                return 0
            try:
                self._fail_if_exited()
            except RuntimeError as exc:
                log.error("%s", exc)
                return 1

    def _fail_if_exited(self) -> None:
        if self.stopping:
            raise RuntimeError("stopped before the system was up")
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


def _prefix_lines(name: str, stream: IO[bytes]) -> None:
    """Pass a child's output on, each line with the child's name in front."""
    for raw in iter(stream.readline, b""):
        sys.stdout.write(f"{name:>9} | {raw.decode(errors='replace').rstrip()}\n")
        sys.stdout.flush()
