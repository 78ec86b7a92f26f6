"""Our own mail in the customer's language: the automatic reply (ru, en, tr) as his first
message is written, or in the language of the form's page he wrote on; signed per project
and language; plain HTML that the console's policy allows (no inline style)."""

from __future__ import annotations

import re
from email.message import EmailMessage

import httpx

from tests.console.test_pages import write_to_help
from tests.support.stack import Stack
from tests.support.temporal import eventually

WRITTEN = {
    "ru": ("Не могу войти", "Забыл пароль, форма восстановления не работает."),
    "en": ("Cannot log in", "I forgot my password and the recovery form does not work."),
    "tr": ("Giriş yapamıyorum", "Şifremi unuttum, kurtarma formu çalışmıyor."),
}
# What each language's automatic reply says, and how it is signed by default.
REPLIES = {
    "ru": ("Мы получили ваше сообщение", "Служба поддержки"),
    "en": ("we have received your message", "Support team"),
    "tr": ("mesajınızı aldık", "Destek ekibi"),
}


def text_of(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


async def reply_to(stack: Stack, number: str) -> EmailMessage:
    """The automatic reply of the ticket, once it is sent."""

    async def probe() -> EmailMessage | None:
        tagged = f"[Ticket#{number}]"
        return next((m for m in stack.smtp.messages if tagged in str(m["Subject"])), None)

    found = await eventually(probe, lambda m: m is not None)
    assert found is not None
    return found


async def test_the_automatic_reply_is_in_the_language_the_customer_wrote_in(stack: Stack) -> None:
    for language, (subject, body) in WRITTEN.items():
        number = await stack.open_ticket(subject=subject, body=body)
        text, html = text_of(await reply_to(stack, number))
        said, signed = REPLIES[language]
        assert said in text and said in html, (language, text)
        assert text.rstrip().endswith(signed) and signed in html
        assert number in text
        assert "style=" not in html and f'lang="{language}"' in html


async def test_the_russian_form_gets_a_russian_reply_whatever_the_text(stack: Stack) -> None:
    customer = httpx.AsyncClient(transport=stack.http._transport, base_url="http://t")
    sent = await write_to_help(
        customer,
        "ru",
        address="ivan@example.org",
        subject="Mailbox full",
        text="My mailbox says it is full but it is empty.",
    )
    assert sent.status_code == 200, sent.text
    shown = re.search(r"data-ticket-number>(\d+)<", sent.text)
    assert shown is not None
    text, _ = text_of(await reply_to(stack, shown.group(1)))
    assert "Мы получили ваше сообщение" in text
