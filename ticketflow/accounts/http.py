"""The account directory as the provider's own service over HTTP (docs/directory.md):
`GET {url}/accounts/{address}` and `POST {url}/accounts/{address}/restore`, with a bearer
token, a timeout per request, retries with backoff, and a circuit breaker, so a directory
that is down, slow or erroring costs a page a fraction of a second, never a 500."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ticketflow.accounts.directory import (
    CHANGE_KIND,
    Account,
    AccountMissing,
    Change,
    DirectoryUnavailable,
)
from ticketflow.desk.passwords import DirectoryConfig

log = logging.getLogger("ticketflow.accounts")
MAX_BODY = 1 << 20  # an account's answer is small; more is an error, not a read
BACKOFF_SECONDS = 0.2


class CircuitBreaker:
    """After `failures_to_open` failures in a row, refuse at once for `open_seconds`; then
    let one call through (half-open): its success closes the breaker, its failure opens it
    again."""

    def __init__(
        self,
        failures_to_open: int,
        open_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._limit, self._open_seconds, self._clock = failures_to_open, open_seconds, clock
        self._failures, self._open_until = 0, 0.0
        self._lock = threading.Lock()

    def allow(self) -> bool:
        with self._lock:
            if self._failures < self._limit:
                return True
            if self._clock() >= self._open_until:
                self._open_until = self._clock() + self._open_seconds  # one trial call
                return True
            return False

    def succeeded(self) -> None:
        with self._lock:
            self._failures = 0

    def failed(self) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self._limit:
                self._open_until = self._clock() + self._open_seconds

    @property
    def is_open(self) -> bool:
        with self._lock:
            return self._failures >= self._limit and self._clock() < self._open_until


class HttpDirectory:
    def __init__(self, config: DirectoryConfig, token: str | None) -> None:
        assert config.url is not None
        self._base = config.url.rstrip("/")
        self._config, self._token = config, token
        self.breaker = CircuitBreaker(config.failures_to_open, config.open_seconds)

    def lookup(self, address: str) -> Account | None:
        status, body = self._call("GET", self._url(address), None, {})
        if status == 404:
            return None
        return _account(body, address)

    def restore(self, address: str, channel: str, key: str) -> None:
        payload = json.dumps({"channel": channel}).encode()
        status, _ = self._call(
            "POST", self._url(address, "/restore"), payload, {"Idempotency-Key": key}
        )
        if status == 404:
            raise AccountMissing(address)

    def _url(self, address: str, tail: str = "") -> str:
        quoted = urllib.parse.quote(address.strip().lower(), safe="@")
        return f"{self._base}/accounts/{quoted}{tail}"

    def _call(
        self, method: str, url: str, payload: bytes | None, headers: dict[str, str]
    ) -> tuple[int, Any]:
        """(status, parsed JSON) of a 2xx or a 404; DirectoryUnavailable for the rest,
        after the retries (a POST carries its idempotency key, so it may be retried)."""
        if not self.breaker.allow():
            raise DirectoryUnavailable("the directory's circuit breaker is open")
        last = ""
        for attempt in range(self._config.retries + 1):
            if attempt:
                time.sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            try:
                status, body = self._once(method, url, payload, headers)
            except (OSError, ValueError) as exc:
                last = type(exc).__name__
                continue
            if status < 500:
                self.breaker.succeeded()
                if status == 404 or 200 <= status < 300:
                    return status, body
                raise DirectoryUnavailable(f"the directory answered {status}")
            last = f"HTTP {status}"
        self.breaker.failed()
        log.warning("account directory unavailable: %s", last)
        raise DirectoryUnavailable(f"the directory did not answer ({last})")

    def _once(
        self, method: str, url: str, payload: bytes | None, headers: dict[str, str]
    ) -> tuple[int, Any]:
        request = urllib.request.Request(url, data=payload, method=method)
        request.add_header("Accept", "application/json")
        if payload is not None:
            request.add_header("Content-Type", "application/json")
        if self._token:
            request.add_header("Authorization", f"Bearer {self._token}")
        for name, value in headers.items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=self._config.timeout_seconds) as answer:
                raw = answer.read(MAX_BODY + 1)
                status = answer.status
        except urllib.error.HTTPError as exc:
            return exc.code, None
        if len(raw) > MAX_BODY:
            raise ValueError("answer too large")
        return status, json.loads(raw) if raw.strip() else None


def _account(body: Any, address: str) -> Account:
    if not isinstance(body, dict):
        raise DirectoryUnavailable("the directory's answer is no JSON object")
    try:
        changes = tuple(
            Change(str(c["kind"]), _time(c["at"]))
            for c in body.get("changes") or []
            if CHANGE_KIND.match(str(c.get("kind", "")))
        )
        facts = body.get("facts") or {}
        return Account(
            address=address,
            created_at=_time(body.get("created_at")),
            frozen=bool(body.get("frozen", False)),
            last_sign_in_at=_time(body.get("last_sign_in_at")),
            facts={str(k): str(v) for k, v in facts.items() if v is not None},
            changes=changes,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise DirectoryUnavailable("the directory's answer does not follow the contract") from None


def _time(value: Any) -> Any:
    if value in (None, ""):
        return None
    found = datetime.fromisoformat(str(value))
    return found if found.tzinfo else found.replace(tzinfo=UTC)
