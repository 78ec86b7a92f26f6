"""The product tracker's webhooks: a task closed or commented on reaches every ticket
waiting on it. Authenticated by the tracker's own signature (GitHub, Jira) or token
(GitLab), checked before the body is read as JSON."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from ticketflow.api.bodies import read_limited
from ticketflow.api.deps import ComponentsDep, TemporalClientDep
from ticketflow.api.problems import problems
from ticketflow.service.tracking import take_tracker_webhook

router = APIRouter(prefix="/api/v1", tags=["tracker"])
# A tracker's delivery about one issue is a few kilobytes; a comment may be long.
WEBHOOK_LIMIT = 1 << 20


class TaskToldOut(BaseModel):
    task: str
    kind: str  # closed | comment
    tickets: list[str]  # the tickets waiting on it that were told


class TrackerWebhookOut(BaseModel):
    events: list[TaskToldOut]


@router.post(
    "/inbound/tracker/{project}",
    response_model=TrackerWebhookOut,
    responses=problems(400, 403, 404, 413, 503),
)
async def tracker_webhook(
    project: str, request: Request, components: ComponentsDep, client: TemporalClientDep
) -> TrackerWebhookOut:
    """A delivery of the project's tracker (GitLab's issue and note hooks, GitHub's
    `issues` and `issue_comment` events, Jira's `jira:issue_updated` and `comment_created`)."""
    body = await read_limited(request, WEBHOOK_LIMIT)
    told = await take_tracker_webhook(components, client, project, request.headers, body)
    return TrackerWebhookOut(
        events=[TaskToldOut(task=t.task, kind=t.kind, tickets=t.tickets) for t in told]
    )
