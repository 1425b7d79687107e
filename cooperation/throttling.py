"""Request rates, counted in the cache: Redis (shared by every worker) when REDIS_URL is set.

Anonymous clients and signed-in readers each have a rate; writes by signed-in
users have their own, so an editor's work is never slowed by their reading.
The rates are read on every request (not frozen at import) so that settings
can change them.

Counts are fixed windows (one integer per client and window, incremented in
place) rather than DRF's sliding log, which reads, unpickles, trims and writes
back a list of up to `rate` timestamps on every request. Without Redis the
cache is each worker's memory: a read never writes to the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import throttling
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings
    from rest_framework.request import Request
    from rest_framework.views import APIView


class FixedWindowMixin(throttling.SimpleRateThrottle):
    """`num_requests` per window of `duration` seconds, counted with one atomic increment."""

    # SimpleRateThrottle.__init__ parses them from the rate; they are read only when there is a rate.
    num_requests: int
    duration: int

    def get_rate(self) -> str | None:
        rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
        return rates.get(self.scope or "")

    def allow_request(self, request: Request, view: APIView) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.seconds_left = (window + 1) * self.duration - now
        return self.count(f"{key}_{window}") <= self.num_requests

    def count(self, key: str) -> int:
        """This request's number in the window; the key expires with the window."""
        try:
            return int(self.cache.incr(key))
        except ValueError:  # the window's first request (or a race for it: then add() fails and incr() works)
            if self.cache.add(key, 1, timeout=self.duration + 1):
                return 1
            return int(self.cache.incr(key))

    def wait(self) -> float:
        return max(self.seconds_left, 1)


class AnonRateThrottle(FixedWindowMixin, throttling.AnonRateThrottle):
    """Anonymous clients, by IP address."""


class UserReadRateThrottle(FixedWindowMixin, throttling.UserRateThrottle):
    """Signed-in users' reads, by user."""

    scope = "user"

    def allow_request(self, request: Request, view: APIView) -> bool:
        # Anonymous requests are counted once, by AnonRateThrottle; writes by UserWriteRateThrottle.
        if request.method not in SAFE_METHODS or not request.user.is_authenticated:
            return True
        return super().allow_request(request, view)


class UserWriteRateThrottle(FixedWindowMixin, throttling.UserRateThrottle):
    """Signed-in users' writes, by user: the documented rate editors can always count on."""

    scope = "writes"

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS or not request.user.is_authenticated:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
