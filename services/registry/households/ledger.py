"""The household ledger (户籍台账): one row per person with their household's columns, streamed.

ID numbers are masked as every registry answer masks them; in full only on request (``reveal``) by a
role that may see them, each one shown written to the audit log (as a read of that person) before its
row leaves. Deleted households and people never appear; a household without members gets one row.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from fastapi import Request
from fastapi.responses import Response
from sqlalchemy import Select, case, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from services.common import ledgers
from services.common.audit import audit_trail
from services.common.audit.trail import AuditEntry
from services.common.auth import Principal
from services.common.calendar import china_today
from services.common.columns import table_of
from services.common.division_names import name_of
from services.common.labels import LabelledEnum
from services.common.scope import area_label, in_scope
from services.common.spreadsheets import Cell, Column
from services.registry.codes import (
    DrinkingWater,
    Health,
    HouseholdCategory,
    HousingGrade,
    HousingType,
    LabourAbility,
    Programme,
    Relation,
    Schooling,
    Sex,
)
from services.registry.households.views import NATIONAL_ID_READ
from services.registry.models import Area, Household, Person, ProgrammeMembership
from services.registry.national_id import IdVault

SHEET_NAME = "户籍台账"


def _labels(codes: type[LabelledEnum]) -> dict[str | None, str]:
    return {code.value: code.label for code in codes}


CATEGORY, HOUSING, GRADE = _labels(HouseholdCategory), _labels(HousingType), _labels(HousingGrade)
WATER, RELATION, SEX, HEALTH = _labels(DrinkingWater), _labels(Relation), _labels(Sex), _labels(Health)
LABOUR, SCHOOLING, PROGRAMMES = _labels(LabourAbility), _labels(Schooling), _labels(Programme)
PROGRAMME_ORDER = {code.value: i for i, code in enumerate(Programme)}
INSURED = {True: "是", False: "否", None: None}


def _label(labels: dict[str | None, str], code: str | None) -> str | None:
    return None if code is None else labels.get(code, code)


def _programmes(codes: list[str] | None) -> str | None:
    if not codes:
        return None
    return "、".join(PROGRAMMES.get(c, c) for c in sorted(codes, key=lambda c: PROGRAMME_ORDER.get(c, 99)))


def _health(row: Any) -> str | None:
    label = _label(HEALTH, row.health)
    return f"{label}（{row.disability_grade}级）" if label and row.disability_grade else label


def _alive(row: Any) -> str | None:
    if row.person_id is None:
        return None
    return "已故" if row.deceased_on is not None else "健在"


def columns(vault: IdVault | None) -> list[Column]:
    """The ledger's columns; with a vault, ID numbers in full (else masked)."""
    if vault is not None:
        decrypt = vault.decrypt

        def national_id(r: Any) -> Cell:
            return decrypt(r.national_id_cipher) if r.national_id_cipher is not None else None
    else:

        def national_id(r: Any) -> Cell:
            return r.national_id_masked

    return [
        Column("户编号", lambda r: r.number, 20),
        Column("村代码", lambda r: r.area_code, 14),
        Column("村名称", lambda r: r.village_name or name_of(r.area_code), 12),
        Column("村民小组", lambda r: r.group_no, 9, "number"),
        Column("住址", lambda r: r.address, 24),
        Column("户类别", lambda r: _label(CATEGORY, r.category), 10),
        Column("住房类型", lambda r: _label(HOUSING, r.housing_type), 10),
        Column("住房安全等级", lambda r: _label(GRADE, r.housing_grade), 14),
        Column("饮水安全", lambda r: _label(WATER, r.drinking_water), 10),
        Column("户主", lambda r: r.head_name, 10),
        Column("脱贫年度", lambda r: r.poverty_exit_year, 9, "number"),
        Column("享受政策（当前）", lambda r: _programmes(r.programmes), 24),
        Column("姓名", lambda r: r.name, 10),
        Column("身份证号", national_id, 21),
        Column("与户主关系", lambda r: _label(RELATION, r.relation), 10),
        Column("性别", lambda r: _label(SEX, r.sex), 6),
        Column("出生日期", lambda r: r.birth_date, 12, "date"),
        Column("健康状况", _health, 14),
        Column("劳动能力", lambda r: _label(LABOUR, r.labour_ability), 10),
        Column("在校情况", lambda r: _label(SCHOOLING, r.schooling), 12),
        Column("参加医保", lambda r: INSURED[r.medical_insured], 9),
        Column("生存状态", _alive, 9),
        Column("死亡日期", lambda r: r.deceased_on, 12, "date"),
        Column("户ID", lambda r: str(r.household_id), 38),
        Column("人员ID", lambda r: str(r.person_id) if r.person_id else None, 38),
    ]


HEADERS = [column.header for column in columns(None)]


def ledger_query(scope_prefix: str, within: str, day: date, *, reveal: bool) -> Select[Any]:
    """Households in the area with their members, by village, household number, head first, then age;
    with the programmes each holds on ``day``.

    Linear in the rows whatever the planner's statistics (right after a bulk load it has none, and
    takes ``deleted_at IS NULL`` to keep one row in 200): what belongs to a household is looked up by
    its own id or code, in subqueries that run once per household, and its members in a lateral one,
    which the planner cannot turn into a rescan of all people for every household."""
    h, p, a, m = (table_of(t) for t in (Household, Person, Area, ProgrammeMembership))
    head = p.alias("head")
    programmes = select(func.array_agg(func.distinct(m.c.programme))).where(
        m.c.household_id == h.c.id, m.c.starts_on <= day, or_(m.c.ends_on.is_(None), m.c.ends_on >= day)
    )
    households = (
        select(
            h.c.id.label("household_id"),
            h.c.head_person_id,
            *(h.c[name] for name in HOUSEHOLD_COLUMNS),
            select(a.c.name).where(a.c.code == h.c.area_code).scalar_subquery().label("village_name"),
            select(head.c.name)
            .where(head.c.id == h.c.head_person_id, head.c.deleted_at.is_(None))
            .scalar_subquery()
            .label("head_name"),
            programmes.scalar_subquery().label("programmes"),
        )
        .where(
            h.c.deleted_at.is_(None),
            in_scope(h.c.area_code, scope_prefix),
            in_scope(h.c.area_code, within),
        )
        .offset(0)  # a fence: the lookups above run once per household, not once per member
        .subquery("household")
    )
    members = (
        select(
            p.c.id.label("person_id"),
            *(p.c[name] for name in PERSON_COLUMNS),
            *([p.c.national_id_cipher] if reveal else []),
        )
        .where(p.c.household_id == households.c.household_id, p.c.deleted_at.is_(None))
        .offset(0)  # kept a subquery: not flattened into a join the planner may choose to rescan
        .lateral("member")
    )
    return (
        select(*(c for c in households.c if c.name != "head_person_id"), *members.c)
        .select_from(households)
        .outerjoin(members, true())
        .order_by(
            households.c.area_code,
            households.c.number,
            case((members.c.person_id == households.c.head_person_id, 0), else_=1),
            members.c.birth_date,
            members.c.person_id,
        )
    )


HOUSEHOLD_COLUMNS = (
    "number", "area_code", "group_no", "address", "category", "housing_type", "housing_grade",
    "drinking_water", "poverty_exit_year",
)  # fmt: skip
PERSON_COLUMNS = (
    "name", "national_id_masked", "relation", "sex", "birth_date", "health", "disability_grade",
    "labour_ability", "schooling", "medical_insured", "deceased_on",
)  # fmt: skip


def _revealed(rows: Sequence[Any]) -> list[AuditEntry]:
    return [
        AuditEntry(NATIONAL_ID_READ, "person", str(r.person_id), r.area_code)
        for r in rows
        if r.person_id is not None
    ]


async def household_ledger(
    request: Request,
    session: AsyncSession,
    principal: Principal,
    prefix: str,
    format: ledgers.Format,
    vault: IdVault | None,
) -> Response:
    """The ledger of the area ``prefix`` (scope.WithinQuery: already in the caller's scope); ``vault``
    given: ID numbers in full (the caller's role is checked for that first, with check_reveal)."""
    area = area_label(prefix)
    audit_trail(session).record(
        "household.export",
        "household",
        None,
        area_code=area,
        changes={"format": format, "reveal": vault is not None},
    )
    query = ledger_query(principal.scope_prefix, prefix, china_today(), reveal=vault is not None)
    return await ledgers.ledger_answer(
        request,
        principal,
        "households",
        query,
        name=f"households-{area}",
        format=format,
        sheet=SHEET_NAME,
        columns=columns(vault),
        through=(lambda rows: ledgers.audited(request, principal, rows, _revealed))
        if vault is not None
        else None,
    )
