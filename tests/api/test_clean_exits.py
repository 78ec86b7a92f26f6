"""`ticketflow api`, `worker` and `smtpd` stop on SIGTERM with exit status 0 and without a
crash at interpreter exit, after their reader processes have worked."""

from __future__ import annotations

import os
import signal
import smtplib
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.support.mail import customer_mail
from tests.support.stack import free_port
from ticketflow.cli import main

SECRET = "s3cret-for-the-exit-test"
CRASH_SIGNS = ("Traceback", "Fatal Python error", "Segmentation fault", "core dumped")


def start(command: list[str], data_dir: Path, temporal: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETFLOW_")}
    env |= {
        "TICKETFLOW_DATA_DIR": str(data_dir),
        "TICKETFLOW_TEMPORAL_ADDRESS": temporal,
        "TICKETFLOW_WEBHOOK_SECRET": SECRET,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "ticketflow", *command],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def until(check: object, proc: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()[0]
        try:
            if check():  # type: ignore[operator]
                return
        except (OSError, httpx.HTTPError):
            pass
        time.sleep(0.2)
    raise AssertionError("the command did not come up")


def stop(proc: subprocess.Popen[str]) -> str:
    """Its output once it has ended (SIGTERM sent), checked for a clean exit."""
    try:
        output, _ = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == 0, output
    assert not [sign for sign in CRASH_SIGNS if sign in output], output
    return output


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("TICKETFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("TICKETFLOW_DATABASE_URL", raising=False)
    assert main(["migrate"]) == 0
    return tmp_path


def test_api_and_smtpd_and_worker_exit_cleanly(
    data_dir: Path, dev_env: WorkflowEnvironment
) -> None:
    temporal = dev_env.client.service_client.config.target_host
    api_port, smtp_port = free_port(), free_port()
    api = start(["api", "--port", str(api_port)], data_dir, temporal)
    smtpd = start(["smtpd", "--port", str(smtp_port)], data_dir, temporal)
    worker = start(["worker"], data_dir, temporal)
    try:
        base = f"http://127.0.0.1:{api_port}"
        until(lambda: httpx.get(f"{base}/healthz", timeout=2).status_code == 200, api)
        headers = {"Content-Type": "message/rfc822", "X-Webhook-Secret": SECRET}
        resp = httpx.post(f"{base}/api/v1/inbound/mail", content=customer_mail(), headers=headers)
        assert resp.status_code == 202, resp.text

        def delivered() -> bool:
            with smtplib.SMTP("127.0.0.1", smtp_port, timeout=10) as client:
                client.sendmail("anna@example.org", ["support@t.localhost"], customer_mail())
            return True

        until(delivered, smtpd)
    finally:
        for proc in (api, smtpd, worker):
            proc.send_signal(signal.SIGTERM)
        outputs = [stop(proc) for proc in (api, smtpd, worker)]
    assert "SMTP listening" in outputs[1]
