"""Merging a ticket into the one it repeats (`actions/merge`): its mail moves under the
other, it closes and its workflow ends, both histories say who merged what, and later
mail to it (by number, by In-Reply-To) lands in the other. Rights checked on both."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from temporalio.client import WorkflowExecutionStatus

from tests.api.test_rights import add_agent
from tests.support.mail import customer_mail
from tests.support.stack import Stack
from tests.support.temporal import eventually
from ticketflow.engine.redelivery import redeliver_stranded
from ticketflow.engine.tickets import deliver_customer_message
from ticketflow.store.models import Article, Ticket, utcnow
from ticketflow.tickets.articles import ArticleStatus, Direction
from ticketflow.tickets.numbering import workflow_id


async def detail(stack: Stack, number: str) -> Any:
    resp = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
    assert resp.status_code == 200, resp.text
    return resp.json()


async def merge(stack: Stack, number: str, into: str, agent: str = "alice") -> Any:
    return await stack.act(number, "merge", agent=agent, into=into)


async def test_a_merged_ticket_s_mail_and_later_mail_go_to_the_other(stack: Stack) -> None:
    target = await stack.open_ticket(subject="Cannot log in", body="Since this morning.")
    source = await stack.open_ticket(subject="Cannot log in!!", body="Please help, urgent.")
    replies = await stack.smtp.wait_for(2)  # the automatic replies
    [source_reply] = [m for m in replies if f"[Ticket#{source}]" in str(m["Subject"])]

    resp = await merge(stack, source, target)
    assert resp.status_code == 200, resp.text
    assert (resp.json()["state"], resp.json()["action_id"]) == ("closed", 3)

    async def merged() -> Any:
        return await detail(stack, source)

    gone = await eventually(merged, lambda d: d["merged_into"] == target)
    assert gone["state"] == "closed" and gone["articles"] == []
    assert [(h["action"], h["actor"], h["detail"]) for h in gone["history"]][-1] == (
        "merge",
        "alice",
        target,
    )

    async def into() -> Any:
        return await detail(stack, target)

    shown = await eventually(into, lambda d: d["history"][-1]["action"] == "merged-in")
    assert shown["merged"] == [source] and shown["state"] == "first-line"
    assert (shown["history"][-1]["actor"], shown["history"][-1]["detail"]) == ("alice", source)
    bodies = [a["body_text"] for a in shown["articles"]]
    assert any("Please help, urgent." in b for b in bodies)
    assert any("Since this morning." in b for b in bodies)
    # Not undone, ever: the merge offers no undo.
    assert resp.json()["undo_until"] is None

    # The merged ticket's run ends: no reopen window, its mail goes to the other.
    handle = stack.env.client.get_workflow_handle(workflow_id(source))

    async def status() -> Any:
        return (await handle.describe()).status

    await eventually(status, lambda s: s == WorkflowExecutionStatus.COMPLETED)

    # Later mail: by the merged ticket's number in the subject, and in reply to its
    # automatic reply; both land in the other ticket.
    by_number = customer_mail(subject=f"Re: [Ticket#{source}] Cannot log in!!", body="Any news?")
    resp = await stack.send_mail(by_number)
    assert (resp.status_code, resp.json()["ticket"], resp.json()["created"]) == (202, target, False)
    by_thread = customer_mail(
        subject="Still nothing", body="Hello?", in_reply_to=str(source_reply["Message-ID"])
    )
    resp = await stack.send_mail(by_thread)
    assert (resp.status_code, resp.json()["ticket"], resp.json()["created"]) == (202, target, False)
    later = await eventually(
        into, lambda d: sum(h["action"] == "customer-message" for h in d["history"]) == 3
    )
    assert "Hello?" in later["articles"][-1]["body_text"]


async def test_a_merge_is_checked_on_both_tickets(stack: Stack) -> None:
    add_agent(stack, "ada", ["mail/first-line"])
    number = await stack.open_ticket()
    other = await stack.open_ticket(sender="Boris <boris@example.org>")
    unknown = "2026010199999999"
    resp = await merge(stack, number, number)
    assert (resp.status_code, resp.json()["code"]) == (422, "merge-self")
    resp = await merge(stack, number, unknown)
    assert (resp.status_code, resp.json()["detail"]) == (404, f"no ticket {unknown}")
    resp = await merge(stack, number, other, agent="sam")  # reads, may not close
    assert resp.status_code == 403, resp.text
    # The other ticket out of alice's sight: as if it did not exist.
    moved = await stack.open_ticket(sender="Vera <vera@example.org>")
    assert (await stack.act(moved, "move", queue="Web")).status_code == 200
    resp = await merge(stack, number, moved)
    assert (resp.status_code, resp.json()["detail"]) == (404, f"no ticket {moved}")
    # Owned by ada: hers to merge.
    assert (await stack.act(number, "take", agent="ada")).status_code == 200
    resp = await merge(stack, number, other)
    assert (resp.status_code, resp.json()["detail"]) == (409, "ada owns this ticket")
    assert (await merge(stack, number, other, agent="ada")).status_code == 200

    async def merged() -> Any:
        return await detail(stack, number)

    await eventually(merged, lambda d: d["merged_into"] == other)
    # Into a merged ticket: refused, naming where its mail went.
    third = await stack.open_ticket(sender="Gleb <gleb@example.org>")
    resp = await merge(stack, third, number)
    assert (resp.status_code, resp.json()["detail"]) == (
        409,
        f"ticket {number} was merged into {other}: merge into that one",
    )
    assert (await detail(stack, other))["merged"] == [number]


async def test_a_reply_that_raced_the_merge_reaches_the_other_ticket(stack: Stack) -> None:
    """A reply whose intake read the ticket just before the merge moved its mail is stored
    under the merged ticket. Signalled there (a new run of the merged ticket starts), it
    neither reopens that ticket nor is lost: the sweep moves it to the other one."""
    target = await stack.open_ticket(subject="Cannot log in")
    source = await stack.open_ticket(subject="Cannot log in!!")
    assert (await merge(stack, source, target)).status_code == 200
    handle = stack.env.client.get_workflow_handle(workflow_id(source))

    async def status() -> Any:
        return (await handle.describe()).status

    await eventually(status, lambda s: s == WorkflowExecutionStatus.COMPLETED)
    # The raced reply, as intake left it: under the merged ticket, its workflow signalled.
    components = stack.components
    with components.sessions.begin() as session:
        row = session.scalar(select(Ticket).where(Ticket.number == source))
        assert row is not None
        article = Article(
            ticket_id=row.id,
            direction=Direction.IN,
            status=ArticleStatus.RECEIVED,
            from_addr="anna@example.org",
            subject="Re: Cannot log in!!",
            body_text="Raced the merge.",
            created_at=utcnow(),
        )
        session.add(article)
        session.flush()
        article_id = article.id
    await deliver_customer_message(stack.env.client, components.settings, source, article_id)
    await eventually(status, lambda s: s == WorkflowExecutionStatus.COMPLETED)
    assert (await detail(stack, source))["state"] == "closed"  # not reopened
    assert await redeliver_stranded(components, stack.env.client, min_age=timedelta(0)) == 1

    async def into() -> Any:
        return await detail(stack, target)

    shown = await eventually(
        into, lambda d: sum(h["action"] == "customer-message" for h in d["history"]) == 2
    )
    assert any("Raced the merge." in a["body_text"] for a in shown["articles"])
    assert (await detail(stack, source))["state"] == "closed"
