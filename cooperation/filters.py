"""Query-string filters of every resource, as the contract names them.

The shared filters (`country`, `pair`, one country column, `year`, the period
bounds, money bounds) are declared once here and reused by each FilterSet.
Invalid input never filters silently: django-filter's DRF backend turns an
invalid form into a 400 naming the parameter.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar

import django_filters
import django_filters.rest_framework
from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.forms.utils import ErrorDict, ErrorList
from rest_framework import filters as drf_filters
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.views import APIView

from cooperation.fields import (
    BooleanFilter,
    CountFilter,
    CountryColumnFilter,
    CountryFilter,
    MoneyFilter,
    PairFilter,
    YearFilter,
)
from cooperation.models import (
    Country,
    CulturalInitiative,
    CulturalLandmark,
    Flow,
    InitiativeKind,
    Investment,
    InvestmentStatus,
    LandmarkKind,
    Qualifier,
    ScholarshipProgram,
    Source,
    TradeFigure,
)
from cooperation.pagination import OrderTerm, default_terms, with_primary_key
from cooperation.search import fold


def money_filter(field_name: str, lookup_expr: str, help_text: str) -> MoneyFilter:
    return MoneyFilter(field_name=field_name, lookup_expr=lookup_expr, help_text=help_text)


def source_filter() -> django_filters.ModelChoiceFilter:
    return django_filters.ModelChoiceFilter(
        queryset=Source.objects.all(),
        help_text="Records citing this source (its id).",
        error_messages={"invalid_choice": "Source %(value)s does not exist."},
    )


class StrictFilterSet(django_filters.FilterSet):
    """A FilterSet where an empty value (`?pair=`) is a 400, not a silently dropped filter.

    The schema documents a pattern, enum or type for every filter but free text, and "" matches none of
    them; free-text filters (plain CharFilter) take any string, the empty one included.

    Bound to a request, it copies only the filters the query string names, and cleans each value with
    its filter's form field as the filter form would (the widget reads the value, the field cleans it),
    without building the form: django-filter deep-copies every filter, then builds a form class and a
    form that deep-copies its fields, on every request, which cost a filtered list more than its query.
    The form is still there for the browsable API.
    """

    EMPTY = "Must not be empty; leave the parameter out to not filter by it."
    # Each filter's form field, built once: cleaning leaves a field as it was, and no field here depends
    # on the request (a ModelChoiceFilter's queryset is fixed, never a function of the request).
    form_fields: ClassVar[dict[tuple[type[StrictFilterSet], str], forms.Field]] = {}

    def __init__(self, data: Any = None, queryset: Any = None, *, request: Any = None, prefix: Any = None) -> None:
        if data is not None:  # shadows the class's base_filters for django-filter's __init__ only
            requested = {name: filter_ for name, filter_ in type(self).base_filters.items() if name in data}
            self.__dict__["base_filters"] = requested
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.__dict__.pop("base_filters", None)

    def form_field(self, name: str) -> forms.Field:
        key = (type(self), name)
        if (field := self.form_fields.get(key)) is None:
            field = self.form_fields[key] = self.filters[name].field
        return field

    @functools.cached_property
    def cleaned(self) -> tuple[dict[str, Any], ErrorDict]:
        """The requested filters' cleaned values, and the errors as the filter form would report them."""
        values: dict[str, Any] = {}
        errors = ErrorDict()
        for name, filter_ in self.filters.items():
            field = self.form_field(name)
            try:
                values[name] = field.clean(field.widget.value_from_datadict(self.data, {}, name))
            except DjangoValidationError as error:
                errors[name] = ErrorList(error.error_list)
                continue
            if type(filter_) is not django_filters.CharFilter and self.data.get(name) == "":
                errors[name] = ErrorList([DjangoValidationError(self.EMPTY)])
        return values, errors

    def is_valid(self) -> bool:
        return self.is_bound and not self.errors

    @property
    def errors(self) -> ErrorDict:
        return self.cleaned[1]

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        for name, value in self.cleaned[0].items():
            queryset = self.filters[name].filter(queryset, value)
        return queryset


class RecordFilterSet(StrictFilterSet):
    country = CountryFilter(help_text="Records involving this country on either side.")
    pair = PairFilter(
        help_text="Records between two countries in either direction: two ISO 3166-1 codes (alpha-2, alpha-3 "
        "or numeric, any case), comma-separated, e.g. KZ,HU or kaz,348."
    )
    source = source_filter()


class PeriodFilterSet(RecordFilterSet):
    year = YearFilter(help_text="Only records whose whole period lies in this calendar year (e.g. 2023).")
    period_after = django_filters.DateFilter(
        field_name="period_start", lookup_expr="gte", help_text="period_start on or after this date (YYYY-MM-DD)."
    )
    period_before = django_filters.DateFilter(
        field_name="period_end", lookup_expr="lte", help_text="period_end on or before this date (YYYY-MM-DD)."
    )


class TradeFigureFilterSet(PeriodFilterSet):
    reporter = CountryColumnFilter(help_text="Reporting country.")
    partner = CountryColumnFilter(help_text="Partner country.")
    flow = django_filters.ChoiceFilter(choices=Flow.choices, help_text="turnover, export or import.")
    value_min = money_filter("value", "gte", "value at least this (decimal).")
    value_max = money_filter("value", "lte", "value at most this (decimal).")
    currency = django_filters.CharFilter(help_text="ISO 4217 code, e.g. USD (any case).", method="filter_currency")
    qualifier = django_filters.ChoiceFilter(choices=Qualifier.choices, help_text="How the value is stated.")

    class Meta:
        model = TradeFigure
        fields: list[str] = []

    def filter_currency(self, qs: QuerySet[TradeFigure], name: str, value: str) -> QuerySet[TradeFigure]:
        return qs.filter(currency=value.upper())


class InvestmentFilterSet(PeriodFilterSet):
    investor = CountryColumnFilter(help_text="Investor country.")
    recipient = CountryColumnFilter(help_text="Recipient country.")
    status = django_filters.ChoiceFilter(choices=InvestmentStatus.choices, help_text="realized, planned or interest.")
    sector = django_filters.CharFilter(
        field_name="sectors__slug",
        lookup_expr="iexact",
        help_text="Investments targeting this sector (slug, e.g. logistics).",
    )
    amount_min = money_filter("amount", "gte", "amount at least this (decimal).")
    amount_max = money_filter("amount", "lte", "amount at most this (decimal).")

    class Meta:
        model = Investment
        fields: list[str] = []


class CulturalLandmarkFilterSet(RecordFilterSet):
    located_in = CountryColumnFilter(help_text="Country where the landmark is.")
    honoured_country = CountryColumnFilter(help_text="Country the landmark honours.")
    kind = django_filters.ChoiceFilter(choices=LandmarkKind.choices, help_text="Kind of landmark.")
    city = django_filters.CharFilter(lookup_expr="iexact", help_text="City, case-insensitive exact match.")

    class Meta:
        model = CulturalLandmark
        fields: list[str] = []


class ScholarshipProgramFilterSet(RecordFilterSet):
    sponsor = CountryColumnFilter(help_text="Sponsoring country.")
    recipient = CountryColumnFilter(help_text="Recipient country.")
    annual_grants_min = CountFilter(
        field_name="annual_grants", lookup_expr="gte", help_text="annual_grants at least this (integer)."
    )

    class Meta:
        model = ScholarshipProgram
        fields: list[str] = []


class CulturalInitiativeFilterSet(RecordFilterSet):
    kind = django_filters.ChoiceFilter(choices=InitiativeKind.choices, help_text="Kind of initiative.")

    class Meta:
        model = CulturalInitiative
        fields: list[str] = []


class CountryFilterSet(StrictFilterSet):
    has_records = BooleanFilter(
        method="filter_has_records",
        help_text="true: only countries that appear in at least one record; false: only those that appear in none.",
    )

    class Meta:
        model = Country
        fields: list[str] = []

    def filter_has_records(self, qs: Any, name: str, value: bool | None) -> Any:
        return qs if value is None else qs.with_records(value)


def ordering_pattern(fields: list[str]) -> str:
    term = f"-?(?:{'|'.join(fields)})"
    return f"^{term}(?:,{term})*$"


class StrictOrderingFilter(drf_filters.OrderingFilter):
    """DRF's ordering, but an unknown field is a 400 instead of being silently dropped.

    The primary key always ends the ordering, so pages never overlap or skip rows.
    """

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        fields = list(getattr(view, "ordering_fields", None) or [])
        if not fields:
            return []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": f"Sort by {', '.join(fields)}; prefix - to reverse; comma-separate several "
                "(e.g. -value,period_start). Nulls sort last; ties keep a stable order.",
                # One comma-separated string: generators send an array as repeated parameters, of which
                # only the last would count.
                "schema": {"type": "string", "pattern": ordering_pattern(fields)},
            }
        ]

    def get_ordering(self, request: Request, queryset: QuerySet[Any], view: APIView) -> list[Any] | None:
        return [term.expression() for term in self.terms(request, queryset, view)]

    def terms(self, request: Request, queryset: QuerySet[Any], view: APIView) -> list[OrderTerm]:
        """The list's ordering, always ending with the primary key so that pages never overlap or skip rows."""
        raw = request.query_params.get(self.ordering_param)
        if raw is None:
            return default_terms(queryset.model)
        terms = raw.split(",")
        allowed = [name for name, _label in self.get_valid_fields(queryset, view, {"request": request})]
        unknown = [term for term in terms if term.removeprefix("-") not in allowed]
        if unknown:
            message = f"Cannot order by {', '.join(map(repr, unknown))}; allowed: {', '.join(allowed)} (- reverses)."
            raise ValidationError({self.ordering_param: [message]})
        # Nulls last in both directions, the same on SQLite and PostgreSQL.
        return with_primary_key(
            queryset.model,
            [OrderTerm.of(queryset.model, term.removeprefix("-"), term.startswith("-")) for term in terms],
        )


class FilterBackend(django_filters.rest_framework.DjangoFilterBackend):
    """django-filter's backend, skipped outright when the query string names none of the view's filters."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        filterset_class = getattr(view, "filterset_class", None)
        if filterset_class is None or filterset_class.base_filters.keys().isdisjoint(request.query_params):
            return queryset
        filtered: QuerySet[Any] = super().filter_queryset(request, queryset, view)
        return filtered


class SearchFilter(drf_filters.SearchFilter):
    """Every word of `?search=` must occur in one of the view's `search_fields`, in any case and accents.

    The words are folded and looked up in the model's folded column (`Searchable.search_text`), which
    holds exactly the fields without a prefix; fields with `=` match a whole value, in any case.
    """

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: APIView) -> QuerySet[Any]:
        if self.search_param not in request.query_params:  # most reads: skip splitting an absent parameter
            return queryset
        search_fields = self.get_search_fields(view, request)
        terms = self.get_search_terms(request)
        if not search_fields or not terms:
            return queryset
        exact = [name.removeprefix("=") for name in search_fields if name.startswith("=")]
        for term in terms:
            condition = Q(search_text__contains=fold(term))
            for name in exact:
                condition |= Q(**{f"{name}__iexact": term})
            queryset = queryset.filter(condition)
        return queryset

    def get_schema_operation_parameters(self, view: APIView) -> list[dict[str, Any]]:
        fields = [name.lstrip("^=@$") for name in getattr(view, "search_fields", None) or []]
        if not fields:
            return []
        return [
            {
                "name": self.search_param,
                "required": False,
                "in": "query",
                "description": f"Text search in {', '.join(fields)}, ignoring case and accents (petofi finds "
                "Petőfi); every word must match.",
                "schema": {"type": "string"},
            }
        ]
