"""Employment statistics (就业统计) of an area on a date, next to the same date a year earlier (同比):
``router`` → ``service`` → the rollups (``services.jobs.shared.figures``), answers in ``schemas``."""

from services.jobs.employment.stats.service import year_before as year_before  # the 同比 date rule
