"""The bare-Django baseline: plain function views running the API's queries with `.values()` and orjson.

What Django itself costs for the same rows: URL routing, the ORM building the same SQL (same filters,
same order, a page of 50 and a COUNT), and an HttpResponse. No middleware, serializer or FilterSet.
It answers the API's URLs for the benchmarked queries (plus `?after=<value>,<id>` for a keyset page);
served with DJANGO_SETTINGS_MODULE=bench.baseline_settings.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache
from typing import Any

import orjson
from django.apps import apps
from django.db import models
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import path

from bench.resources import BY_PATH, COUNTRY_FIELDS, PAGE_SIZE, RECENT, RESOURCES, SOURCE_FIELDS, Resource, Term, etag

LOOKUPS = {"=": "", ">=": "__gte", "<=": "__lte"}


def json_response(data: Any, status: int = 200, etag_value: str | None = None) -> HttpResponse:
    response = HttpResponse(orjson.dumps(data, default=str), content_type="application/json", status=status)
    if etag_value:
        response["ETag"] = etag_value
    return response


def not_found(what: str) -> HttpResponse:
    return json_response({"detail": f"No {what}."}, status=404)


@cache
def model_of(label: str) -> type[models.Model]:
    return apps.get_model(label)


def order_term(term: Term) -> Any:
    if term.nullable:
        column = F(term.column)
        return column.desc(nulls_last=True) if term.descending else column.asc(nulls_last=True)
    return f"-{term.column}" if term.descending else term.column


def order(terms: tuple[Term, ...]) -> list[Any]:
    return [order_term(term) for term in terms]


def filtered(resource: Resource, queryset: QuerySet[Any], params: QueryDict) -> QuerySet[Any]:
    for name, (column, operator) in resource.filters.items():
        if name in params:
            queryset = queryset.filter(**{f"{column}{LOOKUPS[operator]}": params[name]})
    if resource.many and resource.pair_column is None and "country" in params:
        queryset = queryset.filter(**{resource.many.name: str(params["country"]).upper()})
    for word in params.get("search", "").split():
        queryset = queryset.filter(Q.create([(f"{field}__icontains", word) for field in resource.search], Q.OR))
    return queryset


def keyset_after(resource: Resource, queryset: QuerySet[Any], after: str) -> QuerySet[Any]:
    """Rows after (value, id) in the list's order; the first column is not nullable where this is used."""
    value, pk = after.rsplit(",", 1)
    column = resource.ordering[0].column
    beyond = Q(**{f"{column}__gt": value}) | Q(**{column: value, "id__gt": int(pk)})
    return queryset.filter(Q(**{f"{column}__gte": value}) & beyond)


def add_many_keys(resource: Resource, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The sorted keys of the many-to-many field, in one more query for the whole page."""
    if resource.many is None or not rows:
        return rows
    many = resource.many
    field = model_of(resource.model)._meta.get_field(many.name)
    assert isinstance(field, models.ManyToManyField)
    through = field.remote_field.through
    assert through is not None
    keys: dict[int, list[str]] = defaultdict(list)
    links = through._default_manager.filter(**{f"{many.own}__in": [row["id"] for row in rows]})
    for own, other in links.values_list(many.own, many.other):
        keys[own].append(other)
    for row in rows:
        row[many.name] = sorted(keys[row["id"]])
    return rows


def record_list(request: HttpRequest, resource_path: str) -> HttpResponse:
    resource = BY_PATH.get(resource_path)
    if resource is None:
        return not_found("such resource")
    queryset = filtered(resource, model_of(resource.model)._default_manager.all(), request.GET)
    ordered = queryset.order_by(*order(resource.ordering))
    if "after" in request.GET:
        # A keyset page does not count, as the API's cursor page does not.
        count = None
        rows = list(keyset_after(resource, ordered, request.GET["after"]).values(*resource.fields)[:PAGE_SIZE])
    else:
        offset = (int(request.GET.get("page", "1")) - 1) * PAGE_SIZE
        count = queryset.count()
        rows = list(ordered.values(*resource.fields)[offset : offset + PAGE_SIZE])
    return json_response({"count": count, "results": add_many_keys(resource, rows)})


def record_detail(request: HttpRequest, resource_path: str, pk: int) -> HttpResponse:
    resource = BY_PATH.get(resource_path)
    if resource is None:
        return not_found("such resource")
    queryset = model_of(resource.model)._default_manager.filter(pk=pk)
    conditional = request.headers.get("If-None-Match")
    if conditional:
        updated_at = queryset.values_list("updated_at", flat=True).first()
        if updated_at is None:
            return not_found("such record")
        if conditional == etag(pk, updated_at):
            return HttpResponse(status=304, headers={"ETag": conditional})
    row = queryset.values(*resource.fields).first()
    if row is None:
        return not_found("such record")
    return json_response(add_many_keys(resource, [row])[0], etag_value=etag(pk, row["updated_at"]))


def pair_records(resource: Resource, first: str, second: str) -> QuerySet[Any]:
    manager = model_of(resource.model)._default_manager
    if resource.pair_column:
        return manager.filter(**{resource.pair_column: ",".join(sorted((first, second)))})
    assert resource.many is not None
    return manager.filter(**{resource.many.name: first}).filter(**{resource.many.name: second})


def pair_profile(request: HttpRequest, code: str, other: str) -> HttpResponse:
    """Per resource a count and the latest records of the pair; the two countries; the sources cited."""
    first, second = code.upper(), other.upper()
    countries = model_of("cooperation.Country")._default_manager.filter(code__in=(first, second))
    by_code = {row["code"]: row for row in countries.values(*COUNTRY_FIELDS)}
    if len(by_code) != 2:
        return not_found("such pair of countries")
    profile: dict[str, Any] = {"country": by_code[first], "partner": by_code[second]}
    cited: set[int] = set()
    for resource in RESOURCES:
        matching = pair_records(resource, first, second)
        latest = list(matching.order_by(*order(resource.recent)).values(*resource.fields)[:RECENT])
        profile[resource.key] = {"count": matching.count(), "recent": add_many_keys(resource, latest)}
        cited.update(row["source"] for row in latest)
    sources = model_of("cooperation.Source")._default_manager.filter(pk__in=cited)
    profile["sources"] = list(sources.values(*SOURCE_FIELDS))
    return json_response(profile)


urlpatterns = [
    path("api/v1/countries/<str:code>/partners/<str:other>/", pair_profile),
    path("api/v1/<str:resource_path>/", record_list),
    path("api/v1/<str:resource_path>/<int:pk>/", record_detail),
]
