"""What a tracker does for a ticket: file a task (the agent's summary and text, and the
ticket's link: nothing of the customer's unless the agent wrote it), say whether a task is
closed and how many comments it has, and read its webhooks into task events once their
signature (or token) proves they are the tracker's."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from hashlib import sha256
from typing import Protocol

from ticketflow.desk.tracker import TrackerConfig


class ForgedWebhook(ValueError):
    """A webhook without the tracker's signature or token: refused, nothing done."""


@dataclass(frozen=True)
class Filed:
    key: str  # the task's key as its ticket and the webhooks name it
    url: str  # where a person reads it


@dataclass(frozen=True)
class Standing:
    closed: bool
    comments: int
    url: str = ""


@dataclass(frozen=True)
class Event:
    key: str
    kind: str  # closed | comment


class Tracker(Protocol):
    def file(self, summary: str, description: str) -> Filed: ...

    def standing(self, key: str) -> Standing: ...

    def events(self, headers: Mapping[str, str], body: bytes, secret: str) -> list[Event]:
        """The task events a webhook delivery tells (none for what concerns no task);
        ForgedWebhook unless it carries the secret's signature or token."""
        ...


def hub_signature_matches(given: str | None, body: bytes, secret: str) -> bool:
    """`sha256=<hex HMAC-SHA256 of the body>` (GitHub's X-Hub-Signature-256, Jira's
    X-Hub-Signature), compared in constant time."""
    expected = "sha256=" + hmac.new(secret.encode(), body, sha256).hexdigest()
    return bool(secret) and hmac.compare_digest((given or "").encode(), expected.encode())


def tracker_for(config: TrackerConfig, token: str) -> Tracker:
    from ticketflow.trackers.github import GitHub
    from ticketflow.trackers.gitlab import GitLab
    from ticketflow.trackers.jira import Jira

    kinds: dict[str, type[GitLab] | type[GitHub] | type[Jira]] = {
        "gitlab": GitLab,
        "github": GitHub,
        "jira": Jira,
    }
    return kinds[config.kind](config, token)
