"""What each household and each group contributes to the registry's counts: ``rollup_deltas_of`` in
``services/registry/sql/049_rollup_deltas_of.sql`` (the rollups' raw-row definition: households in
``040_rollup_deltas.sql``, groups in ``045_group_deltas.sql``), kept up to date by the triggers of
``050_rollup_triggers.sql``.

A household's counts change only on certain days: its registration, its moves between villages, the
registrations, deaths and moves of anyone who was ever a member, and the starts and ends of its
programme periods. On each such day the function evaluates its state the same way the "as of" recount
does (``repository.AS_OF_SQL``), and the difference from the day before is its delta on that day.

Measures: ``households`` and ``people`` (key ''), ``programme_households`` and ``programme_people``
(key: the programme code). Categories 脱贫户/监测户 are programme periods too, so they are included.
The village profile's (村情, ``villages.repository``) besides: 贫困户 households and people (a 脱贫户 or
监测户 period, counted once when both), households by housing type (key; '' not recorded) and with
unsafe water, and the groups with a household in the village (a group is a subject of its own).
"""

from __future__ import annotations

SCHEMA = "registry"

HOUSEHOLDS, PEOPLE = "households", "people"
PROGRAMME_HOUSEHOLDS, PROGRAMME_PEOPLE = "programme_households", "programme_people"
POOR_HOUSEHOLDS, POOR_PEOPLE = "poor_households", "poor_people"
POOR_PROGRAMMES = ("escaped", "monitored")  # 贫困户: households registered poor (脱贫户, 监测户)
HOUSING, WATER_UNSAFE, GROUPS = "housing", "water_unsafe", "groups"
