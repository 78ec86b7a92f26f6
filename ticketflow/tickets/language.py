"""The language a customer writes in, among those the desk answers in. Pure.

Three languages, told apart by their letters: Cyrillic is Russian; Turkish has letters
(ğ, ş, ı, İ) that English never uses, and common words when typed without them. A model
(langdetect, lingua) would tell dozens of languages apart, at many megabytes; the desk
answers in three.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

LANGUAGES = ("en", "ru", "tr")
DEFAULT_LANGUAGE = "en"
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
TURKISH_LETTERS = re.compile(r"[ğĞşŞıİ]")
TURKISH_WORDS = re.compile(
    r"\b(merhaba|teşekkür|tesekkur|şifre|sifre|hesab|lütfen|lutfen|değil|degil|için|icin|ve|bir|bu)\b",
    re.IGNORECASE,
)


def declared_language(values: Iterable[str]) -> str | None:
    """The first of ours a Content-Language field names (RFC 3282: "ru", "en-GB, de"), or
    None. Trusted only where we wrote it ourselves (the customer form): mail clients name
    their own locale, not the text's."""
    for value in values:
        for tag in value.split(","):
            primary = tag.strip().split("-")[0].lower()
            if primary in LANGUAGES:
                return primary
    return None


def detect_language(text: str) -> str:
    """ "ru", "tr" or "en" (the default, also for text in no language we know)."""
    sample = text[:4000]
    cyrillic, latin = len(CYRILLIC.findall(sample)), len(LATIN.findall(sample))
    if cyrillic > latin:
        return "ru"
    if TURKISH_LETTERS.search(sample) or len(TURKISH_WORDS.findall(sample)) >= 2:
        return "tr"
    return DEFAULT_LANGUAGE
