"""The administration commands against a real database and a real Temporal server."""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.support.mail import customer_mail
from ticketflow.cli import main
from ticketflow.components import Components
from ticketflow.engine.temporal_setup import register_search_attributes
from ticketflow.settings import Settings
from ticketflow.store.agents import agent_for_token
from ticketflow.store.inbox import RawState, keep_raw, set_aside


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TICKETFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TICKETFLOW_DATABASE_URL", raising=False)
    return tmp_path


def test_migrate_then_agent_add_prints_a_working_token_last(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert main(["agent", "add", "alice", "--groups", "mail/first-line,web"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    agent = agent_for_token(Components(Settings()).sessions, token)
    assert agent is not None
    assert agent.groups == frozenset({"mail/first-line", "mail/web"})
    assert (data_dir / "ticketflow.db").exists()


def test_agent_add_refuses_a_duplicate_with_a_reason(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["agent", "add", "bob", "--groups", "passwords"]) == 0
    assert main(["agent", "add", "bob", "--groups", "passwords"]) == 2
    assert "agent 'bob' already exists" in capsys.readouterr().err


async def test_temporal_setup_is_idempotent(dev_env: WorkflowEnvironment) -> None:
    target = dev_env.client.service_client.config.target_host
    settings = Settings(temporal_address=target)
    # start_local registered them already: a second registration adds nothing and fails not.
    assert await register_search_attributes(settings) == []


def test_agent_administration_is_recorded_and_takes_effect_at_once(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions = Components(Settings()).sessions
    assert main(["agent", "add", "ann", "--groups", "mail/first-line"]) == 0
    first_token = capsys.readouterr().out.strip().splitlines()[-1]

    assert main(["agent", "groups", "ann", "--set", "web,solvers"]) == 0
    agent = agent_for_token(sessions, first_token)
    assert agent is not None and agent.groups == frozenset({"mail/web", "mail/solvers"})
    assert main(["agent", "groups", "ann", "--set", "webb"]) == 2
    assert "unknown group 'webb'" in capsys.readouterr().err
    # A group two projects have must be named with its project.
    assert main(["agent", "groups", "ann", "--set", "first-line"]) == 2
    assert "name one, mail/first-line or social/first-line" in capsys.readouterr().err

    assert main(["agent", "disable", "ann"]) == 0
    assert agent_for_token(sessions, first_token) is None
    assert main(["agent", "list"]) == 0
    assert "disabled" in capsys.readouterr().out
    assert main(["agent", "enable", "ann"]) == 0
    assert agent_for_token(sessions, first_token) is not None

    capsys.readouterr()
    assert main(["agent", "reset-token", "ann"]) == 0
    new_token = capsys.readouterr().out.strip().splitlines()[-1]
    assert agent_for_token(sessions, first_token) is None
    assert agent_for_token(sessions, new_token) is not None
    assert main(["agent", "disable", "nobody"]) == 2
    assert "no agent 'nobody'" in capsys.readouterr().err

    assert main(["agent", "log", "ann"]) == 0
    log = capsys.readouterr().out.strip().splitlines()
    changes = [line.split("  ")[2] for line in log]
    assert changes == ["created", "groups", "disabled", "enabled", "token"]
    assert all(line.endswith(f"by {getpass.getuser()} (cli)") for line in log)
    assert "mail/first-line -> mail/solvers,mail/web" in log[1]


def test_every_command_takes_data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TICKETFLOW_DATA_DIR", raising=False)
    monkeypatch.delenv("TICKETFLOW_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    assert main(["agent", "add", "ann", "--groups", "web", "--data-dir", str(elsewhere)]) == 0
    assert main(["migrate", "--data-dir", str(elsewhere)]) == 0
    assert (elsewhere / "ticketflow.db").exists() and not (tmp_path / ".data").exists()


def test_desk_show_lists_what_agents_work_with(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["desk", "show"]) == 0
    shown = capsys.readouterr().out
    for expected in (
        "project mail",
        "project social",
        "Inbox",
        "abuse: Abuse rw,steal; Security rw,steal",
        "to-passwords: move",
        "ask_details: en",
    ):
        assert expected in shown


def test_quarantine_list_show_retry_drop(
    data_dir: Path,
    dev_env: WorkflowEnvironment,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(
        "TICKETFLOW_TEMPORAL_ADDRESS", dev_env.client.service_client.config.target_host
    )
    assert main(["migrate"]) == 0
    sessions = Components(Settings()).sessions
    now = datetime.now(UTC)
    held = keep_raw(sessions, customer_mail(), ["support@t.localhost"], "smtp", now).raw_id
    set_aside(sessions, held, RawState.HELD, "sender over the limit")
    bomb = keep_raw(sessions, b"From: m@x.example\r\n\r\n", [], "mail", now).raw_id
    set_aside(sessions, bomb, RawState.QUARANTINED, "MIME parts nested more than 40 deep")
    capsys.readouterr()

    assert main(["quarantine", "list"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == [str(bomb), str(held)]
    assert main(["quarantine", "show", str(held)]) == 0
    shown = capsys.readouterr().out
    assert "sender over the limit" in shown and "support@t.localhost" in shown
    assert main(["quarantine", "retry", str(held)]) == 0
    assert "a new ticket" in capsys.readouterr().out
    assert main(["quarantine", "drop", str(bomb)]) == 0
    assert main(["quarantine", "list"]) == 0
    assert "nothing kept for review" in capsys.readouterr().out
    assert main(["quarantine", "drop", str(bomb)]) == 2
    assert "is not kept for review" in capsys.readouterr().err
