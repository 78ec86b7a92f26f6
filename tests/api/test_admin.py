"""Agent administration over the API by a project's admins, and the audit log, on the
real stack with the example desk's two projects."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.support.stack import Stack, make_components
from ticketflow.settings import Settings
from ticketflow.store.agents import agent_changes
from ticketflow.store.migrate import bring_up_to_date


def add_agent(stack: Stack, name: str, groups: list[str]) -> None:
    stack.tokens[name] = stack.components.agent_admin("test").add(name, groups)


async def test_a_project_s_admins_manage_its_agents_and_only_theirs(stack: Stack) -> None:
    add_agent(stack, "sue", ["social/admins"])
    add_agent(stack, "mia", ["mail/first-line", "social/first-line"])
    add_agent(stack, "sofia", ["social/first-line"])
    http, dana = stack.http, stack.auth("dana")

    listed = await http.get("/api/v1/admin/agents", headers=dana)
    names = [a["name"] for a in listed.json()]
    assert "alice" in names and "mia" in names and "sofia" not in names
    assert all("token" not in a for a in listed.json())

    made = await http.post(
        "/api/v1/admin/agents", json={"name": "nina", "groups": ["first-line"]}, headers=dana
    )
    assert made.status_code == 422 and "name one, mail/first-line" in made.json()["detail"]
    made = await http.post(
        "/api/v1/admin/agents", json={"name": "nina", "groups": ["mail/first-line"]}, headers=dana
    )
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    me = await http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["queues"] == ["Inbox"]
    again = await http.post(
        "/api/v1/admin/agents", json={"name": "nina", "groups": ["mail/web"]}, headers=dana
    )
    assert again.status_code == 409
    elsewhere = await http.post(
        "/api/v1/admin/agents", json={"name": "olga", "groups": ["social/first-line"]}, headers=dana
    )
    assert (elsewhere.status_code, elsewhere.json()["detail"]) == (
        403,
        "you administer mail, not social",
    )

    # Groups: only those of the admin's projects change.
    regrouped = await http.put(
        "/api/v1/admin/agents/mia/groups", json={"groups": ["mail/web"]}, headers=dana
    )
    assert regrouped.json()["groups"] == ["mail/web", "social/first-line"]
    # mia works in social too: switching her off is not mail's alone.
    refused = await http.post("/api/v1/admin/agents/mia/disable", headers=dana)
    assert refused.status_code == 403
    # An agent of social only is none of mail's admins' business: unknown to them.
    unknown = await http.post("/api/v1/admin/agents/sofia/disable", headers=dana)
    assert (unknown.status_code, unknown.json()["detail"]) == (404, "no agent 'sofia'")
    disabled = await http.post("/api/v1/admin/agents/sofia/disable", headers=stack.auth("sue"))
    assert disabled.json()["disabled_at"] is not None
    assert (await http.get("/api/v1/me", headers=stack.auth("sofia"))).status_code == 401

    renewed = await http.post("/api/v1/admin/agents/nina/token", headers=dana)
    new_token = renewed.json()["token"]
    assert (
        await http.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    ).status_code == 401
    fresh = await http.get("/api/v1/me", headers={"Authorization": f"Bearer {new_token}"})
    assert fresh.status_code == 200

    # An agent who administers nothing is refused.
    for path in ("/api/v1/admin/agents", "/api/v1/audit"):
        resp = await http.get(path, headers=stack.auth("alice"))
        assert resp.status_code == 403 and "admins" in resp.json()["detail"]

    # The audit log: every change, who made it; each admin sees his projects' only.
    log = (await http.get("/api/v1/audit", headers=dana)).json()
    mine = [(e["agent"], e["change"], e["actor"]) for e in log if e["agent"] in ("nina", "mia")]
    assert mine == [
        ("mia", "created", "test"),
        ("nina", "created", "dana"),
        ("mia", "groups", "dana"),
        ("nina", "token", "dana"),
    ]
    rights = [e for e in log if e["change"] == "rights"]
    assert [(e["projects"], e["actor"]) for e in rights] == [(["mail"], "desk config")]
    assert "first-line Inbox: none -> " in rights[0]["detail"]
    assert "sofia" not in {e["agent"] for e in log}
    social = (await http.get("/api/v1/audit", headers=stack.auth("sue"))).json()
    assert {e["agent"] for e in social} >= {"sofia", "mia", "sue"}
    assert "nina" not in {e["agent"] for e in social}
    one = await http.get("/api/v1/audit?agent=nina", headers=dana)
    assert [e["change"] for e in one.json()] == ["created", "token"]


def test_a_change_of_rights_in_the_desk_config_is_in_the_audit_log(
    tmp_path: Path, database_url: str
) -> None:
    components = make_components(tmp_path, database_url)
    example = yaml.safe_load(Settings().desk_config.read_text())
    first_line = example["projects"][0]["groups"][0]
    assert first_line["name"] == "first-line"
    del first_line["rights"]["Web"]  # the first line may no longer hand tickets to Web
    changed = tmp_path / "desk.yaml"
    changed.write_text(yaml.safe_dump(example, allow_unicode=True))
    later = make_components(tmp_path, database_url, desk_config=changed)
    bring_up_to_date(later.engine, later.projects)  # again: recorded once
    rights = [c for c in agent_changes(later.sessions) if c.change == "rights"]
    assert [(c.projects, c.actor) for c in rights] == [
        (("mail",), "desk config"),
        (("social",), "desk config"),
        (("mail",), "desk config"),
    ]
    assert rights[-1].detail == "first-line Web: move_into -> none"
    assert components.projects.first.name == "mail"
