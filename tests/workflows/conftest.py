"""Workflow tests run their own worker against the example desk on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.stack import make_components
from ticketflow.components import Components


@pytest.fixture
def components(tmp_path: Path) -> Components:
    """The example desk (Inbox answers first within 60 business minutes, 09:00-21:00
    Moscow time) on SQLite in the test's own folder."""
    return make_components(tmp_path, f"sqlite:///{tmp_path / 'tf.db'}")
