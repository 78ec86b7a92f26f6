"""Sealing personal data (ticketflow.accounts.sealing) and the HTTP directory's circuit
breaker (ticketflow.accounts.http): no I/O beyond a key file in a temporary folder."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from ticketflow.accounts.http import CircuitBreaker
from ticketflow.accounts.sealing import Sealer, SealError, ensure_key_file, read_keys

MARKER = "Marker-7f3a9c-secret"


def test_a_key_file_is_made_once_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    path = ensure_key_file(tmp_path / "keys" / "claims.key")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    first = read_keys(path)
    assert ensure_key_file(path) == path and read_keys(path) == first  # not made again
    assert len(first) == 1


def test_sealed_values_open_only_for_the_row_they_were_sealed_for() -> None:
    sealer = Sealer([Fernet.generate_key()])
    sealed = sealer.seal({"last_password": MARKER}, "claims:1:ticket:7")
    assert MARKER.encode() not in sealed
    assert sealer.open(sealed, "claims:1:ticket:7") == {"last_password": MARKER}
    with pytest.raises(SealError, match="another row"):
        sealer.open(sealed, "claims:1:ticket:8")
    with pytest.raises(SealError, match="no key"):
        Sealer([Fernet.generate_key()]).open(sealed, "claims:1:ticket:7")


def test_a_rotated_key_reseals_and_the_old_one_may_go() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    sealed = Sealer([old]).seal({"phone": "+79123456789"}, "row")
    rotated = Sealer([new, old]).reseal(sealed)
    assert Sealer([new]).open(rotated, "row") == {"phone": "+79123456789"}
    with pytest.raises(SealError):
        Sealer([new]).open(sealed, "row")
    with pytest.raises(SealError, match="no Fernet key"):
        Sealer([b"not a key"])


def test_the_breaker_opens_after_failures_and_lets_one_trial_through() -> None:
    now = [0.0]
    breaker = CircuitBreaker(failures_to_open=3, open_seconds=30, clock=lambda: now[0])
    for _ in range(3):
        assert breaker.allow()
        breaker.failed()
    assert breaker.is_open and not breaker.allow()
    now[0] = 31.0
    assert breaker.allow()  # half-open: one trial
    assert not breaker.allow()  # and only one
    breaker.failed()
    assert not breaker.allow()
    now[0] = 62.0
    assert breaker.allow()
    breaker.succeeded()
    assert not breaker.is_open and breaker.allow() and breaker.allow()
