"""A loopback task tracker that speaks the parts of GitLab's, GitHub's and Jira's REST
APIs an adapter uses (by path), keeps every request it got, and lets a test close a task
or comment on it; and the three trackers' ways of signing a webhook."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.support.loopback import loopback

TOKEN = "tracker-token-1"
SECRET = "tracker-webhook-secret"


@dataclass
class Issue:
    key: str
    fields: dict[str, Any]
    closed: bool = False
    comments: int = 0


@dataclass
class Tracker:
    issues: dict[str, Issue] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""
    down: bool = False

    def close(self, key: str) -> None:
        self.issues[key].closed = True

    def comment(self, key: str) -> None:
        self.issues[key].comments += 1


GITLAB = re.compile(r"^/api/v4/projects/([^/]+)/issues(?:/(\d+))?$")
GITHUB = re.compile(r"^/repos/([^/]+/[^/]+)/issues(?:/(\d+))?$")
JIRA = re.compile(r"^/rest/api/2/issue(?:/([A-Z]+-\d+))?(?:\?.*)?$")


class TrackerHandler(BaseHTTPRequestHandler):
    tracker: Tracker  # set per server

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _handle(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        self.tracker.requests.append(
            {
                "method": method,
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body,
            }
        )
        if self.tracker.down:
            self._answer(503, {"message": "down"})
            return
        for pattern, api in ((GITLAB, self._gitlab), (GITHUB, self._github), (JIRA, self._jira)):
            found = pattern.match(self.path)
            if found:
                api(method, found, body)
                return
        self._answer(404, {"message": "no such path"})

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _new(self, key: str, fields: dict[str, Any]) -> Issue:
        issue = Issue(key, fields)
        self.tracker.issues[key] = issue
        return issue

    def _gitlab(self, method: str, found: re.Match[str], body: Any) -> None:
        if self.headers.get("PRIVATE-TOKEN") != TOKEN:
            self._answer(401, {"message": "401 Unauthorized"})
            return
        web = f"{self.tracker.url}/{found.group(1)}/-/issues"
        if method == "POST":
            key = str(len(self.tracker.issues) + 1)
            self._new(key, body)
            self._answer(201, {"iid": int(key), "web_url": f"{web}/{key}", "state": "opened"})
            return
        issue = self.tracker.issues.get(found.group(2) or "")
        if issue is None:
            self._answer(404, {"message": "404 Not found"})
            return
        state = "closed" if issue.closed else "opened"
        notes = issue.comments
        self._answer(
            200,
            {
                "iid": int(issue.key),
                "state": state,
                "user_notes_count": notes,
                "web_url": f"{web}/{issue.key}",
            },
        )

    def _github(self, method: str, found: re.Match[str], body: Any) -> None:
        if self.headers.get("Authorization") != f"Bearer {TOKEN}" or (
            self.headers.get("Accept") != "application/vnd.github+json"
        ):
            self._answer(401, {"message": "Bad credentials"})
            return
        html = f"https://github.example/{found.group(1)}/issues"
        if method == "POST":
            key = str(len(self.tracker.issues) + 1)
            self._new(key, body)
            self._answer(201, {"number": int(key), "html_url": f"{html}/{key}", "state": "open"})
            return
        issue = self.tracker.issues.get(found.group(2) or "")
        if issue is None:
            self._answer(404, {"message": "Not Found"})
            return
        state = "closed" if issue.closed else "open"
        self._answer(
            200,
            {
                "number": int(issue.key),
                "state": state,
                "comments": issue.comments,
                "html_url": f"{html}/{issue.key}",
            },
        )

    def _jira(self, method: str, found: re.Match[str], body: Any) -> None:
        expected = "Basic " + base64.b64encode(f"eng@example.org:{TOKEN}".encode()).decode()
        if self.headers.get("Authorization") not in (expected, f"Bearer {TOKEN}"):
            self._answer(401, {"errorMessages": ["unauthorized"]})
            return
        if method == "POST":
            key = f"ENG-{len(self.tracker.issues) + 1}"
            self._new(key, body["fields"])
            self._answer(
                201,
                {"id": "10001", "key": key, "self": f"{self.tracker.url}/rest/api/2/issue/10001"},
            )
            return
        issue = self.tracker.issues.get(found.group(1) or "")
        if issue is None:
            self._answer(404, {"errorMessages": ["Issue does not exist"]})
            return
        category = "done" if issue.closed else "indeterminate"
        fields = {
            "status": {"statusCategory": {"key": category}},
            "comment": {"total": issue.comments},
        }
        self._answer(200, {"key": issue.key, "fields": fields})


@contextmanager
def serving(tracker: Tracker) -> Iterator[Tracker]:
    handler = type("Handler", (TrackerHandler,), {"tracker": tracker})
    with loopback(handler) as url:
        tracker.url = url
        yield tracker


def hub_signature(body: bytes, secret: str = SECRET) -> str:
    """GitHub's X-Hub-Signature-256 and Jira's X-Hub-Signature: sha256=<hex HMAC>."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def gitlab_close(iid: str, project: str = "mail/webmail") -> dict[str, Any]:
    return {
        "object_kind": "issue",
        "event_type": "issue",
        "project": {"path_with_namespace": project},
        "object_attributes": {"iid": int(iid), "action": "close", "state": "closed"},
    }


def gitlab_note(iid: str) -> dict[str, Any]:
    return {
        "object_kind": "note",
        "object_attributes": {"noteable_type": "Issue", "note": "Fixed in 4.2"},
        "issue": {"iid": int(iid), "state": "opened"},
    }
