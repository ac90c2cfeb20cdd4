"""Appraisal: set a scheme (a new version from a date) and score the units of a level as of a date.

Scores are computed on request from the figures (nothing stored): each unit's scheme is the one in force
on the date for its village (``repository.in_force_for``), so a new version — next year's, or this
year's from a later day — leaves the scores of earlier dates as they were.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import is_village, prefix_of
from services.common.auth import Principal
from services.common.errors import ValidationFailed
from services.common.ids import new_id
from services.common.scope import area_to_create_in
from services.oversight.appraisal.figures import PeerFigures, presence_outcome, tasks_outcome
from services.oversight.appraisal.indicators import (
    LEVEL_INDICATORS,
    Indicator,
    Level,
    Outcome,
    Rule,
    score_of,
    total_of,
)
from services.oversight.appraisal.models import AppraisalScheme
from services.oversight.appraisal.repository import AppraisalRepository
from services.oversight.appraisal.schemas import AppraisalScores, IndicatorScore, SchemeSet, UnitScore
from services.oversight.repository import OversightRepository
from services.oversight.stats.schemas import MemberPresence
from services.oversight.stats.service import presence_of_members


def _refuse(path: list[str | int], message: str, code: str) -> ValidationFailed:
    return ValidationFailed.field(["body", *path], message, code)


def _check(body: SchemeSet) -> date:
    effective_from = body.effective_from or date(body.year, 1, 1)
    if effective_from.year != body.year:
        raise _refuse(
            ["effective_from"], f"{effective_from} is not in {body.year}", "effective_from_outside_year"
        )
    seen: set[Indicator] = set()
    for index, rule in enumerate(body.indicators):
        if rule.indicator in seen:
            raise _refuse(["indicators", index, "indicator"], f"{rule.indicator} twice", "indicator_repeated")
        if rule.indicator not in LEVEL_INDICATORS[body.level]:
            raise _refuse(
                ["indicators", index, "indicator"],
                f"{rule.indicator} is not counted per {body.level.value}",
                "indicator_not_for_level",
            )
        seen.add(rule.indicator)
    if (total := sum(r.weight for r in body.indicators)) != 100:
        raise _refuse(["indicators"], f"The weights sum to {total}, not 100", "weights_not_100")
    return effective_from


@dataclass
class Unit:
    unit_id: uuid.UUID | None
    name: str
    village_code: str
    members: list[MemberPresence] = field(default_factory=list)
    cadre_id: uuid.UUID | None = None


class AppraisalService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repository = AppraisalRepository(session)

    async def set_scheme(self, body: SchemeSet, principal: Principal) -> tuple[AppraisalScheme, bool]:
        """The version in force from its date, and whether this request made it (False: the latest
        version says the same already — a retry)."""
        area_to_create_in(body.area_code, principal)
        effective_from = _check(body)
        indicators = [r.model_dump(mode="json") for r in body.indicators]
        await self.repository.lock_schemes(body.area_code, body.year, body.level.value)
        latest = await self.repository.latest(body.area_code, body.year, body.level.value)
        if latest is not None:
            if (latest.effective_from, latest.indicators, latest.note) == (
                effective_from,
                indicators,
                body.note,
            ):
                return latest, False
        # Neither a new version nor an area's own scheme may change the scores of days already scored
        # under a scheme in force there: it starts no earlier than the last to start (its own or above).
        last = await self.repository.latest_start(body.area_code, body.year, body.level.value)
        if last is not None and effective_from < last.effective_from:
            raise _refuse(
                ["effective_from"],
                f"The scheme of {last.area_code} (version {last.version}) is in force here from "
                f"{last.effective_from}; a new one starts on or after it, so earlier scores stay as "
                "they were",
                "effective_before_latest",
            )
        row = AppraisalScheme(
            id=new_id(),
            area_code=body.area_code,
            year=body.year,
            level=body.level.value,
            version=(latest.version if latest else 0) + 1,
            effective_from=effective_from,
            indicators=indicators,
            note=body.note,
            created_by=principal.id,
        )
        return await self.repository.add(row), True

    async def _units(self, level: Level, area: str, day: date) -> list[Unit]:
        first = date(day.year, 1, 1)
        presence = await presence_of_members(self.session, area, day)
        if level is Level.cadre:
            rows = await OversightRepository(self.session).members_serving(prefix_of(area), first, day)
            cadres = {m.id: m.cadre_id for m in rows}
            return [Unit(m.member_id, m.name, m.village_code, [m], cadres.get(m.member_id)) for m in presence]
        teams = await self.repository.teams_serving(prefix_of(area), first, day)
        if level is Level.work_team:
            members = await OversightRepository(self.session).members_of([t.id for t in teams])
            team_of = {m.id: team_id for team_id, ms in members.items() for m in ms}
            names = await self.repository.unit_names({t.unit_id for t in teams})
            return [
                Unit(
                    t.id,
                    f"{names.get(t.unit_id, '')}驻村工作队",
                    t.village_code,
                    [m for m in presence if team_of.get(m.member_id) == t.id],
                )
                for t in teams
            ]
        villages = {t.village_code for t in teams} | set(
            await self.repository.item_villages(prefix_of(area), day)
        )
        return [
            Unit(None, v, v, [m for m in presence if m.village_code == v])
            for v in sorted(villages)
            if is_village(v)
        ]

    async def scores(self, request: Request, level: Level, area: str, day: date) -> AppraisalScores:
        units = await self._units(level, area, day)
        villages = sorted({u.village_code for u in units})
        schemes = await self.repository.in_force_for(villages, level.value, day)
        wanted = {r["indicator"] for s in schemes.values() if s for r in s.indicators}
        peers = PeerFigures(request, day)
        await peers.load(
            [v for v in villages if schemes.get(v)],
            monitoring=bool(wanted & {Indicator.visit_compliance.value, Indicator.risk_eliminated.value}),
            jobs=Indicator.labour_employed.value in wanted,
        )
        tasks = (
            await self.repository.task_figures(villages, day)
            if Indicator.tasks_closed_on_time.value in wanted
            else {}
        )
        items = [
            self._score(unit, schemes.get(unit.village_code), level, peers, tasks, day) for unit in units
        ]
        items.sort(key=lambda s: (s.total is None, -(s.total or 0), s.name))
        return AppraisalScores(area_code=area, as_of=day, year=day.year, level=level.value, items=items)

    def _outcome(
        self,
        indicator: Indicator,
        unit: Unit,
        level: Level,
        peers: PeerFigures,
        tasks: dict[str, tuple[int, int, int, int]],
        day: date,
    ) -> Outcome:
        village = unit.village_code
        if indicator is Indicator.visit_compliance:
            return peers.visits(village, unit.cadre_id, of_cadre=level is Level.cadre)
        if indicator is Indicator.days_in_village:
            return presence_outcome(unit.members, day)
        if indicator is Indicator.tasks_closed_on_time:
            return tasks_outcome(tasks.get(village), village, day)
        if indicator is Indicator.risk_eliminated:
            return peers.risk(village)
        return peers.labour(village)

    def _score(
        self,
        unit: Unit,
        scheme: AppraisalScheme | None,
        level: Level,
        peers: PeerFigures,
        tasks: dict[str, tuple[int, int, int, int]],
        day: date,
    ) -> UnitScore:
        base = {
            "unit_id": unit.unit_id,
            "name": unit.name,
            "village_code": unit.village_code,
            "cadre_id": unit.cadre_id,
        }
        if scheme is None:
            reason = (
                f"No {level.value} appraisal scheme of {day.year} is in force for {unit.village_code} "
                f"on {day}."
            )
            return UnitScore(
                **base,
                scheme_id=None,
                scheme_area_code=None,
                scheme_version=None,
                total=None,
                complete=False,
                missing=[],
                indicators=[],
                reason=reason,
            )
        scored = []
        answers = []
        for raw in scheme.indicators:
            rule = Rule(Indicator(raw["indicator"]), raw["weight"], raw["full_at"], raw["zero_below"])
            outcome = self._outcome(rule.indicator, unit, level, peers, tasks, day)
            result = score_of(rule, outcome)
            scored.append((rule, result))
            answers.append(
                IndicatorScore(
                    indicator=rule.indicator.value,
                    label=rule.indicator.label,
                    weight=rule.weight,
                    full_at=rule.full_at,
                    zero_below=rule.zero_below,
                    status=result.status,
                    figures=outcome.figures,
                    source=outcome.source,
                    ratio_pct=result.ratio_pct,
                    score=result.score,
                    points=result.points,
                    reason=result.reason,
                )
            )
        total = total_of(scored)
        missing = [a.indicator for a in answers if a.status == "missing"]
        weights = sum(r.weight for r, s in scored if s.status == "scored")
        reason = (
            f"Scheme {scheme.area_code} {scheme.year} v{scheme.version} (from {scheme.effective_from}): "
            + (
                f"{total:g} of 100 on the {weights} weight scored"
                if total is not None
                else "nothing could be scored"
            )
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + "."
        )
        return UnitScore(
            **base,
            scheme_id=scheme.id,
            scheme_area_code=scheme.area_code,
            scheme_version=scheme.version,
            total=total,
            complete=not missing,
            missing=missing,
            indicators=answers,
            reason=reason,
        )
