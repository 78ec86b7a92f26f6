"""How the console says a moment: in the desk's time zone (where its agents work), with
its age ("5 min ago") in the agent's language; the exact UTC moment stays in the
element's `datetime` and title."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from markupsafe import Markup

from ticketflow.console.i18n import translations

TIME = Markup('<time datetime="{}" title="{}"{}>{}</time> <small class="age">{}</small>')
COUNTDOWN = Markup(' data-countdown data-in="{}" data-ago="{}"')


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def age(language: str, delta: timedelta) -> str:
    """How long ago (or, negative, how soon) in words: "5 min ago", "in 2 h"."""
    catalogue = translations(language)
    seconds = delta.total_seconds()
    ahead, seconds = seconds < 0, abs(seconds)
    if seconds < 60:
        return str(catalogue.gettext("just now"))
    for size, past, future in (
        (86400, "%(n)s d ago", "in %(n)s d"),
        (3600, "%(n)s h ago", "in %(n)s h"),
        (60, "%(n)s min ago", "in %(n)s min"),
    ):
        if seconds >= size:
            return str(catalogue.gettext(future if ahead else past)) % {"n": int(seconds // size)}
    raise AssertionError("unreachable")


def shown(at: datetime | None, zone: str) -> str | None:
    """The moment as the console writes it, in `zone`; None for none."""
    if at is None:
        return None
    return _aware(at).astimezone(_zone(zone)).strftime("%Y-%m-%d %H:%M")


def moment(
    language: str, at: datetime | None, zone: str = "UTC", countdown: bool = False
) -> Markup:
    """A `<time>` element: the moment in `zone` and its age; "–" for none. A countdown's
    age is kept counting by the page's script, in the words it carries."""
    if at is None:
        return Markup("–")
    at = _aware(at)
    title = f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    attribute = Markup("")
    if countdown:
        catalogue = translations(language)
        soon, ago = (str(catalogue.gettext(w)) for w in ("in %(n)s min", "%(n)s min ago"))
        attribute = COUNTDOWN.format(soon.replace("%(n)s", "{n}"), ago.replace("%(n)s", "{n}"))
    ago_words = age(language, datetime.now(UTC) - at)
    return TIME.format(at.isoformat(), title, attribute, shown(at, zone), ago_words)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
