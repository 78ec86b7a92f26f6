"""`ticketflow desk show`'s words for the example desk's mail project: what an operator
checks before a desk goes live."""

from __future__ import annotations

from ticketflow.desk.projects import load_projects
from ticketflow.desk.report import describe_desk
from ticketflow.letters.rendering import make_environment
from ticketflow.settings import Settings, default_templates_dir


def test_the_example_desk_says_its_priority_stream_and_its_forwards() -> None:
    desk = load_projects(Settings.model_fields["desk_config"].default).desk("mail")
    lines = list(describe_desk(desk, make_environment(default_templates_dir())))
    security = next(line for line in lines if line.strip().startswith("Security"))
    assert "sla security at priority 5" in security and "highest priority first" in security
    assert any(
        "forwards from colleagues (staff.ticketflow.localhost) are the customer's tickets, when"
        " mx.ticketflow.localhost's Authentication-Results say they passed" in line
        for line in lines
    )
    assert "an agent's forward of a customer's mail carries the original whole" in lines
