"""Exactly-once sending against a real SMTP server on loopback that injects failures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

from tests.support.mail import text_part
from tests.support.stack import SmtpSink, Stack, open_stack
from tests.support.temporal import eventually


async def answered(stack: Stack, number: str, fault: str) -> dict[str, Any]:
    await stack.smtp.wait_for(1)  # the automatic reply went out normally
    stack.smtp.faults.append(fault)
    resp = await stack.act(number, "answer", text="Here is how to reset it.")
    assert resp.json()["state"] == "closed"

    async def detail() -> Any:
        r = await stack.http.get(f"/api/v1/tickets/{number}", headers=stack.auth("alice"))
        return r.json()

    def settled(ticket: dict[str, Any]) -> bool:
        answer = [a for a in ticket["articles"] if a["direction"] == "out"][-1]
        return answer["status"] in ("sent", "unconfirmed") and any(
            h["action"].startswith("mail-") for h in ticket["history"]
        ) == (answer["status"] == "unconfirmed")

    return await eventually(detail, settled, timeout=30)


async def test_a_timeout_after_the_server_took_the_mail_does_not_send_it_twice(
    dev_env: WorkflowEnvironment, tmp_path: Path, smtp: tuple[SmtpSink, int]
) -> None:
    smtp[0].slow_seconds = 8  # the server keeps the answer but replies after our timeout
    url = f"sqlite:///{tmp_path / 'tf.db'}"
    async with open_stack(dev_env, url, tmp_path, smtp, "?timeout=3") as stack:
        number = await stack.open_ticket()
        ticket = await answered(stack, number, "slow")
        answer = [a for a in ticket["articles"] if a["direction"] == "out"][-1]
        assert answer["status"] == "unconfirmed"
        assert "not sent again" in answer["error"]
        assert [h["action"] for h in ticket["history"]][-1] == "mail-unconfirmed"
        # The retry did not send it again: the customer has the answer once.
        answers = [m for m in stack.smtp.messages if "Here is how" in text_part(m)]
        assert len(answers) == 1


async def test_a_temporary_refusal_after_the_data_is_retried_and_sent_once(
    dev_env: WorkflowEnvironment, tmp_path: Path, smtp: tuple[SmtpSink, int]
) -> None:
    url = f"sqlite:///{tmp_path / 'tf.db'}"
    async with open_stack(dev_env, url, tmp_path, smtp, "?timeout=10") as stack:
        number = await stack.open_ticket()
        ticket = await answered(stack, number, "busy")
        answer = [a for a in ticket["articles"] if a["direction"] == "out"][-1]
        assert (answer["status"], answer["error"]) == ("sent", None)
        answers = [m for m in stack.smtp.messages if "Here is how" in text_part(m)]
        assert len(answers) == 1
