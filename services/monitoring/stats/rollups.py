"""The monitoring service's rollups (schema ``monitoring``): alerts open and overdue, and households by
their cases' states, per area and day, kept by triggers (see services.common.rollups). The functions
are ``services/monitoring/sql/040_alert_case_deltas.sql``; here, the measures the statistics read.

Two kinds of subject share the tables:

- an **alert** (its id): open (``alerts_open``, key: the risk code) from the China day it was first
  raised until the day it was closed (``handled_at``; a live alert has no end), and overdue
  (``alerts_overdue``) from the day after raised + the limit, the thresholds' ``alert_decision_days``
  in force for its village and the year it was raised (default 30), as ``stats.service`` decides it.
  The limit in force is the latest version of the most specific area, whatever the day, so a new
  threshold version changes it for every alert below that area raised in that year: the thresholds'
  trigger refreshes those alerts.
- a **household** with cases (its id): its state on a day is rebuilt from each case's recorded steps
  (the last step taken by the end of the day, in the order they were taken), from the day the case was
  opened. ``case_state`` (key: the state), ``monitored_type`` (key: the type, in the monitored states
  only) and ``cases_past_limit`` (undecided and past ``decision_due_on``). A household counts once per
  village, state, type and lateness, as the raw query (``stats.repository.case_counts``) counts it: two
  rejected cases of one household are one rejected household. (The raw query takes that distinct per
  child area, the rollups per village: they differ only for a household with cases in two villages of
  one town, which a household that moved could have.)

  Its people are the registry's members on each day (monitoring's copy, ``events.members``):
  ``case_state_people`` and ``monitored_type_people`` (keys as above) add them up, and
  ``case_state_unsized`` and ``monitored_type_unsized`` count the households whose registration has not
  reached monitoring yet (a deployment replaying the registry's history, say), so never as 0 people.

Visit compliance is a third kind of subject, the cadres' pairings (``visits.rollups``).
"""

from __future__ import annotations

from services.monitoring.models import SCHEMA as SCHEMA  # the statistics read it from here

OPEN, OVERDUE = "alerts_open", "alerts_overdue"
STATE, TYPE, PAST_LIMIT = "case_state", "monitored_type", "cases_past_limit"
STATE_PEOPLE, TYPE_PEOPLE = f"{STATE}_people", f"{TYPE}_people"
STATE_UNSIZED, TYPE_UNSIZED = f"{STATE}_unsized", f"{TYPE}_unsized"

# China's calendar day of a moment (a fixed UTC+8, as services.common.calendar.CHINA).
CHINA_DAY = "timezone(INTERVAL '+08:00', {})::date"
