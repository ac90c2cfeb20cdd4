"""Jobs tables (schema ``jobs``); the domain tables arrive with the jobs issue."""

from __future__ import annotations

SCHEMA = "jobs"
