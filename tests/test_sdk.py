"""Clients generated from the committed openapi.yaml work against the running API.

The Python client (openapi-python-client) is generated into a temporary directory,
every module of it is imported, and it then talks to pytest-django's live server:
typed results, a bilateral profile, a token write, typed errors, paging by `next`.
The TypeScript example is type-checked with `tsc` against freshly generated types.

The live server answers from another thread, so these tests are transactional: their
data must be committed, and the database is flushed after each of them.
"""

from __future__ import annotations

import datetime
import importlib
import json
import os
import pkgutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import yaml
from django.conf import settings
from django.contrib.auth.models import Group, User
from knox.models import AuthToken

from cooperation import models

ROOT = Path(settings.BASE_DIR)
SCHEMA = ROOT / "openapi.yaml"
PACKAGE = "cooperation_client"  # package_name_override in sdk/python/config.yaml
VENV_BIN = Path(sys.executable).parent
NODE_BIN = ROOT / "node_modules" / ".bin"
ARTICLE_SENTENCE = "Last year, the two countries recorded a trade volume of $187.5 million."
YEAR = 2019  # no fixture record lies in this year, so `?year=` finds only the test's record


def run(command: list[str], cwd: Path) -> None:
    """Run a generator or compiler; on failure, show its output in the test report."""
    # The generator formats its output with ruff, which it finds on PATH (the venv's).
    env = {**os.environ, "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"{' '.join(command)}\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """`sdk("api.trade_figures.trade_figures_list")` imports that module of a freshly generated client."""
    out = tmp_path_factory.mktemp("python-client")
    run(
        [
            str(VENV_BIN / "openapi-python-client"),
            "generate",
            "--path",
            str(SCHEMA),
            "--config",
            str(ROOT / "sdk" / "python" / "config.yaml"),
            "--meta",
            "none",  # the bare package, importable from `out`
            "--output-path",
            str(out / PACKAGE),
            "--fail-on-warning",
        ],
        cwd=out,
    )
    sys.path.insert(0, str(out))
    try:
        yield lambda name: importlib.import_module(f"{PACKAGE}.{name}")
    finally:
        sys.path.remove(str(out))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


@pytest.fixture
def reader(sdk: Any, live_server: Any) -> Any:
    """An anonymous client: reading is public."""
    return sdk("client").Client(base_url=live_server.url, raise_on_unexpected_status=True)


@pytest.fixture
def editor(sdk: Any, live_server: Any) -> Any:
    """A client sending the knox token of a user in the `editors` group."""
    user = User.objects.create_user("sdk-editor")
    user.groups.add(Group.objects.get(name="editors"))
    _, key = AuthToken.objects.create(user)
    # knox expects `Authorization: Token <key>`; the generated client defaults to `Bearer`.
    return sdk("client").AuthenticatedClient(
        base_url=live_server.url, token=key, prefix="Token", raise_on_unexpected_status=True
    )


def test_generated_python_client_imports_every_module(sdk: Any) -> None:
    package = importlib.import_module(PACKAGE)
    names = [info.name for info in pkgutil.walk_packages(package.__path__, prefix=f"{PACKAGE}.")]
    for name in names:
        importlib.import_module(name)
    # One module per operation, named by its operationId: the generator skipped none.
    schema = yaml.safe_load(SCHEMA.read_text())
    operation_ids = {operation["operationId"] for path in schema["paths"].values() for operation in path.values()}
    operation_modules = {name.rsplit(".", 1)[1] for name in names if name.count(".") == 3 and ".api." in name}
    assert operation_modules == operation_ids


@pytest.mark.django_db(transaction=True)
def test_python_client_lists_trade_figures_with_typed_results(sdk: Any, reader: Any) -> None:
    trade_figures_list = sdk("api.trade_figures.trade_figures_list")
    page = trade_figures_list.sync(client=reader, pair="hu,kz", year=2024, value_min=100_000_000)

    assert isinstance(page, sdk("models").PaginatedTradeFigureList)
    assert page.count == 1
    [figure] = page.results
    assert isinstance(figure, sdk("models").TradeFigure)
    assert (figure.reporter, figure.partner) == ("KZ", "HU")
    assert figure.flow is sdk("models").FlowEnum.TURNOVER
    assert figure.qualifier is sdk("models").QualifierEnum.AT_LEAST
    assert figure.period_start == datetime.date(2024, 1, 1)
    assert figure.period_end == datetime.date(2024, 8, 31)
    assert figure.period_label == "2024-01/2024-08"
    # Money and percentages stay decimal strings, exact to the cent.
    assert figure.value == "131000000.00"
    assert Decimal(figure.value) == Decimal("131000000")
    assert figure.change_pct == "6.00"
    assert figure.currency == "USD"
    assert isinstance(figure.created_at, datetime.datetime)
    assert figure.created_at.tzinfo is not None


@pytest.mark.django_db(transaction=True)
def test_python_client_fetches_a_bilateral_profile(sdk: Any, reader: Any) -> None:
    countries_partners_retrieve = sdk("api.countries.countries_partners_retrieve")
    profile = countries_partners_retrieve.sync("kz", "HU", client=reader)

    assert isinstance(profile, sdk("models").PairProfile)
    assert (profile.country.code, profile.partner.code) == ("KZ", "HU")
    assert profile.partner.name == "Hungary"
    starts = [figure.period_start for figure in profile.trade_figures.recent]
    assert starts == sorted(starts, reverse=True)
    assert profile.trade_figures.count == len(profile.trade_figures.recent) == 2
    assert profile.trade_figures.list_.endswith("/api/v1/trade-figures/?pair=KZ%2CHU")
    statuses = {investment.status for investment in profile.investments.recent}
    assert statuses <= set(sdk("models").InvestmentStatusEnum)
    assert [source.id for source in profile.sources] == [1]


@pytest.mark.django_db(transaction=True)
def test_python_client_creates_a_record_with_an_editor_token(sdk: Any, editor: Any, reader: Any) -> None:
    models_ = sdk("models")
    body = models_.TradeFigureRequest(
        reporter="kz",
        partner="HU",
        flow=models_.FlowEnum.TURNOVER,
        period_start=datetime.date(YEAR, 1, 1),
        period_end=datetime.date(YEAR, 12, 31),
        value="187500000.00",
        currency="usd",
        source=1,
        source_quote=ARTICLE_SENTENCE,
        qualifier=models_.QualifierEnum.APPROXIMATE,
    )
    response = sdk("api.trade_figures.trade_figures_create").sync_detailed(client=editor, body=body)

    assert response.status_code == 201
    created = response.parsed
    assert isinstance(created, models_.TradeFigure)
    assert (created.reporter, created.currency, created.period_label) == ("KZ", "USD", str(YEAR))
    assert created.value == "187500000.00"
    listed = sdk("api.trade_figures.trade_figures_list").sync(client=reader, year=YEAR)
    assert [figure.id for figure in listed.results] == [created.id]


@pytest.mark.django_db(transaction=True)
def test_python_client_gets_a_typed_error_for_a_bad_write(sdk: Any, editor: Any) -> None:
    models_ = sdk("models")
    body = models_.TradeFigureRequest(
        reporter="KZ",
        partner="HU",
        flow=models_.FlowEnum.EXPORT,
        period_start=datetime.date(YEAR, 1, 1),
        period_end=datetime.date(YEAR, 12, 31),
        value="1.00",
        currency="USD",
        source=1,
        source_quote="The two countries signed a free trade agreement worth $1 billion.",
    )
    response = sdk("api.trade_figures.trade_figures_create").sync_detailed(client=editor, body=body)

    assert response.status_code == 400
    error = response.parsed
    assert isinstance(error, models_.Error)
    assert error.status == 400
    assert [item.field for item in error.errors] == ["source_quote"]
    assert "source_quote" in error.detail
    assert not models.TradeFigure.objects.filter(period_start__year=YEAR).exists()


@pytest.mark.django_db(transaction=True)
def test_python_client_gets_a_typed_error_for_a_bad_filter(sdk: Any, reader: Any) -> None:
    response = sdk("api.trade_figures.trade_figures_list").sync_detailed(client=reader, pair="KZ,XX")

    assert response.status_code == 400
    error = response.parsed
    assert isinstance(error, sdk("models").Error)
    assert (error.status, error.code) == (400, "invalid")
    assert [item.field for item in error.errors] == ["pair"]
    assert "XX" in error.errors[0].message


@pytest.mark.django_db(transaction=True)
def test_python_client_pages_through_a_list_with_next(sdk: Any, reader: Any) -> None:
    countries_list = sdk("api.countries.countries_list")
    seen: list[str] = []
    pages = 0
    page_number: int | None = 1
    while page_number:
        page = countries_list.sync(client=reader, page=page_number, page_size=100)
        pages += 1
        seen.extend(country.code for country in page.results)
        # `next` is a URL (or null on the last page): the typed call takes its page number.
        page_number = int(parse_qs(urlsplit(page.next_).query)["page"][0]) if page.next_ else None
    assert pages == 3
    assert len(seen) == len(set(seen)) == page.count == models.Country.objects.count()


def test_typescript_example_compiles_against_fresh_types(tmp_path: Path) -> None:
    run([str(NODE_BIN / "openapi-typescript"), str(SCHEMA), "--output", str(tmp_path / "schema.d.ts")], cwd=ROOT)
    # Extend the example's tsconfig, pointing its `cooperation-api` import at the fresh types.
    tsconfig = {
        "extends": str(ROOT / "sdk" / "typescript" / "tsconfig.json"),
        "compilerOptions": {"paths": {"cooperation-api": ["./schema.d.ts"]}},
        "files": [str(ROOT / "sdk" / "typescript" / "example.ts")],
    }
    (tmp_path / "tsconfig.json").write_text(json.dumps(tsconfig))
    run([str(NODE_BIN / "tsc"), "--noEmit", "-p", str(tmp_path / "tsconfig.json")], cwd=ROOT)
