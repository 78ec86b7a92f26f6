"""The Passwords tools on a ticket's page: claims recorded through its form are sealed
and never shown again, a verification's verdicts in the agent's language, the decision,
and the account panel beside a second-line ticket."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from tests.api.test_passwords import MARKER, load_sample
from tests.console.test_pages import csrf_of, signed_in, write_to_help
from tests.support.browser import (
    CSP_REPORTS,
    PASSWORD,
    axe_violations,
    playwright_api,
    shot,
    sign_in,
)
from tests.support.grep import database_text
from tests.support.mail import text_part
from tests.support.stack import Stack
from tests.support.temporal import eventually
from ticketflow.store.sign_in import set_language


async def test_claims_verify_and_decide_on_the_page(stack: Stack) -> None:
    load_sample(stack)
    number = await stack.open_ticket(sender="olga@example.net", subject="Cannot sign in")
    assert (await stack.act(number, "move", agent="alice", queue="Passwords")).status_code == 200
    browser, csrf = await signed_in(stack, "bob")
    browser.headers["Accept-Language"] = "en"
    page = await browser.get(f"/t/{number}")
    assert "Access check" in page.text and "No claims recorded yet." in page.text
    assert 'data-account="/t/' in page.text  # the panel, filled after the page
    assert 'name="claim_birth_date"' in page.text and "data-verify" not in page.text
    panel = await browser.get(f"/t/{number}/account")
    assert "exists" in panel.text and "Created" in panel.text

    form = {
        "csrf": csrf_of(page.text),
        "from_project": "mail",
        "from_queue": "Passwords",
        "claim_phone": "+7 (495) 765-43-21",
        "claim_last_password": MARKER,
        "claim_birth_date": "",
    }
    done = await browser.post(f"/t/{number}/claims", data=form)
    assert done.status_code == 303, done.text
    page = await browser.get(done.headers["location"])
    assert "Not verified yet" in page.text and MARKER not in page.text
    assert "data-verify" in page.text
    verified = await browser.post(
        f"/t/{number}/act/verify", data={"csrf": csrf, "from_project": "mail", "from_queue": "x"}
    )
    assert verified.status_code == 303
    page = await browser.get(f"/t/{number}")
    assert 'data-verdict="match"' in page.text and 'data-verdict="unknown"' in page.text
    assert MARKER not in page.text
    # A refusal without a reason is said on the page; with one, the ticket closes.
    refused = await browser.post(f"/t/{number}/act/refuse", data={"csrf": csrf, "reason": ""})
    assert refused.status_code == 422 and 'id="refused"' in refused.text
    decided = await browser.post(
        f"/t/{number}/act/refuse", data={"csrf": csrf, "reason": "cannot confirm"}
    )
    assert decided.status_code == 303
    page = await browser.get(f"/t/{number}")
    assert "cannot confirm" in page.text and "data-restore" not in page.text


async def test_the_first_line_sees_no_access_check_and_russian_words(stack: Stack) -> None:
    number = await stack.open_ticket()
    browser, _ = await signed_in(stack, "alice")
    page = await browser.get(f"/t/{number}")
    assert 'class="access"' not in page.text and "data-account" not in page.text
    ru, _ = await signed_in(stack, "bob")
    set_language(stack.components.sessions, "bob", "ru")  # his choice
    assert (await stack.act(number, "move", agent="alice", queue="Passwords")).status_code == 200
    page = await ru.get(f"/t/{number}")
    assert "Проверка доступа" in page.text


async def test_a_verification_in_the_browser(
    stack: Stack, served: str, chromium: object, axe_script: Path | None
) -> None:
    """Bob, in Chromium, records what Anna said, verifies it, sees only the verdicts and
    the account beside the ticket, and restores her access by SMS."""
    expect = playwright_api.expect
    load_sample(stack)
    stack.components.agent_admin("test").set_password("bob", PASSWORD)
    number = await stack.open_ticket(subject="I cannot get into my mailbox")
    assert (await stack.act(number, "move", agent="alice", queue="Passwords")).status_code == 200
    bob = await sign_in(chromium, served, "bob")
    await bob.goto(f"{served}/t/{number}")  # type: ignore[attr-defined]
    panel = bob.locator("section.account")  # type: ignore[attr-defined]
    await expect(panel).to_contain_text("exists")  # filled after the page
    await expect(panel).to_contain_text("recovery-address")
    access = bob.locator("section.access")  # type: ignore[attr-defined]
    await access.get_by_text("Record the customer's claims").click()
    await access.get_by_label("Date of birth").fill("17.05.1990")
    await access.get_by_label("Phone number on the account").fill("8 912 345 67 89")
    await access.get_by_label("A password you used recently").fill(MARKER)
    await access.get_by_role("button", name="Record").click()
    await bob.get_by_role("button", name="Verify").click()  # type: ignore[attr-defined]
    verdicts = bob.locator("table.verdicts")  # type: ignore[attr-defined]
    await expect(verdicts).to_contain_text("Date of birth")
    await expect(verdicts.locator('[data-verdict="mismatch"]')).to_have_count(1)
    await expect(verdicts.locator('[data-verdict="match"]')).to_have_count(2)
    await expect(bob.locator("body")).not_to_contain_text(MARKER)  # type: ignore[attr-defined]
    await access.get_by_label("Restore access by").select_option("sms")
    await access.locator("#restore-reason").fill("birth date and phone match")
    await shot(bob, "passwords-verification", full_page=False)
    if axe_script is not None:
        cookies = await bob.context.cookies()  # type: ignore[attr-defined]
        assert await axe_violations(chromium, served, cookies, [f"/t/{number}"], axe_script) == {}
    await access.get_by_role("button", name="Restore access").click()
    await expect(bob.locator("section.access")).to_contain_text("birth date and phone match")  # type: ignore[attr-defined]
    mails = await stack.smtp.wait_for(2)
    assert "one-time code" in text_part(mails[-1])
    assert CSP_REPORTS == []


async def test_the_customer_form_asks_the_claims_and_seals_them(stack: Stack) -> None:
    load_sample(stack)
    customer = httpx.AsyncClient(transport=stack.http._transport, base_url="http://t")
    plain = await customer.get("/help/mail/write?lang=en&topic=Mail+programs")
    assert "claim_birth_date" not in plain.text  # only on the access topic
    page = await customer.get("/help/mail/write?lang=en&topic=Access+and+passwords")
    assert 'name="claim_birth_date"' in page.text and "Date of birth" in page.text

    async def write(birth_date: str, account: str = "", password: str = "") -> httpx.Response:
        return await write_to_help(
            customer,
            name="Anna",
            address="anna.new@example.com",
            subject="Cannot sign in",
            text="Someone changed my password.",
            topic="Access and passwords",
            claim_birth_date=birth_date,
            claim_account=account,  # left empty: not a claim
            claim_last_password=password,
        )

    refused = await write("last spring")
    assert refused.status_code == 422 and "Date of birth: cannot be read" in refused.text
    assert "last spring" not in refused.text
    sent = await write("17.05.1990", "anna@example.org", MARKER)
    assert sent.status_code == 200, sent.text
    number = re.search(r"\b(\d{20})\b", sent.text)
    assert number is not None
    ticket = number.group(1)

    async def claims_recorded() -> list[str]:
        detail = await stack.http.get(f"/api/v1/tickets/{ticket}", headers=stack.auth("sam"))
        return [h["actor"] for h in detail.json()["history"] if h["action"] == "claims"]

    assert await eventually(claims_recorded, lambda actors: actors == ["customer"])
    assert (await stack.act(ticket, "move", agent="alice", queue="Passwords")).status_code == 200
    assert (await stack.act(ticket, "verify", agent="bob")).status_code == 200
    found = await stack.http.get(
        f"/api/v1/tickets/{ticket}/verification", headers=stack.auth("bob")
    )
    assert found.json()["items"] == [
        {"name": "birth_date", "verdict": "match"},
        {"name": "last_password", "verdict": "mismatch"},
    ]
    assert MARKER not in database_text(stack.components.engine)
