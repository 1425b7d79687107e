"""Strong ETags and the conditional requests built on them (RFC 9110 section 13)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.http import parse_etags, quote_etag
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.request import Request


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "If-Match: the record has changed since you read it; fetch it again and reapply your change."
    default_code = "precondition_failed"


def etag_for(representation: Any) -> str:
    """A strong ETag: a digest of the exact representation, so any change of the record changes it."""
    body = json.dumps(representation, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False)
    return quote_etag(hashlib.sha256(body.encode()).hexdigest()[:32])


def not_modified(request: Request, etag: str) -> bool:
    """If-None-Match uses the weak comparison: W/"x" matches "x"."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = parse_etags(header)
    return "*" in tags or etag in {tag.removeprefix("W/") for tag in tags}


def require_current(request: Request, etag: str) -> None:
    """If-Match uses the strong comparison: a weak tag never matches, a stale one is a 412."""
    header = request.headers.get("If-Match")
    if not header:
        return
    tags = parse_etags(header)
    if "*" not in tags and etag not in tags:
        raise PreconditionFailed()
