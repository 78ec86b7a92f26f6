"""The read model on SQLite and PostgreSQL: intake, threading, projection, pagination, agents."""

from __future__ import annotations

import dataclasses
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from activities.mail import _take_auto_reply_slot
from activities.store import StoreActivities
from tests.support.mail import customer_mail, delivery_report
from tests.support.stack import make_components
from ticketflow.components import Components
from ticketflow.desk.projects import load_projects
from ticketflow.mail.bounded import content_digest
from ticketflow.mail.parse import parse_mail
from ticketflow.payloads import HistoryEntry, Projection
from ticketflow.settings import Settings
from ticketflow.store.agents import AgentError, agent_for_token
from ticketflow.store.console_views import claim_next
from ticketflow.store.db import make_engine
from ticketflow.store.inbox import keep_raw
from ticketflow.store.intake import IntakeResult, IntakeRules, store_read
from ticketflow.store.migrate import (
    NamespaceChanged,
    alembic_config,
    bring_up_to_date,
    sync_queues,
    upgrade,
)
from ticketflow.store.models import (
    Agent,
    Article,
    AutoReplyCount,
    Base,
    HistoryEvent,
    QueueCount,
    RawMessage,
    ReportEvent,
    Ticket,
)
from ticketflow.store.queries import list_tickets, search_tickets
from ticketflow.tickets import lifecycle
from ticketflow.tickets.lifecycle import State

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
PROJECT = "mail"  # the example desk's first project


@pytest.fixture
def components(tmp_path: Path, database_url: str) -> Components:
    return make_components(tmp_path, database_url)


def receive(
    components: Components,
    raw: bytes,
    at: datetime = T0,
    *,
    trust_numbers: bool = False,
    project: str = PROJECT,
) -> IntakeResult:
    rules = IntakeRules(
        default_queues={project: "Inbox"},
        system_id="42",
        number_needs_known_sender=not trust_numbers,
    )
    # What the engine does, without its reader processes: keep, read, store.
    kept = keep_raw(components.sessions, raw, [], "test", at)
    mail = parse_mail(raw)
    digest = content_digest(raw, mail)
    return store_read(components.sessions, kept.raw_id, mail, digest, rules, at, project=project)


def counts(components: Components) -> dict[tuple[str, str], int]:
    """Counters of the example's first project, by (queue, state)."""
    with components.sessions() as session:
        rows = session.scalars(select(QueueCount).where(QueueCount.project == PROJECT))
        return {(c.queue, c.state): c.count for c in rows if c.count}


def test_migrations_are_repeatable(components: Components) -> None:
    upgrade(components.engine)
    with components.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_the_migrated_schema_is_the_models(components: Components) -> None:
    # Full-text search lives beside the ORM on purpose: FTS5 tables on SQLite, a generated
    # tsvector column and its index on PostgreSQL (migrations 0002 and 0017); and the
    # priority view's index with its descending column, which the comparison cannot read.
    search = (
        "ix_tickets_queue_state_priority",
        "articles_fts",
        "search_vector",
        "ix_articles_search",
        "help_fts",
        "ix_help_articles_search",
    )

    def ours(obj: object, name: str | None, kind: str, reflected: bool, other: object) -> bool:
        return not (name or "").startswith(search)

    with components.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": ours})
        assert compare_metadata(context, Base.metadata) == []


def test_new_mail_makes_a_ticket_and_keeps_raw_bytes_exact(components: Components) -> None:
    raw = customer_mail(message_id="<a1@example.org>").replace(b"\n", b"\r\n") + b"\r\n\r\n"
    result = receive(components, raw)
    assert result.created and not result.duplicate and result.needs_signal
    assert result.ticket_number == "20261120" + "42" + "000001"
    with components.sessions() as session:
        assert session.scalars(select(RawMessage.raw)).one() == raw
        ticket = session.scalars(select(Ticket)).one()
        assert (ticket.state, ticket.queue, ticket.customer) == (
            "received",
            "Inbox",
            "anna@example.org",
        )
    assert counts(components) == {("Inbox", "received"): 1}


def test_redelivery_is_a_duplicate_and_asks_for_a_signal_until_taken_in(
    components: Components,
) -> None:
    raw = customer_mail(message_id="<same@example.org>")
    first = receive(components, raw)
    again = receive(components, raw)
    assert (again.ticket_number, again.article_id) == (first.ticket_number, first.article_id)
    assert again.duplicate and not again.created and again.needs_signal
    with components.sessions.begin() as session:
        session.get(Article, first.article_id).status = "processed"  # type: ignore[union-attr]
    assert not receive(components, raw).needs_signal


def test_mail_without_message_id_is_deduplicated_by_content(components: Components) -> None:
    raw = b"From: x@example.org\r\nSubject: hi\r\n\r\nbody\r\n"
    assert not receive(components, raw).duplicate
    assert receive(components, raw).duplicate
    assert not receive(components, raw + b"more\r\n").duplicate


def test_threading_by_subject_tag_and_by_references(components: Components) -> None:
    first = receive(components, customer_mail(message_id="<root@example.org>"))
    by_tag = receive(
        components, customer_mail(subject=f"AW: Re: [Ticket#{first.ticket_number}] again")
    )
    assert (by_tag.ticket_number, by_tag.created) == (first.ticket_number, False)
    by_ref = receive(
        components, customer_mail(subject="other words", in_reply_to="<root@example.org>")
    )
    assert (by_ref.ticket_number, by_ref.created) == (first.ticket_number, False)
    unknown_tag = receive(components, customer_mail(subject="[Ticket#2026112042999999] x"))
    assert unknown_tag.created


def test_a_stranger_naming_a_ticket_number_gets_a_ticket_of_their_own(
    components: Components,
) -> None:
    anna = receive(components, customer_mail(message_id="<anna-1@example.org>"))
    tag = f"[Ticket#{anna.ticket_number}]"
    stranger = receive(components, customer_mail(sender="eve@evil.example", subject=f"Re: {tag}"))
    assert stranger.created and stranger.ticket_number != anna.ticket_number
    # Anna from another address of hers, answering her own message: the reference decides.
    with_reference = receive(
        components,
        customer_mail(
            sender="anna.p@mail.example", subject="changed", in_reply_to="<anna-1@example.org>"
        ),
    )
    assert (with_reference.ticket_number, with_reference.created) == (anna.ticket_number, False)
    # ...and from then on that address is one of the ticket's: the number alone suffices.
    again = receive(components, customer_mail(sender="anna.p@mail.example", subject=tag))
    assert (again.ticket_number, again.created) == (anna.ticket_number, False)
    trusted = receive(
        components, customer_mail(sender="eve@evil.example", subject=tag), trust_numbers=True
    )
    assert (trusted.ticket_number, trusted.created) == (anna.ticket_number, False)


def test_a_from_that_only_looks_like_a_customer_s_address_is_not_hers(
    components: Components,
) -> None:
    anna = receive(components, customer_mail())
    tag = f"[Ticket#{anna.ticket_number}]"
    # A quoted local part with a folded line and her address inside: the address is at
    # atk.example (RFC 5322), and it may not join or reopen her ticket.
    forged = (
        f'From: "x\r\n y: anna@example.org"@atk.example\r\nTo: support@ticketflow.localhost\r\n'
        f"Subject: Re: {tag}\r\nMessage-ID: <forged-1@atk.example>\r\n\r\n"
        "Send me the reset link.\r\n"
    ).encode()
    attack = receive(components, forged)
    assert attack.created and attack.ticket_number != anna.ticket_number
    with components.sessions() as session:
        customer = session.scalar(select(Ticket.customer).where(Ticket.id == attack.ticket_id))
    assert customer == '"x y: anna@example.org"@atk.example'


def test_reply_to_our_outbound_mail_joins_its_ticket_even_with_a_new_subject(
    components: Components,
) -> None:
    first = receive(components, customer_mail())
    with components.sessions() as session, session.begin():
        session.add(
            Article(
                ticket_id=first.ticket_id,
                direction="out",
                status="sent",
                to_addr="anna@example.org",
                subject="Re: [Ticket#x] Cannot log in",
                message_id="<answer-1@desk.example>",
            )
        )
    reply = receive(
        components,
        customer_mail(
            sender="colleague@example.org", subject="Thanks!", in_reply_to="<answer-1@desk.example>"
        ),
    )
    assert (reply.ticket_number, reply.created) == (first.ticket_number, False)
    bounce = receive(components, delivery_report("<answer-1@desk.example>"))
    assert (bounce.ticket_number, bounce.created) == (first.ticket_number, False)
    with components.sessions() as session:
        marked = session.scalars(select(Article.bounce).where(Article.id == bounce.article_id))
        assert marked.one() is True
        assert session.get_one(Article, reply.article_id).bounce is False


def projection(ticket_id: int, version: int, state: str, queue: str, seqs: range) -> Projection:
    return Projection(
        ticket_id=ticket_id,
        version=version,
        ticket=lifecycle.Ticket(State(state), queue),
        pending_since=T0,
        updated_at=T0,
        events=[
            HistoryEntry(s, T0, "system", "route", "received", state, "Inbox", queue) for s in seqs
        ],
        accepted_articles=[],
    )


def test_projection_is_idempotent_even_for_overlapping_batches(components: Components) -> None:
    store = StoreActivities(
        components.sessions, components.projects, components.mail_identity, components.mail_limits
    )
    receive(components, customer_mail())
    with components.sessions() as session:
        ticket_id = session.scalars(select(Ticket.id)).one()
    store.project(projection(ticket_id, 2, "first-line", "Inbox", range(1, 3)))
    store.project(projection(ticket_id, 2, "first-line", "Inbox", range(1, 3)))  # retried
    # Re-run with a larger batch after a rejected workflow task: only seq 3 is new.
    store.project(projection(ticket_id, 3, "second-line", "Web", range(1, 4)))
    store.project(projection(ticket_id, 1, "first-line", "Inbox", range(1, 2)))  # stale
    with components.sessions() as session:
        seqs = session.scalars(select(HistoryEvent.seq).order_by(HistoryEvent.seq)).all()
        ticket = session.get(Ticket, ticket_id)
        assert ticket is not None
        assert (ticket.state, ticket.queue, ticket.version) == ("second-line", "Web", 3)
    assert seqs == [1, 2, 3]
    assert counts(components) == {("Web", "second-line"): 1}


def test_projection_replaces_what_a_lost_task_numbered_otherwise(
    components: Components, caplog: pytest.LogCaptureFixture
) -> None:
    # Seq 2 was written as a route by an attempt of the first step that Temporal never
    # recorded; the attempt that counts saw another message first and numbers it 2, the
    # route 3: its numbering is the one kept, and nothing of the lost one is missing.
    store = StoreActivities(
        components.sessions, components.projects, components.mail_identity, components.mail_limits
    )
    receive(components, customer_mail())
    with components.sessions() as session:
        ticket_id = session.scalars(select(Ticket.id)).one()
    store.project(projection(ticket_id, 2, "first-line", "Inbox", range(1, 3)))
    other = projection(ticket_id, 3, "first-line", "Inbox", range(1, 4))
    other.events[1] = dataclasses.replace(other.events[1], action="customer-message")
    store.project(other)
    assert "history seqs [2] were written by a lost workflow task; replaced" in caplog.text
    with components.sessions() as session:
        assert session.get_one(Ticket, ticket_id).version == 3
        # The reports' rows follow the numbering kept, folded anew from the history.
        reported = session.execute(
            select(ReportEvent.seq, ReportEvent.action).order_by(ReportEvent.seq)
        ).all()
        assert [tuple(r) for r in reported] == [
            (1, "route"),
            (2, "customer-message"),
            (3, "route"),
        ]
        kept = session.scalars(
            select(HistoryEvent.action)
            .where(HistoryEvent.ticket_id == ticket_id)
            .order_by(HistoryEvent.seq)
        ).all()
    assert kept == [other.events[0].action, "customer-message", other.events[2].action]
    # A late write of the lost attempt (no newer version) changes nothing.
    store.project(projection(ticket_id, 2, "first-line", "Inbox", range(1, 3)))
    with components.sessions() as session:
        assert session.get_one(Ticket, ticket_id).version == 3


def test_queue_view_pages_by_keyset_without_gaps_or_repeats(components: Components) -> None:
    # Many tickets share a timestamp: the id must break ties.
    for i in range(45):
        receive(components, customer_mail(subject=f"q{i}"), at=T0 + timedelta(minutes=i // 10))
    seen: list[str] = []
    cursor = None
    with components.sessions() as session:
        while True:
            rows, cursor = list_tickets(session, PROJECT, ["Inbox"], ["received"], 10, cursor)
            seen += [r.subject for r in rows]
            if cursor is None:
                break
    assert seen == [f"q{i}" for i in range(45)]


def test_a_priority_view_pages_highest_first_and_oldest_within_each(
    components: Components,
) -> None:
    for i in range(25):
        receive(components, customer_mail(subject=f"q{i}"), at=T0 + timedelta(minutes=i // 4))
    with components.sessions.begin() as session:
        for ticket in session.scalars(select(Ticket)):
            ticket.priority = 1 + int(ticket.subject[1:]) % 5
    seen: list[str] = []
    cursor = None
    with components.sessions() as session:
        while True:
            rows, cursor = list_tickets(
                session, PROJECT, ["Inbox"], ["received"], 4, cursor, sort="priority"
            )
            seen += [r.subject for r in rows]
            if cursor is None:
                break
    expected = sorted((f"q{i}" for i in range(25)), key=lambda s: (-(int(s[1:]) % 5), int(s[1:])))
    assert seen == expected
    # The next ticket to work follows the same order.
    with components.sessions.begin() as session:
        first = claim_next(session, PROJECT, "Inbox", ["received"], "alice", T0, "priority")
        assert first is not None and first.subject == expected[0]
        second = claim_next(session, PROJECT, "Inbox", ["received"], "bob", T0, "priority")
        assert second is not None and second.subject == expected[1]
        after = claim_next(
            session, PROJECT, "Inbox", ["received"], "alice", T0, "priority", after=first
        )
        assert after is not None and after.subject == expected[2]


def test_search_finds_tickets_by_words_sender_and_number(components: Components) -> None:
    russian = receive(
        components,
        customer_mail(subject="Почта", body="Не могу войти в почтовый ящик, пароль не подходит."),
    )
    english = receive(
        components,
        customer_mail(
            sender="bob@example.net", subject="Spam", body="Someone keeps sending me phishing."
        ),
    )
    turkish = receive(components, customer_mail(subject="Yardım", body="Şifremi unuttum."))
    moved = receive(components, customer_mail(subject="Web", body="phishing site report"))
    with components.sessions() as session:
        session.get_one(Ticket, moved.ticket_id).queue = "Web"
        session.commit()

        def found(text: str, queues: tuple[str, ...] = ("Inbox",)) -> list[str]:
            return [
                h.ticket.number for h in search_tickets(session, text, PROJECT, list(queues), 50)
            ]

        assert found("пароль") == [russian.ticket_number]
        assert found("phishing") == [english.ticket_number]
        assert found("phishing", ("Inbox", "Web")) == [moved.ticket_number, english.ticket_number]
        assert found("bob@example.net") == [english.ticket_number]
        assert found("şifremi") == [turkish.ticket_number]
        assert found(turkish.ticket_number) == [turkish.ticket_number]
        assert found(moved.ticket_number) == []  # not in a queue this agent sees
        assert found('") OR *') == []  # operators in user input are words, not syntax
        if components.engine.dialect.name == "postgresql":
            # Stemmed: other forms of the same word match.
            assert found("пароли") == [russian.ticket_number]
            assert found("sends") == [english.ticket_number]
            assert found("phishing -someone") == []


def test_agent_tokens_are_stored_as_hashes(components: Components) -> None:
    admin = components.agent_admin("test")
    token = admin.add("alice", ["mail/first-line", " web ", ""])
    agent = agent_for_token(components.sessions, token)
    assert agent is not None
    assert (agent.name, agent.groups) == ("alice", frozenset({"mail/first-line", "mail/web"}))
    assert agent_for_token(components.sessions, token + "x") is None
    with components.sessions() as session:
        stored = session.scalars(select(Agent.token_hash)).one()
    assert stored != token and len(stored) == 64
    with pytest.raises(AgentError, match="already exists"):
        admin.add("alice", ["web"])
    with pytest.raises(AgentError, match="invalid agent name"):
        admin.add("a b", ["web"])
    with pytest.raises(AgentError, match="at least one group"):
        admin.add("dan", [" "])


def test_data_from_before_projects_moves_into_the_first_project(database_url: str) -> None:
    engine = make_engine(database_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0013")
        connection.execute(
            text(
                "INSERT INTO tickets (number, subject, customer, state, queue, priority, "
                "created_at, pending_since, updated_at, version) VALUES "
                "('2026112010000001', 's', 'a@example.org', 'first-line', 'Inbox', 3, "
                ":t, :t, :t, 2), ('2026112010000002', 's', 'b@example.org', 'closed', "
                "'Web', 3, :t, :t, :t, 5)"
            ),
            {"t": T0},
        )
        connection.execute(
            text(
                "INSERT INTO queues (name, line, group_name) VALUES "
                "('Inbox', 'first-line', 'first-line'), ('Web', 'second-line', 'web')"
            )
        )
        connection.execute(
            text(
                "INSERT INTO agents (name, token_hash, groups, created_at) "
                "VALUES ('ann', 'h', 'first-line,web', :t)"
            ),
            {"t": T0},
        )
    upgrade(engine, "mail")
    with engine.connect() as connection:
        projects = connection.execute(text("SELECT DISTINCT project FROM tickets")).all()
        assert projects == [("mail",)]
        counted = connection.execute(
            text("SELECT project, queue, state, count FROM queue_counts ORDER BY queue")
        ).all()
        assert counted == [("mail", "Inbox", "first-line", 1), ("mail", "Web", "closed", 1)]
        queues = connection.execute(text("SELECT project, name FROM queues ORDER BY id")).all()
        assert queues == [("mail", "Inbox"), ("mail", "Web")]
        groups = connection.execute(text("SELECT groups FROM agents")).scalar_one()
        assert groups == "mail/first-line,mail/web"
    # A queue added after the move takes the next id (PostgreSQL's sequence went on).
    projects_now = load_projects(Settings().desk_config)
    sync_queues(engine, projects_now)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT project, name FROM queues")).all()
    assert ("social", "Inbox") in rows and ("mail", "Passwords") in rows
    engine.dispose()


def test_a_project_with_tickets_keeps_its_namespace(tmp_path: Path, database_url: str) -> None:
    components = make_components(tmp_path, database_url)
    example = yaml.safe_load(Settings().desk_config.read_text())
    example["projects"][1]["namespace"] = "social"
    moved = tmp_path / "desk.yaml"
    moved.write_text(yaml.safe_dump(example, allow_unicode=True))
    # No social ticket yet: its namespace may still be set.
    later = make_components(tmp_path, database_url, desk_config=moved)
    assert later.temporal_namespaces == ["default", "social"]
    receive(later, customer_mail(to="help@social.ticketflow.localhost"), project="social")
    # Now it has one: going back would strand its workflow in "social".
    with pytest.raises(NamespaceChanged, match="project social: its tickets' workflows live in"):
        bring_up_to_date(components.engine, components.projects)


def test_concurrent_first_automatic_replies_to_one_sender_never_conflict(
    components: Components,
) -> None:
    """Eight tickets of one sender reply at once on a fresh day (sixteen bombs did): each
    takes a slot or is refused by the limit; none fails on the day's first row (the
    unique violation's text, in the retry's log, named the address)."""
    day, start = T0.date(), threading.Barrier(8)

    def reply() -> bool:
        with components.sessions() as session:
            start.wait()
            taken = _take_auto_reply_slot(session, "mallory@attacker.example", day, 5)
            session.commit()
            return taken

    with ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(lambda _: reply(), range(8)))
    assert sorted(taken) == [False] * 3 + [True] * 5
    with components.sessions() as session:
        assert session.scalar(select(AutoReplyCount.count)) == 5
