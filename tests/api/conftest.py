"""The API stack fixture (tests.support.stack builds it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from tests.support.stack import SmtpSink, Stack, open_stack


@pytest.fixture
async def stack(
    dev_env: WorkflowEnvironment,
    database_url: str,
    tmp_path: Path,
    smtp: tuple[SmtpSink, int],
) -> AsyncIterator[Stack]:
    async with open_stack(dev_env, database_url, tmp_path, smtp) as opened:
        yield opened
