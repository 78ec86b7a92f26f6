"""The replay net: histories of real ticket runs, kept per release, replay on today's code.

A change to workflow code that would take a running ticket down another path than its
history (a new activity, a reordered timer, a different command) fails here, naming the
history, before it reaches an installation. The histories are append-only
(histories/SHA256SUMS seals them): those of an earlier release stand for tickets running
on it, and stay until no such ticket can exist (docs/architecture.md, "Changing workflow
code"). `python -m tests.workflows.record_histories` records a new release's.
"""

from __future__ import annotations

import ast
import base64
import hashlib
import inspect
import json
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory

import workflows.ticket
from tests.support.changed_workflow import ChangedTicketWorkflow
from tests.support.temporal import HISTORIES, sealed_histories
from ticketflow.engine.replay import Replayed, replay

KEPT = sorted(HISTORIES.glob("*/*.json"))


def name_of(path: Path) -> str:
    return path.relative_to(HISTORIES).with_suffix("").as_posix()


def events(path: Path) -> list[dict[str, object]]:
    found: list[dict[str, object]] = json.loads(path.read_text())["events"]
    return found


def patches_marked(path: Path) -> set[str]:
    """The patches a history's run recorded as taken (`workflow.patched` markers)."""
    marked = set()
    for event in events(path):
        marker = event.get("markerRecordedEventAttributes")
        if isinstance(marker, dict) and marker.get("markerName") == "core_patch":
            data = marker["details"]["patch-data"]["payloads"][0]["data"]
            marked.add(json.loads(base64.b64decode(data))["id"])
    return marked


async def named(paths: Iterable[Path]) -> AsyncIterator[tuple[str, WorkflowHistory]]:
    for path in paths:
        yield name_of(path), WorkflowHistory.from_json(name_of(path), path.read_text())


async def replayed(paths: Iterable[Path], workflows: list[type] | None = None) -> list[Replayed]:
    if workflows is None:
        return [r async for r in replay(named(paths))]
    return [r async for r in replay(named(paths), workflows)]


def test_every_kept_history_is_sealed_and_unchanged() -> None:
    """Append-only: a kept history is neither changed nor removed without its seal."""
    sealed = sealed_histories()
    assert {p.relative_to(HISTORIES).as_posix() for p in KEPT} == set(sealed)
    for path in KEPT:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert digest == sealed[path.relative_to(HISTORIES).as_posix()], name_of(path)


@pytest.mark.parametrize("path", KEPT, ids=name_of)
def test_a_kept_history_has_a_completed_workflow_task(path: Path) -> None:
    """A history cut before its first task completes compares no command: it guards nothing."""
    kinds = [event["eventType"] for event in events(path)]
    assert "EVENT_TYPE_WORKFLOW_TASK_COMPLETED" in kinds


@pytest.mark.parametrize("path", KEPT, ids=name_of)
async def test_a_kept_history_replays_on_todays_code(path: Path) -> None:
    [result] = await replayed([path])
    assert result == Replayed(name_of(path)), result.failure


def test_the_code_names_every_patch_it_calls() -> None:
    """Every patch the workflow code asks for (`workflow.patched`, `deprecate_patch`, or
    its own `_patched`, which asks only for runs under older rules) is in PATCHES or
    RETIRED_PATCHES, so the coverage test below sees it."""
    source = ast.parse(inspect.getsource(workflows.ticket))
    called = {
        node.args[0].id
        for node in ast.walk(source)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("patched", "deprecate_patch", "_patched")
        and isinstance(node.args[0], ast.Name)
        and node.args[0].id.isupper()  # not `_patched`'s own parameter
    }
    named_patches = {getattr(workflows.ticket, name) for name in called}
    assert named_patches == set(workflows.ticket.PATCHES) | set(workflows.ticket.RETIRED_PATCHES)


@pytest.mark.parametrize("patch", workflows.ticket.PATCHES)
def test_the_kept_histories_cover_both_branches_of_a_patch(patch: str) -> None:
    """A run that took the patch's new branch, and one begun before it (the old branch
    still runs for such tickets)."""
    marked = [name_of(p) for p in KEPT if patch in patches_marked(p)]
    unmarked = [name_of(p) for p in KEPT if patch not in patches_marked(p)]
    assert marked and unmarked, (marked, unmarked)


async def test_a_changed_workflow_fails_replay_naming_the_history() -> None:
    """The negative control: the net catches a change, and says which history broke."""
    chosen = [HISTORIES / "0.1.0" / "new-ticket-auto-reply.json", KEPT[-1]]
    results = await replayed(chosen, [ChangedTicketWorkflow])
    assert [r.name for r in results] == [name_of(p) for p in chosen]
    for result in results:
        assert result.failure is not None and "Nondeterminism" in result.failure, result
