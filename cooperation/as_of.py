"""As-of reads: `?as_of=<ISO 8601 date and time with a UTC offset>` answers as the data stood at that moment.

The answer comes from the audit history (django-simple-history, `cooperation/history.py`): every write
leaves a version of the record with the moment it was made (`history_date`), and the versions of
investments and initiatives keep a snapshot of their sectors or countries. The state at a moment is,
for each record, its latest version written at or before the moment, unless that version is its
deletion. So a record created later is absent, one deleted later is present, and one corrected later
shows its old values; its many-to-many values are those of that same version.

The versions go through the view's own filters, search and ordering, reached by the live field names:
the history tables have the same columns, `involving()`, `for_pair()` and `within_year()` are the live
queryset's own methods, and a lookup through a many-to-many field (`sectors__slug`) is redirected to the
version's snapshot rows. A moment in the future is refused, so that an answer never changes once given:
a published analysis that cites its `as_of` can be reproduced after later corrections.

Writes that bypass `save()` (`QuerySet.update()`, `bulk_create()`, e.g. `seed_synthetic`) leave no
version, and so are invisible here.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from django.db import models
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django_filters import utils as filter_utils
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import filters as drf_filters
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from simple_history.utils import get_history_model_for_model

from cooperation.etags import not_modified, version_etag
from cooperation.filters import StrictOrderingFilter
from cooperation.models import Record, link_table
from cooperation.pagination import OrderTerm
from cooperation.querysets import country_fields
from cooperation.representations import KeysConcat, RowShape

if TYPE_CHECKING:  # the views call this module
    from cooperation.views import ReadViewSet

AS_OF = "as_of"
# Longer than any ISO 8601 date and time (2026-01-31T12:00:00.123456+05:30 is 32 characters).
MAX_LENGTH = 64
EXAMPLE = "2026-01-31T12:00:00Z"

as_of_parameter = OpenApiParameter(
    AS_OF,
    OpenApiTypes.DATETIME,
    OpenApiParameter.QUERY,
    description=(
        "Answer as the data stood at this moment, from the audit history: an ISO 8601 date and time with a "
        f"UTC offset (`{EXAMPLE}`, `2026-01-31T13:00:00+01:00`; in a URL write `+` as `%2B`), not in the "
        "future. A record created later is absent, one deleted later is present, one corrected later shows "
        "its old values. Filters, search, ordering and paging apply to that state."
    ),
)


def requested(request: Request) -> bool:
    return AS_OF in request.query_params


def has_history(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def invalid(message: str) -> ValidationError:
    return ValidationError({AS_OF: [message]})


def parse_moment(raw: str, now: datetime.datetime) -> datetime.datetime:
    """The moment `raw` names, in UTC; a 400 naming `as_of` for anything else."""
    shown = f"{raw[:50]!r}{'...' if len(raw) > 50 else ''}"
    try:
        if not raw.isascii() or len(raw) > MAX_LENGTH:
            raise ValueError(raw)
        moment = datetime.datetime.fromisoformat(raw)
    except ValueError:
        # A `+` in a query string arrives as a space: 2026-01-31T12:00:00+01:00 unencoded.
        hint = " A + in a URL means a space: write the offset's + as %2B." if " " in raw.strip() else ""
        raise invalid(
            f"Must be an ISO 8601 date and time with a UTC offset, such as {EXAMPLE}, not {shown}.{hint}"
        ) from None
    if moment.utcoffset() is None:
        raise invalid(f"Give a UTC offset (Z, or such as +01:00) so that the moment is unambiguous: {shown}.")
    try:
        moment = moment.astimezone(datetime.UTC)
    except OverflowError:
        raise invalid(f"{shown} is outside the years 1 to 9999 in UTC.") from None
    if moment > now:
        raise invalid(
            f"{shown} is in the future (now is {now.isoformat().replace('+00:00', 'Z')}): the history "
            "answers for past moments only, so that an as-of answer never changes."
        )
    return moment


def requested_moment(request: Request, model: type[models.Model]) -> datetime.datetime:
    """The request's `as_of`, checked, for a model whose history is kept."""
    if not has_history(model):
        raise invalid(f"{model._meta.verbose_name_plural} are reference data without history; leave as_of out.")
    return parse_moment(request.query_params[AS_OF], timezone.now())


# --- The versions that stood at a moment ---------------------------------------------------------------------


def snapshot_model(model: type[models.Model], name: str) -> Any:
    """The model of a version's snapshot rows of the many-to-many field `name` (e.g. HistoricalInvestment_sectors)."""
    return getattr(get_history_model_for_model(model), name).model


def snapshot_lookups(model: type[models.Model]) -> dict[str, str]:
    """Each many-to-many field's name -> the lookup that reaches its targets from a version.

    `sectors` -> `historicalinvestment_sectors__sector`: the version's snapshot rows, then their sector.
    """
    lookups = {}
    for field in model._meta.many_to_many:
        snapshot = snapshot_model(model, field.name)
        lookups[field.name] = f"{snapshot._meta.model_name}__{field.m2m_reverse_field_name()}"
    return lookups


def live_names(node: Any, lookups: dict[str, str]) -> Any:
    """A lookup (or a Q of lookups) written for the live model, redirected for a version."""
    if isinstance(node, Q):
        redirected = Q()
        redirected.connector, redirected.negated = node.connector, node.negated
        redirected.children = [live_names(child, lookups) for child in node.children]
        return redirected
    if isinstance(node, tuple):
        key, value = node
        first, _, rest = key.partition("__")
        return (f"{lookups[first]}__{rest}" if rest else lookups[first], value) if first in lookups else node
    return node


def redirected(nodes: Any, lookups: dict[str, str]) -> list[Any]:
    return [live_names(node, lookups) for node in nodes]


@functools.cache
def version_queryset_class(model: type[models.Model]) -> type[QuerySet[Any]]:
    """The live model's queryset class, over its history table.

    Filters written for the live model then work unchanged on versions: the same columns, the same
    methods (`involving`, `for_pair`, `within_year`), and many-to-many lookups sent to the snapshot rows.
    """
    live: type[QuerySet[Any]] = type(model._default_manager.all())
    lookups = snapshot_lookups(model)

    # The base is a variable (the live model's queryset class), which mypy does not take as a base class:
    # it needs bases it can name statically (python/mypy#2813, dynamic base classes).
    class VersionQuerySet(live):  # type: ignore[valid-type,misc]
        def filter(self, *args: Any, **kwargs: Any) -> Any:
            return super().filter(*redirected(args, lookups), **dict(redirected(kwargs.items(), lookups)))

        def exclude(self, *args: Any, **kwargs: Any) -> Any:
            return super().exclude(*redirected(args, lookups), **dict(redirected(kwargs.items(), lookups)))

        def _country_fields(self) -> tuple[str, str]:
            # TwoCountryQuerySet's own reads them from self.model, here the historical model.
            assert issubclass(model, Record)  # only records' querysets ask
            return country_fields(model)

    VersionQuerySet.__name__ = VersionQuerySet.__qualname__ = f"{model.__name__}VersionQuerySet"
    return VersionQuerySet


def versions_at(model: type[models.Model], moment: datetime.datetime) -> QuerySet[Any]:
    """Each record's version at `moment`: the latest written at or before it, unless that one is its deletion."""
    historical = get_history_model_for_model(model)
    key = model._meta.pk.attname
    # Two versions can share a history_date (one clock tick); the later-written one (higher history_id) wins.
    superseding = historical._default_manager.filter(
        Q(history_date__gt=OuterRef("history_date"))
        | Q(history_date=OuterRef("history_date"), history_id__gt=OuterRef("history_id")),
        **{key: OuterRef(key)},
        history_date__lte=moment,
    )
    versions = version_queryset_class(model)(model=historical)
    return versions.filter(~Exists(superseding), history_date__lte=moment).exclude(history_type="-")


def snapshot_keys(model: type[models.Model], name: str) -> Subquery:
    """A version's keys of the many-to-many field `name`, comma-joined like `representations.many_keys`."""
    snapshot = snapshot_model(model, name)
    _through, _own, target = link_table(model, name)
    keys = (
        snapshot._default_manager.filter(history=OuterRef("pk"))
        .order_by()
        .values("history")
        .annotate(keys=KeysConcat(f"{target}_id"))
        .values("keys")
    )
    return Subquery(keys, output_field=models.TextField())


VERSION_SHAPES: dict[type[models.Model], RowShape] = {}


def version_shape(shape: RowShape) -> RowShape:
    """The live shape, reading versions: the same columns, and the many-to-many keys from the snapshots."""
    if shape.model not in VERSION_SHAPES:
        # The live shape's subqueries read the many-to-many tables; its other annotations read columns,
        # which versions have too.
        annotations = tuple(
            (alias, snapshot_keys(shape.model, alias.removesuffix("_keys")) if isinstance(live, Subquery) else live)
            for alias, live in shape.annotations
        )
        VERSION_SHAPES[shape.model] = replace(shape, annotations=annotations)
    return VERSION_SHAPES[shape.model]


# --- What a list reads ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListSource:
    """What a list reads: the filtered, searched and ordered queryset, its ordering and its row shape."""

    queryset: QuerySet[Any]
    terms: list[OrderTerm]
    ordering: str  # the `ordering` parameter as sent, which cursors carry
    shape: RowShape
    moment: datetime.datetime | None = None


def list_source(view: ReadViewSet, request: Request) -> ListSource:
    """The list the request asks for: live, or as of its `as_of` moment."""
    ordering = StrictOrderingFilter()
    raw_ordering = request.query_params.get(ordering.ordering_param, "")
    if not requested(request):
        queryset = view.filter_queryset(view.read_queryset())
        return ListSource(queryset, ordering.terms(request, queryset, view), raw_ordering, view.shape)
    model = view.shape.model
    moment = requested_moment(request, model)
    versions = versions_at(model, moment)
    for backend_class in view.filter_backends:
        backend = backend_class()
        if isinstance(backend, DjangoFilterBackend):
            versions = apply_filterset(backend, request, versions, view)
        elif not isinstance(backend, drf_filters.OrderingFilter):
            versions = backend.filter_queryset(request, versions, view)
    # The live model's ordering: a version's own ordering is by history date, and its key is history_id.
    terms = ordering.terms(request, model._default_manager.all(), view)
    ordered = versions.order_by(*(term.expression() for term in terms))
    return ListSource(ordered, terms, raw_ordering, version_shape(view.shape), moment)


def apply_filterset(backend: DjangoFilterBackend, request: Request, versions: QuerySet[Any], view: ReadViewSet) -> Any:
    """What django-filter's backend does, less its check that the queryset is of the FilterSet's own model."""
    filterset_class = getattr(view, "filterset_class", None)
    if filterset_class is None:
        return versions
    filterset = filterset_class(**backend.get_filterset_kwargs(request, versions, view))
    if not filterset.is_valid():
        raise filter_utils.translate_validation(filterset.errors)
    return filterset.qs


# --- The views' answers --------------------------------------------------------------------------------------


def list_response(view: ReadViewSet, request: Request) -> Response:
    """One page of the list as of the moment, paged like the live list (page numbers or a cursor)."""
    source = list_source(view, request)
    paginator = view.row_paginator
    rows = paginator.paginate_rows(
        source.shape.select(source.queryset), request, source.terms, source.ordering, source.shape
    )
    return paginator.get_paginated_response(rows)


def retrieve_response(view: ReadViewSet, request: Request) -> Response:
    """The record as it stood at the moment; a 404 if it did not exist then (not yet, or deleted)."""
    model = view.shape.model
    moment = requested_moment(request, model)
    raw = view.kwargs[view.lookup_url_kwarg or view.lookup_field]
    key = view.lookup_key(raw)
    versions = versions_at(model, moment).filter(**{model._meta.pk.attname: key})
    rows = version_shape(view.shape).read(versions)
    if not rows:
        stamp = moment.isoformat().replace("+00:00", "Z")
        raise NotFound(f"No {model._meta.verbose_name} had the id {raw} at {stamp}.")
    row = rows[0]
    # The ETag of that version, which is also the live record's while it stays unchanged.
    etag = version_etag(model, key, row["updated_at"])
    conditional = request.headers.get("If-None-Match")
    if conditional and not_modified(conditional, etag):
        return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
    return Response(row, headers={"ETag": etag})


def schema_parameters(view: Any) -> list[OpenApiParameter]:
    """`as_of` on the list and detail operations of every resource whose history is kept."""
    shape = getattr(view, "shape", None)
    if getattr(view, "action", None) in ("list", "retrieve") and shape is not None and has_history(shape.model):
        return [as_of_parameter]
    return []
