"""Idempotency-Key: a write's retry with the same key answers what its first copy answered."""
