"""What each household contributes to the registry's counts: ``rollup_deltas_of`` in
``services/registry/sql/040_rollup_deltas.sql`` (the rollups' raw-row definition), kept up to date by the
triggers of ``050_rollup_triggers.sql``.

A household's counts change only on certain days: its registration, its moves between villages, the
registrations, deaths and moves of anyone who was ever a member, and the starts and ends of its
programme periods. On each such day the function evaluates its state the same way the "as of" recount
does (``repository.AS_OF_SQL``), and the difference from the day before is its delta on that day.

Measures: ``households`` and ``people`` (key ''), ``programme_households`` and ``programme_people``
(key: the programme code). Categories 脱贫户/监测户 are programme periods too, so they are included.
"""

from __future__ import annotations

SCHEMA = "registry"
