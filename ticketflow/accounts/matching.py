"""Comparing a customer's claim with the account's fact: pure, no I/O.

Both sides are normalised before they are compared (case, spaces, punctuation, ё, phone
formats through libphonenumber, dates written the ways people write them); a near answer
is `partial` where the field allows it. The verdict is all that leaves this module.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

import phonenumbers

from ticketflow.desk.passwords import ClaimField


class Verdict(StrEnum):
    MATCH = "match"
    MISMATCH = "mismatch"
    PARTIAL = "partial"
    UNKNOWN = "unknown"  # the directory has nothing to compare it with


@dataclass(frozen=True)
class ItemVerdict:
    name: str
    verdict: Verdict


# Day first, as people outside the US write a date; ISO first of all.
DATE_FORMATS = ("%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y", "%Y.%m.%d")


def read_date(text: str) -> date | None:
    cleaned = re.sub(r"\s+", " ", text.strip()).rstrip(".")
    for form in DATE_FORMATS:
        try:
            return datetime.strptime(cleaned, form).date()
        except ValueError:
            continue
    return None


def read_phone(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_possible_number(number) else None


def readable(kind: str, text: str, region: str) -> bool:
    """Whether a claim of this kind can be compared at all (what the API checks)."""
    if kind == "date":
        return read_date(text) is not None
    if kind == "phone":
        return read_phone(text, region) is not None
    if kind == "email":
        return bool(re.fullmatch(r"[^@\s]+@[^@\s]+", text.strip()))
    return bool(_words(text))


def compare(field: ClaimField, claimed: str, actual: str | None, region: str) -> Verdict:
    if actual is None or not actual.strip():
        return Verdict.UNKNOWN
    exact, near = _COMPARERS[field.kind](claimed, actual, region)
    if exact:
        return Verdict.MATCH
    return Verdict.PARTIAL if near and field.partial else Verdict.MISMATCH


def verify(
    fields: Iterable[ClaimField],
    claims: Mapping[str, str],
    facts: Mapping[str, str] | None,
    region: str,
) -> list[ItemVerdict]:
    """A verdict for every claim made, in the desk's order (no account: all unknown)."""
    found = facts or {}
    return [
        ItemVerdict(f.name, compare(f, claims[f.name], found.get(f.name), region))
        for f in fields
        if f.name in claims
    ]


def summary(verdicts: Iterable[ItemVerdict]) -> str:
    """Counts by verdict, as the history says it: "2 match, 1 mismatch"."""
    counts = Counter(v.verdict for v in verdicts)
    return ", ".join(f"{counts[v]} {v.value}" for v in Verdict if counts[v]) or "nothing to verify"


def _dates(claimed: str, actual: str, region: str) -> tuple[bool, bool]:
    mine, theirs = read_date(claimed), read_date(actual)
    if mine is None or theirs is None:
        return False, False
    parts = sum(a == b for a, b in zip(_ymd(mine), _ymd(theirs), strict=True))
    swapped = (mine.year, mine.month, mine.day) == (theirs.year, theirs.day, theirs.month)
    return mine == theirs, parts == 2 or swapped


def _ymd(day: date) -> tuple[int, int, int]:
    return day.year, day.month, day.day


def _phones(claimed: str, actual: str, region: str) -> tuple[bool, bool]:
    mine, theirs = read_phone(claimed, region), read_phone(actual, region)
    if mine is None or theirs is None:
        a, b = re.sub(r"\D", "", claimed), re.sub(r"\D", "", actual)
        return bool(a) and a == b, len(a) >= 4 and a[-4:] == b[-4:]
    same = mine.country_code == theirs.country_code
    exact = same and mine.national_number == theirs.national_number
    near = str(mine.national_number)[-4:] == str(theirs.national_number)[-4:]
    return exact, near


def _emails(claimed: str, actual: str, region: str) -> tuple[bool, bool]:
    mine, theirs = claimed.strip().casefold(), actual.strip().casefold()
    local, _, domain = mine.partition("@")
    their_local, _, their_domain = theirs.partition("@")
    return mine == theirs, local == their_local or domain == their_domain


def _texts(claimed: str, actual: str, region: str) -> tuple[bool, bool]:
    mine, theirs = _words(claimed), _words(actual)
    return bool(mine) and mine == theirs, bool(set(mine) & set(theirs))


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")
    return re.findall(r"\w+", folded)


_COMPARERS = {"date": _dates, "phone": _phones, "email": _emails, "text": _texts}
