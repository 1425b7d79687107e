"""API views: thin declarations over the querysets, serializers and filters."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, permissions, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from cooperation import filters, serializers
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


class AtomicWritesMixin:
    """Every write is one transaction: a record and its many-to-many rows land together or not at all."""

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        with transaction.atomic():
            serializer.save()

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        with transaction.atomic():
            serializer.save()

    def perform_destroy(self, instance: Any) -> None:
        with transaction.atomic():
            instance.delete()


class RecordViewSet(AtomicWritesMixin, viewsets.ModelViewSet[Any]):
    http_method_names = ["get", "post", "put", "patch", "delete", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        return self.queryset.for_api()  # type: ignore[union-attr]


class TradeFigureViewSet(RecordViewSet):
    """Bilateral trade between two countries in one period."""

    queryset = TradeFigure.objects.all()
    serializer_class = serializers.TradeFigureSerializer
    filterset_class = filters.TradeFigureFilterSet
    ordering_fields = ["period_start", "period_end", "value"]


class InvestmentViewSet(RecordViewSet):
    """Capital from an investor country into a recipient country."""

    queryset = Investment.objects.all()
    serializer_class = serializers.InvestmentSerializer
    filterset_class = filters.InvestmentFilterSet
    ordering_fields = ["amount", "period_start"]


class CulturalLandmarkViewSet(RecordViewSet):
    """Places and objects in one country that honour another."""

    queryset = CulturalLandmark.objects.all()
    serializer_class = serializers.CulturalLandmarkSerializer
    filterset_class = filters.CulturalLandmarkFilterSet
    ordering_fields = ["name", "established_on"]
    search_fields = ["name", "city", "honours", "description"]


class ScholarshipProgramViewSet(RecordViewSet):
    """Grants that a sponsor country gives students of a recipient country."""

    queryset = ScholarshipProgram.objects.all()
    serializer_class = serializers.ScholarshipProgramSerializer
    filterset_class = filters.ScholarshipProgramFilterSet
    ordering_fields = ["name", "annual_grants"]
    search_fields = ["name", "level", "description"]


class CulturalInitiativeViewSet(RecordViewSet):
    """Joint bodies and programmes: foundations, festivals, publishing, exchanges."""

    queryset = CulturalInitiative.objects.all()
    serializer_class = serializers.CulturalInitiativeSerializer
    filterset_class = filters.CulturalInitiativeFilterSet
    ordering_fields = ["name", "established_on"]
    search_fields = ["name", "description"]


class SourceViewSet(AtomicWritesMixin, viewsets.ModelViewSet[Source]):
    """Published texts that records cite, with their full text."""

    queryset = Source.objects.all()
    serializer_class = serializers.SourceSerializer
    ordering_fields = ["title", "published_on"]
    search_fields = ["title", "publisher", "text"]
    http_method_names = RecordViewSet.http_method_names

    def get_queryset(self) -> QuerySet[Source]:
        return Source.objects.all()


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
class CountryViewSet(viewsets.ReadOnlyModelViewSet[Country]):
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
    return get_object_or_404(Country, code=code.upper())


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
