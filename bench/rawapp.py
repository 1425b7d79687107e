"""A raw WSGI app: sqlite3 and orjson, no framework. The floor for the same queries on the same file.

It answers the API's URLs for the benchmarked queries (plus `?after=<value>,<id>` for a keyset page)
with the same rows in the same order, each column as SQLite stores it. Served by gunicorn with
BENCH_SQLITE naming the database file; SQLite only.
"""

from __future__ import annotations

import os
import re
import sqlite3
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import parse_qs

import orjson

from bench.resources import BY_PATH, COUNTRY_FIELDS, PAGE_SIZE, RECENT, RESOURCES, SOURCE_FIELDS, Resource, etag

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
Row = dict[str, Any]

LIST = re.compile(r"/api/v1/([a-z-]+)/")
DETAIL = re.compile(r"/api/v1/([a-z-]+)/([0-9]{1,18})/")
PROFILE = re.compile(r"/api/v1/countries/([A-Za-z]{2})/partners/([A-Za-z]{2})/")
STATUS = {200: "200 OK", 304: "304 Not Modified", 404: "404 Not Found"}

connection: sqlite3.Connection | None = None


def query(sql: str, params: Sequence[Any] = ()) -> list[Row]:
    """Rows as dicts, on this worker's one connection (opened after gunicorn forks)."""
    global connection
    if connection is None:
        connection = sqlite3.connect(os.environ["BENCH_SQLITE"], check_same_thread=False)
    cursor = connection.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor]


def columns(resource: Resource) -> str:
    return ", ".join(
        f"{resource.column(field)} AS {field}" if field in resource.foreign_keys else field for field in resource.fields
    )


def order_by(terms: Iterable[Any]) -> str:
    return ", ".join(term.sql() for term in terms)


def like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def where(resource: Resource, params: dict[str, str]) -> tuple[list[str], list[Any]]:
    clauses: list[str] = []
    args: list[Any] = []
    for name, (column, operator) in resource.filters.items():
        if name in params:
            clauses.append(f"{column} {operator} ?")
            args.append(params[name])
    many = resource.many
    if many and resource.pair_column is None and "country" in params:
        clauses.append(f"id IN (SELECT {many.own} FROM {many.table} WHERE {many.other} = ?)")
        args.append(params["country"].upper())
    for word in params.get("search", "").split():
        clauses.append("(" + " OR ".join(f"{field} LIKE ? ESCAPE '\\'" for field in resource.search) + ")")
        args.extend([like(word)] * len(resource.search))
    return clauses, args


def add_many_keys(resource: Resource, rows: list[Row]) -> list[Row]:
    many = resource.many
    if many is None or not rows:
        return rows
    ids = [row["id"] for row in rows]
    marks = ", ".join("?" * len(ids))
    keys: dict[int, list[str]] = defaultdict(list)
    for link in query(
        f"SELECT {many.own} AS own, {many.other} AS other FROM {many.table} WHERE {many.own} IN ({marks})", ids
    ):
        keys[link["own"]].append(link["other"])
    for row in rows:
        row[many.name] = sorted(keys[row["id"]])
    return rows


def record_list(resource: Resource, params: dict[str, str]) -> tuple[int, Any]:
    clauses, args = where(resource, params)
    count = None
    if "after" in params:
        value, pk = params["after"].rsplit(",", 1)
        column = resource.ordering[0].column
        clauses.append(f"{column} >= ? AND ({column} > ? OR ({column} = ? AND id > ?))")
        args.extend([value, value, value, int(pk)])
        limit = f"LIMIT {PAGE_SIZE}"
    else:
        limit = f"LIMIT {PAGE_SIZE} OFFSET {(int(params.get('page', '1')) - 1) * PAGE_SIZE}"
    condition = f"WHERE {' AND '.join(clauses)}" if clauses else ""
    if "after" not in params:
        count = query(f"SELECT COUNT(*) AS count FROM {resource.table} {condition}", args)[0]["count"]
    sql = f"SELECT {columns(resource)} FROM {resource.table} {condition} ORDER BY {order_by(resource.ordering)} {limit}"
    return 200, {"count": count, "results": add_many_keys(resource, query(sql, args))}


def record_detail(resource: Resource, pk: str, conditional: str | None) -> tuple[int, Any, str | None]:
    if conditional:
        found = query(f"SELECT updated_at FROM {resource.table} WHERE id = ?", (int(pk),))
        if not found:
            return 404, {"detail": "No such record."}, None
        if conditional == etag(pk, found[0]["updated_at"]):
            return 304, None, conditional
    rows = query(f"SELECT {columns(resource)} FROM {resource.table} WHERE id = ?", (int(pk),))
    if not rows:
        return 404, {"detail": "No such record."}, None
    return 200, add_many_keys(resource, rows)[0], etag(pk, rows[0]["updated_at"])


def pair_condition(resource: Resource, first: str, second: str) -> tuple[str, list[str]]:
    if resource.pair_column:
        return f"{resource.pair_column} = ?", [",".join(sorted((first, second)))]
    many = resource.many
    assert many is not None
    member = f"id IN (SELECT {many.own} FROM {many.table} WHERE {many.other} = ?)"
    return f"{member} AND {member}", [first, second]


def pair_profile(first: str, second: str) -> tuple[int, Any]:
    fields = ", ".join(COUNTRY_FIELDS)
    found = query(f"SELECT {fields} FROM cooperation_country WHERE code IN (?, ?)", (first, second))
    by_code = {row["code"]: row for row in found}
    if len(by_code) != 2:
        return 404, {"detail": "No such pair of countries."}
    profile: dict[str, Any] = {"country": by_code[first], "partner": by_code[second]}
    cited: set[int] = set()
    for resource in RESOURCES:
        condition, args = pair_condition(resource, first, second)
        count = query(f"SELECT COUNT(*) AS count FROM {resource.table} WHERE {condition}", args)[0]["count"]
        latest = query(
            f"SELECT {columns(resource)} FROM {resource.table} WHERE {condition} "
            f"ORDER BY {order_by(resource.recent)} LIMIT {RECENT}",
            args,
        )
        profile[resource.key] = {"count": count, "recent": add_many_keys(resource, latest)}
        cited.update(row["source"] for row in latest)
    marks = ", ".join("?" * len(cited))
    profile["sources"] = query(
        f"SELECT {', '.join(SOURCE_FIELDS)} FROM cooperation_source WHERE id IN ({marks}) ORDER BY title, id",
        sorted(cited),
    )
    return 200, profile


def route(environ: dict[str, Any]) -> tuple[int, Any, str | None]:
    path = environ.get("PATH_INFO", "")
    params = {name: values[-1] for name, values in parse_qs(environ.get("QUERY_STRING", "")).items()}
    if match := PROFILE.fullmatch(path):
        return (*pair_profile(match[1].upper(), match[2].upper()), None)
    if (match := DETAIL.fullmatch(path)) and match[1] in BY_PATH:
        return record_detail(BY_PATH[match[1]], match[2], environ.get("HTTP_IF_NONE_MATCH"))
    if (match := LIST.fullmatch(path)) and match[1] in BY_PATH:
        return (*record_list(BY_PATH[match[1]], params), None)
    return 404, {"detail": "Not found."}, None


def application(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
    status, data, tag = route(environ)
    headers = [("Content-Type", "application/json")]
    if tag:
        headers.append(("ETag", tag))
    body = b"" if data is None else orjson.dumps(data)
    start_response(STATUS[status], headers)
    return [body]
