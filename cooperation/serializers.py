"""Serializers: the JSON shape of every resource, and the validation of writes.

Write validation has one path: the model's `clean()`, which the admin's forms
and the fixture loader also call. Serializers only translate its errors.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from rest_framework import serializers

from cooperation.fields import CurrencyField, SectorsField, SourceURLField, StrictModelSerializer
from cooperation.models import (
    Country,
    CulturalInitiative,
    CulturalLandmark,
    Investment,
    Record,
    ScholarshipProgram,
    Sector,
    Source,
    TradeFigure,
)

if TYPE_CHECKING:
    from cooperation.registry import RecordResource


class CountrySerializer(serializers.ModelSerializer[Country]):
    """An ISO 3166-1 country."""

    class Meta:
        model = Country
        fields = ["code", "alpha3", "numeric", "name", "official_name"]
        read_only_fields = fields


class SourceSerializer(StrictModelSerializer):
    """A published text that records cite, with its full text."""

    url = SourceURLField(
        max_length=500, required=False, allow_blank=True, help_text="Where it was published; empty if unknown."
    )

    class Meta:
        model = Source
        fields = ["id", "title", "publisher", "url", "published_on", "language", "text", "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return validate_with_model(self, attrs)


class SourceSummarySerializer(serializers.ModelSerializer[Source]):
    """A source as the pair profile cites it: what it is and where it was published, not its text."""

    class Meta:
        model = Source
        fields = ["id", "title", "publisher", "url", "published_on", "language"]
        read_only_fields = fields


def validate_with_model(serializer: serializers.ModelSerializer[Any], attrs: dict[str, Any]) -> dict[str, Any]:
    """Run the model's own `clean()` on the instance as it would be saved."""
    model: type[models.Model] = serializer.Meta.model
    many_to_many = {field.name for field in model._meta.many_to_many}
    instance = copy.copy(serializer.instance) if serializer.instance is not None else model()
    for name, value in attrs.items():
        if name not in many_to_many:
            setattr(instance, name, value)
    try:
        instance.clean()
    except DjangoValidationError as exc:
        raise serializers.ValidationError(exc.message_dict) from exc
    return attrs


class RecordSerializer(StrictModelSerializer):
    """Fields and validation every record shares."""

    record_fields = ["source", "source_quote", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return validate_with_model(self, attrs)


class PeriodLabelMixin(serializers.Serializer[Any]):
    period_label = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="The period compactly: 2023, 2004/2024, 2024-01/2024-08, 2024-03, or 2024-01-15/2024-02-10.",
    )


class TradeFigureSerializer(PeriodLabelMixin, RecordSerializer):
    """Bilateral trade between two countries in one period, with the quote that states it."""

    period_label = serializers.CharField(
        read_only=True, help_text="The period compactly: 2023, 2004/2024, 2024-01/2024-08, 2024-03, or full dates."
    )
    currency = CurrencyField()

    class Meta:
        model = TradeFigure
        fields = [
            "id",
            "reporter",
            "partner",
            "flow",
            "period_start",
            "period_end",
            "period_label",
            "value",
            "currency",
            "qualifier",
            "change_pct",
            "notes",
            *RecordSerializer.record_fields,
        ]
        read_only_fields = ["id", "period_label", "created_at", "updated_at"]


class InvestmentSerializer(PeriodLabelMixin, RecordSerializer):
    """Capital from an investor country into a recipient country, with the quote that states it."""

    currency = CurrencyField(required=False)
    sectors = SectorsField(required=False, help_text="Sectors the investment targets: lower-case slugs.")

    class Meta:
        model = Investment
        fields = [
            "id",
            "investor",
            "recipient",
            "amount",
            "currency",
            "qualifier",
            "status",
            "sectors",
            "period_start",
            "period_end",
            "period_label",
            "description",
            *RecordSerializer.record_fields,
        ]
        read_only_fields = ["id", "period_label", "created_at", "updated_at"]

    def create(self, validated_data: dict[str, Any]) -> Record:
        ensure_sectors(validated_data.get("sectors", []))
        return super().create(validated_data)

    def update(self, instance: Record, validated_data: dict[str, Any]) -> Record:
        ensure_sectors(validated_data.get("sectors", []))
        return super().update(instance, validated_data)


def ensure_sectors(slugs: list[str]) -> None:
    Sector.objects.bulk_create([Sector(slug=slug) for slug in slugs], ignore_conflicts=True)


class CulturalLandmarkSerializer(RecordSerializer):
    """A place or object in one country that honours another, with the quote that states it."""

    class Meta:
        model = CulturalLandmark
        fields = [
            "id",
            "name",
            "kind",
            "located_in",
            "city",
            "honoured_country",
            "honours",
            "established_on",
            "latitude",
            "longitude",
            "description",
            *RecordSerializer.record_fields,
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class ScholarshipProgramSerializer(RecordSerializer):
    """Grants a sponsor country gives students of a recipient country, with the quote that states it."""

    class Meta:
        model = ScholarshipProgram
        fields = [
            "id",
            "name",
            "sponsor",
            "recipient",
            "annual_grants",
            "annual_grants_qualifier",
            "students_enrolled",
            "students_enrolled_qualifier",
            "level",
            "description",
            *RecordSerializer.record_fields,
        ]
        read_only_fields = ["id", "created_at", "updated_at"]


class CulturalInitiativeSerializer(RecordSerializer):
    """A joint body or programme of two or more countries, with the quote that states it."""

    class Meta:
        model = CulturalInitiative
        fields = [
            "id",
            "name",
            "kind",
            "countries",
            "established_on",
            "description",
            *RecordSerializer.record_fields,
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"countries": {"min_length": 2}}

    def validate_countries(self, countries: list[Country]) -> list[Country]:
        try:
            CulturalInitiative.clean_countries(countries)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return countries


def partner_serializer(resources: Iterable[RecordResource]) -> type[serializers.Serializer[Any]]:
    """A partner of the profile's country, with a count per resource."""
    counts = {resource.key: serializers.IntegerField(help_text=resource.partner_count_help) for resource in resources}
    counts_serializer = type(
        "PartnerCountsSerializer",
        (serializers.Serializer,),
        {"__doc__": "How many records of each resource two countries share.", **counts},
    )
    fields = {
        "__doc__": "A country that shares records with the profile's country, with counts per resource.",
        "country": CountrySerializer(help_text="The partner country."),
        "counts": counts_serializer(help_text="Records shared with the partner, per resource."),
    }
    return type("PartnerSerializer", (serializers.Serializer,), fields)


def pair_resource_serializer(resource: RecordResource) -> type[serializers.Serializer[Any]]:
    """One resource in the pair profile: its count, its latest records, and the link to them all."""
    what = resource.label
    fields = {
        "count": serializers.IntegerField(help_text=f"{what} the two countries share, all of them."),
        "recent": resource.serializer(
            many=True, help_text=f"The latest {what.lower()}, newest first (`recent` of them)."
        ),
        "list": serializers.URLField(help_text=f"The full list of these {what.lower()}, filtered by `pair`."),
        "__doc__": f"{what} of the pair: a count, the latest records and the link to the full list.",
    }
    name = "Pair" + "".join(word.capitalize() for word in resource.key.split("_"))  # PairTradeFigures
    return type(name, (serializers.Serializer,), fields)


def pair_profile_serializer(resources: Iterable[RecordResource]) -> type[serializers.Serializer[Any]]:
    """The pair profile: the two countries, each resource's part, the sources cited."""
    fields = {
        "__doc__": "What two countries share, bounded: per resource a count, the latest records and a link to all.",
        "country": CountrySerializer(help_text="The country of the URL's first code."),
        "partner": CountrySerializer(help_text="The country of the URL's second code."),
        **{resource.key: pair_resource_serializer(resource)() for resource in resources},
        "sources": SourceSummarySerializer(
            many=True,
            help_text="The sources that the returned records cite, without their text: each is read in full at "
            "/api/v1/sources/{id}/.",
        ),
    }
    return type("PairProfileSerializer", (serializers.Serializer,), fields)
