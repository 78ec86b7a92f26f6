"""A claim compared with the account's fact (ticketflow.accounts.matching): pure."""

from __future__ import annotations

import pytest

from ticketflow.accounts.matching import ItemVerdict, Verdict, compare, readable, summary, verify
from ticketflow.desk.passwords import ClaimField

DATE = ClaimField(name="birth_date", kind="date")
PHONE = ClaimField(name="phone", kind="phone")
EMAIL = ClaimField(name="recovery", kind="email")
TEXT = ClaimField(name="name", kind="text")
STRICT_DATE = ClaimField(name="birth_date", kind="date", partial=False)


@pytest.mark.parametrize(
    ("claimed", "actual", "verdict"),
    [
        ("1990-05-17", "1990-05-17", Verdict.MATCH),
        ("17.05.1990", "1990-05-17", Verdict.MATCH),
        ("17/05/1990", "1990-05-17", Verdict.MATCH),
        (" 17.05.1990. ", "1990-05-17", Verdict.MATCH),
        ("1990-05-18", "1990-05-17", Verdict.PARTIAL),  # two of three parts
        ("1990-17-05", "1990-05-17", Verdict.MISMATCH),  # no such date: unreadable
        ("05.17.1990", "1990-05-17", Verdict.MISMATCH),  # month first does not read
        ("1991-06-17", "1990-05-17", Verdict.MISMATCH),
        ("1990-05-17", None, Verdict.UNKNOWN),
        ("1990-05-17", "  ", Verdict.UNKNOWN),
    ],
)
def test_dates_are_read_as_people_write_them(claimed: str, actual: str, verdict: Verdict) -> None:
    assert compare(DATE, claimed, actual, "RU") is verdict


def test_a_date_with_day_and_month_swapped_is_partial_unless_the_field_is_strict() -> None:
    assert compare(DATE, "1990-05-12", "1990-12-05", "RU") is Verdict.PARTIAL
    assert compare(STRICT_DATE, "1990-05-18", "1990-05-17", "RU") is Verdict.MISMATCH


@pytest.mark.parametrize(
    ("claimed", "actual", "verdict"),
    [
        ("+7 912 345-67-89", "+79123456789", Verdict.MATCH),
        ("8 (912) 345 67 89", "+7 912 345-67-89", Verdict.MATCH),  # Russian trunk prefix
        ("912 345 67 89", "+7 912 345-67-89", Verdict.MATCH),  # the desk's region
        # Read as Russian, the same national number in another country: near.
        ("+90 532 123 45 67", "0532 123 45 67", Verdict.PARTIAL),
        ("+7 999 000-67-89", "+7 912 345-67-89", Verdict.PARTIAL),  # the last four
        ("+7 999 000-11-22", "+7 912 345-67-89", Verdict.MISMATCH),
    ],
)
def test_phones_compare_as_numbers(claimed: str, actual: str, verdict: Verdict) -> None:
    assert compare(PHONE, claimed, actual, "RU") is verdict


def test_a_turkish_desk_reads_national_numbers_as_turkish() -> None:
    assert compare(PHONE, "+90 532 123 45 67", "0532 123 45 67", "TR") is Verdict.MATCH


def test_addresses_and_words() -> None:
    assert compare(EMAIL, " Anna@Example.ORG", "anna@example.org", "RU") is Verdict.MATCH
    assert compare(EMAIL, "anna@example.com", "anna@example.org", "RU") is Verdict.PARTIAL
    assert compare(EMAIL, "olga@example.net", "anna@example.org", "RU") is Verdict.MISMATCH
    assert compare(TEXT, "Пётр  Иванов", "петр иванов", "RU") is Verdict.MATCH
    assert compare(TEXT, "Пётр Сидоров", "Петр Иванов", "RU") is Verdict.PARTIAL
    assert compare(TEXT, "Sunflower-1990", "Sunflower 1990", "RU") is Verdict.MATCH
    assert compare(TEXT, "moonlight", "Sunflower 1990", "RU") is Verdict.MISMATCH


def test_every_claim_made_gets_a_verdict_in_the_desks_order() -> None:
    fields = [DATE, PHONE, TEXT]
    claims = {"name": "Anna", "birth_date": "1990-05-17"}
    found = verify(fields, claims, {"birth_date": "1990-05-17"}, "RU")
    assert found == [
        ItemVerdict("birth_date", Verdict.MATCH),
        ItemVerdict("name", Verdict.UNKNOWN),
    ]
    assert summary(found) == "1 match, 1 unknown"
    # No account: every claim unknown.
    assert {v.verdict for v in verify(fields, claims, None, "RU")} == {Verdict.UNKNOWN}
    assert summary([]) == "nothing to verify"


def test_what_cannot_be_compared_is_refused_when_recorded() -> None:
    assert readable("date", "17.05.1990", "RU")
    assert not readable("date", "the seventeenth of May", "RU")
    assert readable("phone", "8 912 345 67 89", "RU")
    assert not readable("phone", "call me", "RU")
    assert not readable("email", "anna at example", "RU")
    assert not readable("text", " - ", "RU")
