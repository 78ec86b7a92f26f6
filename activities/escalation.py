"""Escalation activities: tell a queue's supervisors by mail, or another system by webhook,
that a ticket's SLA deadline is close or missed.

Both carry a stable key per warning or breach (the mail's Message-ID, the webhook's
`Idempotency-Key` header) so that a receiver can drop the repeat a retry may cause.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from datetime import datetime
from zoneinfo import ZoneInfo

from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.mail import MailSettings
from ticketflow.desk.projects import Projects
from ticketflow.letters.answers import answer_language
from ticketflow.letters.rendering import ESCALATION, letter_ticket, render_letter
from ticketflow.mail.compose import Outgoing, compose
from ticketflow.mail.transport import PermanentDeliveryError, Transport
from ticketflow.payloads import ActivityName, EscalationNotice
from ticketflow.store.models import Ticket, utcnow

log = logging.getLogger("ticketflow.escalation")
WEBHOOK_TIMEOUT_SECONDS = 10
# Answers that retrying will not change.
FINAL_CLIENT_ERRORS = frozenset(range(400, 500)) - {408, 425, 429}

# A notice's subject by language: (warning, breach).
SUBJECTS = {
    "en": ("SLA warning", "SLA breach"),
    "ru": ("Срок SLA подходит", "Срок SLA нарушен"),
    "tr": ("SLA uyarısı", "SLA ihlali"),
}


class EscalationActivities:
    def __init__(
        self,
        sessions: sessionmaker[Session],
        projects: Projects,
        transport: Transport,
        templates: Environment,
        settings: MailSettings,
    ) -> None:
        self._sessions = sessions
        self._projects = projects
        self._transport = transport
        self._templates = templates
        self._settings = settings

    @activity.defn(name=ActivityName.NOTIFY_SUPERVISORS)
    def notify_supervisors(self, notice: EscalationNotice) -> str | None:
        """Mail the queue's supervisors; returns why nobody was told, if so."""
        queue = self._projects.desk(notice.project).queue(notice.queue)
        supervisors = queue.supervisors if queue else []
        if not supervisors:
            return f"queue {notice.queue} has no supervisors"
        with self._sessions() as session:
            ticket = session.get(Ticket, notice.ticket_id)
            subject = ticket.subject if ticket else ""
            language = answer_language(ticket.language if ticket else None)
        tag = self._settings.identity.subject_tag
        body = render_letter(
            self._templates,
            ESCALATION,
            letter_ticket(notice.number, subject, notice.queue, tag),
            signature=self._settings.identity.signature(notice.project, language),
            language=language,
            notice=notice,
            deadline=self._local(notice).strftime("%Y-%m-%d %H:%M %Z"),
        )
        what = SUBJECTS[language][notice.kind == "breach"]
        message = compose(
            Outgoing(
                from_addr=self._settings.identity.from_addr,
                to_addr=", ".join(supervisors),
                subject=f"{what}: {notice.clock} {tag.tag(notice.number)} {subject}"[:300],
                body_text=body.text,
                body_html=body.html,
                message_id=f"<{_key(notice)}@{self._settings.identity.domain}>",
                in_reply_to=None,
                references=None,
                date=utcnow(),
                automatic=True,
            ),
            self._settings.identity.loop_value,
        )
        try:
            self._transport.send(message, supervisors, lambda: None)
        except PermanentDeliveryError as exc:
            raise ApplicationError(str(exc), non_retryable=True) from exc
        return None

    @activity.defn(name=ActivityName.CALL_WEBHOOK)
    def call_webhook(self, notice: EscalationNotice) -> None:
        """POST the event as JSON; 2xx is done, a final 4xx gives up, the rest retries."""
        assert notice.url is not None
        payload = {
            "event": f"sla-{notice.kind}",
            "ticket": notice.number,
            "queue": notice.queue,
            "priority": notice.priority,
            "clock": notice.clock,
            "deadline": notice.deadline.isoformat(),
        }
        request = urllib.request.Request(
            notice.url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "Ticketflow",
                "Idempotency-Key": _key(notice),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS):
                return
        except urllib.error.HTTPError as exc:
            if exc.code in FINAL_CLIENT_ERRORS:
                raise ApplicationError(
                    f"webhook {notice.url} answered {exc.code}", non_retryable=True
                ) from exc
            raise

    def _local(self, notice: EscalationNotice) -> datetime:
        desk = self._projects.desk(notice.project)
        queue = desk.queue(notice.queue)
        sla = desk.slas.get(queue.sla) if queue and queue.sla else None
        zone = desk.calendars[sla.calendar].zone if sla else "UTC"
        return notice.deadline.astimezone(ZoneInfo(zone))


def _key(notice: EscalationNotice) -> str:
    stamp = int(notice.deadline.timestamp())
    return f"sla-{notice.kind}.{notice.number}.{notice.clock}.{stamp}"
