"""Process settings, read from `TICKETFLOW_*` environment variables."""

from __future__ import annotations

from datetime import timedelta
from importlib.metadata import PackageNotFoundError, version
from ipaddress import ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ticketflow.tickets.numbering import DEFAULT_TAG_FORMAT, SubjectTag

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def default_templates_dir() -> Path:
    """Inside the package when installed from a wheel; the source tree's `templates/` else."""
    installed = Path(__file__).resolve().parent / "templates"
    return installed if installed.is_dir() else PROJECT_ROOT / "templates"


def package_version() -> str:
    try:
        return version("ticketflow")
    except PackageNotFoundError:  # a source tree that was never installed
        return "0+unknown"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TICKETFLOW_", extra="ignore")

    data_dir: Path = Path(".data")
    # Empty means the embedded SQLite read model inside data_dir.
    database_url: str = ""
    # Part of every ticket number, as in OTRS: installations sharing a Temporal
    # namespace, or mailing each other, never confuse their tickets.
    system_id: str = Field(default="10", pattern=r"^[0-9]{1,6}$")
    temporal_address: str = "127.0.0.1:7233"
    temporal_namespace: str = "default"
    # mTLS to a Temporal cluster that requires it (PEM files); unset: plain TCP, as the
    # embedded dev server and the Compose shape on its private network speak.
    temporal_tls_ca: Path | None = None
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_domain: str = ""  # the server name to verify, when not the address's host
    task_queue: str = "ticketflow"
    # Empty means the Maildir outbox inside data_dir.
    smtp_url: str = ""
    desk_config: Path = Path(__file__).resolve().parent / "desk" / "desk.example.yaml"
    templates_dir: Path = Field(default_factory=default_templates_dir)
    # Address our mail comes from and the host part of our Message-IDs.
    mail_from: str = "support@ticketflow.localhost"
    mail_domain: str = "ticketflow.localhost"
    reopen_window_days: float = 14.0
    # Continue-as-new once a ticket's history has this many events (about 300
    # customer messages): ordinary tickets never get there, replays stay short.
    max_history_events: int = 1000
    max_message_bytes: int = 25 * 1024 * 1024
    # Attachments larger than this are listed on the article but not stored apart; an
    # agent's file larger than this is refused.
    max_attachment_bytes: int = 20 * 1024 * 1024
    # A virus scanner each agent's file goes through on standard input before it is kept
    # (exit 0 clean, 1 infected), such as "clamdscan --no-summary -"; "": none.
    upload_scan_command: str = ""
    # Reading inbound mail: processes that parse and classify it, and the bounds past
    # which a message is kept unread in quarantine (ticketflow quarantine).
    mail_readers: int = Field(default=2, ge=1, le=64)
    # Readers of heavy messages (large, or of many parts), apart so none delays the rest.
    mail_heavy_readers: int = Field(default=1, ge=1, le=64)
    mail_read_seconds: float = Field(default=10.0, gt=0)
    mail_max_parts: int = Field(default=1000, ge=1)
    mail_max_depth: int = Field(default=40, ge=1, le=200)
    # New tickets one sender may open per window; past it, mail is kept, makes no ticket
    # and is listed for review (ticketflow quarantine list). 0: no limit.
    new_tickets_per_sender: int = Field(default=20, ge=0)
    new_ticket_window_minutes: float = Field(default=60.0, gt=0)
    # Requests the customer form takes from one client address per hour (the sender limit
    # above holds for the address he gives as well). 0: no limit.
    form_posts_per_client_per_hour: int = Field(default=10, ge=0)
    # Whether a+tag@example.org counts as a@example.org for that limit and for threading.
    plus_tags_are_one_sender: bool = True
    # How ticket numbers are tagged in subjects; {number} stands for the number.
    subject_tag_format: str = DEFAULT_TAG_FORMAT
    # A message whose subject carries a ticket's number joins that ticket only if it
    # comes from one of the ticket's addresses or answers one of its messages: a stranger
    # quoting someone else's number gets a ticket of their own.
    number_needs_known_sender: bool = True
    # Inbound webhooks must send it as X-Webhook-Secret; empty: a random secret kept
    # in data_dir/webhook_secret (ticketflow.mail.webhook_auth).
    webhook_secret: str = ""
    # The key file that seals customers' claims and the account table's facts (one
    # Fernet key a line, the first sealing); unset: data_dir/claims.key, made on first use.
    claims_key_file: Path | None = None
    # Mailgun's HTTP webhook signing key: its signed requests need no webhook secret.
    mailgun_signing_key: str = ""
    # Open ticket workflows a worker keeps in memory; the rest are replayed from
    # history when they next have work. Bounds the worker's memory, not the tickets.
    max_cached_workflows: int = Field(default=2000, ge=0)
    # Worker processes `ticketflow up` runs. Two beat one even on two cores: a worker's
    # activation handling runs on one Python thread (bench/RESULTS.md, scale-out).
    workers: int = Field(default=2, ge=1)
    # Automatic replies to one sender address per UTC day; past it, silence (logged).
    # The backstop against loops with peers that mark their automatic mail with nothing.
    auto_reply_limit_per_day: int = Field(default=10, ge=0)
    # A worker's Prometheus metrics (`host:port`; empty: none): its own (mail sent, events
    # projected) and the Temporal SDK's (polls, task latencies, cache), on two ports.
    worker_metrics_address: str = Field(default="", pattern=r"^$|^[^\s:]+:[0-9]{1,5}$")
    temporal_metrics_address: str = Field(default="", pattern=r"^$|^[^\s:]+:[0-9]{1,5}$")
    # The proxies in front of the API whose X-Forwarded-For and X-Forwarded-Proto are
    # believed (addresses or networks, comma-separated); empty: none, the peer is the
    # client. The client is the right-most address no listed proxy added.
    trusted_proxies: str = ""
    # The bearer token `/metrics` asks for; empty: it answers clients on loopback only.
    metrics_token: str = ""
    # DEBUG also shows the migrations' and the libraries' chatter.
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value:
            return value
        try:
            url = make_url(value)
            if url.get_backend_name() not in ("postgresql", "sqlite"):
                raise ValueError(url.get_backend_name())
            url.get_dialect().import_dbapi()  # the driver is installed
        except (ArgumentError, NoSuchModuleError, ImportError, ValueError):
            raise ValueError(
                "not a database URL Ticketflow can use; expected "
                "postgresql+psycopg2://user:password@host:5432/database or sqlite:///path/file.db"
            ) from None
        return value

    @model_validator(mode="after")
    def _tls_pair(self) -> Settings:
        if (self.temporal_tls_cert is None) != (self.temporal_tls_key is None):
            raise ValueError("TICKETFLOW_TEMPORAL_TLS_CERT and _KEY go together")
        return self

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        for proxy in (p.strip() for p in value.split(",") if p.strip()):
            try:
                ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(
                    f"{proxy!r} is no address or network (such as 10.0.0.2 or 172.28.0.0/24)"
                ) from None
        return value

    @property
    def proxies(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @field_validator("subject_tag_format")
    @classmethod
    def _valid_tag(cls, value: str) -> str:
        SubjectTag(value)  # raises with the reason
        return value

    @property
    def subject_tag(self) -> SubjectTag:
        return SubjectTag(self.subject_tag_format)

    @property
    def reopen_window(self) -> timedelta:
        return timedelta(days=self.reopen_window_days)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'ticketflow.db').resolve()}"

    @property
    def outbox_dir(self) -> Path:
        return self.data_dir / "outbox"
