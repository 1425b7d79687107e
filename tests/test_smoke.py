from http import HTTPStatus

from django.urls import reverse


def test_trade_figures_list_serves_the_article(api_client, db):
    response = api_client.get(reverse("trade-figure-list"), {"pair": "kz,hu"})
    assert response.status_code == HTTPStatus.OK
    assert response.json()["count"] == 2
