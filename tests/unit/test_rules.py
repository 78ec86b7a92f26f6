"""Routing rules: matching every part of a message, in three languages, and every action."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from ticketflow.desk.projects import load_projects
from ticketflow.desk.rules import Hint, RuleConfig, RuleError, classify, compile_rules, fold
from ticketflow.mail.parse import parse_mail
from ticketflow.settings import PROJECT_ROOT

QUEUES = {"Inbox", "Abuse", "Security"}
EXAMPLE = load_projects(PROJECT_ROOT / "ticketflow" / "desk" / "desk.example.yaml").desk("mail")


def mail(
    subject: str = "Hello",
    body: str = "Just a question.",
    to: str = "support@ticketflow.localhost",
    extra: str = "",
    attachment: str | None = None,
) -> bytes:
    head = (
        f"From: Anna <anna@example.org>\nTo: {to}\nSubject: {subject}\n"
        f"Message-ID: <m@example.org>\n{extra}MIME-Version: 1.0\n"
    )
    if attachment is None:
        return f"{head}Content-Type: text/plain; charset=utf-8\n\n{body}\n".encode()
    return (
        f'{head}Content-Type: multipart/mixed; boundary="b"\n\n'
        f"--b\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
        "--b\nContent-Type: application/pdf\n"
        f'Content-Disposition: attachment; filename="{attachment}"\n\n%PDF\n--b--\n'
    ).encode()


def rules(*configs: dict[str, Any]) -> list[Any]:
    return compile_rules([RuleConfig.model_validate(c) for c in configs], QUEUES)


@pytest.mark.parametrize(
    ("text", "keyword"),
    [
        ("ПАРОЛЬ не подходит", "пароль"),
        ("не помню пароля", "парол"),
        ("ŞİFREMİ unuttum", "şifre"),
        ("SIFREMI unuttum", "şifre"),  # typed without Turkish letters' dots: still a match
        ("şifremi unuttum", "ŞİFRE"),
        ("My PASSWORD expired", "password"),
    ],
)
def test_keywords_match_as_users_write_them(text: str, keyword: str) -> None:
    found = classify(
        rules(
            {
                "name": "pw",
                "any": [{"field": "body", "keywords": [keyword]}],
                "then": {"hint": "pw"},
            }
        ),
        parse_mail(mail(body=text)),
    )
    assert found.matched_rules == ["pw"]


def test_a_keyword_matches_at_the_start_of_a_word_only() -> None:
    pw = rules({"name": "pw", "all": [{"field": "body", "keywords": ["pass"]}], "then": {}})
    assert classify(pw, parse_mail(mail(body="I lost my passport"))).matched_rules == ["pw"]
    assert classify(pw, parse_mail(mail(body="bypass the check"))).matched_rules == []


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"field": "sender", "keywords": ["@example.org"]}, mail()),
        ({"field": "recipients", "keywords": ["abuse@"]}, mail(to="Abuse <abuse@t.localhost>")),
        ({"field": "recipients", "keywords": ["sec@"]}, mail(extra="Cc: sec@t.localhost\n")),
        ({"field": "subject", "regex": r"\bticket\s*#?\d+"}, mail(subject="About Ticket #12")),
        ({"field": "body", "regex": "фишинг|мошенни"}, mail(body="Это МОШЕННИКИ!")),
        ({"field": "attachments"}, mail(attachment="scan.pdf")),
        ({"field": "attachments", "keywords": ["scan"]}, mail(attachment="Scan 01.pdf")),
        ({"field": "attachments", "present": False}, mail()),
        ({"field": "header:X-Spam-Flag", "keywords": ["yes"]}, mail(extra="X-Spam-Flag: YES\n")),
    ],
)
def test_every_part_of_a_message_can_be_matched(condition: dict[str, Any], message: bytes) -> None:
    matching = rules({"name": "r", "all": [condition], "then": {}})
    assert classify(matching, parse_mail(message)).matched_rules == ["r"]


def test_the_envelope_recipient_is_a_recipient() -> None:
    sec = rules(
        {"name": "s", "all": [{"field": "recipients", "keywords": ["security@"]}], "then": {}}
    )
    assert classify(sec, parse_mail(mail()), ["security@t.localhost"]).matched_rules == ["s"]
    assert classify(sec, parse_mail(mail())).matched_rules == []


@pytest.mark.parametrize("header", ["Delivered-To", "X-Original-To"])
def test_recipient_headers_count_only_where_the_desk_trusts_them(header: str) -> None:
    # Anyone can write Delivered-To: security@ into a message to jump the queue; only a
    # desk whose MTA writes the field says to trust it.
    sec = rules(
        {"name": "s", "all": [{"field": "recipients", "keywords": ["security@"]}], "then": {}}
    )
    forged = parse_mail(mail(extra=f"{header}: security@t.localhost\n"))
    assert classify(sec, forged).matched_rules == []
    assert classify(sec, forged, (), ["Delivered-To", "X-Original-To"]).matched_rules == ["s"]


def test_all_and_any_combine() -> None:
    both = rules(
        {
            "name": "r",
            "all": [{"field": "sender", "keywords": ["anna@"]}],
            "any": [
                {"field": "subject", "keywords": ["spam"]},
                {"field": "body", "keywords": ["spam"]},
            ],
            "then": {},
        }
    )
    assert classify(both, parse_mail(mail(body="so much spam"))).matched_rules == ["r"]
    assert classify(both, parse_mail(mail(body="all good"))).matched_rules == []


def test_every_action_and_stop() -> None:
    found = classify(
        rules(
            {
                "name": "to abuse",
                "all": [{"field": "subject", "keywords": ["spam"]}],
                "then": {"queue": "Abuse", "priority": 4, "tags": ["spam"], "hint": "spam"},
            },
            {
                "name": "silence",
                "all": [{"field": "subject", "keywords": ["spam"]}],
                "then": {"no_auto_reply": True, "spam": True, "stop": True, "tags": ["x"]},
            },
            {
                "name": "never",
                "all": [{"field": "subject", "keywords": ["spam"]}],
                "then": {"ignore": True},
            },
        ),
        parse_mail(mail(subject="SPAM again")),
    )
    assert (found.queue, found.priority, found.tags) == ("Abuse", 4, ["spam", "x"])
    assert found.hints == [Hint("spam", "to abuse", "subject", "spam")]
    assert (found.no_auto_reply, found.spam) == ("rule 'silence'", "rule 'silence'")
    assert found.ignore is None and found.matched_rules == ["to abuse", "silence"]


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        (
            {"name": "bad", "all": [{"field": "body", "regex": "(unclosed"}], "then": {}},
            "rule 'bad': bad regex",
        ),
        (
            {"name": "lost", "all": [{"field": "body"}], "then": {"queue": "Nowhere"}},
            "rule 'lost': unknown queue",
        ),
    ],
)
def test_a_rule_that_cannot_compile_is_named_with_the_reason(
    rule: dict[str, Any], reason: str
) -> None:
    with pytest.raises(RuleError, match=reason):
        rules(rule)
    desk = EXAMPLE.model_dump(exclude={"rules"}) | {"rules": [rule]}
    with pytest.raises(ValidationError, match=reason):
        type(EXAMPLE).model_validate(desk)  # a project: its name and mailboxes too


@pytest.mark.parametrize(
    ("field", "reason"),
    [("bodyy", "unknown field"), ("header", "unknown field")],
)
def test_unknown_fields_are_refused(field: str, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        RuleConfig.model_validate({"name": "r", "all": [{"field": field}], "then": {}})


def test_the_example_desk_routes_the_three_mailboxes_of_domain_md() -> None:
    security = classify(
        EXAMPLE.routing_rules(), parse_mail(mail(to="security@ticketflow.localhost"))
    )
    assert (security.queue, security.priority) == ("Security", 5)
    assert EXAMPLE.queue("Security").group == "abuse"  # type: ignore[union-attr]
    abuse = classify(EXAMPLE.routing_rules(), parse_mail(mail(to="abuse@ticketflow.localhost")))
    assert abuse.queue == "Abuse"
    support = classify(
        EXAMPLE.routing_rules(), parse_mail(mail(subject="Не могу войти", body="Забыл пароль"))
    )
    assert support.queue is None and [h.topic for h in support.hints] == ["password"]


def test_fold_is_idempotent() -> None:
    for text in ("İstanbul", "ПАРОЛЬ", "Straße", "ǅ"):
        assert fold(fold(text)) == fold(text)


def test_rules_cli_prints_the_decision(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    from ticketflow.cli import main

    eml = tmp_path / "m.eml"
    eml.write_bytes(mail(subject="Şifre", to="security@ticketflow.localhost"))
    assert main(["rules", "test", str(eml)]) == 0
    out = capsys.readouterr().out
    assert "queue:         Security" in out
    assert "hint password: rule 'password topic' found 'sifre' in the subject" in out
