"""The tree keeps its shape: small rooms, named truthfully.

- `ticketflow/` holds at most six modules at its top (besides `__init__` and `__main__`):
  everything else sits in a package of its concern.
- Each package's `__init__` docstring names every module it holds, and names none it
  does not (a line per module).
- Only the API's package imports FastAPI's HTTPException: the service raises its own typed
  refusals, which each face turns into an answer.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = sorted(
    p.parent
    for top in ("ticketflow", "workflows", "activities")
    for p in (ROOT / top).rglob("__init__.py")
    if "migrations" not in p.parts
)


def test_ticketflow_keeps_few_modules_at_its_top() -> None:
    top = sorted(p.stem for p in (ROOT / "ticketflow").glob("*.py"))
    assert len(set(top) - {"__init__", "__main__"}) <= 6, top


def docstring(package: Path) -> str:
    return ast.get_docstring(ast.parse((package / "__init__.py").read_text())) or ""


@pytest.mark.parametrize("package", PACKAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_package_names_its_modules_truthfully(package: Path) -> None:
    text = docstring(package)
    modules = {p.stem for p in package.glob("*.py")} - {"__init__"}
    missing = [m for m in sorted(modules) if not re.search(rf"(^|[\s(,]){m}(\.py)?:", text, re.M)]
    assert missing == [], f"{package.name}/__init__.py does not name {missing}"
    for named in re.findall(r"^- ([\w.]+?)/?(?:\.py)?:", text, re.M):
        found = [package / named, package / f"{named}.py"]
        assert any(p.exists() for p in found), f"{package.name} names no such {named}"


def test_only_the_api_imports_http_exception() -> None:
    found = []
    for path in sorted((ROOT / "ticketflow").rglob("*.py")):
        if (ROOT / "ticketflow" / "api") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and any(
                alias.name == "HTTPException" for alias in node.names
            ):
                found.append(str(path.relative_to(ROOT)))
    assert found == []
