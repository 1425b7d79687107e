"""Serializers: the JSON shape of every resource, and the validation of writes.

Write validation has one path: the model's `clean()`, which the admin's forms
and the fixture loader also call. Serializers only translate its errors.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

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
    currency_validator,
    sector_validator,
)

# Surrounding spaces are tolerated (and dropped), so the schema says so.
COUNTRY_CODE_PATTERN = "^ *[A-Za-z]{2} *$"


@extend_schema_field({"type": "string", "pattern": COUNTRY_CODE_PATTERN})
class CountryCodeField(serializers.PrimaryKeyRelatedField[Country]):
    """A country by alpha-2 code: accepted in any case, returned upper-case."""

    default_error_messages = {
        "required": "This field is required.",
        "does_not_exist": "Unknown country code '{pk_value}'.",
        "incorrect_type": "Expected an ISO 3166-1 alpha-2 code as a string, got {data_type}.",
        "invalid": "'{value}' is not an ISO 3166-1 alpha-2 code.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Country.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Country:
        if not isinstance(data, str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not re.fullmatch(COUNTRY_CODE_PATTERN, data):
            self.fail("invalid", value=data[:50])
        return super().to_internal_value(data.strip(" ").upper())  # type: ignore[arg-type]


@extend_schema_field(OpenApiTypes.INT)
class SourceField(serializers.PrimaryKeyRelatedField[Source]):
    default_error_messages = {
        "does_not_exist": "Source {pk_value} does not exist.",
        "incorrect_type": "Expected a source id (integer), got {data_type}.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Source.objects.all())
        kwargs.setdefault("help_text", "Id of the source that states this record.")
        super().__init__(**kwargs)


@extend_schema_field({"type": "string", "pattern": "^[A-Za-z]{3}$", "example": "USD"})
class CurrencyField(serializers.CharField):
    """An ISO 4217 code, accepted in any case and stored upper-case."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("validators", [currency_validator])
        kwargs.setdefault("help_text", "ISO 4217 currency code (e.g. USD); any case, returned upper-case.")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        return super().to_internal_value(data).upper()


def integers_below(limit: int) -> str:
    """A regex alternation of the whole numbers 0 to limit - 1, without leading zeros."""
    digits = str(limit)
    parts = ["[0-9]" if width == 1 else f"[1-9][0-9]{{{width - 1}}}" for width in range(1, len(digits))]
    for index, digit in enumerate(digits):
        low = 1 if index == 0 and len(digits) > 1 else 0
        if int(digit) - 1 >= low:
            rest = len(digits) - index - 1
            parts.append(f"{digits[:index]}[{low}-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    return "|".join(parts)


def decimal_pattern(max_digits: int, decimal_places: int, min_value: Any, max_value: Any) -> str:
    """The decimal strings a DecimalField accepts, as a regex: digits, places, sign and a symmetric bound."""
    fraction = f"(?:\\.[0-9]{{1,{decimal_places}}})?"
    sign = "" if min_value is not None and min_value >= 0 else "-?"
    bound = max_value if max_value is not None and min_value == -max_value and max_value == int(max_value) else None
    if bound is not None and len(str(int(bound))) <= max_digits - decimal_places:
        zeros = f"(?:\\.0{{1,{decimal_places}}})?"
        return f"^{sign}(?:{int(bound)}{zeros}|(?:{integers_below(int(bound))}){fraction})$"
    return f"^{sign}[0-9]{{1,{max_digits - decimal_places}}}{fraction}$"


class StrictDecimalField(serializers.DecimalField):
    """A decimal as a string matching `pattern`, which the schema documents: DRF alone also takes "1e3" or 5."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assert self.max_digits is not None
        assert self.decimal_places is not None
        self.pattern = decimal_pattern(self.max_digits, self.decimal_places, self.min_value, self.max_value)

    def validate_empty_values(self, data: Any) -> tuple[bool, Any]:
        # DRF's DecimalField reads "" as null; the schema documents null, and "" matches no decimal.
        return serializers.Field.validate_empty_values(self, data)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or not re.fullmatch(self.pattern, data):
            self.fail("invalid")
        return super().to_internal_value(data)


class ManyKeysField(serializers.ListField):
    """A many-to-many field shown as the sorted keys of the related rows.

    A historical version carries `m2m_snapshot`, the keys as they were then;
    a live record reads its (prefetched) related rows.
    """

    def get_attribute(self, instance: Any) -> list[str]:
        snapshot = getattr(instance, "m2m_snapshot", None)
        if snapshot is not None:
            return list(snapshot[self.source])
        return sorted(str(related.pk) for related in getattr(instance, str(self.source)).all())

    def to_representation(self, data: Any) -> list[str]:
        return list(data)


class SectorsField(ManyKeysField):
    """Sectors as a list of lower-case slugs; new slugs are added to the vocabulary on write."""

    child = serializers.CharField(max_length=50, validators=[sector_validator])

    def to_internal_value(self, data: Any) -> list[str]:
        return sorted(set(super().to_internal_value(data)))


class CountryCodesField(ManyKeysField):
    """Countries as a sorted list of alpha-2 codes."""

    child = CountryCodeField()

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_length", 2)
        super().__init__(**kwargs)


class CountrySerializer(serializers.ModelSerializer[Country]):
    """An ISO 3166-1 country."""

    class Meta:
        model = Country
        fields = ["code", "alpha3", "numeric", "name", "official_name"]
        read_only_fields = fields


class KnownFieldsMixin(serializers.Serializer[Any]):
    """Refuse unknown fields, which DRF would otherwise drop silently (a typo would lose data unseen).

    Read-only fields (id, timestamps, period_label) are known: sending them back is fine, and they are ignored.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({str(name)[:100]: ["Unknown field."] for name in unknown})
            wrong = {
                name: [message]
                for name, value in data.items()
                if not self.fields[name].read_only and (message := json_type_error(self.fields[name], value))
            }
            if wrong:
                raise serializers.ValidationError(wrong)
        return super().to_internal_value(data)


def json_type_error(field: serializers.Field[Any, Any, Any, Any], value: Any) -> str | None:
    """Why the JSON value is not of the type the schema documents for the field, or None if it is.

    DRF coerces (5 for a string, "5" for an integer): the API refuses what its schema forbids instead.
    NUL is refused in every string, since PostgreSQL cannot store or compare it.
    """
    if value is None:
        return None
    if isinstance(field, serializers.ListField):
        if not isinstance(value, list):
            return None  # DRF's own message: "Expected a list of items".
        errors = (json_type_error(field.child, item) for item in value)
        return next((f"Item {index}: {error}" for index, error in enumerate(errors) if error), None)
    if isinstance(value, str) and "\x00" in value:
        return "Must not contain NUL bytes."
    expected: tuple[type, ...]
    if isinstance(field, serializers.BooleanField):
        expected, name = (bool,), "a boolean"
    elif isinstance(field, (serializers.IntegerField, SourceField)):
        expected, name = (int,), "an integer"
    elif isinstance(
        field,
        (
            serializers.CharField,
            serializers.ChoiceField,
            serializers.DateField,
            serializers.DateTimeField,
            serializers.DecimalField,
            CountryCodeField,
        ),
    ):
        expected, name = (str,), "a string"
    else:
        return None
    if (isinstance(value, bool) and bool not in expected) or not isinstance(value, expected):
        return f"Expected {name}, got {type(value).__name__}."
    return None


# http(s)/ftp(s) URLs with a domain name: a subset of what Django's URLValidator accepts, so the schema's
# pattern and the API agree on every value (the bare `format: uri` would admit "urn:x", which Django refuses).
SOURCE_URL_PATTERN = (
    r"^(?:(?:https?|ftps?)://(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?\.){1,4}[A-Za-z]{2,30}"
    r"(?:/[^\s\x00]*)?)?$"
)


@extend_schema_field(
    {"type": "string", "maxLength": 500, "pattern": SOURCE_URL_PATTERN, "example": "https://example.com/news/1"}
)
class SourceURLField(serializers.CharField):
    """An http(s) or ftp(s) URL with a domain name, or "" when the source has none."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validators", []).extend([RegexValidator(SOURCE_URL_PATTERN, self.message), self.valid_url])
        super().__init__(**kwargs)

    message = "Enter an http(s) or ftp(s) URL with a domain name, or leave it empty."

    @classmethod
    def valid_url(cls, value: str) -> None:
        # Called through a function, not listed as a URLValidator, whose `format: uri` would widen the schema.
        URLValidator(message=cls.message)(value)


class SourceSerializer(KnownFieldsMixin, serializers.ModelSerializer[Source]):
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


class RecordSerializer(KnownFieldsMixin, serializers.ModelSerializer[Record]):
    """Fields and validation every record shares."""

    source = SourceField()  # type: ignore[assignment]
    record_fields = ["source", "source_quote", "created_at", "updated_at"]
    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.DecimalField: StrictDecimalField,
    }

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
    reporter = CountryCodeField(help_text="Reporting country (alpha-2).")
    partner = CountryCodeField(help_text="Partner country (alpha-2).")
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

    investor = CountryCodeField(help_text="Investor country (alpha-2).")
    recipient = CountryCodeField(help_text="Recipient country (alpha-2).")
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

    located_in = CountryCodeField(help_text="Country where the landmark is (alpha-2).")
    honoured_country = CountryCodeField(help_text="Country the landmark honours (alpha-2).")

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

    sponsor = CountryCodeField(help_text="Sponsoring country (alpha-2).")
    recipient = CountryCodeField(help_text="Recipient country (alpha-2).")

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

    countries = CountryCodesField(help_text="Participating countries (alpha-2), at least two; sorted.")

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

    def validate_countries(self, countries: list[Country]) -> list[Country]:
        try:
            CulturalInitiative.clean_countries(countries)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.messages) from exc
        return countries


class PartnerCountsSerializer(serializers.Serializer[dict[str, int]]):
    """How many records of each resource two countries share."""

    trade_figures = serializers.IntegerField(help_text="Trade figures the two countries share.")
    investments = serializers.IntegerField(help_text="Investments between them, either direction.")
    cultural_landmarks = serializers.IntegerField(help_text="Landmarks in one honouring the other.")
    scholarship_programs = serializers.IntegerField(help_text="Scholarship programmes between them.")
    cultural_initiatives = serializers.IntegerField(help_text="Initiatives both take part in.")


class PartnerSerializer(serializers.Serializer[dict[str, Any]]):
    """A country that shares records with the profile's country, with counts per resource."""

    country = CountrySerializer(help_text="The partner country.")
    counts = PartnerCountsSerializer(help_text="Records shared with the partner, per resource.")


def pair_resource_serializer(
    name: str, record_serializer: type[serializers.ModelSerializer[Any]], what: str
) -> type[serializers.Serializer[Any]]:
    """One resource in the pair profile: its count, its latest records, and the link to them all."""
    fields = {
        "count": serializers.IntegerField(help_text=f"{what} the two countries share, all of them."),
        "recent": record_serializer(
            many=True, help_text=f"The latest {what.lower()}, newest first (`recent` of them)."
        ),
        "list": serializers.URLField(help_text=f"The full list of these {what.lower()}, filtered by `pair`."),
        "__doc__": f"{what} of the pair: a count, the latest records and the link to the full list.",
    }
    return type(name, (serializers.Serializer,), fields)


class PairProfileSerializer(serializers.Serializer[dict[str, Any]]):
    """What two countries share, bounded: per resource a count, the latest records and a link to all."""

    country = CountrySerializer(help_text="The country of the URL's first code.")
    partner = CountrySerializer(help_text="The country of the URL's second code.")
    trade_figures = pair_resource_serializer("PairTradeFigures", TradeFigureSerializer, "Trade figures")()
    investments = pair_resource_serializer("PairInvestments", InvestmentSerializer, "Investments")()
    cultural_landmarks = pair_resource_serializer("PairCulturalLandmarks", CulturalLandmarkSerializer, "Landmarks")()
    scholarship_programs = pair_resource_serializer(
        "PairScholarshipPrograms", ScholarshipProgramSerializer, "Scholarship programmes"
    )()
    cultural_initiatives = pair_resource_serializer(
        "PairCulturalInitiatives", CulturalInitiativeSerializer, "Initiatives"
    )()
    sources = SourceSummarySerializer(
        many=True,
        help_text="The sources that the returned records cite, without their text: each is read in full at "
        "/api/v1/sources/{id}/.",
    )
