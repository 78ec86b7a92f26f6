"""Answer templates over the API: the customer's language, the quote, preview, refusals."""

from __future__ import annotations

from typing import Any

from tests.support.mail import text_part
from tests.support.stack import Stack

TEMPLATES = "ask_details, incident_known, password_reset, task_done"  # templates/answers/


async def preview(stack: Stack, number: str, **body: str) -> dict[str, Any]:
    resp = await stack.http.post(
        f"/api/v1/tickets/{number}/preview", json=body, headers=stack.auth("alice")
    )
    return {"status": resp.status_code, **resp.json()}


async def test_a_template_answer_is_in_the_customer_language_and_quotes_them(
    stack: Stack,
) -> None:
    number = await stack.open_ticket(
        sender="Иван Петров <ivan@example.ru>",
        subject="Не могу войти",
        body="Здравствуйте, я забыл пароль.",
    )
    shown = await preview(stack, number, template="password_reset")
    assert (shown["status"], shown["language"]) == (200, "ru")
    assert shown["text"].startswith("Здравствуйте, Иван Петров!")
    assert "> Здравствуйте, я забыл пароль." in shown["text"]
    assert shown["subject"] == f"Re: [Ticket#{number}] Не могу войти"

    resp = await stack.http.post(
        f"/api/v1/tickets/{number}/actions/answer",
        json={"template": "password_reset"},
        headers=stack.auth("alice"),
    )
    assert resp.status_code == 200 and resp.json()["state"] == "closed"
    _, answer = await stack.smtp.wait_for(2)
    assert text_part(answer).replace("\r\n", "\n") == shown["text"]  # as previewed


async def test_turkish_and_english_customers_and_the_english_fallback(stack: Stack) -> None:
    turkish = await stack.open_ticket(subject="Şifre sorunu", body="Merhaba, şifremi unuttum.")
    assert (await preview(stack, turkish, template="ask_details"))["text"].startswith("Merhaba")
    english = await stack.open_ticket()
    shown = await preview(stack, english, template="ask_details")
    assert (shown["language"], shown["text"].split(",")[0]) == ("en", "Hello Anna Petrova")


async def test_unknown_templates_and_ambiguous_bodies_are_refused(stack: Stack) -> None:
    number = await stack.open_ticket()
    shown = await preview(stack, number, template="no_such_answer")
    assert (shown["status"], shown["detail"]) == (
        422,
        f"no answer template 'no_such_answer'; known: {TEMPLATES}",
    )
    shown = await preview(stack, number, template="../auto_reply")
    assert shown["status"] == 422
    resp = await stack.http.post(
        f"/api/v1/tickets/{number}/actions/ask",
        json={"text": "Which browser?", "template": "ask_details"},
        headers=stack.auth("alice"),
    )
    assert resp.status_code == 422 and "either text or template" in resp.text
    resp = await stack.http.post(
        f"/api/v1/tickets/{number}/actions/ask",
        json={"template": "missing"},
        headers=stack.auth("alice"),
    )
    assert (resp.status_code, resp.json()["detail"]) == (
        422,
        f"no answer template 'missing'; known: {TEMPLATES}",
    )
    detail = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))
    assert detail.json()["state"] == "first-line"  # nothing happened


async def test_the_language_set_on_a_ticket_chooses_the_template(stack: Stack) -> None:
    number = await stack.open_ticket()
    resp = await stack.http.put(
        f"/api/v1/tickets/{number}/language", json={"language": "tr"}, headers=stack.auth("alice")
    )
    assert resp.status_code == 200 and resp.json()["language"] == "tr"
    assert (await preview(stack, number, template="ask_details"))["text"].startswith("Merhaba")
    resp = await stack.http.put(
        f"/api/v1/tickets/{number}/language", json={"language": "de"}, headers=stack.auth("alice")
    )
    assert resp.status_code == 422
