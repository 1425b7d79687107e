"""A shared cache of read responses (Redis), never stale after a write.

Entries are keyed by the data's generation number and the request's path and query. Every committed
write to a model of this app increments the generation (a signal, `transaction.on_commit`), so a read
that starts after a write's response was sent looks under the new number and cannot find an answer
computed before the write. Entries also expire after RESPONSE_CACHE_SECONDS, a backstop for bulk
writes that bypass the signals (`QuerySet.update()`, the `bulk_create()` of `seed_synthetic`).

Only anonymous-equivalent JSON answers are cached: reads are public and the same for everyone.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from django.http import HttpResponse
from rest_framework.request import Request

from cooperation.representations import ORJSONRenderer, dumps
from cooperation.routers import reads_from_primary

GENERATION_KEY = "response-cache:generation"
BUMPED_AT_KEY = "response-cache:bumped-at"


def enabled() -> bool:
    return bool(getattr(settings, "RESPONSE_CACHE", False))


def bump_generation() -> None:
    """Invalidate every cached response: later reads look under a new generation."""
    if not enabled():
        return
    cache.set(BUMPED_AT_KEY, time.time(), timeout=None)
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # never set, or evicted: any fresh start number invalidates the old keys too
        cache.set(GENERATION_KEY, int(time.time() * 1000), timeout=None)


@receiver(post_save)
@receiver(post_delete)
@receiver(m2m_changed)
def invalidate_on_write(sender: Any, **kwargs: Any) -> None:
    if enabled() and getattr(getattr(sender, "_meta", None), "app_label", None) == "cooperation":
        transaction.on_commit(bump_generation)


@dataclass
class Slot:
    """Where one request's answer is cached, and what it takes to fill it."""

    key: str | None = None
    # Right after a write, a read replica may not have the write yet: the answer stored under the new
    # generation is then read from the primary (settings.REPLICA_LAG_SECONDS).
    from_primary: bool = False

    def hit(self) -> HttpResponse | None:
        entry = cache.get(self.key) if self.key else None
        return None if entry is None else json_response(*entry)

    def reading(self) -> AbstractContextManager[None]:
        return reads_from_primary() if self.from_primary else nullcontext()

    def store(self, data: Any, etag: str | None = None) -> HttpResponse | None:
        """Render the answer once, keep it, and return it ready to send (None when not cached)."""
        if self.key is None:
            return None
        body = dumps(data)
        cache.set(self.key, (body, etag), timeout=settings.RESPONSE_CACHE_SECONDS)
        return json_response(body, etag)


def slot(request: Request) -> Slot:
    """This request's cache slot: empty unless its answer is a JSON read that everyone shares."""
    if not enabled() or request.method != "GET" or not isinstance(request.accepted_renderer, ORJSONRenderer):
        return Slot()
    stamps = cache.get_many([GENERATION_KEY, BUMPED_AT_KEY])
    lag = settings.REPLICA_LAG_SECONDS
    recent_write = lag > 0 and time.time() - stamps.get(BUMPED_AT_KEY, 0) < lag
    # The absolute URI: answers carry absolute links, which differ by host and scheme.
    return Slot(f"response-cache:{stamps.get(GENERATION_KEY, 0)}:{request.build_absolute_uri()}", recent_write)


def json_response(body: bytes, etag: str | None) -> HttpResponse:
    response = HttpResponse(body, content_type="application/json")
    if etag:
        response["ETag"] = etag
    return response
