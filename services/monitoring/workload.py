"""Gauges of the monitoring workload, counted when /metrics is read: alerts and cases by state, and
cases past their decision date (what a county office watches)."""

from __future__ import annotations

from fastapi import FastAPI
from prometheus_client import Gauge
from sqlalchemy import func
from sqlmodel import select

from services.common.calendar import china_today
from services.monitoring.cases.repository import overdue_on_day
from services.monitoring.models import Alert, Case

ALERTS = Gauge("fangpin_alerts", "Alerts by state", ["state"])
CASES = Gauge("fangpin_cases", "Identification and exit cases by state", ["state"])
CASES_OVERDUE = Gauge("fangpin_cases_overdue", "Undecided cases past their decision date")


async def record_workload(app: FastAPI) -> None:
    database = getattr(app.state, "database", None)
    if database is None:
        return
    today = china_today()
    async with database.read_sessionmaker() as session:
        alerts = (await session.execute(select(Alert.state, func.count()).group_by(Alert.state))).all()
        cases = (await session.execute(select(Case.state, func.count()).group_by(Case.state))).all()
        overdue = await session.scalar(select(func.count()).select_from(Case).where(*overdue_on_day(today)))
    for gauge, counts in ((ALERTS, alerts), (CASES, cases)):
        gauge.clear()  # a state with no rows left reads as absent, not as its last count
        for state, count in counts:
            gauge.labels(state).set(count)
    CASES_OVERDUE.set(overdue or 0)
