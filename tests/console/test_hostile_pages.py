"""The pages under attack (issue: hostile input, second round): each test attacks one hole
and checks it now fails to get in."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

import httpx

from tests.console.test_pages import PASSWORD, csrf_of, signed_in
from tests.support.mail import customer_mail
from tests.support.stack import Stack


async def test_a_form_without_its_cookie_is_refused_whatever_token_it_carries(
    stack: Stack,
) -> None:
    """Login CSRF: with the sign-in (or the customer form's) cookie absent, no token passes,
    the old placeholder `-` included."""
    stack.components.agent_admin("test").set_password("alice", PASSWORD)
    stranger = httpx.AsyncClient(transport=stack.http._transport, base_url="http://t")
    for token in ("-", "", "x"):
        signing = {"csrf": token, "name": "alice", "password": PASSWORD, "next": "/"}
        refused = await stranger.post("/signin", data=signing)
        assert refused.status_code == 403, refused.text
        assert "tf_session" not in refused.cookies
        form = {"csrf": token, "lang": "en", "address": "lena@example.org", "text": "Hello"}
        posted = await stranger.post("/help/mail/write", data=form, files={})
        assert posted.status_code == 403, posted.text
    # With the page's own cookie and token, both pass.
    page = await stranger.get("/signin")
    signing = {"csrf": csrf_of(page.text), "name": "alice", "password": PASSWORD, "next": "/"}
    assert (await stranger.post("/signin", data=signing)).status_code == 303


async def test_a_refusal_is_never_text_from_the_address_bar(stack: Stack) -> None:
    number = await stack.open_ticket()
    browser, _ = await signed_in(stack)
    page = await browser.get(f"/t/{number}", params={"refused": "<b>Call 555-0199 now</b>"})
    assert page.status_code == 200
    assert "555-0199" not in page.text and 'role="alert" id="refused"' not in page.text


async def events_until_end(stream: httpx.Response, timeout: float = 20) -> list[str]:
    """The names of the events a stream sends, until it ends (or `timeout`)."""
    names: list[str] = []

    async def read() -> None:
        async for line in stream.aiter_lines():
            if line.startswith("event: "):
                names.append(line.removeprefix("event: "))

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(read(), timeout)
    return names


async def test_a_live_stream_ends_when_its_agent_s_rights_do(
    stack: Stack,
    served: str,
) -> None:
    """A queue's stream kept sending new subjects and addresses after its agent was moved
    to another project's group, or disabled."""
    admin = stack.components.agent_admin("test")
    for name, change in (("ada", "groups"), ("bea", "disable")):
        admin.add(name, ["mail/first-line"])
        admin.set_password(name, PASSWORD)
        browser = httpx.AsyncClient(base_url=served, timeout=30)
        page = await browser.get("/signin")
        signing = {"csrf": csrf_of(page.text), "name": name, "password": PASSWORD, "next": "/"}
        assert (await browser.post("/signin", data=signing)).status_code == 303
        since = {"since": datetime.now(UTC).isoformat()}
        async with browser.stream("GET", "/live/p/mail/q/Inbox", params=since) as stream:
            assert stream.status_code == 200
            if change == "groups":
                admin.set_groups(name, ["social/first-line"])
            else:
                admin.set_disabled(name, True)
            await stack.send_mail(customer_mail(subject="Secret subject", sender="x@example.org"))
            names = await events_until_end(stream)
        assert names == (["gone"] if change == "groups" else ["signed-out"]), names
        await browser.aclose()
