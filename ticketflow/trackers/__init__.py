"""The product's task trackers, where Solvers file tasks for engineering.

- tracker: what a tracker does for us (file a task, say how it stands, read its webhooks),
  and the adapter a project's desk names.
- calls: JSON over HTTP, bounded, with the tracker's errors as TrackerUnavailable.
- gitlab: GitLab issues (REST v4; webhooks with the X-Gitlab-Token header).
- github: GitHub issues (REST; webhooks signed with HMAC-SHA256, X-Hub-Signature-256).
- jira: Jira Cloud and Server issues (REST v2; admin webhooks signed, X-Hub-Signature).
"""
