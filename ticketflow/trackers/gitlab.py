"""GitLab issues: `POST /projects/:id/issues` ({title, description}) answers its `iid`
and `web_url`; `GET /projects/:id/issues/:iid` its `state` (opened, closed) and
`user_notes_count`. Requests carry the PRIVATE-TOKEN header. A webhook carries the
secret as it is in X-Gitlab-Token; issue events (object_kind `issue`, action `close`) and
note events on an issue (object_kind `note`) are told."""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping
from urllib.parse import quote

from ticketflow.desk.tracker import TrackerConfig
from ticketflow.trackers.calls import TrackerUnavailable, call_json
from ticketflow.trackers.tracker import Event, Filed, ForgedWebhook, Standing


class GitLab:
    def __init__(self, config: TrackerConfig, token: str) -> None:
        project = quote(config.project, safe="")
        self._issues = f"{config.url.rstrip('/')}/projects/{project}/issues"
        self._headers = {"PRIVATE-TOKEN": token}
        self._timeout = config.timeout_seconds

    def file(self, summary: str, description: str) -> Filed:
        made = call_json(
            "POST",
            self._issues,
            self._headers,
            {"title": summary, "description": description},
            self._timeout,
        )
        try:
            return Filed(key=str(made["iid"]), url=str(made["web_url"]))
        except (KeyError, TypeError):
            raise TrackerUnavailable("GitLab's answer has no iid") from None

    def standing(self, key: str) -> Standing:
        found = call_json("GET", f"{self._issues}/{quote(key)}", self._headers, None, self._timeout)
        try:
            closed, notes = found["state"] == "closed", int(found.get("user_notes_count", 0))
            return Standing(closed, notes, str(found.get("web_url", "")))
        except (KeyError, TypeError, ValueError):
            raise TrackerUnavailable("GitLab's answer has no state") from None

    def events(self, headers: Mapping[str, str], body: bytes, secret: str) -> list[Event]:
        given = headers.get("x-gitlab-token", "")
        if not secret or not hmac.compare_digest(given.encode(), secret.encode()):
            raise ForgedWebhook("no X-Gitlab-Token of ours")
        hook = json.loads(body)
        kind = hook.get("object_kind")
        if kind == "issue":
            attributes = hook.get("object_attributes") or {}
            if attributes.get("action") == "close" or attributes.get("state") == "closed":
                return [Event(str(attributes["iid"]), "closed")]
        elif kind == "note":
            issue = hook.get("issue")
            if (hook.get("object_attributes") or {}).get("noteable_type") == "Issue" and issue:
                return [Event(str(issue["iid"]), "comment")]
        return []
