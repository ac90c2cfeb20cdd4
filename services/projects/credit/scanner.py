"""Overdue loans are found as time passes, not only when a bank's feed or a county's scan comes in: a
task inside the service scans every loan once an interval. Replicas need no lock: the scan's UPDATE
marks each loan reported once (a racing replica's waits for the row and then finds it reported)."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from fastapi import FastAPI

from services.projects.credit.service import report_overdue

logger = logging.getLogger("fangpin.credit")


async def scan_once(app: FastAPI) -> int:
    async with app.state.database.sessionmaker() as session, session.begin():
        return await report_overdue(session, "")  # every area: the service's own work, no caller


async def _run(app: FastAPI, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        try:
            if found := await scan_once(app):
                logger.info("micro-credit: %d loans found overdue and reported to monitoring", found)
        except asyncio.CancelledError:
            raise
        except Exception:  # a database that is away now may be back next time
            logger.exception("micro-credit: the overdue scan failed; trying again later")


async def start_scanner(app: FastAPI) -> None:
    interval_s = app.state.settings.credit_scan_interval_s
    app.state.credit_scanner = asyncio.create_task(_run(app, interval_s), name="credit-overdue-scan")


async def stop_scanner(app: FastAPI) -> None:
    if (task := getattr(app.state, "credit_scanner", None)) is not None:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
