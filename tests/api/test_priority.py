"""Priority that counts: mail to security@ (priority 5 by the example desk's rule) has the
security SLA's own first-response time, round the clock, and the Security and Abuse
queues list their tickets highest priority first; the next ticket follows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from tests.support.mail import customer_mail
from tests.support.stack import Stack
from tests.support.temporal import eventually
from ticketflow.service import working
from ticketflow.store.agents import agent_for_token


async def routed(stack: Stack, number: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any]:
        resp = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
        return dict(resp.json())

    return await eventually(probe, lambda t: t["state"] == "second-line" and t["escalation_at"])


async def test_security_mail_at_priority_5_has_its_own_first_response_time(stack: Stack) -> None:
    security = await stack.send_mail(
        customer_mail(to="security@ticketflow.localhost", subject="Someone reads my mail")
    )
    ticket = await routed(stack, security.json()["ticket"])
    assert (ticket["queue"], ticket["priority"]) == ("Security", 5)
    created = datetime.fromisoformat(ticket["created_at"])
    deadline = datetime.fromisoformat(ticket["escalation_at"])
    # The security SLA: 30 minutes, whatever the hour (its calendar never closes).
    assert timedelta(minutes=29) <= deadline - created <= timedelta(minutes=31)
    # The same queue at another priority keeps the queue's own SLA (second line: 240
    # working minutes), as does Abuse.
    resp = await stack.act(ticket["number"], "priority", agent="abe", priority=3)
    assert resp.status_code == 200, resp.text
    lowered = await eventually(
        lambda: routed(stack, ticket["number"]),
        lambda t: t["escalation_at"] != ticket["escalation_at"],
    )
    assert datetime.fromisoformat(lowered["escalation_at"]) - created > timedelta(hours=3)


async def test_the_security_queue_lists_and_hands_out_by_priority(stack: Stack) -> None:
    numbers = []
    for subject in ("Older, ordinary", "Newer, urgent"):
        resp = await stack.send_mail(
            customer_mail(to="security@ticketflow.localhost", subject=subject)
        )
        numbers.append((await routed(stack, resp.json()["ticket"]))["number"])
    older, newer = numbers
    assert (await stack.act(older, "priority", agent="abe", priority=2)).status_code == 200
    await eventually(lambda: routed(stack, older), lambda t: t["priority"] == 2)

    async def listed(sort: str = "") -> list[str]:
        query = f"/api/v1/tickets?queue=Security{sort}"
        page = (await stack.http.get(query, headers=stack.auth("abe"))).json()
        return [t["number"] for t in page["tickets"]]

    page = (
        await stack.http.get("/api/v1/tickets?queue=Security", headers=stack.auth("abe"))
    ).json()
    assert page["sort"] == "priority"
    assert await listed() == [newer, older]  # the queue's own order
    assert await listed("&sort=pending") == [older, newer]  # asked otherwise
    # Working the queue (the console's Enter), the urgent one comes first.
    abe = agent_for_token(stack.components.sessions, stack.tokens["abe"])
    assert abe is not None
    first = working.next_ticket(stack.components, abe, "mail", "Security")
    assert first == newer
    assert working.next_ticket(stack.components, abe, "mail", "Security", after=first) == older
