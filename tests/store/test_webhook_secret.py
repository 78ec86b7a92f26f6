"""The inbound webhook secret: configured, or made once in the data directory."""

from __future__ import annotations

from pathlib import Path

from ticketflow.mail.webhook_auth import secret_matches, webhook_secret
from ticketflow.settings import Settings


def test_secret_is_made_once_and_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    first = webhook_secret(settings)
    assert len(first) >= 40
    assert webhook_secret(Settings(data_dir=tmp_path / "data")) == first
    assert (tmp_path / "data" / "webhook_secret").stat().st_mode & 0o777 == 0o600
    assert webhook_secret(Settings(data_dir=tmp_path / "other")) != first


def test_configured_secret_wins_and_is_compared_exactly(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, webhook_secret="s3cret")
    assert webhook_secret(settings) == "s3cret"
    assert not (tmp_path / "webhook_secret").exists()
    assert secret_matches("s3cret", "s3cret")
    assert not secret_matches("s3cre", "s3cret")
    assert not secret_matches(None, "s3cret")
    assert not secret_matches("", "")  # an empty expected secret never matches
