"""CSV on every list: `?format=csv` or `Accept: text/csv`, the whole filtered, ordered list in one streamed response.

A data user asking for CSV wants the data set, not page 3 of it: the response holds every row that the
same request would page through in JSON (the same filters, search, ordering and `as_of`), so `page`,
`page_size` and `cursor` are refused with a 400 rather than silently ignored. The rows are read in
keyset chunks of EXPORT_CHUNK_ROWS (the cursor pages' own range scan) and written out chunk by chunk, so
a million-row export holds one chunk in memory at a time and its first bytes leave before the last
rows are read. Each chunk is one query: an export that runs while someone writes may show rows as they
were before or after that write, as paging by cursor would; `as_of` pins an export to one moment.

Cells are what JSON shows, as text: the same field names in the header row, decimals exactly as JSON
writes them (`187500000.00`), dates and times in ISO 8601, null as an empty cell, and many-to-many keys
joined by `;` in one cell. The file is UTF-8 without a byte-order mark, with CRLF line ends (RFC 4180).

Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` as a formula, and some also one that
starts with a tab or carriage return: such a text cell is prefixed with `'`, which spreadsheets hide and
read as "this is text" (OWASP's advice on CSV injection). Numbers are not text: a decimal or integer
column (`change_pct` of `-3.50`) is written as the number, which a spreadsheet reads as a number and
cannot run; neutralising it would turn -3.50 into text. The type decides, not the content: a text
field that holds "-3.5" is text, and is prefixed.

Errors (a bad filter, a bad `as_of`) are answered in JSON, in the one error shape, as for any request.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from django.http import StreamingHttpResponse
from django.utils import timezone
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.negotiation import BaseContentNegotiation, DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.settings import api_settings

from cooperation import as_of
from cooperation.pagination import CURSOR_PARAM, keyset_after
from cooperation.representations import ORJSONRenderer, dumps

if TYPE_CHECKING:  # the views call this module
    from cooperation.views import ReadViewSet

CSV_MEDIA_TYPE = "text/csv"
# 500 rows hold about 3 MB while they are written out (tests/test_csv_export.py measures it).
EXPORT_CHUNK_ROWS = 500
# Joins a many-to-many field's keys in one cell; no key (a country code, a sector slug) contains it.
MANY_SEPARATOR = ";"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Paging parameters, which an export of the whole list does not take.
PAGING = ("page", "page_size", CURSOR_PARAM)


class CSVRenderer(BaseRenderer):
    """Chooses CSV in content negotiation; the rows themselves are streamed by `streaming_response()`."""

    media_type = CSV_MEDIA_TYPE
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        raise TypeError("CSV is streamed by csv_export.streaming_response(), never rendered from data.")


class ContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, but an unknown `?format=` is a 400 naming the parameter, not a bare 404.

    A format suffix in the path (`/trade-figures/1.x/`) stays a 404: it is part of the URL, which names nothing.
    """

    def select_renderer(
        self, request: Request, renderers: Iterable[BaseRenderer], format_suffix: str | None = None
    ) -> Any:
        name = api_settings.URL_FORMAT_OVERRIDE
        asked = request.query_params.get(name) if name else None
        renderers = list(renderers)
        if not format_suffix and asked and all(renderer.format != asked for renderer in renderers):
            offered = ", ".join(sorted(str(renderer.format) for renderer in renderers if renderer.format != "api"))
            raise ValidationError({name: [f"Unknown format {asked[:50]!r} here; use one of: {offered}."]})
        return super().select_renderer(request, renderers, format_suffix)


class CsvListMixin(GenericAPIView[Any]):
    """A read view whose list also answers in CSV; its errors stay JSON whatever was asked."""

    content_negotiation_class: type[BaseContentNegotiation] = ContentNegotiation

    def get_renderers(self) -> list[BaseRenderer]:
        renderers = super().get_renderers()
        if getattr(self, "action", None) == "list":
            renderers.append(CSVRenderer())
        return renderers

    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # A method this route does not serve is a 405, whatever format it asks for.
        served = hasattr(self, str(request.method).lower())
        return super().perform_content_negotiation(request, force=force or not served)

    def handle_exception(self, exc: Exception) -> Any:
        request = getattr(self, "request", None)
        if request is not None and requested(request):
            request.accepted_renderer = ORJSONRenderer()
            request.accepted_media_type = ORJSONRenderer.media_type
        return super().handle_exception(exc)


def requested(request: Any) -> bool:
    return isinstance(getattr(request, "accepted_renderer", None), CSVRenderer)


def streaming_response(view: ReadViewSet, request: Request) -> StreamingHttpResponse:
    """The whole list as CSV, streamed. Everything that can be refused is checked before the first byte."""
    paging = [name for name in PAGING if name in request.query_params]
    if paging:
        raise ValidationError(
            {name: ["A CSV export holds the whole filtered list in one response; leave this out."] for name in paging}
        )
    source = as_of.list_source(view, request)
    names = [column.name for column in source.shape.columns]
    body: Iterable[bytes] = [] if request.method == "HEAD" else csv_lines(names, rows_in_chunks(source))
    response = StreamingHttpResponse(body, content_type=f"{CSV_MEDIA_TYPE}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{file_name(request, source.moment)}"'
    return response


def file_name(request: Request, moment: datetime.datetime | None) -> str:
    """trade-figures-20261205T101500Z.csv: the resource and when the data stood so (`as_of`, or now)."""
    resource = request.path.rstrip("/").rsplit("/", 1)[-1]
    stamp = f"{moment or timezone.now():%Y%m%dT%H%M%SZ}"
    return f"{resource}-as-of-{stamp}.csv" if moment else f"{resource}-{stamp}.csv"


def rows_in_chunks(source: as_of.ListSource) -> Iterator[list[dict[str, Any]]]:
    """The source's rows in order, EXPORT_CHUNK_ROWS at a time, each chunk read from where the last stopped."""
    selected = source.shape.select(source.queryset).order_by(*(term.expression() for term in source.terms))
    after = None
    while True:
        rows = source.shape.read(selected[:EXPORT_CHUNK_ROWS], after=after)
        if rows:
            yield rows
        if len(rows) < EXPORT_CHUNK_ROWS:
            return
        last = [rows[-1][term.field] for term in source.terms]
        del rows  # one chunk in memory at a time: this one goes before the next is read
        after = keyset_after(source.terms, last, selected.db)


def csv_lines(names: list[str], chunks: Iterable[list[dict[str, Any]]]) -> Iterator[bytes]:
    """The header row, then each chunk's rows as one block of UTF-8 bytes."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(names)
    yield take(buffer)
    for rows in chunks:
        writer.writerows([cell(row[name]) for name in names] for row in rows)
        del rows  # before the next chunk is read
        yield take(buffer)


def take(buffer: io.StringIO) -> bytes:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")


def cell(value: Any) -> str:
    """One value as JSON shows it, as text; text that a spreadsheet would run as a formula is neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, decimal.Decimal)):
        # A number, written by us from a numeric column: it cannot hold a formula, and must stay a number.
        return format(value, "f") if isinstance(value, decimal.Decimal) else str(value)
    if isinstance(value, list):
        text = MANY_SEPARATOR.join(map(str, value))
    elif isinstance(value, (datetime.date, datetime.datetime)):
        text = dumps(value).decode()[1:-1]  # as JSON writes it: 2026-12-05T10:15:00.123456Z
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def document_csv_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """Postprocessing hook: CSV is a second media type of every list, with its own body and the `format` parameter."""
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            content = operation.get("responses", {}).get("200", {}).get("content", {})
            if CSV_MEDIA_TYPE not in content:
                continue
            content[CSV_MEDIA_TYPE] = {
                "schema": {
                    "type": "string",
                    "description": (
                        "The whole filtered, ordered list (not one page), streamed: a header row of the JSON "
                        "field names, then one row per record. UTF-8, CRLF line ends; decimals as in JSON, "
                        f"null as an empty cell, many-to-many keys joined by `{MANY_SEPARATOR}`; text cells "
                        "starting with = + - @, tab or carriage return are prefixed with ' (numbers are not)."
                    ),
                },
                "example": "id,reporter,partner,value\r\n1,KZ,HU,187500000.00\r\n",
            }
            for parameter in operation.get("parameters", []):
                if parameter["name"] == api_settings.URL_FORMAT_OVERRIDE:
                    parameter["description"] = (
                        "Response format: json (default) or csv, the same as `Accept: text/csv`. CSV holds the "
                        "whole filtered list in one streamed response, so it takes no page, page_size or cursor."
                    )
    return result
