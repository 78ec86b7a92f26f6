"""The lower bound of work per workflow: Temporal's own limit on this server."""

from temporalio import workflow


@workflow.defn(name="BenchEmpty")
class EmptyWorkflow:
    @workflow.run
    async def run(self) -> None:
        return None
