"""The console in a real Chromium (the playwright package driving Debian's chromium), as a
person works it: controls are found by their role and accessible name, as assistive
technology finds them. Screenshots go to TICKETFLOW_SCREENSHOTS when it is set (the docs'
are made so: docs/console/)."""

from __future__ import annotations

from pathlib import Path

from tests.support.browser import (
    CSP_REPORTS,
    PASSWORD,
    axe_violations,
    playwright_api,
    shot,
    sign_in,
)
from tests.support.mail import customer_mail
from tests.support.stack import Stack
from tests.support.temporal import eventually


async def test_an_agent_works_tickets_in_the_browser(
    stack: Stack, served: str, chromium: object, axe_script: Path | None
) -> None:
    expect = playwright_api.expect
    admin = stack.components.agent_admin("test")
    admin.add("ada", ["mail/first-line"])
    for name in ("alice", "ada", "bob"):
        admin.set_password(name, PASSWORD)
    number = await stack.open_ticket(subject="Cannot log in", body="I forgot my password.")

    alice = await sign_in(chromium, served, "alice")
    await expect(alice.get_by_role("heading", name="Queues")).to_be_visible()  # type: ignore[attr-defined]
    await shot(alice, "queues")
    await alice.get_by_role("link", name="Inbox").click()  # type: ignore[attr-defined]
    # A key pressed before the queue's page has loaded would reach the page it leaves.
    await alice.wait_for_url("**/p/mail/q/Inbox")  # type: ignore[attr-defined]
    # j walks the list: the first ticket's row is the current one, its link focused.
    await alice.keyboard.press("j")  # type: ignore[attr-defined]
    await expect(alice.get_by_role("link", name=number)).to_be_focused()  # type: ignore[attr-defined]
    # A ticket that arrives while the queue is open shows without a reload.
    arriving = await stack.open_ticket(subject="Spam everywhere", body="So much spam.")
    await expect(alice.get_by_role("link", name=arriving)).to_be_visible()  # type: ignore[attr-defined]
    await shot(alice, "queue")
    await alice.get_by_role("link", name=number).click()  # type: ignore[attr-defined]
    await expect(alice.get_by_role("heading", name=f"Cannot log in {number}")).to_be_visible()  # type: ignore[attr-defined]
    await shot(alice, "ticket")
    # The keys: r, n and m reach the reply, the note and the move; `/` the search.
    for key, field in (("r", "Reply to the customer (r)"), ("n", "Internal note (n)")):
        await alice.keyboard.press(key)  # type: ignore[attr-defined]
        await expect(alice.get_by_label(field)).to_be_focused()  # type: ignore[attr-defined]
        await alice.keyboard.press("Escape")  # type: ignore[attr-defined]
        await alice.locator("body").click(position={"x": 5, "y": 5})  # type: ignore[attr-defined]
    await alice.keyboard.press("m")  # type: ignore[attr-defined]
    await expect(alice.get_by_label("Move to (m)")).to_be_focused()  # type: ignore[attr-defined]
    await alice.locator("body").click(position={"x": 5, "y": 5})  # type: ignore[attr-defined]
    await alice.keyboard.press("/")  # type: ignore[attr-defined]
    await expect(alice.get_by_role("searchbox", name="Search tickets")).to_be_focused()  # type: ignore[attr-defined]
    await alice.locator("body").click(position={"x": 5, "y": 5})  # type: ignore[attr-defined]
    # `?` lists the keys; Escape closes the list.
    await alice.keyboard.press("?")  # type: ignore[attr-defined]
    await expect(alice.get_by_role("dialog", name="Keyboard")).to_be_visible()  # type: ignore[attr-defined]
    await alice.keyboard.press("Escape")  # type: ignore[attr-defined]
    await alice.get_by_role("button", name="Take").click()  # type: ignore[attr-defined]
    await expect(alice.locator("[data-owner]")).to_have_text("alice")  # type: ignore[attr-defined]
    # A colleague's answer to her ticket is refused, and he reads why where he clicked.
    ada = await sign_in(chromium, served, "ada")
    await ada.goto(f"{served}/t/{number}")  # type: ignore[attr-defined]
    # He sees who owns it and that alice has it open too.
    await expect(ada.locator("[data-viewers]")).to_have_text("alice")  # type: ignore[attr-defined]
    await expect(ada.locator("[data-owner]")).to_have_text("alice")  # type: ignore[attr-defined]
    await ada.get_by_label("Reply to the customer (r)").fill("I'll help!")  # type: ignore[attr-defined]
    await ada.get_by_role("button", name="Answer and close").click()  # type: ignore[attr-defined]
    await expect(ada.get_by_role("alert")).to_contain_text("alice owns this ticket")  # type: ignore[attr-defined]
    await shot(ada, "refused")
    # A macro moves it to Passwords in one click; she goes on with the Inbox's next ticket
    # (the first line no longer reads the moved one), told what she did.
    await alice.get_by_role("button", name="Move to Passwords").click()  # type: ignore[attr-defined]
    await expect(alice.locator("#notice")).to_contain_text(f"on {number}: now in Passwords")  # type: ignore[attr-defined]
    await expect(alice.get_by_role("heading", name=f"Spam everywhere {arriving}")).to_be_visible()  # type: ignore[attr-defined]

    bob = await sign_in(chromium, served, "bob")
    await bob.get_by_role("searchbox", name="Search tickets").fill(number)  # type: ignore[attr-defined]
    await bob.keyboard.press("Enter")  # type: ignore[attr-defined]
    await bob.get_by_role("link", name=number).click()  # type: ignore[attr-defined]
    # Only the queues he may move it into are offered (Passwords moves on to Solvers).
    moves = bob.get_by_label("Move to (m)").locator("option")  # type: ignore[attr-defined]
    assert await moves.all_inner_texts() == ["Inbox", "Solvers"]
    # An answer from a template, after a preview of exactly what the customer gets.
    await bob.get_by_label("or an answer template").select_option("password_reset")  # type: ignore[attr-defined]
    await bob.get_by_role("button", name="Preview").click()  # type: ignore[attr-defined]
    preview = bob.get_by_role("region", name="What the customer will get")  # type: ignore[attr-defined]
    await expect(preview).to_contain_text(f"[Ticket#{number}]")
    await shot(bob, "preview")
    await bob.get_by_role("button", name="Answer and close").click()  # type: ignore[attr-defined]
    # Nothing else waits in Passwords: he lands on the queue, told what he did.
    await expect(bob.locator("#notice")).to_contain_text(f"Answered {number}.")  # type: ignore[attr-defined]
    await expect(bob.get_by_role("status").filter(has_text="No ticket left")).to_be_visible()  # type: ignore[attr-defined]

    # He keeps his queue open; the customer's reply brings the ticket back into it live.
    await bob.goto(f"{served}/p/mail/q/Passwords")  # type: ignore[attr-defined]
    await expect(bob.get_by_role("link", name=number)).to_have_count(0)  # type: ignore[attr-defined]
    reply = customer_mail(subject=f"Re: [Ticket#{number}] Cannot log in", body="Still locked.")
    assert (await stack.send_mail(reply)).status_code == 202
    await expect(bob.get_by_role("link", name=number)).to_be_visible()  # type: ignore[attr-defined]

    async def about_it() -> int:  # its automatic reply, and the answer
        return sum(f"[Ticket#{number}]" in str(m["Subject"]) for m in stack.smtp.messages)

    assert await eventually(about_it, lambda n: n >= 2) == 2

    # No page broke its own Content-Security-Policy, and (where axe-core installs) no page
    # has a serious accessibility fault.
    assert CSP_REPORTS == []
    if axe_script is not None:
        cookies = await bob.context.cookies()  # type: ignore[attr-defined]
        pages = ["/", "/p/mail/q/Passwords", f"/t/{number}", f"/search?q={number}", "/mine"]
        pages += ["/escalations", "/overview"]
        assert await axe_violations(chromium, served, cookies, pages, axe_script) == {}

    # A supervisor's dashboard: the day's figures and its charts, drawn on the server.
    admin.set_password("sam", PASSWORD)
    sam = await sign_in(chromium, served, "sam")
    await sam.goto(f"{served}/reports")  # type: ignore[attr-defined]
    await expect(sam.get_by_role("heading", name="Reports: mail")).to_be_visible()  # type: ignore[attr-defined]
    chart = sam.get_by_role("img", name="New tickets and agents' actions per hour")  # type: ignore[attr-defined]
    await expect(chart).to_be_visible()
    await shot(sam, "reports")
    assert CSP_REPORTS == []
    if axe_script is not None:
        cookies = await sam.context.cookies()  # type: ignore[attr-defined]
        assert await axe_violations(chromium, served, cookies, ["/reports"], axe_script) == {}


async def test_a_customer_finds_help_then_writes_and_gets_the_number(
    stack: Stack, served: str, chromium: object, tmp_path: Path
) -> None:
    expect = playwright_api.expect
    context = await chromium.new_context(locale="ru-RU")  # type: ignore[attr-defined]
    page = await context.new_page()
    await page.goto(f"{served}/help")
    await expect(page.get_by_role("heading", name="Чем помочь?")).to_be_visible()
    await shot(page, "help-topics")
    # A topic first: its articles, before any form.
    await page.get_by_role("link", name="Вход и пароль").click()
    await expect(page.get_by_role("heading", name="Я забыл пароль")).to_be_visible()
    await page.get_by_role("link", name="Не помогло: напишите нам").click()
    # While he writes, a matching article is suggested.
    await page.get_by_label("Ваш почтовый адрес для ответа").fill("masha@example.org")
    await page.get_by_label("Что случилось?").press_sequentially("Не помню пароль от ящика")
    suggestions = page.get_by_role("region", name="Возможно, это поможет")
    await expect(suggestions.get_by_role("link", name="Я забыл пароль")).to_be_visible()
    await shot(page, "help-write")
    screenshot = tmp_path / "error.png"
    screenshot.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    await page.get_by_label("Вложение 1").set_input_files(str(screenshot))
    await page.get_by_role("button", name="Отправить").click()
    number = await page.locator("[data-ticket-number]").inner_text()
    await shot(page, "help-sent")
    assert number.isdigit()
    # The same intake as mail: a ticket in the mail project's Inbox, with the attachment,
    # and the automatic reply with its number to the address the customer gave.
    detail = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
    ticket = detail.json()
    assert (ticket["project"], ticket["customer"]) == ("mail", "masha@example.org")
    first = ticket["articles"][0]
    assert "Не помню пароль" in first["body_text"]
    assert [a["filename"] for a in first["attachments"]] == ["error.png"]

    async def replies() -> list[str]:
        return [str(m["To"]) for m in stack.smtp.messages]

    assert "masha@example.org" in await eventually(replies, lambda to: "masha@example.org" in to)
    await context.close()


async def test_the_openapi_page_runs_from_here_under_its_policy(
    served: str, chromium: object
) -> None:
    """/docs: Swagger UI's files from the package, its start from a file of ours, every
    request to this origin, nothing refused by the page's Content-Security-Policy."""
    context = await chromium.new_context(locale="en-US")  # type: ignore[attr-defined]
    page = await context.new_page()
    refused: list[str] = []
    elsewhere: list[str] = []
    page.on(
        "console",
        lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None,
    )
    page.on("request", lambda r: None if r.url.startswith(served) else elsewhere.append(r.url))
    answer = await page.goto(f"{served}/docs")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    await playwright_api.expect(page.get_by_text("/api/v1/tickets/{number}").first).to_be_visible()
    await shot(page, "openapi")
    await context.close()
    assert refused == [] and elsewhere == []
