"""Builds the shared parts of a process (database, desk, Temporal client) from settings."""

from __future__ import annotations

import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from pathlib import Path

from jinja2 import Environment
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from temporalio.client import Client
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

from ticketflow.accounts.checking import Accounts
from ticketflow.accounts.sealing import Sealer
from ticketflow.desk.projects import ProjectRules, Projects, load_projects
from ticketflow.engine.converter import DATA_CONVERTER
from ticketflow.letters.rendering import make_environment
from ticketflow.mail.bounded import MailLimits
from ticketflow.mail.identity import MailIdentity
from ticketflow.mail.reader import ReaderLanes
from ticketflow.mail.webhook_auth import webhook_secret
from ticketflow.settings import Settings
from ticketflow.store.agents import AgentAdmin
from ticketflow.store.db import make_engine, make_session_factory
from ticketflow.store.drafts import DraftSettings
from ticketflow.store.incident_rules import IncidentRules
from ticketflow.store.intake import IntakeRules
from ticketflow.store.models import utcnow
from ticketflow.tickets.reporting import DeskShape

INTAKE_THREADS = 4


@dataclass
class Components:
    settings: Settings
    # Intake's clock: a new ticket's first step is dated by it, as its workflow dates the
    # rest by Temporal's (the same time in production; tests that skip Temporal's time
    # set a clock that follows it).
    clock: Callable[[], datetime] = utcnow

    @cached_property
    def engine(self) -> Engine:
        return make_engine(self.settings.resolved_database_url)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        return make_session_factory(self.engine)

    @cached_property
    def projects(self) -> Projects:
        return load_projects(self.settings.desk_config)

    @property
    def temporal_namespaces(self) -> list[str]:
        """Where ticket workflows live: the installation's namespace and the projects' own."""
        return self.projects.namespaces(self.settings.temporal_namespace)

    @cached_property
    def project_rules(self) -> list[ProjectRules]:
        """Each project's mailboxes and routing rules, as mail readers take them."""
        return self.projects.rules()

    @cached_property
    def policies(self) -> dict[str, str | None]:
        """Each project's timers as its ticket workflows carry them (sla.policy_json)."""
        return {p.name: p.desk.policy_json() for p in self.projects}

    @cached_property
    def report_shapes(self) -> dict[str, DeskShape]:
        """Each project's lines, groups and calendar, as the report figures fold them."""
        return {p.name: p.desk.report_shape() for p in self.projects}

    @cached_property
    def intake_rules(self) -> IntakeRules:
        return IntakeRules(
            default_queues={p.name: p.desk.default_queue.name for p in self.projects},
            system_id=self.settings.system_id,
            subject_tag=self.settings.subject_tag,
            number_needs_known_sender=self.settings.number_needs_known_sender,
            max_attachment_bytes=self.settings.max_attachment_bytes,
            new_tickets_per_sender=self.settings.new_tickets_per_sender,
            new_ticket_window=timedelta(minutes=self.settings.new_ticket_window_minutes),
            plus_tags_are_one_sender=self.settings.plus_tags_are_one_sender,
        )

    @cached_property
    def mail_identity(self) -> MailIdentity:
        """Who our mail comes from: the installation's sender and every queue's own."""
        return MailIdentity(
            from_addr=self.settings.mail_from,
            domain=self.settings.mail_domain,
            subject_tag=self.settings.subject_tag,
            senders=self.projects.senders(),
            signatures=self.projects.signatures(),
        )

    @cached_property
    def templates(self) -> Environment:
        return make_environment(self.settings.templates_dir)

    @cached_property
    def draft_settings(self) -> DraftSettings:
        return DraftSettings(
            identity=self.mail_identity,
            templates=self.templates,
            max_files_bytes=self.settings.max_message_bytes * 3 // 4,
        )

    @cached_property
    def incident_rules(self) -> IncidentRules:
        """The open incidents' rules, as this process last read them (intake's)."""
        return IncidentRules(self.sessions)

    @cached_property
    def accounts(self) -> Accounts:
        """Every project's account directory, and the key that seals claims."""
        return Accounts(self.sessions, self.projects, Sealer.from_settings(self.settings))

    def agent_admin(self, actor: str) -> AgentAdmin:
        """Agent administration, each change recorded as made by `actor`."""
        return AgentAdmin(self.sessions, self.projects, actor)

    @cached_property
    def webhook_secret(self) -> str:
        return webhook_secret(self.settings)

    @cached_property
    def mail_limits(self) -> MailLimits:
        settings = self.settings
        return MailLimits(
            max_parts=settings.mail_max_parts,
            max_depth=settings.mail_max_depth,
            max_seconds=settings.mail_read_seconds,
        )

    @cached_property
    def mail_readers(self) -> ReaderLanes:
        """Reader processes for inbound mail (started on the first message of each lane)."""
        return ReaderLanes(
            self.settings.mail_readers,
            self.settings.mail_heavy_readers,
            self.settings.mail_read_seconds,
            preload=("ticketflow.desk.reading",),
        )

    @cached_property
    def intake_threads(self) -> ThreadPoolExecutor:
        """Threads for intake's database work (SQLite takes one writer at a time anyway)."""
        return ThreadPoolExecutor(INTAKE_THREADS, thread_name_prefix="intake")

    def close(self) -> None:
        """Stop the reader processes and threads, close the database connections."""
        if "intake_threads" in self.__dict__:
            self.intake_threads.shutdown(wait=True)
        if "mail_readers" in self.__dict__:
            self.mail_readers.close()
        if "engine" in self.__dict__:
            self.engine.dispose()


class TemporalUnreachable(ConnectionError):
    """No Temporal frontend answers at the configured address."""


def temporal_tls(settings: Settings) -> TLSConfig | bool:
    """The client's TLS from the TICKETFLOW_TEMPORAL_TLS_* settings; False when none is set."""
    if not (settings.temporal_tls_ca or settings.temporal_tls_cert or settings.temporal_tls_domain):
        return False
    return TLSConfig(
        server_root_ca_cert=_read(settings.temporal_tls_ca),
        client_cert=_read(settings.temporal_tls_cert),
        client_private_key=_read(settings.temporal_tls_key),
        domain=settings.temporal_tls_domain or None,
    )


def _read(path: Path | None) -> bytes | None:
    return path.read_bytes() if path is not None else None


async def connect_temporal(
    settings: Settings, *, lazy: bool = False, runtime: Runtime | None = None
) -> Client:
    """A client of the configured cluster; `lazy` connects on first use (the API starts
    while Temporal is still coming up); `runtime` where the SDK's metrics go."""
    try:
        return await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            data_converter=DATA_CONVERTER,
            tls=temporal_tls(settings),
            lazy=lazy,
            runtime=runtime,
        )
    except RuntimeError as exc:
        # The SDK's text is a Rust error chain; its innermost message is the useful part.
        found = re.findall(r'(?:message|error): "([^"]+)"', str(exc))
        raise TemporalUnreachable(
            f"Temporal is not reachable at {settings.temporal_address} "
            f"({found[-1] if found else 'connection failed'}): start it (`ticketflow up` "
            "runs one) or set TICKETFLOW_TEMPORAL_ADDRESS"
        ) from None
