"""Every operation of the API fuzzed by schemathesis, as an agent and as an admin, on a
running `ticketflow up` with tickets, an attachment and a quarantined message to find:
no answer is a 5xx, every status answered is one OpenAPI lists for its operation, with
the content type and the body schema it says (issue: hostile input, second round).

Bounded: a fixed number of examples per operation and a fixed seed, so a run takes a
minute or two and a failure comes back the same; TICKETFLOW_FUZZ_SEED and
TICKETFLOW_FUZZ_EXAMPLES explore further."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest

from tests.api.test_embedded_up import poll, running_up
from tests.support import bombs
from tests.support.cli import ticketflow
from tests.support.mail import customer_mail
from tests.support.stack import free_port, free_port_run

ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
SEED = os.environ.get("TICKETFLOW_FUZZ_SEED", "20261204")
EXAMPLES = os.environ.get("TICKETFLOW_FUZZ_EXAMPLES", "25")
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)
# Who fuzzes: a first-line agent, and a project's admin (who reads quarantine and runs
# the agents); the other two are there to be acted on.
AGENTS = {
    "alice": "mail/first-line",
    "dana": "mail/admins",
    "sam": "mail/first-line,mail/passwords,mail/solvers",
    "vic": "mail/supervisors",
}


def with_attachment() -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"] = "Oleg <oleg@example.org>", "support@ticketflow.localhost"
    mail["Subject"] = "Screenshot of the error"
    mail.set_content("The error is in the picture.")
    mail.add_attachment(b"\x89PNG\r\n\x1a\n" + b"0" * 64, "image", "png", filename="error.png")
    return mail.as_bytes()


def test_every_operation_fuzzed_as_an_agent_and_an_admin(tmp_path: Path) -> None:
    if not SCHEMATHESIS.exists():
        pytest.fail("schemathesis is not installed: pip install -e '.[test]'")
    data_dir = tmp_path / "data"
    ticketflow(data_dir, "migrate", check=True)
    tokens = {
        name: ticketflow(
            data_dir, "agent", "add", name, "--groups", groups, check=True
        ).stdout.splitlines()[-1]
        for name, groups in AGENTS.items()
    }
    ports = {"api-port": free_port(), "temporal-port": free_port(), "ui-port": free_port()}
    ports["metrics-port"] = free_port_run(4)
    api = f"http://127.0.0.1:{ports['api-port']}"
    with running_up(data_dir, ports):
        secret = (data_dir / "webhook_secret").read_text().strip()
        inbound = {"Content-Type": "message/rfc822", "X-Webhook-Secret": secret}
        mails = [customer_mail(sender=f"vera{i}@example.org", subject=f"#{i}") for i in range(4)]
        taken = [
            httpx.post(f"{api}/api/v1/inbound/mail", content=raw, headers=inbound).json()
            for raw in [*mails, with_attachment(), bombs.nested(100)]
        ]
        numbers = [t["ticket"] for t in taken if t["ticket"]]
        alice = {"Authorization": f"Bearer {tokens['alice']}"}
        shown = poll(
            lambda: httpx.get(f"{api}/api/v1/tickets/{numbers[-1]}", headers=alice).json(),
            lambda t: t.get("state") == "first-line",
        )
        attachment = shown["articles"][0]["attachments"][0]["id"]
        desk = httpx.get(f"{api}/api/v1/desk", headers=alice).json()
        # What the fuzzer's paths name, most of the time: things that exist. Dana, who
        # fuzzes the admin routes, is not among the names (a new token of her own would
        # end her run early).
        config = {
            "numbers": numbers,
            "ids": [attachment, taken[-1]["raw_id"]],
            "names": ["alice", "sam", "vic", *(m["name"] for m in desk["macros"])],
        }
        config_file = tmp_path / "schemathesis.toml"
        config_file.write_text(schemathesis_config(config))
        for name in ("alice", "dana"):
            run = fuzz(api, config_file, tokens[name], secret, tmp_path / name)
            assert run.returncode == 0, f"as {name}:\n{run.stdout[-6000:]}"
            report = next((tmp_path / name).glob("*.ndjson"))
            assert calls_made(report) > 500, f"as {name}: too few calls to prove anything"


def schemathesis_config(found: dict[str, list[object]]) -> str:
    lines = [
        f"[dictionaries.{kind}]\nvalues = {json.dumps([str(v) for v in values])}\n"
        for kind, values in found.items()
    ]
    bind = {"number": "numbers", "attachment_id": "ids", "raw_id": "ids", "name": "names"}
    lines.append("[parameters]")
    lines += [
        f'"path.{param}" = {{ dictionary = "{kind}", probability = 0.8 }}'
        for param, kind in bind.items()
    ]
    return "\n".join(lines) + "\n"


def fuzz(
    api: str, config: Path, token: str, secret: str, reports: Path
) -> subprocess.CompletedProcess[str]:
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
        "run",
        f"{api}/openapi.json",
        "-H",
        f"Authorization: Bearer {token}",
        "-H",
        f"X-Webhook-Secret: {secret}",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        EXAMPLES,
        "--seed",
        SEED,
        "--continue-on-failure",
        "--no-color",
        "--report",
        "ndjson",
        "--report-dir",
        str(reports),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "tests.support.schemathesis_hooks"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)


def calls_made(report: Path) -> int:
    """How many requests the run's report records."""
    return sum(line.count('"status_code"') for line in report.read_text().splitlines())
