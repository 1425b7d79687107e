"""Django admin: reference data (countries, sectors) and the records editors keep.

Admin forms are ModelForms, so they run `full_clean()` and validate exactly as
the API does: the quote must occur in the source's text, periods must be
ordered, the two countries must differ. Record and source admins keep
django-simple-history's history with revert.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet, URLField
from django.http import HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from cooperation import models


def staff_can_view(request: HttpRequest) -> bool:
    # Reference data is public through the API; every staff user may read it,
    # which editors also need for the country and sector autocompletes.
    return request.user.is_active and request.user.is_staff


@admin.register(models.Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "alpha3", "numeric", "official_name")
    search_fields = ("code", "alpha3", "numeric", "name", "official_name")

    def get_readonly_fields(self, request: HttpRequest, obj: models.Country | None = None) -> Any:
        # The code is the primary key: changing it would copy the country, not rename it.
        return ("code",) if obj is not None else ()

    def has_view_permission(self, request: HttpRequest, obj: models.Country | None = None) -> bool:
        return staff_can_view(request) or super().has_view_permission(request, obj)


@admin.register(models.Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ("slug",)
    search_fields = ("slug",)

    def has_view_permission(self, request: HttpRequest, obj: models.Sector | None = None) -> bool:
        return staff_can_view(request) or super().has_view_permission(request, obj)


@admin.register(models.Source)
class SourceAdmin(SimpleHistoryAdmin):
    list_display = ("title", "publisher", "language", "published_on", "updated_at")
    list_filter = ("language", "published_on")
    search_fields = ("title", "publisher", "url", "text")
    readonly_fields = ("created_at", "updated_at")
    # Django 6 assumes https for a URL typed without a scheme; opt in now.
    formfield_overrides = {URLField: {"assume_scheme": "https"}}


class RecordAdmin(SimpleHistoryAdmin):
    """What every record admin shares: the source autocomplete, its text beside the quote, timestamps.

    Each record type's admin is named by its entry in `cooperation.registry`, and registered from there
    (`CooperationConfig.ready`).
    """

    readonly_fields = ("source_text", "created_at", "updated_at")
    list_filter: Any = ("source",)
    autocomplete_fields: Any = ("source",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = [name for name in super().get_fields(request, obj) if name != "source_text"]
        after_quote = fields.index("source_quote") + 1
        return [*fields[:after_quote], "source_text", *fields[after_quote:]]

    @admin.display(description="Source text")
    def source_text(self, obj: models.Record) -> str:
        # On a form that failed validation the instance already holds the chosen source.
        if obj.source_id is None:
            return "Choose a source and save: its full text appears here, to copy the quote from."
        return obj.source.text


class TradeFigureAdmin(RecordAdmin):
    list_display = ("id", "reporter", "partner", "flow", "period", "value", "currency", "qualifier", "change_pct")
    list_filter = (
        "flow",
        "qualifier",
        "currency",
        ("reporter", admin.RelatedOnlyFieldListFilter),
        ("partner", admin.RelatedOnlyFieldListFilter),
        "source",
    )
    list_select_related = ("reporter", "partner")
    search_fields = ("reporter__code", "reporter__name", "partner__code", "partner__name", "notes", "source_quote")
    autocomplete_fields = ("reporter", "partner", "source")

    @admin.display(description="Period", ordering="period_start")
    def period(self, obj: models.TradeFigure) -> str | None:
        return obj.period_label


class InvestmentAdmin(RecordAdmin):
    list_display = ("id", "investor", "recipient", "status", "amount", "currency", "qualifier", "period", "sector_list")
    list_filter = (
        "status",
        "qualifier",
        "sectors",
        ("investor", admin.RelatedOnlyFieldListFilter),
        ("recipient", admin.RelatedOnlyFieldListFilter),
        "source",
    )
    list_select_related = ("investor", "recipient")
    search_fields = (
        "investor__code",
        "investor__name",
        "recipient__code",
        "recipient__name",
        "description",
        "source_quote",
    )
    autocomplete_fields = ("investor", "recipient", "sectors", "source")

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.Investment]:
        return super().get_queryset(request).prefetch_related("sectors")

    @admin.display(description="Period", ordering="period_start")
    def period(self, obj: models.Investment) -> str | None:
        return obj.period_label

    @admin.display(description="Sectors")
    def sector_list(self, obj: models.Investment) -> str:
        return ", ".join(sector.slug for sector in obj.sectors.all())


class CulturalLandmarkAdmin(RecordAdmin):
    list_display = ("name", "kind", "city", "located_in", "honoured_country", "established_on")
    list_filter = (
        "kind",
        ("located_in", admin.RelatedOnlyFieldListFilter),
        ("honoured_country", admin.RelatedOnlyFieldListFilter),
        "source",
    )
    list_select_related = ("located_in", "honoured_country")
    search_fields = ("name", "city", "honours", "description", "located_in__name", "honoured_country__name")
    autocomplete_fields = ("located_in", "honoured_country", "source")


class ScholarshipProgramAdmin(RecordAdmin):
    list_display = ("name", "sponsor", "recipient", "annual_grants", "students_enrolled", "level")
    list_filter = (
        ("sponsor", admin.RelatedOnlyFieldListFilter),
        ("recipient", admin.RelatedOnlyFieldListFilter),
        "source",
    )
    list_select_related = ("sponsor", "recipient")
    search_fields = ("name", "level", "description", "sponsor__name", "recipient__name")
    autocomplete_fields = ("sponsor", "recipient", "source")


class CulturalInitiativeForm(forms.ModelForm):
    """Countries live in a many-to-many table that `full_clean()` cannot see, so the form checks them."""

    def clean_countries(self) -> Any:
        countries = self.cleaned_data["countries"]
        models.CulturalInitiative.clean_countries(countries)
        return countries


class CulturalInitiativeAdmin(RecordAdmin):
    form = CulturalInitiativeForm
    list_display = ("name", "kind", "country_codes", "established_on")
    list_filter = ("kind", ("countries", admin.RelatedOnlyFieldListFilter), "source")
    search_fields = ("name", "description", "countries__code", "countries__name")
    autocomplete_fields = ("countries", "source")

    def get_queryset(self, request: HttpRequest) -> QuerySet[models.CulturalInitiative]:
        return super().get_queryset(request).prefetch_related("countries")

    @admin.display(description="Countries")
    def country_codes(self, obj: models.CulturalInitiative) -> str:
        return ", ".join(sorted(country.code for country in obj.countries.all()))
