"""The fixed set of queries, and each target's equivalent of each (README.md lists them).

Targets: `api` (the project), `bare` (bare Django, baseline.py), `datasette` (Datasette's JSON API
on the same SQLite file) and `raw` (sqlite3 + orjson, rawapp.py). The bare and raw baselines answer
the API's own URLs; Datasette has its own. A target without an equivalent has no entry.

Each request has a reader that reduces its answer to what must be equal across targets: the count
and the ids of the rows, in order. run.py compares them with the API's before measuring.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from bench.resources import RESOURCES

Signature = Any
Reader = Callable[[Any], Signature]

TRADE = "/api/v1/trade-figures/"
DATASETTE_DB = "/bench"
DATASETTE_TABLE = f"{DATASETTE_DB}/cooperation_tradefigure"
# Rows as objects with Datasette's count; no facets or facet suggestions, which the API does not compute.
DATASETTE_PAGE = {"_shape": "objects", "_size": "50", "_nofacet": "1"}


def page(body: Any) -> Signature:
    return {"count": body["count"], "ids": [row["id"] for row in body["results"]]}


def datasette_page(body: Any) -> Signature:
    return {"count": body.get("filtered_table_rows_count"), "ids": [row["id"] for row in body["rows"]]}


def datasette_sql_page(body: Any) -> Signature:
    """An SQL query whose rows carry the count in a `total` column."""
    rows = body["rows"]
    return {"count": rows[0]["total"] if rows else 0, "ids": [row["id"] for row in rows]}


def record(body: Any) -> Signature:
    return {"id": body["id"]}


def datasette_row(body: Any) -> Signature:
    return {"id": body["rows"][0]["id"]}


def profile(body: Any) -> Signature:
    return {
        resource.key: {"count": body[resource.key]["count"], "ids": [row["id"] for row in body[resource.key]["recent"]]}
        for resource in RESOURCES
    }


@dataclass(frozen=True)
class Request:
    path: str
    reader: Reader | None  # None: an answer without a body (304)
    conditional: bool = False  # sent with If-None-Match: the ETag of a GET of the same path; expects 304
    problem: str | None = None  # set when the URL could not be made (reported, never requested)

    @property
    def expected_status(self) -> int:
        return 304 if self.conditional else 200


@dataclass(frozen=True)
class Query:
    name: str
    requests: dict[str, Request]

    @property
    def is_list(self) -> bool:
        return any(request.reader in (page, datasette_page, datasette_sql_page) for request in self.requests.values())


@dataclass(frozen=True)
class Positions:
    """Where in the data the queries look, found in the database before the run."""

    middle_id: int  # a trade figure in the middle of the table
    deep_page: int  # a page-number page about 90% down the unfiltered list
    deep_key: tuple[str, int]  # (period_start, id) of that page's last row
    api_cursor: str | None  # the cursor of the API's `next` link from that page
    cursor_problem: str | None  # why there is none
    offset_page: int  # 1500, or the middle page of a smaller table
    search_word: str
    pair: tuple[str, str]


def same(path: str, reader: Reader | None, **options: Any) -> dict[str, Request]:
    """The API's URL, which the bare and raw baselines answer too."""
    return {target: Request(path, reader, **options) for target in ("api", "bare", "raw")}


def datasette(table: str, reader: Reader = datasette_page, **params: str) -> Request:
    return Request(f"{DATASETTE_DB}/{table}.json?{urlencode({**params, **DATASETTE_PAGE})}", reader)


def datasette_sql(sql: str) -> Request:
    """Datasette's SQL API, for what its table pages cannot say (an offset, nulls last)."""
    return Request(
        f"{DATASETTE_DB}.json?{urlencode({'sql': ' '.join(sql.split()), '_shape': 'objects'})}", datasette_sql_page
    )


def like_any(columns: tuple[str, ...], word: str) -> str:
    return "(" + " or ".join(f"{column} like '%{word}%'" for column in columns) + ")"


FIRST_PAGE = "trade figures: page 1"


def deep_cursor_page(deep_page: int) -> str:
    return f"trade figures: cursor after page {deep_page}"


def plan(at: Positions) -> list[Query]:
    first, second = at.pair
    filtered = "reporter=DE&period_after=1990-01-01&period_before=2010-12-31"
    after = f"{at.deep_key[0]},{at.deep_key[1]}"
    cursor = Request(TRADE + f"?cursor={quote(at.api_cursor or '')}", page, problem=at.cursor_problem)
    offset = (at.offset_page - 1) * 50
    landmarks = next(resource for resource in RESOURCES if resource.path == "cultural-landmarks")
    return [
        Query(
            "trade figures: reporter=DE, 1990-2010",
            {
                **same(f"{TRADE}?{filtered}", page),
                "datasette": datasette(
                    "cooperation_tradefigure",
                    reporter_id="DE",
                    period_start__gte="1990-01-01",
                    period_end__lte="2010-12-31",
                    _sort="period_start",
                ),
            },
        ),
        Query(
            FIRST_PAGE,
            {**same(TRADE, page), "datasette": datasette("cooperation_tradefigure", _sort="period_start")},
        ),
        Query(
            deep_cursor_page(at.deep_page),
            {
                "api": cursor,
                **{target: Request(f"{TRADE}?after={quote(after)}", page) for target in ("bare", "raw")},
                "datasette": datasette("cooperation_tradefigure", _sort="period_start", _next=after, _nocount="1"),
            },
        ),
        Query(
            f"trade figures: page {at.offset_page}",
            {
                **same(f"{TRADE}?page={at.offset_page}", page),
                "datasette": datasette_sql(
                    f"""select *, (select count(*) from cooperation_tradefigure) as total
                    from cooperation_tradefigure order by period_start, id limit 50 offset {offset}"""
                ),
            },
        ),
        Query(
            "investments: investor=DE",
            {
                **same("/api/v1/investments/?investor=DE", page),
                # The API puts investments without a period last; Datasette's _sort puts nulls first.
                "datasette": datasette_sql(
                    """select *, (select count(*) from cooperation_investment where investor_id = 'DE') as total
                    from cooperation_investment where investor_id = 'DE'
                    order by period_start nulls last, id limit 50"""
                ),
            },
        ),
        Query(
            "cultural landmarks: located_in=DE",
            {
                **same("/api/v1/cultural-landmarks/?located_in=DE", page),
                "datasette": datasette("cooperation_culturallandmark", located_in_id="DE", _sort="name"),
            },
        ),
        Query(
            "scholarship programs: sponsor=DE",
            {
                **same("/api/v1/scholarship-programs/?sponsor=DE", page),
                "datasette": datasette("cooperation_scholarshipprogram", sponsor_id="DE", _sort="name"),
            },
        ),
        Query(
            "cultural initiatives: country=DE",
            {
                **same("/api/v1/cultural-initiatives/?country=DE", page),
                "datasette": datasette(
                    "cooperation_culturalinitiative",
                    _where="id in (select culturalinitiative_id from cooperation_culturalinitiative_countries "
                    "where country_id = 'DE')",
                    _sort="name",
                ),
            },
        ),
        Query(
            "trade figure: detail",
            {
                **same(f"{TRADE}{at.middle_id}/", record),
                "datasette": Request(f"{DATASETTE_TABLE}/{at.middle_id}.json?_shape=objects", datasette_row),
            },
        ),
        Query("trade figure: detail, 304", same(f"{TRADE}{at.middle_id}/", None, conditional=True)),
        Query(f"pair profile {first}-{second}", same(f"/api/v1/countries/{first}/partners/{second}/", profile)),
        Query(
            f"cultural landmarks: search={at.search_word}",
            {
                **same(f"/api/v1/cultural-landmarks/?search={quote(at.search_word)}", page),
                "datasette": datasette(
                    "cooperation_culturallandmark", _where=like_any(landmarks.search, at.search_word), _sort="name"
                ),
            },
        ),
    ]
