"""Attachments over the API: listed on the article, downloaded by agents who may see them."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Any
from urllib.parse import quote

from sqlalchemy import func, select

from tests.support.stack import Stack
from ticketflow.store.models import Blob


def mail_with(files: list[tuple[str, bytes]], subject: str = "Logs") -> bytes:
    msg = EmailMessage()
    msg["From"] = "anna@example.org"
    msg["To"] = "support@ticketflow.localhost"
    msg["Subject"] = subject
    msg.set_content("Attached.")
    for name, data in files:
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return msg.as_bytes()


async def articles_of(stack: Stack, number: str, agent: str = "sam") -> list[dict[str, Any]]:
    resp = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth(agent))
    return list(resp.json()["articles"])


async def test_attachments_are_listed_downloaded_and_stored_once(stack: Stack) -> None:
    same = b"\x00\x01binary log\xff" * 100
    first = (await stack.send_mail(mail_with([("отчёт.log", same)]))).json()["ticket"]
    second = (await stack.send_mail(mail_with([("copy.log", same)], subject="Again"))).json()
    [listed] = (await articles_of(stack, first))[0]["attachments"]
    assert {k: listed[k] for k in ("filename", "size", "stored", "inline")} == {
        "filename": "отчёт.log",
        "size": len(same),
        "stored": True,
        "inline": False,
    }
    resp = await stack.http.get(f"/api/v1/attachments/{listed['id']}", headers=stack.auth("alice"))
    assert resp.status_code == 200 and resp.content == same
    assert (
        resp.headers["content-disposition"] == f"attachment; filename*=UTF-8''{quote('отчёт.log')}"
    )
    assert resp.headers["x-content-type-options"] == "nosniff"
    with stack.components.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Blob)) == 1  # stored once
    assert second["ticket"] != first


async def test_attachment_access_follows_the_ticket(stack: Stack) -> None:
    number = (await stack.send_mail(mail_with([("a.bin", b"secret")]))).json()["ticket"]
    [listed] = (await articles_of(stack, number))[0]["attachments"]
    url = f"/api/v1/attachments/{listed['id']}"
    assert (await stack.http.get(url)).status_code == 401
    hidden = await stack.http.get(url, headers=stack.auth("bob"))
    assert (hidden.status_code, hidden.json()["detail"]) == (404, f"no attachment {listed['id']}")
    resp = await stack.http.get("/api/v1/attachments/999999", headers=stack.auth("sam"))
    assert (resp.status_code, resp.json()["detail"]) == (404, "no attachment 999999")


async def test_attachments_past_the_limit_are_listed_but_not_stored(stack: Stack) -> None:
    limit = 1000
    # The API reads it when it takes its first message, which is the one below.
    stack.components.settings.max_attachment_bytes = limit
    big, small = b"x" * (limit + 1), b"y" * 10
    number = (await stack.send_mail(mail_with([("big.bin", big), ("small.bin", small)]))).json()
    listed = (await articles_of(stack, number["ticket"]))[0]["attachments"]
    assert [(a["filename"], a["size"], a["stored"]) for a in listed] == [
        ("big.bin", limit + 1, False),
        ("small.bin", 10, True),
    ]
    resp = await stack.http.get(f"/api/v1/attachments/{listed[0]['id']}", headers=stack.auth("sam"))
    assert resp.status_code == 404 and "only in the raw message" in resp.json()["detail"]


async def test_html_is_shown_sanitised_with_its_inline_images(stack: Stack) -> None:
    msg = EmailMessage()
    msg["From"] = "anna@example.org"
    msg["To"] = "support@ticketflow.localhost"
    msg["Subject"] = "Screenshot"
    msg.set_content("See the screenshot.")
    msg.add_alternative(
        '<p onclick="steal()">See <b>the screenshot</b>:</p><script>alert(1)</script>'
        '<img src="cid:shot@example.org"><img src="https://track.example/open.gif">',
        subtype="html",
    )
    html_part = msg.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)
    html_part.add_related(
        b"\x89PNG shot", maintype="image", subtype="png", cid="<shot@example.org>"
    )
    number = (await stack.send_mail(msg.as_bytes())).json()["ticket"]
    # Only the customer's article: the automatic reply may be there already.
    [article] = [a for a in await articles_of(stack, number) if a["direction"] == "in"]
    [image] = article["attachments"]
    assert (image["content_id"], image["inline"]) == ("shot@example.org", True)
    assert article["body_text"] == "See the screenshot."
    assert article["body_html"] == (
        f'<p>See <b>the screenshot</b>:</p><img src="/api/v1/attachments/{image["id"]}"><img>'
    )
