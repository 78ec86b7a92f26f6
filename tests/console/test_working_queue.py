"""Working a queue: the next ticket for each agent (two at once never get the same one),
and in a real Chromium the first line's round: open the Inbox by a row, move by a macro
key, land on the next ticket with the notice, undo (no mail, the ticket back), answer
from a template and undo that too, and a refused answer that keeps its text."""

from __future__ import annotations

import asyncio
import re

import pytest

from tests.conftest import UNDO_WINDOW
from tests.support.browser import PASSWORD, playwright_api, shot, sign_in
from tests.support.stack import Stack
from tests.support.tickets import ticket_row
from ticketflow.service import working
from ticketflow.store.agents import agent_for_token


@pytest.fixture
def stack(undo_stack: Stack) -> Stack:
    """Here the stack's desk has an undo window (the pages' `served` is of this one)."""
    return undo_stack


async def test_two_agents_working_one_queue_never_get_the_same_ticket(stack: Stack) -> None:
    components = stack.components
    token = components.agent_admin("test").add("ada", ["mail/first-line"])
    agents = {
        "alice": agent_for_token(components.sessions, stack.tokens["alice"]),
        "ada": agent_for_token(components.sessions, token),
    }
    opened = [await stack.open_ticket(subject=f"Ticket {i}") for i in range(6)]

    async def next_for(name: str, after: str | None = None) -> str | None:
        agent = agents[name]
        assert agent is not None
        return await asyncio.to_thread(
            working.next_ticket, components, agent, "mail", "Inbox", "pending", after
        )

    stack.tokens["ada"] = token
    # Both ask at once, and each moves what he got to Passwords, twice: four distinct
    # tickets, the oldest.
    worked: list[str] = []
    for _ in range(2):
        got = await asyncio.gather(next_for("alice"), next_for("ada"))
        for name, number in zip(("alice", "ada"), got, strict=True):
            assert number is not None
            worked.append(number)
            resp = await stack.act(number, "move", agent=name, queue="Passwords")
            assert resp.status_code == 200, resp.text
    assert sorted(worked) == sorted(opened[:4])
    # Each now has one open: asked again, he gets back his own, not the other's.
    mine, hers = await next_for("alice"), await next_for("ada")
    assert {mine, hers} == set(opened[4:])
    assert await next_for("alice") == mine
    # Tickets they leave (j) are free again: the oldest goes to who asks first.
    assert await next_for("alice", after=mine) in (None, hers) and hers is not None
    await next_for("ada", after=hers)
    assert await next_for("ada") == opened[4]
    assert await next_for("alice") == opened[5]


async def test_the_first_line_works_the_inbox_with_keys_and_undoes(
    stack: Stack, served: str, chromium: object
) -> None:
    expect = playwright_api.expect
    components = stack.components
    admin = components.agent_admin("test")
    admin.add("ada", ["mail/first-line"])
    for name in ("alice", "ada"):
        admin.set_password(name, PASSWORD)
    # A message of 30 lines, as long as a customer's usually is at most.
    body = "\n".join(f"Line {n}: I forgot my password." for n in range(1, 31))
    first = await stack.open_ticket(subject="Cannot log in", body=body)
    second = await stack.open_ticket(subject="Spam everywhere", body="So much spam.")
    third = await stack.open_ticket(subject="Where is my mail?", body="It is all gone.")

    alice = await sign_in(chromium, served, "alice")
    await alice.set_viewport_size({"width": 1366, "height": 768})  # type: ignore[attr-defined]
    await alice.get_by_role("link", name="Inbox").first.click()  # type: ignore[attr-defined]
    # The whole row opens a ticket: here its customer's cell.
    row = alice.get_by_role("row").filter(has_text="Cannot log in")  # type: ignore[attr-defined]
    await row.get_by_text("anna@example.org").click()
    await expect(alice.get_by_role("heading", name=f"Cannot log in {first}")).to_be_visible()  # type: ignore[attr-defined]
    # Without scrolling at 1366x768: the whole message, the reply box and every action.
    await shot(alice, "ticket-1366x768", full_page=False)
    for part in ("section.newest", "#reply", "section.actions"):
        box = await alice.locator(part).bounding_box()  # type: ignore[attr-defined]
        assert box is not None and box["y"] + box["height"] <= 768, (part, box)
    # Each macro shows its key, the desk's: Move to Passwords is 4 whatever she used most.
    move = alice.get_by_role("button", name="Move to Passwords")  # type: ignore[attr-defined]
    await expect(move).to_have_attribute("data-macro", "4")
    await alice.keyboard.press("4")  # type: ignore[attr-defined]
    # The next ticket opens at once, with what she did and its undo.
    await expect(alice.get_by_role("heading", name=f"Spam everywhere {second}")).to_be_visible()  # type: ignore[attr-defined]
    notice = alice.locator("#notice")  # type: ignore[attr-defined]
    await expect(notice).to_contain_text(f"Ran “Move to Passwords” on {first}: now in Passwords.")
    await shot(alice, "next-with-notice")
    assert ticket_row(components, first).queue == "Passwords"  # at once, not after the window
    await alice.keyboard.press("u")  # type: ignore[attr-defined]
    await expect(alice.get_by_role("heading", name=f"Cannot log in {first}")).to_be_visible()  # type: ignore[attr-defined]
    await expect(alice.locator("#notice")).to_contain_text("Undone")  # type: ignore[attr-defined]
    back = ticket_row(components, first)
    assert (back.state, back.queue, back.owner) == ("first-line", "Inbox", None)

    # An answer from a template, after its preview; then undone: the customer gets nothing.
    await alice.get_by_label("or an answer template").select_option("password_reset")  # type: ignore[attr-defined]
    await alice.get_by_role("button", name="Preview").click()  # type: ignore[attr-defined]
    preview = alice.get_by_role("region", name="What the customer will get")  # type: ignore[attr-defined]
    await expect(preview).to_contain_text(f"[Ticket#{first}]")
    await alice.get_by_role("button", name="Answer and close").click()  # type: ignore[attr-defined]
    await expect(alice.locator("#notice")).to_contain_text(f"Answered {first}.")  # type: ignore[attr-defined]
    await alice.locator("#notice").get_by_role("button", name="Undo").click()  # type: ignore[attr-defined]
    await expect(alice.locator("[data-state]")).to_have_text("first-line")  # type: ignore[attr-defined]
    await asyncio.sleep(UNDO_WINDOW + 2)  # past the window the held answer would have gone

    async def about(number: str) -> int:
        return sum(f"[Ticket#{number}]" in str(m["Subject"]) for m in stack.smtp.messages)

    assert await about(first) == 1  # its automatic reply only

    # j walks on from a ticket's page; a refused answer keeps what she wrote.
    await alice.get_by_role("button", name="Take").click()  # type: ignore[attr-defined]
    await expect(alice.locator("[data-owner]")).to_have_text("alice")  # type: ignore[attr-defined]
    ada = await sign_in(chromium, served, "ada")
    await ada.goto(f"{served}/t/{first}")  # type: ignore[attr-defined]
    await ada.get_by_label("Reply to the customer (r)").fill("I'll help!")  # type: ignore[attr-defined]
    await ada.get_by_role("button", name="Answer and close").click()  # type: ignore[attr-defined]
    await expect(ada.get_by_role("alert")).to_contain_text("alice owns this ticket")  # type: ignore[attr-defined]
    await expect(ada.get_by_label("Reply to the customer (r)")).to_have_value("I'll help!")  # type: ignore[attr-defined]
    await ada.locator("body").click(position={"x": 5, "y": 5})  # type: ignore[attr-defined]
    # The next is not the one alice has open (she landed on it after her move).
    await ada.keyboard.press("j")  # type: ignore[attr-defined]
    await expect(ada.get_by_role("heading", name=f"Where is my mail? {third}")).to_be_visible()  # type: ignore[attr-defined]
    assert second  # open by alice since her move
    await ada.keyboard.press("j")  # type: ignore[attr-defined]
    await expect(ada.get_by_role("status").filter(has_text="No ticket left")).to_be_visible()  # type: ignore[attr-defined]


async def test_live_rows_takes_and_searches_behave(
    stack: Stack, served: str, chromium: object
) -> None:
    expect = playwright_api.expect
    stack.components.agent_admin("test").set_password("alice", PASSWORD)
    first = await stack.open_ticket(subject="Cannot log in")
    alice = await sign_in(chromium, served, "alice")
    # A row that arrives live says its escalation as the page does, not in raw ISO.
    await alice.goto(f"{served}/p/mail/q/Inbox")  # type: ignore[attr-defined]
    arrived = await stack.open_ticket(subject="", body="No subject at all.")
    row = alice.locator(f'tr[data-href="/t/{arrived}"]')  # type: ignore[attr-defined]
    await expect(row).to_contain_text("(no subject)")
    cells = await row.locator("td").all_inner_texts()
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", cells[-1]), cells
    # Taken by someone else while she looks: her Take button goes.
    await alice.goto(f"{served}/t/{first}")  # type: ignore[attr-defined]
    await expect(alice.get_by_role("button", name="Take")).to_be_visible()  # type: ignore[attr-defined]
    token = stack.components.agent_admin("test").add("ada", ["mail/first-line"])
    stack.tokens["ada"] = token
    assert (await stack.act(first, "take", agent="ada")).status_code == 200
    await expect(alice.get_by_role("button", name="Take")).to_have_count(0)  # type: ignore[attr-defined]
    # `/` on a results page selects the old query: what she types replaces it.
    await alice.goto(f"{served}/search?q=login")  # type: ignore[attr-defined]
    await alice.keyboard.press("/")  # type: ignore[attr-defined]
    await alice.keyboard.type("password")  # type: ignore[attr-defined]
    await expect(alice.get_by_role("searchbox")).to_have_value("password")  # type: ignore[attr-defined]


# The domain's words as stored: never on a Russian page's face.
ENGLISH_WORDS = re.compile(
    r"\b(first-line|second-line|waiting|closed|customer-message|route|move|macro|undo)\b"
)


async def test_the_first_line_works_in_russian_with_no_english_word_of_the_domain(
    stack: Stack, served: str, chromium: object
) -> None:
    expect = playwright_api.expect
    stack.components.agent_admin("test").set_password("alice", PASSWORD)
    first = await stack.open_ticket(subject="Не могу войти", body="Забыл пароль.")
    second = await stack.open_ticket(subject="Нет писем", body="Письма не приходят.")
    alice = await sign_in(chromium, served, "alice", language="ru")

    async def no_english() -> None:
        shown = await alice.locator("body").inner_text()  # type: ignore[attr-defined]
        assert ENGLISH_WORDS.findall(shown) == [], shown

    await alice.get_by_role("link", name="Inbox").first.click()  # type: ignore[attr-defined]
    # Enter before the queue's page has loaded would open the home page's focused link again.
    await alice.wait_for_url("**/p/mail/q/Inbox")  # type: ignore[attr-defined]
    await alice.keyboard.press("Enter")  # type: ignore[attr-defined]
    await expect(alice.get_by_role("heading", name=f"Не могу войти {first}")).to_be_visible()  # type: ignore[attr-defined]
    await no_english()
    await expect(alice.get_by_role("button", name="В Пароли")).to_have_attribute("data-macro", "4")  # type: ignore[attr-defined]
    await alice.keyboard.press("4")  # type: ignore[attr-defined]
    await expect(alice.get_by_role("heading", name=f"Нет писем {second}")).to_be_visible()  # type: ignore[attr-defined]
    await expect(alice.locator("#notice")).to_contain_text(  # type: ignore[attr-defined]
        f"Макрос «В Пароли» применён к заявке {first}: теперь она в очереди Passwords."
    )
    await no_english()
    await alice.keyboard.press("u")  # type: ignore[attr-defined]
    await expect(alice.locator("#notice")).to_contain_text("Отменено")  # type: ignore[attr-defined]
    await expect(alice.locator("[data-state]")).to_have_text("первая линия")  # type: ignore[attr-defined]
    await no_english()
    # A colleague takes it meanwhile: her answer is refused in Russian, her text kept.
    stack.tokens["ada"] = stack.components.agent_admin("test").add("ada", ["mail/first-line"])
    assert (await stack.act(first, "take", agent="ada")).status_code == 200
    await alice.get_by_label("Ответ клиенту (r)").fill("Попробуйте ещё раз.")  # type: ignore[attr-defined]
    await alice.get_by_role("button", name="Ответить и закрыть").click()  # type: ignore[attr-defined]
    await expect(alice.get_by_role("alert")).to_contain_text("ada")  # type: ignore[attr-defined]
    await expect(alice.get_by_label("Ответ клиенту (r)")).to_have_value("Попробуйте ещё раз.")  # type: ignore[attr-defined]
    await shot(alice, "refused-ru", full_page=False)
    await no_english()
