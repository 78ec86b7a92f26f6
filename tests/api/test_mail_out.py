"""Agents' mail as people send it: files, copies (Cc, Bcc, reply-all) and forwards, on the
real stack, to a real SMTP server on loopback."""

from __future__ import annotations

import asyncio
import signal
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api import create_app
from tests.support.mail import customer_mail, text_part
from tests.support.stack import AGENTS, SmtpSink, Stack, example_desk, make_components, open_stack
from tests.support.temporal import eventually, running_workers
from tests.workflows.test_worker_kill import worker_process

PNG = b"\x89PNG\r\n\x1a\n" + b"screenshot" * 100
SETTINGS = b"[mail]\nserver = imap.ticketflow.example\nport = 993\n"


def files(*named: tuple[str, bytes, str]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("file", f) for f in named]


async def upload(
    http: httpx.AsyncClient, headers: dict[str, str], number: str, *named: tuple[str, bytes, str]
) -> httpx.Response:
    return await http.post(
        f"/api/v1/tickets/{number}/uploads", files=files(*named), headers=headers
    )


async def article(
    http: httpx.AsyncClient, headers: dict[str, str], number: str, **want: Any
) -> Any:
    """The ticket's newest outbound article once it has the wanted fields."""

    async def newest() -> Any:
        shown = (await http.get(f"/api/v1/tickets/{number}", headers=headers)).json()
        return [a for a in shown["articles"] if a["direction"] == "out"][-1]

    return await eventually(newest, lambda a: all(a[k] in v for k, v in want.items()), 30)


def attached(msg: EmailMessage) -> dict[str, bytes]:
    return {
        str(p.get_filename()): p.get_payload(decode=True)  # type: ignore[misc]
        for p in msg.iter_attachments()
        if p.get_content_type() != "message/rfc822"
    }


async def test_an_answer_with_two_files_and_a_cc_is_sent_once_across_a_worker_kill(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path, smtp: tuple[SmtpSink, int]
) -> None:
    """The worker is SIGKILLed while the answer waits out its undo window (a durable
    timer): another worker sends it, once, as one MIME message with both files and Cc."""
    sink, port = smtp
    desk = example_desk(tmp_path, undo_seconds=4)
    components = make_components(
        tmp_path, database_url, smtp_url=f"smtp://127.0.0.1:{port}", desk_config=desk
    )
    token = components.agent_admin("test").add("alice", AGENTS["alice"])
    headers = {"Authorization": f"Bearer {token}"}
    app = create_app(components.settings, temporal=dev_env.client)
    env = {"TICKETFLOW_SMTP_URL": f"smtp://127.0.0.1:{port}", "TICKETFLOW_DESK_CONFIG": str(desk)}
    worker = worker_process(components, dev_env.client.service_client.config.target_host, env)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
        ):
            inbound = {
                "Content-Type": "message/rfc822",
                "X-Webhook-Secret": components.webhook_secret,
            }
            made = await http.post("/api/v1/inbound/mail", content=customer_mail(), headers=inbound)
            number = made.json()["ticket"]
            await sink.wait_for(1, timeout=60)  # the automatic reply: the worker runs
            kept = await upload(
                http,
                headers,
                number,
                ("error.png", PNG, "image/png"),
                ("mail.ini", SETTINGS, "text/plain"),
            )
            assert kept.status_code == 201, kept.text
            ids = [u["id"] for u in kept.json()["uploads"]]
            resp = await http.post(
                f"/api/v1/tickets/{number}/actions/answer",
                json={
                    "text": "Settings attached.",
                    "cc": ["lead@partner.example"],
                    "attachments": ids,
                },
                headers=headers,
            )
            assert resp.status_code == 200, resp.text
            worker.send_signal(signal.SIGKILL)  # within the undo window: nothing sent yet
            worker.wait(30)
            assert len(sink.messages) == 1
            async with running_workers(dev_env.client, components):
                sent = await article(http, headers, number, status=["sent"])
                await asyncio.sleep(2)  # time for a second copy, were there one
    finally:
        if worker.poll() is None:
            worker.kill()
    answers = [m for m in sink.messages if "Settings attached." in text_part(m)]
    assert len(answers) == 1
    [answer] = answers
    assert answer["Cc"] == "lead@partner.example"
    assert attached(answer) == {"error.png": PNG, "mail.ini": SETTINGS}
    assert sink.envelopes[sink.messages.index(answer)] == [
        "anna@example.org",
        "lead@partner.example",
    ]
    assert sent["cc"] == "lead@partner.example"
    assert [a["filename"] for a in sent["attachments"]] == ["error.png", "mail.ini"]


async def test_reply_all_and_bcc_and_who_may_then_write(stack: Stack) -> None:
    number = await stack.open_ticket(
        subject="Shared mailbox locked", cc="Boris <boris@partner.example>"
    )
    resp = await stack.act(
        number, "ask", text="Which of you owns it?", reply_all=True, bcc=["audit@partner.example"]
    )
    assert resp.status_code == 200, resp.text
    sent = await article(stack.http, stack.auth("alice"), number, status=["sent"])
    assert (sent["cc"], sent["bcc"]) == ("boris@partner.example", "audit@partner.example")
    [asked] = [m for m in stack.smtp.messages if "Which of you" in text_part(m)]
    assert asked["Cc"] == "boris@partner.example" and asked["Bcc"] is None
    recipients = stack.smtp.envelopes[stack.smtp.messages.index(asked)]
    assert recipients == ["anna@example.org", "boris@partner.example", "audit@partner.example"]
    # Boris, copied, answers with the number alone (his client dropped the references).
    boris = customer_mail(
        sender="boris@partner.example",
        subject=f"Re: [Ticket#{number}] Shared mailbox locked",
        body="I own it.",
    )
    assert (await stack.send_mail(boris)).json()["ticket"] == number


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"text": "x", "cc": ["not an address"]}, "cc"),
        ({"text": "x", "cc": ["a@b.example\r\nBcc: victim@x.example"]}, "cc"),
        ({"text": "x", "bcc": ["a@b.example"] * 21}, "bcc"),
        ({"text": "x", "attachments": [0]}, "attachments"),
    ],
)
async def test_bad_copies_and_file_ids_are_refused_with_the_field(
    stack: Stack, body: dict[str, Any], field: str
) -> None:
    number = await stack.open_ticket()
    resp = await stack.act(number, "answer", **body)
    assert resp.status_code == 422
    assert field in resp.text


async def test_files_are_the_uploader_s_and_within_the_limits(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path, smtp: tuple[SmtpSink, int]
) -> None:
    scanner = tmp_path / "scan.sh"
    scanner.write_text("#!/bin/sh\nif grep -q EICAR; then exit 1; fi\nexit 0\n")
    scanner.chmod(0o755)
    async with open_stack(
        dev_env,
        database_url,
        tmp_path,
        smtp,
        max_attachment_bytes=1000,
        upload_scan_command=str(scanner),
    ) as stack:
        number = await stack.open_ticket()
        http, alice = stack.http, stack.auth("alice")
        too_large = await upload(
            http, alice, number, ("big.bin", b"x" * 1001, "application/octet-stream")
        )
        assert (too_large.status_code, too_large.json()["code"]) == (413, "upload-too-large")
        infected = await upload(http, alice, number, ("eicar.txt", b"X5O EICAR test", "text/plain"))
        assert (infected.status_code, infected.json()["code"]) == (422, "upload-infected")
        nothing = await http.post(
            f"/api/v1/tickets/{number}/uploads", files={"other": ("a.txt", b"a")}, headers=alice
        )
        assert (nothing.status_code, nothing.json()["code"]) == (422, "upload-none")
        # Bob (Passwords) sees no Inbox ticket: no upload to it.
        unseen = await upload(http, stack.auth("bob"), number, ("a.txt", b"a", "text/plain"))
        assert unseen.status_code == 404
        kept = await upload(http, alice, number, ("note.txt", b"clean", "text/plain"))
        [mine] = kept.json()["uploads"]
        assert mine["content_type"] == "text/plain" and mine["size"] == 5
        # Sam (a supervisor) may not send alice's file, nor may anyone name another's.
        await stack.act(number, "take", agent="alice")
        other = await stack.open_ticket(subject="Second")
        elsewhere = await stack.act(other, "answer", text="x", attachments=[mine["id"]])
        assert (elsewhere.status_code, elsewhere.json()["code"]) == (404, "upload-unknown")
        # The refused answer left no article behind, and the ticket as it was.
        shown = (await http.get(f"/api/v1/tickets/{other}", headers=alice)).json()
        assert shown["state"] == "first-line"
        assert [a["direction"] for a in shown["articles"]] == ["in", "out"]


async def test_a_forward_carries_the_original_whole_and_never_the_customer(stack: Stack) -> None:
    evidence = EmailMessage()
    evidence["From"] = "Vera <vera@example.org>"
    evidence["To"] = "abuse@ticketflow.localhost"
    evidence["Subject"] = "Phishing from your network"
    evidence["Received"] = "from mx.phisher.example (203.0.113.9)"
    evidence["Message-ID"] = "<evidence-1@example.org>"
    evidence.set_content("They asked for my password; their mail is attached.")
    evidence.add_attachment(
        b"<html>login</html>", maintype="text", subtype="html", filename="page.html"
    )
    number = (await stack.send_mail(evidence.as_bytes())).json()["ticket"]
    shown = await eventually(
        lambda: stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("abe")),
        lambda r: r.json().get("state") == "second-line",  # 404 to abe while in the Inbox
    )
    source = shown.json()["articles"][0]
    resp = await stack.act(
        number,
        "forward",
        agent="abe",
        article_id=source["id"],
        to="abuse@phisher-hosting.example",
        cc=["vera@example.org", "cert@partner.example"],
        text="Phishing from your customer's server; the original with headers is attached.",
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["state"] == "second-line"  # a forward changes nothing of the ticket
    sent = await article(stack.http, stack.auth("abe"), number, status=["sent"])
    assert sent["to"] == "abuse@phisher-hosting.example" and sent["cc"] == "cert@partner.example"
    [forward] = [m for m in stack.smtp.messages if "abuse@phisher-hosting.example" in str(m["To"])]
    recipients = stack.smtp.envelopes[stack.smtp.messages.index(forward)]
    assert "vera@example.org" not in recipients  # the customer is never copied
    assert forward["Subject"] == f"Fwd: [Ticket#{number}] Phishing from your network"
    body = text_part(forward)
    assert body.startswith("Phishing from your customer's server")
    assert (
        "---------- Forwarded message ---------" in body and "From: Vera <vera@example.org>" in body
    )
    [whole] = [p for p in forward.iter_attachments() if p.get_content_type() == "message/rfc822"]
    payload = whole.get_payload()
    assert isinstance(payload, list)
    [original] = payload
    assert isinstance(original, EmailMessage)
    assert original["Message-ID"] == "<evidence-1@example.org>"
    assert original["Received"] == "from mx.phisher.example (203.0.113.9)"
    assert [p.get_filename() for p in original.iter_attachments()] == ["page.html"]
    history = (await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("abe"))).json()[
        "history"
    ]
    assert [h["action"] for h in history if h["actor"] == "abe"] == ["forward"]
    # Alice (first line) has no reply right in Abuse: she may not forward its mail.
    refused = await stack.act(number, "forward", article_id=source["id"], to="x@partner.example")
    assert refused.status_code in (403, 404)


async def test_a_copy_the_server_refuses_leaves_the_mail_sent_and_says_so(stack: Stack) -> None:
    stack.smtp.refused.add("ghost@partner.example")
    number = await stack.open_ticket()
    resp = await stack.act(number, "answer", text="Done.", cc=["ghost@partner.example"])
    assert resp.status_code == 200, resp.text
    sent = await article(stack.http, stack.auth("alice"), number, status=["sent"])
    assert "ghost@partner.example: 550" in sent["error"]
    [answer] = [m for m in stack.smtp.messages if "Done." in text_part(m)]
    assert stack.smtp.envelopes[stack.smtp.messages.index(answer)] == ["anna@example.org"]
