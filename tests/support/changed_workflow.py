"""A deliberately changed ticket workflow, for the replay net's negative control: it waits
a second before doing what the ticket workflow does, a timer no recorded run started, so
every kept history must fail to replay on it."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from ticketflow.payloads import TicketInput
    from workflows.ticket import TicketWorkflow


@workflow.defn(name="Ticket")
class ChangedTicketWorkflow(TicketWorkflow):
    @workflow.run
    async def run(self, input: TicketInput) -> None:
        await workflow.sleep(timedelta(seconds=1))
        await super().run(input)
