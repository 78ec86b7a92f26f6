"""What users read stays true: the README's route table names every route the API serves,
its links resolve, and nothing points outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

from api import create_app
from ticketflow.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()
USER_DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def test_the_readme_route_table_names_every_route(tmp_path: Path) -> None:
    spec = create_app(Settings(data_dir=tmp_path)).openapi()
    documented = {
        (method, re.sub(r"\?.*", "", path))
        for method, path in re.findall(r"^\| `(GET|POST|PUT|DELETE) (\S+?)`", README, re.M)
    }
    served = {
        (method.upper(), re.sub(r"\{[^}]+\}", "{id}", path))
        for path, operations in spec["paths"].items()
        for method in operations
    }
    generic = {(m, re.sub(r"\{[^}]+\}", "{id}", p)) for m, p in documented}
    actions = {(m, p) for m, p in served if p.startswith("/api/v1/tickets/{id}/actions/")}
    assert served - actions - generic == set()
    assert ("POST", "/api/v1/tickets/{id}/actions/{id}") in generic


def test_links_resolve_and_nothing_points_outside_the_repository() -> None:
    for doc in USER_DOCS:
        text = doc.read_text()
        assert "../shared" not in text, doc
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if not target.startswith("http"):
                assert (doc.parent / target).exists(), (doc, target)
    assert "../shared" not in (ROOT / "ticketflow" / "desk" / "desk.example.yaml").read_text()
