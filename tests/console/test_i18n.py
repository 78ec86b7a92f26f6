"""Every message of the console's pages has its Russian translation, and the sign-in
refusals too: the service's agents work in Russian."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from ticketflow.accounts.directory import KNOWN_CHANGES
from ticketflow.accounts.matching import Verdict
from ticketflow.console.i18n import LOCALE_DIR, WORD_KINDS, language_of, translations, word
from ticketflow.desk.rules import FIELDS
from ticketflow.service.refusals import MESSAGES
from ticketflow.tickets import lifecycle, rights, undo
from ticketflow.tickets.articles import Direction
from ticketflow.tickets.history import EventName
from ticketflow.tickets.lifecycle import Action, State

CONSOLE = Path(__file__).resolve().parents[2] / "ticketflow" / "console"
ROOT = Path(__file__).resolve().parents[2] / "ticketflow"
# Refusals shown to people on the console's and the form's pages.
REFUSALS = {
    ROOT / "store" / "sign_in.py": r'SignInRefused\(\s*"([^"]+)"',
    ROOT / "service" / "intake.py": r'FormRefused\(\s*"([^"]+)"',
    ROOT / "console" / "report_page.py": r'_\("([^"]+)"\)',  # the charts' words
}
# The service's refusals, and the domain's own reasons it passes on (the workflow's and
# the rights'), whose messages the console translates.
REASONS = {
    *MESSAGES.values(),
    *lifecycle.REFUSALS.values(),
    *rights.DENIALS.values(),
    *undo.REFUSALS.values(),
}


def template_messages() -> set[str]:
    found = extract_from_dir(
        str(CONSOLE / "templates"),
        method_map=[("**.j2", "jinja2")],
        options_map={"**.j2": {"extensions": "jinja2.ext.i18n"}},
    )
    return {message for _, _, message, _, _ in found if isinstance(message, str)}


def refusal_messages() -> set[str]:
    found: set[str] = set(REASONS) - {"%(reason)s"}
    for path, pattern in REFUSALS.items():
        matched = set(re.findall(pattern, path.read_text()))
        assert matched, path  # the pattern still finds them
        found |= matched
    return found


def test_every_message_has_its_russian_translation() -> None:
    with (LOCALE_DIR / "ru" / "LC_MESSAGES" / "console.po").open("rb") as po:
        catalog = read_po(po, locale="ru")
    translated = {m.id: m.string for m in catalog if m.id and m.string}
    wanted = template_messages() | refusal_messages()
    assert len(wanted) > 50 and refusal_messages()
    assert sorted(wanted - set(translated)) == []
    for msgid, text in translated.items():  # placeholders kept as they are
        assert sorted(re.findall(r"%\(\w+\)s", str(msgid))) == sorted(
            re.findall(r"%\(\w+\)s", str(text))
        ), msgid


def test_the_language_is_the_agent_s_choice_else_the_browser_s_else_russian() -> None:
    assert translations("ru").gettext("Queues") == "Очереди"
    assert translations("en").gettext("Queues") == "Queues"
    assert language_of("en", "ru-RU,ru") == "en"
    assert language_of(None, "de-DE, en;q=0.8") == "en"
    assert language_of(None, None) == "ru"


def test_every_domain_word_has_its_russian_translation() -> None:
    """States, actions and history entries, directions and rights: no English word of the
    domain on a Russian page."""
    kinds = {
        "state": [s.value for s in State],
        "action": [a.value for a in Action] + [e.value for e in EventName] + [undo.UNDO],
        "direction": [d.value for d in Direction],
        "right": [r.value for r in rights.Right],
        "part": list(FIELDS),
        "verdict": [v.value for v in Verdict],
        "change": list(KNOWN_CHANGES),
        "channel": ["recovery-address", "sms"],  # the example desk's
    }
    assert set(kinds) == set(WORD_KINDS)
    missing = [
        f"{kind}: {value}"
        for kind, values in kinds.items()
        for value in values
        if word("ru", kind, value) == value
    ]
    assert missing == []
    assert word("ru", "action", "close-skipped") == "закрытие (пропущено)"
    assert word("en", "state", "first-line") == "first-line"
