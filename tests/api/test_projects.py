"""Two projects in one installation (the example desk's `mail` and `social`), on the real
stack: mail finds its project by mailbox, only that project's rules run, and an agent of
one project sees nothing of the other's tickets, counts, searches or escalations."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import httpx
import yaml
from temporalio.testing import WorkflowEnvironment

from tests.support.mail import customer_mail
from tests.support.stack import SmtpSink, Stack, open_stack
from tests.support.temporal import PROJECT_NAMESPACE, eventually
from ticketflow.engine.tickets import in_namespace
from ticketflow.settings import Settings

SOCIAL = "help@social.ticketflow.localhost"


def add_agent(stack: Stack, name: str, groups: list[str]) -> None:
    stack.tokens[name] = stack.components.agent_admin("test").add(name, groups)


async def detail(stack: Stack, number: str, agent: str) -> httpx.Response:
    return await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth(agent))


async def routed(stack: Stack, number: str, agent: str) -> dict[str, Any]:
    async def probe() -> dict[str, Any]:
        return dict((await detail(stack, number, agent)).json())

    return await eventually(probe, lambda t: t.get("state") not in (None, "received"))


async def send(stack: Stack, **mail: str) -> str:
    resp = await stack.send_mail(customer_mail(**mail))
    assert resp.status_code == 202, resp.text
    return str(resp.json()["ticket"])


async def test_a_mail_belongs_to_the_project_of_its_mailbox(stack: Stack) -> None:
    add_agent(stack, "sofia", ["social/first-line"])
    add_agent(stack, "sid", ["social/supervisors"])
    # "password" is a mail-project rule's topic; "hacked" a social one's, to Accounts.
    social = await send(stack, to=SOCIAL, subject="My password", body="My page was hacked.")
    envelope = await stack.http.post(
        f"/api/v1/inbound/mail?recipient={SOCIAL}",
        content=customer_mail(to="undisclosed-recipients:;", subject="Feed", body="No posts."),
        headers=stack.inbound,
    )
    by_envelope = str(envelope.json()["ticket"])
    mail = await send(stack, subject="My password", body="I forgot my password.")

    ticket = await routed(stack, social, "sid")
    assert (ticket["project"], ticket["queue"], ticket["tags"]) == (
        "social",
        "Accounts",
        ["hacked"],
    )
    assert ticket["hints"] == []  # the mail project's rules did not run on it
    assert (await routed(stack, by_envelope, "sofia"))["queue"] == "Inbox"
    mail_ticket = await routed(stack, mail, "sam")
    assert (mail_ticket["project"], mail_ticket["tags"]) == ("mail", ["password"])
    # Numbers stay unique across projects.
    assert len({social, by_envelope, mail}) == 3
    # Social's automatic replies come from its address, its Accounts queue's too.
    sent = await stack.smtp.wait_for(3)
    froms = sorted(str(m["From"]) for m in sent)
    assert froms == sorted([SOCIAL, SOCIAL, "support@ticketflow.localhost"])


async def test_an_agent_sees_nothing_of_another_project(stack: Stack) -> None:
    add_agent(stack, "sofia", ["social/first-line"])
    add_agent(stack, "sid", ["social/supervisors"])
    add_agent(stack, "mia", ["mail/first-line", "social/first-line"])
    mail = await send(stack, subject="Spam everywhere", body="Quokka spam in my mailbox.")
    social = await send(stack, to=SOCIAL, subject="Feed", body="Wombat posts are gone.")
    await routed(stack, mail, "sam")
    await routed(stack, social, "sid")

    # A ticket of the other project is the 404 of a number never given, on every route.
    for agent, number in (("sofia", mail), ("alice", social), ("sid", mail), ("sam", social)):
        resp = await detail(stack, number, agent)
        assert (resp.status_code, resp.json()["detail"]) == (404, f"no ticket {number}")
        for path in (f"/api/v1/tickets/{number}/macros",):
            assert (await stack.http.get(path, headers=stack.auth(agent))).status_code == 404
        note = await stack.act(number, "note", agent=agent, text="x")
        assert note.status_code == 404
    # Counts, lists, searches and escalations are of the agent's own project.
    queues = (await stack.http.get("/api/v1/queues", headers=stack.auth("sofia"))).json()
    assert [(q["name"], q["open"]) for q in queues] == [("Inbox", 1)]
    listed = (await stack.http.get("/api/v1/tickets", headers=stack.auth("sofia"))).json()
    assert [t["number"] for t in listed["tickets"]] == [social]
    for agent, word, found in (
        ("sofia", "quokka", []),
        ("alice", "wombat", []),
        ("alice", "quokka", [mail]),
        ("sofia", "wombat", [social]),
    ):
        hits = await stack.http.get(f"/api/v1/search?q={word}", headers=stack.auth(agent))
        assert [h["ticket"]["number"] for h in hits.json()["hits"]] == found, (agent, word)
    for agent, number in (("sofia", mail), ("alice", social)):
        hits = await stack.http.get(f"/api/v1/search?q={number}", headers=stack.auth(agent))
        assert hits.json()["hits"] == []
    escalations = await stack.http.get(
        "/api/v1/escalations?within_minutes=10080", headers=stack.auth("sam")
    )
    assert social not in [t["number"] for t in escalations.json()["tickets"]]
    # An agent of both works each one, a project at a time; one he is not in is unknown.
    me = (await stack.http.get("/api/v1/me", headers=stack.auth("mia"))).json()
    assert [p["name"] for p in me["projects"]] == ["mail", "social"]
    both = {}
    for project in ("mail", "social"):
        resp = await stack.http.get(f"/api/v1/tickets?project={project}", headers=stack.auth("mia"))
        both[project] = [t["number"] for t in resp.json()["tickets"]]
    assert both == {"mail": [mail], "social": [social]}
    hits = await stack.http.get("/api/v1/search?q=wombat&project=social", headers=stack.auth("mia"))
    assert [h["ticket"]["number"] for h in hits.json()["hits"]] == [social]
    other = await stack.http.get("/api/v1/queues?project=mail", headers=stack.auth("sofia"))
    assert (other.status_code, other.json()["detail"]) == (404, "no project mail")
    # A move stays within the ticket's project: social has no Passwords.
    moved = await stack.act(social, "move", agent="mia", queue="Passwords")
    assert moved.status_code == 409 and "unknown queue 'Passwords'" in moved.json()["detail"]
    moved = await stack.act(social, "move", agent="mia", queue="Accounts")
    assert (moved.status_code, moved.json()["queue"]) == (200, "Accounts")


async def test_supervisors_filter_by_project_in_temporal(stack: Stack) -> None:
    social = await send(stack, to=SOCIAL, subject="Feed", body="Posts are gone.")
    client = stack.env.client
    query = f"TicketProject='social' AND TicketNumber='{social}'"

    async def listed() -> list[str]:
        return [wf.id async for wf in client.list_workflows(query)]

    assert len(await eventually(listed, lambda ids: len(ids) == 1)) == 1


async def test_a_project_may_keep_its_tickets_in_a_namespace_of_its_own(
    dev_env: WorkflowEnvironment, database_url: str, tmp_path: Path, smtp: tuple[SmtpSink, int]
) -> None:
    example = yaml.safe_load(Settings().desk_config.read_text())
    example["projects"][1]["namespace"] = PROJECT_NAMESPACE
    desk = tmp_path / "desk.yaml"
    desk.write_text(yaml.safe_dump(example, allow_unicode=True))
    async with open_stack(dev_env, database_url, tmp_path, smtp, desk_config=desk) as stack:
        add_agent(stack, "sofia", ["social/first-line"])
        social = await send(stack, to=SOCIAL, subject="Feed", body="Posts are gone.")
        mail = await send(stack)
        await routed(stack, social, "sofia")  # the worker of its namespace ran it
        await routed(stack, mail, "sam")
        taken = await stack.act(social, "take", agent="sofia")
        assert (taken.status_code, taken.json()["owner"]) == (200, "sofia")
        own = in_namespace(dev_env.client, PROJECT_NAMESPACE)

        async def where(number: str) -> list[str]:
            found = []
            for client in (dev_env.client, own):
                query = f"TicketNumber='{number}'"
                found += [client.namespace async for _ in client.list_workflows(query)]
            return found

        assert await eventually(partial(where, social), bool) == [PROJECT_NAMESPACE]
        assert await eventually(partial(where, mail), bool) == ["default"]
