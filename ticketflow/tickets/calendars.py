"""Business calendars: working hours in a time zone, holidays, and business-time maths.

Pure functions. Workflow code imports this module through
`workflow.unsafe.imports_passed_through()` and passes `workflow.now()`: `zoneinfo` does not
work inside the sandbox, so every `ZoneInfo` is made here.

Working hours are wall-clock intervals per weekday, `[start, end)` in minutes of the day
(`24 * 60` is midnight at the day's end). On a day when the clocks change, an interval
lasts the real time between its two wall-clock ends: 09:00-21:00 on a spring-forward day
that changes at 10:00 is 11 hours. A wall time that does not exist (inside a gap) stands for
the instant of the change; one that happens twice (a fall-back) for its first occurrence.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAY_MINUTES = 24 * 60
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far ahead a deadline is looked for: a calendar that works less than this is broken.
MAX_DAYS_AHEAD = 3 * 366
ZERO = timedelta(0)


@dataclass
class CalendarSpec:
    """A calendar as configured; plain data, so workflows can carry it."""

    zone: str
    # Weekday ("mon" ... "sun") -> working intervals [start, end) in minutes of the day.
    hours: dict[str, list[list[int]]]
    holidays: list[str] = field(default_factory=list)  # ISO dates, local to the zone


class CalendarError(ValueError):
    pass


class BusinessCalendar:
    def __init__(self, spec: CalendarSpec) -> None:
        try:
            self.zone = ZoneInfo(spec.zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise CalendarError(f"unknown time zone {spec.zone!r}") from exc
        self.hours: dict[int, list[tuple[int, int]]] = {}
        for name, intervals in spec.hours.items():
            if name not in WEEKDAYS:
                raise CalendarError(f"unknown weekday {name!r}: use {', '.join(WEEKDAYS)}")
            weekday = WEEKDAYS.index(name)
            checked = sorted((int(a), int(b)) for a, b in intervals)
            for i, (a, b) in enumerate(checked):
                if not 0 <= a < b <= DAY_MINUTES:
                    raise CalendarError(f"bad working interval {a}-{b} on {name}")
                if i + 1 < len(checked) and checked[i + 1][0] < b:
                    raise CalendarError(f"overlapping working hours on {name}")
            self.hours[int(weekday)] = checked
        if not any(self.hours.values()):
            raise CalendarError("a calendar needs working hours on at least one weekday")
        self.holidays = frozenset(date.fromisoformat(d) for d in spec.holidays)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant (in UTC) at which `duration` of working time after `start` has passed."""
        # In UTC: arithmetic on two datetimes of one zone would follow the wall clock.
        start = _utc(start)
        if duration <= ZERO:
            return start
        left = duration
        for begin, end in self._intervals_from(start):
            begin = max(begin, start)
            if end - begin >= left:
                return begin + left
            left -= end - begin
        raise CalendarError(f"no working time within {MAX_DAYS_AHEAD} days")  # pragma: no cover

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The working time from `start` to `end` (negative when `end` comes first)."""
        start, end = _utc(start), _utc(end)
        if end < start:
            return -self.between(end, start)
        total = ZERO
        for begin, stop in self._intervals_from(start):
            if begin >= end:
                break
            total += min(stop, end) - max(begin, start)
        return total

    def is_working(self, instant: datetime) -> bool:
        instant = _utc(instant)
        return any(b <= instant < e for b, e in self._day_intervals(self._local_date(instant)))

    def _intervals_from(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working intervals that end after `start`, in order."""
        # From the day before: an interval of that day may end at midnight, after `start`.
        day = self._local_date(start) - timedelta(days=1)
        for _ in range(MAX_DAYS_AHEAD):
            for begin, end in self._day_intervals(day):
                if end > start:
                    yield begin, end
            day += timedelta(days=1)

    def _local_date(self, instant: datetime) -> date:
        return instant.astimezone(self.zone).date()

    def _day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        if day in self.holidays:
            return []
        return [
            (self._instant(day, a), self._instant(day, b))
            for a, b in self.hours.get(day.weekday(), [])
        ]

    def _instant(self, day: date, minute: int) -> datetime:
        """The first instant at which the wall clock of `day` shows `minute` or later."""
        if minute >= DAY_MINUTES:
            return self._instant(day + timedelta(days=1), 0)
        return first_instant_at(self.zone, datetime.combine(day, time(minute // 60, minute % 60)))


def _utc(instant: datetime) -> datetime:
    if instant.tzinfo is None:
        raise ValueError("business-time maths needs aware datetimes")
    return instant.astimezone(UTC)


def first_instant_at(zone: ZoneInfo, wall: datetime) -> datetime:
    """The first instant (in UTC) whose wall clock in `zone` reads `wall` or later."""
    early = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if early.astimezone(zone).replace(tzinfo=None) == wall:
        return early  # exists; for a doubled wall time, fold=0 is its first occurrence
    # In a gap: the change happens between the two readings of `wall`; find it.
    low = wall.replace(tzinfo=zone, fold=1).astimezone(UTC)
    high = early
    low, high = min(low, high), max(low, high)
    while high - low > timedelta(seconds=1):
        mid = low + (high - low) / 2
        if mid.astimezone(zone).replace(tzinfo=None) >= wall:
            high = mid
        else:
            low = mid
    return high.replace(microsecond=0) if high.microsecond else high


HoursKey = tuple[tuple[str, tuple[tuple[int, ...], ...]], ...]


@lru_cache(maxsize=256)
def _cached(zone: str, hours: HoursKey, holidays: tuple[str, ...]) -> BusinessCalendar:
    spec = CalendarSpec(zone, {d: [list(i) for i in iv] for d, iv in hours}, list(holidays))
    return BusinessCalendar(spec)


def calendar_for(spec: CalendarSpec) -> BusinessCalendar:
    """One calendar object per distinct spec: workflows ask for theirs on every timer.
    Calendars are immutable, so sharing them between workflows is deterministic."""
    hours = tuple(sorted((d, tuple(tuple(i) for i in iv)) for d, iv in spec.hours.items()))
    return _cached(spec.zone, hours, tuple(spec.holidays))


def parse_hours(text: str) -> list[list[int]]:
    """ "09:00-13:00, 14:00-21:00" -> [[540, 780], [840, 1260]]; "" -> no working hours."""
    intervals: list[list[int]] = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        try:
            a, b = (p.strip() for p in part.split("-"))
            intervals.append([_minutes(a), _minutes(b)])
        except ValueError as exc:
            raise CalendarError(f"bad working hours {part!r}: use HH:MM-HH:MM") from exc
    return intervals


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    value = int(hours) * 60 + int(minutes)
    if not 0 <= int(minutes) < 60 or not 0 <= value <= DAY_MINUTES:
        raise ValueError(hhmm)
    return value
