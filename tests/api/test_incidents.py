"""Incidents over the API: one answer to every linked ticket, each through its own
workflow and in its customer's language, once; tickets linked later (by number or by the
incident's rule) get it too; a final answer closes the tickets still open."""

from __future__ import annotations

import asyncio
from email.message import EmailMessage
from typing import Any

from tests.api.test_mail_languages import WRITTEN
from tests.api.test_rights import add_agent
from tests.support.stack import Stack
from tests.support.temporal import eventually

# What each language's incident_known answer says (templates/answers/).
KNOWN = {
    "ru": "Мы знаем о проблеме",
    "en": "We know of the problem",
    "tr": "Bildirdiğiniz sorundan",
}


async def open_in_languages(stack: Stack, each: int) -> dict[str, str]:
    """`each` new tickets per language, by customers of their own: number -> language."""
    made: dict[str, str] = {}
    for language, (subject, body) in WRITTEN.items():
        numbers = await asyncio.gather(
            *(
                stack.open_ticket(
                    sender=f"Customer {language}{i} <{language}{i}@example.org>",
                    subject=subject,
                    body=body,
                )
                for i in range(each)
            )
        )
        made |= dict.fromkeys(numbers, language)
    return made


async def call(stack: Stack, method: str, path: str, agent: str = "ivy", **body: Any) -> Any:
    resp = await stack.http.request(
        method, f"/api/v1{path}", json=body or None, headers=stack.auth(agent), timeout=60
    )
    assert resp.status_code in (200, 201), resp.text
    return resp.json()


async def settled(stack: Stack, incident: int, state: str, timeout: float = 60) -> Any:
    async def probe() -> Any:
        return await call(stack, "GET", f"/incidents/{incident}")

    return await eventually(probe, lambda i: i["state"] == state, timeout=timeout)


def answers(stack: Stack, marker: str) -> dict[str, EmailMessage]:
    """The incident's answers the mail server took, by the ticket number they carry."""
    found: dict[str, EmailMessage] = {}
    for message in stack.smtp.messages:
        body = message.get_body(("plain",))
        assert body is not None
        if marker in body.get_content():
            number = str(message["Subject"]).split("Ticket#", 1)[1].split("]", 1)[0]
            assert number not in found, f"ticket {number} answered twice"
            found[number] = message
    return found


async def test_an_incident_answers_every_linked_ticket_once_in_its_language(
    stack: Stack,
) -> None:
    add_agent(stack, "ivy", ["mail/first-line", "mail/incidents"])
    tickets = await open_in_languages(stack, 5)
    made = await call(
        stack,
        "POST",
        "/incidents",
        project="mail",
        title="Login outage",
        status="Logins fail since 09:00.",
    )
    incident = made["id"]
    assert (made["state"], made["linked"], made["created_by"]) == ("open", 0, "ivy")
    unknown = "2026010199999999"
    linked = await call(
        stack, "POST", f"/incidents/{incident}/tickets", numbers=[*tickets, unknown]
    )
    assert sorted(linked["linked"]) == sorted(tickets) and linked["already"] == []
    assert linked["refused"] == [
        {"number": unknown, "code": "ticket-unknown", "reason": f"no ticket {unknown}"}
    ]
    again = await call(stack, "POST", f"/incidents/{incident}/tickets", numbers=list(tickets)[:2])
    assert (again["linked"], len(again["already"])) == ([], 2)

    started = await call(stack, "POST", f"/incidents/{incident}/answer", template="incident_known")
    assert started["state"] in ("answering", "answered") and started["answer"] == "incident_known"
    done = await settled(stack, incident, "answered")
    assert (done["linked"], done["sent"], done["pending"], done["refused"]) == (15, 15, 0, 0)
    assert sorted(t["number"] for t in done["tickets"]) == sorted(tickets)
    assert {(t["answer"], t["final"], t["linked_by"]) for t in done["tickets"]} == {
        ("sent", None, "ivy")
    }

    async def all_sent() -> int:
        return len(answers(stack, "Logins fail since 09:00."))

    await eventually(all_sent, lambda n: n == 15)
    for number, message in answers(stack, "Logins fail since 09:00.").items():
        text = message.get_body(("plain",))
        assert text is not None and KNOWN[tickets[number]] in text.get_content()
    # Each ticket's own history: one answer, by ivy, in a macro named for the incident.
    for number in list(tickets)[:3]:
        detail = await call(stack, "GET", f"/tickets/{number}", agent="sam")
        entries = [h for h in detail["history"] if h["action"] in ("answer", "macro")]
        assert [(h["action"], h["actor"]) for h in entries] == [("macro", "ivy"), ("answer", "ivy")]
        assert detail["state"] == "closed"


async def test_tickets_linked_after_the_answer_get_it_by_number_and_by_rule(
    stack: Stack,
) -> None:
    add_agent(stack, "ivy", ["mail/first-line", "mail/incidents"])
    first = await stack.open_ticket(sender="Early <early@example.org>")
    rule = [{"field": "subject", "keywords": ["outage"]}]
    incident = (await call(stack, "POST", "/incidents", project="mail", title="Outage", rule=rule))[
        "id"
    ]
    await call(stack, "POST", f"/incidents/{incident}/tickets", numbers=[first])
    await call(stack, "POST", f"/incidents/{incident}/answer", text="We are on it: ZX-77.")
    await settled(stack, incident, "answered")
    # By number, after the answer went out.
    late = await stack.open_ticket(sender="Late <late@example.org>")
    await call(stack, "POST", f"/incidents/{incident}/tickets", numbers=[late])
    # By the rule, as it arrives; one that does not match stays out.
    ruled = await stack.open_ticket(sender="Ruled <ruled@example.org>", subject="Mail outage?")
    other = await stack.open_ticket(sender="Other <other@example.org>", subject="Spam question")

    async def sent() -> set[str]:
        return set(answers(stack, "ZX-77"))

    await eventually(sent, lambda s: s == {first, late, ruled}, timeout=60)
    view = await settled(stack, incident, "answered")
    assert (view["linked"], view["sent"], view["pending"]) == (3, 3, 0)
    assert [t["linked_by"] for t in view["tickets"]] == ["rule", "ivy", "ivy"]  # latest first
    assert view["rule"] == [
        {"field": "subject", "keywords": ["outage"], "regex": None, "present": True}
    ]
    assert other not in answers(stack, "ZX-77")


async def test_refusals_are_per_ticket_and_orders_fit_the_state(stack: Stack) -> None:
    add_agent(stack, "ivy", ["mail/first-line", "mail/incidents"])
    add_agent(stack, "ada", ["mail/first-line"])
    owned, free = await asyncio.gather(
        stack.open_ticket(sender="A <a@example.org>"), stack.open_ticket(sender="B <b@example.org>")
    )
    assert (await stack.act(owned, "take", agent="ada")).status_code == 200
    # Only supervisors and the incidents role make incidents.
    refused = await stack.http.post(
        "/api/v1/incidents", json={"project": "mail", "title": "x"}, headers=stack.auth("alice")
    )
    assert refused.status_code == 403 and refused.json()["code"] == "incidents-role"
    incident = (await call(stack, "POST", "/incidents", project="mail", title="Slow mail"))["id"]
    await call(stack, "POST", f"/incidents/{incident}/tickets", numbers=[owned, free])
    # Nothing to pause or resume before an answer; a supervisor acting in no queue may not
    # send one; an unknown template is named.
    for order, code in (("pause", "incident-not-sending"), ("resume", "incident-not-paused")):
        resp = await stack.http.post(
            f"/api/v1/incidents/{incident}/{order}", headers=stack.auth("ivy")
        )
        assert (resp.status_code, resp.json()["code"]) == (409, code)
    resp = await stack.http.post(
        f"/api/v1/incidents/{incident}/answer", json={"text": "x"}, headers=stack.auth("sam")
    )
    assert (resp.status_code, resp.json()["code"]) == (403, "incident-replies")
    resp = await stack.http.post(
        f"/api/v1/incidents/{incident}/answer",
        json={"template": "nope"},
        headers=stack.auth("ivy"),
    )
    assert (resp.status_code, resp.json()["code"]) == (422, "template-invalid")

    await call(stack, "POST", f"/incidents/{incident}/answer", text="Known: QW-12.")
    view = await settled(stack, incident, "answered")
    assert (view["sent"], view["refused"]) == (1, 1)
    assert view["refusals"] == [
        {"number": owned, "code": "owned", "reason": "ada owns this ticket"}
    ]
    resp = await stack.http.post(
        f"/api/v1/incidents/{incident}/answer", json={"text": "again"}, headers=stack.auth("ivy")
    )
    assert (resp.status_code, resp.json()["code"]) == (409, "incident-answered")
    # The incident's page is any project agent's to read; another project's agents get 404.
    assert (await call(stack, "GET", f"/incidents/{incident}", agent="alice"))["id"] == incident
    listed = await call(stack, "GET", "/incidents", agent="alice")
    assert [i["id"] for i in listed["incidents"]] == [incident]


async def test_closing_sends_the_final_answer_to_the_open_tickets_alone(stack: Stack) -> None:
    add_agent(stack, "ivy", ["mail/first-line", "mail/incidents"])
    answered, reopened, late = await asyncio.gather(
        *(stack.open_ticket(sender=f"C{i} <c{i}@example.org>") for i in range(3))
    )
    incident = (await call(stack, "POST", "/incidents", project="mail", title="Quota"))["id"]
    await call(stack, "POST", f"/incidents/{incident}/tickets", numbers=[answered, reopened])
    await call(stack, "POST", f"/incidents/{incident}/answer", text="Looking: AB-1.")
    await settled(stack, incident, "answered")
    assert (await stack.act(reopened, "reopen", agent="ivy")).status_code == 200
    await call(stack, "POST", f"/incidents/{incident}/tickets", numbers=[late])
    await settled(stack, incident, "answered")
    # `late` was answered on linking, and closed; `reopened` is open again.
    await call(stack, "POST", f"/incidents/{incident}/close", text="Fixed: AB-2.")
    view = await settled(stack, incident, "closed")
    assert view["final"] == {"sent": 1, "pending": 0, "refused": 0, "skipped": 2}

    async def final_sent() -> set[str]:
        return set(answers(stack, "AB-2"))

    await eventually(final_sent, lambda s: s == {reopened})
    detail = await call(stack, "GET", f"/tickets/{reopened}", agent="sam")
    assert detail["state"] == "closed"
    resp = await stack.http.post(
        f"/api/v1/incidents/{incident}/tickets",
        json={"numbers": [answered]},
        headers=stack.auth("ivy"),
    )
    assert (resp.status_code, resp.json()["code"]) == (409, "incident-closed")
