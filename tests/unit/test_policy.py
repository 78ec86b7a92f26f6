"""The one policy, cell by cell: what each role may see and do in the example desk, and
the roles as the desk config gives them (not by a group's name)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import yaml

from ticketflow.desk.projects import projects_from
from ticketflow.service.policy import Policy
from ticketflow.service.refusals import Forbidden, NotFound
from ticketflow.settings import Settings
from ticketflow.store.agents import AgentIdentity
from ticketflow.tickets.lifecycle import AGENT_ACTIONS, Action, State, Ticket
from ticketflow.tickets.rights import DeskRight

EXAMPLE = yaml.safe_load(Settings().desk_config.read_text())
POLICY = Policy(projects_from(EXAMPLE))
ROLES = {
    "first-line": AgentIdentity("fl", frozenset({"mail/first-line"})),
    "passwords": AgentIdentity("pw", frozenset({"mail/passwords"})),
    "supervisor": AgentIdentity("sv", frozenset({"mail/supervisors"})),
    "admin": AgentIdentity("ad", frozenset({"mail/admins"})),
    "social": AgentIdentity("so", frozenset({"social/first-line"})),
}
# The verbs, and which roles may (the others may not). `in Q`: on a ticket in queue Q.
Y, N = True, False
TABLE: dict[str, tuple[bool, bool, bool, bool, bool]] = {
    # verb                        first-line passwords supervisor admin social
    "see Inbox": (Y, N, Y, N, N),
    "see Passwords": (N, Y, Y, N, N),
    "take in Inbox": (Y, N, N, N, N),
    "note in Inbox": (Y, N, N, N, N),
    "ask in Inbox": (Y, N, N, N, N),
    "answer in Inbox": (Y, N, N, N, N),
    "priority in Inbox": (Y, N, N, N, N),
    "close in Inbox": (Y, N, N, N, N),
    "reopen in Inbox": (Y, N, N, N, N),
    "remind in Inbox": (Y, N, N, N, N),
    "release in Inbox": (Y, N, N, N, N),
    "language in Inbox": (Y, N, N, N, N),
    "forward in Inbox": (Y, N, N, N, N),
    "merge in Inbox": (Y, N, N, N, N),
    "take in Passwords": (N, Y, N, N, N),
    "note in Passwords": (N, Y, N, N, N),
    "answer in Passwords": (N, Y, N, N, N),
    "close in Passwords": (N, Y, N, N, N),
    "merge in Passwords": (N, Y, N, N, N),
    "claims in Passwords": (N, Y, N, N, N),
    "verify in Passwords": (N, Y, N, N, N),
    "restore in Passwords": (N, Y, N, N, N),
    "refuse in Passwords": (N, Y, N, N, N),
    "verify in Inbox": (N, N, N, N, N),
    "file-task in Passwords": (N, N, N, N, N),
    "move Inbox to Passwords": (Y, N, N, N, N),
    "move Passwords to Inbox": (N, Y, N, N, N),
    "move Passwords to Web": (N, N, N, N, N),
    "steal in Inbox": (N, N, N, N, N),
    "steal in Passwords": (N, Y, N, N, N),
    "run to-passwords on Inbox": (Y, N, N, N, N),
    "run close-as-spam on Inbox": (Y, N, N, N, N),
    "run answer-password-reset on Passwords": (N, Y, N, N, N),
    "read reports": (N, N, Y, Y, N),
    "administer agents": (N, N, N, Y, N),
    "handle kept mail": (N, N, N, Y, N),
}


def allowed(check: Callable[[], object]) -> bool:
    """Whether the policy lets `check` pass (a refusal is a no)."""
    try:
        return check() is not False
    except (Forbidden, NotFound):
        return False


def may(role: str, verb: str) -> bool:
    """The policy's verdict on one cell, asked as the faces ask it."""
    agent = ROLES[role]
    seat = POLICY.seat(agent, "mail")
    words = verb.split()
    asks: dict[str, Callable[[], object]] = {
        "see": lambda: seat.sees(words[1]),
        "steal": lambda: seat.may_steal(words[2]),
        "move": lambda: seat.action_denial(Action.MOVE, words[1], words[3]) is None,
        "run": lambda: seat.macro_denial(seat.macro(words[1]), words[3]) is None,
        "read": lambda: POLICY.check_reports(seat),
        "administer": lambda: "mail" in POLICY.administered(agent),
        "handle": lambda: "mail" in POLICY.quarantine_scope(agent),
    }
    if words[0] in asks:
        return allowed(asks[words[0]])
    return allowed(lambda: seat.check_action(Action(words[0]), words[2]))


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("verb", list(TABLE))
def test_every_cell_of_the_table(role: str, verb: str) -> None:
    expected = TABLE[verb][list(ROLES).index(role)]
    assert may(role, verb) == expected


def test_the_table_names_every_agent_action() -> None:
    named = {verb.split()[0] for verb in TABLE}
    assert {a.value for a in AGENT_ACTIONS} <= named


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("queue", ["Inbox", "Passwords"])
def test_a_page_offers_only_what_the_policy_allows(role: str, state: State, queue: str) -> None:
    """Every action offered on a ticket passes the policy; every agent action it leaves
    out is refused by the policy or by the ticket's state."""
    seat = POLICY.seat(ROLES[role], "mail")
    ticket = Ticket(state, queue)
    offered = seat.offered(ticket, ROLES[role].name)
    target = next((q for q in seat.move_targets() if q != queue), None)
    for action in AGENT_ACTIONS:
        allowed = seat.action_denial(action, queue, target) is None
        if action in offered:
            assert allowed, action
            seat.check_action(action, queue, target)
    if not seat.sees(queue):
        assert offered == []


def desk_with_groups(groups: list[dict[str, object]]) -> Policy:
    example = yaml.safe_load(Settings().desk_config.read_text())
    example["projects"][0]["groups"] = groups
    return Policy(projects_from(example))


def test_roles_come_from_the_desk_config_not_from_a_group_s_name() -> None:
    """`supervisors` and `admins` have their roles only until the desk says otherwise."""
    policy = desk_with_groups(
        [
            {"name": "first-line", "rights": {"Inbox": ["rw"]}},
            {"name": "leads", "roles": ["supervisor"]},
            {"name": "supervisors", "roles": []},
            {"name": "office", "roles": ["admin"]},
            {"name": "admins", "roles": []},
        ]
    )
    lead = policy.seat(AgentIdentity("l", frozenset({"mail/leads"})), "mail")
    plain = policy.seat(AgentIdentity("s", frozenset({"mail/supervisors"})), "mail")
    office = AgentIdentity("o", frozenset({"mail/office"}))
    assert lead.may(DeskRight.REPORTS) and lead.sees("Passwords")
    assert not plain.may(DeskRight.REPORTS) and not plain.sees("Inbox")
    assert policy.administered(office) == {"mail"}
    with pytest.raises(Forbidden, match="only a project's admins"):
        policy.administered(AgentIdentity("a", frozenset({"mail/admins"})))
    # A supervisor may run a macro whatever groups it names; each step still needs its right.
    macro = lead.macro("to-passwords")
    assert lead.macro_denial(macro, "Inbox") is not None


def test_an_unknown_role_is_refused_in_the_desk_config() -> None:
    with pytest.raises(ValueError, match="roles"):
        desk_with_groups([{"name": "leads", "roles": ["boss"]}])


# One right alone in a queue, and the agent actions the policy then allows there (a move
# also needs move_into on its target, which the group has).
ALONE = {
    "ro": set(),
    "note": {Action.NOTE},
    "reply": {Action.ASK, Action.ANSWER, Action.LANGUAGE, Action.FORWARD},
    "owner": {Action.TAKE, Action.REMIND, Action.MOVE, Action.RELEASE},
    "priority": {Action.PRIORITY},
    "close": {Action.CLOSE, Action.REOPEN, Action.MERGE},
    "move_into": set(),
    "steal": set(),
    "verify": {Action.CLAIMS, Action.VERIFY, Action.RESTORE, Action.REFUSE},
    "file_task": {Action.FILE_TASK},
    "rw": set(AGENT_ACTIONS)
    - {Action.CLAIMS, Action.VERIFY, Action.RESTORE, Action.REFUSE, Action.FILE_TASK},
}


@pytest.mark.parametrize("right", list(ALONE))
@pytest.mark.parametrize("action", sorted(AGENT_ACTIONS))
def test_a_group_with_one_right_may_take_just_its_actions(right: str, action: Action) -> None:
    """Every (right, action) cell through the policy, for a group the desk config gives
    that right alone in Inbox (and move_into on Web)."""
    policy = desk_with_groups([{"name": "g", "rights": {"Inbox": [right], "Web": ["move_into"]}}])
    seat = policy.seat(AgentIdentity("g", frozenset({"mail/g"})), "mail")
    target = "Web" if action is Action.MOVE else None
    assert allowed(lambda: seat.check_action(action, "Inbox", target)) == (action in ALONE[right])
    assert seat.sees("Inbox") == (right != "move_into")
    assert seat.may_steal("Inbox") == (right == "steal")
