"""A real browser (Playwright driving Debian's Chromium) uses the admin as an editor would.

The editor logs in through the login form, adds a trade figure with the
autocomplete widgets, and the API then returns it; a second form whose quote
is missing from the source shows the error and saves nothing. Every request
to a host other than the live server is blocked, and the test fails if the
pages tried any.

The live server answers from another thread, so the test is transactional:
its data must be committed (conftest seeds the database before it).
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group, User

from cooperation import models

ARTICLE_SENTENCE = "Last year, the two countries recorded a trade volume of $187.5 million."
MISSING_SENTENCE = "The two countries signed a free trade agreement worth $1 billion."
YEAR = 2021  # no fixture record lies in this year, so `?year=` finds only the test's record
PASSWORD = "correct-horse-battery-staple"
TIMEOUT_MS = 10_000


EXPECTED = {
    "reporter": "KZ",
    "partner": "HU",
    "flow": "turnover",
    "period_start": f"{YEAR}-01-01",
    "period_end": f"{YEAR}-12-31",
    "period_label": str(YEAR),
    "currency": "USD",
    "qualifier": "approximate",
    "notes": "Entered through the admin in a real browser.",
    "source": 1,
    "source_quote": ARTICLE_SENTENCE,
}


@pytest.fixture
def page(open_page: Any) -> Any:
    return open_page(TIMEOUT_MS)


@pytest.fixture
def editor() -> User:
    """A staff user, not a superuser, whose only permissions come from the `editors` group."""
    user = User.objects.create_user("browser-editor", password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name="editors"))
    assert not user.is_superuser
    assert user.has_perm("cooperation.add_tradefigure")
    assert not user.has_perm("cooperation.change_country")
    return user


def autocomplete(page: Any, field: str, search: str, option: str) -> None:
    """Pick from a select2 autocomplete as a person does: open it, type, click the option."""
    page.locator(f"#id_{field} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    page.locator(".select2-container--open .select2-results__option", has_text=option).click()


def fill_trade_figure(page: Any, live_server: Any, quote: str) -> None:
    page.goto(f"{live_server.url}/admin/cooperation/tradefigure/add/")
    autocomplete(page, "reporter", "Kazakh", "Kazakhstan (KZ)")
    autocomplete(page, "partner", "Hungary", "Hungary (HU)")
    page.select_option("#id_flow", "turnover")
    page.fill("#id_period_start", f"{YEAR}-01-01")
    page.fill("#id_period_end", f"{YEAR}-12-31")
    page.fill("#id_value", "187500000.00")
    page.fill("#id_currency", "USD")
    page.select_option("#id_qualifier", "approximate")
    page.fill("#id_change_pct", "-4.50")
    page.fill("#id_notes", "Entered through the admin in a real browser.")
    autocomplete(page, "source", "expand cooperation", "Kazakhstan, Hungary expand cooperation")
    page.fill("#id_source_quote", quote)
    assert page.locator("#id_reporter").input_value() == "KZ"
    assert page.locator("#id_partner").input_value() == "HU"
    assert page.locator("#id_source").input_value() == "1"


@pytest.mark.django_db(transaction=True)
def test_editor_adds_a_trade_figure_in_the_admin(
    page: Any, live_server: Any, editor: User, offsite_requests: list[str], tmp_path: Path
) -> None:
    # Log in through the form.
    page.goto(f"{live_server.url}/admin/")
    assert "/admin/login/" in page.url
    page.fill("#id_username", editor.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    assert editor.username.upper() in page.locator("#user-tools").inner_text().upper()

    # Add a trade figure whose quote is in the article.
    before = models.TradeFigure.objects.count()
    fill_trade_figure(page, live_server, ARTICLE_SENTENCE)
    page.click("input[name=_save]")
    success = page.locator(".messagelist .success")
    success.wait_for()
    assert "was added successfully" in success.inner_text()
    assert models.TradeFigure.objects.count() == before + 1
    created = models.TradeFigure.objects.get(period_start__year=YEAR)

    # The API returns it with the values typed in the form.
    response = page.request.get(f"{live_server.url}/api/v1/trade-figures/?year={YEAR}")
    assert response.status == 200
    results = response.json()["results"]
    assert [record["id"] for record in results] == [created.pk]
    record = results[0]
    assert {key: record[key] for key in EXPECTED} == EXPECTED
    assert Decimal(record["value"]) == Decimal("187500000.00")
    assert Decimal(record["change_pct"]) == Decimal("-4.50")

    # A quote missing from the source's text is refused on the page, and nothing is saved.
    fill_trade_figure(page, live_server, MISSING_SENTENCE)
    page.click("input[name=_save]")
    page.locator(".errornote").wait_for()
    quote_error = page.locator(".field-source_quote .errorlist")
    assert "does not occur verbatim in the text of source 1" in quote_error.inner_text()
    assert page.url.endswith("/admin/cooperation/tradefigure/add/")
    assert page.locator("#id_source_quote").input_value() == MISSING_SENTENCE
    assert models.TradeFigure.objects.count() == before + 1
    assert not models.TradeFigure.objects.filter(source_quote=MISSING_SENTENCE).exists()

    # The changelist lists the new record; keep a screenshot of it.
    page.goto(f"{live_server.url}/admin/cooperation/tradefigure/")
    assert page.locator("#result_list tbody tr").count() == before + 1
    assert page.locator(f"#result_list a[href$='/tradefigure/{created.pk}/change/']").count() == 1
    screenshot = tmp_path / "changelist.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.is_file()
    assert screenshot.stat().st_size > 0

    assert offsite_requests == []
