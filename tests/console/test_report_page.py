"""The supervisors' dashboard in the console: the reports' figures and charts of a scripted
day, drawn on the server; other agents are refused; the sheets come as CSV."""

from __future__ import annotations

import csv
import io
import re

from tests.api.test_reports import scripted_day
from tests.console.test_pages import signed_in
from tests.support.stack import Stack


async def test_the_dashboard_shows_the_day_and_its_sheets(stack: Stack) -> None:
    await scripted_day(stack)
    sam, _ = await signed_in(stack, "sam")
    page = await sam.get("/reports")
    assert page.status_code == 200, page.text
    assert "Content-Security-Policy" in page.headers and "<script>" not in page.text
    assert page.text.count('<svg xmlns="http://www.w3.org/2000/svg"') == 3
    assert 'role="img" aria-label="Новые заявки и действия агентов по часам"' in page.text
    rows = re.findall(r"<tr><td>(alice|bob|carol)</td>((?:<td>[^<]*</td>)+)</tr>", page.text)
    assert [name for name, _ in rows] == ["alice", "bob", "carol"]
    alice = re.findall(r"<td>([^<]*)</td>", rows[0][1])
    assert alice[:5] == ["3", "1", "1", "3", "1"]  # answers, questions, notes, moves, closes
    assert alice[8] == "1"  # one wrong routing: t3, handed on by Passwords
    assert '<th scope="row">Ошибки маршрутизации</th><td>1</td>' in page.text

    sheet = await sam.get("/reports/agents.csv")
    assert sheet.headers["content-type"].startswith("text/csv")
    assert [r["agent"] for r in csv.DictReader(io.StringIO(sheet.text))] == [
        "alice",
        "bob",
        "carol",
    ]
    unknown = await sam.get("/reports/everything.csv")
    assert unknown.status_code == 422

    alice_browser, _ = await signed_in(stack, "alice")
    refused = await alice_browser.get("/reports")
    assert refused.status_code == 403 and "руководителям и администраторам" in refused.text
    assert refused.headers["content-type"].startswith("text/html")
