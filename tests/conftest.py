"""Shared fixtures: real databases (SQLite, PostgreSQL), real Temporal servers."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from tests.support.browser import axe_script, chromium, served  # noqa: F401 (fixtures)
from tests.support.clock import SERVER_CLOCK
from tests.support.stack import OPENED, SmtpSink, Stack, example_desk, free_port, open_stack
from tests.support.temporal import PROJECT_NAMESPACE
from ticketflow.engine.binaries import find_binary
from ticketflow.engine.temporal_setup import register_search_attributes
from ticketflow.settings import Settings
from workflows.search_attributes import ALL_KEYS

POSTGRES_URL = os.environ.get(
    "TICKETFLOW_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
# In CI a missing PostgreSQL fails the run; on a laptop without one those tests skip.
REQUIRE_POSTGRES = bool(os.environ.get("CI") or os.environ.get("TICKETFLOW_TEST_REQUIRE_POSTGRES"))
# Real mail written by other projects (mikel-mail/, zammad-mail/): beside the development
# checkout, or wherever TICKETFLOW_TEST_CORPUS points. A clone without it skips those
# tests; .ci/run requires it.
CORPUS = Path(
    os.environ.get("TICKETFLOW_TEST_CORPUS")
    or Path(__file__).resolve().parents[2] / "shared" / "corpus"
)
REQUIRE_CORPUS = bool(os.environ.get("TICKETFLOW_TEST_REQUIRE_CORPUS"))


@pytest.fixture(scope="session")
def corpus() -> Path:
    """The folder holding the mail corpora, or a skip (a failure in CI) saying how to get it."""
    if not (CORPUS / "mikel-mail").is_dir() or not (CORPUS / "zammad-mail").is_dir():
        reason = (
            f"mail corpora not found at {CORPUS}: set TICKETFLOW_TEST_CORPUS to a folder "
            "holding mikel-mail/ and zammad-mail/"
        )
        if REQUIRE_CORPUS:
            pytest.fail(reason)
        pytest.skip(reason)
    return CORPUS


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[str]:
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
    except Exception as exc:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is required here: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {POSTGRES_URL}")
    finally:
        engine.dispose()
    yield POSTGRES_URL


def _fresh_postgres_database(admin_url: str) -> Iterator[str]:
    name = f"tf_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database on each backend; tests that use it run twice."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ticketflow.db'}"
    else:
        yield from _fresh_postgres_database(request.getfixturevalue("postgres_admin"))


@pytest.fixture
def postgres_url(postgres_admin: str) -> Iterator[str]:
    """An empty PostgreSQL database: for the heavy tests run once, on the backend a large
    installation runs."""
    yield from _fresh_postgres_database(postgres_admin)


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpSink, int]]:
    """A real SMTP server on loopback that keeps what it accepts."""
    sink, port = SmtpSink(), free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


async def _start_time_skipping() -> WorkflowEnvironment:
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=find_binary("temporal-test-server")
    )
    # The time-skipping server takes no search_attributes= argument: register them here.
    await env.client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=env.client.namespace,
            search_attributes={
                key.name: IndexedValueType.ValueType(int(key.indexed_value_type))
                for key in ALL_KEYS
            },
        )
    )
    return env


@pytest.fixture(scope="session")
async def time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """Shared by tests that do not skip time themselves."""
    env = await _start_time_skipping()
    yield env
    await env.shutdown()


@pytest.fixture
async def own_time_skipping_env() -> AsyncIterator[WorkflowEnvironment]:
    """A server of the test's own, for tests that skip days ahead: on a shared one, the
    timers of earlier tests' tickets (escalations, waiting periods) would fire with no
    worker left to run them, and the server would not skip past them."""
    env = await _start_time_skipping()
    await SERVER_CLOCK.follow(env)
    yield env
    SERVER_CLOCK.reset()
    await env.shutdown()


@pytest.fixture(scope="session")
async def dev_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=find_binary("temporal"),
        search_attributes=list(ALL_KEYS),
        dev_server_log_level="error",
        # A second namespace, for a project with a namespace of its own.
        dev_server_extra_args=["--namespace", PROJECT_NAMESPACE],
    )
    settings = Settings(temporal_address=env.client.service_client.config.target_host)
    await register_search_attributes(settings, PROJECT_NAMESPACE)
    yield env
    await env.shutdown()


@pytest.fixture(autouse=True)
def close_components() -> Iterator[None]:
    """Stop the reader processes and connections of every Components a test made."""
    yield
    while OPENED:
        OPENED.pop().close()


_exit_status = 0


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _exit_status
    _exit_status = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    # The Temporal SDK can crash the interpreter at exit (sdk-python issue 300),
    # turning a green run red; leave with pytest's own status once it has reported.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(_exit_status)


@pytest.fixture
async def stack(
    dev_env: WorkflowEnvironment,
    database_url: str,
    tmp_path: Path,
    smtp: tuple[SmtpSink, int],
) -> AsyncIterator[Stack]:
    """API, worker and database on the dev server (tests.support.stack builds it)."""
    async with open_stack(dev_env, database_url, tmp_path, smtp) as opened:
        yield opened


# The undo window of `undo_stack`'s desk, in seconds (real time: the dev server).
UNDO_WINDOW = 8


@pytest.fixture
async def undo_stack(
    dev_env: WorkflowEnvironment,
    database_url: str,
    tmp_path: Path,
    smtp: tuple[SmtpSink, int],
) -> AsyncIterator[Stack]:
    """`stack` on the example desk with an undo window of UNDO_WINDOW seconds."""
    desk = example_desk(tmp_path, undo_seconds=UNDO_WINDOW)
    async with open_stack(dev_env, database_url, tmp_path, smtp, desk_config=desk) as opened:
        yield opened
