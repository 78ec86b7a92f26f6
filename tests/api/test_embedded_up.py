"""`ticketflow up` as a user runs it: start, take mail, Ctrl-C, start again, nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import httpx

from tests.support.mail import customer_mail
from tests.support.stack import free_port, free_port_run

T = TypeVar("T")


@contextmanager
def running_up(data_dir: Path, ports: dict[str, int]) -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "ticketflow.cli", "up", "--data-dir", str(data_dir)]
    for flag, port in ports.items():
        command += [f"--{flag}", str(port)]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETFLOW_")}
    log = (data_dir.parent / "up.log").open("ab")
    # Its own process group, so that a Ctrl-C reaches every process as in a terminal.
    proc = subprocess.Popen(command, env=env, stdout=log, stderr=log, start_new_session=True)
    try:
        wait_healthy(ports["api-port"], proc)
        yield proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)
            proc.wait(60)
        log.close()


def wait_healthy(api_port: int, proc: subprocess.Popen[bytes], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, "ticketflow up exited early"
        try:
            if httpx.get(f"http://127.0.0.1:{api_port}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError("ticketflow up did not become healthy")


def poll(fetch: Callable[[], T], accept: Callable[[T], bool], timeout: float = 30) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = fetch()
        if accept(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def scrape_every_metrics_endpoint(api: str, metrics_port: int) -> None:
    """The API's /metrics, each worker's own and the Temporal SDK's, as Prometheus would."""
    served = httpx.get(f"{api}/metrics").text
    assert 'ticketflow_inbound_mail_total{outcome="new_ticket",route="mail"} 1.0' in served
    assert 'ticketflow_queue_tickets{project="mail",queue="Inbox",state="first-line"} 1.0' in served
    assert "ticketflow_read_model_up 1.0" in served
    assert (
        'ticketflow_http_request_seconds_count{method="POST",route="/api/v1/inbound/mail"' in served
    )
    workers = [
        httpx.get(f"http://127.0.0.1:{metrics_port + offset}/metrics").text for offset in (0, 2)
    ]
    # Intake took the new ticket's first step (its route); either worker sent its mail.
    assert 'ticketflow_ticket_events_total{event="route",project="mail"} 1.0' in served
    assert any(
        'ticketflow_mail_out_total{kind="automatic",outcome="sent"} 1.0' in w for w in workers
    )
    sdk = [httpx.get(f"http://127.0.0.1:{metrics_port + offset}/metrics").text for offset in (1, 3)]
    assert all("temporal_" in text for text in sdk), sdk[0][:300]


def test_up_takes_mail_stops_on_ctrl_c_and_restarts_with_every_ticket(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ports = {"api-port": free_port(), "temporal-port": free_port(), "ui-port": free_port()}
    ports["metrics-port"] = free_port_run(4)  # and the three above it, for two workers
    api = f"http://127.0.0.1:{ports['api-port']}"
    with running_up(data_dir, ports) as proc:
        agent_add = ["agent", "add", "alice", "--groups", "mail/first-line"]
        added = subprocess.run(
            [sys.executable, "-m", "ticketflow.cli", *agent_add],
            env={**os.environ, "TICKETFLOW_DATA_DIR": str(data_dir)},
            capture_output=True,
            text=True,
            check=True,
        )
        auth = {"Authorization": f"Bearer {added.stdout.strip().splitlines()[-1]}"}
        # Made by `up` in the data directory, as the README's walk-through reads it.
        secret = (data_dir / "webhook_secret").read_text().strip()
        resp = httpx.post(
            f"{api}/api/v1/inbound/mail",
            content=customer_mail(),
            headers={"Content-Type": "message/rfc822", "X-Webhook-Secret": secret},
        )
        assert resp.status_code == 202, resp.text
        number = resp.json()["ticket"]
        ticket: dict[str, Any] = poll(
            lambda: httpx.get(f"{api}/api/v1/tickets/{number}", headers=auth).json(),
            lambda t: t["state"] == "first-line",
        )
        assert ticket["queue"] == "Inbox"
        outbox = data_dir / "outbox" / "new"
        assert poll(lambda: list(outbox.glob("*")), lambda files: len(files) == 1)
        # Customers' mail and the secret are the owner's alone: nothing for group or others.
        private = [data_dir, *outbox.glob("*"), data_dir / "webhook_secret"]
        private += [data_dir / "ticketflow.db", data_dir / "temporal.db", data_dir / "claims.key"]
        assert {p.name: oct(p.stat().st_mode & 0o077) for p in private} == {
            p.name: "0o0" for p in private
        }
        scrape_every_metrics_endpoint(api, ports["metrics-port"])
        verify_on_the_example_accounts(api, data_dir, auth, secret)

        os.killpg(proc.pid, signal.SIGINT)
        assert proc.wait(60) == 0

    with running_up(data_dir, ports):
        ticket = httpx.get(f"{api}/api/v1/tickets/{number}", headers=auth).json()
        assert (ticket["state"], ticket["queue"]) == ("first-line", "Inbox")
        resp = httpx.post(
            f"{api}/api/v1/tickets/{number}/actions/move",
            json={"queue": "Abuse"},
            headers=auth,
            timeout=30,
        )
        assert resp.status_code == 200, resp.text
        assert (resp.json()["state"], resp.json()["queue"]) == ("second-line", "Abuse")


def verify_on_the_example_accounts(
    api: str, data_dir: Path, alice: dict[str, str], secret: str
) -> None:
    """The example desk's sample directory is loaded by `up`: a Passwords agent verifies a
    lost-access claim on a fresh installation."""
    added = subprocess.run(
        [
            sys.executable,
            "-m",
            "ticketflow.cli",
            "agent",
            "add",
            "bob",
            "--groups",
            "mail/passwords",
        ],
        env={**os.environ, "TICKETFLOW_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        check=True,
    )
    bob = {"Authorization": f"Bearer {added.stdout.strip().splitlines()[-1]}"}
    resp = httpx.post(
        f"{api}/api/v1/inbound/mail",
        content=customer_mail(subject="I cannot sign in"),
        headers={"Content-Type": "message/rfc822", "X-Webhook-Secret": secret},
    )
    number = resp.json()["ticket"]
    poll(
        lambda: httpx.get(f"{api}/api/v1/tickets/{number}", headers=alice).json(),
        lambda t: t["state"] == "first-line",
    )
    moved = httpx.post(
        f"{api}/api/v1/tickets/{number}/actions/move",
        json={"queue": "Passwords"},
        headers=alice,
        timeout=30,
    )
    assert moved.status_code == 200, moved.text
    claims = {"items": {"birth_date": "17.05.1990", "phone": "+7 912 345-67-89"}}
    url = f"{api}/api/v1/tickets/{number}"
    assert httpx.post(f"{url}/claims", json=claims, headers=bob, timeout=30).status_code == 201
    verified = httpx.post(f"{url}/actions/verify", json={}, headers=bob, timeout=30)
    assert verified.status_code == 200, verified.text
    found = httpx.get(f"{url}/verification", headers=bob).json()
    assert [v["verdict"] for v in found["items"]] == ["match", "match"]
    assert httpx.get(f"{url}/account", headers=bob).json()["status"] == "found"
