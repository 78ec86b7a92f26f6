"""Jira issues (Cloud and Server, REST v2): `POST /rest/api/2/issue` ({fields: project
key, summary, description, issuetype}) answers its `key`; `GET /rest/api/2/issue/{key}
?fields=status,comment` its status's category (`done` is closed) and comment total.
Cloud signs in with an account's address and API token (basic), Server and Data Center
with a personal access token (bearer). An admin webhook with a secret is signed in
X-Hub-Signature; `jira:issue_updated` into a done status, and `comment_created`, are told."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from urllib.parse import quote

from ticketflow.desk.tracker import TrackerConfig
from ticketflow.trackers.calls import TrackerUnavailable, call_json
from ticketflow.trackers.tracker import (
    Event,
    Filed,
    ForgedWebhook,
    Standing,
    hub_signature_matches,
)


class Jira:
    def __init__(self, config: TrackerConfig, token: str) -> None:
        self._base = config.url.rstrip("/")
        self._project, self._type = config.project, config.issue_type
        if config.user:
            pair = base64.b64encode(f"{config.user}:{token}".encode()).decode()
            self._headers = {"Authorization": f"Basic {pair}"}
        else:
            self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = config.timeout_seconds

    def file(self, summary: str, description: str) -> Filed:
        fields = {
            "project": {"key": self._project},
            "summary": summary,
            "description": description,
            "issuetype": {"name": self._type},
        }
        made = call_json(
            "POST",
            f"{self._base}/rest/api/2/issue",
            self._headers,
            {"fields": fields},
            self._timeout,
        )
        try:
            key = str(made["key"])
        except (KeyError, TypeError):
            raise TrackerUnavailable("Jira's answer has no key") from None
        return Filed(key=key, url=f"{self._base}/browse/{quote(key)}")

    def standing(self, key: str) -> Standing:
        url = f"{self._base}/rest/api/2/issue/{quote(key)}?fields=status,comment"
        found = call_json("GET", url, self._headers, None, self._timeout)
        try:
            fields = found["fields"]
            category = fields["status"]["statusCategory"]["key"]
            comments = int((fields.get("comment") or {}).get("total", 0))
        except (KeyError, TypeError, ValueError):
            raise TrackerUnavailable("Jira's answer has no status") from None
        return Standing(category == "done", comments, f"{self._base}/browse/{quote(key)}")

    def events(self, headers: Mapping[str, str], body: bytes, secret: str) -> list[Event]:
        if not hub_signature_matches(headers.get("x-hub-signature"), body, secret):
            raise ForgedWebhook("no X-Hub-Signature of our secret")
        hook = json.loads(body)
        issue = hook.get("issue") or {}
        key = issue.get("key")
        if not key:
            return []
        event = hook.get("webhookEvent")
        if event == "comment_created":
            return [Event(str(key), "comment")]
        if event == "jira:issue_updated":
            status = ((issue.get("fields") or {}).get("status") or {}).get("statusCategory") or {}
            if status.get("key") == "done":
                return [Event(str(key), "closed")]
        return []
