"""API views: thin declarations over the querysets, serializers and filters."""

from __future__ import annotations

import functools
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http.response import HttpResponseBase
from django.urls import get_script_prefix, reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer, ModelSerializer

from cooperation import as_of, csv_export, filters, response_cache, serializers
from cooperation.conditional import CACHE_CONTROL, key_type
from cooperation.etags import digest_etag, has_version, instance_etag, not_modified, require_current, version_etag
from cooperation.fields import COUNTRY_CODE_HELP, COUNTRY_CODE_PATTERN, parse_country_code
from cooperation.history import VersionPagination, describe_versions, version_serializer, versions_of
from cooperation.models import Country, Source
from cooperation.pagination import MAX_DIGITS, PageNumberPagination, RecordPagination
from cooperation.querysets import ApiQuerySet
from cooperation.registry import RECORD_RESOURCES, RecordResource
from cooperation.representations import RowShape, Statement
from cooperation.selectors import pair_profile, partner_summaries

# The pair profile's latest records per resource.
DEFAULT_RECENT = 10
MAX_RECENT = 100


def lookup_value(raw: str) -> str:
    """The URL's lookup value, or a 404 for one no key can take: keeps bad ids away from the database."""
    # isascii: str.isdigit() is also true for "²" and "٣", which no id column takes.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= MAX_DIGITS):
        raise NotFound("No record has this id.")
    return raw


@functools.cache
def detail_statement(view_class: type[ReadViewSet], alias: str) -> Statement:
    """One row of a view's shape by key, compiled once per database: what a detail reads."""
    shape = view_class.shape

    def by_key(key: Any) -> QuerySet[Any]:
        return view_class().read_queryset().using(alias).filter(pk=key)

    return Statement.compile(by_key, (key_type(shape.model),), shape)


class ReadViewSet(csv_export.CsvListMixin, viewsets.GenericViewSet[Any]):
    """Lists and details read straight into dicts (`RowShape`) and written by orjson.

    A detail builds no FilterSet and no serializer; its strong ETag comes from `updated_at`, so a
    matching If-None-Match costs one indexed lookup of one column. Lists filter, search, order and
    paginate as DRF would, then read one page of tuples.
    """

    serializer_class: type[ModelSerializer[Any]]
    shape: RowShape

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "serializer_class" in cls.__dict__:
            cls.shape = RowShape.of(cls.serializer_class)

    @classmethod
    def as_view(cls, actions: Any = None, **initkwargs: Any) -> Any:
        view = super().as_view(actions, **initkwargs)
        if actions and actions.get("get") == "retrieve" and has_version(cls.shape.model):
            vars(view)["versioned_model"] = cls.shape.model  # conditional.NotModifiedApp answers its 304s
        return view

    @property
    def row_paginator(self) -> RecordPagination:
        """The lists' paginator (DEFAULT_PAGINATION_CLASS), which pages a shape's rows."""
        paginator = self.paginator
        assert isinstance(paginator, RecordPagination)
        return paginator

    def read_queryset(self) -> QuerySet[Any]:
        """The rows lists and details read, as the shape selects them; the same for every request."""
        return self.shape.all_rows()

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        # Public data that changes: shared caches may keep it, and must ask (If-None-Match) before reuse.
        if request.method in permissions.SAFE_METHODS and response.status_code in (200, 304):
            response["Cache-Control"] = CACHE_CONTROL
        return super().finalize_response(request, response, *args, **kwargs)

    def list(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if csv_export.requested(request):
            return csv_export.streaming_response(self, request)
        if as_of.requested(request):
            return as_of.list_response(self, request)
        cached = response_cache.slot(request)
        if (hit := cached.hit()) is not None:
            return hit
        with cached.reading():
            queryset = self.filter_queryset(self.read_queryset())
            ordering = filters.StrictOrderingFilter()
            terms = ordering.terms(request, queryset, self)
            paginator = self.row_paginator
            rows = paginator.paginate_rows(
                queryset,
                request,
                terms,
                request.query_params.get(ordering.ordering_param, ""),
                self.shape,
            )
            response = paginator.get_paginated_response(rows)
        return cached.store(response.data) or response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if as_of.requested(request):
            return as_of.retrieve_response(self, request)
        model = self.shape.model
        raw = self.kwargs[self.lookup_url_kwarg or self.lookup_field]
        pk = self.lookup_key(raw)
        conditional = request.headers.get("If-None-Match")
        cached = response_cache.slot(request)
        response = cached.hit()
        if response is None:
            with cached.reading():
                alias = self.read_queryset().db  # the primary right after a write: reading() routes it
                rows = detail_statement(type(self), alias).fetch([pk], alias)
            if not rows:
                raise self.not_found(raw)
            row = rows[0]
            etag = version_etag(model, pk, row["updated_at"]) if has_version(model) else digest_etag(*row.values())
            response = cached.store(row, etag) or Response(row, headers={"ETag": etag})
        if conditional and not_modified(conditional, response["ETag"]):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": response["ETag"]})
        return response

    def lookup_key(self, raw: str) -> Any:
        return int(lookup_value(raw))

    def not_found(self, key: str) -> NotFound:
        return NotFound(f"No {self.shape.model._meta.verbose_name} has the id {key}.")


class EditableViewSet(
    ReadViewSet,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    mixins.DestroyModelMixin,
):
    """A resource editors write: atomic writes, row locks against lost updates, and its history."""

    queryset: ApiQuerySet
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # DRF checks permissions first; a method this route does not serve is a 405 for everyone.
        assert request.method is not None  # None only in an HttpRequest built by hand, never in one served
        if not hasattr(self, request.method.lower()):
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        queryset = self.queryset.for_api()
        if self.request.method not in permissions.SAFE_METHODS:
            # Held until the write commits, so two writers are checked against If-Match one after the other.
            queryset = queryset.select_for_update()
        return queryset

    def get_object(self) -> Any:
        queryset = self.get_queryset().filter(pk=lookup_value(self.kwargs["pk"]))
        instance = queryset.first()
        if instance is None:
            raise self.not_found(self.kwargs["pk"])
        self.check_object_permissions(self.request, instance)
        if header := self.request.headers.get("If-Match"):
            require_current(header, instance_etag(instance))
        return instance

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        super().perform_create(serializer)
        self.written = serializer.instance

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        super().perform_update(serializer)
        self.written = serializer.instance

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        # Writes answer with the new version's ETag, ready for the next If-Match.
        written = getattr(self, "written", None)
        if written is not None and response.status_code < 300:
            response["ETag"] = instance_etag(written)
        return super().finalize_response(request, response, *args, **kwargs)

    @transaction.atomic
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    @transaction.atomic
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().update(request, *args, **kwargs)

    @transaction.atomic
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().destroy(request, *args, **kwargs)

    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=VersionPagination, url_path="history")
    def history(self, request: Request, pk: str | None = None) -> Response:
        """The record's versions, newest first; still answers after the record is deleted."""
        model = self.shape.model
        versions = self.paginate_queryset(versions_of(model, lookup_value(str(pk))))
        if not versions:
            raise NotFound(f"No history for {model._meta.verbose_name} {pk}.")
        described = describe_versions(versions, self.serializer_class)
        return self.get_paginated_response(self.get_serializer(described).data)

    def get_serializer(self, *args: Any, **kwargs: Any) -> BaseSerializer[Any]:
        if self.action == "history":
            # A list of versions; drf-spectacular reads this too, and documents a paginated list.
            kwargs.setdefault("context", self.get_serializer_context())
            return version_serializer(self.serializer_class)(*args, many=True, **kwargs)
        return super().get_serializer(*args, **kwargs)


def record_viewset(resource: RecordResource) -> type[EditableViewSet]:
    """A record resource's viewset: all it declares comes from the resource's entry in the registry."""
    declarations = {
        "__doc__": resource.description,  # the operations' description in the schema
        "queryset": resource.model._default_manager.all(),
        "serializer_class": resource.serializer,
        "filterset_class": resource.filterset,
        "ordering_fields": list(resource.ordering_fields),
        "search_fields": resource.model.search_fields,
    }
    return type(f"{resource.model.__name__}ViewSet", (EditableViewSet,), declarations)


class SourceViewSet(EditableViewSet):
    """Published texts that records cite, with their full text."""

    queryset = Source.objects.all()
    serializer_class = serializers.SourceSerializer
    ordering_fields = ["title", "published_on"]
    search_fields = Source.search_fields


code_parameter = OpenApiParameter(
    "code",
    str,
    OpenApiParameter.PATH,
    description=f"The country. {COUNTRY_CODE_HELP}",
    pattern=COUNTRY_CODE_PATTERN,
)
other_parameter = OpenApiParameter(
    "other",
    str,
    OpenApiParameter.PATH,
    description=f"The partner country. {COUNTRY_CODE_HELP}",
    pattern=COUNTRY_CODE_PATTERN,
)


def path_country_code(raw: str) -> str:
    """The alpha-2 code of the country a URL names by any ISO 3166-1 code; a 404 if it names none."""
    try:
        return parse_country_code(raw)
    except DjangoValidationError as exc:
        raise NotFound(f"Unknown country code '{raw[:50].strip(' ').upper()}'.") from exc


@extend_schema_view(retrieve=extend_schema(parameters=[code_parameter]))
class CountryViewSet(ReadViewSet):
    """ISO 3166-1 countries, the reference data every record points to (read-only)."""

    queryset = Country.objects.all()
    serializer_class = serializers.CountrySerializer
    filterset_class = filters.CountryFilterSet
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    ordering_fields = ["name", "code"]
    search_fields = (*Country.search_fields, "=code", "=alpha3", "=numeric")

    def get_queryset(self) -> QuerySet[Country]:
        return Country.objects.all()

    def lookup_key(self, raw: str) -> Any:
        return path_country_code(raw)

    def not_found(self, key: str) -> NotFound:
        return NotFound(f"Unknown country code '{key[:50].strip(' ').upper()}'.")


@extend_schema(parameters=[code_parameter])
class CountryPartnersView(generics.ListAPIView[Any]):
    """The countries that share records with this country, with a count per resource."""

    serializer_class = serializers.partner_serializer(RECORD_RESOURCES)
    permission_classes = [permissions.AllowAny]
    filter_backends: list[Any] = []
    pagination_class = PageNumberPagination

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The summaries are a list, not a queryset: paged as one, which DRF's pagination takes.
        page = self.paginate_queryset(partner_summaries(path_country_code(self.kwargs["code"])))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


recent_parameter = OpenApiParameter(
    "recent",
    {"type": "integer", "minimum": 0, "maximum": MAX_RECENT, "default": DEFAULT_RECENT},
    OpenApiParameter.QUERY,
    description=f"How many of each resource's latest records to include: 0 to {MAX_RECENT}, default {DEFAULT_RECENT}.",
)


@extend_schema(parameters=[code_parameter, other_parameter, recent_parameter])
class CountryPairView(generics.GenericAPIView[Any]):
    """What the two countries share: per resource a count, the latest records and the link to all of them."""

    serializer_class = serializers.pair_profile_serializer(RECORD_RESOURCES)
    permission_classes = [permissions.AllowAny]
    filter_backends: list[Any] = []
    pagination_class = None

    def get(self, request: Request, code: str, other: str) -> HttpResponseBase:
        cached = response_cache.slot(request)
        if (hit := cached.hit()) is not None:
            return hit
        recent = bounded_int(request, "recent", DEFAULT_RECENT, MAX_RECENT)
        first, second = path_country_code(code), path_country_code(other)
        if first == second:
            raise ValidationError({"other": [f"A pair needs two different countries, not {first} twice."]})
        with cached.reading():
            profile = pair_profile(first, second, recent)
        for alpha2, role in ((first, "country"), (second, "partner")):
            if profile[role] is None:
                raise NotFound(f"Unknown country code '{alpha2}'.")
        pair = urlencode({"pair": f"{first},{second}"})
        root = request.build_absolute_uri("/").removesuffix("/")
        for resource, path in zip(RECORD_RESOURCES, list_paths(get_script_prefix()), strict=True):
            profile[resource.key]["list"] = f"{root}{path}?{pair}"
        return cached.store(profile) or Response(profile)


@functools.cache
def list_paths(script_prefix: str) -> tuple[str, ...]:
    """Each record list's path under this script prefix (which `reverse()` reads): the same for every profile."""
    return tuple(reverse(f"{resource.basename}-list") for resource in RECORD_RESOURCES)


def bounded_int(request: Request, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw[:6]) > maximum:
        raise ValidationError({name: [f"Must be a whole number from 0 to {maximum}, not {raw[:50]!r}."]})
    return int(raw)
