"""The console over HTTP (as a browser posts its forms), on the real stack: signing in,
CSRF, the pages' security headers, acting on a ticket and seeing a refusal where one
clicked. The browser tests (test_browser.py) drive the same pages in Chromium."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.support.stack import SmtpSink, Stack, make_components, open_stack
from ticketflow.store.sign_in import SignInLimits, SignInRefused, seat_for, sign_in

PASSWORD = "correct horse battery"


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


async def write_to_help(
    customer: httpx.AsyncClient,
    language: str = "en",
    files: dict[str, tuple[str, bytes, str]] | None = None,
    **fields: str,
) -> httpx.Response:
    """The customer form as a browser sends it: its page first (the form's cookie and
    token), then the post of `fields`."""
    page = await customer.get(f"/help/mail/write?lang={language}")
    form = {"csrf": csrf_of(page.text), "lang": language, **fields}
    return await customer.post("/help/mail/write", data=form, files=files or {})


async def signed_in(stack: Stack, name: str = "alice") -> tuple[httpx.AsyncClient, str]:
    """A browser of its own, signed in as `name`; returns it and its session's CSRF token."""
    stack.components.agent_admin("test").set_password(name, PASSWORD)
    browser = httpx.AsyncClient(transport=stack.http._transport, base_url="http://t")
    page = await browser.get("/signin")
    form = {"csrf": csrf_of(page.text), "name": name, "password": PASSWORD, "next": "/"}
    done = await browser.post("/signin", data=form)
    assert done.status_code == 303 and done.headers["location"] == "/"
    home = await browser.get("/")
    assert home.status_code == 200
    return browser, csrf_of(home.text)


async def test_sign_in_sessions_and_the_pages_rules(stack: Stack) -> None:
    stack.components.agent_admin("test").set_password("alice", PASSWORD)
    browser = httpx.AsyncClient(transport=stack.http._transport, base_url="http://t")
    # Not signed in: to the sign-in page, remembering where to come back.
    away = await browser.get("/p/mail/q/Inbox")
    assert (away.status_code, away.headers["location"]) == (
        303,
        "/signin?next=%2Fp%2Fmail%2Fq%2FInbox",
    )
    page = await browser.get("/signin")
    headers = page.headers
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "unsafe-inline" not in headers["content-security-policy"]
    assert "<script>" not in page.text and "onclick" not in page.text
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    token = csrf_of(page.text)
    # Without the form's token (a post from another site), and with a wrong password.
    forged = await browser.post("/signin", data={"name": "alice", "password": PASSWORD})
    assert forged.status_code == 403
    wrong = await browser.post("/signin", data={"csrf": token, "name": "alice", "password": "nope"})
    assert (wrong.status_code == 401 and "wrong name or password" in wrong.text.lower()) or (
        "неверное" in wrong.text.lower()
    )
    token = csrf_of(wrong.text)
    good = await browser.post(
        "/signin",
        data={"csrf": token, "name": "alice", "password": PASSWORD, "next": "/p/mail/q/Inbox"},
    )
    assert (good.status_code, good.headers["location"]) == (303, "/p/mail/q/Inbox")
    session = good.headers["set-cookie"]
    assert "tf_session=" in session and "HttpOnly" in session and "SameSite=strict" in session
    assert (await browser.get("/p/mail/q/Inbox")).status_code == 200
    # Another site's address after signing in is refused: home instead.
    page = await browser.get("/signin")
    elsewhere = await browser.post(
        "/signin",
        data={
            "csrf": csrf_of(page.text),
            "name": "alice",
            "password": PASSWORD,
            "next": "//evil.example/",
        },
    )
    assert elsewhere.headers["location"] == "/"
    # Sign-out ends the session for good.
    home = await browser.get("/")
    assert (await browser.post("/signout", data={"csrf": csrf_of(home.text)})).status_code == 303
    assert (await browser.get("/")).status_code == 303


async def test_guessing_passwords_is_refused_after_a_few_tries(stack: Stack) -> None:
    stack.components.agent_admin("test").set_password("bob", PASSWORD)
    browser = httpx.AsyncClient(transport=stack.http._transport, base_url="http://t")
    for _ in range(5):
        page = await browser.get("/signin")
        await browser.post(
            "/signin", data={"csrf": csrf_of(page.text), "name": "bob", "password": "x" * 12}
        )
    page = await browser.get("/signin")
    locked = await browser.post(
        "/signin", data={"csrf": csrf_of(page.text), "name": "bob", "password": PASSWORD}
    )
    assert locked.status_code == 401 and "15" in locked.text


async def test_working_a_ticket_in_the_console(stack: Stack) -> None:
    number = await stack.open_ticket()
    browser, csrf = await signed_in(stack)
    await browser.post("/language", data={"csrf": csrf, "language": "en", "next": "/"})
    queue = await browser.get("/p/mail/q/Inbox")
    assert number in queue.text
    ticket = await browser.get(f"/t/{number}")
    assert ticket.status_code == 200 and "Cannot log in" in ticket.text
    # A macro moves it to Passwords: alice may no longer read it (the 404 of the API).
    moved = await browser.post(f"/t/{number}/macro/to-passwords", data={"csrf": csrf})
    assert moved.status_code == 303
    assert (await browser.get(f"/t/{number}")).status_code == 404
    # bob answers it with a template after a preview; a refusal shows where he clicked.
    bobs, bob_csrf = await signed_in(stack, "bob")
    await bobs.post("/language", data={"csrf": bob_csrf, "language": "en", "next": "/"})
    shown = await bobs.post(
        f"/t/{number}/preview", data={"csrf": bob_csrf, "template": "password_reset"}
    )
    assert shown.status_code == 200 and "What the customer will get" in shown.text
    refused = await bobs.post(f"/t/{number}/act/move", data={"csrf": bob_csrf, "queue": "Web"})
    assert refused.status_code == 403 and "no move_into right for queue" in refused.text
    answered = await bobs.post(
        f"/t/{number}/act/answer", data={"csrf": bob_csrf, "template": "password_reset"}
    )
    assert answered.status_code == 303
    after = await bobs.get(f"/t/{number}")
    assert "closed" in after.text
    # Without the session's token nothing happens.
    forged = await bobs.post(f"/t/{number}/act/reopen", data={"csrf": "forged"})
    assert forged.status_code == 403


def test_sessions_end_when_idle_and_at_the_latest_after_twelve_hours(tmp_path: Path) -> None:
    components = make_components(tmp_path, f"sqlite:///{tmp_path / 'tf.db'}")
    components.agent_admin("test").add("ann", ["mail/first-line"])
    components.agent_admin("test").set_password("ann", PASSWORD)
    limits, t0 = SignInLimits(), datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    token, seat = sign_in(components.sessions, "ann", PASSWORD, "10.0.0.1", limits, t0)
    assert seat.agent.name == "ann" and len(seat.csrf) > 20
    # Active every hour: the session lasts until its twelfth hour, not after.
    for hour in range(1, 12):
        assert seat_for(components.sessions, token, limits, t0 + timedelta(hours=hour))
    assert seat_for(components.sessions, token, limits, t0 + timedelta(hours=12)) is None
    # Idle for two hours: it has ended.
    token, _ = sign_in(components.sessions, "ann", PASSWORD, "10.0.0.1", limits, t0)
    assert seat_for(components.sessions, token, limits, t0 + timedelta(hours=2)) is None
    # A new password ends every session of his at once.
    token, _ = sign_in(components.sessions, "ann", PASSWORD, "10.0.0.1", limits, t0)
    components.agent_admin("test").set_password("ann", PASSWORD + "!")
    assert seat_for(components.sessions, token, limits, t0 + timedelta(minutes=1)) is None
    with pytest.raises(SignInRefused, match="wrong name or password"):
        sign_in(components.sessions, "nobody", PASSWORD, "10.0.0.1", limits, t0)


async def test_the_customer_form_refuses_mistakes_and_floods_with_reasons(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path, smtp: tuple[SmtpSink, int]
) -> None:
    async with open_stack(
        dev_env, database_url, tmp_path, smtp, form_posts_per_client_per_hour=1
    ) as stack:
        customer = httpx.AsyncClient(transport=stack.http._transport, base_url="http://t")

        async def send(address: str) -> httpx.Response:
            files = {"attachment1": ("a.txt", b"hello", "text/plain")}
            text = "My mailbox is full of spam."
            return await write_to_help(customer, files=files, address=address, text=text)

        wrong = await send("not an address")
        assert wrong.status_code == 422
        assert "give the address we can answer you at" in wrong.text
        sent = await send("lena@example.org")
        assert sent.status_code == 200 and "data-ticket-number" in sent.text
        again = await send("lena@example.org")  # the limit is one an hour here
        assert again.status_code == 429 and "too many requests" in again.text
        forged = await customer.post("/help/mail/write", data={"csrf": "x"}, files={})
        assert forged.status_code in (400, 403)
        unknown = await customer.get("/help/nowhere")
        assert unknown.status_code == 404


async def test_a_page_offers_only_the_actions_the_policy_allows(stack: Stack) -> None:
    """The ticket's page and the API's ticket read the same policy: a supervisor (who reads
    every queue and acts in none) is offered no action, the first line all of Inbox's, and
    an action the page does not offer is refused when posted anyway."""
    number = await stack.open_ticket()
    detail = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
    assert detail.status_code == 200 and detail.json()["actions"] == []
    first = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))
    assert first.json()["actions"] == [
        "take", "answer", "ask", "move", "priority", "close", "merge", "note", "remind",
        "forward",
    ]  # fmt: skip
    sams, sam_csrf = await signed_in(stack, "sam")
    page = await sams.get(f"/t/{number}")
    assert page.status_code == 200 and "Cannot log in" in page.text
    assert "/act/" not in page.text and "/macro/" not in page.text
    refused = await sams.post(f"/t/{number}/act/note", data={"csrf": sam_csrf, "text": "hi"})
    # In his language (Russian here), the right and the action named as the desk names them.
    assert (
        refused.status_code == 403
        and "заметка: нужно право «заметки» в этой очереди" in refused.text
    )
    alices, _ = await signed_in(stack)
    offered = await alices.get(f"/t/{number}")
    for action in ("take", "answer", "ask", "move", "priority", "close", "note"):
        assert f"/t/{number}/act/{action}" in offered.text, action
    assert f"/t/{number}/act/release" not in offered.text  # nobody owns it yet


async def test_refusals_carry_a_stable_code_beside_their_reason(stack: Stack) -> None:
    number = await stack.open_ticket()
    unknown = await stack.http.get("/api/v1/tickets/999", headers=stack.auth("alice"))
    assert unknown.json() == {"detail": "no ticket 999", "code": "ticket-unknown"}
    note = await stack.http.post(
        f"/api/v1/tickets/{number}/actions/note", json={"text": "x"}, headers=stack.auth("sam")
    )
    assert (note.status_code, note.json()["code"]) == (403, "right-missing")
    took = await stack.http.post(
        f"/api/v1/tickets/{number}/actions/take", headers=stack.auth("alice"), timeout=30
    )
    assert took.status_code == 200
    again = await stack.http.post(
        f"/api/v1/tickets/{number}/actions/close", headers=stack.auth("alice"), json={}
    )
    assert again.status_code == 200
    closed = await stack.http.post(
        f"/api/v1/tickets/{number}/actions/close", headers=stack.auth("alice"), json={}
    )
    assert closed.status_code == 409
    assert closed.json() == {"detail": "cannot close a ticket that is closed", "code": "state"}
