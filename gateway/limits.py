"""Per-caller rate limit: a token bucket per principal (or per address before sign-in), in memory.

Each gateway replica counts on its own, so N replicas admit up to N times the rate; that bound is
what protects the services from one runaway phone or partner system.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from services.common.errors import RateLimited

IDLE_FORGET_S = 600


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(self, rate_per_s: float, burst: int) -> None:
        self.rate = rate_per_s
        self.burst = burst
        self._buckets: dict[str, _Bucket] = {}

    def check(self, key: str) -> None:
        """Take one token for ``key`` or raise 429 saying when the next one comes."""
        now = time.monotonic()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) > 50_000:
                self._forget_idle(now)
            bucket = self._buckets[key] = _Bucket(float(self.burst), now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.updated) * self.rate)
        bucket.updated = now
        if bucket.tokens < 1:
            retry = max(1, math.ceil((1 - bucket.tokens) / self.rate))
            raise RateLimited(retry, f"Rate limit of {self.rate:g} requests/s reached; retry in {retry} s")
        bucket.tokens -= 1

    def _forget_idle(self, now: float) -> None:
        self._buckets = {k: b for k, b in self._buckets.items() if now - b.updated < IDLE_FORGET_S}
