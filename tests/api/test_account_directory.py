"""The account directory as the provider's HTTP service: the documented contract (bearer
token, an account's facts, a restore with its idempotency key), and a directory that is
dead, slow or erroring: the account panel says "unavailable", verification asks to try
again, and after a few failures the breaker stops asking at all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.support.directory import TOKEN, Directory, serving
from tests.support.stack import EXAMPLE_DESK, SmtpSink, Stack, free_port, open_stack
from ticketflow.accounts.directory import DirectoryUnavailable
from ticketflow.accounts.http import HttpDirectory
from ticketflow.desk.passwords import DirectoryConfig

ANNA = {
    "address": "anna@example.org",
    "created_at": "2019-03-14T10:00:00+03:00",
    "frozen": False,
    "last_sign_in_at": "2026-11-28T09:12:00+03:00",
    "facts": {"birth_date": "1990-05-17", "phone": "+79123456789"},
    "changes": [{"kind": "password", "at": "2026-11-30T22:45:00+03:00"}],
}


def http_desk(folder: Path, url: str) -> Path:
    """The example desk, its mail project's directory the service at `url` (quick to give
    up: 0.5 s a request, one retry, the breaker open after two failures)."""
    text = EXAMPLE_DESK.read_text().replace("    undo_seconds: 10\n", "    undo_seconds: 0\n")
    directory = (
        f"      directory: {{kind: http, url: '{url}', token_env: TICKETFLOW_TEST_DIRECTORY_TOKEN,"
        " timeout_seconds: 0.5, retries: 1, failures_to_open: 2, open_seconds: 600}\n"
    )
    assert "    passwords:\n" in text
    path = folder / "desk-http-directory.yaml"
    path.write_text(text.replace("    passwords:\n", "    passwords:\n" + directory, 1))
    help_articles = folder / "help"
    if not help_articles.exists():
        help_articles.symlink_to(EXAMPLE_DESK.parent / "help")
    return path


@pytest.fixture
async def directory_stack(
    dev_env: WorkflowEnvironment,
    database_url: str,
    tmp_path: Path,
    smtp: tuple[SmtpSink, int],
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[Stack, Directory]]:
    monkeypatch.setenv("TICKETFLOW_TEST_DIRECTORY_TOKEN", TOKEN)
    with serving(Directory(accounts={"anna@example.org": ANNA})) as directory:
        desk = http_desk(tmp_path, directory.url)
        async with open_stack(dev_env, database_url, tmp_path, smtp, desk_config=desk) as stack:
            yield stack, directory


async def in_passwords(stack: Stack, sender: str = "anna@example.org") -> str:
    number = await stack.open_ticket(sender=sender)
    assert (await stack.act(number, "move", agent="alice", queue="Passwords")).status_code == 200
    return number


async def test_the_documented_contract(directory_stack: tuple[Stack, Directory]) -> None:
    stack, directory = directory_stack
    bob = stack.auth("bob")
    number = await in_passwords(stack)
    panel = (await stack.http.get(f"/api/v1/tickets/{number}/account", headers=bob)).json()
    assert panel["status"] == "found" and panel["changes"][0]["kind"] == "password"
    assert panel["last_sign_in_at"].startswith("2026-11-28")
    items = {"birth_date": "17.05.1990", "phone": "8 999 000-67-89"}
    resp = await stack.http.post(
        f"/api/v1/tickets/{number}/claims", json={"items": items}, headers=bob
    )
    assert resp.status_code == 201, resp.text
    assert (await stack.act(number, "verify", agent="bob")).status_code == 200
    found = (await stack.http.get(f"/api/v1/tickets/{number}/verification", headers=bob)).json()
    assert found["items"] == [
        {"name": "birth_date", "verdict": "match"},
        {"name": "phone", "verdict": "partial"},
    ]
    restored = await stack.act(
        number, "restore", agent="bob", channel="recovery-address", reason="ok"
    )
    assert restored.status_code == 200, restored.text
    assert directory.restores == [
        {
            "address": "anna@example.org",
            "key": directory.restores[0]["key"],
            "channel": "recovery-address",
        }
    ]
    assert directory.restores[0]["key"].startswith("restore:")


@pytest.mark.parametrize("mode", ["dead", "slow", "error"])
async def test_a_directory_that_does_not_answer(
    directory_stack: tuple[Stack, Directory], mode: str
) -> None:
    stack, directory = directory_stack
    bob = stack.auth("bob")
    number = await in_passwords(stack)
    resp = await stack.http.post(
        f"/api/v1/tickets/{number}/claims", json={"items": {"phone": "+79123456789"}}, headers=bob
    )
    assert resp.status_code == 201
    directory.mode, directory.slow_seconds = mode, 2.0
    # The panel: "unavailable", twice; then the breaker answers without asking.
    for _ in range(3):
        panel = await stack.http.get(f"/api/v1/tickets/{number}/account", headers=bob)
        assert (panel.status_code, panel.json()["status"]) == (200, "unavailable")
    asked = directory.hits
    assert asked <= 4  # two failures, each a request and its retry
    # Verification asks the agent to try again shortly, and records nothing.
    verify = await stack.act(number, "verify", agent="bob")
    assert verify.status_code == 503 and verify.json()["code"] == "directory-unavailable"
    # The worker has a breaker of its own (another process in production): one request
    # and its retry, then the agent is told.
    assert directory.hits <= asked + 2
    found = (await stack.http.get(f"/api/v1/tickets/{number}/verification", headers=bob)).json()
    assert found["items"] == [] and found["claims"] == ["phone"]
    # The ticket itself answers as ever.
    page = await stack.http.get(f"/api/v1/tickets/{number}", headers=bob)
    assert page.status_code == 200


def test_a_port_nobody_listens_on_is_unavailable_at_once() -> None:
    config = DirectoryConfig(kind="http", url=f"http://127.0.0.1:{free_port()}", retries=0)
    directory = HttpDirectory(config, token=None)
    for _ in range(config.failures_to_open):
        with pytest.raises(DirectoryUnavailable, match="did not answer"):
            directory.lookup("anna@example.org")
    assert directory.breaker.is_open
    with pytest.raises(DirectoryUnavailable, match="breaker is open"):
        directory.restore("anna@example.org", "sms", "key-1")
