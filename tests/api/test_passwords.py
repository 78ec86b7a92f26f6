"""The Passwords tools over the API: a customer's claims sealed, verified against the
account directory (the example desk's table, loaded from its sample file), decided, and
destroyed after the ticket closes; the marker value of a claim appears nowhere."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.console.test_pages import signed_in
from tests.support.grep import database_text
from tests.support.stack import Stack
from tests.support.temporal import decoded_history_text
from ticketflow.accounts.importing import import_accounts
from ticketflow.store.claims import purge_claims
from ticketflow.store.models import utcnow
from ticketflow.tickets.numbering import workflow_id

SAMPLE = Path(__file__).resolve().parents[2] / "ticketflow" / "desk" / "accounts.example.jsonl"
MARKER = "Zq7-marker-Xv41"  # a claim's value (a wrong password): must never show


def load_sample(stack: Stack) -> None:
    passwords = stack.components.projects.desk("mail").passwords
    assert passwords is not None
    names = frozenset(c.name for c in passwords.claims)
    accounts = stack.components.accounts
    import_accounts(stack.components.sessions, accounts.sealer, "mail", SAMPLE, names)


class Seen:
    """Every answer the test got, for the grep at the end."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def __call__(self, resp: httpx.Response) -> httpx.Response:
        self.texts.append(resp.text)
        return resp


async def in_passwords(stack: Stack, seen: Seen, sender: str, subject: str) -> str:
    number = await stack.open_ticket(sender=sender, subject=subject)
    moved = seen(await stack.act(number, "move", agent="alice", queue="Passwords"))
    assert moved.status_code == 200, moved.text
    return number


async def test_claims_verified_decided_and_purged_leave_no_trace(
    stack: Stack, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    load_sample(stack)
    seen = Seen()
    bob = stack.auth("bob")
    # Anna writes from a new address about the one she cannot sign in to.
    number = await in_passwords(stack, seen, "Anna <anna.new@example.com>", "Lost my mailbox")
    claims = {
        "account": "Anna@Example.org",
        "birth_date": "18.05.1990",  # a day off: partial
        "phone": "8 (912) 345-67-89",  # the same number written otherwise: match
        "last_password": MARKER,  # wrong: mismatch
    }
    resp = seen(
        await stack.http.post(
            f"/api/v1/tickets/{number}/claims", json={"items": claims}, headers=bob
        )
    )
    assert resp.status_code == 201, resp.text
    assert resp.json()["recorded"] == ["account", "birth_date", "phone", "last_password"]

    # Nothing decided before a verification.
    early = seen(await stack.act(number, "refuse", agent="bob", reason="too early"))
    assert early.status_code == 409 and early.json()["code"] == "verify-first"
    verified = seen(await stack.act(number, "verify", agent="bob"))
    assert verified.status_code == 200, verified.text
    found = seen(await stack.http.get(f"/api/v1/tickets/{number}/verification", headers=bob)).json()
    assert found["items"] == [
        {"name": "birth_date", "verdict": "partial"},
        {"name": "phone", "verdict": "match"},
        {"name": "last_password", "verdict": "mismatch"},
    ]
    assert found["account_found"] is True and found["decision"] is None
    kinds = [c["kind"] for c in found["changes"]]
    assert kinds[:3] == ["recovery-address", "password", "new-country-sign-in"]  # newest first

    # The decision: restored by SMS, the customer answered from the template, closed.
    restored = seen(
        await stack.act(number, "restore", agent="bob", channel="sms", reason="phone matches")
    )
    assert restored.status_code == 200, restored.text
    assert restored.json()["state"] == "closed"
    again = seen(await stack.act(number, "refuse", agent="bob", reason="changed my mind"))
    assert again.status_code == 409 and again.json()["code"] in ("decided", "state")
    mails = await stack.smtp.wait_for(2)  # the automatic reply, then the decision's answer
    answer = mails[-1]
    assert answer["To"] == "anna.new@example.com"
    body = answer.get_body(("plain",))
    assert body is not None and "text message with a one-time code" in body.get_content()
    after = seen(await stack.http.get(f"/api/v1/tickets/{number}/verification", headers=bob)).json()
    assert after["decision"]["decision"] == "restore" and after["decision"]["channel"] == "sms"
    assert after["decision"]["reason"] == "phone matches" and after["decision"]["by"] == "bob"
    # The directory recorded the restore, once.
    panel = seen(await stack.http.get(f"/api/v1/tickets/{number}/account", headers=bob)).json()
    assert panel["status"] == "missing"  # the sender's own address has no account
    account = stack.components.accounts.directory("mail").lookup("anna@example.org")
    assert account is not None
    assert [c.kind for c in account.changes].count("access-restored") == 1

    # Destroyed once the desk's days have passed since it closed.
    assert purge_claims(stack.components.sessions, {"mail": 30}) == 0
    later = utcnow() + timedelta(days=31)
    assert purge_claims(stack.components.sessions, {"mail": 30}, now=later) == 1
    gone = seen(await stack.http.get(f"/api/v1/tickets/{number}/verification", headers=bob))
    assert gone.json()["claims"] == [] and gone.json()["items"]  # verdicts stay

    # The console's pages of the ticket, as bob sees them.
    browser, _ = await signed_in(stack, "bob")
    for path in (f"/t/{number}", f"/t/{number}/account", "/search?q=Lost"):
        page = seen(await browser.get(path))
        assert page.status_code == 200, path
    assert 'class="access"' in seen.texts[-3] and 'data-verdict="mismatch"' in seen.texts[-3]

    # The marker, nowhere: answers, the ticket's views, history, logs, the database.
    seen(await stack.http.get(f"/api/v1/tickets/{number}", headers=bob))
    searched = seen(await stack.http.get(f"/api/v1/search?q={MARKER}", headers=bob))
    assert searched.status_code == 200 and searched.json()["hits"] == []
    handle = stack.env.client.get_workflow_handle(workflow_id(number))
    history = decoded_history_text((await handle.fetch_history()).to_json_dict())
    assert "verify the claims" in history or "verify_claims" in history
    places = {
        "answers": "\n".join(seen.texts),
        "history": history,
        # Every process's log but the test's own HTTP client's (it logs the search URL
        # the test wrote the marker into).
        "logs": "\n".join(
            f"{r.getMessage()} {r.args}" for r in caplog.records if r.name != "httpx"
        ),
        "database": database_text(stack.components.engine),
    }
    for place, text in places.items():
        assert MARKER not in text, place
        assert MARKER.encode().hex() not in text, place


async def test_verdicts_for_an_account_without_a_fact_and_for_no_account(stack: Stack) -> None:
    load_sample(stack)
    seen = Seen()
    bob = stack.auth("bob")
    # Olga's account has no birth date on record: unknown; her phone matches.
    olga = await in_passwords(stack, seen, "olga@example.net", "Cannot sign in")
    items = {"birth_date": "1980-01-01", "phone": "+7 495 765 43 21"}
    resp = await stack.http.post(
        f"/api/v1/tickets/{olga}/claims", json={"items": items}, headers=bob
    )
    assert resp.status_code == 201, resp.text
    assert (await stack.act(olga, "verify", agent="bob")).status_code == 200
    found = (await stack.http.get(f"/api/v1/tickets/{olga}/verification", headers=bob)).json()
    assert found["items"] == [
        {"name": "birth_date", "verdict": "unknown"},
        {"name": "phone", "verdict": "match"},
    ]
    panel = (await stack.http.get(f"/api/v1/tickets/{olga}/account", headers=bob)).json()
    assert panel["status"] == "found" and panel["frozen"] is False
    assert panel["created_at"].startswith("2016-01-05")
    # Refused: the customer is answered from the refusal template, the ticket closed.
    refused = await stack.act(olga, "refuse", agent="bob", reason="cannot confirm")
    assert refused.status_code == 200 and refused.json()["state"] == "closed"
    decided = (await stack.http.get(f"/api/v1/tickets/{olga}/verification", headers=bob)).json()
    assert decided["decision"]["decision"] == "refuse"
    assert decided["decision"]["reason"] == "cannot confirm"

    # Nobody at all: every claim unknown, the account not found.
    nobody = await in_passwords(stack, seen, "ghost@example.org", "Lost access")
    await stack.http.post(
        f"/api/v1/tickets/{nobody}/claims",
        json={"items": {"phone": "+7 900 000 00 00"}},
        headers=bob,
    )
    assert (await stack.act(nobody, "verify", agent="bob")).status_code == 200
    found = (await stack.http.get(f"/api/v1/tickets/{nobody}/verification", headers=bob)).json()
    assert found["items"] == [{"name": "phone", "verdict": "unknown"}]
    assert found["account_found"] is False


async def test_claims_are_refused_with_reasons_that_never_repeat_the_value(stack: Stack) -> None:
    number = await stack.open_ticket()
    bob, alice = stack.auth("bob"), stack.auth("alice")
    url = f"/api/v1/tickets/{number}/claims"
    # In the Inbox: not bob's to see, and the first line has no verify right.
    assert (
        await stack.http.post(url, json={"items": {"phone": "1"}}, headers=bob)
    ).status_code == 404
    resp = await stack.http.post(url, json={"items": {"phone": "+7 912 345 67 89"}}, headers=alice)
    assert resp.status_code == 403 and resp.json()["code"] == "right-missing"
    assert (await stack.act(number, "move", agent="alice", queue="Passwords")).status_code == 200

    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"items": {"shoe_size": MARKER}}, 422, "claim-unknown"),
        ({"items": {"birth_date": MARKER}}, 422, "claim-unreadable"),
        ({"items": {"phone": MARKER}}, 422, "claim-unreadable"),
        ({"items": {}}, 422, "invalid-request"),
        ({"items": {"phone": MARKER * 20}}, 422, "invalid-request"),
        ({"claims": {"phone": MARKER}}, 422, "invalid-request"),
    ]
    for body, status, code in cases:
        resp = await stack.http.post(url, json=body, headers=bob)
        assert (resp.status_code, resp.json()["code"]) == (status, code), resp.text
        assert MARKER not in resp.text
    # Verify without claims: refused by the ticket.
    resp = await stack.act(number, "verify", agent="bob")
    assert resp.status_code == 409 and resp.json()["code"] == "claims-missing"
    resp = await stack.act(number, "restore", agent="bob", channel="pigeon", reason="x")
    assert resp.status_code == 422 and resp.json()["code"] == "channel-unknown"
