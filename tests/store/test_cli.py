"""The administration commands against a real database and a real Temporal server."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from ticketflow.agents import agent_for_token
from ticketflow.cli import main
from ticketflow.settings import Settings
from ticketflow.temporal_setup import register_search_attributes
from ticketflow.wiring import Components


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TICKETFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TICKETFLOW_DATABASE_URL", raising=False)
    return tmp_path


def test_migrate_then_agent_add_prints_a_working_token_last(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate"]) == 0
    assert main(["agent", "add", "alice", "--groups", "first-line,web"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    agent = agent_for_token(Components(Settings()).sessions, token)
    assert agent is not None
    assert agent.groups == frozenset({"first-line", "web"})
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
