"""The kernel every fangpin service shares: settings, database, errors, logging, health, metrics.

No domain logic lives here; services never import each other, only this package.
"""
