"""Employment statistics of an area on a date and a year before: counts only, no person named."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from services.jobs.employment.codes import EmploymentStatus


class Figure(BaseModel):
    current: int = Field(description="On as_of")
    previous: int = Field(description="On the same date a year earlier")
    change: int = Field(description="current − previous")


class StatusFigure(Figure):
    status: EmploymentStatus
    label: str


class CategoryFigure(Figure):
    household_category: str = Field(description="escaped 脱贫户, monitored 监测户, ordinary 一般农户")
    label: str


class TypeFigure(Figure):
    monitoring_type: str = Field(
        description="escaped 脱贫户, unstable 脱贫不稳定户, marginal 边缘易致贫户, "
        "sudden_hardship 突发严重困难户, "
        "monitored 监测户 of a type not recorded, ordinary 一般农户"
    )
    label: str


class DestinationFigure(Figure):
    destination: str | None = Field(
        description="The province's division code (e.g. 420000000000), else the place in words "
        "(abroad); null: not recorded"
    )


class ChildFigures(BaseModel):
    area_code: str
    people: Figure
    away: Figure


class EmploymentStats(BaseModel):
    area_code: str
    as_of: date
    previous_as_of: date = Field(description="The same date a year earlier (29 February: the 28th)")
    people: Figure = Field(description="People with a known status")
    by_status: list[StatusFigure]
    away: Figure = Field(description="Working away (外出务工): the three away_* statuses")
    away_by_household_category: list[CategoryFigure]
    away_by_monitoring_type: list[TypeFigure] = Field(
        description="Those away by the household's category, a 监测户 by its monitoring type (篇1: 脱贫 882, "
        "边缘易致贫 18)"
    )
    away_by_destination: list[DestinationFigure]
    children: list[ChildFigures] = Field(description="People and those away, for each area one level down")
