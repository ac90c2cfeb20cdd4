"""Monitoring tables (schema ``monitoring``); the domain tables arrive with the monitoring issue."""

from __future__ import annotations

SCHEMA = "monitoring"
