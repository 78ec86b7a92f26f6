"""The API under attack (issue: hostile input, second round): each test attacks one hole
and checks it now fails to get in."""

from __future__ import annotations

import asyncio
import re

import httpx
from sqlalchemy import func, select

from tests.api.test_webhooks import mailgun_fields, mailgun_signature, mailgun_stack
from tests.console.test_pages import write_to_help
from tests.support import bombs
from tests.support.stack import Stack
from ticketflow.store.models import RawMessage, Ticket


async def test_the_last_admin_of_a_project_cannot_leave_it_without_one(stack: Stack) -> None:
    http, dana = stack.http, stack.auth("dana")
    alone = await http.post("/api/v1/admin/agents/dana/disable", headers=dana)
    assert alone.status_code == 409, alone.text
    assert alone.json() == {
        "detail": "dana is the last admin of mail: make another one first",
        "code": "agent-last-admin",
    }
    ungrouped = await http.put(
        "/api/v1/admin/agents/dana/groups", json={"groups": ["mail/first-line"]}, headers=dana
    )
    assert ungrouped.status_code == 409
    # With a second admin, either may go.
    stack.tokens["ed"] = stack.components.agent_admin("test").add("ed", ["mail/admins"])
    gone = await http.post("/api/v1/admin/agents/dana/disable", headers=dana)
    assert gone.status_code == 200 and gone.json()["disabled_at"] is not None
    last = await http.post("/api/v1/admin/agents/ed/disable", headers=stack.auth("ed"))
    assert last.status_code == 409


async def test_report_sheets_are_kept_by_no_cache(stack: Stack) -> None:
    for form in ("csv", "json"):
        sheet = await stack.http.get(
            f"/api/v1/reports/summary?format={form}", headers=stack.auth("sam")
        )
        assert sheet.status_code == 200 and sheet.headers["cache-control"] == "no-store"


async def test_the_form_takes_an_address_only_as_an_addr_spec(stack: Stack) -> None:
    customer = httpx.AsyncClient(transport=stack.http._transport, base_url="http://t")
    for address in ("a\x01b@example.org", "a(b)c@example.org", "x@localhost", "a@b.c"):
        refused = await write_to_help(customer, address=address, text="Hi")
        assert refused.status_code == 422, address
        assert "give the address we can answer you at" in refused.text


async def test_one_signed_mailgun_request_sent_ten_times_at_once_is_kept_once(
    stack: Stack,
) -> None:
    """The replay, concurrently: ten bodies under one signature, posted at once."""
    stack = mailgun_stack(stack)
    signed = mailgun_signature()
    bodies = [
        mailgun_fields(subject=f"Replay {n}", **{"Message-Id": f"<r{n}@evil.example>"}) | signed
        for n in range(10)
    ]
    answers = await asyncio.gather(
        *(stack.http.post("/api/v1/inbound/mailgun", data=body) for body in bodies)
    )
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [202] + [406] * 9, [a.text for a in answers]
    with stack.components.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RawMessage)) == 1
        assert session.scalar(select(func.count()).select_from(Ticket)) == 1


async def test_admins_see_only_what_was_set_aside_of_their_own_project(stack: Stack) -> None:
    """Quarantine read everything: any stored message, of either project, in any state."""
    stack.tokens["sue"] = stack.components.agent_admin("test").add("sue", ["social/admins"])
    dana, sue = stack.auth("dana"), stack.auth("sue")
    number = await stack.open_ticket()
    with stack.components.sessions() as session:
        read_id = session.scalar(select(RawMessage.id).where(RawMessage.state == "read"))
    social = bombs.nested(100, tag="social").replace(
        b"To: support@ticketflow.localhost", b"To: help@social.ticketflow.localhost"
    )
    social_id = (await stack.send_mail(social)).json()["raw_id"]
    mail_id = (await stack.send_mail(bombs.nested(100, tag="mail"))).json()["raw_id"]
    assert number and read_id and social_id and mail_id

    # A message that made a ticket is no one's to read here, whatever its id.
    for path in (f"{read_id}", f"{read_id}/raw"):
        hidden = await stack.http.get(f"/api/v1/admin/quarantine/{path}", headers=dana)
        assert hidden.status_code == 404, hidden.text
    for verb in ("retry", "drop"):
        refused = await stack.http.post(f"/api/v1/admin/quarantine/{read_id}/{verb}", headers=dana)
        assert refused.status_code == 404
    # Each project's admins see what was set aside of theirs, and only that.
    mine = await stack.http.get("/api/v1/admin/quarantine", headers=dana)
    assert [e["raw_id"] for e in mine.json()] == [mail_id]
    theirs = await stack.http.get("/api/v1/admin/quarantine", headers=sue)
    assert [e["raw_id"] for e in theirs.json()] == [social_id]
    for path in (f"{social_id}", f"{social_id}/raw"):
        other = await stack.http.get(f"/api/v1/admin/quarantine/{path}", headers=dana)
        assert other.status_code == 404
    shown = await stack.http.get(f"/api/v1/admin/quarantine/{social_id}/raw", headers=sue)
    assert shown.status_code == 200 and shown.content == social
    dropped = await stack.http.post(f"/api/v1/admin/quarantine/{social_id}/drop", headers=dana)
    assert dropped.status_code == 404
    assert (await stack.http.get("/api/v1/admin/quarantine", headers=sue)).json()


async def test_a_move_and_an_answer_racing_never_act_in_a_queue_without_the_right(
    stack: Stack,
) -> None:
    """Rights were checked against the read model's queue only: a first-line agent who
    moved a ticket to Passwords and at once answered it answered a Passwords ticket. Now
    the workflow decides them where the ticket is; tried three times, each with four
    requests 10 ms apart."""
    alice = stack.auth("alice")

    async def post(number: str, delay: float, action: str, body: object) -> httpx.Response:
        await asyncio.sleep(delay)
        url = f"/api/v1/tickets/{number}/actions/{action}"
        return await stack.http.post(url, json=body, headers=alice, timeout=30)

    for _ in range(3):
        number = await stack.open_ticket()
        answers = await asyncio.gather(
            post(number, 0, "move", {"queue": "Passwords"}),
            post(number, 0.01, "answer", {"text": "Here is how."}),
            post(number, 0.02, "priority", {"priority": 5}),
            post(number, 0.03, "note", {"text": "Moved on."}),
        )
        # Refused by the workflow (403, 409), or, once the move is in the read model, not
        # hers to see (404): never anything else.
        refused = (200, 403, 404, 409)
        assert all(a.status_code in refused for a in answers), [a.text for a in answers]
        detail = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
        history = detail.json()["history"]
        acted = [(e["action"], e["from_queue"]) for e in history if e["actor"] == "alice"]
        assert all(queue == "Inbox" for _, queue in acted), acted


async def test_a_display_name_that_reads_as_an_address_is_not_the_sender(stack: Stack) -> None:
    """`From: =?utf-8?q?ceo=40bank=2Eexample?= <attacker@evil.example>` was taken as ceo@, and
    a name that reads as a customer's address joined her ticket by its number."""
    number = await stack.open_ticket(sender="Vera <vera@example.org>")
    for n, sender in enumerate(
        ("=?utf-8?q?vera=40example=2Eorg?= <mi@evil.example>", "vera@example.org <mi@evil.example>")
    ):
        raw = (
            f"From: {sender}\r\nTo: support@ticketflow.localhost\r\n"
            f"Subject: Re: [Ticket#{number}] Cannot log in\r\n"
            f"Message-ID: <disguise-{n}@evil.example>\r\n\r\nSend me her new password.\r\n"
        ).encode()
        taken = (await stack.send_mail(raw)).json()
        assert taken["created"] is True and taken["ticket"] != number, taken
        theirs = await stack.http.get(
            f"/api/v1/tickets/{taken['ticket']}", headers=stack.auth("alice")
        )
        assert theirs.json()["customer"] == "mi@evil.example"
        hints = [(h["topic"], h["matched"]) for h in theirs.json()["hints"]]
        assert ("disguised-sender", "vera@example.org") in hints
    hers = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))
    assert [a["from"] for a in hers.json()["articles"] if a["direction"] == "in"] == [
        "Vera <vera@example.org>"
    ]


async def test_the_customer_form_never_writes_into_an_existing_ticket(stack: Stack) -> None:
    """With the victim's address and her number in the subject, a form post added text to
    her ticket and printed its number back: now it makes a ticket of its own."""
    number = await stack.open_ticket(sender="Lena <lena@example.org>")
    customer = httpx.AsyncClient(transport=stack.http._transport, base_url="http://t")
    sent = await write_to_help(
        customer,
        address="lena@example.org",
        subject=f"Re: [Ticket#{number}] Cannot log in",
        text="Change my recovery address to mallory@evil.example.",
    )
    assert sent.status_code == 200, sent.text
    shown = re.search(r"data-ticket-number>(\d+)<", sent.text)
    assert shown is not None and shown.group(1) != number
    assert number not in sent.text
    hers = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))
    assert [a["direction"] for a in hers.json()["articles"]].count("in") == 1


async def test_a_ticket_s_language_needs_a_right_and_goes_into_its_history(stack: Stack) -> None:
    """Supervisors and non-owners could change it, and no history said so."""
    number = await stack.open_ticket()
    url = f"/api/v1/tickets/{number}/language"
    sam = await stack.http.put(url, json={"language": "tr"}, headers=stack.auth("sam"))
    assert (sam.status_code, sam.json()["code"]) == (403, "right-missing")
    took = await stack.http.post(
        f"/api/v1/tickets/{number}/actions/take", headers=stack.auth("alice"), timeout=30
    )
    assert took.status_code == 200
    stack.tokens["ada"] = stack.components.agent_admin("test").add("ada", ["mail/first-line"])
    other = await stack.http.put(url, json={"language": "tr"}, headers=stack.auth("ada"))
    assert (other.status_code, other.json()["detail"]) == (409, "alice owns this ticket")
    owner = await stack.http.put(url, json={"language": "tr"}, headers=stack.auth("alice"))
    assert owner.status_code == 200 and owner.json()["language"] == "tr"
    detail = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))
    assert [(h["actor"], h["action"], h["detail"]) for h in detail.json()["history"]][-1] == (
        "alice",
        "language",
        "tr",
    )
