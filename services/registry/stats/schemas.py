"""Registry statistics of an area on a date: counts only, no household or person named."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, Field

from services.registry.codes import Health, LabourAbility, Programme


class Counts(BaseModel):
    households: int
    people: int


class ChildCounts(Counts):
    area_code: str
    name: str | None = Field(description="The area's name (a merged-away village keeps its old name)")


class ProgrammeCounts(Counts):
    programme: Programme
    label: str


class AreaCounts(Counts):
    area_code: str
    as_of: date
    children: list[ChildCounts] = Field(description="The same counts for each area one level down")
    programmes: list[ProgrammeCounts]


class HealthCount(BaseModel):
    health: Health
    label: str
    people: int


class LabourCount(BaseModel):
    labour_ability: LabourAbility
    label: str
    people: int


class IllHouseholds(BaseModel):
    households: int = Field(description="Households with a member of long-term chronic or serious illness")
    by_programme: dict[str, int] = Field(
        description="Of those, the households holding each programme today "
        "(escaped: 脱贫户, the seeds' 贫困户)"
    )


class PeopleChild(BaseModel):
    area_code: str
    name: str | None
    people: int
    unable_to_work: int = Field(description="无劳动力, any cause (children and the very old too)")
    disabled_unable_to_work: int = Field(description="残疾、智障丧失劳动能力: disabled and 无劳动力")
    ill_households: int


class PeopleFigures(BaseModel):
    """People by health, disability and labour ability as registered today (these are not dated)."""

    area_code: str
    as_of: date = Field(description="Today (China): health and labour ability are kept as they are now")
    people: int
    by_health: list[HealthCount]
    by_labour_ability: list[LabourCount]
    labour_ability_unknown: int
    by_disability_grade: dict[str, int] = Field(description="Disabled people by grade (1 is the most severe)")
    disabled_unable_to_work: int = Field(
        description="残疾、智障丧失劳动能力 (篇5: 64): disabled and 无劳动力"
    )
    ill_households: IllHouseholds
    children: list[PeopleChild] = Field(description="The same counts for each area one level down")
