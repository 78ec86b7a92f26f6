"""Sealing personal data at rest: a customer's claims about his account, and the
directory table's facts, are encrypted with a key kept outside the database.

Fernet (AES-128-CBC with HMAC-SHA256, from `cryptography`) seals; the key file holds one
key a line, the first one sealing and every one opening, so a key is rotated by putting a
new one first, re-sealing (`ticketflow claims rotate-key`), then dropping the old one
(docs/operations.md). The file is made on first use, readable by its owner only, the way
the webhook secret is. What is sealed names the row it belongs to: a sealed value copied
to another ticket does not open there.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ticketflow.settings import Settings

KEY_FILE = "claims.key"


class SealError(ValueError):
    """A sealed value that no key opens, or that belongs elsewhere."""


def key_path(settings: Settings) -> Path:
    if settings.claims_key_file is not None:
        return settings.claims_key_file
    return settings.data_dir.resolve() / KEY_FILE


def ensure_key_file(path: Path) -> Path:
    """The key file, made with one new key if there is none (0600, O_EXCL: of two
    processes starting at once, one writes it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path
    with os.fdopen(fd, "wb") as fh:
        fh.write(Fernet.generate_key() + b"\n")
    return path


def read_keys(path: Path) -> list[bytes]:
    keys = [line.strip() for line in path.read_bytes().splitlines() if line.strip()]
    if not keys:
        raise SealError(f"{path} holds no key")
    return keys


class Sealer:
    """Seals and opens small JSON objects, each bound to a purpose and a row."""

    def __init__(self, keys: list[bytes]) -> None:
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except ValueError as exc:
            raise SealError(f"a key is no Fernet key: {exc}") from None

    @classmethod
    def from_settings(cls, settings: Settings) -> Sealer:
        return cls(read_keys(ensure_key_file(key_path(settings))))

    def seal(self, values: Mapping[str, str], bound_to: str) -> bytes:
        payload = json.dumps({"to": bound_to, "values": dict(values)}, ensure_ascii=False)
        return self._fernet.encrypt(payload.encode())

    def open(self, sealed: bytes, bound_to: str) -> dict[str, str]:
        try:
            payload = json.loads(self._fernet.decrypt(bytes(sealed)))
        except (InvalidToken, ValueError):
            raise SealError("no key opens it") from None
        if payload.get("to") != bound_to:
            raise SealError("sealed for another row")
        return {str(k): str(v) for k, v in payload["values"].items()}

    def reseal(self, sealed: bytes) -> bytes:
        """The same content sealed with the first key (rotation)."""
        try:
            return self._fernet.rotate(bytes(sealed))
        except InvalidToken:
            raise SealError("no key opens it") from None
