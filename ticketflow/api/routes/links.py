"""Links between related tickets: listed, made and taken back from either ticket."""

from __future__ import annotations

from fastapi import APIRouter

from ticketflow.api.deps import ComponentsDep, CurrentAgent
from ticketflow.api.problems import AGENT_BODY_ROUTE, AGENT_ROUTE, problems
from ticketflow.service import links
from ticketflow.service.shapes import LinkBody, LinkList

router = APIRouter(prefix="/api/v1", tags=["tickets"])


@router.get(
    "/tickets/{number}/links",
    response_model=LinkList,
    responses=AGENT_ROUTE | problems(404),
)
def get_links(number: str, components: ComponentsDep, agent: CurrentAgent) -> LinkList:
    """The tickets linked with this one that you may read, the latest link first."""
    return links.ticket_links(components, agent, number)


@router.post(
    "/tickets/{number}/links",
    response_model=LinkList,
    responses=AGENT_BODY_ROUTE | problems(403, 404),
)
def post_link(
    number: str, body: LinkBody, components: ComponentsDep, agent: CurrentAgent
) -> LinkList:
    """Link this ticket with `number` (both show the link; linking again changes nothing).
    Both must be yours to read and to write notes on; 422 for the ticket itself."""
    return links.do_link(components, agent, number, body.number)


@router.delete(
    "/tickets/{number}/links/{other}",
    response_model=LinkList,
    responses=AGENT_ROUTE | problems(403, 404),
)
def delete_link(
    number: str, other: str, components: ComponentsDep, agent: CurrentAgent
) -> LinkList:
    """Unlink the two tickets (from either one); 404 when they are not linked."""
    return links.do_unlink(components, agent, number, other)
