"""The remote-contact rule that applies to a village, and an area's contact figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from services.common.area_codes import prefix_of
from services.oversight.contacts.models import ContactMethod, ContactRule
from services.oversight.contacts.repository import ContactRepository
from services.oversight.contacts.schemas import ContactFigures, MethodFigures


def remote_counts(village: str, rules: Sequence[ContactRule]) -> bool:
    """The most specific area's rule covering the village; none: only visits count (the default)."""
    best: ContactRule | None = None
    for rule in rules:
        prefix = prefix_of(rule.area_code)
        if village.startswith(prefix) and (best is None or len(prefix) > len(prefix_of(best.area_code))):
            best = rule
    return best.remote_counts if best is not None else False


async def contact_figures(
    session: AsyncSession, area: str, since: date, until: date
) -> tuple[ContactFigures, list[MethodFigures]]:
    repository = ContactRepository(session)
    rows = await repository.by_village_and_method(prefix_of(area), since, until)
    households = await repository.households_by_method(prefix_of(area), since, until)
    rules = await repository.all_rules()
    per_method = dict.fromkeys((m.value for m in ContactMethod), 0)
    counted = 0
    for village, method, contacts in rows:
        per_method[method] += contacts
        if method == ContactMethod.visit.value or remote_counts(village, rules):
            counted += contacts
    by_method = [
        MethodFigures(
            method=m.value, label=m.label, contacts=per_method[m.value], households=households.get(m.value, 0)
        )
        for m in ContactMethod
    ]
    figures = ContactFigures(
        since=since,
        contacts=sum(per_method.values()),
        households=households[None],
        counted_as_visits=counted,
    )
    return figures, by_method
