"""A scripted day through the real stack (mail in, first-line moves, answers, asks,
customer replies, a reopen, a wrong routing); every figure of the reports is checked
against values computed here, independently, from the tickets' histories as the API shows
them."""

from __future__ import annotations

import csv
import io
import statistics
from datetime import datetime, timedelta
from typing import Any

from tests.support.mail import customer_mail
from tests.support.stack import Stack
from tests.support.temporal import eventually
from ticketflow.desk.config import DeskConfig
from ticketflow.store.report_figures import rebuild_all

BODY = "Hello, something here does not work for me."
AGENT_ACTIONS = {"take", "note", "ask", "answer", "move", "close", "reopen", "priority"}
AGENT_ACTIONS |= {"remind", "release"}


async def _state(stack: Stack, number: str) -> str:
    resp = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
    return str(resp.json()["state"])


async def _reply(stack: Stack, number: str, after: str) -> None:
    """The customer writes again; the ticket leaves state `after`."""
    mail = customer_mail(subject=f"Re: [Ticket#{number}] About it", body="Still broken.")
    assert (await stack.send_mail(mail)).status_code == 202
    await eventually(lambda: _state(stack, number), lambda s: s != after)


async def _ok(stack: Stack, number: str, action: str, agent: str, **body: object) -> None:
    resp = await stack.act(number, action, agent=agent, **body)
    assert resp.status_code == 200, (action, agent, resp.text)


async def scripted_day(stack: Stack) -> list[str]:
    """Seven tickets of the example desk's mail project, each a typical life."""
    opened = [await stack.open_ticket(subject=f"Request {i}", body=BODY) for i in range(7)]
    t1, t2, t3, t4, t5, t6, t7 = opened
    # t1: answered at once, the customer writes again (a reopen), answered again.
    await _ok(stack, t1, "answer", "alice", text="Try this.")
    await _reply(stack, t1, after="closed")
    await _ok(stack, t1, "answer", "alice", text="And now this.")
    # t2: to Passwords, which asks, hears back and answers.
    await _ok(stack, t2, "move", "alice", queue="Passwords")
    await _ok(stack, t2, "ask", "bob", text="Which address?")
    await _reply(stack, t2, after="waiting")
    await _ok(stack, t2, "answer", "bob", text="Done.")
    # t3: a wrong routing: Passwords hands it on to Solvers, who close it.
    await _ok(stack, t3, "move", "alice", queue="Passwords")
    await _ok(stack, t3, "move", "bob", queue="Solvers")
    await _ok(stack, t3, "close", "carol", reason="duplicate")
    # t4: the first line asks, hears back and closes.
    await _ok(stack, t4, "ask", "alice", text="Which browser?")
    await _reply(stack, t4, after="waiting")
    await _ok(stack, t4, "close", "alice", reason="solved by the customer")
    # t5 stays open with a note; t6 waits in the second line; t7 is a first-contact answer.
    await _ok(stack, t5, "note", "alice", text="looking")
    await _ok(stack, t6, "move", "alice", queue="Web")
    await _ok(stack, t6, "take", "carol")
    await _ok(stack, t7, "answer", "alice", text="Here you are.")
    return opened


def _seconds(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds()))


def _spread(values: list[int]) -> dict[str, Any]:
    if not values:
        return {"count": 0, "mean": None, "p50": None, "p90": None}
    p90 = (
        statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) > 1 else values[0]
    )
    return {
        "count": len(values),
        "mean": round(statistics.fmean(values), 1),
        "p50": round(float(statistics.median(values)), 1),
        "p90": round(float(p90), 1),
    }


def _agent(event: dict[str, Any]) -> bool:
    return event["action"] in AGENT_ACTIONS and event["actor"] not in ("system", "customer")


def _count_wrong_routings(
    events: list[dict[str, Any]],
    lines: dict[str, str],
    groups: dict[str, str],
    wrong: dict[str, int],
) -> None:
    """First-line moves into the second line that the receiving group handed back to the
    first line or on to another group within a day, per agent who moved."""
    moves = [e for e in events if _agent(e) and e["action"] == "move"]
    for i, move in enumerate(moves):
        if (lines[move["from_queue"]], lines[move["to_queue"]]) != ("first-line", "second-line"):
            continue
        out: Any = next((m for m in moves[i + 1 :] if m["from_queue"] == move["to_queue"]), None)
        in_time = out is not None and out["at"] - move["at"] <= timedelta(hours=24)
        if in_time and (
            lines[out["to_queue"]] == "first-line"
            or groups[out["to_queue"]] != groups[move["to_queue"]]
        ):
            wrong[move["actor"]] = wrong.get(move["actor"], 0) + 1


def _count_agents(
    events: list[dict[str, Any]], number: str, agents: dict[str, dict[str, Any]]
) -> None:
    for e in events:
        if _agent(e):
            row = agents.setdefault(e["actor"], {"actions": 0, "tickets": set()})
            row["actions"] += 1
            row["tickets"].add(number)
            row[e["action"]] = row.get(e["action"], 0) + 1


def expected(tickets: list[dict[str, Any]], desk: DeskConfig) -> dict[str, Any]:
    """The figures, from whole histories (the definitions in docs/reports.md)."""
    lines = desk.lines()
    groups = {q.name: q.group for q in desk.queues}
    waits: list[int] = []
    responses: list[int] = []
    agents: dict[str, dict[str, Any]] = {}
    names = ("new", "messages_in", "answers", "asks", "second_line", "within_day", "closed")
    counts = dict.fromkeys((*names, "reopened", "fcr", "mailed"), 0)
    wrong: dict[str, int] = {}
    for ticket in tickets:
        created = datetime.fromisoformat(ticket["created_at"])
        events = sorted(ticket["history"], key=lambda e: e["seq"])
        for e in events:
            e["at"] = datetime.fromisoformat(e["at"]) if isinstance(e["at"], str) else e["at"]
        counts["new"] += 1
        first_queue = next(e["to_queue"] for e in events if e["action"] == "route")
        if lines[first_queue] == "first-line":
            left = next(
                (e for e in events if e["from_state"] == "first-line" != e["to_state"]), None
            )
            if left:
                waits.append(_seconds(created, left["at"]))
        mails = [e for e in events if _agent(e) and e["action"] in ("ask", "answer")]
        closes = [e for e in events if e["to_state"] == "closed" != e["from_state"]]
        reopens = [
            e
            for e in events
            if e["action"] == "customer-message" and e["from_state"] == "closed" != e["to_state"]
        ]
        if mails:
            responses.append(_seconds(created, mails[0]["at"]))
            counts["mailed"] += 1
        counts["second_line"] += any(lines.get(e["to_queue"]) == "second-line" for e in events)
        counts["within_day"] += bool(closes) and closes[0]["at"] - created <= timedelta(hours=24)
        counts["closed"] += len(closes)
        counts["reopened"] += sum(any(c["seq"] < r["seq"] for c in closes) for r in reopens)
        first_answer_kept = (
            mails
            and mails[0]["action"] == "answer"
            and not any(r["at"] - mails[0]["at"] <= timedelta(days=7) for r in reopens)
        )
        counts["fcr"] += bool(first_answer_kept)
        counts["messages_in"] += sum(e["action"] == "customer-message" for e in events)
        counts["answers"] += sum(_agent(e) and e["action"] == "answer" for e in events)
        counts["asks"] += sum(_agent(e) and e["action"] == "ask" for e in events)
        _count_wrong_routings(events, lines, groups, wrong)
        _count_agents(events, ticket["number"], agents)
        if first_answer_kept:
            agents[mails[0]["actor"]]["fcr"] = agents[mails[0]["actor"]].get("fcr", 0) + 1
    return {
        "counts": counts,
        "first_line_wait": _spread(waits),
        "first_response": _spread(responses),
        "wrong": wrong,
        "agents": agents,
    }


async def test_a_scripted_day_s_figures_match_the_histories(stack: Stack) -> None:
    numbers = await scripted_day(stack)
    tickets = []
    for number in numbers:
        resp = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
        tickets.append(resp.json())
    desk = stack.components.projects.desk("mail")
    want = expected(tickets, desk)
    counts = want["counts"]
    # The script's own story, so the independent count cannot drift with the code.
    assert counts["new"] == 7 and counts["reopened"] == 1 and want["wrong"] == {"alice": 1}
    assert counts["fcr"] == 1  # t7 only: t1 was reopened, t2 and t4 began with a question

    sam = stack.auth("sam")
    summary = (await stack.http.get("/api/v1/reports/summary", headers=sam)).json()
    assert summary["new"] == counts["new"]
    assert summary["messages_in"] == counts["messages_in"] == 7 + 3
    assert summary["answers_sent"] == counts["answers"] == 4
    assert summary["asks_sent"] == counts["asks"] == 2
    assert summary["first_line_wait"] == want["first_line_wait"]
    assert summary["first_response"] == want["first_response"]
    assert summary["first_response_business"]["count"] == want["first_response"]["count"]
    assert summary["second_line"] == counts["second_line"] == 3
    assert summary["second_line_share"] == round(3 / 7, 4)
    assert summary["handled_within_day"] == counts["within_day"] == 5
    assert summary["closed"] == counts["closed"] == 6  # t1 twice
    assert summary["reopen_rate"] == round(1 / 6, 4)
    assert summary["first_contact_resolution"] == counts["fcr"]
    assert summary["first_contact_resolution_rate"] == round(counts["fcr"] / counts["mailed"], 4)
    assert summary["wrong_routing"] == 1
    # t5 and t6 are open, both just made.
    assert summary["open_by_age"] == {"<1h": 2, "1-4h": 0, "4-24h": 0, "1-3d": 0, ">3d": 0}
    assert {c: s["breaches"] for c, s in summary["sla"].items()} == dict.fromkeys(
        ("first-response", "update", "solution"), 0
    )
    assert summary["sla"]["first-response"]["compliance"] == 1.0

    rows = (await stack.http.get("/api/v1/reports/agents", headers=sam)).json()
    by_agent = {r["agent"]: r for r in rows}
    assert set(by_agent) == set(want["agents"]) == {"alice", "bob", "carol"}
    for name, mine in want["agents"].items():
        row = by_agent[name]
        for field, action in (("answers", "answer"), ("asks", "ask"), ("notes", "note")):
            assert row[field] == mine.get(action, 0), (name, field)
        assert (row["moves"], row["closes"]) == (mine.get("move", 0), mine.get("close", 0))
        assert row["actions"] == mine["actions"]
        assert row["tickets_handled"] == len(mine["tickets"])
        assert row["first_contact_resolution"] == mine.get("fcr", 0)
        assert row["wrong_routing"] == want["wrong"].get(name, 0)
        assert row["median_handling_s"] is not None
    assert by_agent["alice"]["reopened_after_answer"] == 1  # t1's first answer
    assert by_agent["bob"]["reopened_after_answer"] == 0

    queues = {
        q["queue"]: q for q in (await stack.http.get("/api/v1/reports/queues", headers=sam)).json()
    }
    assert queues["Inbox"]["new"] == 7 and queues["Inbox"]["entered"] == 7
    assert queues["Passwords"]["entered"] == 2 and queues["Solvers"]["entered"] == 1
    assert queues["Passwords"]["wrong_routing"] == 0  # counted where the first move was
    assert queues["Inbox"]["wrong_routing"] == 1
    assert queues["Inbox"]["open"] == 1 and queues["Web"]["open"] == 1
    groups = {
        g["group"]: g for g in (await stack.http.get("/api/v1/reports/groups", headers=sam)).json()
    }
    assert groups["first-line"]["answers_sent"] == 3 and groups["passwords"]["answers_sent"] == 1

    hourly = (await stack.http.get("/api/v1/reports/hourly", headers=sam)).json()
    assert sum(h["new"] for h in hourly) == 7
    assert sum(h["agent_actions"] for h in hourly) == sum(
        a["actions"] for a in want["agents"].values()
    )
    assert all(h["hour"].endswith("+03:00") for h in hourly)  # the project's zone

    # `ticketflow reports rebuild` folds the same histories into the same figures.
    shapes = {p.name: p.desk.report_shape() for p in stack.components.projects}
    assert rebuild_all(stack.components.sessions, shapes, batch=3) == 7
    again = (await stack.http.get("/api/v1/reports/agents", headers=sam)).json()
    assert again == rows
    summary_again = (await stack.http.get("/api/v1/reports/summary", headers=sam)).json()
    assert summary_again == summary | {"to": summary_again["to"]}


async def test_reports_are_for_supervisors_and_admins_and_come_as_csv(stack: Stack) -> None:
    await scripted_day(stack)
    alice, sam, dana = stack.auth("alice"), stack.auth("sam"), stack.auth("dana")
    for path in ("summary", "queues", "groups", "hourly"):
        refused = await stack.http.get(f"/api/v1/reports/{path}", headers=alice)
        assert refused.status_code == 403, path
        assert refused.json()["detail"] == "reports of mail are for its supervisors and admins"
        assert (await stack.http.get(f"/api/v1/reports/{path}", headers=dana)).status_code == 200
    own = (await stack.http.get("/api/v1/reports/agents", headers=alice)).json()
    assert [r["agent"] for r in own] == ["alice"]

    sheet = await stack.http.get("/api/v1/reports/agents?format=csv", headers=sam)
    assert sheet.headers["content-type"].startswith("text/csv")
    parsed = list(csv.DictReader(io.StringIO(sheet.text)))
    assert [r["agent"] for r in parsed] == ["alice", "bob", "carol"]
    assert parsed[0]["wrong_routing"] == "1"
    summary = await stack.http.get("/api/v1/reports/summary?format=csv", headers=sam)
    (row,) = list(csv.DictReader(io.StringIO(summary.text)))
    assert row["new"] == "7" and row["open_by_age.<1h"] == "2"
    assert row["sla.first-response.compliance"] == "1.0"

    # Periods: a day that has not come is empty; nonsense is a 422 with its reason.
    tomorrow = (datetime.now() + timedelta(days=2)).date().isoformat()
    empty = await stack.http.get(f"/api/v1/reports/summary?from={tomorrow}", headers=sam)
    assert empty.status_code == 422  # `to` (now) before `from`
    later = await stack.http.get(
        f"/api/v1/reports/summary?from={tomorrow}&to={tomorrow}", headers=sam
    )
    assert later.json()["new"] == 0 and later.json()["reopen_rate"] is None
    bad = await stack.http.get("/api/v1/reports/summary?from=yesterday", headers=sam)
    assert (bad.status_code, bad.json()["detail"]) == (
        422,
        "not a date or an ISO instant: 'yesterday'",
    )
