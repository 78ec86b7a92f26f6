"""A queue view's selection in a real Chromium: rows ticked by click, shift-click and `x`,
one action applied, and a page saying ticket by ticket what was done and what was refused
and why (a colleague's ticket stays his)."""

from __future__ import annotations

from tests.api.test_rights import add_agent
from tests.console.test_pages import signed_in
from tests.support.browser import PASSWORD, playwright_api, shot, sign_in
from tests.support.stack import Stack


async def test_a_selection_moved_at_once_with_each_ticket_s_result(
    stack: Stack, served: str, chromium: object
) -> None:
    expect = playwright_api.expect
    stack.components.agent_admin("test").set_password("alice", PASSWORD)
    add_agent(stack, "ada", ["mail/first-line"])
    numbers = [
        await stack.open_ticket(sender=f"Customer {i} <c{i}@example.org>", subject=f"Case {i}")
        for i in range(5)
    ]
    assert (await stack.act(numbers[2], "take", agent="ada")).status_code == 200

    alice = await sign_in(chromium, served, "alice")
    await alice.goto(f"{served}/p/mail/q/Inbox?sort=pending")  # type: ignore[attr-defined]
    boxes = alice.locator("input[data-select]")  # type: ignore[attr-defined]
    await expect(boxes).to_have_count(5)
    # The first row clicked, the fourth shift-clicked: the four between ticked.
    await boxes.nth(0).click()
    await boxes.nth(3).click(modifiers=["Shift"])
    # Then the last one by the keyboard: down to it, x.
    for _ in range(5):
        await alice.keyboard.press("j")  # type: ignore[attr-defined]
    await alice.keyboard.press("x")  # type: ignore[attr-defined]
    ticked = [await boxes.nth(i).is_checked() for i in range(5)]
    assert ticked == [True, True, True, True, True]
    await boxes.nth(1).click()  # and one left out again
    await alice.get_by_label("Action").select_option("move:Web")  # type: ignore[attr-defined]
    await shot(alice, "queue-selection", full_page=False)
    await alice.get_by_role("button", name="Apply to the selected").click()  # type: ignore[attr-defined]

    await expect(alice.locator("#bulk-summary")).to_contain_text("done on 3 of 4 tickets")  # type: ignore[attr-defined]
    results = alice.locator("table.bulk-results tbody tr")  # type: ignore[attr-defined]
    await expect(results).to_have_count(4)
    refused = alice.locator('tbody tr:not([data-result="done"])')  # type: ignore[attr-defined]
    await expect(refused).to_contain_text(numbers[2])
    await expect(refused).to_contain_text("ada owns this ticket")
    for n in (numbers[0], numbers[3], numbers[4]):
        row = alice.locator(f'tr[data-result="done"]:has-text("{n}")')  # type: ignore[attr-defined]
        await expect(row).to_contain_text("Web")
    left = await stack.http.get(f"/api/v1/tickets/{numbers[1]}", headers=stack.auth("alice"))
    assert left.json()["queue"] == "Inbox"  # not ticked: untouched


async def test_a_selection_with_nothing_chosen_is_refused_and_nothing_changes(
    stack: Stack,
) -> None:
    alices, csrf = await signed_in(stack)
    number = await stack.open_ticket()
    url = "/p/mail/q/Inbox/bulk"
    nothing = await alices.post(url, data={"csrf": csrf, "bulk": "close"})
    assert nothing.status_code == 422 and "no ticket is selected" in nothing.text
    no_action = await alices.post(url, data={"csrf": csrf, f"t-{number}": "1", "bulk": ""})
    assert no_action.status_code == 422
    forged = await alices.post(url, data={"csrf": "nope", f"t-{number}": "1", "bulk": "close"})
    assert forged.status_code == 403
    state = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))
    assert state.json()["state"] == "first-line"
