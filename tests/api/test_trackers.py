"""Each tracker adapter against a loopback server speaking that tracker's documented API:
the requests checked field by field, webhooks signed (or tokened) as the tracker does it,
a forged one refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.trackers import (
    SECRET,
    TOKEN,
    Tracker,
    gitlab_close,
    gitlab_note,
    hub_signature,
    serving,
)
from ticketflow.desk.tracker import TrackerConfig
from ticketflow.trackers.calls import TaskUnknown, TrackerUnavailable
from ticketflow.trackers.tracker import Event, ForgedWebhook, tracker_for

SUMMARY = "Sent mail vanishes from Sent after a reload"
TEXT = "Seen on 3 tickets since the 4.2 release.\n\nTicket 1: http://desk/t/1"


@pytest.fixture
def tracker() -> Iterator[Tracker]:
    with serving(Tracker()) as found:
        yield found


def config(tracker: Tracker, kind: str) -> TrackerConfig:
    where = {
        "gitlab": (f"{tracker.url}/api/v4", "mail/webmail", None),
        "github": (tracker.url, "mail/webmail", None),
        "jira": (tracker.url, "ENG", "eng@example.org"),
    }
    url, project, user = where[kind]
    return TrackerConfig(
        kind=kind,  # type: ignore[arg-type]
        url=url,
        project=project,
        user=user,
        token_env="TICKETFLOW_TRACKER_TOKEN",
        timeout_seconds=2,
    )


def test_gitlab_issues(tracker: Tracker) -> None:
    gitlab = tracker_for(config(tracker, "gitlab"), TOKEN)
    filed = gitlab.file(SUMMARY, TEXT)
    assert filed.key == "1" and filed.url.endswith("/mail%2Fwebmail/-/issues/1")
    [made] = tracker.requests
    assert (made["method"], made["path"]) == ("POST", "/api/v4/projects/mail%2Fwebmail/issues")
    assert made["headers"]["private-token"] == TOKEN
    assert made["body"] == {"title": SUMMARY, "description": TEXT}
    assert not gitlab.standing("1").closed
    tracker.comment("1")
    tracker.close("1")
    assert (gitlab.standing("1").closed, gitlab.standing("1").comments) == (True, 1)
    with pytest.raises(TaskUnknown):
        gitlab.standing("99")
    # Webhooks: the secret as it is in X-Gitlab-Token.
    for hook, expected in ((gitlab_close("1"), "closed"), (gitlab_note("1"), "comment")):
        body = json.dumps(hook).encode()
        assert gitlab.events({"x-gitlab-token": SECRET}, body, SECRET) == [Event("1", expected)]
    with pytest.raises(ForgedWebhook):
        gitlab.events({"x-gitlab-token": "guess"}, json.dumps(gitlab_close("1")).encode(), SECRET)
    with pytest.raises(ForgedWebhook):
        gitlab.events({}, b"{}", "")  # no secret configured: nothing is believed
    push = json.dumps({"object_kind": "push"}).encode()
    assert gitlab.events({"x-gitlab-token": SECRET}, push, SECRET) == []


def test_github_issues(tracker: Tracker) -> None:
    github = tracker_for(config(tracker, "github"), TOKEN)
    filed = github.file(SUMMARY, TEXT)
    assert (filed.key, filed.url) == ("1", "https://github.example/mail/webmail/issues/1")
    [made] = tracker.requests
    assert (made["method"], made["path"]) == ("POST", "/repos/mail/webmail/issues")
    assert made["headers"]["authorization"] == f"Bearer {TOKEN}"
    assert made["headers"]["x-github-api-version"] == "2022-11-28"
    assert made["body"] == {"title": SUMMARY, "body": TEXT}
    tracker.close("1")
    assert github.standing("1").closed
    closed = json.dumps({"action": "closed", "issue": {"number": 1, "state": "closed"}}).encode()
    comment = json.dumps({"action": "created", "issue": {"number": 1}, "comment": {}}).encode()
    signed: dict[str, Any] = {
        "x-hub-signature-256": hub_signature(closed),
        "x-github-event": "issues",
    }
    assert github.events(signed, closed, SECRET) == [Event("1", "closed")]
    signed = {"x-hub-signature-256": hub_signature(comment), "x-github-event": "issue_comment"}
    assert github.events(signed, comment, SECRET) == [Event("1", "comment")]
    forged = {"x-hub-signature-256": hub_signature(closed, "not ours"), "x-github-event": "issues"}
    with pytest.raises(ForgedWebhook):
        github.events(forged, closed, SECRET)
    # A pull request's events are no task's.
    pull = json.dumps({"action": "closed", "issue": {"number": 2, "pull_request": {}}}).encode()
    signed = {"x-hub-signature-256": hub_signature(pull), "x-github-event": "issues"}
    assert github.events(signed, pull, SECRET) == []


@pytest.mark.parametrize("user", ["eng@example.org", None])  # Cloud (basic), Server (bearer)
def test_jira_issues(tracker: Tracker, user: str | None) -> None:
    settings = config(tracker, "jira").model_copy(update={"user": user})
    jira = tracker_for(settings, TOKEN)
    filed = jira.file(SUMMARY, TEXT)
    assert (filed.key, filed.url) == ("ENG-1", f"{tracker.url}/browse/ENG-1")
    [made] = tracker.requests
    assert (made["method"], made["path"]) == ("POST", "/rest/api/2/issue")
    assert made["body"] == {
        "fields": {
            "project": {"key": "ENG"},
            "summary": SUMMARY,
            "description": TEXT,
            "issuetype": {"name": "Task"},
        }
    }
    scheme = "Basic" if user else "Bearer"
    assert made["headers"]["authorization"].startswith(scheme)
    tracker.comment("ENG-1")
    assert (jira.standing("ENG-1").closed, jira.standing("ENG-1").comments) == (False, 1)
    assert tracker.requests[-1]["path"] == "/rest/api/2/issue/ENG-1?fields=status,comment"
    done = {"statusCategory": {"key": "done"}}
    updated = json.dumps(
        {
            "webhookEvent": "jira:issue_updated",
            "issue": {"key": "ENG-1", "fields": {"status": done}},
        }
    ).encode()
    commented = json.dumps({"webhookEvent": "comment_created", "issue": {"key": "ENG-1"}}).encode()
    assert jira.events({"x-hub-signature": hub_signature(updated)}, updated, SECRET) == [
        Event("ENG-1", "closed")
    ]
    assert jira.events({"x-hub-signature": hub_signature(commented)}, commented, SECRET) == [
        Event("ENG-1", "comment")
    ]
    with pytest.raises(ForgedWebhook):
        jira.events({"x-hub-signature": "sha256=00"}, updated, SECRET)


def test_a_tracker_that_is_down_or_refuses_the_token(tracker: Tracker) -> None:
    gitlab = tracker_for(config(tracker, "gitlab"), "wrong token")
    with pytest.raises(TrackerUnavailable, match="401"):
        gitlab.file(SUMMARY, TEXT)
    tracker.down = True
    with pytest.raises(TrackerUnavailable, match="503"):
        tracker_for(config(tracker, "github"), TOKEN).standing("1")
