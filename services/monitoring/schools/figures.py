"""The 控辍保学 figures of an area on a day (篇2): children 6–15, where they study, the proven share,
the unproven outside the county by family, and the children out of school and brought back."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import prefix_of
from services.monitoring.schools.repository import ChildRepository
from services.monitoring.schools.schemas import (
    IN_SCHOOL,
    FamilyCount,
    PlaceCount,
    ReturnStep,
    SchoolStats,
    StudyPlace,
)


async def school_stats(session: AsyncSession, area: str, day: date) -> SchoolStats:
    repository, prefix = ChildRepository(session), prefix_of(area)
    places = await repository.places(prefix, day)
    in_school = sum(places.get(p.value, 0) for p in IN_SCHOOL)
    proven = await repository.proven(prefix, day)
    unproven = await repository.unproven_outside(prefix, day)
    steps, returned = await repository.return_steps(prefix, day)
    return SchoolStats(
        area_code=area,
        as_of=day,
        children=sum(places.values()),
        by_study_place=[
            PlaceCount(study_place=p, label=p.label, children=places.get(p.value, 0)) for p in StudyPlace
        ]
        + [PlaceCount(study_place=None, label="待核实", children=places.get(None, 0))],
        in_school=in_school,
        proven=proven,
        proven_share_pct=round(100 * proven / in_school, 2) if in_school else None,
        unproven_outside_county=sum(n for _, _, n in unproven),
        unproven_outside_county_by_family=[
            FamilyCount(household_id=h, family_ref=f, children=n) for h, f, n in unproven
        ],
        out_of_school=places.get(StudyPlace.not_in_school.value, 0),
        home_schooling=places.get(StudyPlace.home_schooling.value, 0),
        being_returned={s.value: steps.get(s.value, 0) for s in (ReturnStep.found, ReturnStep.persuaded)},
        returned=returned,
    )
