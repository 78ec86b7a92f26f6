"""Files agents upload to send with their mail: kept as blobs (content-addressed, as
inbound attachments are) under the ticket and the agent, and listed on the mail's article
when the mail is written. The workflow never sees them: the article's id is enough."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ticketflow.store.blobs import keep_blob
from ticketflow.store.models import ArticleAttachment, Upload


@dataclass(frozen=True)
class Kept:
    id: int
    filename: str
    content_type: str
    size: int


class UnknownUpload(LookupError):
    """An upload id that is not this agent's on this ticket."""

    def __init__(self, upload_id: int) -> None:
        super().__init__(upload_id)
        self.upload_id = upload_id


def keep_upload(
    sessions: sessionmaker[Session],
    ticket_id: int,
    agent: str,
    filename: str,
    content_type: str,
    data: bytes,
    now: datetime,
) -> Kept:
    with sessions.begin() as session:
        digest = keep_blob(session, data)
        row = Upload(
            ticket_id=ticket_id,
            agent=agent,
            filename=filename,
            content_type=content_type,
            size=len(data),
            blob_sha256=digest,
            created_at=now,
        )
        session.add(row)
        session.flush()
        return Kept(row.id, row.filename, row.content_type, row.size)


def uploads_of(
    session: Session, ticket_id: int, agent: str, upload_ids: Sequence[int]
) -> list[Upload]:
    """The agent's uploads on the ticket, in the order asked; UnknownUpload for another's
    (or another ticket's, or none)."""
    wanted = list(dict.fromkeys(upload_ids))
    if not wanted:
        return []
    rows = {
        u.id: u
        for u in session.scalars(
            select(Upload).where(
                Upload.id.in_(wanted), Upload.ticket_id == ticket_id, Upload.agent == agent
            )
        )
    }
    for upload_id in wanted:
        if upload_id not in rows:
            raise UnknownUpload(upload_id)
    return [rows[i] for i in wanted]


@dataclass(frozen=True)
class FileRef:
    """A stored file to list on an article: an upload, another article's attachment, or
    a forwarded original."""

    filename: str
    content_type: str
    size: int
    blob_sha256: str | None

    @classmethod
    def of(cls, row: Upload | ArticleAttachment) -> FileRef:
        return cls(row.filename, row.content_type, row.size, row.blob_sha256)


def attach(session: Session, article_id: int, files: Sequence[FileRef]) -> None:
    """List `files` on the article."""
    session.add_all(
        ArticleAttachment(
            article_id=article_id,
            filename=f.filename,
            content_type=f.content_type,
            size=f.size,
            inline=False,
            blob_sha256=f.blob_sha256,
        )
        for f in files
    )
