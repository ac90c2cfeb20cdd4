"""The feed's sources: see the package's text for how to add one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from pydantic import BaseModel
from sqlmodel import SQLModel

from services.monitoring.measures.schemas import MeasureRead
from services.monitoring.models import HouseholdRequest, Measure, ScreeningRound, ScreeningRoundHousehold
from services.monitoring.requests.schemas import RequestRead
from services.monitoring.rounds.schemas import RoundHouseholdRead, RoundRead
from services.monitoring.schools.models import SchoolChild
from services.monitoring.schools.schemas import ChildRead


@dataclass(frozen=True)
class FeedSource:
    name: str  # as the phone sees it, and as the trigger logs it (sql/070_phone_feed.sql)
    table: type[SQLModel]  # with ``id`` (uuid) and ``area_code`` columns
    read: type[BaseModel]  # what a row is sent as
    reaches_down: bool = False  # a row of an area reaches the phones of the areas below it


SOURCES: tuple[FeedSource, ...] = (
    FeedSource("plans", Measure, MeasureRead),
    FeedSource("rounds", ScreeningRound, RoundRead, reaches_down=True),
    FeedSource("round_households", ScreeningRoundHousehold, RoundHouseholdRead),
    FeedSource("requests", HouseholdRequest, RequestRead),
    FeedSource("children", SchoolChild, ChildRead),  # 控辍保学: the village's children 6–15
)
BY_NAME = {s.name: s for s in SOURCES}
# Changes when a source is added: a phone's cursor of before restarts, to download the new source too.
SOURCES_TAG = hashlib.sha256(",".join(s.name for s in SOURCES).encode()).hexdigest()[:12]
