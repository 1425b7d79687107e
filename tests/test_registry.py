"""The registry names every record resource once, and the URLs, the admin and the tests' table are built from it.

A record model left out of the registry would silently drop out of the API, the admin, the partners and pair
profile and the importer: these tests fail instead.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib import admin
from django.urls import resolve, reverse

from cooperation.models import Country, Record, Source
from cooperation.querysets import record_querysets
from cooperation.registry import RECORD_RESOURCES, RecordResource
from cooperation.urls import router
from tests.resources import RECORD_SPECS


def resource_id(resource: RecordResource) -> str:
    return resource.key


def test_every_concrete_record_model_is_a_registered_resource():
    """Django's app registry and ours name the same record types."""
    record_models = {model for model in apps.get_app_config("cooperation").get_models() if issubclass(model, Record)}

    assert {resource.model for resource in RECORD_RESOURCES} == record_models


def test_the_models_find_the_registered_record_types():
    """Source's quote check and the has_records filter ask Django for the record types: the registry's."""
    assert {records.model for records in record_querysets()} == {resource.model for resource in RECORD_RESOURCES}


@pytest.mark.parametrize("name", ["key", "basename", "model", "serializer", "filterset", "admin"])
def test_no_two_resources_share_a_name_or_a_class(name):
    values = [getattr(resource, name) for resource in RECORD_RESOURCES]

    assert len(set(values)) == len(values)


@pytest.mark.parametrize("resource", RECORD_RESOURCES, ids=resource_id)
@pytest.mark.parametrize(("action", "args"), [("list", []), ("detail", [1]), ("history", [1])])
def test_every_resource_is_routed_to_a_viewset_of_its_own_classes(resource, action, args):
    url = reverse(f"{resource.basename}-{action}", args=args)
    view = resolve(url).func.cls

    assert url.startswith(f"/api/v1/{resource.path}/")
    assert view.queryset.model is resource.model
    assert view.serializer_class is resource.serializer
    assert view.filterset_class is resource.filterset
    assert list(view.ordering_fields) == list(resource.ordering_fields)


def test_the_router_serves_no_record_resource_the_registry_does_not_name():
    routed = {viewset.queryset.model for _prefix, viewset, _basename in router.registry}

    assert routed - {Country, Source} == {resource.model for resource in RECORD_RESOURCES}


@pytest.mark.parametrize("resource", RECORD_RESOURCES, ids=resource_id)
def test_every_resource_has_its_admin(resource):
    assert admin.site.is_registered(resource.model)
    assert type(admin.site.get_model_admin(resource.model)) is resource.admin


def test_every_resource_has_a_spec_in_the_tests_table():
    """The write, permission, history and query-count tests cover every resource (tests/resources.py)."""
    assert [spec.resource for spec in RECORD_SPECS] == list(RECORD_RESOURCES)
