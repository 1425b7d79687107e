"""Strong ETags and conditional requests: 304 for a current copy, 412 for a stale one."""

from __future__ import annotations

import re
from http import HTTPStatus

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from config.wsgi import application
from cooperation import conditional
from tests.helpers import assert_error_shape, detail_url, make_user, token_client, writable, wsgi_call
from tests.resources import SPECS, SPECS_BY_BASENAME, spec_id

STRONG_ETAG = re.compile(r'^"[^"]+"$')
TRADE = SPECS_BY_BASENAME["trade-figure"]
WRITES = ["put", "patch", "delete"]


@pytest.fixture
def editor_client(db):
    return token_client(make_user("editor", editor=True))


@pytest.fixture
def other_editor_client(db):
    return token_client(make_user("other-editor", editor=True))


def fresh(spec):
    """A fresh record and its detail URL."""
    record = spec.factory()
    return record, detail_url(spec.basename, record.pk)


def send(client, method, url, spec, representation, **headers):
    """A write whose body changes the record (for PUT, the full representation with the change)."""
    if method == "delete":
        return client.delete(url, **headers)
    body = writable(representation) | spec.change if method == "put" else spec.change
    return getattr(client, method)(url, body, format="json", **headers)


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_detail_carries_a_strong_etag(api_client, db, spec):
    """The ETag is quoted and not weak (no W/ prefix)."""
    _, url = fresh(spec)

    etag = api_client.get(url)["ETag"]

    assert STRONG_ETAG.match(etag)
    assert not etag.startswith("W/")


def test_country_detail_carries_a_strong_etag(api_client, db):
    """Countries are details too, with the same kind of ETag."""
    etag = api_client.get(reverse("country-detail", args=["KZ"]))["ETag"]

    assert STRONG_ETAG.match(etag)


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_same_record_read_twice_has_the_same_etag(api_client, db, spec):
    """The ETag is stable while the record does not change."""
    _, url = fresh(spec)

    assert api_client.get(url)["ETag"] == api_client.get(url)["ETag"]


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_if_none_match_with_the_current_etag_is_a_304(api_client, db, spec):
    """A client holding the current copy gets 304 with no body and the ETag again."""
    _, url = fresh(spec)
    etag = api_client.get(url)["ETag"]

    response = api_client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == HTTPStatus.NOT_MODIFIED
    assert not response.content
    assert response["ETag"] == etag


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_a_matching_conditional_get_is_answered_before_django(api_client, db, spec, monkeypatch):
    """The WSGI wrapper answers from one indexed read of `updated_at`; Django's handler never runs."""
    _, url = fresh(spec)
    etag = api_client.get(url)["ETag"]

    def no_django(*args, **kwargs):
        raise AssertionError("Django's handler ran for a matching If-None-Match")

    monkeypatch.setattr(application, "application", no_django)
    with CaptureQueriesContext(connection) as queries:
        get = wsgi_call(url, HTTP_IF_NONE_MATCH=f'"other", {etag}')
        head = wsgi_call(url, "HEAD", HTTP_IF_NONE_MATCH=etag)

    assert get[0] == head[0] == "304 Not Modified"
    assert get[2] == b""
    assert (get[1]["ETag"], get[1]["Cache-Control"]) == (etag, "public, no-cache")
    selected = [query["sql"].split(" FROM ")[0] for query in queries.captured_queries]
    assert len(selected) == 2
    assert all("updated_at" in columns and "," not in columns for columns in selected)


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("{url}", {"HTTP_IF_NONE_MATCH": '"stale"'}),
        ("{url}", {}),
        ("{url}?as_of=2000-01-01T00:00:00Z", {"HTTP_IF_NONE_MATCH": "{etag}"}),
        ("{url}?format=json", {"HTTP_IF_NONE_MATCH": "{etag}"}),
        ("/api/v1/countries/HU/", {"HTTP_IF_NONE_MATCH": "*"}),
        ("/api/v1/trade-figures/99999999/", {"HTTP_IF_NONE_MATCH": "*"}),
        ("/api/v1/trade-figures/x/", {"HTTP_IF_NONE_MATCH": "*"}),
        ("/api/v1/nowhere/1/", {"HTTP_IF_NONE_MATCH": "*"}),
        ("{bare}", {"HTTP_IF_NONE_MATCH": "{etag}"}),
        ("{url}history/", {"HTTP_IF_NONE_MATCH": "*"}),
        ("/api/v1/trade-figures/", {"HTTP_IF_NONE_MATCH": "*"}),
        ("/api/v1/trade-figures/\u00b2/", {"HTTP_IF_NONE_MATCH": "*"}),
        ("/", {"HTTP_IF_NONE_MATCH": "*"}),
    ],
    ids=[
        *("stale", "no-header", "as_of", "query-string", "country", "missing", "bad-id", "no-route"),
        *("no-trailing-slash", "history", "list", "superscript-digit", "root"),
    ],
)
def test_every_other_request_goes_on_to_django(api_client, db, monkeypatch, url, headers):
    """Only a matching If-None-Match on a versioned record, without a query string, is answered early."""
    _, record_url = fresh(TRADE)
    etag = api_client.get(record_url)["ETag"]
    seen = []
    monkeypatch.setattr(application, "application", lambda environ, start: seen.append(environ) or [])

    target = url.format(url=record_url, bare=record_url.rstrip("/"))
    wsgi_call(target, **{name: value.format(etag=etag) for name, value in headers.items()})

    assert len(seen) == 1


def test_a_request_to_be_redirected_to_https_goes_on_to_django(api_client, db, settings, monkeypatch):
    """With SECURE_SSL_REDIRECT, plain HTTP is redirected first, as SecurityMiddleware does for everything."""
    _, url = fresh(TRADE)
    etag = api_client.get(url)["ETag"]
    settings.SECURE_SSL_REDIRECT = True
    seen = []
    monkeypatch.setattr(application, "application", lambda environ, start: seen.append(environ) or [])

    wsgi_call(url, HTTP_IF_NONE_MATCH=etag)
    secure = wsgi_call(url, HTTP_IF_NONE_MATCH=etag, secure=True)

    assert len(seen) == 1
    assert secure[0] == "304 Not Modified"


def test_a_database_error_goes_on_to_django(api_client, db, monkeypatch):
    """The early answer never turns a database error into a crash: Django's handler answers the request."""
    _, url = fresh(TRADE)
    etag = api_client.get(url)["ETag"]

    def broken(*args, **kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr(conditional, "current_etag", broken)
    status, _, _ = wsgi_call(url, HTTP_IF_NONE_MATCH=etag)

    assert status.startswith("304")  # the view's own comparison, after Django's handler took over


def test_the_early_304_carries_the_full_answers_vary_and_security_headers(api_client, db):
    """RFC 9110 15.4.5: a 304 sends the Vary the 200 would; the security headers come as on any answer."""
    _, url = fresh(TRADE)
    full = api_client.get(url)
    _, headers, _ = wsgi_call(url, HTTP_IF_NONE_MATCH=full["ETag"])

    shared = ["Vary", "X-Content-Type-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy"]
    assert {name: headers.get(name) for name in shared} == {name: full[name] for name in shared}


def test_a_matching_conditional_get_through_django_is_a_304_too(api_client, db):
    """Where the wrapper is not in front (the test client, runserver), the view compares If-None-Match."""
    _, url = fresh(TRADE)
    etag = api_client.get(url)["ETag"]

    response = api_client.get(url, HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == HTTPStatus.NOT_MODIFIED
    assert response["ETag"] == etag


@pytest.mark.parametrize("header", ['"stale"', "W/", "", "*x", '"' + "9" * 5000 + '"'])
def test_a_conditional_get_that_does_not_match_gets_the_whole_record(api_client, db, header):
    record, url = fresh(TRADE)

    response = api_client.get(url, HTTP_IF_NONE_MATCH=header)

    assert response.status_code == HTTPStatus.OK
    assert response.json()["id"] == record.pk


@pytest.mark.parametrize("path", ["/api/v1/trade-figures/99999999/", "/api/v1/trade-figures/x/", "/api/v1/nowhere/1/"])
def test_a_conditional_get_of_nothing_is_still_a_404(api_client, db, path):
    assert api_client.get(path, HTTP_IF_NONE_MATCH="*").status_code == HTTPStatus.NOT_FOUND


def test_if_none_match_on_a_country_is_a_304(api_client, db):
    """Countries answer 304 the same way."""
    url = reverse("country-detail", args=["HU"])

    response = api_client.get(url, HTTP_IF_NONE_MATCH=api_client.get(url)["ETag"])

    assert response.status_code == HTTPStatus.NOT_MODIFIED


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_if_none_match_with_a_stale_etag_answers_the_record(editor_client, spec):
    """After a change the old ETag no longer matches: 200 with the new representation."""
    _, url = fresh(spec)
    old = editor_client.get(url)["ETag"]
    editor_client.patch(url, spec.change, format="json")

    response = editor_client.get(url, HTTP_IF_NONE_MATCH=old)

    assert response.status_code == HTTPStatus.OK
    assert response["ETag"] != old


@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_etag_changes_after_an_update(editor_client, spec):
    """Any change of the record gives it a new ETag; the write answers that new ETag."""
    _, url = fresh(spec)
    before = editor_client.get(url)["ETag"]

    response = editor_client.patch(url, spec.change, format="json")

    after = editor_client.get(url)["ETag"]
    assert after != before
    assert response["ETag"] == after


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_stale_if_match_is_a_412_in_the_error_shape(editor_client, other_editor_client, spec, method):
    """A write based on a version someone else has since changed is refused with 412."""
    _, url = fresh(spec)
    read = editor_client.get(url)
    other_editor_client.patch(url, spec.change, format="json")

    response = send(editor_client, method, url, spec, read.json(), HTTP_IF_MATCH=read["ETag"])

    body = assert_error_shape(response, HTTPStatus.PRECONDITION_FAILED)
    assert body["code"] == "precondition_failed"


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_stale_if_match_changes_nothing(editor_client, spec, method):
    """After the 412 the record, its ETag and its history are as they were."""
    record, url = fresh(spec)
    model = type(record)
    stale = '"0123456789abcdef0123456789abcdef"'
    before = editor_client.get(url)
    versions = model.history.count()

    send(editor_client, method, url, spec, before.json(), HTTP_IF_MATCH=stale)

    after = editor_client.get(url)
    assert after.status_code == HTTPStatus.OK
    assert after.json() == before.json()
    assert after["ETag"] == before["ETag"]
    assert model.history.count() == versions


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_weak_form_of_the_current_etag_does_not_match(editor_client, spec, method):
    """If-Match uses the strong comparison: W/"<current>" is a 412 and changes nothing."""
    _, url = fresh(spec)
    read = editor_client.get(url)

    response = send(editor_client, method, url, spec, read.json(), HTTP_IF_MATCH=f"W/{read['ETag']}")

    assert_error_shape(response, HTTPStatus.PRECONDITION_FAILED)
    assert editor_client.get(url).json() == read.json()


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_current_if_match_lets_the_write_through(editor_client, spec, method):
    """The ETag just read is accepted."""
    _, url = fresh(spec)
    read = editor_client.get(url)

    response = send(editor_client, method, url, spec, read.json(), HTTP_IF_MATCH=read["ETag"])

    assert response.status_code in (HTTPStatus.OK, HTTPStatus.NO_CONTENT), response.content


@pytest.mark.parametrize("method", WRITES)
@pytest.mark.parametrize("spec", SPECS, ids=spec_id)
def test_if_match_star_lets_the_write_through(editor_client, spec, method):
    """If-Match: * matches any current version."""
    _, url = fresh(spec)
    read = editor_client.get(url)

    response = send(editor_client, method, url, spec, read.json(), HTTP_IF_MATCH="*")

    assert response.status_code in (HTTPStatus.OK, HTTPStatus.NO_CONTENT), response.content


def test_if_match_list_with_the_current_etag_lets_the_write_through(editor_client, db):
    """One matching tag in a list of tags is enough."""
    _, url = fresh(TRADE)
    current = editor_client.get(url)["ETag"]

    response = editor_client.patch(url, TRADE.change, format="json", HTTP_IF_MATCH=f'"stale", {current}')

    assert response.status_code == HTTPStatus.OK


def test_if_match_on_a_missing_record_is_a_404(editor_client, db):
    """A record that does not exist is 404, whatever If-Match says."""
    response = editor_client.patch(detail_url("trade-figure", 999999), TRADE.change, format="json", HTTP_IF_MATCH="*")

    assert_error_shape(response, HTTPStatus.NOT_FOUND)


def test_two_editors_saving_the_same_version_one_wins_one_gets_412(editor_client, other_editor_client):
    """Both read the same ETag and PATCH with it: the first gets 200, the second 412."""
    _, url = fresh(TRADE)
    etag = editor_client.get(url)["ETag"]
    assert other_editor_client.get(url)["ETag"] == etag

    first = editor_client.patch(url, {"value": "111.00"}, format="json", HTTP_IF_MATCH=etag)
    second = other_editor_client.patch(url, {"value": "222.00"}, format="json", HTTP_IF_MATCH=etag)

    assert first.status_code == HTTPStatus.OK
    assert_error_shape(second, HTTPStatus.PRECONDITION_FAILED)


def test_two_editors_conflict_keeps_the_first_editors_record(editor_client, other_editor_client):
    """After the conflict the stored record is the first editor's, and history shows only their change."""
    record, url = fresh(TRADE)
    etag = editor_client.get(url)["ETag"]

    editor_client.patch(url, {"value": "111.00", "notes": "first"}, format="json", HTTP_IF_MATCH=etag)
    other_editor_client.patch(url, {"value": "222.00", "notes": "second"}, format="json", HTTP_IF_MATCH=etag)

    stored = editor_client.get(url).json()
    assert (stored["value"], stored["notes"]) == ("111.00", "first")
    record.refresh_from_db()
    assert str(record.value) == "111.00"
    newest = type(record).history.filter(id=record.pk).latest("history_date")
    assert newest.history_user.username == "editor"
