"""The issue's end-to-end story on a real Temporal dev server, real databases and real SMTP."""

from __future__ import annotations

from email.utils import make_msgid
from typing import Any

from temporalio.client import WorkflowExecutionStatus

from tests.support.mail import customer_mail, text_part
from tests.support.stack import Stack
from tests.support.temporal import decoded_history_text, eventually
from ticketflow.tickets.numbering import workflow_id

BODY = "Hello, I cannot log in since yesterday. My backup address is anna.backup@example.net."


async def test_mail_to_answer_to_reopen_in_passwords(stack: Stack) -> None:
    http = stack.http
    first_id = make_msgid(domain="example.org")
    resp = await stack.send_mail(customer_mail(body=BODY, message_id=first_id))
    assert resp.status_code == 202, resp.text
    number = resp.json()["ticket"]
    assert resp.json() == {
        "ticket": number,
        "created": True,
        "duplicate": False,
        "ignored": None,
        "set_aside": None,
        "raw_id": 1,
    }

    # The ticket waits in Inbox, first-line; the customer has the automatic reply.
    async def inbox() -> Any:
        r = await http.get("/api/v1/tickets?queue=Inbox", headers=stack.auth("alice"))
        return r.json()["tickets"]

    tickets = await eventually(inbox, lambda ts: [t["number"] for t in ts] == [number])
    assert tickets[0]["state"] == "first-line"
    (auto_reply,) = await stack.smtp.wait_for(1)
    assert f"[Ticket#{number}]" in auto_reply["Subject"]
    assert auto_reply["In-Reply-To"] == first_id
    assert auto_reply["Auto-Submitted"] == "auto-replied"
    assert auto_reply["To"] == "anna@example.org"

    # First line moves it to Passwords: second-line, and out of alice's sight.
    resp = await http.post(
        f"/api/v1/tickets/{number}/actions/move",
        json={"queue": "Passwords"},
        headers=stack.auth("alice"),
    )
    assert resp.status_code == 200, resp.text
    assert resp.json() == {
        "number": number,
        "state": "second-line",
        "queue": "Passwords",
        "owner": None,
        "priority": 3,
        "action_id": 3,  # after the message and the route (the test desk has no undo)
        "undo_until": None,
    }

    # Second line answers: closed; the answer reaches the customer threaded.
    answer_text = "We have reset your password; the link in the next mail is valid for a day."
    resp = await http.post(
        f"/api/v1/tickets/{number}/actions/answer",
        json={"text": answer_text},
        headers=stack.auth("bob"),
    )
    assert resp.status_code == 200, resp.text
    assert (resp.json()["state"], resp.json()["queue"]) == ("closed", "Passwords")
    answer = (await stack.smtp.wait_for(2))[1]
    assert answer_text in text_part(answer)
    assert f"[Ticket#{number}]" in answer["Subject"]
    assert answer["In-Reply-To"] == first_id

    # The customer replies to the answer with a new subject: same ticket, back in Passwords.
    reply = customer_mail(subject="Thanks but it still fails", in_reply_to=answer["Message-ID"])
    resp = await stack.send_mail(reply)
    assert resp.status_code == 202, resp.text
    assert resp.json() == {
        "ticket": number,
        "created": False,
        "duplicate": False,
        "ignored": None,
        "set_aside": None,
        "raw_id": resp.json()["raw_id"],
    }

    async def ticket() -> Any:
        return (await http.get(f"/api/v1/tickets/{number}", headers=stack.auth("bob"))).json()

    detail = await eventually(ticket, lambda t: t["state"] == "second-line")
    assert detail["queue"] == "Passwords"
    assert [a["direction"] for a in detail["articles"]] == ["in", "out", "out", "in"]
    assert detail["articles"][0]["body_text"] == BODY
    assert [h["action"] for h in detail["history"]] == [
        "customer-message",
        "route",
        "move",
        "answer",
        "customer-message",
    ]
    inbound_ids = [a["id"] for a in detail["articles"] if a["direction"] == "in"]
    assert [h["article_id"] for h in detail["history"] if h["action"] == "customer-message"] == (
        inbound_ids
    )
    assert detail["history"][2]["actor"] == "alice"
    assert detail["history"][3]["actor"] == "bob"

    # A supervisor finds it with the documented list query.
    client = stack.env.client
    query = f"TicketQueue='Passwords' AND TicketState='second-line' AND TicketNumber='{number}'"

    async def listed() -> list[str]:
        return [wf.id async for wf in client.list_workflows(query)]

    assert await eventually(listed, lambda ids: ids == [workflow_id(number)])

    # Claim check: the whole history holds ids, not the mail.
    handle = client.get_workflow_handle(workflow_id(number))
    assert (await handle.describe()).status == WorkflowExecutionStatus.RUNNING
    history = decoded_history_text((await handle.fetch_history()).to_json_dict())
    assert number in history
    for private in (BODY, answer_text, "anna@example.org", "anna.backup@example.net"):
        assert private not in history
