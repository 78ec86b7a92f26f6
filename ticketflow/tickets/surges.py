"""Early warning: tickets of one queue, or with one hint, arriving faster than usual.

The first line is the early-warning post of an outage; this says it out loud. The last
hour's new tickets are counted by queue and by hint, and so are those of the same hour on
each of the past weeks' days; a count at least `factor` times its usual mean (and at least
`minimum`: ten tickets where two are usual is no outage) is a surge. Pure: the counts come
from the read model.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

QUEUE, HINT = "queue", "hint"
WINDOW = timedelta(hours=1)
# The windows the usual rate is the mean of: the same hour on each of the past 28 days.
PAST_DAYS = 28

Key = tuple[str, str]  # (QUEUE or HINT, its name)


@dataclass(frozen=True)
class Surge:
    kind: str  # QUEUE or HINT
    name: str
    count: int  # new tickets in the last hour
    usual: float  # the mean of the same hour on the past days


def windows(now: datetime, days: int = PAST_DAYS) -> list[tuple[datetime, datetime]]:
    """The last hour, then the same hour on each of the `days` days before."""
    return [(now - WINDOW - timedelta(days=d), now - timedelta(days=d)) for d in range(days + 1)]


def find_surges(
    now: Mapping[Key, int],
    past: Sequence[Mapping[Key, int]],
    factor: float,
    minimum: int,
) -> list[Surge]:
    """The surges among the last hour's counts (`now`) against the past windows' counts,
    the largest first."""
    found = []
    for (kind, name), count in now.items():
        usual = sum(p.get((kind, name), 0) for p in past) / len(past) if past else 0.0
        if count >= minimum and count >= factor * usual:
            found.append(Surge(kind, name, count, usual))
    return sorted(found, key=lambda s: (-s.count, s.kind, s.name))
