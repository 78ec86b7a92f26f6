"""`ticketflow accounts import` and `ticketflow claims purge | rotate-key` as an operator
runs them: the sample directory loads (twice, changing nothing the second time), a bad
line is refused naming its line, and a rotated key still opens every sealed value."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.api.test_passwords import SAMPLE
from ticketflow.accounts.sealing import read_keys
from ticketflow.cli import main
from ticketflow.components import Components
from ticketflow.settings import Settings
from ticketflow.store.claims import add_claims, binding
from ticketflow.store.models import SealedClaims, Ticket


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TICKETFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TICKETFLOW_DATABASE_URL", raising=False)
    return tmp_path


def test_the_sample_directory_imports_once(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["accounts", "import", str(SAMPLE)]) == 0
    out, err = capsys.readouterr()
    assert "imported 4 accounts of mail (6 new changes)" in out
    assert "4 accounts, 6 new changes" in err  # the progress line
    assert main(["accounts", "import", str(SAMPLE), "--project", "mail"]) == 0
    assert "(0 new changes)" in capsys.readouterr().out
    key = data_dir / "claims.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    anna = Components(Settings()).accounts.directory("mail").lookup("ANNA@example.org")
    assert anna is not None and anna.facts["birth_date"] == "1990-05-17"
    assert {c.kind for c in anna.changes} >= {"password", "new-country-sign-in"}
    # The facts are sealed in the database: its bytes hold none of them.
    assert b"1990-05-17" not in (data_dir / "ticketflow.db").read_bytes()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ('{"address": "a@example.org", "shoe": 42}', "line 2: unknown field 'shoe'"),
        ('{"address": "nobody"}', "line 2: `address` is no address"),
        ('{"address": "a@example.org", "changes": [{"kind": "Bad Kind"}]}', "line 2: a change"),
        ('{"address": "a@example.org", "created_at": "yesterday"}', "`created_at` is no ISO"),
        ("not json", "line 2: not JSON"),
    ],
)
def test_a_bad_line_is_refused_naming_it(
    data_dir: Path, capsys: pytest.CaptureFixture[str], line: str, reason: str
) -> None:
    path = data_dir / "accounts.jsonl"
    path.write_text(json.dumps({"address": "ok@example.org"}) + "\n" + line + "\n")
    assert main(["accounts", "import", str(path)]) == 2
    assert reason in capsys.readouterr().err
    assert main(["accounts", "import", str(path), "--project", "social"]) == 2
    assert "project 'social' has no `passwords:`" in capsys.readouterr().err


def test_csv_too(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = data_dir / "accounts.csv"
    path.write_text(
        "address,birth_date,phone,frozen,changes\n"
        "kemal@example.com.tr,1988-02-03,+90 532 000 00 00,yes,"
        "password=2026-11-01T10:00:00+03:00;phone=2026-11-02T10:00:00+03:00\n"
    )
    assert main(["accounts", "import", str(path)]) == 0
    kemal = Components(Settings()).accounts.directory("mail").lookup("kemal@example.com.tr")
    assert kemal is not None and kemal.frozen and len(kemal.changes) == 2


def test_a_rotated_key_opens_what_the_old_one_sealed(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["accounts", "import", str(SAMPLE)]) == 0
    components = Components(Settings())
    with components.sessions.begin() as session:
        ticket = Ticket(number="1", project="mail", state="closed", queue="Passwords", priority=3)
        session.add(ticket)
        session.flush()
        ticket_id = ticket.id
    sealer = components.accounts.sealer
    claims_id = add_claims(
        components.sessions, ticket_id, ["phone"], lambda b: sealer.seal({"phone": "1"}, b), "bob"
    )
    old = read_keys(data_dir / "claims.key")
    assert main(["claims", "rotate-key", "--drop-old"]) == 0
    assert "5 values sealed with the new key" in capsys.readouterr().out
    new = read_keys(data_dir / "claims.key")
    assert len(new) == 1 and new != old
    fresh = Components(Settings())
    with fresh.sessions() as session:
        row = session.get(SealedClaims, claims_id)
        assert row is not None
        assert fresh.accounts.sealer.open(row.sealed, binding(claims_id, ticket_id)) == {
            "phone": "1"
        }
    anna = fresh.accounts.directory("mail").lookup("anna@example.org")
    assert anna is not None and anna.facts["phone"] == "+7 912 345-67-89"
    assert main(["claims", "purge"]) == 0
    assert "destroyed the claims of 0 closed tickets" in capsys.readouterr().out
