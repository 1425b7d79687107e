"""The front door: `/api/v1/` links every resource and the docs; `/` says to a person what this is."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.renderers import TemplateHTMLRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from cooperation.registry import RECORD_RESOURCES
from cooperation.representations import ORJSONRenderer

# (route name, what it is): the API root links these, in this order.
RESOURCES = [
    ("country-list", "ISO 3166-1 countries"),
    ("source-list", "Sources, with their full text"),
    *(
        (f"{resource.basename}-list", str(resource.model._meta.verbose_name_plural).capitalize())
        for resource in RECORD_RESOURCES
    ),
]
DOCS = [
    ("schema", "OpenAPI 3 schema (YAML; ?format=json for JSON)"),
    ("swagger-ui", "Swagger UI"),
    ("redoc", "ReDoc"),
]
EXAMPLES = [
    ("Trade between Kazakhstan and Hungary in 2024", "trade-figure-list", "?pair=KZ,HU&year=2024"),
    ("Everything Kazakhstan and Hungary share", "country-pair", ""),
    ("Investments in logistics, largest first", "investment-list", "?sector=logistics&ordering=-amount"),
]


def segment(route: str) -> str:
    """A list route's last URL segment, e.g. trade-figures: the key clients see in the root."""
    return reverse(route).rstrip("/").rsplit("/", 1)[-1]


def links(request: Request) -> dict[str, Any]:
    absolute = request.build_absolute_uri
    examples = [
        {"title": title, "url": absolute(reverse(route, args=["KZ", "HU"] if route == "country-pair" else []) + query)}
        for title, route, query in EXAMPLES
    ]
    return {
        "resources": {segment(route): absolute(reverse(route)) for route, _what in RESOURCES},
        "docs": {name: absolute(reverse(name)) for name, _what in DOCS},
        "admin": absolute(reverse("admin:index")),
        "examples": examples,
    }


class Link(serializers.Serializer[Any]):
    title = serializers.CharField()
    url = serializers.URLField()


LINKS_SCHEMA = inline_serializer(
    "ApiRoot",
    {
        "resources": serializers.DictField(child=serializers.URLField(), help_text="Each resource's list URL."),
        "docs": serializers.DictField(child=serializers.URLField(), help_text="The schema, Swagger UI and ReDoc."),
        "admin": serializers.URLField(help_text="The editors' admin."),
        "examples": Link(many=True, help_text="Example queries."),
    },
)


class ApiRootView(APIView):
    """The API root: a link to every resource, the docs and the admin."""

    permission_classes = [permissions.AllowAny]
    renderer_classes = [ORJSONRenderer]

    @extend_schema(operation_id="api_root", responses=LINKS_SCHEMA, tags=["api"])
    def get(self, request: Request) -> Response:
        return Response(links(request))


@extend_schema(exclude=True)
class HomeView(APIView):
    """`/`: a page for people (what this is and where to go), the same links for JSON clients."""

    permission_classes = [permissions.AllowAny]
    renderer_classes = [ORJSONRenderer, TemplateHTMLRenderer]
    template_name = "cooperation/home.html"

    def get(self, request: Request) -> Response:
        data = links(request)
        if isinstance(request.accepted_renderer, TemplateHTMLRenderer):
            data = {
                **data,
                "api_root": request.build_absolute_uri(reverse("api-root")),
                "resource_rows": [(what, data["resources"][segment(route)]) for route, what in RESOURCES],
                "doc_rows": [(what, data["docs"][name]) for name, what in DOCS],
            }
        return Response(data)
