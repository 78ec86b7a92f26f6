"""File contents, stored once however many articles and uploads carry them: a blob is
named by its SHA-256, and a second copy of the same bytes (a logo in every mail, a file
forwarded on, a concurrent intake of one message) is no conflict."""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from ticketflow.store.db import insert_missing
from ticketflow.store.models import Blob


def keep_blob(session: Session, data: bytes) -> str:
    """Store `data` unless it is stored already; its SHA-256 (the name it is kept by)."""
    digest = hashlib.sha256(data).hexdigest()
    insert_missing(session, Blob, {"sha256": digest, "size": len(data), "data": data}, ["sha256"])
    return digest
