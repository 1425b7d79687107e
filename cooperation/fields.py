"""Strict input, in one place: the fields of request bodies and of query-string filters.

The API takes what its schema documents and nothing else. DRF and Django coerce (5 for "5", "5" for 5,
"1e3" for a decimal, "٢٠٢٤" for a year); the fields here refuse instead, each checking its own input,
so the rule travels with the field. Serializers get them through `StrictModelSerializer`'s mappings,
the way DRF intends (`serializer_field_mapping`, `serializer_related_field`): a new model field is
strict without a new line anywhere else.

Country codes have one rule, `COUNTRY_CODE`: an ISO 3166-1 alpha-2 (KZ), alpha-3 (KAZ) or numeric
(398) code, in any case, with surrounding spaces tolerated, that names a known country. Bodies, filters
and paths all read codes through `parse_country_code()`, and responses always answer with alpha-2.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from typing import Any, ClassVar

import django_filters
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator, URLValidator
from django.db import models
from django.utils.text import capfirst
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cooperation.countries import alpha2_code
from cooperation.models import COUNT_MAX, MONEY_MAX_DIGITS, Country, currency_validator, sector_validator

# --- Country codes ---------------------------------------------------------------------------------------

COUNTRY_CODE = "(?:[A-Za-z]{2,3}|[0-9]{3})"
COUNTRY_CODE_PATTERN = f"^ *{COUNTRY_CODE} *$"
COUNTRY_PAIR_PATTERN = f"^ *{COUNTRY_CODE} *, *{COUNTRY_CODE} *$"
COUNTRY_CODE_HELP = "ISO 3166-1 code: alpha-2 (KZ), alpha-3 (KAZ) or numeric (398), any case; answered as alpha-2."


def parse_country_code(value: str) -> str:
    """The alpha-2 code of the known country that `value` names by any ISO 3166-1 code.

    Raises a ValidationError coded `invalid` (not a code at all) or `unknown_country` (no such country).
    """
    if not re.fullmatch(COUNTRY_CODE_PATTERN, value):
        raise DjangoValidationError(
            f"'{value[:50]}' is not an ISO 3166-1 code: give alpha-2 (KZ), alpha-3 (KAZ) or numeric (398).",
            code="invalid",
        )
    code = value.strip(" ").upper()
    alpha2 = alpha2_code(code)
    if alpha2 is None:
        raise DjangoValidationError(f"Unknown country code '{code}'.", code="unknown_country")
    return alpha2


def drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(exc.messages, code=exc.code)


# --- Serializer fields: one JSON type each ----------------------------------------------------------------


class StrictField(serializers.Field[Any, Any, Any, Any]):
    """Takes only the JSON type its schema documents; strings never hold NUL (PostgreSQL cannot store it)."""

    json_types: ClassVar[tuple[type, ...]] = (str,)
    json_type_name: ClassVar[str] = "a string"

    def to_internal_value(self, data: Any) -> Any:
        if (isinstance(data, bool) and bool not in self.json_types) or not isinstance(data, self.json_types):
            raise serializers.ValidationError(f"Expected {self.json_type_name}, got {type(data).__name__}.")
        if isinstance(data, str) and "\x00" in data:
            raise serializers.ValidationError("Must not contain NUL bytes.")
        return super().to_internal_value(data)


class StrictCharField(StrictField, serializers.CharField):
    pass


class StrictEmailField(StrictField, serializers.EmailField):
    pass


class StrictSlugField(StrictField, serializers.SlugField):
    pass


class StrictURLField(StrictField, serializers.URLField):
    pass


class StrictIPAddressField(StrictField, serializers.IPAddressField):
    pass


class StrictUUIDField(StrictField, serializers.UUIDField):
    pass


class StrictChoiceField(StrictField, serializers.ChoiceField):
    pass


class StrictDateField(StrictField, serializers.DateField):
    pass


class StrictDateTimeField(StrictField, serializers.DateTimeField):
    pass


class StrictTimeField(StrictField, serializers.TimeField):
    pass


class StrictDurationField(StrictField, serializers.DurationField):
    pass


class StrictIntegerField(StrictField, serializers.IntegerField):
    json_types = (int,)
    json_type_name = "an integer"


class StrictFloatField(StrictField, serializers.FloatField):
    json_types = (int, float)
    json_type_name = "a number"


class StrictBooleanField(StrictField, serializers.BooleanField):
    json_types = (bool,)
    json_type_name = "a boolean"


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


def decimal_pattern(max_digits: int, decimal_places: int, min_value: Any = None, max_value: Any = None) -> str:
    """The decimal strings a DecimalField accepts, as a regex: digits, places, sign and a symmetric bound."""
    fraction = f"(?:\\.[0-9]{{1,{decimal_places}}})?"
    sign = "" if min_value is not None and min_value >= 0 else "-?"
    bound = max_value if max_value is not None and min_value == -max_value and max_value == int(max_value) else None
    if bound is not None and len(str(int(bound))) <= max_digits - decimal_places:
        zeros = f"(?:\\.0{{1,{decimal_places}}})?"
        return f"^{sign}(?:{int(bound)}{zeros}|(?:{integers_below(int(bound))}){fraction})$"
    return f"^{sign}[0-9]{{1,{max_digits - decimal_places}}}{fraction}$"


class StrictDecimalField(StrictField, serializers.DecimalField):
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
        if isinstance(data, str) and not re.fullmatch(self.pattern, data):
            self.fail("invalid")
        return super().to_internal_value(data)


# --- Related rows by key ----------------------------------------------------------------------------------


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


# What a list of related keys takes of the keyword arguments ModelSerializer builds; the rest go to its items.
LIST_KWARGS = (
    "read_only",
    "write_only",
    "required",
    "default",
    "initial",
    "source",
    "label",
    "help_text",
    "style",
    "error_messages",
    "allow_empty",
    "min_length",
    "max_length",
)


class RelatedKeyField(serializers.PrimaryKeyRelatedField[Any]):
    """A related row by its key; with many=True, a sorted list of keys (a ListField, as the schema shows)."""

    key_help: ClassVar[str] = ""

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("help_text") and self.key_help:
            kwargs["help_text"] = f"{kwargs['help_text']} {self.key_help}"
        super().__init__(**kwargs)

    @classmethod
    def many_init(cls, *args: Any, **kwargs: Any) -> Any:
        list_kwargs = {key: kwargs.pop(key) for key in LIST_KWARGS if key in kwargs}
        if list_kwargs.get("help_text") and cls.key_help:
            list_kwargs["help_text"] = f"{list_kwargs['help_text']} Each item: {cls.key_help}"
        return ManyKeysField(child=cls(*args, **kwargs), **list_kwargs)


class RelatedIdField(RelatedKeyField):
    """A related row by its primary key, in the JSON type of that key: DRF alone also takes "5" for 5."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.integer_key = True
        if self.queryset is not None:
            meta = self.queryset.model._meta
            self.integer_key = isinstance(meta.pk, models.IntegerField)
            self.error_messages["does_not_exist"] = f"{capfirst(str(meta.verbose_name))} {{pk_value}} does not exist."

    def to_internal_value(self, data: Any) -> Any:
        expected, name = (int, "an id (integer)") if self.integer_key else (str, "a key (string)")
        if isinstance(data, bool) or not isinstance(data, expected):
            raise serializers.ValidationError(f"Expected {name}, got {type(data).__name__}.")
        if isinstance(data, str) and "\x00" in data:
            raise serializers.ValidationError("Must not contain NUL bytes.")
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "pattern": COUNTRY_CODE_PATTERN})
class CountryCodeField(RelatedKeyField):
    """A country by any ISO 3166-1 code (the `COUNTRY_CODE` rule); represented by its alpha-2 code."""

    key_help = COUNTRY_CODE_HELP
    default_error_messages = {
        "does_not_exist": "Unknown country code '{pk_value}'.",
        "incorrect_type": "Expected an ISO 3166-1 code as a string, got {data_type}.",
    }

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", Country.objects.all())
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Country:
        if not isinstance(data, str):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            code = parse_country_code(data)
        except DjangoValidationError as exc:
            raise drf_error(exc) from exc
        country: Country = super().to_internal_value(code)
        return country


# --- Codes, slugs and URLs of this API -------------------------------------------------------------------


@extend_schema_field({"type": "string", "pattern": "^[A-Za-z]{3}$", "example": "USD"})
class CurrencyField(StrictCharField):
    """An ISO 4217 code, accepted in any case and stored upper-case."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("validators", [currency_validator])
        kwargs.setdefault("help_text", "ISO 4217 currency code (e.g. USD); any case, returned upper-case.")
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> str:
        return str(super().to_internal_value(data)).upper()


class SectorsField(ManyKeysField):
    """Sectors as a list of lower-case slugs; new slugs are added to the vocabulary on write."""

    child = StrictCharField(max_length=50, validators=[sector_validator])

    def to_internal_value(self, data: Any) -> list[str]:
        return sorted(set(super().to_internal_value(data)))


# http(s)/ftp(s) URLs with a domain name: a subset of what Django's URLValidator accepts, so the schema's
# pattern and the API agree on every value (the bare `format: uri` would admit "urn:x", which Django refuses).
SOURCE_URL_PATTERN = (
    r"^(?:(?:https?|ftps?)://(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?\.){1,4}[A-Za-z]{2,30}"
    r"(?:/[^\s\x00]*)?)?$"
)


@extend_schema_field(
    {"type": "string", "maxLength": 500, "pattern": SOURCE_URL_PATTERN, "example": "https://example.com/news/1"}
)
class SourceURLField(StrictCharField):
    """An http(s) or ftp(s) URL with a domain name, or "" when the source has none."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("validators", []).extend([RegexValidator(SOURCE_URL_PATTERN, self.message), self.valid_url])
        super().__init__(**kwargs)

    message = "Enter an http(s) or ftp(s) URL with a domain name, or leave it empty."

    @classmethod
    def valid_url(cls, value: str) -> None:
        # Called through a function, not listed as a URLValidator, whose `format: uri` would widen the schema.
        URLValidator(message=cls.message)(value)


class StrictModelSerializer(serializers.ModelSerializer[Any]):
    """A ModelSerializer whose every field is strict, and which refuses fields it does not know.

    DRF drops unknown fields silently, so a typo would lose data unseen. Read-only fields (id,
    timestamps, period_label) are known: sending them back is fine, and they are ignored.
    """

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.AutoField: StrictIntegerField,
        models.BigIntegerField: StrictIntegerField,
        models.IntegerField: StrictIntegerField,
        models.PositiveIntegerField: StrictIntegerField,
        models.PositiveSmallIntegerField: StrictIntegerField,
        models.SmallIntegerField: StrictIntegerField,
        models.FloatField: StrictFloatField,
        models.DecimalField: StrictDecimalField,
        models.BooleanField: StrictBooleanField,
        models.NullBooleanField: StrictBooleanField,
        models.CharField: StrictCharField,
        models.TextField: StrictCharField,
        models.CommaSeparatedIntegerField: StrictCharField,
        models.EmailField: StrictEmailField,
        models.SlugField: StrictSlugField,
        models.URLField: StrictURLField,
        models.GenericIPAddressField: StrictIPAddressField,
        models.UUIDField: StrictUUIDField,
        models.DateField: StrictDateField,
        models.DateTimeField: StrictDateTimeField,
        models.TimeField: StrictTimeField,
        models.DurationField: StrictDurationField,
    }
    serializer_choice_field = StrictChoiceField
    serializer_related_field = RelatedIdField
    # Relations whose key is not an integer id, by related model.
    serializer_related_fields: ClassVar[dict[type[models.Model], type[RelatedKeyField]]] = {Country: CountryCodeField}

    def build_relational_field(self, field_name: str, relation_info: Any) -> tuple[type[Any], dict[str, Any]]:
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        return self.serializer_related_fields.get(relation_info.related_model, field_class), kwargs

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({str(name)[:100]: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


# --- Filter fields: query-string values -------------------------------------------------------------------


class CountryCodeFormField(forms.CharField):
    """A filter's country, by the `COUNTRY_CODE` rule; cleans to the alpha-2 code."""

    def __init__(self, **kwargs: Any) -> None:
        # The rule itself drops the spaces it allows; Django's strip would also drop tabs and newlines.
        kwargs["strip"] = False
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str | None:
        value = super().clean(value)
        return parse_country_code(value) if value else None


class CountryPairFormField(forms.CharField):
    """Two different countries, comma-separated, each by the `COUNTRY_CODE` rule; cleans to their alpha-2 codes."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs["strip"] = False
        super().__init__(**kwargs)

    def clean(self, value: Any) -> tuple[str, str] | None:
        value = super().clean(value)
        if not value:
            return None
        parts = value.split(",")
        if len(parts) != 2:
            raise forms.ValidationError("Give exactly two country codes separated by a comma, such as KZ,HU.")
        first, second = (parse_country_code(part) for part in parts)
        if first == second:
            raise forms.ValidationError(f"A pair needs two different countries, not {first} twice.")
        return first, second


class BooleanFormField(forms.Field):
    """`true`/`false` (also 1/0); anything else is an error, not a silently ignored filter."""

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in ("true", "1"):
            return True
        if text in ("false", "0"):
            return False
        raise forms.ValidationError(f"Must be true or false, not '{str(value)[:50]}'.")


class IntegerFormField(forms.IntegerField):
    """ASCII digits only: Django's IntegerField also takes "2024.0" and "٢٠٢٤", which the schema's integer does not."""

    def to_python(self, value: Any) -> int | None:
        if value not in self.empty_values and not re.fullmatch(r"-?[0-9]{1,18}", str(value)):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


MONEY_PATTERN = decimal_pattern(MONEY_MAX_DIGITS, 2)


class MoneyFormField(forms.DecimalField):
    """A plain decimal as the schema's pattern has it: Django's DecimalField also takes "١٢" and "1e3"."""

    def __init__(self, **kwargs: Any) -> None:
        # Bounded like the money columns, so 1e400 is a 400 and never reaches the database.
        super().__init__(max_digits=MONEY_MAX_DIGITS, decimal_places=2, **kwargs)

    def to_python(self, value: Any) -> Any:
        if value not in self.empty_values and not re.fullmatch(MONEY_PATTERN, str(value)):
            raise forms.ValidationError("Enter a decimal number such as 1500000.50.", code="invalid")
        return super().to_python(value)


# No example: Swagger UI would fill every country parameter with the same code (reporter=KZ&partner=KZ).
COUNTRY_CODE_SCHEMA = {"type": "string", "pattern": COUNTRY_CODE_PATTERN}


@extend_schema_field(COUNTRY_CODE_SCHEMA)
class CountryColumnFilter(django_filters.CharFilter):
    """One country column (reporter, investor, ...), by the `COUNTRY_CODE` rule."""

    field_class = CountryCodeFormField

    def __init__(self, **kwargs: Any) -> None:
        if kwargs.get("help_text"):
            kwargs["help_text"] = f"{kwargs['help_text']} {COUNTRY_CODE_HELP}"
        super().__init__(**kwargs)


@extend_schema_field(COUNTRY_CODE_SCHEMA)
class CountryFilter(CountryColumnFilter):
    """Records in which the country takes part, on either side."""

    def filter(self, qs: Any, value: str | None) -> Any:
        return qs.involving(value) if value else qs


@extend_schema_field({"type": "string", "pattern": COUNTRY_PAIR_PATTERN, "example": "KZ,HU"})
class PairFilter(django_filters.CharFilter):
    """Records between two countries, in either direction."""

    field_class = CountryPairFormField

    def filter(self, qs: Any, value: tuple[str, str] | None) -> Any:
        return qs.for_pair(*value) if value else qs


@extend_schema_field(OpenApiTypes.INT)
class IntegerFilter(django_filters.NumberFilter):
    field_class = IntegerFormField


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": COUNT_MAX})
class CountFilter(IntegerFilter):
    """A count, bounded like the PositiveIntegerField it filters."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=0, max_value=COUNT_MAX, **kwargs)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": MONEY_PATTERN, "example": "1000000.00"})
class MoneyFilter(django_filters.NumberFilter):
    field_class = MoneyFormField


@extend_schema_field({"type": "integer", "minimum": datetime.MINYEAR, "maximum": datetime.MAXYEAR, "example": 2023})
class YearFilter(IntegerFilter):
    """Records whose whole period lies in the calendar year."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(min_value=datetime.MINYEAR, max_value=datetime.MAXYEAR, **kwargs)

    def filter(self, qs: Any, value: int | None) -> Any:
        return qs.within_year(value) if value is not None else qs


@extend_schema_field(OpenApiTypes.BOOL)
class BooleanFilter(django_filters.Filter):
    field_class = BooleanFormField
