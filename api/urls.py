"""Every public API endpoint, in one place."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from api.views import ArticleViewSet, ClinicViewSet, ConditionViewSet, PreviewView, RiskViewSet

router = DefaultRouter()
router.include_format_suffixes = False
router.register("articles", ArticleViewSet, basename="article")
router.register("conditions", ConditionViewSet, basename="condition")
router.register("risks", RiskViewSet, basename="risk")
router.register("clinics", ClinicViewSet, basename="clinic")

urlpatterns = [
    path("preview/<str:token>/", PreviewView.as_view(), name="article-preview"),
    path("", include(router.urls)),
]
