"""The calendar the work runs on: China Standard Time. "Today", a visit's date, a year's threshold and
"as of" statistics are China's calendar days, whatever the server's clock zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))


def china_today() -> date:
    return datetime.now(CHINA).date()


def china_day_end(day: date) -> datetime:
    """The first moment after ``day`` in China: "as of a day" means before this (the last day there is
    ends at the end of time rather than overflowing)."""
    if day == date.max:
        return datetime.max.replace(tzinfo=CHINA)
    return datetime.combine(day + timedelta(days=1), datetime.min.time(), CHINA)
