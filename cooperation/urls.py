"""Routes of the API's version 1, mounted at /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from cooperation import views
from cooperation.front_door import ApiRootView
from cooperation.registry import RECORD_RESOURCES

router = DefaultRouter()
router.include_root_view = False
# No `/trade-figures.json`-style suffixes: the contract names formats by `?format=` and Accept only, and
# the suffixed twin of every route doubled the patterns each request is matched against.
router.include_format_suffixes = False
router.register("countries", views.CountryViewSet, basename="country")
router.register("sources", views.SourceViewSet, basename="source")
for resource in RECORD_RESOURCES:
    router.register(resource.path, views.record_viewset(resource), basename=resource.basename)

urlpatterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("countries/<str:code>/partners/", views.CountryPartnersView.as_view(), name="country-partners"),
    path("countries/<str:code>/partners/<str:other>/", views.CountryPairView.as_view(), name="country-pair"),
    *router.urls,
]
