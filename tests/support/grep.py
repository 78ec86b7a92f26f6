"""Everything a database holds, as text: every table's every column (bytes as Latin-1, so
any byte sequence of a value shows), and for SQLite its files' raw bytes too (free pages,
the write-ahead log). A test greps it for a marker that must appear nowhere."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text


def database_text(engine: Engine) -> str:
    parts: list[str] = []
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            quoted = conn.dialect.identifier_preparer.quote(table)
            for row in conn.execute(text(f"SELECT * FROM {quoted}")):
                parts.extend(_text(value) for value in row)
    database = engine.url.database
    if engine.url.get_backend_name() == "sqlite" and database:
        for suffix in ("", "-wal", "-journal"):
            path = Path(database + suffix)
            if path.exists():
                parts.append(path.read_bytes().decode("latin-1"))
    return "\n".join(parts)


def _text(value: object) -> str:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).decode("latin-1")
    return str(value)
