"""The calendar the work runs on: China Standard Time. "Today", a visit's date, a year's threshold and
"as of" statistics are China's calendar days, whatever the server's clock zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8))


def china_today() -> date:
    return datetime.now(CHINA).date()
