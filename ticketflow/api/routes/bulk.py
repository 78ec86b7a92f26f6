"""One action on many tickets at once, with each ticket's own result."""

from __future__ import annotations

from fastapi import APIRouter

from ticketflow.api.deps import ComponentsDep, CurrentAgent, TemporalClientDep
from ticketflow.api.problems import AGENT_BODY_ROUTE
from ticketflow.service.bulk import do_bulk
from ticketflow.service.shapes import BulkBody, BulkOutcomeOut, BulkResult

router = APIRouter(prefix="/api/v1", tags=["actions"], responses=AGENT_BODY_ROUTE)


@router.post("/bulk", response_model=BulkResult, summary="One action on many tickets")
async def post_bulk(
    body: BulkBody, components: ComponentsDep, client: TemporalClientDep, agent: CurrentAgent
) -> BulkResult:
    """Take `action` on each ticket of `numbers` as on one ticket: rights, the one owner
    and the ticket's own workflow decide each ticket apart, so a refusal never stops or
    undoes the others. 200 with every ticket's outcome, in the order given."""
    outcomes = await do_bulk(components, client, agent, body.numbers, body.action, body.fields())
    results = [BulkOutcomeOut.model_validate(o) for o in outcomes]
    done = sum(1 for r in results if r.result == "done")
    return BulkResult(done=done, refused=len(results) - done, results=results)
