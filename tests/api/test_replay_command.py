"""`ticketflow replay` against a running `ticketflow up`: the check an operator runs before
an upgrade replays every open ticket's history on this install's workflow code, and names
the first ticket that a changed workflow would break."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

import ticketflow.cli.replay
from tests.api.test_embedded_up import poll, running_up
from tests.support.changed_workflow import ChangedTicketWorkflow
from tests.support.mail import customer_mail
from tests.support.stack import free_port, free_port_run
from ticketflow.cli import main


def test_replay_checks_the_open_tickets_of_a_running_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    ports = {"api-port": free_port(), "temporal-port": free_port(), "ui-port": free_port()}
    ports["metrics-port"] = free_port_run(4)
    api = f"http://127.0.0.1:{ports['api-port']}"
    temporal = f"127.0.0.1:{ports['temporal-port']}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETFLOW_")}
    env |= {"TICKETFLOW_DATA_DIR": str(data_dir), "TICKETFLOW_TEMPORAL_ADDRESS": temporal}

    def replay(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "ticketflow.cli", "replay", *args]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    with running_up(data_dir, ports):
        secret = (data_dir / "webhook_secret").read_text().strip()
        headers = {"Content-Type": "message/rfc822", "X-Webhook-Secret": secret}
        numbers = []
        for n in range(3):
            mail = customer_mail(subject=f"Question {n}", message_id=f"<replay-{n}@example.org>")
            sent = httpx.post(f"{api}/api/v1/inbound/mail", content=mail, headers=headers)
            assert sent.status_code == 202, sent.text
            numbers.append(sent.json()["ticket"])

        # The visibility store lists the new workflows a moment after they start.
        done = poll(lambda: replay(), lambda d: "3 open tickets" in d.stdout, timeout=60)
        assert done.returncode == 0, done.stdout + done.stderr
        assert done.stdout == f"3 open tickets in default on {temporal} replay on this code\n"
        bounded = replay("--limit", "2")
        assert bounded.returncode == 0, bounded.stderr
        assert "2 open tickets in default" in bounded.stdout
        assert "(the first 2: --limit checks more)" in bounded.stdout

        # The code about to be deployed changed the workflow without a patch: exit 1,
        # naming the ticket that would break.
        for name, value in env.items():
            if name.startswith("TICKETFLOW_"):
                monkeypatch.setenv(name, value)
        monkeypatch.setattr(ticketflow.cli.replay, "WORKFLOWS", (ChangedTicketWorkflow,))
        capsys.readouterr()
        assert main(["replay"]) == 1
        said = capsys.readouterr().out.splitlines()
        assert said[0].startswith("ticket ") and " would break on this code: " in said[0]
        assert said[0].split()[1] in numbers
        assert "Nondeterminism" in said[0]
        assert said[1] == "(0 open tickets replayed before it)"
