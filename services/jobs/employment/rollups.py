"""What each person contributes to the employment figures: ``employment_deltas_of`` in
``services/jobs/sql/040_employment_deltas.sql`` (the rollups' raw-row definition).

A person's status in force on day D is their record with the latest ``reported_on`` on or before D, and
among records of that day the one that arrived last (``seq``), exactly as ``repository.in_force``
decides; the person counts at that record's village (a record is never changed: a correction is a newer
record, and ``ended_on`` changes no status). So the state changes only on the days a person has records:
each such day's last record is the state from that day until the next such day (``lead``: no self-join).

Measures, at the village of the record in force: ``people`` (key: the status); for those working away,
``away_by_category`` (key: the household category), ``away_by_type`` (the same, a 监测户 by its
monitoring type where its record kept one) and ``away_by_destination`` (key: the province's
code, else the place in words), or ``away_no_destination`` (key '') when neither was recorded.
"""

from __future__ import annotations

PEOPLE = "people"
AWAY_BY_CATEGORY = "away_by_category"
AWAY_BY_TYPE = "away_by_type"  # the category, or a 监测户's monitoring type (篇1: 脱贫 882, 边缘易致贫 18)
AWAY_BY_DESTINATION = "away_by_destination"
AWAY_NO_DESTINATION = "away_no_destination"
