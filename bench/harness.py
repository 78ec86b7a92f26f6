"""Shared benchmark harness: `ticketflow up` on a fresh data directory and free ports."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_port_run(count: int) -> int:
    """The first of `count` consecutive free ports (the workers' metrics take a run)."""
    while True:
        first = free_port()
        try:
            for port in range(first + 1, first + count):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
        except OSError:
            continue
        return first


def healthy(
    api: str,
    timeout: float,
    path: str = "/healthz",
    process: subprocess.Popen[bytes] | None = None,
) -> bool:
    """Whether the API at `api` answers `path` with 200 within `timeout` seconds (False
    at once when its `process` has exited)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{api}{path}", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        if process is not None and process.poll() is not None:
            return False
        time.sleep(0.3)
    return False


class EmbeddedStack:
    def __init__(
        self, data_dir: Path, database_url: str = "", settings: dict[str, str] | None = None
    ) -> None:
        self.data_dir = data_dir
        # Extra TICKETFLOW_* settings for the stack, e.g. {"MAX_CACHED_WORKFLOWS": "200"}.
        self.settings = settings or {}
        self.database_url = database_url or f"sqlite:///{data_dir / 'ticketflow.db'}"
        # Worker n's metrics on metrics_port + 2(n-1), the Temporal SDK's one above (four
        # ports: up to two workers); the other ports are chosen outside that run (a metrics
        # server answers any path, /healthz too).
        self.metrics_port = free_port_run(4)
        metrics = range(self.metrics_port, self.metrics_port + 4)
        ports: list[int] = []
        while len(ports) < 3:
            port = free_port()
            if port not in metrics and port not in ports:
                ports.append(port)
        self.api_port, self.temporal_port, self.ui_port = ports
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> EmbeddedStack:
        command = [sys.executable, "-m", "ticketflow.cli", "up", "--data-dir", str(self.data_dir)]
        command += ["--api-port", str(self.api_port), "--temporal-port", str(self.temporal_port)]
        command += ["--ui-port", str(self.ui_port), "--metrics-port", str(self.metrics_port)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETFLOW_")}
        env["TICKETFLOW_DATABASE_URL"] = self.database_url
        env.update({f"TICKETFLOW_{key.upper()}": value for key, value in self.settings.items()})
        log = (self.data_dir.parent / "up.log").open("wb")
        self.proc = subprocess.Popen(
            command, env=env, stdout=log, stderr=log, start_new_session=True, cwd=ROOT
        )
        if not healthy(self.api, 120):
            raise RuntimeError("ticketflow up did not start; see up.log")
        return self

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            self.proc.wait(60)

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def inbound_headers(self) -> dict[str, str]:
        """Headers of an authenticated inbound post of a raw message."""
        secret = self.settings.get("webhook_secret") or (
            (self.data_dir / "webhook_secret").read_text().strip()
        )
        return {"Content-Type": "message/rfc822", "X-Webhook-Secret": secret}


def add_stack_arguments(parser: argparse.ArgumentParser) -> None:
    """Options every benchmark on the embedded stack shares."""
    parser.add_argument(
        "--database-url",
        default="",
        help="read model (an empty PostgreSQL database); default: SQLite in the data dir",
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a TICKETFLOW_ setting for the stack, e.g. --set max_cached_workflows=200",
    )
    parser.add_argument("--record", action="store_true", help="append to bench/RESULTS.md")


def parse_with_smoke(parser: argparse.ArgumentParser, **smoke: object) -> argparse.Namespace:
    """Parse the arguments; `--smoke` replaces them with `smoke`'s tiny sizes, so that CI
    runs every benchmark end to end in seconds (its figures mean nothing; never recorded)."""
    parser.add_argument(
        "--smoke", action="store_true", help="a tiny run that only checks the benchmark works"
    )
    args = parser.parse_args()
    if args.smoke:
        for name, value in smoke.items():
            setattr(args, name, value)
        args.record = False
    return args


def stack_settings(args: argparse.Namespace) -> dict[str, str]:
    pairs = [item.split("=", 1) for item in args.set]
    if any(len(pair) != 2 for pair in pairs):
        raise SystemExit("--set takes NAME=VALUE")
    return {name: value for name, value in pairs}


def record_run(name: str, report: str) -> None:
    """Append a run (command, date, figures) to bench/RESULTS.md."""
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = f"python bench/{name}.py " + " ".join(sys.argv[1:])
    with (ROOT / "bench" / "RESULTS.md").open("a", encoding="utf-8") as fh:
        fh.write(f"\n### {name}, {stamp}\n`{command}`\n\n```\n{report}\n```\n")


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def latency_line(name: str, values: list[float]) -> str:
    return (
        f"  {name:14} n={len(values):6}  p50 {statistics.median(values):6.1f} ms"
        f"  p95 {percentile(values, 0.95):6.1f} ms"
    )


def report(name: str, lines: list[str], record: bool) -> None:
    """Print a run's figures and, with `record`, append them to bench/RESULTS.md."""
    text = "\n".join(lines)
    print(text)
    if record:
        record_run(name, text)
