"""Tests that count what a compaction folds must not race the part's own background compaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from services.common.rollups.compaction import Compactor


@asynccontextmanager
async def compactor_paused(system: FastAPI, part: str) -> AsyncIterator[Compactor]:
    """The part's rollup compactor with its background run stopped, so the test alone folds and
    refreshes: the background folds once a minute (stale subjects every 5 s), at any moment of a
    test that shares the session's system."""
    compactor = system.state.local_apps[part].state.rollup_compactor
    await compactor.stop()
    try:
        yield compactor
    finally:
        compactor.start()
