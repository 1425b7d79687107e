"""Routes of the API's version 1, mounted at /api/v1/."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from cooperation import views
from cooperation.front_door import ApiRootView

router = DefaultRouter()
router.include_root_view = False
# No `/trade-figures.json`-style suffixes: the contract names formats by `?format=` and Accept only, and
# the suffixed twin of every route doubled the patterns each request is matched against.
router.include_format_suffixes = False
router.register("countries", views.CountryViewSet, basename="country")
router.register("sources", views.SourceViewSet, basename="source")
router.register("trade-figures", views.TradeFigureViewSet, basename="trade-figure")
router.register("investments", views.InvestmentViewSet, basename="investment")
router.register("cultural-landmarks", views.CulturalLandmarkViewSet, basename="cultural-landmark")
router.register("scholarship-programs", views.ScholarshipProgramViewSet, basename="scholarship-program")
router.register("cultural-initiatives", views.CulturalInitiativeViewSet, basename="cultural-initiative")

urlpatterns = [
    path("", ApiRootView.as_view(), name="api-root"),
    path("countries/<str:code>/partners/", views.CountryPartnersView.as_view(), name="country-partners"),
    path("countries/<str:code>/partners/<str:other>/", views.CountryPairView.as_view(), name="country-pair"),
    *router.urls,
]
