"""Rollups: counts per area and day, kept up to date by triggers in the same transaction as the change.

A service says what each *subject* (a household, a person …) contributes to its counts with a SQL
function ``<schema>.rollup_deltas_of(ids uuid[])``: rows of (subject_id, area_code, measure, key, day,
delta), +n on the day a count starts and −n on the day it stops, so that a figure "as of" day D is the
sum of the deltas up to D. Statement triggers on the base tables hand the subjects a write touched to
``<schema>.rollup_refresh(ids)``, which swaps their stored contributions for fresh ones and appends the
difference to ``rollup_totals`` for the area and each area above it. The functions and triggers are
plain SQL in each service's ``sql/`` folder (``services.common.sql_layer``). Reports read the totals
(``store``); ``fangpin reports verify`` recounts every subject from the raw rows and compares.
"""
