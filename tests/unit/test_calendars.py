"""Business-time maths: working hours, holidays, DST, midnight and year ends (pure)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ticketflow.tickets.calendars import (
    WEEKDAYS,
    BusinessCalendar,
    CalendarError,
    CalendarSpec,
    calendar_for,
    parse_hours,
)

MSK = ZoneInfo("Europe/Moscow")
BERLIN = ZoneInfo("Europe/Berlin")
H = timedelta(hours=1)
M = timedelta(minutes=1)


def every_day(
    zone: str, hours: str = "09:00-21:00", holidays: list[str] | None = None
) -> BusinessCalendar:
    spec = CalendarSpec(zone, {d: parse_hours(hours) for d in WEEKDAYS}, holidays or [])
    return BusinessCalendar(spec)


def at(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args[:3], *args[3:], tzinfo=zone)  # type: ignore[arg-type,misc]


MOSCOW = every_day("Europe/Moscow")


def test_friday_evening_mail_escalates_on_saturday_morning() -> None:
    # 2026-11-27 is a Friday: ten minutes that day, fifty the next morning.
    assert MOSCOW.add(at(MSK, 2026, 11, 27, 20, 50), H) == at(MSK, 2026, 11, 28, 9, 50)


@pytest.mark.parametrize(
    ("start", "due"),
    [
        ((2026, 11, 27, 3, 0), (2026, 11, 27, 10, 0)),  # before hours: from 09:00
        ((2026, 11, 27, 22, 0), (2026, 11, 28, 10, 0)),  # after hours: from tomorrow
        ((2026, 11, 27, 9, 0), (2026, 11, 27, 10, 0)),  # on the opening minute
        ((2026, 11, 27, 20, 0), (2026, 11, 27, 21, 0)),  # ends exactly at closing
    ],
)
def test_an_hour_from_any_instant(start: tuple[int, ...], due: tuple[int, ...]) -> None:
    assert MOSCOW.add(at(MSK, *start), H) == at(MSK, *due)


def test_holidays_are_skipped_and_cross_the_year_end() -> None:
    cal = every_day("Europe/Moscow", holidays=["2027-01-01", "2027-01-02"])
    due = cal.add(at(MSK, 2026, 12, 31, 20, 30), H)
    assert due == at(MSK, 2027, 1, 3, 9, 30)
    assert cal.between(at(MSK, 2026, 12, 31, 20, 30), due) == H


def test_days_without_hours_are_skipped() -> None:
    hours = {d: parse_hours("09:00-18:00") for d in WEEKDAYS[:5]}
    weekdays = BusinessCalendar(CalendarSpec("Europe/Berlin", hours))
    friday = at(BERLIN, 2026, 11, 27, 17, 30)
    assert weekdays.add(friday, H) == at(BERLIN, 2026, 11, 30, 9, 30)
    assert weekdays.between(friday, at(BERLIN, 2026, 11, 30, 12, 0)) == timedelta(hours=3.5)


def test_several_intervals_a_day_and_hours_through_midnight() -> None:
    split = every_day("Europe/Moscow", "09:00-13:00, 14:00-18:00")
    assert split.add(at(MSK, 2026, 11, 27, 12, 30), H) == at(MSK, 2026, 11, 27, 14, 30)
    nights = every_day("Europe/Moscow", "00:00-02:00, 22:00-24:00")
    assert nights.add(at(MSK, 2026, 12, 31, 23, 0), 2 * H) == at(MSK, 2027, 1, 1, 1, 0)


def test_spring_forward_day_is_an_hour_shorter_in_a_round_the_clock_calendar() -> None:
    cal = every_day("Europe/Berlin", "00:00-24:00")
    day = (at(BERLIN, 2026, 3, 29, 0, 0), at(BERLIN, 2026, 3, 30, 0, 0))
    assert cal.between(*day) == 23 * H
    # 01:30 + 1 h of real time is 03:30 local: 02:00-03:00 does not exist that night.
    assert cal.add(at(BERLIN, 2026, 3, 29, 1, 30), H) == at(BERLIN, 2026, 3, 29, 3, 30)


def test_fall_back_day_is_an_hour_longer() -> None:
    cal = every_day("Europe/Berlin", "00:00-24:00")
    assert cal.between(at(BERLIN, 2026, 10, 25, 0, 0), at(BERLIN, 2026, 10, 26, 0, 0)) == 25 * H


def test_working_hours_keep_their_wall_clock_across_dst() -> None:
    cal = every_day("Europe/Berlin")
    # Saturday 20:30 CEST + 1 h: 30 minutes, then 30 from Sunday 09:00 CET (UTC+1).
    due = cal.add(at(BERLIN, 2026, 10, 24, 20, 30), H)
    assert due == at(BERLIN, 2026, 10, 25, 9, 30)
    assert due.astimezone(BERLIN).utcoffset() == H


def test_an_opening_time_inside_the_dst_gap_means_the_moment_of_the_change() -> None:
    cal = every_day("Europe/Berlin", "02:30-04:00")
    opens = cal.add(at(BERLIN, 2026, 3, 29, 0, 0), M) - M
    assert opens == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)  # 03:00 CEST
    assert cal.between(at(BERLIN, 2026, 3, 29, 0, 0), at(BERLIN, 2026, 3, 29, 12, 0)) == H


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        (CalendarSpec("Mars/Olympus", {"mon": [[540, 1260]]}), "unknown time zone"),
        (CalendarSpec("UTC", {}), "at least one weekday"),
        (CalendarSpec("UTC", {"mon": [[600, 540]]}), "bad working interval"),
        (CalendarSpec("UTC", {"mon": [[540, 800], [700, 900]]}), "overlapping"),
        (CalendarSpec("UTC", {"monday": [[540, 800]]}), "unknown weekday"),
    ],
)
def test_broken_calendars_are_refused_with_the_reason(spec: CalendarSpec, reason: str) -> None:
    with pytest.raises(CalendarError, match=reason):
        BusinessCalendar(spec)


@pytest.mark.parametrize("text", ["9-21", "09:00-25:00", "09:60-10:00", "nine to five"])
def test_bad_hours_text_is_refused(text: str) -> None:
    with pytest.raises(CalendarError, match="HH:MM-HH:MM"):
        parse_hours(text)


def test_calendars_are_shared_per_spec() -> None:
    spec = CalendarSpec("Europe/Moscow", {"mon": [[540, 1260]]})
    assert calendar_for(spec) is calendar_for(CalendarSpec("Europe/Moscow", {"mon": [[540, 1260]]}))


# --- properties, over zones with and without DST and odd working hours ------------------

ZONES = ["Europe/Moscow", "Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "UTC"]
hours_text = st.sampled_from(
    ["09:00-21:00", "00:00-24:00", "08:00-12:00, 13:00-17:00", "01:30-03:30", "22:00-24:00", ""]
)


@st.composite
def calendars(draw: st.DrawFn) -> BusinessCalendar:
    zone = draw(st.sampled_from(ZONES))
    week = {d: parse_hours(draw(hours_text)) for d in WEEKDAYS}
    if not any(week.values()):
        week["wed"] = parse_hours("10:00-11:00")
    holidays = draw(st.lists(st.dates(date(2026, 1, 1), date(2027, 12, 31)), max_size=5))
    return BusinessCalendar(CalendarSpec(zone, week, [d.isoformat() for d in holidays]))


instants = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
# Up to two days of work: the sparsest calendar drawn (an hour a week) gives it in a year.
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=2))


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, durations)
def test_adding_then_measuring_gives_the_same_duration(
    cal: BusinessCalendar, start: datetime, duration: timedelta
) -> None:
    due = cal.add(start, duration)
    assert due >= start
    assert cal.between(start, due) == duration


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, durations, durations)
def test_adding_is_monotonic_and_lands_in_working_time(
    cal: BusinessCalendar, start: datetime, a: timedelta, b: timedelta
) -> None:
    short, long = sorted((a, b))
    assert cal.add(start, short) <= cal.add(start, long)
    if long > timedelta(0):
        # The deadline is the end of a worked moment: the instant just before it is working.
        assert cal.is_working(cal.add(start, long) - timedelta(microseconds=1))


@settings(max_examples=300, deadline=None)
@given(calendars(), instants, instants, instants)
def test_measuring_is_additive(
    cal: BusinessCalendar, a: datetime, b: datetime, c: datetime
) -> None:
    a, b, c = sorted((a, b, c))
    assert cal.between(a, b) + cal.between(b, c) == cal.between(a, c)
    assert cal.between(c, a) == -cal.between(a, c)
