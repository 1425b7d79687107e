"""The read path's shapes write exactly what the serializers write, value for value.

Lists and details are read into dicts by `RowShape` (cooperation/representations.py) rather than by
the serializers, which stay the one description of a resource; so every shape is compared here with
its serializer, rendered by DRF's own JSON renderer, over the article's records and over records
made to reach the edge cases: timestamps without a fraction, dates without a period, negative and
exponent-prone decimals, several related keys.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import orjson
import pytest
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from cooperation.etags import version_etag
from cooperation.registry import RECORD_RESOURCES, RecordResource
from cooperation.representations import api_timestamp, dumps
from tests import factories

pytestmark = pytest.mark.django_db

RESOURCES = {resource.key: resource for resource in RECORD_RESOURCES}


def as_serialized(resource: RecordResource, instance: Any) -> Any:
    return orjson.loads(JSONRenderer().render(resource.serializer(instance).data))


def as_read(resource: RecordResource, pk: int) -> Any:
    rows = resource.shape.read(resource.model._default_manager.filter(pk=pk))
    assert len(rows) == 1
    return orjson.loads(dumps(rows[0]))


def make_edge_records() -> None:
    factories.TradeFigureFactory(value=Decimal("0.00"), change_pct=Decimal("-3.5"))
    factories.TradeFigureFactory(
        value=Decimal("1E+2"), period_start=datetime.date(2024, 3, 1), period_end=datetime.date(2024, 3, 31)
    )
    factories.InvestmentFactory(sectors=["energy", "agriculture", "mining"], period_start=None, period_end=None)
    factories.InvestmentFactory(amount=Decimal("99999999999.99"))
    factories.CulturalLandmarkFactory(established_on=None)
    factories.ScholarshipProgramFactory(annual_grants=None)
    factories.CulturalInitiativeFactory(countries=["KZ", "HU", "DE"])
    whole_second = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    # PostgreSQL's text drops a fraction's trailing zeros; the API writes six digits.
    half_second = whole_second.replace(microsecond=500000)
    for resource in RECORD_RESOURCES:
        last, before = resource.model._default_manager.order_by("-pk").values_list("pk", flat=True)[:2]
        resource.model._default_manager.filter(pk=last).update(created_at=whole_second, updated_at=whole_second)
        resource.model._default_manager.filter(pk=before).update(created_at=half_second, updated_at=half_second)


@pytest.mark.parametrize("key", RESOURCES)
def test_every_row_reads_as_its_serializer_writes_it(key: str) -> None:
    make_edge_records()
    resource = RESOURCES[key]
    instances = list(resource.model._default_manager.all())
    assert len(instances) >= 2
    for instance in instances:
        assert as_read(resource, instance.pk) == as_serialized(resource, instance)


@pytest.mark.parametrize("key", RESOURCES)
def test_a_page_reads_the_same_rows_as_one_by_one(key: str) -> None:
    make_edge_records()
    resource = RESOURCES[key]
    page = orjson.loads(dumps(resource.shape.read(resource.model._default_manager.order_by("pk"))))
    assert page == [as_read(resource, row["id"]) for row in page]


def test_the_etag_is_the_same_from_a_row_and_from_the_instance() -> None:
    """A detail read for JSON holds `updated_at` as text on SQLite, a write holds the timestamp."""
    make_edge_records()
    for resource in RECORD_RESOURCES:
        for instance in resource.model._default_manager.all():
            row = resource.shape.read(resource.model._default_manager.filter(pk=instance.pk))[0]
            assert version_etag(resource.model, instance.pk, row["updated_at"]) == version_etag(
                resource.model, instance.pk, instance.updated_at
            )


def test_an_empty_read_is_an_empty_list() -> None:
    for resource in RECORD_RESOURCES:
        assert resource.shape.read(resource.model._default_manager.none()) == []
        assert resource.shape.read(resource.model._default_manager.filter(pk=-1)) == []


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("2024-01-02 03:04:05", "2024-01-02T03:04:05Z"),
        ("2024-01-02 03:04:05.123456", "2024-01-02T03:04:05.123456Z"),
        ("2024-01-02 03:04:05.5", "2024-01-02T03:04:05.500000Z"),  # PostgreSQL drops trailing zeros
        ("2024-01-02 03:04:05+05:00", "2024-01-01T22:04:05Z"),  # an offset, from text other tools wrote
        ("2024-01-02 03:04:05.12345Z", "2024-01-02T03:04:05.123450Z"),
        ("0999-01-02 03:04:05", "0999-01-02T03:04:05Z"),
        (None, None),
    ],
)
def test_timestamp_text_is_written_as_drf_writes_the_timestamp(text, written):
    assert api_timestamp(text) == written
    if text is not None:
        moment = datetime.datetime.fromisoformat(text)
        moment = moment.replace(tzinfo=datetime.UTC) if moment.tzinfo is None else moment
        assert written == serializers.DateTimeField().to_representation(moment).replace("+00:00", "Z")
