"""Appraisal (考核): schemes of weighted indicators per year and level, and scores as of a date computed
from the figures the system already keeps (篇5's "严格考核")."""
