"""Visit compliance (走访) as a rollup: each cadre pairing's state on every day, per village. The
functions are ``services/monitoring/sql/045_pairing_deltas.sql`` and ``060_visit_thresholds_stale.sql``;
here, the measures the statistics read.

A third kind of subject joins the alerts and households of ``stats.rollups``: a **pairing** (帮扶结对,
the registry's id), kept in ``monitoring.pairings`` from the registry's events (``visits.pairings``).
On a day D on which it is in force (starts_on ≤ D ≤ ends_on, its household not deleted) a pairing is

- ``visits_visited``: the paired cadre's last visit up to D was at most the interval before D;
- ``visits_not_yet_due``: no visit yet, but paired at most the interval before D;
- ``visits_overdue``: neither (the visit was due before D),

with the area its household's village now and the interval the thresholds' ``visit_interval_days`` in
force for that village and D's year (default 90), exactly as the compliance list judges it
(``visits.repository``) and as ``visits.service.check_pairings``, the reference recount, does. The
totals have no key: a county has thousands of cadres, whose rows it would sum for every report. The
counts by cadre (a town's or a village's) are the pairings' own contributions, summed when asked.

Time alone turns a pairing overdue, so its deltas are scheduled ahead: the day after each due day. Its
timeline is cut at its start, each later visit and each 1 January up to the first year no area has set
thresholds for (from then on the default holds for good); on each piece the last visit (or the start)
and the interval are fixed, so the piece is on time up to the due day and overdue after it.
"""

from __future__ import annotations

VISITED, NOT_YET_DUE, LATE = "visits_visited", "visits_not_yet_due", "visits_overdue"
VISIT_MEASURES = (VISITED, NOT_YET_DUE, LATE)
