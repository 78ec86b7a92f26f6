"""Linking related tickets, and merging one into another, from a ticket's page in a real
Chromium: both pages show a link, with who made it, and a merge; unlinked from the other
ticket's page; a refusal in the agent's language."""

from __future__ import annotations

import asyncio

from tests.support.browser import PASSWORD, playwright_api, shot, sign_in
from tests.support.stack import Stack


async def test_an_agent_links_two_tickets_of_one_customer_and_unlinks_them(
    stack: Stack, served: str, chromium: object
) -> None:
    expect = playwright_api.expect
    stack.components.agent_admin("test").set_password("alice", PASSWORD)
    first = await stack.open_ticket(subject="Cannot log in")
    second = await stack.open_ticket(subject="Cannot log in, again")

    alice = await sign_in(chromium, served, "alice")
    await alice.goto(f"{served}/t/{second}")  # type: ignore[attr-defined]
    links = alice.locator("section.links")  # type: ignore[attr-defined]
    await links.get_by_label("Link with ticket number").fill(first)
    await links.get_by_role("button", name="Link", exact=True).click()
    await expect(links.locator("li")).to_have_count(1)
    await expect(links.locator("li")).to_contain_text(f"{first} Cannot log in")
    await expect(links.locator("li")).to_contain_text("linked by alice")
    await shot(alice, "linked-tickets", full_page=False)
    # The other ticket's page shows it too; unlinked there.
    await links.get_by_role("link", name=first).click()
    await expect(alice.locator("section.links li")).to_contain_text(second)  # type: ignore[attr-defined]
    await alice.get_by_role("button", name=f"Unlink {second}").click()  # type: ignore[attr-defined]
    await expect(alice.locator("section.links li")).to_have_count(0)  # type: ignore[attr-defined]
    # A number that is no ticket is refused where he typed it, in his language.
    admin = stack.components.agent_admin("test")
    admin.add("ada", ["mail/first-line"])
    admin.set_password("ada", PASSWORD)
    russian = await sign_in(chromium, served, "ada", language="ru")
    await russian.goto(f"{served}/t/{first}")  # type: ignore[attr-defined]
    form = russian.locator("section.links")  # type: ignore[attr-defined]
    await form.get_by_label("Связать с заявкой номер").fill("2026010199999999")
    await form.get_by_role("button", name="Связать", exact=True).click()
    await expect(russian.locator("#refused")).to_contain_text("нет заявки 2026010199999999")  # type: ignore[attr-defined]


async def test_an_agent_merges_a_repeated_ticket_from_its_page(
    stack: Stack, served: str, chromium: object
) -> None:
    expect = playwright_api.expect
    stack.components.agent_admin("test").set_password("alice", PASSWORD)
    first = await stack.open_ticket(subject="Cannot log in")
    second = await stack.open_ticket(subject="Cannot log in, again")

    alice = await sign_in(chromium, served, "alice")
    await alice.goto(f"{served}/t/{second}")  # type: ignore[attr-defined]
    await alice.get_by_text("Merge into another ticket").click()  # type: ignore[attr-defined]
    form = alice.locator("form.merge-form")  # type: ignore[attr-defined]
    await form.get_by_label("Merge into ticket number").fill(first)
    await form.get_by_role("button", name="Merge").click()
    # The merge ends his part: the queue's next ticket opens, saying what was done.
    await expect(alice.locator("#notice")).to_contain_text(f"Merged {second} into {first}.")  # type: ignore[attr-defined]
    # Its mail moves a moment later (the merged ticket's workflow does it): its page
    # then points to the other, which lists it.
    for _ in range(50):
        await alice.goto(f"{served}/t/{second}")  # type: ignore[attr-defined]
        if await alice.locator("[data-merged-into]").count():  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.2)
    await expect(alice.locator("[data-merged-into]")).to_contain_text(f"Merged into {first}")  # type: ignore[attr-defined]
    await alice.get_by_role("link", name=f"Open {first}").click()  # type: ignore[attr-defined]
    await expect(alice.locator("[data-merged]")).to_contain_text(second)  # type: ignore[attr-defined]
    await expect(alice.locator("section.history")).to_contain_text("merged-in")  # type: ignore[attr-defined]
