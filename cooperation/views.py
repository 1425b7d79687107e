"""API views: thin declarations over the querysets, serializers and filters."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from cooperation import filters, serializers
from cooperation.etags import etag_for, not_modified, require_current
from cooperation.history import record_versions
from cooperation.models import (
    Country,
    CulturalInitiative,
    CulturalLandmark,
    Investment,
    ScholarshipProgram,
    Source,
    TradeFigure,
)
from cooperation.profiles import pair_profile, partner_summaries

COUNTRY_CODE = "[A-Za-z]{2}"


class ConditionalMixin:
    """Strong ETags on details; If-None-Match gives 304, a stale If-Match on a write gives 412."""

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self.get_serializer(self.get_object()).data  # type: ignore[attr-defined]
        etag = etag_for(data)
        if not_modified(request, etag):
            return Response(status=status.HTTP_304_NOT_MODIFIED, headers={"ETag": etag})
        return Response(data, headers={"ETag": etag})

    def get_object(self) -> Any:
        instance = super().get_object()  # type: ignore[misc]
        if self.request.method not in permissions.SAFE_METHODS:  # type: ignore[attr-defined]
            require_current(self.request, etag_for(self.get_serializer(instance).data))  # type: ignore[attr-defined]
        return instance

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        # Writes answer with the new representation's ETag, ready for the next If-Match.
        if (
            request.method in ("POST", "PUT", "PATCH")
            and response.status_code < 300
            and isinstance(response.data, dict)
        ):
            response["ETag"] = etag_for(response.data)
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


class EditableViewSet(ConditionalMixin, viewsets.ModelViewSet[Any]):
    """A resource editors write: atomic writes, row locks against lost updates, and its history."""

    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]
    version_serializer_class: type[BaseSerializer[Any]]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # DRF checks permissions first; a method this route does not serve is a 405 for everyone.
        if not hasattr(self, request.method.lower()):  # type: ignore[union-attr]
            raise MethodNotAllowed(request.method)  # type: ignore[arg-type]
        super().initial(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        queryset = self.queryset.for_api()  # type: ignore[union-attr]
        if self.request.method not in permissions.SAFE_METHODS:
            # Held until the write commits, so two writers are checked against If-Match one after the other.
            queryset = queryset.select_for_update()
        return queryset

    @transaction.atomic
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().create(request, *args, **kwargs)

    @transaction.atomic
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().update(request, *args, **kwargs)

    @transaction.atomic
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().destroy(request, *args, **kwargs)

    @action(detail=True, methods=["get"], filter_backends=[], url_path="history")
    def history(self, request: Request, pk: str | None = None) -> Response:
        """The record's versions, newest first; still answers after the record is deleted."""
        model = self.queryset.model  # type: ignore[union-attr]
        # isascii: str.isdigit() is also true for "²" and "٣", which no id column takes.
        versions = record_versions(model, pk) if pk and pk.isascii() and pk.isdigit() else []
        if not versions:
            raise NotFound(f"No history for {model._meta.verbose_name} {pk}.")
        described = serializers.describe_versions(versions, self.serializer_class)  # type: ignore[arg-type]
        page = self.paginate_queryset(described)
        return self.get_paginated_response(self.get_serializer(page).data)

    def get_serializer(self, *args: Any, **kwargs: Any) -> BaseSerializer[Any]:
        if self.action == "history":
            # A list of versions; drf-spectacular reads this too, and documents a paginated list.
            kwargs.setdefault("context", self.get_serializer_context())
            return self.version_serializer_class(*args, many=True, **kwargs)
        return super().get_serializer(*args, **kwargs)


class TradeFigureViewSet(EditableViewSet):
    """Bilateral trade between two countries in one period."""

    queryset = TradeFigure.objects.all()
    serializer_class = serializers.TradeFigureSerializer
    version_serializer_class = serializers.TradeFigureVersionSerializer
    filterset_class = filters.TradeFigureFilterSet
    ordering_fields = ["period_start", "period_end", "value"]
    search_fields = ["notes", "source_quote"]


class InvestmentViewSet(EditableViewSet):
    """Capital from an investor country into a recipient country."""

    queryset = Investment.objects.all()
    serializer_class = serializers.InvestmentSerializer
    version_serializer_class = serializers.InvestmentVersionSerializer
    filterset_class = filters.InvestmentFilterSet
    ordering_fields = ["amount", "period_start"]
    search_fields = ["description", "source_quote"]


class CulturalLandmarkViewSet(EditableViewSet):
    """Places and objects in one country that honour another."""

    queryset = CulturalLandmark.objects.all()
    serializer_class = serializers.CulturalLandmarkSerializer
    version_serializer_class = serializers.CulturalLandmarkVersionSerializer
    filterset_class = filters.CulturalLandmarkFilterSet
    ordering_fields = ["name", "established_on"]
    search_fields = ["name", "city", "honours", "description"]


class ScholarshipProgramViewSet(EditableViewSet):
    """Grants that a sponsor country gives students of a recipient country."""

    queryset = ScholarshipProgram.objects.all()
    serializer_class = serializers.ScholarshipProgramSerializer
    version_serializer_class = serializers.ScholarshipProgramVersionSerializer
    filterset_class = filters.ScholarshipProgramFilterSet
    ordering_fields = ["name", "annual_grants"]
    search_fields = ["name", "level", "description"]


class CulturalInitiativeViewSet(EditableViewSet):
    """Joint bodies and programmes: foundations, festivals, publishing, exchanges."""

    queryset = CulturalInitiative.objects.all()
    serializer_class = serializers.CulturalInitiativeSerializer
    version_serializer_class = serializers.CulturalInitiativeVersionSerializer
    filterset_class = filters.CulturalInitiativeFilterSet
    ordering_fields = ["name", "established_on"]
    search_fields = ["name", "description"]


class SourceViewSet(EditableViewSet):
    """Published texts that records cite, with their full text."""

    queryset = Source.objects.all()
    serializer_class = serializers.SourceSerializer
    ordering_fields = ["title", "published_on"]
    search_fields = ["title", "publisher", "text"]
    version_serializer_class = serializers.SourceVersionSerializer


code_parameter = OpenApiParameter(
    "code",
    str,
    OpenApiParameter.PATH,
    description="Alpha-2 code of the country (any case).",
    pattern=f"^{COUNTRY_CODE}$",
)
other_parameter = OpenApiParameter(
    "other",
    str,
    OpenApiParameter.PATH,
    description="Alpha-2 code of the partner country (any case).",
    pattern=f"^{COUNTRY_CODE}$",
)


@extend_schema_view(retrieve=extend_schema(parameters=[code_parameter]))
class CountryViewSet(ConditionalMixin, viewsets.ReadOnlyModelViewSet[Country]):
    """ISO 3166-1 countries, the reference data every record points to (read-only)."""

    queryset = Country.objects.all()
    serializer_class = serializers.CountrySerializer
    filterset_class = filters.CountryFilterSet
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    lookup_value_regex = COUNTRY_CODE
    ordering_fields = ["name", "code"]
    search_fields = ["name", "official_name", "=code", "=alpha3"]

    def get_queryset(self) -> QuerySet[Country]:
        return Country.objects.all()

    def get_object(self) -> Country:
        return get_country(self.kwargs["code"])


def get_country(code: str) -> Country:
    country = Country.objects.filter(code=code.upper()).first()
    if country is None:
        raise NotFound(f"Unknown country code '{code.upper()}'.")
    return country


@extend_schema(parameters=[code_parameter])
class CountryPartnersView(generics.ListAPIView[Any]):
    """The countries that share records with this country, with a count per resource."""

    serializer_class = serializers.PartnerSerializer
    permission_classes = [permissions.AllowAny]
    filter_backends: list[Any] = []

    def get_queryset(self) -> list[dict[str, Any]]:  # type: ignore[override]
        return partner_summaries(get_country(self.kwargs["code"]).code)


@extend_schema(parameters=[code_parameter, other_parameter])
class CountryPairView(generics.GenericAPIView[Any]):
    """Everything the two countries share, gathered in one object."""

    serializer_class = serializers.PairProfileSerializer
    permission_classes = [permissions.AllowAny]
    filter_backends: list[Any] = []
    pagination_class = None

    def get(self, request: Request, code: str, other: str) -> Response:
        country, partner = get_country(code), get_country(other)
        if country.code == partner.code:
            raise ValidationError({"other": [f"A pair needs two different countries, not {country.code} twice."]})
        return Response(self.get_serializer(pair_profile(country, partner)).data)
