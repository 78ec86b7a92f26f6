"""Every ordinary mistake on the command line: one line of reason, exit status 2, no
traceback. Each runs the real command in a process of its own, as a user would."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.support.cli import ticketflow
from tests.support.stack import free_port
from ticketflow.cli.up import data_dir_lock
from ticketflow.settings import Settings

EXAMPLE_DESK = Settings().desk_config


def refused(done: subprocess.CompletedProcess[str]) -> str:
    """The one line of reason a refused command printed."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ticketflow: "), done.stderr
    return lines[0]


def test_a_missing_message_file(tmp_path: Path) -> None:
    line = refused(ticketflow(tmp_path, "rules", "test", str(tmp_path / "nowhere.eml")))
    assert "nowhere.eml: No such file or directory" in line


def test_a_desk_config_with_a_mistake_names_file_and_line(tmp_path: Path) -> None:
    text = EXAMPLE_DESK.read_text().replace("        line: second-line", "        line: second", 1)
    bad = tmp_path / "desk.yaml"
    bad.write_text(text)
    number = next(n for n, row in enumerate(text.splitlines(), 1) if row == "        line: second")
    line = refused(ticketflow(tmp_path, "desk", "show", TICKETFLOW_DESK_CONFIG=str(bad)))
    assert f"{bad}:{number}: projects.0.queues.1.line: Input should be" in line
    assert f"{bad}:{number}:" in refused(ticketflow(tmp_path, "desk", "check", str(bad)))
    bad.write_text("queues: [unclosed\n")
    assert f"{bad}:2:" in refused(ticketflow(tmp_path, "desk", "check", str(bad)))


@pytest.mark.parametrize(
    ("right", "wrong", "where", "reason"),
    [
        # An SLA's budget, misspelt: before, the SLA silently had no first response.
        (
            "first_response: 60",
            "first_responce: 60",
            "projects.0.slas.first-line",
            "unknown key 'first_responce'; did you mean 'first_response'?",
        ),
        (
            "owner_timeout: 30",
            "owner_timout: 30",
            "projects.0",
            "unknown key 'owner_timout'; did you mean 'owner_timeout'?",
        ),
        (
            "then: {queue: Security,",
            "then: {queu: Security,",
            "projects.0.rules.2.then",
            "unknown key 'queu'; did you mean 'queue'?",
        ),
        (
            "steps: [{action: move, queue: Passwords}]",
            "steps: [{action: move, queue: Passwords, zzz: 1}]",
            "projects.0.macros.3.steps.0",
            "unknown key 'zzz'; known: action, priority, queue, reason, template, text",
        ),
    ],
)
def test_a_desk_key_that_is_not_known_names_the_nearest(
    tmp_path: Path, right: str, wrong: str, where: str, reason: str
) -> None:
    text = EXAMPLE_DESK.read_text()
    assert right in text
    bad = tmp_path / "desk.yaml"
    bad.write_text(text.replace(right, wrong, 1))
    number = next(n for n, row in enumerate(bad.read_text().splitlines(), 1) if wrong in row)
    line = refused(ticketflow(tmp_path, "desk", "check", str(bad)))
    assert line == f"ticketflow: {bad}:{number}: {where}: {reason}"


def test_a_desk_naming_a_template_that_does_not_exist(tmp_path: Path) -> None:
    bad = tmp_path / "desk.yaml"
    bad.write_text(EXAMPLE_DESK.read_text().replace("template: ask_details", "template: nope"))
    line = refused(ticketflow(tmp_path, "desk", "check", str(bad)))
    assert "no answer template 'nope'; known: ask_details, incident_known, password_reset" in line
    good = ticketflow(tmp_path, "desk", "check", str(EXAMPLE_DESK))
    assert good.returncode == 0 and "project mail ok (6 queues" in good.stdout
    assert "project social ok (2 queues" in good.stdout


def test_a_database_url_of_the_wrong_form_says_the_right_one(tmp_path: Path) -> None:
    url = "postgres://ticketflow@db/ticketflow"
    line = refused(ticketflow(tmp_path, "migrate", TICKETFLOW_DATABASE_URL=url))
    assert "TICKETFLOW_DATABASE_URL" in line and "postgresql+psycopg2://" in line


def test_a_database_that_does_not_answer(tmp_path: Path) -> None:
    url = f"postgresql+psycopg2://nobody@127.0.0.1:{free_port()}/none"
    line = refused(ticketflow(tmp_path, "migrate", TICKETFLOW_DATABASE_URL=url))
    assert "the read model's database is not reachable" in line


def test_a_setting_out_of_range(tmp_path: Path) -> None:
    line = refused(ticketflow(tmp_path, "migrate", TICKETFLOW_SYSTEM_ID="abc"))
    assert line.startswith("ticketflow: TICKETFLOW_SYSTEM_ID:")


def test_temporal_not_running_names_the_address(tmp_path: Path) -> None:
    assert ticketflow(tmp_path, "migrate").returncode == 0
    address = f"127.0.0.1:{free_port()}"
    for command in ("worker", "temporal-setup"):
        line = refused(ticketflow(tmp_path, command, TICKETFLOW_TEMPORAL_ADDRESS=address))
        assert f"Temporal is not reachable at {address}" in line and "ticketflow up" in line


def test_api_and_worker_refuse_an_unmigrated_database(tmp_path: Path) -> None:
    for command in ("api", "worker", "smtpd"):
        line = refused(ticketflow(tmp_path, command))
        assert "not migrated" in line and "run `ticketflow migrate`" in line


def test_an_unknown_group_lists_the_known_ones(tmp_path: Path) -> None:
    line = refused(ticketflow(tmp_path, "agent", "add", "ann", "--groups", "frist-line"))
    assert "unknown group 'frist-line'; known: mail/abuse, mail/admins, mail/first-line" in line


def test_a_second_up_on_the_same_data_directory_names_the_first(tmp_path: Path) -> None:
    with data_dir_lock(tmp_path):
        line = refused(ticketflow(tmp_path, "up"))
    assert f"already running on {tmp_path} (pid {os.getpid()})" in line


@pytest.mark.parametrize("flag", ["--api-port", "--temporal-port", "--ui-port"])
def test_a_busy_port_is_named_before_anything_starts(tmp_path: Path, flag: str) -> None:
    import socket

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        line = refused(ticketflow(tmp_path / "data", "up", flag, str(port)))
    assert f"({flag}) cannot listen on 127.0.0.1:{port}" in line
    assert not (tmp_path / "data" / "temporal.db").exists()


def test_version(tmp_path: Path) -> None:
    done = ticketflow(tmp_path, "--version")
    assert done.returncode == 0 and done.stdout.startswith("ticketflow ")


def test_servers_refuse_a_broken_desk_before_they_start(tmp_path: Path) -> None:
    bad = tmp_path / "desk.yaml"
    bad.write_text("queues: []\n")
    assert ticketflow(tmp_path, "migrate").returncode == 0
    for command in ("api", "worker", "smtpd"):
        line = refused(ticketflow(tmp_path, command, TICKETFLOW_DESK_CONFIG=str(bad)))
        assert f"{bad}:1:" in line and "exactly one queue must be marked default" in line
