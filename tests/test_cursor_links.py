"""Cursor links are the request's URL with its cursor put in, exactly as DRF's `replace_query_param()` would.

`RecordPagination.cursor_url` cuts the URL once per page where the cursor goes, instead of parsing and
re-encoding it for each link; whatever the other parameters, the links must come out the same.
"""

from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory
from rest_framework.utils.urls import remove_query_param, replace_query_param

from cooperation.pagination import CURSOR_PARAM, RecordPagination, encode_cursor

NAMES = st.sampled_from(["a", "country", "cursor", "cursos", "cursor_x", "d", "ordering", "page", "z", "ä", "q q"])
VALUES = st.text(max_size=8)


def links(query):
    """The link the pagination writes for a cursor, and the one DRF writes, for a request with this query."""
    request = Request(APIRequestFactory().get("/api/v1/trade-figures/", query))
    paginator = RecordPagination()
    paginator.request, paginator.terms, paginator.ordering = request, [], ""
    cursor = encode_cursor("-value", ["187500000.00", 2], backwards=True)
    start, end = paginator.cursor_url
    without_page = remove_query_param(request.build_absolute_uri(), paginator.page_query_param)
    return f"{start}{cursor}{end}", replace_query_param(without_page, CURSOR_PARAM, cursor)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(NAMES, VALUES), max_size=6))
def test_cursor_links_are_drfs(query):
    mine, drfs = links(query)

    assert mine == drfs


def test_cursor_link_of_a_bare_url():
    mine, drfs = links({})

    assert mine == drfs
    assert mine.startswith("http://testserver/api/v1/trade-figures/?cursor=")
