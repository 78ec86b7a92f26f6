"""JSON over HTTP for the tracker adapters: a bounded read, a timeout, and every failure
(a refused connection, a timeout, a 5xx, an answer that is no JSON) as TrackerUnavailable;
a 404 as TaskUnknown."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

MAX_BODY = 4 << 20


class TrackerUnavailable(Exception):
    """The tracker did not answer as its API says (the agent may try again)."""


class TaskUnknown(LookupError):
    """The tracker has no such task."""


def call_json(
    method: str,
    url: str,
    headers: dict[str, str],
    payload: object | None = None,
    timeout: float = 10.0,
) -> Any:
    data = json.dumps(payload).encode() if payload is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            raw = answer.read(MAX_BODY + 1)
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            raise TaskUnknown(url) from None
        raise TrackerUnavailable(f"the tracker answered {exc.code}") from None
    except (OSError, ValueError) as exc:
        raise TrackerUnavailable(f"the tracker did not answer ({type(exc).__name__})") from None
    if len(raw) > MAX_BODY:
        raise TrackerUnavailable("the tracker's answer is too large")
    try:
        return json.loads(raw) if raw.strip() else None
    except ValueError:
        raise TrackerUnavailable("the tracker's answer is no JSON") from None
