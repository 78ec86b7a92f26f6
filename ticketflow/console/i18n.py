"""The console's languages: gettext catalogues in `locale/<language>/LC_MESSAGES/console.po`,
compiled in memory by Babel when first used (no compiled files to keep in step). English is
the source language; an agent chooses his, stored with him."""

from __future__ import annotations

from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES = {"en": "English", "ru": "Русский"}
DEFAULT_LANGUAGE = "ru"  # the service's agents work in Russian


@cache
def translations(language: str) -> NullTranslations:
    """The catalogue of `language` (English: the messages as written)."""
    po = LOCALE_DIR / language / "LC_MESSAGES" / "console.po"
    if language == "en" or not po.exists():
        return NullTranslations()
    with po.open("rb") as source:
        catalog = read_po(source, locale=language)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


# The kinds of words the domain names things by, each translated in its own context
# (msgctxt): a ticket's state, an action or history entry, an article's direction, a right,
# the part of a message a rule read.
WORD_KINDS = ("state", "action", "direction", "right", "part", "verdict", "change", "channel")
SKIPPED = "-skipped"  # a system action its state refused: "close-skipped"


def word(language: str, kind: str, value: str) -> str:
    """A domain word (`first-line`, `customer-message`) in `language`; as it is where the
    catalogue has none (a desk's own name)."""
    catalogue = translations(language)
    if kind == "action" and value.endswith(SKIPPED) and value != SKIPPED:
        base = catalogue.pgettext("action", value.removesuffix(SKIPPED))
        return str(catalogue.gettext("%(action)s (skipped)")) % {"action": base}
    return str(catalogue.pgettext(kind, value))


def language_of(chosen: str | None, accept_language: str | None) -> str:
    """The agent's chosen language, else the first of the browser's we have, else Russian."""
    if chosen in LANGUAGES:
        return str(chosen)
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT_LANGUAGE
