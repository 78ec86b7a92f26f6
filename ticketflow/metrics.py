"""What the service exports to Prometheus (prometheus-client), process by process.

Each process counts what it does itself: the API (and smtpd) mail taken in, agents'
actions and HTTP latency; the worker mail sent, failed and unconfirmed, automatic replies
skipped and the events its projection writes (SLA warnings and breaches among them). The
API's `/metrics` adds what the read model holds now (queue depth and oldest age per queue,
mail set aside, open tickets past their deadline), read when scraped; every API instance
reports the same values there. Labels are never customers' data: routes, outcomes,
projects, queues, actions.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

INBOUND_MAIL = Counter(
    "ticketflow_inbound_mail",
    "Messages taken in, by route (mail, mailgun, postmark, sendgrid, smtp, lmtp, form) "
    "and outcome (new_ticket, follow_up, duplicate, ignored, set_aside, refused, stored_only, "
    "error)",
    ["route", "outcome"],
)
INTAKE_SECONDS = Histogram(
    "ticketflow_intake_seconds",
    "From a message's arrival to its ticket's workflow told (or its refusal), by route",
    ["route"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
MAIL_OUT = Counter(
    "ticketflow_mail_out",
    "Mail to customers by kind (automatic: replies and reminders; agent: answers and "
    "questions) and outcome (sent, skipped, failed, unconfirmed)",
    ["kind", "outcome"],
)
TICKET_EVENTS = Counter(
    "ticketflow_ticket_events",
    "History events the projection wrote, by project and event (sla-warning, sla-breach, "
    "mail-failed, customer-message, answer ...)",
    ["project", "event"],
)
AGENT_ACTIONS = Counter(
    "ticketflow_agent_actions",
    "Agents' actions and macros over the API and the console, by action and result "
    "(ok, refused, conflict, invalid, unknown, unavailable)",
    ["action", "result"],
)
HTTP_SECONDS = Histogram(
    "ticketflow_http_request_seconds",
    "HTTP requests by method, route template and status",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)

_RESULTS = {200: "ok", 403: "refused", 404: "unknown", 409: "conflict", 503: "unavailable"}


def action_result(status_code: int) -> str:
    if status_code in _RESULTS:
        return _RESULTS[status_code]
    return "invalid" if 400 <= status_code < 500 else "error"
