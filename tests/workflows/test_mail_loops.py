"""Loops: two installations mailing each other, and a peer that marks nothing."""

from __future__ import annotations

from email import message_from_bytes
from functools import partial
from pathlib import Path

from sqlalchemy import func, select
from temporalio.testing import WorkflowEnvironment

from tests.support.mail import customer_mail
from tests.support.stack import make_components
from tests.support.temporal import eventually, new_worker
from ticketflow.components import Components
from ticketflow.engine.inbound import accept_mail
from ticketflow.store.models import Article, HistoryEvent, Ticket


def installation(tmp_path: Path, name: str, **settings: object) -> Components:
    folder = tmp_path / name
    folder.mkdir()
    return make_components(
        folder,
        f"sqlite:///{folder / 'tf.db'}",
        mail_from=f"support@{name}.example",
        mail_domain=f"{name}.example",
        **settings,
    )


def outbox(components: Components) -> list[Path]:
    folder = components.settings.outbox_dir / "new"
    return sorted(folder.iterdir()) if folder.exists() else []


async def _settled(components: Components) -> bool:
    """Every ticket is routed and has sent its automatic reply or recorded why not."""
    with components.sessions() as session:
        unrouted = session.scalar(
            select(func.count()).select_from(Ticket).where(Ticket.state == "received")
        )
        routed = session.scalar(
            select(func.count()).select_from(HistoryEvent).where(HistoryEvent.action == "route")
        )
        skipped = session.scalar(
            select(func.count())
            .select_from(HistoryEvent)
            .where(HistoryEvent.action == "auto-reply-skipped")
        )
        sent = session.scalar(
            select(func.count())
            .select_from(Article)
            .where(Article.idempotency_key.like("auto-reply:%"), Article.status == "sent")
        )
    return unrouted == 0 and routed == (skipped or 0) + (sent or 0)


def history_actions(components: Components) -> list[tuple[str, str | None]]:
    with components.sessions() as session:
        rows = session.execute(
            select(HistoryEvent.action, HistoryEvent.detail).order_by(HistoryEvent.id)
        ).all()
        return [(action, detail) for action, detail in rows]


async def test_two_installations_pointed_at_each_other_do_not_loop(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    client = time_skipping_env.client
    a, b = installation(tmp_path, "a"), installation(tmp_path, "b")
    async with new_worker(client, a), new_worker(client, b):
        # Someone at B writes to A; from here on each one's outbox is the other's inbox.
        await accept_mail(a, client, customer_mail(sender="support@b.example"))
        exchanged = 0
        for _ in range(4):
            for source, target in ((a, b), (b, a)):
                await eventually(partial(_settled, source), bool)
                for path in outbox(source):
                    await accept_mail(target, client, path.read_bytes())
                    path.rename(path.parent.parent / "cur" / path.name)
                    exchanged += 1
        assert exchanged == 1  # A's acknowledgement to B, and nothing after it
        assert ("auto-reply-skipped", "Auto-Submitted: auto-replied") in history_actions(b)


async def test_a_sender_gets_at_most_the_daily_limit_of_automatic_replies(
    time_skipping_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    client = time_skipping_env.client
    desk = installation(tmp_path, "desk", auto_reply_limit_per_day=3)
    async with new_worker(client, desk):
        for i, sender in enumerate(["robot", "robot+1", "Robot", "robot+2", "robot+3"]):
            # A peer that marks nothing as automatic: only the limit stops the replies, and
            # its sub-addresses count as the one mailbox they are.
            raw = customer_mail(sender=f"{sender}@peer.example", subject=f"Alert {i}")
            await accept_mail(desk, client, raw)

        async def skipped() -> list[str | None]:
            return [d for a, d in history_actions(desk) if a == "auto-reply-skipped"]

        reasons = await eventually(skipped, lambda r: len(r) == 2)
        assert all("daily limit of 3" in (r or "") for r in reasons)
        replies = await eventually(lambda: _async(outbox(desk)), lambda o: len(o) == 3)
        # Three of the five (whichever tickets ran first), each to the sub-address it came
        # from; the other two were silenced, so the mailbox got no more than its three.
        sent = {"robot@peer.example", "robot+1@peer.example", "robot+2@peer.example"}
        sent.add("robot+3@peer.example")
        recipients = [message_from_bytes(p.read_bytes())["To"].lower() for p in replies]
        assert len(recipients) == 3 and set(recipients) <= sent
        await accept_mail(desk, client, customer_mail(sender="anna@example.org"))
        await eventually(lambda: _async(outbox(desk)), lambda o: len(o) == 4)


async def _async(value: list[Path]) -> list[Path]:
    return value
