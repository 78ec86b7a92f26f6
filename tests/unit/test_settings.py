"""Settings that are checked before anything starts: database URLs, TLS to Temporal."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from temporalio.service import TLSConfig

from ticketflow.components import temporal_tls
from ticketflow.settings import Settings


@pytest.mark.parametrize(
    "url", ["postgres://a@db/x", "postgresql://a@db/x", "mysql://a@db/x", "nonsense"]
)
def test_database_urls_ticketflow_cannot_use_are_refused_with_the_expected_form(url: str) -> None:
    with pytest.raises(ValidationError, match=r"postgresql\+psycopg2://"):
        Settings(database_url=url)


def test_usable_database_urls_pass() -> None:
    for url in ("", "sqlite:///x.db", "postgresql+psycopg2://a@db/x"):
        assert Settings(database_url=url).database_url == url


def test_temporal_tls_is_off_unless_configured_and_reads_the_pem_files(tmp_path: Path) -> None:
    assert temporal_tls(Settings()) is False
    ca, cert, key = (tmp_path / n for n in ("ca.pem", "client.pem", "client.key"))
    for path in (ca, cert, key):
        path.write_bytes(f"PEM of {path.name}".encode())
    tls = temporal_tls(
        Settings(
            temporal_tls_ca=ca,
            temporal_tls_cert=cert,
            temporal_tls_key=key,
            temporal_tls_domain="temporal.internal",
        )
    )
    assert tls == TLSConfig(
        server_root_ca_cert=b"PEM of ca.pem",
        client_cert=b"PEM of client.pem",
        client_private_key=b"PEM of client.key",
        domain="temporal.internal",
    )
    with pytest.raises(ValidationError, match="go together"):
        Settings(temporal_tls_cert=cert)


def test_the_embedded_read_model_keeps_its_file_name(tmp_path: Path) -> None:
    # Installations hold their tickets in this file: a new name would start them empty.
    assert Settings(data_dir=tmp_path).resolved_database_url == (
        f"sqlite:///{tmp_path.resolve() / 'ticketflow.db'}"
    )
