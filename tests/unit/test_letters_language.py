"""Our own letters in the customer's language: what a form declares, how each language is
signed, and the English template as the fallback for a language without its own."""

from __future__ import annotations

import pytest

from ticketflow.letters.rendering import AUTO_REPLY, letter_ticket, make_environment, render_letter
from ticketflow.mail.identity import MailIdentity
from ticketflow.settings import Settings
from ticketflow.tickets.language import declared_language
from ticketflow.tickets.numbering import DEFAULT_TAG

TEMPLATES = make_environment(Settings().templates_dir)
TICKET = letter_ticket("20261204000001", "Нет почты", "Inbox", DEFAULT_TAG)


@pytest.mark.parametrize(
    ("field", "language"),
    [("ru", "ru"), ("ru-RU", "ru"), ("de, tr", "tr"), ("EN-gb", "en"), ("de", None), ("", None)],
)
def test_a_declared_language_is_one_of_ours_or_none(field: str, language: str | None) -> None:
    assert declared_language([field]) == language


def test_each_project_signs_in_each_language_else_the_language_s_default() -> None:
    identity = MailIdentity(
        "support@example.org", "example.org", signatures={("mail", "ru"): "Поддержка Почты"}
    )
    assert identity.signature("mail", "ru") == "Поддержка Почты"
    assert identity.signature("mail", "tr") == "Destek ekibi"
    assert identity.signature("social", "ru") == "Служба поддержки"
    assert identity.signature("mail", None) == "Support team"


@pytest.mark.parametrize(
    ("language", "greeting"), [("ru", "Здравствуйте!"), ("tr", "Merhaba,"), ("en", "Hello,")]
)
def test_the_automatic_reply_is_written_in_its_language(language: str, greeting: str) -> None:
    body = render_letter(TEMPLATES, AUTO_REPLY, TICKET, "Sig", language=language)
    assert body.text.startswith(greeting) and body.text.rstrip().endswith("Sig")
    assert f'<html lang="{language}">' in body.html and "style=" not in body.html
