"""The Temporal worker: runs ticket workflows and their activities."""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AsyncExitStack

import prometheus_client
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker

from activities.escalation import EscalationActivities
from activities.incident import IncidentActivities
from activities.mail import MailActivities, MailSettings
from activities.merge import MergeActivities
from activities.passwords import PasswordActivities
from activities.store import StoreActivities
from activities.tracker import TrackerActivities
from ticketflow.components import Components, connect_temporal
from ticketflow.engine.redelivery import sweep_forever
from ticketflow.engine.runner import WORKFLOW_RUNNER, WORKFLOWS
from ticketflow.engine.tickets import in_namespace
from ticketflow.mail.transport import Transport, make_transport
from ticketflow.settings import Settings
from ticketflow.store.claims import purge_claims

log = logging.getLogger("ticketflow.worker")
PURGE_INTERVAL_SECONDS = 3600


def build_worker(
    client: Client,
    components: Components,
    *,
    task_queue: str | None = None,
    transport: Transport | None = None,
    executor: ThreadPoolExecutor | None = None,
    workflow_failure_exception_types: Sequence[type[BaseException]] = (),
) -> Worker:
    settings = components.settings
    store = StoreActivities(
        components.sessions, components.projects, components.mail_identity, components.mail_limits
    )
    transport = transport or make_transport(settings.smtp_url, settings.outbox_dir)
    # One mail identity for customers' mail and supervisors' notices.
    mail_settings = MailSettings(
        identity=components.mail_identity,
        auto_reply_limit_per_day=settings.auto_reply_limit_per_day,
    )
    mail = MailActivities(components.sessions, transport, components.templates, mail_settings)
    escalation = EscalationActivities(
        components.sessions, components.projects, transport, components.templates, mail_settings
    )
    passwords = PasswordActivities(components.accounts)
    tracker = TrackerActivities(components.sessions, components.projects)
    merge = MergeActivities(components.sessions)
    incident = IncidentActivities(components.sessions, components.draft_settings)
    return Worker(
        client,
        task_queue=task_queue or settings.task_queue,
        workflows=list(WORKFLOWS),
        activities=[
            store.load_ticket,
            store.route,
            store.project,
            mail.send_auto_reply,
            mail.send_article,
            mail.send_waiting_reminder,
            escalation.notify_supervisors,
            escalation.call_webhook,
            passwords.verify_claims,
            passwords.restore_access,
            tracker.file_task,
            tracker.poll_task,
            merge.merge_into,
            incident.send_incident_batch,
            incident.project_incident,
        ],
        # Activities use blocking libraries (SQLAlchemy, smtplib): they run in threads.
        activity_executor=executor or ThreadPoolExecutor(max_workers=16),
        max_cached_workflows=settings.max_cached_workflows,
        workflow_runner=WORKFLOW_RUNNER,
        # Tests pass [Exception]: a bug in workflow code then fails the workflow at once
        # instead of retrying its task forever (production keeps retrying: a deploy fixes it).
        workflow_failure_exception_types=workflow_failure_exception_types,
    )


def build_workers(
    client: Client,
    components: Components,
    *,
    transport: Transport | None = None,
    workflow_failure_exception_types: Sequence[type[BaseException]] = (),
) -> list[Worker]:
    """A worker for each namespace ticket workflows live in (a project may have its own),
    sharing one transport and one thread pool for activities."""
    settings = components.settings
    transport = transport or make_transport(settings.smtp_url, settings.outbox_dir)
    executor = ThreadPoolExecutor(max_workers=16)
    return [
        build_worker(
            in_namespace(client, namespace),
            components,
            transport=transport,
            executor=executor,
            workflow_failure_exception_types=workflow_failure_exception_types,
        )
        for namespace in components.temporal_namespaces
    ]


def serve_metrics(settings: Settings) -> Runtime | None:
    """This worker's Prometheus endpoints, where configured: its own counters
    (ticketflow.metrics) and, through the SDK's runtime, Temporal's."""
    if settings.worker_metrics_address:
        host, port = settings.worker_metrics_address.rsplit(":", 1)
        prometheus_client.start_http_server(int(port), addr=host)
        log.info("worker metrics on http://%s/metrics", settings.worker_metrics_address)
    if not settings.temporal_metrics_address:
        return None
    log.info("Temporal SDK metrics on http://%s/metrics", settings.temporal_metrics_address)
    metrics = PrometheusConfig(bind_address=settings.temporal_metrics_address)
    return Runtime(telemetry=TelemetryConfig(metrics=metrics))


async def purge_claims_forever(components: Components) -> None:
    """Destroy closed tickets' claims once their project's `purge_days` have passed
    (every worker may: the deletes are idempotent)."""
    days = {p.name: p.desk.passwords.purge_days for p in components.projects if p.desk.passwords}
    while days:
        try:
            gone = await asyncio.to_thread(purge_claims, components.sessions, days)
            if gone:
                log.info("destroyed the claims of %d closed tickets", gone)
        except Exception:
            log.exception("purging claims failed; trying again next interval")
        await asyncio.sleep(PURGE_INTERVAL_SECONDS)


async def run_worker(settings: Settings) -> None:
    """Poll until SIGINT or SIGTERM, then finish the tasks in hand and stop."""
    components = Components(settings)
    client = await connect_temporal(settings, runtime=serve_metrics(settings))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    async with AsyncExitStack() as workers:
        for worker in build_workers(client, components):
            await workers.enter_async_context(worker)
        namespaces = ", ".join(components.temporal_namespaces)
        log.info(
            "worker polling %s in %s on %s",
            settings.task_queue,
            namespaces,
            settings.temporal_address,
        )
        sweep = asyncio.create_task(sweep_forever(components, client))
        purge = asyncio.create_task(purge_claims_forever(components))
        await stop.wait()
        sweep.cancel()
        purge.cancel()
    components.close()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(run_worker(Settings()))
