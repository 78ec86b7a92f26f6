"""The wheel carries everything needed to run: a fresh virtualenv with only the wheel
installed (its dependencies borrowed from this one) migrates a database, reads the
example desk and renders an automatic reply from its own copy of the templates."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["pyproject.toml", "README.md", "api.py", "worker.py"]
PACKAGES = ["ticketflow", "workflows", "activities", "templates"]

RENDER = textwrap.dedent(
    """
    import api, worker, ticketflow
    from ticketflow.letters.rendering import AUTO_REPLY, letter_ticket, render_letter
    from ticketflow.settings import Settings
    from ticketflow.components import Components

    components = Components(Settings())
    ticket = letter_ticket("2026120110000001", "Cannot log in", "Inbox",
                           components.settings.subject_tag)
    body = render_letter(components.templates, AUTO_REPLY, ticket)
    print(ticketflow.__file__)
    print(components.settings.templates_dir)
    print(body.text)
    """
)


def _copy_sources(target: Path) -> None:
    # Built from a copy, so the build leaves nothing (build/, *.egg-info) in the checkout.
    for name in SOURCES:
        shutil.copy2(ROOT / name, target / name)
    for name in PACKAGES:
        shutil.copytree(
            ROOT / name, target / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )


def test_the_installed_wheel_runs_on_its_own_files(tmp_path: Path) -> None:
    source, wheels, fresh = tmp_path / "src", tmp_path / "wheels", tmp_path / "venv"
    source.mkdir()
    _copy_sources(source)
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run(
        [*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(source)],
        check=True,
    )
    [wheel] = wheels.glob("ticketflow-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(fresh)], check=True)
    python = fresh / "bin" / "python"
    subprocess.run([*pip, "--python", str(python), "install", "--no-deps", str(wheel)], check=True)
    # Dependencies from this virtualenv; ticketflow itself only from the wheel.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "borrowed.pth").write_text(sysconfig.get_path("purelib") + "\n")

    data = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TICKETFLOW_", "PYTHON"))}
    env["TICKETFLOW_DATA_DIR"] = str(data)
    ticketflow = str(fresh / "bin" / "ticketflow")

    def run(*command: str) -> str:
        done = subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "revision" in run(ticketflow, "migrate")
    assert "Inbox" in run(ticketflow, "desk", "show")
    module, templates, *text = run(str(python), "-c", RENDER).splitlines()
    assert module.startswith(site) and templates.startswith(site)
    assert "[Ticket#2026120110000001]" in "\n".join(text)
