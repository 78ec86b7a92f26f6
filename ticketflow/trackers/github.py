"""GitHub issues: `POST /repos/{owner}/{repo}/issues` ({title, body}) answers its `number`
and `html_url`; `GET .../issues/{number}` its `state` (open, closed) and `comments`.
Requests carry a bearer token, `Accept: application/vnd.github+json` and the API version.
A webhook is signed in X-Hub-Signature-256; `issues` events with action `closed` and
`issue_comment` events with action `created` are told."""

from __future__ import annotations

import json
from collections.abc import Mapping

from ticketflow.desk.tracker import TrackerConfig
from ticketflow.trackers.calls import TrackerUnavailable, call_json
from ticketflow.trackers.tracker import (
    Event,
    Filed,
    ForgedWebhook,
    Standing,
    hub_signature_matches,
)

API_VERSION = "2022-11-28"


class GitHub:
    def __init__(self, config: TrackerConfig, token: str) -> None:
        self._issues = f"{config.url.rstrip('/')}/repos/{config.project}/issues"
        self._headers = {
            "Authorization": f"Bearer {token}",
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": API_VERSION,
        }
        self._timeout = config.timeout_seconds

    def file(self, summary: str, description: str) -> Filed:
        made = call_json(
            "POST",
            self._issues,
            self._headers,
            {"title": summary, "body": description},
            self._timeout,
        )
        try:
            return Filed(key=str(made["number"]), url=str(made["html_url"]))
        except (KeyError, TypeError):
            raise TrackerUnavailable("GitHub's answer has no number") from None

    def standing(self, key: str) -> Standing:
        found = call_json("GET", f"{self._issues}/{int(key)}", self._headers, None, self._timeout)
        try:
            closed, comments = found["state"] == "closed", int(found.get("comments", 0))
            return Standing(closed, comments, str(found.get("html_url", "")))
        except (KeyError, TypeError, ValueError):
            raise TrackerUnavailable("GitHub's answer has no state") from None

    def events(self, headers: Mapping[str, str], body: bytes, secret: str) -> list[Event]:
        if not hub_signature_matches(headers.get("x-hub-signature-256"), body, secret):
            raise ForgedWebhook("no X-Hub-Signature-256 of our secret")
        hook = json.loads(body)
        event, action = headers.get("x-github-event"), hook.get("action")
        issue = hook.get("issue") or {}
        if "number" not in issue or "pull_request" in issue:
            return []
        if event == "issues" and action == "closed":
            return [Event(str(issue["number"]), "closed")]
        if event == "issue_comment" and action == "created":
            return [Event(str(issue["number"]), "comment")]
        return []
