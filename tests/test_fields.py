"""Strict input has one home (cooperation/fields.py): every writable field of every serializer comes from it."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from django.db import models
from rest_framework import serializers

from cooperation import fields
from cooperation import models as models_module
from cooperation.urls import router
from tests.helpers import assert_error_shape, detail_url, make_user, token_client

SERIALIZERS = [viewset.serializer_class for _prefix, viewset, _basename in router.registry]
# Model fields a JSON API of this kind does not take: files, JSON of any shape, and (below) PostgreSQL's own.
NOT_JSON_SCALARS = {models.FileField, models.ImageField, models.FilePathField, models.JSONField, models.Field}


def is_strict(field: Any) -> bool:
    if isinstance(field, serializers.ListField):
        return is_strict(field.child)
    return isinstance(field, (fields.StrictField, fields.RelatedKeyField))


@pytest.mark.parametrize("serializer_class", SERIALIZERS, ids=lambda cls: cls.__name__)
def test_every_writable_field_is_strict(serializer_class):
    """A new model field gets a strict field from the mappings, with no line anywhere else."""
    loose = [name for name, field in serializer_class().fields.items() if not field.read_only and not is_strict(field)]
    assert loose == []


def test_the_mapping_has_a_strict_field_for_every_json_model_field():
    mapping = fields.StrictModelSerializer.serializer_field_mapping
    loose = [
        model_field.__name__
        for model_field, field_class in mapping.items()
        if model_field not in NOT_JSON_SCALARS
        and not model_field.__module__.startswith("django.contrib.postgres")
        and not issubclass(field_class, fields.StrictField)
    ]
    assert loose == []


def test_a_new_model_field_is_strict_without_a_declaration():
    """A serializer of a model it has never seen builds strict fields: strings, integers, dates, relations."""

    class Probe(fields.StrictModelSerializer):
        class Meta:
            model = fields.Country
            fields = ["code", "alpha3", "numeric", "name"]

    assert all(isinstance(field, fields.StrictCharField) for field in Probe().fields.values())


@pytest.fixture
def editor_client(db: Any) -> Any:
    return token_client(make_user("fields-editor", editor=True))


# (resource, field, a JSON value of the wrong type, the type the schema documents)
WRONG_TYPES = [
    ("cultural-landmark", "name", 5, "a string"),
    ("cultural-landmark", "name", True, "a string"),
    ("cultural-landmark", "kind", ["street"], "a string"),
    ("cultural-landmark", "established_on", 20240101, "a string"),
    ("cultural-landmark", "latitude", 47.5, "a string"),
    ("scholarship-program", "annual_grants", "250", "an integer"),
    ("scholarship-program", "annual_grants", True, "an integer"),
    ("scholarship-program", "annual_grants", 250.0, "an integer"),
    ("trade-figure", "source", "1", "an id (integer)"),
    ("trade-figure", "reporter", 398, "an ISO 3166-1 code as a string"),
    ("investment", "sectors", ["energy", 5], "a string"),
    ("source", "title", {"en": "x"}, "a string"),
]


@pytest.mark.parametrize(("basename", "field", "value", "expected"), WRONG_TYPES)
def test_a_json_value_of_the_wrong_type_is_400_naming_the_type(editor_client, basename, field, value, expected):
    response = editor_client.patch(detail_url(basename, 1), {field: value}, format="json")

    body = assert_error_shape(response, HTTPStatus.BAD_REQUEST)
    assert body["errors"][0]["field"].startswith(field)
    assert f"Expected {expected}, got " in body["detail"]


@pytest.mark.parametrize(("basename", "field"), [("source", "title"), ("cultural-landmark", "city")])
def test_nul_in_a_string_is_400(editor_client, basename, field):
    response = editor_client.patch(detail_url(basename, 1), {field: "a\x00b"}, format="json")

    assert "Must not contain NUL bytes." in assert_error_shape(response, HTTPStatus.BAD_REQUEST)["detail"]


def test_filter_decimal_and_body_decimal_share_one_pattern():
    """The money filters take exactly the strings a money field of a body takes (one decimal_pattern())."""
    body_field = fields.StrictDecimalField(max_digits=fields.MONEY_MAX_DIGITS, decimal_places=2)
    assert body_field.pattern == fields.MONEY_PATTERN


def test_a_relation_is_keyed_in_the_json_type_of_its_primary_key(db):
    """Undeclared relations come from the mappings: an integer id for sources, a string key for sectors."""

    class Probe(fields.StrictModelSerializer):
        class Meta:
            model = models_module.Investment
            fields = ["source", "sectors", "investor"]

    probe = Probe().fields
    assert isinstance(probe["source"], fields.RelatedIdField)
    assert isinstance(probe["investor"], fields.CountryCodeField)
    assert isinstance(probe["sectors"], fields.ManyKeysField)
    assert isinstance(probe["sectors"].child, fields.RelatedIdField)
    assert probe["sectors"].child.run_validation("logistics").pk == "logistics"
    with pytest.raises(serializers.ValidationError, match="Expected a key"):
        probe["sectors"].child.run_validation(5)
    with pytest.raises(serializers.ValidationError, match="Expected an id"):
        probe["source"].run_validation("1")
