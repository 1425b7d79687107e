"""factory_boy factories for records a test makes (countries come from the fixtures)."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory

from cooperation import models

QUOTE = "The two countries signed an agreement."


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source

    title = factory.Sequence(lambda n: f"Test source {n}")
    publisher = "Test Gazette"
    language = "en"
    text = f"Preamble. {QUOTE} Trade grew. Students travelled. Closing words."


class RecordFactory(factory.django.DjangoModelFactory):
    source = factory.SubFactory(SourceFactory)
    source_quote = QUOTE


class TradeFigureFactory(RecordFactory):
    class Meta:
        model = models.TradeFigure

    reporter_id = "KZ"
    partner_id = "HU"
    flow = models.Flow.TURNOVER
    period_start = datetime.date(2022, 1, 1)
    period_end = datetime.date(2022, 12, 31)
    value = Decimal("1000000.00")
    currency = "USD"
    qualifier = models.Qualifier.EXACT


class InvestmentFactory(RecordFactory):
    class Meta:
        model = models.Investment
        skip_postgeneration_save = True

    investor_id = "HU"
    recipient_id = "KZ"
    amount = Decimal("5000000.00")
    currency = "USD"
    status = models.InvestmentStatus.REALIZED
    period_start = datetime.date(2020, 1, 1)
    period_end = datetime.date(2020, 12, 31)

    @factory.post_generation
    def sectors(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create and extracted:
            for slug in extracted:
                models.Sector.objects.get_or_create(slug=slug)
            self.sectors.set(extracted)


class CulturalLandmarkFactory(RecordFactory):
    class Meta:
        model = models.CulturalLandmark

    name = factory.Sequence(lambda n: f"Landmark {n}")
    kind = models.LandmarkKind.MONUMENT
    located_in_id = "DE"
    city = "Berlin"
    honoured_country_id = "FR"


class ScholarshipProgramFactory(RecordFactory):
    class Meta:
        model = models.ScholarshipProgram

    name = factory.Sequence(lambda n: f"Programme {n}")
    sponsor_id = "DE"
    recipient_id = "FR"
    annual_grants = 10


class CulturalInitiativeFactory(RecordFactory):
    class Meta:
        model = models.CulturalInitiative
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Initiative {n}")
    kind = models.InitiativeKind.FESTIVAL

    @factory.post_generation
    def countries(self, create: bool, extracted: list[str] | None, **kwargs: object) -> None:
        if create:
            self.countries.set(extracted or ["DE", "FR"])
