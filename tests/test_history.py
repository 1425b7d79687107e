"""Audit history: who changed what and when, newest first, still there after a delete, restorable."""

from __future__ import annotations

import itertools
from http import HTTPStatus
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cooperation import models
from cooperation.history import versions_paused
from tests.factories import QUOTE, CulturalInitiativeFactory, SourceFactory
from tests.helpers import assert_error_shape, detail_url, make_user, token_client
from tests.resources import SPECS, ResourceSpec, spec_id

VERSION_KEYS = {"history_id", "history_date", "history_type", "history_user", "changed_fields", "record"}


@pytest.fixture
def editor(db):
    return make_user("editor", editor=True)


@pytest.fixture
def editor_client(editor):
    return token_client(editor)


def history_url(basename: str, pk: Any) -> str:
    return reverse(f"{basename}-history", args=[pk])


def trade_body(source: int) -> dict[str, Any]:
    return {
        "reporter": "KZ",
        "partner": "HU",
        "flow": "turnover",
        "period_start": "2021-01-01",
        "period_end": "2021-12-31",
        "value": "500.00",
        "currency": "USD",
        "qualifier": "exact",
        "change_pct": None,
        "notes": "",
        "source": source,
        "source_quote": QUOTE,
    }


def investment_body(source: int, sectors: list[str]) -> dict[str, Any]:
    return {
        "investor": "HU",
        "recipient": "KZ",
        "amount": "100.00",
        "currency": "USD",
        "qualifier": "exact",
        "status": "realized",
        "sectors": sectors,
        "period_start": None,
        "period_end": None,
        "description": "",
        "source": source,
        "source_quote": QUOTE,
    }


@pytest.fixture
def lifecycle(editor_client):
    """A trade figure created, given a new value, and deleted through the API; its history afterwards."""
    created = editor_client.post(reverse("trade-figure-list"), trade_body(SourceFactory().pk), format="json").json()
    editor_client.patch(detail_url("trade-figure", created["id"]), {"value": "750.00"}, format="json")
    editor_client.delete(detail_url("trade-figure", created["id"]))
    return created, editor_client.get(history_url("trade-figure", created["id"]))


def test_history_answers_after_the_record_is_deleted(lifecycle):
    """The record is gone, its history is not."""
    created, response = lifecycle

    assert not models.TradeFigure.objects.filter(pk=created["id"]).exists()
    assert response.status_code == HTTPStatus.OK


def test_history_is_a_list_envelope_of_versions(lifecycle):
    """The versions come in the list envelope, each with the contract's keys."""
    _, response = lifecycle
    body = response.json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert all(set(version) == VERSION_KEYS for version in body["results"])


def test_create_update_delete_leaves_three_versions_newest_first(lifecycle):
    """deleted, changed, created: newest first, dates not increasing."""
    _, response = lifecycle
    versions = response.json()["results"]

    assert response.json()["count"] == 3
    assert [version["history_type"] for version in versions] == ["deleted", "changed", "created"]
    dates = [version["history_date"] for version in versions]
    assert dates == sorted(dates, reverse=True)


def test_every_version_names_the_editor(lifecycle, editor):
    """history_user is the username of the editor whose token made each change."""
    _, response = lifecycle

    assert [version["history_user"] for version in response.json()["results"]] == [editor.username] * 3


def test_update_version_lists_exactly_the_changed_field(lifecycle):
    """A PATCH of the value is recorded as a change of value alone."""
    _, response = lifecycle

    assert response.json()["results"][1]["changed_fields"] == ["value"]


def test_created_version_lists_every_writable_field(lifecycle):
    """Creating sets every writable field."""
    created, response = lifecycle

    assert set(response.json()["results"][2]["changed_fields"]) == set(trade_body(created["source"]))


def test_deleted_version_lists_no_changed_fields(lifecycle):
    """A delete changes no field."""
    _, response = lifecycle

    assert response.json()["results"][0]["changed_fields"] == []


def test_each_version_shows_the_record_as_it_was(lifecycle):
    """The created version holds the first value; the changed and deleted ones the new value."""
    created, response = lifecycle
    records = [version["record"] for version in response.json()["results"]]

    assert [record["value"] for record in records] == ["750.00", "750.00", "500.00"]
    assert records[2] == created
    assert all(record["id"] == created["id"] for record in records)


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
@pytest.mark.parametrize("pk", ["999999", "abc", "²", "٣"])
def test_history_of_an_unknown_id_is_a_404(api_client, db, spec, pk):
    """No version, no history: 404 in the error shape."""
    response = api_client.get(history_url(spec.basename, pk))

    assert_error_shape(response, HTTPStatus.NOT_FOUND)


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_each_api_update_adds_one_version_naming_its_field(editor_client, spec):
    """Every resource records a PATCH as one version whose changed_fields is that field."""
    record = spec.factory()
    editor_client.patch(detail_url(spec.basename, record.pk), spec.change, format="json")

    versions = editor_client.get(history_url(spec.basename, record.pk)).json()["results"]

    assert [version["history_type"] for version in versions] == ["changed", "created"]
    assert versions[0]["changed_fields"] == list(spec.change)
    assert versions[0]["history_user"] == "editor"


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_a_refused_write_adds_no_version(editor_client, spec):
    """A 400 leaves the history as it was."""
    record = spec.factory()
    model = type(record)
    versions = model.history.count()

    response = editor_client.patch(detail_url(spec.basename, record.pk), {"unknown_field": 1}, format="json")

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert model.history.count() == versions


def test_versions_paused_writes_no_version_until_the_block_ends(db):
    """A restore loads versions as they were: inside the block saves, many-to-many changes and deletes add none."""
    versions = models.CulturalInitiative.history.count()
    with versions_paused():
        initiative = CulturalInitiativeFactory(countries=["DE", "FR"])
        initiative.countries.set(["DE", "HU"])
        CulturalInitiativeFactory().delete()
    assert models.CulturalInitiative.history.count() == versions

    initiative.save()

    assert models.CulturalInitiative.history.filter(id=initiative.pk).count() == 1


def test_investment_created_with_sectors_has_one_version(editor_client, db):
    """Saving the record and then its sectors is one change: one version, not two."""
    body = investment_body(SourceFactory().pk, ["energy", "logistics"])
    created = editor_client.post(reverse("investment-list"), body, format="json").json()

    response = editor_client.get(history_url("investment", created["id"]))

    assert response.json()["count"] == 1
    assert models.Investment.history.filter(id=created["id"]).count() == 1


def test_investment_created_with_sectors_shows_them_in_its_version(editor_client, db):
    """The one version holds the sectors the record was created with."""
    body = investment_body(SourceFactory().pk, ["logistics", "energy"])
    created = editor_client.post(reverse("investment-list"), body, format="json").json()

    version = editor_client.get(history_url("investment", created["id"])).json()["results"][0]

    assert version["history_type"] == "created"
    assert version["record"]["sectors"] == ["energy", "logistics"]


def test_sectors_only_patch_adds_one_version_naming_sectors(editor_client, db):
    """A PATCH of the sectors alone is one version whose changed_fields is ["sectors"]."""
    body = investment_body(SourceFactory().pk, ["logistics"])
    created = editor_client.post(reverse("investment-list"), body, format="json").json()

    editor_client.patch(detail_url("investment", created["id"]), {"sectors": ["energy"]}, format="json")

    versions = editor_client.get(history_url("investment", created["id"])).json()["results"]
    assert len(versions) == 2
    assert versions[0]["changed_fields"] == ["sectors"]


def test_older_version_keeps_the_sectors_it_had(editor_client, db):
    """Each version shows the sectors as they were then, not as they are now."""
    body = investment_body(SourceFactory().pk, ["logistics"])
    created = editor_client.post(reverse("investment-list"), body, format="json").json()

    editor_client.patch(detail_url("investment", created["id"]), {"sectors": ["energy"]}, format="json")

    versions = editor_client.get(history_url("investment", created["id"])).json()["results"]
    assert [version["record"]["sectors"] for version in versions] == [["energy"], ["logistics"]]


def test_put_changing_amount_and_sectors_is_one_version_naming_both(editor_client, db):
    """A PUT that changes a field and the sectors is one version with both fields."""
    source = SourceFactory().pk
    created = editor_client.post(reverse("investment-list"), investment_body(source, ["logistics"]), format="json")
    body = investment_body(source, ["energy"]) | {"amount": "200.00"}

    editor_client.put(detail_url("investment", created.json()["id"]), body, format="json")

    versions = editor_client.get(history_url("investment", created.json()["id"])).json()["results"]
    assert len(versions) == 2
    assert versions[0]["changed_fields"] == ["amount", "sectors"]


def test_initiative_created_with_countries_has_one_version_showing_them(editor_client, db):
    """Countries, like sectors, belong to the version of the create."""
    body = {
        "name": "Joint festival",
        "kind": "festival",
        "countries": ["KZ", "HU"],
        "established_on": None,
        "description": "",
        "source": SourceFactory().pk,
        "source_quote": QUOTE,
    }
    created = editor_client.post(reverse("cultural-initiative-list"), body, format="json").json()

    versions = editor_client.get(history_url("cultural-initiative", created["id"])).json()["results"]

    assert len(versions) == 1
    assert versions[0]["record"]["countries"] == ["HU", "KZ"]


# --- restore through the admin --------------------------------------------------------------------


def form_data(form: Any) -> dict[str, Any]:
    """The POST data that submits an unbound admin form with the values it shows."""
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            value = ""
        data[name] = [str(item) for item in value] if isinstance(value, list | tuple) else str(value)
    return data


@pytest.fixture
def deleted_figure(lifecycle):
    """The lifecycle's trade figure (now deleted) and the history id of its last version before the delete."""
    created, response = lifecycle
    changed = response.json()["results"][1]
    return created, changed["history_id"]


def restore(admin_client, pk: int, history_id: int) -> Any:
    url = reverse("admin:cooperation_tradefigure_simple_history", args=[pk, history_id])
    page = admin_client.get(url)
    assert page.status_code == HTTPStatus.OK
    return admin_client.post(url, form_data(page.context["adminform"].form))


def test_admin_revert_view_shows_a_deleted_record(admin_client, deleted_figure):
    """The admin's history page of a deleted record's version opens, ready to revert."""
    created, history_id = deleted_figure

    response = admin_client.get(
        reverse("admin:cooperation_tradefigure_simple_history", args=[created["id"], history_id])
    )

    assert response.status_code == HTTPStatus.OK
    assert response.context["adminform"].form["value"].value() is not None


def test_admin_revert_restores_a_deleted_record(admin_client, api_client, deleted_figure):
    """Posting the revert form brings the record back under its id, as it was in that version."""
    created, history_id = deleted_figure

    response = restore(admin_client, created["id"], history_id)

    assert response.status_code == HTTPStatus.FOUND
    restored = api_client.get(detail_url("trade-figure", created["id"]))
    assert restored.status_code == HTTPStatus.OK
    timestamps = {"created_at": None, "updated_at": None}
    assert restored.json() | timestamps == created | {"value": "750.00"} | timestamps


def test_admin_revert_keeps_the_original_created_at(admin_client, api_client, deleted_figure):
    """A restored record was added when it was first created, not when it was restored."""
    created, history_id = deleted_figure

    restore(admin_client, created["id"], history_id)

    assert api_client.get(detail_url("trade-figure", created["id"])).json()["created_at"] == created["created_at"]


def test_admin_revert_is_recorded_as_a_version_by_the_admin(admin_client, api_client, deleted_figure, admin_user):
    """The restore is itself a version, made by the admin user, on top of the three before it."""
    created, history_id = deleted_figure

    restore(admin_client, created["id"], history_id)

    versions = api_client.get(history_url("trade-figure", created["id"])).json()["results"]
    assert len(versions) == 4
    assert versions[0]["history_user"] == admin_user.username
    assert versions[0]["history_type"] != "deleted"


# --- query count ----------------------------------------------------------------------------------


def make_versions(spec: ResourceSpec, count: int) -> Any:
    """A record with `count` versions: its create, then one change per further version."""
    record = spec.factory()
    for n in range(count - 1):
        spec.new_version(record, n)
        record.save()
    assert type(record).history.filter(id=record.pk).count() >= count
    return record


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_history_query_count_does_not_grow_with_versions(api_client, db, django_assert_num_queries, spec):
    """Five versions cost the same queries as one (the many-to-many snapshots are prefetched)."""
    one = make_versions(spec, 1)
    five = make_versions(spec, 5)
    api_client.get(history_url(spec.basename, one.pk))  # warm caches (content types, throttle rows)
    with CaptureQueriesContext(connection) as baseline:
        assert api_client.get(history_url(spec.basename, one.pk)).status_code == HTTPStatus.OK

    with django_assert_num_queries(len(baseline.captured_queries)):
        response = api_client.get(history_url(spec.basename, five.pk))

    assert response.json()["count"] >= 5


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_history_query_count_is_the_same_for_one_version_and_a_middle_page(
    api_client, db, django_assert_num_queries, spec
):
    """A page deep in a long history costs the queries of a one-version history: the database pages."""
    one = make_versions(spec, 1)
    many = make_versions(spec, 12)
    api_client.get(history_url(spec.basename, one.pk))  # warm caches (content types, throttle rows)
    with CaptureQueriesContext(connection) as baseline:
        assert api_client.get(history_url(spec.basename, one.pk)).status_code == HTTPStatus.OK

    with django_assert_num_queries(len(baseline.captured_queries)):
        response = api_client.get(history_url(spec.basename, many.pk), {"page_size": 3, "page": 2})

    assert [version["history_type"] for version in response.json()["results"]] == ["changed"] * 3


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_history_reads_one_page_of_versions_and_the_one_before_it(api_client, db, monkeypatch, spec):
    """Of twelve versions, page 2 of 3 reads four: its own and the one its oldest is compared with."""
    record = make_versions(spec, 12)
    historical_model = type(record).history.model
    loaded: list[Any] = []
    from_db = historical_model.from_db.__func__

    def counting_from_db(cls: Any, *args: Any) -> Any:
        loaded.append(args)
        return from_db(cls, *args)

    monkeypatch.setattr(historical_model, "from_db", classmethod(counting_from_db))
    response = api_client.get(history_url(spec.basename, record.pk), {"page_size": 3, "page": 2})

    assert response.status_code == HTTPStatus.OK
    assert len(response.json()["results"]) == 3
    assert len(loaded) == 4


@pytest.fixture
def investment_changes(editor_client):
    """An investment created with one sector, then given another sector, then a new amount: its id."""
    created = editor_client.post(
        reverse("investment-list"), investment_body(SourceFactory().pk, ["logistics"]), format="json"
    ).json()
    editor_client.patch(detail_url("investment", created["id"]), {"sectors": ["energy"]}, format="json")
    editor_client.patch(detail_url("investment", created["id"]), {"amount": "300.00"}, format="json")
    return created["id"]


@pytest.mark.parametrize(
    ("page", "changed"),
    [(1, ["amount"]), (2, ["sectors"]), (3, list(investment_body(0, [])))],
)
def test_each_version_on_its_own_page_names_what_it_changed(editor_client, investment_changes, page, changed):
    """A page's oldest version is compared with the version before it, on the next page."""
    response = editor_client.get(history_url("investment", investment_changes), {"page_size": 1, "page": page})

    assert response.json()["results"][0]["changed_fields"] == changed


def test_patch_sending_the_sectors_the_investment_has_names_no_field(editor_client, investment_changes):
    """Sectors sent unchanged are no change: the version lists no field."""
    editor_client.patch(detail_url("investment", investment_changes), {"sectors": ["energy"]}, format="json")

    versions = editor_client.get(history_url("investment", investment_changes)).json()["results"]

    assert len(versions) == 4
    assert versions[0]["changed_fields"] == []


def test_changed_fields_agree_with_the_librarys_diff_including_sectors(editor_client, investment_changes):
    """Every version's changed_fields is what django-simple-history's diff_against() finds, sectors included."""
    pk = investment_changes
    body = investment_body(0, ["energy", "mining"]) | {"amount": "400.00", "description": "Now mining"}
    body["source"] = editor_client.get(detail_url("investment", pk)).json()["source"]
    editor_client.put(detail_url("investment", pk), body, format="json")
    editor_client.patch(detail_url("investment", pk), {"sectors": []}, format="json")
    versions = list(models.Investment.history.filter(id=pk).order_by("-history_date", "-history_id"))
    writable = set(investment_body(0, []))

    expected = [
        sorted(set(new.diff_against(old).changed_fields) & writable) for new, old in itertools.pairwise(versions)
    ]
    described = editor_client.get(history_url("investment", pk)).json()["results"]

    assert [sorted(version["changed_fields"]) for version in described[:-1]] == expected
    assert expected[:2] == [["sectors"], ["amount", "description", "sectors"]]


def test_deleted_version_keeps_the_many_to_many_values(editor_client, db):
    """Regression: the deleted version showed no sectors, since Django removes the join rows before post_delete."""
    body = investment_body(SourceFactory().pk, ["logistics", "energy"])
    created = editor_client.post(reverse("investment-list"), body, format="json").json()

    editor_client.delete(detail_url("investment", created["id"]))

    deleted = editor_client.get(history_url("investment", created["id"])).json()["results"][0]
    assert deleted["history_type"] == "deleted"
    assert deleted["record"]["sectors"] == ["energy", "logistics"]


def test_deleted_initiative_version_keeps_its_countries(editor_client, db):
    """The deleted version of an initiative still names its (at least two) countries."""
    initiative = editor_client.get(detail_url("cultural-initiative", 1)).json()

    editor_client.delete(detail_url("cultural-initiative", 1))

    deleted = editor_client.get(history_url("cultural-initiative", 1)).json()["results"][0]
    assert deleted["history_type"] == "deleted"
    assert deleted["record"]["countries"] == initiative["countries"] == ["HU", "KZ"]
