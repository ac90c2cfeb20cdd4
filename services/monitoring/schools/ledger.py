"""The 控辍保学 ledger: every child aged 6–15 on the day in the area, by village, with where each
studies, the proof of enrolment and the way back to school; village names and household numbers from
the registry beside the codes."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.common import ledgers
from services.common.audit import audit_trail
from services.common.auth import Principal
from services.common.columns import table_of
from services.common.division_names import name_of
from services.common.scope import area_label, in_scope
from services.common.spreadsheets import Column
from services.monitoring.names import Names, registry_names
from services.monitoring.schools.models import SchoolChild
from services.monitoring.schools.repository import of_school_age
from services.monitoring.schools.schemas import ChildSource, ReturnStep, StudyPlace

SHEET_NAME = "控辍保学台账"
PLACES = {p.value: p.label for p in StudyPlace}
STEPS = {s.value: s.label for s in ReturnStep}
SOURCES = {s.value: s.label for s in ChildSource}


def _age(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def columns(names: Names, day: date) -> list[Column]:
    households, areas = names.households, names.areas
    return [
        Column("村代码", lambda r: r.area_code, 14),
        Column("村名称", lambda r: name_of(r.area_code, areas), 12),
        Column("姓名", lambda r: r.name, 10),
        Column("身份证号", lambda r: r.national_id_masked, 20),
        Column("出生日期", lambda r: r.birth_date, 12, "date"),
        Column("年龄", lambda r: _age(r.birth_date, day), 6, "number"),
        Column("户编号", lambda r: households.get(r.household_id) if r.household_id else None, 20),
        Column("公安户号", lambda r: r.family_ref, 16),
        Column("数据来源", lambda r: SOURCES.get(r.source, r.source), 18),
        Column("就读情况", lambda r: PLACES.get(r.study_place, r.study_place) or "待核实", 12),
        Column("就读学校", lambda r: r.school, 24),
        Column("年级", lambda r: r.grade, 8),
        Column("包保教师", lambda r: r.teacher, 10),
        Column("取证日期", lambda r: r.proven_on, 12, "date"),
        Column("取证材料", lambda r: r.proof_document, 14),
        Column("是否取证", lambda r: "是" if r.proven_on else "否", 8),
        Column("未在校原因", lambda r: r.out_of_school_reason, 30),
        Column("劝返环节", lambda r: STEPS.get(r.return_state, r.return_state), 10),
        Column("找到日期", lambda r: r.found_on, 12, "date"),
        Column("劝返日期", lambda r: r.persuaded_on, 12, "date"),
        Column("返校日期", lambda r: r.returned_on, 12, "date"),
        Column("儿童ID", lambda r: str(r.id), 38),
    ]


HEADERS = [c.header for c in columns(Names(), date(2000, 1, 1))]


def ledger_query(scope_prefix: str, within: str, day: date) -> Select[Any]:
    return (
        select(*table_of(SchoolChild).c)
        .where(
            in_scope(col(SchoolChild.area_code), scope_prefix),
            in_scope(col(SchoolChild.area_code), within),
            of_school_age(day),
        )
        .order_by(col(SchoolChild.area_code), col(SchoolChild.name), col(SchoolChild.id))
    )


async def child_ledger(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    within: str,
    day: date,
    format: ledgers.Format,
) -> Response:
    area = area_label(within)
    audit_trail(session).record(
        "school_child.export", "school_child", None, area_code=area, changes={"format": format, "as_of": day}
    )
    query = ledger_query(principal.scope_prefix, within, day)
    rows = query.order_by(None).subquery()
    households, villages = (
        await session.execute(
            select(
                func.array_agg(rows.c.household_id.distinct()), func.array_agg(rows.c.area_code.distinct())
            )
        )
    ).one()
    names = await registry_names(request, [h for h in households or () if h], (), villages or ())
    return await ledgers.ledger_answer(
        request,
        principal,
        "school-children",
        query,
        name=f"school-children-{area}",
        format=format,
        sheet=SHEET_NAME,
        columns=columns(names, day),
    )
