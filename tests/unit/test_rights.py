"""The rights table, pair by pair: which right allows which agent action."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from ticketflow.desk.config import DeskConfig
from ticketflow.service.policy import Seat
from ticketflow.settings import Settings
from ticketflow.tickets.lifecycle import AGENT_ACTIONS, Action
from ticketflow.tickets.rights import Right, RightsError, expand, refusal

# Each right alone, and the agent actions it allows (a move also needs move_into there).
ALLOWS = {
    Right.RO: set(),
    Right.NOTE: {Action.NOTE},
    Right.REPLY: {Action.ASK, Action.ANSWER, Action.LANGUAGE, Action.FORWARD},
    Right.OWNER: {Action.TAKE, Action.REMIND, Action.MOVE, Action.RELEASE},
    Right.PRIORITY: {Action.PRIORITY},
    Right.CLOSE: {Action.CLOSE, Action.REOPEN, Action.MERGE},
    Right.MOVE_INTO: set(),
    Right.STEAL: set(),
    Right.VERIFY: {Action.CLAIMS, Action.VERIFY, Action.RESTORE, Action.REFUSE},
    Right.FILE_TASK: {Action.FILE_TASK},
    # Every action but the Passwords and Solvers tools, which a group is given by name.
    Right.RW: set(AGENT_ACTIONS)
    - {Action.CLAIMS, Action.VERIFY, Action.RESTORE, Action.REFUSE, Action.FILE_TASK},
}


@pytest.mark.parametrize("right", list(Right))
@pytest.mark.parametrize("action", sorted(AGENT_ACTIONS))
def test_every_right_and_action(right: Right, action: Action) -> None:
    here = expand([right])
    allowed = refusal(action, here, target=expand(["move_into"]), target_name="Web") is None
    assert allowed == (action in ALLOWS[right])


def test_every_right_but_move_into_reads_and_rw_does_not_steal() -> None:
    assert {r for r in Right if Right.RO in expand([r])} == set(Right) - {Right.MOVE_INTO}
    assert Right.STEAL not in expand(["rw"]) and Right.STEAL in expand(["rw", "steal"])


def test_a_move_needs_move_into_on_its_target() -> None:
    assert refusal(Action.MOVE, expand(["rw"]), expand(["ro"]), "Web") == (
        "no move_into right for queue 'Web'"
    )
    assert refusal(Action.MOVE, expand(["note"]), expand(["move_into"]), "Web") == (
        "move needs the owner right in this queue"
    )


def test_an_unknown_right_is_refused_with_the_known_ones() -> None:
    with pytest.raises(RightsError, match="unknown right 'write'; known: ro, note"):
        expand(["write"])


def desk_with(groups: object) -> dict[str, Any]:
    """The example's mail project as a desk of its own, with these `groups:`."""
    example = yaml.safe_load(Settings().desk_config.read_text())
    desk = dict(example["projects"][0])
    del desk["name"], desk["mailboxes"]
    desk["groups"] = groups
    return desk


@pytest.mark.parametrize(
    ("groups", "reason"),
    [
        ([{"name": "g", "rights": {"Nowhere": ["rw"]}}], "group 'g': unknown queue 'Nowhere'"),
        ([{"name": "g", "rights": {"Inbox": ["write"]}}], "group 'g': unknown right 'write'"),
        ([{"name": "g"}, {"name": "g"}], "group 'g' is listed twice"),
    ],
)
def test_a_desk_with_wrong_rights_is_refused_with_the_reason(groups: object, reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        DeskConfig.model_validate(desk_with(groups))


def test_without_groups_a_queue_s_group_has_every_right_in_it() -> None:
    desk = DeskConfig.model_validate(desk_with([]))
    first_line = frozenset({"first-line"})
    assert Seat("main", desk, first_line).visible_queues() == ["Inbox"]
    assert Right.RW not in desk.rights_in(first_line, "Inbox")  # rw is spelled out
    assert refusal(Action.ANSWER, desk.rights_in(first_line, "Inbox")) is None
    assert desk.rights_in(first_line, "Web") == {Right.MOVE_INTO}
    supervisors = Seat("main", desk, frozenset({"supervisors"}))
    assert len(supervisors.visible_queues()) == len(desk.queues)
