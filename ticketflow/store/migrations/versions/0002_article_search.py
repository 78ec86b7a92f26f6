"""full-text search over articles

PostgreSQL: a stored tsvector column and a GIN index. The `russian` configuration
stems Cyrillic words with the Russian stemmer and ASCII words with the English one,
so one vector serves Russian and English; other words (Turkish) are kept as written.
Only the first 200,000 characters of a body are indexed: a tsvector holds at most
1 MB, and the opening of a message is what an agent searches for.

SQLite: an FTS5 table over the same columns, kept in step by triggers.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

PG_VECTOR = (
    "to_tsvector('russian'::regconfig, coalesce(from_addr, '') || ' ' || coalesce(subject, '')"
    " || ' ' || left(coalesce(body_text, ''), 200000))"
)

SQLITE_STATEMENTS = [
    """CREATE VIRTUAL TABLE articles_fts USING fts5(
        from_addr, subject, body_text,
        content='articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
        INSERT INTO articles_fts(rowid, from_addr, subject, body_text)
        VALUES (new.id, new.from_addr, new.subject, new.body_text);
    END""",
    """CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, from_addr, subject, body_text)
        VALUES ('delete', old.id, old.from_addr, old.subject, old.body_text);
    END""",
    """CREATE TRIGGER articles_fts_update AFTER UPDATE OF from_addr, subject, body_text
        ON articles BEGIN
        INSERT INTO articles_fts(articles_fts, rowid, from_addr, subject, body_text)
        VALUES ('delete', old.id, old.from_addr, old.subject, old.body_text);
        INSERT INTO articles_fts(rowid, from_addr, subject, body_text)
        VALUES (new.id, new.from_addr, new.subject, new.body_text);
    END""",
    "INSERT INTO articles_fts(articles_fts) VALUES ('rebuild')",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            f"ALTER TABLE articles ADD COLUMN search_vector tsvector"
            f" GENERATED ALWAYS AS ({PG_VECTOR}) STORED"
        )
        op.execute("CREATE INDEX ix_articles_search ON articles USING gin (search_vector)")
    elif dialect == "sqlite":
        for statement in SQLITE_STATEMENTS:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX ix_articles_search")
        op.execute("ALTER TABLE articles DROP COLUMN search_vector")
    elif dialect == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER articles_fts_{trigger}")
        op.execute("DROP TABLE articles_fts")
