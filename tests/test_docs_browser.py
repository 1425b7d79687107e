"""Swagger UI and ReDoc, rendered by a real browser (Playwright driving Debian's Chromium).

Both pages show every operation of the committed openapi.yaml, Swagger UI's "Try it out"
gets a 200 from the live server, and neither page fetches anything from another host:
every such request is blocked, and the test fails if a page tried one.

The live server answers from another thread, so the tests are transactional.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings

TIMEOUT_MS = 15_000
SCHEMA = yaml.safe_load((Path(settings.BASE_DIR) / "openapi.yaml").read_text())
OPERATION_IDS = {operation["operationId"] for path in SCHEMA["paths"].values() for operation in path.values()}


@pytest.fixture
def page(open_page: Any) -> Any:
    # The schema's server is relative ("/"), so "Try it out" calls the live server that serves the page.
    return open_page(TIMEOUT_MS)


@pytest.mark.django_db(transaction=True)
def test_swagger_ui_shows_every_operation_and_tries_out_the_trade_figures_list(
    page: Any, live_server: Any, offsite_requests: list[str]
) -> None:
    page.goto(f"{live_server.url}/api/docs/")
    operations = page.locator(".opblock")
    operations.first.wait_for()
    # Swagger UI gives each operation the id `operations-<tag>-<operationId>`; operationIds have no "-".
    shown = {element_id.rsplit("-", 1)[1] for element_id in operations.evaluate_all("els => els.map(e => e.id)")}
    assert shown == OPERATION_IDS

    operation = page.locator("#operations-trade-figures-trade_figures_list")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status")
    status.wait_for()
    assert status.inner_text().strip() == "200"
    request_url = operation.locator(".request-url pre").inner_text().strip()
    assert request_url.startswith(f"{live_server.url}/api/v1/trade-figures/")
    assert '"count"' in operation.locator(".live-responses-table .response .response-col_description").inner_text()
    assert offsite_requests == []


@pytest.mark.django_db(transaction=True)
def test_redoc_shows_every_operation(page: Any, live_server: Any, offsite_requests: list[str]) -> None:
    page.goto(f"{live_server.url}/api/redoc/")
    sections = page.locator("[data-section-id*='operation/']")
    sections.first.wait_for()
    # ReDoc names each operation's section `tag/<tag>/operation/<operationId>`.
    section_ids = sections.evaluate_all("els => els.map(e => e.getAttribute('data-section-id'))")
    shown = {re.sub(r".*operation/", "", section_id) for section_id in section_ids}
    assert shown == OPERATION_IDS
    assert offsite_requests == []
