"""A project's task tracker, where Solvers file tasks for the engineering department:
GitLab issues, GitHub issues or Jira (Cloud or Server), each through its documented REST
API (docs/tracker.md). Tokens and webhook secrets are named by environment variable,
never written in the desk file."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from ticketflow.desk.strict import StrictModel

ENV_NAME = r"^[A-Z][A-Z0-9_]{0,99}$"


class TrackerConfig(StrictModel):
    kind: Literal["gitlab", "github", "jira"]
    # The API's root: https://gitlab.example/api/v4, https://api.github.com,
    # https://example.atlassian.net
    url: str = Field(pattern=r"^https?://")
    # Where tasks go: a GitLab project's id or path, GitHub's owner/repo, a Jira project key.
    project: str = Field(min_length=1, max_length=200)
    token_env: str = Field(pattern=ENV_NAME)
    # Jira Cloud signs in with an account's address and an API token (basic); Jira Server
    # and Data Center with a personal access token (bearer, no user).
    user: str | None = Field(default=None, max_length=200)
    issue_type: str = "Task"  # Jira's
    # The secret the tracker's webhook is signed (GitHub, Jira) or sent (GitLab) with.
    webhook_secret_env: str | None = Field(default=None, pattern=ENV_NAME)
    # Where webhooks cannot reach the desk: ask about each open task this often.
    poll_minutes: float | None = Field(default=None, ge=0.05, le=24 * 60)
    # A task open this long escalates its ticket (raised priority, the history says so).
    open_limit_days: float | None = Field(default=14, gt=0, le=365)
    # How a task links back to its ticket: {number} stands for the ticket's number.
    ticket_url: str = Field(default="http://127.0.0.1:8000/t/{number}", pattern=r"^https?://")
    # The answer template a ticket's reply box offers once its task is closed.
    answer_template: str | None = "task_done"
    timeout_seconds: float = Field(default=10, gt=0, le=60)

    @model_validator(mode="after")
    def _check(self) -> TrackerConfig:
        if "{number}" not in self.ticket_url:
            raise ValueError("ticket_url must hold {number}")
        if self.kind == "github" and self.project.count("/") != 1:
            raise ValueError("a GitHub project is owner/repo")
        return self
