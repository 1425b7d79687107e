"""Model invariants, checked twice: by validation (admin, API, fixtures) and by the database."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from cooperation.models import (
    Country,
    CulturalInitiative,
    CulturalLandmark,
    Investment,
    ScholarshipProgram,
    Sector,
    Source,
    TradeFigure,
    period_label,
)
from tests import factories
from tests.resources import RECORD_SPECS

pytestmark = pytest.mark.django_db

RECORD_FACTORIES = [spec.factory for spec in RECORD_SPECS]

BACKWARDS = {"period_start": datetime.date(2024, 2, 1), "period_end": datetime.date(2024, 1, 31)}

# (factory, values that break one invariant, the field validation names, the database constraint that refuses it)
BROKEN_INVARIANTS = [
    pytest.param(factories.TradeFigureFactory, BACKWARDS, "period_end", "trade_period_ordered", id="trade-period"),
    pytest.param(
        factories.InvestmentFactory, BACKWARDS, "period_end", "investment_period_ordered", id="investment-period"
    ),
    pytest.param(
        factories.InvestmentFactory,
        {"period_end": None},
        "period_end",
        "investment_period_complete",
        id="investment-period-without-end",
    ),
    pytest.param(
        factories.TradeFigureFactory, {"partner_id": "KZ"}, "partner", "trade_countries_differ", id="trade-pair"
    ),
    pytest.param(
        factories.InvestmentFactory,
        {"recipient_id": "HU"},
        "recipient",
        "investment_countries_differ",
        id="investment-pair",
    ),
    pytest.param(
        factories.CulturalLandmarkFactory,
        {"honoured_country_id": "DE"},
        "honoured_country",
        "landmark_countries_differ",
        id="landmark-pair",
    ),
    pytest.param(
        factories.ScholarshipProgramFactory,
        {"recipient_id": "DE"},
        "recipient",
        "scholarship_countries_differ",
        id="scholarship-pair",
    ),
    pytest.param(
        factories.TradeFigureFactory,
        {"value": Decimal("-0.01")},
        "value",
        "trade_value_non_negative",
        id="trade-negative-value",
    ),
    pytest.param(
        factories.InvestmentFactory,
        {"amount": Decimal("-1")},
        "amount",
        "investment_amount_non_negative",
        id="investment-negative-amount",
    ),
    # PositiveIntegerField's own check: unnamed on SQLite, `<table>_<field>_check` on PostgreSQL.
    pytest.param(
        factories.ScholarshipProgramFactory,
        {"annual_grants": -1},
        "annual_grants",
        "annual_grants",
        id="scholarship-negative-grants",
    ),
    pytest.param(
        factories.ScholarshipProgramFactory,
        {"students_enrolled": -1},
        "students_enrolled",
        "students_enrolled",
        id="scholarship-negative-students",
    ),
    pytest.param(
        factories.TradeFigureFactory,
        {"currency": "usd"},
        "currency",
        "trade_currency_iso4217",
        id="trade-lower-case-currency",
    ),
    pytest.param(
        factories.TradeFigureFactory, {"currency": "U$D"}, "currency", "trade_currency_iso4217", id="trade-bad-currency"
    ),
    pytest.param(
        factories.InvestmentFactory,
        {"currency": "eur"},
        "currency",
        "investment_currency_iso4217",
        id="investment-lower-case-currency",
    ),
    pytest.param(
        factories.InvestmentFactory,
        {"currency": "US1"},
        "currency",
        "investment_currency_iso4217",
        id="investment-bad-currency",
    ),
    pytest.param(factories.TradeFigureFactory, {"flow": "barter"}, "flow", "trade_flow_valid", id="trade-flow"),
    pytest.param(
        factories.TradeFigureFactory,
        {"qualifier": "roughly"},
        "qualifier",
        "trade_qualifier_valid",
        id="trade-qualifier",
    ),
    pytest.param(
        factories.InvestmentFactory, {"status": "rumour"}, "status", "investment_status_valid", id="investment-status"
    ),
    pytest.param(
        factories.InvestmentFactory,
        {"qualifier": "roughly"},
        "qualifier",
        "investment_qualifier_valid",
        id="investment-qualifier",
    ),
    pytest.param(
        factories.CulturalLandmarkFactory, {"kind": "statue"}, "kind", "landmark_kind_valid", id="landmark-kind"
    ),
    pytest.param(
        factories.ScholarshipProgramFactory,
        {"annual_grants_qualifier": "roughly"},
        "annual_grants_qualifier",
        "scholarship_grants_qualifier_valid",
        id="scholarship-grants-qualifier",
    ),
    pytest.param(
        factories.ScholarshipProgramFactory,
        {"students_enrolled_qualifier": "roughly"},
        "students_enrolled_qualifier",
        "scholarship_enrolled_qualifier_valid",
        id="scholarship-students-qualifier",
    ),
    pytest.param(
        factories.CulturalInitiativeFactory, {"kind": "concert"}, "kind", "initiative_kind_valid", id="initiative-kind"
    ),
    pytest.param(
        factories.CulturalLandmarkFactory,
        {"latitude": Decimal("90.000001"), "longitude": Decimal("0")},
        "latitude",
        "landmark_latitude_range",
        id="landmark-latitude-above-90",
    ),
    pytest.param(
        factories.CulturalLandmarkFactory,
        {"latitude": Decimal("-91"), "longitude": Decimal("0")},
        "latitude",
        "landmark_latitude_range",
        id="landmark-latitude-below-minus-90",
    ),
    pytest.param(
        factories.CulturalLandmarkFactory,
        {"latitude": Decimal("0"), "longitude": Decimal("180.5")},
        "longitude",
        "landmark_longitude_range",
        id="landmark-longitude-above-180",
    ),
]


def built(factory: Any, **overrides: Any) -> models.Model:
    """An unsaved record citing a saved source, so that validation can look up the source's text."""
    return factory.build(source=factories.SourceFactory(), **overrides)


@pytest.mark.parametrize("factory", RECORD_FACTORIES, ids=lambda factory: factory._meta.model.__name__)
def test_factory_record_is_valid(factory: Any) -> None:
    """The baseline the invariant tests break one field of."""
    built(factory).full_clean()


@pytest.mark.parametrize(("factory", "overrides", "field", "constraint"), BROKEN_INVARIANTS)
def test_full_clean_names_the_field_of_a_broken_invariant(
    factory: Any, overrides: dict[str, Any], field: str, constraint: str
) -> None:
    with pytest.raises(ValidationError) as excinfo:
        built(factory, **overrides).full_clean()
    assert field in excinfo.value.message_dict


@pytest.mark.parametrize(("factory", "overrides", "field", "constraint"), BROKEN_INVARIANTS)
def test_database_refuses_a_broken_invariant(
    factory: Any, overrides: dict[str, Any], field: str, constraint: str
) -> None:
    """Saving without validation (raw SQL, loaddata, a bug) still cannot store it."""
    model = factory._meta.model
    source = factories.SourceFactory()
    before = model.objects.count()
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        factory(source=source, **overrides)
    assert constraint in str(excinfo.value)
    assert model.objects.count() == before


@pytest.mark.parametrize("factory", RECORD_FACTORIES, ids=lambda factory: factory._meta.model.__name__)
def test_full_clean_refuses_a_quote_missing_from_the_source(factory: Any) -> None:
    with pytest.raises(ValidationError) as excinfo:
        built(factory, source_quote="A sentence the source never wrote.").full_clean()
    assert "source_quote" in excinfo.value.message_dict


@pytest.mark.parametrize("quote", ["", "   "])
def test_full_clean_refuses_a_blank_quote(quote: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        built(factories.TradeFigureFactory, source_quote=quote).full_clean()
    assert "source_quote" in excinfo.value.message_dict


def test_full_clean_refuses_latitude_without_longitude() -> None:
    with pytest.raises(ValidationError) as excinfo:
        built(factories.CulturalLandmarkFactory, latitude=Decimal("51.1")).full_clean()
    assert "longitude" in excinfo.value.message_dict


def test_source_text_change_that_drops_a_quote_is_refused() -> None:
    record = factories.TradeFigureFactory()
    source = record.source
    source.text = source.text.replace(factories.QUOTE, "")
    with pytest.raises(ValidationError) as excinfo:
        source.full_clean()
    assert "text" in excinfo.value.message_dict


def test_source_text_change_that_keeps_every_quote_is_accepted() -> None:
    source = factories.TradeFigureFactory().source
    source.text += " An added sentence."
    source.full_clean()


@pytest.mark.parametrize("countries", [[], ["KZ"], ["KZ", "KZ"]])
def test_cultural_initiative_refuses_fewer_than_two_countries(countries: list[str]) -> None:
    with pytest.raises(ValidationError):
        CulturalInitiative.clean_countries(countries)


def test_cultural_initiative_accepts_two_countries() -> None:
    CulturalInitiative.clean_countries(["KZ", "HU"])


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        ("2023-01-01", "2023-12-31", "2023"),
        ("2004-01-01", "2024-12-31", "2004/2024"),
        ("2024-01-01", "2024-08-31", "2024-01/2024-08"),
        ("2024-03-01", "2024-03-31", "2024-03"),
        ("2024-02-01", "2024-02-29", "2024-02"),
        ("2023-07-01", "2024-06-30", "2023-07/2024-06"),
        ("2024-01-15", "2024-02-10", "2024-01-15/2024-02-10"),
        ("2024-01-01", "2024-12-30", "2024-01-01/2024-12-30"),
        ("2024-05-09", "2024-05-09", "2024-05-09"),
    ],
)
def test_period_label(start: str, end: str, label: str) -> None:
    record = TradeFigure(period_start=datetime.date.fromisoformat(start), period_end=datetime.date.fromisoformat(end))
    assert record.period_label == label


def test_period_label_is_none_without_a_period() -> None:
    assert Investment(period_start=None, period_end=None).period_label is None
    assert period_label(None, None) is None


@pytest.mark.parametrize(
    ("model", "pk", "text"),
    [
        (Country, "KZ", "Kazakhstan (KZ)"),
        (Source, 1, "Kazakhstan, Hungary expand cooperation"),
        (Sector, "logistics", "logistics"),
        (TradeFigure, 1, "KZ-HU turnover 2024-01/2024-08: 131000000.00 USD"),
        (Investment, 1, "HU→KZ realized: 300000000.00 USD"),
        (Investment, 2, "KZ→HU interest: no amount"),
        (CulturalLandmark, 3, "Dombyra sculpture"),
        (ScholarshipProgram, 1, "Hungarian government scholarship programme"),
        (CulturalInitiative, 1, "Bars foundation"),
    ],
)
def test_str(model: type[models.Model], pk: Any, text: str) -> None:
    assert str(model._default_manager.get(pk=pk)) == text
