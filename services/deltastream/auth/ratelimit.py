"""Per-principal request budgets in Redis: a fixed window counted by one Lua script.

The script increments the caller's counter for the current window and gives the time left in
it, atomically, so replicas of a service share one budget per caller and a burst cannot slip
between a read and a write. A caller over budget gets RESOURCE_EXHAUSTED with the time until
the window ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import redis.asyncio

from deltastream.errors import RateLimitedError

KEY_PREFIX = "ratelimit:"
# KEYS[1] the counter; ARGV[1] the window in ms. Returns {count, ms left in the window}.
_COUNT_IN_WINDOW = """
local count = redis.call('INCR', KEYS[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}
"""


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``requests`` per ``window``."""

    requests: int
    window: dt.timedelta

    def __post_init__(self) -> None:
        if self.requests < 1 or self.window <= dt.timedelta(0):
            raise ValueError("a rate limit needs at least one request per positive window")

    def retry_after(self, count: int, left_ms: int) -> float | None:
        """Seconds to wait when the ``count``-th request of a window with ``left_ms`` to run is
        over budget; None when it is within."""
        if count <= self.requests:
            return None
        return max(left_ms, 1) / 1000.0


class RateLimiter:
    """Counts requests per principal under ``scope`` (a service name, or ``login``)."""

    def __init__(self, client: redis.asyncio.Redis, limit: RateLimit, scope: str) -> None:
        self._client = client
        self._limit = limit
        self._scope = scope
        self._script: Any = client.register_script(_COUNT_IN_WINDOW)

    async def acquire(self, key: str) -> None:
        """Count one request of ``key``; RateLimitedError when over budget."""
        window_ms = int(self._limit.window.total_seconds() * 1000)
        count, left_ms = await self._script(
            keys=[f"{KEY_PREFIX}{self._scope}:{key}"], args=[window_ms]
        )
        retry_after = self._limit.retry_after(int(count), int(left_ms))
        if retry_after is not None:
            raise RateLimitedError(key, retry_after)
