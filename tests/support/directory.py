"""A loopback account directory speaking the documented HTTP contract (docs/directory.md),
that can be told to be slow or to fail, and that counts and keeps what it was asked."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import unquote

from tests.support.loopback import loopback

TOKEN = "directory-token-1"


@dataclass
class Directory:
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)
    mode: str = "ok"  # ok | slow | error | dead (the connection dropped unanswered)
    slow_seconds: float = 3.0
    hits: int = 0
    restores: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


class DirectoryHandler(BaseHTTPRequestHandler):
    directory: Directory  # set per server

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, status: int, body: object = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _gate(self) -> str | None:
        self.directory.hits += 1
        if self.directory.mode == "slow":
            time.sleep(self.directory.slow_seconds)
        if self.directory.mode == "dead":
            self.close_connection = True
            self.connection.close()
            return None
        if self.directory.mode == "error":
            self._answer(500, {"error": "down"})
            return None
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._answer(401, {"error": "token"})
            return None
        parts = self.path.split("/")
        return unquote(parts[2]) if len(parts) > 2 and parts[1] == "accounts" else ""

    def do_GET(self) -> None:
        address = self._gate()
        if address is None:
            return
        found = self.directory.accounts.get(address)
        self._answer(200, found) if found else self._answer(404, {"error": "no account"})

    def do_POST(self) -> None:
        address = self._gate()
        if address is None:
            return
        if address not in self.directory.accounts or not self.path.endswith("/restore"):
            self._answer(404, {"error": "no account"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length))
        key = self.headers.get("Idempotency-Key")
        if not any(r["key"] == key for r in self.directory.restores):
            self.directory.restores.append({"address": address, "key": key, **body})
        self._answer(204)


@contextmanager
def serving(directory: Directory) -> Iterator[Directory]:
    handler = type("Handler", (DirectoryHandler,), {"directory": directory})
    with loopback(handler) as url:
        directory.url = url
        yield directory
