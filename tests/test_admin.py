"""Django admin: every page loads, and forms validate as the API does."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.db import models as db_models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from knox.models import AuthToken
from simple_history.admin import SimpleHistoryAdmin

from cooperation import models
from tests import factories
from tests.resources import RECORD_MODELS, SPECS

pytestmark = pytest.mark.django_db

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
HISTORY_ADMINS = [model for model in REGISTERED if isinstance(admin.site._registry[model], SimpleHistoryAdmin)]
ARTICLE_SENTENCE = "Last year, the two countries recorded a trade volume of $187.5 million."


def admin_url(model: type[db_models.Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# How to make an object of a registered model that the fixtures do not hold.
MAKERS: dict[type[db_models.Model], Any] = {
    Group: lambda user: Group.objects.create(name="Test group"),
    AuthToken: lambda user: AuthToken.objects.create(user)[0],
}


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Any) -> None:
    """Each test makes a superuser; the default PBKDF2 hasher would dominate the run time."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def existing(model: type[db_models.Model], user: User | None = None) -> db_models.Model:
    """An object of the model: from the fixtures, the test's user, or made by MAKERS."""
    obj = model._default_manager.order_by("pk").first()
    if obj is None and model in MAKERS:
        obj = MAKERS[model](user)
    assert obj is not None, f"no {model._meta.label} to open: add one to MAKERS"
    return obj


def form_data(response: Any) -> dict[str, Any]:
    """The POST data that submits an admin form page unchanged."""
    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list):
            data[name] = [str(item) for item in value]
        else:
            data[name] = "" if value is None else str(value)
    return data


def trade_figure_data(**overrides: str) -> dict[str, str]:
    return {
        "reporter": "KZ",
        "partner": "HU",
        "flow": models.Flow.TURNOVER,
        "period_start": "2022-01-01",
        "period_end": "2022-12-31",
        "value": "1000.00",
        "currency": "USD",
        "qualifier": models.Qualifier.EXACT,
        "change_pct": "",
        "notes": "",
        "source": "1",
        "source_quote": ARTICLE_SENTENCE,
        "_save": "Save",
        **overrides,
    }


def test_every_model_is_registered() -> None:
    """Every model of the app has an admin (historical models have theirs through SimpleHistoryAdmin)."""
    app_models = {model for model in admin.site._registry if model._meta.app_label == "cooperation"}
    assert {models.Country, models.Source, models.Sector, *RECORD_MODELS} <= app_models


def test_every_history_tracked_model_has_history_in_the_admin() -> None:
    """Editors see and revert the history of every record and source."""
    tracked = {model for model in REGISTERED if hasattr(model._meta, "simple_history_manager_attribute")}
    assert tracked == {models.Source, *RECORD_MODELS}
    assert set(HISTORY_ADMINS) == tracked


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_changelist_loads(admin_client: Client, model: type[db_models.Model]) -> None:
    assert admin_client.get(admin_url(model, "changelist")).status_code == HTTPStatus.OK


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_changelist_search_loads(admin_client: Client, model: type[db_models.Model]) -> None:
    assert admin_client.get(admin_url(model, "changelist"), {"q": "Kazakhstan"}).status_code == HTTPStatus.OK


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_add_page_loads(admin_client: Client, model: type[db_models.Model]) -> None:
    assert admin_client.get(admin_url(model, "add")).status_code == HTTPStatus.OK


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_change_page_loads(admin_client: Client, admin_user: User, model: type[db_models.Model]) -> None:
    url = admin_url(model, "change", quote(existing(model, admin_user).pk))
    assert admin_client.get(url).status_code == HTTPStatus.OK


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label_lower)
def test_history_page_loads(admin_client: Client, admin_user: User, model: type[db_models.Model]) -> None:
    url = admin_url(model, "history", quote(existing(model, admin_user).pk))
    assert admin_client.get(url).status_code == HTTPStatus.OK


@pytest.mark.parametrize("model", HISTORY_ADMINS, ids=lambda model: model._meta.label_lower)
def test_revert_page_loads(admin_client: Client, model: type[db_models.Model]) -> None:
    """Loading the fixtures recorded a first version of every record, which the revert form shows."""
    obj = existing(model)
    version = obj.history.earliest("history_date")  # type: ignore[attr-defined]
    url = admin_url(model, "simple_history", obj.pk, version.history_id)
    assert admin_client.get(url).status_code == HTTPStatus.OK


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        (models.Country, "kaz", "Kazakhstan (KZ)"),
        (models.Source, "Hungary", "Kazakhstan, Hungary expand cooperation"),
        (models.Sector, "logis", "logistics"),
        (models.TradeFigure, "Hungary", "KZ-HU turnover 2023: 187500000.00 USD"),
        (models.Investment, "manufacturing", "KZ→HU interest: no amount"),
        (models.CulturalLandmark, "Karcag", "Dombyra sculpture"),
        (models.ScholarshipProgram, "Kazakhstan", "Hungarian government scholarship programme"),
        (models.CulturalInitiative, "writers", "Bars foundation"),
    ],
)
def test_changelist_search_finds_the_fixture_object(
    admin_client: Client, model: type[db_models.Model], query: str, expected: str
) -> None:
    response = admin_client.get(admin_url(model, "changelist"), {"q": query})
    assert expected in [str(obj) for obj in response.context["cl"].result_list]


@pytest.mark.parametrize(
    "factory", [spec.factory for spec in SPECS], ids=lambda factory: factory._meta.model._meta.model_name
)
def test_changelist_query_count_does_not_grow_with_rows(admin_client: Client, factory: Any) -> None:
    """Countries and many-to-many columns are joined or prefetched, not fetched row by row."""
    url = admin_url(factory._meta.model, "changelist")
    admin_client.get(url)  # warm the session and content-type caches
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    if factory is factories.InvestmentFactory:
        factory.create_batch(5, sectors=["energy", "logistics"])
    else:
        factory.create_batch(5)
    with CaptureQueriesContext(connection) as many:
        admin_client.get(url)
    assert len(many) == len(few)


def test_change_page_shows_the_source_text(admin_client: Client) -> None:
    """The editor sees the whole source text next to the quote, to copy from."""
    response = admin_client.get(admin_url(models.TradeFigure, "change", 1))
    assert ARTICLE_SENTENCE in response.content.decode()


def test_add_page_explains_where_the_source_text_appears(admin_client: Client) -> None:
    response = admin_client.get(admin_url(models.TradeFigure, "add"))
    assert "its full text appears here" in response.content.decode()


def test_add_form_with_quote_missing_from_source_shows_the_error_and_creates_nothing(admin_client: Client) -> None:
    before = models.TradeFigure.objects.count()
    response = admin_client.post(
        admin_url(models.TradeFigure, "add"), trade_figure_data(source_quote="Trade grew tenfold.")
    )
    assert response.status_code == HTTPStatus.OK
    assert "does not occur verbatim in the text of source 1" in str(response.context["adminform"].form.errors)
    assert models.TradeFigure.objects.count() == before


def test_add_form_with_quote_missing_from_source_shows_the_source_text(admin_client: Client) -> None:
    """After a failed save the chosen source's text is shown, so the editor can correct the quote."""
    response = admin_client.post(
        admin_url(models.TradeFigure, "add"), trade_figure_data(source_quote="Trade grew tenfold.")
    )
    assert ARTICLE_SENTENCE in response.content.decode()


def test_valid_add_form_creates_the_record(admin_client: Client, admin_user: User) -> None:
    response = admin_client.post(admin_url(models.TradeFigure, "add"), trade_figure_data(value="1234.50"))
    assert response.status_code == HTTPStatus.FOUND
    created = models.TradeFigure.objects.get(period_start="2022-01-01", value="1234.50")
    assert (created.reporter_id, created.partner_id, created.source_quote) == ("KZ", "HU", ARTICLE_SENTENCE)
    assert created.history.get().history_user == admin_user


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"period_end": "2021-12-31"}, "period_end"),
        ({"partner": "KZ"}, "partner"),
        ({"value": "-1"}, "value"),
        ({"currency": "usd"}, "currency"),
        ({"flow": "barter"}, "flow"),
        ({"reporter": "XX"}, "reporter"),
    ],
)
def test_add_form_rejects_a_broken_invariant(admin_client: Client, overrides: dict[str, str], field: str) -> None:
    before = models.TradeFigure.objects.count()
    response = admin_client.post(admin_url(models.TradeFigure, "add"), trade_figure_data(**overrides))
    assert response.status_code == HTTPStatus.OK
    assert field in response.context["adminform"].form.errors
    assert models.TradeFigure.objects.count() == before


@pytest.mark.parametrize("countries", [["KZ"], []])
def test_cultural_initiative_form_requires_two_countries(admin_client: Client, countries: list[str]) -> None:
    before = models.CulturalInitiative.objects.count()
    quote_ = "The joint «Bars» foundation promotes the work of Kazakh writers"
    data = {"name": "Solo", "kind": "festival", "countries": countries, "source": "1", "source_quote": quote_}
    response = admin_client.post(admin_url(models.CulturalInitiative, "add"), data)
    assert response.status_code == HTTPStatus.OK
    assert "countries" in response.context["adminform"].form.errors
    assert models.CulturalInitiative.objects.count() == before


def test_cultural_initiative_form_accepts_two_countries(admin_client: Client) -> None:
    quote_ = "The joint «Bars» foundation promotes the work of Kazakh writers"
    data = {"name": "Duo", "kind": "festival", "countries": ["KZ", "HU"], "source": "1", "source_quote": quote_}
    response = admin_client.post(admin_url(models.CulturalInitiative, "add"), data)
    assert response.status_code == HTTPStatus.FOUND
    assert set(models.CulturalInitiative.objects.get(name="Duo").countries.values_list("code", flat=True)) == {
        "HU",
        "KZ",
    }


def test_source_text_change_that_drops_a_quote_is_refused(admin_client: Client) -> None:
    """Editing a source must keep every quote that records take from it."""
    url = admin_url(models.Source, "change", 1)
    data = form_data(admin_client.get(url))
    data["text"] = data["text"].replace(ARTICLE_SENTENCE, "")
    response = admin_client.post(url, data)
    assert response.status_code == HTTPStatus.OK
    assert "text" in response.context["adminform"].form.errors
    assert ARTICLE_SENTENCE in models.Source.objects.get(pk=1).text


def test_country_with_records_cannot_be_deleted(admin_client: Client) -> None:
    response = admin_client.post(admin_url(models.Country, "delete", "KZ"), {"post": "yes"})
    assert response.status_code == HTTPStatus.OK
    assert "protected" in response.content.decode()
    assert models.Country.objects.filter(pk="KZ").exists()


def test_country_without_records_can_be_deleted(admin_client: Client) -> None:
    response = admin_client.post(admin_url(models.Country, "delete", "AQ"), {"post": "yes"})
    assert response.status_code == HTTPStatus.FOUND
    assert not models.Country.objects.filter(pk="AQ").exists()


def test_country_code_is_read_only_on_the_change_form(admin_client: Client) -> None:
    """The code is the primary key: editing it would copy the country instead of renaming it."""
    response = admin_client.get(admin_url(models.Country, "change", "KZ"))
    assert "code" not in response.context["adminform"].form.fields


def test_country_name_is_editable(admin_client: Client) -> None:
    url = admin_url(models.Country, "change", "KZ")
    data = {**form_data(admin_client.get(url)), "official_name": "Republic of Kazakhstan (edited)"}
    assert admin_client.post(url, data).status_code == HTTPStatus.FOUND
    assert models.Country.objects.get(pk="KZ").official_name == "Republic of Kazakhstan (edited)"


def test_deleted_record_can_be_restored_from_its_history(admin_client: Client) -> None:
    admin_client.post(admin_url(models.TradeFigure, "delete", 2), {"post": "yes"})
    assert not models.TradeFigure.objects.filter(pk=2).exists()
    assert admin_client.get(admin_url(models.TradeFigure, "history", 2)).status_code == HTTPStatus.OK
    version = models.TradeFigure.history.filter(id=2).exclude(history_type="-").latest("history_date")
    url = admin_url(models.TradeFigure, "simple_history", 2, version.history_id)
    response = admin_client.post(url, form_data(admin_client.get(url)))
    assert response.status_code == HTTPStatus.FOUND
    assert models.TradeFigure.objects.get(pk=2).value == version.value


@pytest.fixture
def editor_client(client: Client) -> Client:
    """A staff user who may edit trade figures but holds no permission on countries."""
    user = User.objects.create_user("editor", password="secret", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="cooperation", codename__endswith="_tradefigure")
    )
    client.force_login(user)
    return client


def test_editor_can_autocomplete_countries(editor_client: Client) -> None:
    """Countries are reference data: editors need them in the autocomplete without a permission of their own."""
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"term": "kazakh", "app_label": "cooperation", "model_name": "tradefigure", "field_name": "reporter"},
    )
    assert response.status_code == HTTPStatus.OK
    assert {"id": "KZ", "text": "Kazakhstan (KZ)"} in response.json()["results"]


def test_editor_can_open_the_trade_figure_add_page(editor_client: Client) -> None:
    assert editor_client.get(admin_url(models.TradeFigure, "add")).status_code == HTTPStatus.OK


def test_editor_cannot_change_countries(editor_client: Client) -> None:
    url = admin_url(models.Country, "change", "KZ")
    response = editor_client.post(url, {"alpha3": "KAZ", "numeric": "398", "name": "Renamed", "official_name": ""})
    assert response.status_code == HTTPStatus.FORBIDDEN
    assert models.Country.objects.get(pk="KZ").name == "Kazakhstan"
