"""How ticket workflows run: the workflow classes and their sandbox, one setting shared by
the worker and the replayer (a replay that ran them otherwise would check another thing)."""

from __future__ import annotations

from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from workflows.incident import IncidentWorkflow
from workflows.ticket import TicketWorkflow

WORKFLOWS: tuple[type, ...] = (TicketWorkflow, IncidentWorkflow)

# The sandbox still refuses non-deterministic calls (datetime.now, I/O) in workflow
# code, but no longer re-imports the workflow modules for every new ticket: that
# re-import (compiled from source where bytecode is not cached) was the worker's
# largest cost per ticket (bench/RESULTS.md). Our workflow modules keep no state.
WORKFLOW_RUNNER = SandboxedWorkflowRunner(
    restrictions=SandboxRestrictions.default.with_passthrough_all_modules()
)
