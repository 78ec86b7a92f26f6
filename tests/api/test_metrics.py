"""`/metrics` as Prometheus scrapes it, on the real stack: what an agent's clicks and a
customer's mail change there. (`ticketflow up`'s workers' endpoints: test_embedded_up.)"""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.support.stack import Stack


async def scrape(stack: Stack) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    resp = await stack.http.get("/metrics")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(resp.text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def test_metrics_count_mail_actions_refusals_and_show_the_queues(stack: Stack) -> None:
    before = await scrape(stack)
    number = await stack.open_ticket()
    assert (await stack.act(number, "take", agent="alice")).status_code == 200
    refused = await stack.act(number, "move", agent="bob", queue="Web")  # not his ticket's queue
    assert refused.status_code == 404
    conflict = await stack.act(number, "reopen", agent="alice")
    assert conflict.status_code == 409  # an open ticket cannot be reopened
    empty = await stack.act(number, "answer", agent="alice")
    assert empty.status_code == 422  # no text: refused by the body's schema, before the action
    after = await scrape(stack)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("ticketflow_inbound_mail_total", route="mail", outcome="new_ticket") == 1
    assert grew("ticketflow_agent_actions_total", action="take", result="ok") == 1
    assert grew("ticketflow_agent_actions_total", action="move", result="unknown") == 1
    assert grew("ticketflow_agent_actions_total", action="reopen", result="conflict") == 1
    assert grew("ticketflow_intake_seconds_count", route="mail") == 1
    assert (
        value(after, "ticketflow_queue_tickets", project="mail", queue="Inbox", state="first-line")
        == 1
    )
    assert (
        value(
            after,
            "ticketflow_queue_oldest_open_seconds",
            project="mail",
            queue="Inbox",
            line="first-line",
        )
        >= 0
    )
    assert value(after, "ticketflow_read_model_up") == 1
    timed = "ticketflow_http_request_seconds_count"
    route = "/api/v1/tickets/{number}/actions/take"
    assert grew(timed, method="POST", route=route, status="200") == 1
    answer = "/api/v1/tickets/{number}/actions/answer"
    assert grew(timed, method="POST", route=answer, status="422") == 1
    # No ticket number or address in any label.
    text = (await stack.http.get("/metrics")).text
    assert number not in text and "anna@example.org" not in text


async def test_two_apps_in_one_process_share_the_gauges(tmp_path: Path) -> None:
    """A process's registry takes the read model's gauges once; a second app (as tests
    make) starts and answers all the same."""
    import httpx
    from temporalio.client import Client

    from api import create_app
    from tests.support.stack import free_port
    from ticketflow.settings import Settings

    temporal = await Client.connect(f"127.0.0.1:{free_port()}", lazy=True)
    apps = [
        create_app(
            Settings(data_dir=tmp_path / name, database_url=f"sqlite:///{tmp_path / name}.db"),
            temporal=temporal,
        )
        for name in ("one", "two")
    ]
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
    async with apps[0].router.lifespan_context(apps[0]), apps[1].router.lifespan_context(apps[1]):
        for app in apps:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
                resp = await http.get("/metrics")
                assert resp.status_code == 200 and "ticketflow_read_model_up" in resp.text
