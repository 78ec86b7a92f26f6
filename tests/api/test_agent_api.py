"""Agent API contract: authentication, access by group, errors with reasons, pagination."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import func, select, text

from tests.support.mail import customer_mail, delivery_report, text_part
from tests.support.stack import Stack
from tests.support.temporal import eventually
from ticketflow.store.models import Article, RawMessage, Ticket


async def test_every_agent_route_needs_a_valid_token(stack: Stack) -> None:
    for method, path in [
        ("GET", "/api/v1/queues"),
        ("POST", "/api/v1/queues/Inbox/next"),
        ("GET", "/api/v1/tickets"),
        ("GET", "/api/v1/tickets/1"),
        ("GET", "/api/v1/search?q=password"),
        ("POST", "/api/v1/tickets/1/actions/take"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/desk"),
    ]:
        resp = await stack.http.request(method, path)
        assert resp.status_code == 401, path
        assert resp.headers["www-authenticate"] == "Bearer"
        resp = await stack.http.request(method, path, headers={"Authorization": "Bearer nope"})
        assert resp.status_code == 401, path
        assert resp.json()["detail"] == "unknown, replaced or disabled token"


async def test_errors_carry_reasons_and_change_nothing(stack: Stack) -> None:
    number = await stack.open_ticket()
    resp = await stack.act("999", "take")
    assert (resp.status_code, resp.json()["detail"]) == (404, "no ticket 999")
    resp = await stack.act(number, "fly")
    assert resp.status_code == 404 and "unknown action 'fly'" in resp.json()["detail"]
    resp = await stack.act(number, "priority", priority=9)
    assert resp.status_code == 422
    resp = await stack.act(number, "move", queu="Web")
    assert resp.status_code == 422
    resp = await stack.act(number, "note")
    assert resp.status_code == 422
    resp = await stack.act(number, "reopen")
    assert (resp.status_code, resp.json()["detail"]) == (
        409,
        "cannot reopen a ticket that is first-line",
    )
    resp = await stack.act(number, "move", queue="Nowhere")
    assert (resp.status_code, resp.json()["detail"]) == (
        409,
        "unknown queue 'Nowhere'; known: Abuse, Inbox, Passwords, Security, Solvers, Web",
    )
    detail = (await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))).json()
    assert (detail["state"], detail["queue"]) == ("first-line", "Inbox")
    assert [h["action"] for h in detail["history"]] == ["customer-message", "route"]


async def test_agents_see_and_act_only_in_their_groups_queues(stack: Stack) -> None:
    number = await stack.open_ticket()
    unknown = "2026010199999999"

    async def refusals(path: str, **body: object) -> list[tuple[int, str]]:
        """What bob gets for `number` and for a number that does not exist, side by side."""
        answers = []
        for n in (number, unknown):
            url = path.format(n=n)
            if body or "/actions/" in url or "/preview" in url:
                resp = await stack.http.post(url, json=body, headers=stack.auth("bob"))
            else:
                resp = await stack.http.get(url, headers=stack.auth("bob"))
            answers.append((resp.status_code, resp.json()["detail"].replace(n, "N")))
        return answers

    # What bob may not see is refused exactly as what does not exist: 404, same words.
    for path, body in [
        ("/api/v1/tickets/{n}", {}),
        ("/api/v1/tickets/{n}/macros", {}),
        ("/api/v1/tickets/{n}/actions/take", {}),
        ("/api/v1/tickets/{n}/actions/note", {"text": "peek"}),
        ("/api/v1/tickets/{n}/preview", {"text": "peek"}),
    ]:
        mine, none = await refusals(path, **body)
        assert mine == none == (404, "no ticket N"), path
    resp = await stack.http.get("/api/v1/tickets?queue=Inbox", headers=stack.auth("bob"))
    nope = await stack.http.get("/api/v1/tickets?queue=Nope", headers=stack.auth("bob"))
    assert (resp.status_code, resp.json()["detail"]) == (404, "no queue Inbox")
    assert (nope.status_code, nope.json()["detail"]) == (404, "no queue Nope")
    queues = (await stack.http.get("/api/v1/queues", headers=stack.auth("carol"))).json()
    assert [q["name"] for q in queues] == ["Web", "Solvers"]


async def test_search_finds_only_tickets_the_agent_may_see(stack: Stack) -> None:
    number = await stack.open_ticket(subject="Пароль", body="Не могу войти в почту")
    resp = await stack.http.get(
        "/api/v1/search", params={"q": "войти"}, headers=stack.auth("alice")
    )
    hits = resp.json()["hits"]
    assert [h["ticket"]["number"] for h in hits] == [number]
    assert hits[0]["article_id"] is not None
    resp = await stack.http.get("/api/v1/search", params={"q": number}, headers=stack.auth("bob"))
    assert resp.json() == {"hits": []}
    resp = await stack.http.get("/api/v1/search", params={"q": ""}, headers=stack.auth("alice"))
    assert resp.status_code == 422


async def test_note_ask_priority_take_and_reply_while_waiting(stack: Stack) -> None:
    number = await stack.open_ticket()
    resp = await stack.act(number, "take")
    assert resp.json()["owner"] == "alice"
    resp = await stack.act(number, "priority", priority=1)
    assert resp.json()["priority"] == 1
    assert (await stack.act(number, "note", text="Looks like a phishing victim")).is_success
    resp = await stack.act(number, "ask", text="Which browser do you use?")
    assert resp.json()["state"] == "waiting"
    question = (await stack.smtp.wait_for(2))[1]
    assert "Which browser do you use?" in text_part(question)

    resp = await stack.send_mail(
        customer_mail(subject=question["Subject"], body="Firefox", in_reply_to=None)
    )
    assert resp.json()["created"] is False

    async def detail() -> Any:
        r = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))
        return r.json()

    ticket = await eventually(detail, lambda t: t["state"] == "first-line")
    notes = [a for a in ticket["articles"] if a["direction"] == "note"]
    assert [(n["body_text"], n["author"], n["status"]) for n in notes] == [
        ("Looks like a phishing victim", "alice", "saved")
    ]
    assert ticket["history"][3]["detail"] == "1"
    queues = (await stack.http.get("/api/v1/queues", headers=stack.auth("alice"))).json()
    assert queues[0]["name"] == "Inbox"
    assert (queues[0]["open"], queues[0]["waiting"]) == (1, 0)
    assert queues[0]["oldest_open_age_seconds"] >= 0


async def test_queue_view_pages_oldest_first_by_cursor(stack: Stack) -> None:
    numbers = [await stack.open_ticket(subject=f"Question {i}") for i in range(5)]
    seen: list[str] = []
    cursor = None
    for _ in range(3):
        query = "/api/v1/tickets?queue=Inbox&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = (await stack.http.get(query, headers=stack.auth("alice"))).json()
        seen += [t["number"] for t in page["tickets"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == numbers
    resp = await stack.http.get("/api/v1/tickets?cursor=zzz", headers=stack.auth("alice"))
    assert (resp.status_code, resp.json()["detail"]) == (400, "invalid cursor")
    resp = await stack.http.get("/api/v1/tickets?state=closed", headers=stack.auth("alice"))
    assert resp.json()["tickets"] == []


async def test_next_ticket_gives_two_agents_working_a_queue_different_tickets(
    stack: Stack,
) -> None:
    numbers = [await stack.open_ticket(subject=f"Question {i}") for i in range(3)]
    stack.tokens["ada"] = stack.components.agent_admin("test").add("ada", ["mail/first-line"])

    async def next_for(agent: str, **params: str) -> tuple[int, object]:
        resp = await stack.http.post(
            "/api/v1/queues/Inbox/next", params=params, headers=stack.auth(agent)
        )
        return resp.status_code, resp.json().get("ticket", resp.json().get("detail"))

    assert await next_for("alice") == (200, numbers[0])
    assert await next_for("ada") == (200, numbers[1])  # alice has the first one open
    # Alice leaves hers without acting: the next after it that nobody has open.
    assert await next_for("alice", after=numbers[0]) == (200, numbers[2])
    # Ada, done with hers, is given the one alice left; nothing is left after the last.
    assert await next_for("ada") == (200, numbers[0])
    assert await next_for("alice", after=numbers[2]) == (200, None)
    # Bob works Passwords only: the Inbox is refused as a queue that does not exist.
    assert await next_for("bob") == (404, "no queue Inbox")
    assert await next_for("alice", project="nope") == (404, "no project nope")


@pytest.mark.parametrize(
    ("content", "content_type", "status", "reason"),
    [
        (b"", "message/rfc822", 400, "empty message"),
        (b"just some words\nwithout headers", "message/rfc822", 400, "not an RFC 822 message"),
        (b"From: a@b.c\n\nhi", "application/json", 415, "send the raw message"),
    ],
)
async def test_inbound_refuses_what_is_not_mail(
    stack: Stack, content: bytes, content_type: str, status: int, reason: str
) -> None:
    headers = stack.inbound | {"Content-Type": content_type}
    resp = await stack.http.post("/api/v1/inbound/mail", content=content, headers=headers)
    assert resp.status_code == status
    assert reason in resp.json()["detail"]


@pytest.mark.parametrize("secret", [None, "", "wrong", "x" * 43])
async def test_inbound_needs_the_webhook_secret(stack: Stack, secret: str | None) -> None:
    headers = {"Content-Type": "message/rfc822"}
    if secret is not None:
        headers["X-Webhook-Secret"] = secret
    resp = await stack.http.post("/api/v1/inbound/mail", content=customer_mail(), headers=headers)
    assert (resp.status_code, resp.json()["detail"]) == (401, "missing or wrong X-Webhook-Secret")
    with stack.components.sessions() as session:
        assert session.scalar(select(func.count()).select_from(RawMessage)) == 0
    secret_file = stack.components.settings.data_dir.resolve() / "webhook_secret"
    assert secret_file.stat().st_mode & 0o077 == 0  # made for its owner alone


async def test_inbound_oversized_message_gets_413(stack: Stack) -> None:
    limit = stack.components.settings.max_message_bytes
    raw = customer_mail(body="x" * (limit + 10))
    resp = await stack.send_mail(raw)
    assert resp.status_code == 413
    assert str(limit) in resp.json()["detail"]


async def test_same_message_twice_is_one_article(stack: Stack) -> None:
    raw = customer_mail(message_id="<dup-1@example.org>")
    first = (await stack.send_mail(raw)).json()
    second = (await stack.send_mail(raw)).json()
    assert second == {
        "ticket": first["ticket"],
        "created": False,
        "duplicate": True,
        "ignored": None,
        "set_aside": None,
        "raw_id": first["raw_id"],
    }
    no_id = b"From: x@example.org\r\nSubject: no id\r\n\r\nbody\r\n"
    third, fourth = (await stack.send_mail(no_id)).json(), (await stack.send_mail(no_id)).json()
    assert (third["duplicate"], fourth["duplicate"]) == (False, True)
    assert fourth["ticket"] == third["ticket"] != first["ticket"]
    detail = await stack.http.get(f"/api/v1/tickets/{first['ticket']}", headers=stack.auth("sam"))
    assert [a["direction"] for a in detail.json()["articles"] if a["direction"] == "in"] == ["in"]


async def test_bounce_of_an_answer_joins_its_ticket_marked_and_unanswered(stack: Stack) -> None:
    number = await stack.open_ticket()
    resp = await stack.act(number, "answer", text="Reset it here.")
    assert resp.json()["state"] == "closed"
    answer = (await stack.smtp.wait_for(2))[1]  # after the automatic reply
    resp = await stack.send_mail(delivery_report(answer["Message-ID"]))
    assert (resp.json()["ticket"], resp.json()["created"]) == (number, False)

    async def detail() -> Any:
        r = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))
        return r.json()

    # The answer did not arrive: the ticket is open again, the bounce shown to agents.
    ticket = await eventually(detail, lambda t: t["state"] == "first-line")
    assert [a["bounce"] for a in ticket["articles"] if a["direction"] == "in"] == [False, True]
    assert len(stack.smtp.messages) == 2  # nothing sent to the mail daemon


async def test_each_queue_sends_from_its_own_address(stack: Stack) -> None:
    number = await stack.open_ticket()
    assert (await stack.act(number, "move", queue="Abuse")).json()["queue"] == "Abuse"
    resp = await stack.act(number, "answer", agent="abe", text="We blocked the sender.")
    assert resp.json()["state"] == "closed"
    auto_reply, answer = await stack.smtp.wait_for(2)
    assert (auto_reply["From"], auto_reply["Reply-To"]) == ("support@ticketflow.localhost",) * 2
    assert (answer["From"], answer["Reply-To"]) == ("abuse@ticketflow.localhost",) * 2
    assert f"[Ticket#{number}]" in answer["Subject"]
    # Mail from one of our queue addresses is ours: no automatic reply to it.
    ours = await stack.send_mail(customer_mail(sender="abuse@ticketflow.localhost"))

    async def history() -> list[dict[str, Any]]:
        r = await stack.http.get(
            f"/api/v1/tickets/{ours.json()['ticket']}", headers=stack.auth("sam")
        )
        return list(r.json()["history"])

    skipped = await eventually(
        history, lambda h: bool(h) and h[-1]["action"] == "auto-reply-skipped"
    )
    assert skipped[-1]["detail"] == "sent from one of our own addresses"
    assert len(stack.smtp.messages) == 2


async def test_mail_goes_out_as_text_and_html_and_is_stored_as_sent(stack: Stack) -> None:
    number = await stack.open_ticket()
    text = "Open Settings > Security,\nthen press <Reset>.\n\nKind regards"
    await stack.act(number, "answer", agent="alice", text=text)
    auto_reply, answer = await stack.smtp.wait_for(2)
    for sent in (auto_reply, answer):
        assert sent.get_content_type() == "multipart/alternative"
        assert f"[Ticket#{number}]" in sent["Subject"]
    html_part = answer.get_body(preferencelist=("html",))
    assert isinstance(html_part, EmailMessage)
    html = str(html_part.get_content()).replace("\r\n", "\n")
    assert "<p>Open Settings &gt; Security,<br>\nthen press &lt;Reset&gt;.</p>" in html
    sent_text = text_part(answer).replace("\r\n", "\n")
    # The customer's message is quoted below the signature, in both parts.
    assert sent_text.startswith(text + "\n\n-- \nSupport team\n\n")
    assert sent_text.endswith(
        ", Anna Petrova <anna@example.org>:\n"
        "> I forgot my password and the recovery form does not work.\n"
    )
    assert "<blockquote" in html and "recovery form does not work" in html
    resp = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))
    stored = next(a for a in resp.json()["articles"] if a["author"] == "alice")
    assert stored["body_text"] == sent_text
    assert stored["body_html"] == html


async def test_escalations_list_tickets_by_their_next_deadline(stack: Stack) -> None:
    number = await stack.open_ticket()
    detail = (await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))).json()
    due = datetime.fromisoformat(detail["escalation_at"])
    # The Inbox promises a first answer within 60 business minutes (09:00-21:00 Moscow).
    assert due - datetime.now(UTC) >= timedelta(minutes=59)

    async def listed(**params: int) -> list[dict[str, Any]]:
        resp = await stack.http.get(
            "/api/v1/escalations", params=params, headers=stack.auth("alice")
        )
        assert resp.status_code == 200, resp.text
        return list(resp.json()["tickets"])

    assert await listed(within_minutes=0) == []
    [at_risk] = await listed(within_minutes=7 * 24 * 60)
    assert (at_risk["number"], at_risk["breached"]) == (number, False)
    too_far = await stack.http.get(
        "/api/v1/escalations", params={"within_minutes": 10081}, headers=stack.auth("alice")
    )
    assert too_far.status_code == 422
    page = await stack.http.get(
        "/api/v1/tickets", params={"sort": "escalation"}, headers=stack.auth("alice")
    )
    assert [t["number"] for t in page.json()["tickets"]] == [number]
    await stack.act(number, "answer", text="Done.")
    assert await listed(within_minutes=7 * 24 * 60) == []


async def test_remind_needs_a_future_time_with_a_zone(stack: Stack) -> None:
    number = await stack.open_ticket()
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    resp = await stack.act(number, "remind", at=past)
    assert (resp.status_code, resp.json()["detail"]) == (409, "remind needs a time in the future")
    resp = await stack.act(number, "remind", at="2030-01-01T10:00:00")
    assert resp.status_code == 422  # no time zone
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    resp = await stack.act(number, "remind", at=soon)
    assert resp.status_code == 200 and resp.json()["state"] == "first-line"


async def test_healthz_reports_database_and_temporal(stack: Stack) -> None:
    resp = await stack.http.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "database": "ok", "temporal": "ok"}


async def test_healthz_reports_a_schema_behind_the_code(stack: Stack) -> None:
    with stack.components.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0009'"))
    resp = await stack.http.get("/healthz")
    assert resp.status_code == 503
    assert resp.json()["database"] == "needs migration"


async def test_me_and_the_desk_as_the_agent_may_use_it(stack: Stack) -> None:
    me = (await stack.http.get("/api/v1/me", headers=stack.auth("carol"))).json()
    assert me == {
        "name": "carol",
        "groups": ["mail/solvers", "mail/web"],
        "projects": [{"name": "mail", "queues": ["Web", "Solvers"]}],
        "queues": ["Web", "Solvers"],
    }
    desk = (await stack.http.get("/api/v1/desk", headers=stack.auth("carol"))).json()
    assert desk["project"] == "mail"
    assert [q["name"] for q in desk["queues"]] == ["Web", "Solvers"]
    # Web and Solvers may hand tickets to Solvers, Passwords, Web and back to the Inbox.
    assert desk["move_targets"] == ["Inbox", "Passwords", "Web", "Solvers"]
    # carol's groups run only the macros open to everyone; the first line runs its chains.
    assert [m["name"] for m in desk["macros"]] == ["answer-password-reset"]
    assert {
        "name": "ask_details",
        "languages": ["en", "ru", "tr"],
        "titles": {"en": "Ask for details", "ru": "Запрос подробностей", "tr": "Ayrıntı isteği"},
    } in desk["templates"]
    assert desk["time_zone"] == "Europe/Moscow"  # the example desk's calendar's
    first_line = (await stack.http.get("/api/v1/desk", headers=stack.auth("alice"))).json()
    assert "to-passwords" in [m["name"] for m in first_line["macros"]]


async def test_a_disabled_agent_is_refused_at_once(stack: Stack) -> None:
    stack.components.agent_admin("test").set_disabled("bob", True)
    resp = await stack.http.get("/api/v1/me", headers=stack.auth("bob"))
    assert resp.status_code == 401


async def test_permanent_smtp_refusal_is_recorded_and_the_ticket_moves_on(stack: Stack) -> None:
    stack.smtp.refused.add("gone@example.org")
    number = await stack.open_ticket(sender="gone@example.org")
    resp = await stack.act(number, "answer", text="Here is how to fix it.")
    assert resp.json()["state"] == "closed"

    async def detail() -> Any:
        r = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))
        return r.json()

    ticket = await eventually(
        detail, lambda t: [h["action"] for h in t["history"]].count("mail-failed") == 2
    )
    failed = [a for a in ticket["articles"] if a["direction"] == "out"]
    assert [a["status"] for a in failed] == ["failed", "failed"]
    assert all("550" in a["error"] for a in failed)
    assert stack.smtp.messages == []


async def test_openapi_describes_every_route(stack: Stack) -> None:
    spec = (await stack.http.get("/openapi.json")).json()
    actions = {
        "take",
        "note",
        "ask",
        "answer",
        "move",
        "close",
        "reopen",
        "priority",
        "remind",
        "release",
    }
    assert set(spec["paths"]) >= {
        "/api/v1/inbound/mail",
        "/api/v1/queues",
        "/api/v1/search",
        "/api/v1/tickets",
        "/api/v1/tickets/{number}",
        "/api/v1/me",
        "/api/v1/desk",
        "/healthz",
    } | {f"/api/v1/tickets/{{number}}/actions/{a}" for a in actions}
    assert (await stack.http.get("/docs")).status_code == 200
    # The address itself is the agents' console (sign in first).
    assert (await stack.http.get("/")).headers["location"] == "/signin?next=%2F"


async def test_openapi_shows_what_each_action_takes(stack: Stack) -> None:
    spec = (await stack.http.get("/openapi.json")).json()
    schemas = spec["components"]["schemas"]

    def body_fields(action: str) -> tuple[set[str], bool]:
        post = spec["paths"][f"/api/v1/tickets/{{number}}/actions/{action}"]["post"]
        body = post.get("requestBody")
        if body is None:
            return set(), False
        schema = body["content"]["application/json"]["schema"]
        ref = next(s["$ref"] for s in schema.get("anyOf", [schema]) if "$ref" in s)
        return set(schemas[ref.rsplit("/", 1)[1]]["properties"]), body.get("required", False)

    assert body_fields("move") == ({"queue"}, True)
    assert body_fields("remind") == ({"at"}, True)
    assert body_fields("priority") == ({"priority"}, True)
    mail = {"text", "template", "cc", "bcc", "reply_all", "attachments"}
    assert body_fields("answer") == (mail, True)
    assert body_fields("forward") == (
        {"article_id", "to", "cc", "text", "files", "attachments"},
        True,
    )
    assert body_fields("close") == ({"reason"}, False)
    assert body_fields("take") == (set(), False)


async def test_a_long_ticket_is_read_a_page_of_articles_at_a_time(stack: Stack) -> None:
    number = await stack.open_ticket()
    await stack.smtp.wait_for(1)  # its automatic reply is an article too
    with stack.components.sessions.begin() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.number == number)).one()
        session.add_all(
            Article(
                ticket_id=ticket.id,
                direction="note",
                status="processed",
                from_addr="",
                to_addr="",
                subject="",
                body_text=f"note {i}",
                author="alice",
            )
            for i in range(119)
        )
    seen: list[str] = []
    before: int | None = None
    pages = 0
    while True:
        query = f"?articles=50&before={before}" if before else "?articles=50"
        resp = await stack.http.get(f"/api/v1/tickets/{number}{query}", headers=stack.auth("sam"))
        page = resp.json()
        seen = [a["body_text"] for a in page["articles"]] + seen
        pages += 1
        before = page["earlier"]
        if before is None:
            break
    # The customer's message, the automatic reply and 119 notes.
    assert pages == 3 and len(seen) == 121
    assert seen[-1] == "note 118" and seen.count("note 0") == 1
    whole = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("sam"))
    assert [a["body_text"] for a in whole.json()["articles"]] == seen


async def test_every_refusal_has_one_shape_and_openapi_says_so(stack: Stack) -> None:
    """{"detail": str, "code": str} from the service, the credentials check, FastAPI's
    own validation (with `errors`, never the values sent) and a path that is no route."""
    sam = stack.auth("sam")
    marker = "Unmistakable-Input-7731"
    invalid = await stack.http.get(f"/api/v1/tickets?limit={marker}", headers=sam)
    assert invalid.status_code == 422
    body = invalid.json()
    assert body["code"] == "invalid-request" and body["detail"].startswith("query.limit: ")
    assert [e["loc"] for e in body["errors"]] == [["query", "limit"]]
    assert marker not in invalid.text
    unknown = await stack.http.get("/api/v1/tickets/1", headers=sam)
    no_token = await stack.http.get("/api/v1/me")
    bad_token = await stack.http.get("/api/v1/me", headers={"Authorization": "Bearer x"})
    no_route = await stack.http.get("/api/v1/nothing-here", headers=sam)
    shapes = [r.json() for r in (unknown, no_token, bad_token, no_route)]
    assert [(s["code"], type(s["detail"])) for s in shapes] == [
        ("ticket-unknown", str),
        ("unauthorized", str),
        ("unauthorized", str),
        ("not-found", str),
    ]
    spec = (await stack.http.get("/openapi.json")).json()
    ticket = spec["paths"]["/api/v1/tickets/{number}"]["get"]["responses"]
    assert set(ticket) == {"200", "401", "404", "413", "422", "503"}
    problem = {"$ref": "#/components/schemas/Problem"}
    assert all(
        ticket[s]["content"]["application/json"]["schema"] == problem for s in ticket if s != "200"
    )
