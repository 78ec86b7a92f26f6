"""the customer form: its posts per client (to limit them), and help articles, copied from
the desk's help/ files at start, with full-text search for the suggestions shown while a
customer writes

PostgreSQL: a stored tsvector (the `russian` configuration stems Russian and English) and a
GIN index. SQLite: an FTS5 table kept in step by triggers, as for articles (0002).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: Sequence[str] | None = None
depends_on: Sequence[str] | None = None

PG_VECTOR = "to_tsvector('russian'::regconfig, title || ' ' || topic || ' ' || body)"
SQLITE_STATEMENTS = [
    """CREATE VIRTUAL TABLE help_fts USING fts5(
        title, topic, body, content='help_articles', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER help_fts_insert AFTER INSERT ON help_articles BEGIN
        INSERT INTO help_fts(rowid, title, topic, body)
        VALUES (new.id, new.title, new.topic, new.body);
    END""",
    """CREATE TRIGGER help_fts_delete AFTER DELETE ON help_articles BEGIN
        INSERT INTO help_fts(help_fts, rowid, title, topic, body)
        VALUES ('delete', old.id, old.title, old.topic, old.body);
    END""",
    """CREATE TRIGGER help_fts_update AFTER UPDATE ON help_articles BEGIN
        INSERT INTO help_fts(help_fts, rowid, title, topic, body)
        VALUES ('delete', old.id, old.title, old.topic, old.body);
        INSERT INTO help_fts(rowid, title, topic, body)
        VALUES (new.id, new.title, new.topic, new.body);
    END""",
]


def upgrade() -> None:
    op.create_table(
        "help_articles",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project", sa.String(100), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.UniqueConstraint("project", "language", "slug", name="uq_help_articles_slug"),
    )
    # Requests sent through the customer form, per client address: counted to limit them.
    op.create_table(
        "form_posts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("client", sa.String(100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_form_posts_client", "form_posts", ["client", "at"])
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            f"ALTER TABLE help_articles ADD COLUMN search_vector tsvector"
            f" GENERATED ALWAYS AS ({PG_VECTOR}) STORED"
        )
        op.execute(
            "CREATE INDEX ix_help_articles_search ON help_articles USING gin (search_vector)"
        )
    elif dialect == "sqlite":
        for statement in SQLITE_STATEMENTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER help_fts_{trigger}")
        op.execute("DROP TABLE help_fts")
    op.drop_table("help_articles")
    op.drop_table("form_posts")
