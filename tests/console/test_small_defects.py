"""The first line's smaller defects, each seen on the page as an agent gets it (a Russian
browser unless he chose otherwise)."""

from __future__ import annotations

import re

from tests.console.test_pages import signed_in
from tests.support.stack import Stack

# The domain's words as the read model stores them: never shown to a Russian agent.
ENGLISH_WORDS = r"\b(first-line|second-line|customer-message|route|in|note|received)\b"


async def test_a_russian_page_names_no_state_action_or_direction_in_english(stack: Stack) -> None:
    number = await stack.open_ticket(subject="", body="Нет писем с утра.")
    noted = await stack.act(number, "note", text="Проверить ящик.")
    assert noted.status_code == 200, noted.text
    browser, _ = await signed_in(stack)
    page = (await browser.get(f"/t/{number}")).text
    assert 'lang="ru"' in page
    shown = re.sub(r"<[^>]*>", " ", page)  # what he reads, not the markup's values
    assert re.findall(ENGLISH_WORDS, shown) == []
    assert "первая линия" in page and "письмо клиента" in page and "заметка" in page
    # An empty subject is "(no subject)" in his language, never "" or nothing.
    assert "(без темы)" in page and "<h1> <small>" not in page
    # A note's header names its author only: no stray "→ ·" of an address it has none of.
    notes = re.findall(r'<article class="article note"[^>]*>\s*<header>([^<]*)', page)
    notes += re.findall(r'<details class="article note"[\s\S]*?<header>([^<]*)', page)
    assert notes and all("→" not in n for n in notes), notes
    # Times in the desk's zone (Moscow), the exact UTC moment in the title.
    assert re.search(r'<time datetime="[^"]+" title="[^"]+ UTC">', page)


async def test_no_link_leads_a_first_line_agent_to_a_refusal_and_a_supervisor_only_reads(
    stack: Stack,
) -> None:
    number = await stack.open_ticket()
    alice, _ = await signed_in(stack)
    home = (await alice.get("/")).text
    assert 'href="/reports"' not in home  # reports are for supervisors and admins
    sam, _ = await signed_in(stack, "sam")
    assert 'href="/reports"' in (await sam.get("/")).text
    page = (await sam.get(f"/t/{number}")).text
    assert "/act/" not in page and "/macro/" not in page  # not one button he would be refused
    assert "действовать по ней могут агенты её очереди" in page
