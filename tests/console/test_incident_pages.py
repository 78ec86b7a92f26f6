"""Incidents in a real Chromium: a queue view's selection made an incident, its answer to
all sent from its page, and its progress watched until every ticket has it."""

from __future__ import annotations

from pathlib import Path

from tests.api.test_rights import add_agent
from tests.console.test_pages import signed_in
from tests.support.browser import (
    CSP_REPORTS,
    PASSWORD,
    axe_violations,
    playwright_api,
    shot,
    sign_in,
)
from tests.support.stack import Stack


async def test_an_incident_made_from_a_selection_answered_and_watched(
    stack: Stack, served: str, chromium: object, axe_script: Path | None
) -> None:
    expect = playwright_api.expect
    add_agent(stack, "ivy", ["mail/first-line", "mail/incidents"])
    stack.components.agent_admin("test").set_password("ivy", PASSWORD)
    numbers = [
        await stack.open_ticket(sender=f"Customer {i} <c{i}@example.org>", subject=f"No mail {i}")
        for i in range(4)
    ]
    ivy = await sign_in(chromium, served, "ivy")
    await ivy.goto(f"{served}/p/mail/q/Inbox?sort=pending")  # type: ignore[attr-defined]
    boxes = ivy.locator("input[data-select]")  # type: ignore[attr-defined]
    await expect(boxes).to_have_count(4)
    await boxes.nth(0).click()
    await boxes.nth(2).click(modifiers=["Shift"])  # the first three
    await ivy.get_by_label("Action").select_option("incident:new")  # type: ignore[attr-defined]
    await ivy.get_by_label("New incident's title").fill("Mail does not arrive")  # type: ignore[attr-defined]
    await ivy.get_by_role("button", name="Apply to the selected").click()  # type: ignore[attr-defined]

    heading = ivy.get_by_role("heading", level=1)  # type: ignore[attr-defined]
    await expect(heading).to_contain_text("Mail does not arrive")
    await expect(ivy.locator("#incident-state")).to_have_attribute("data-state", "open")  # type: ignore[attr-defined]
    await expect(ivy.locator("#linked")).to_contain_text("Linked tickets: 3")  # type: ignore[attr-defined]
    form = ivy.locator("#answer-form")  # type: ignore[attr-defined]
    await form.get_by_label("Template (in each customer's language)").select_option(
        "incident_known"
    )
    await form.get_by_role("button", name="Answer every linked ticket").click()
    # The page reloads itself while the answer goes out, until every ticket has it.
    await expect(ivy.locator("#incident-state")).to_have_attribute(  # type: ignore[attr-defined]
        "data-state", "answered", timeout=30_000
    )
    progress = ivy.locator("#answer-progress")  # type: ignore[attr-defined]
    await expect(progress.locator("[data-sent]")).to_have_text("3")
    await expect(progress.locator("[data-pending]")).to_have_text("0")
    for number in numbers[:3]:
        row = ivy.locator(f'tr[data-ticket="{number}"]')  # type: ignore[attr-defined]
        await expect(row).to_contain_text("sent")
    await shot(ivy, "incident")
    # The incidents' list, in Russian too.
    await ivy.goto(f"{served}/incidents")  # type: ignore[attr-defined]
    await expect(ivy.get_by_role("link", name="1: Mail does not arrive")).to_be_visible()  # type: ignore[attr-defined]
    incident_path = "/incidents/1"
    left = await stack.http.get(f"/api/v1/tickets/{numbers[3]}", headers=stack.auth("ivy"))
    assert left.json()["state"] == "first-line"  # not selected: not answered
    assert CSP_REPORTS == []
    if axe_script is not None:
        cookies = await ivy.context.cookies()  # type: ignore[attr-defined]
        pages = ["/incidents", incident_path, "/p/mail/q/Inbox"]
        assert await axe_violations(chromium, served, cookies, pages, axe_script) == {}


async def test_incident_pages_in_russian_and_their_refusals(stack: Stack) -> None:
    add_agent(stack, "ivy", ["mail/first-line", "mail/incidents"])
    alices, csrf = await signed_in(stack)  # alice: no incidents role
    listed = await alices.get("/incidents")
    assert listed.status_code == 200 and "Инциденты" in listed.text
    assert "Новый инцидент" not in listed.text  # she may not make one
    refused = await alices.post("/incidents", data={"csrf": csrf, "project": "mail", "title": "x"})
    assert refused.status_code == 403 and "руководители" in refused.text
    forged = await alices.post("/incidents", data={"csrf": "nope", "project": "mail", "title": "x"})
    assert forged.status_code == 403
    unknown = await alices.get("/incidents/99")
    assert unknown.status_code == 404
