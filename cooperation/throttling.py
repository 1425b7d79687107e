"""Request rates, counted in the shared cache so that every worker sees the same counts.

Anonymous clients and signed-in readers each have a rate; writes by signed-in
users have their own, so an editor's work is never slowed by their reading.
The rates are read on every request (not frozen at import) so that settings
can change them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rest_framework import throttling
from rest_framework.permissions import SAFE_METHODS
from rest_framework.settings import api_settings

if TYPE_CHECKING:  # rest_framework.views imports this module through its settings
    from rest_framework.request import Request
    from rest_framework.views import APIView


class SettingsRateMixin:
    scope: str | None

    def get_rate(self) -> str | None:
        rates: dict[str, Any] = api_settings.DEFAULT_THROTTLE_RATES
        return rates.get(self.scope or "")


class AnonRateThrottle(SettingsRateMixin, throttling.AnonRateThrottle):
    """Anonymous clients, by IP address."""


class UserReadRateThrottle(SettingsRateMixin, throttling.UserRateThrottle):
    """Signed-in users' reads, by user."""

    scope = "user"

    def allow_request(self, request: Request, view: APIView) -> bool:
        # Anonymous requests are counted once, by AnonRateThrottle; writes by UserWriteRateThrottle.
        if request.method not in SAFE_METHODS or not request.user.is_authenticated:
            return True
        return super().allow_request(request, view)


class UserWriteRateThrottle(SettingsRateMixin, throttling.UserRateThrottle):
    """Signed-in users' writes, by user: the documented rate editors can always count on."""

    scope = "writes"

    def allow_request(self, request: Request, view: APIView) -> bool:
        if request.method in SAFE_METHODS or not request.user.is_authenticated:
            return True
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": request.user.pk}
