"""Every public API endpoint, in one place."""

from django.urls import include, path
from rest_framework.routers import APIRootView, DefaultRouter

from api.feeds import ClinicFeedView, ClinicSitemapView
from api.handouts import ArticleHandoutView
from api.infobutton import ClinicInfobuttonView, InfobuttonView
from api.views import ArticleViewSet, ClinicViewSet, ConditionViewSet, PreviewView, RiskViewSet
from cms.lib.query_contract import StrictQueryParameters


class StrictAPIRootView(StrictQueryParameters, APIRootView):
    """The entry point, under the same query contract as every endpoint: it takes no parameters."""


router = DefaultRouter()
router.APIRootView = StrictAPIRootView
router.include_format_suffixes = False
router.register("articles", ArticleViewSet, basename="article")
router.register("conditions", ConditionViewSet, basename="condition")
router.register("risks", RiskViewSet, basename="risk")
router.register("clinics", ClinicViewSet, basename="clinic")

urlpatterns = [
    path("preview/<str:token>/", PreviewView.as_view(), name="article-preview"),
    # A clinic's sitemap and Atom feed (api/feeds.py); Django's slug converter is SLUG_PATTERN.
    path("clinics/<slug:slug>/sitemap.xml", ClinicSitemapView.as_view(), name="clinic-sitemap"),
    path("clinics/<slug:slug>/feed.atom", ClinicFeedView.as_view(), name="clinic-feed"),
    # An article's live version as a printable PDF (api/handouts.py).
    path("articles/<slug:slug>/handout.pdf", ArticleHandoutView.as_view(), name="article-handout"),
    # HL7 Infobutton knowledge requests (api/infobutton.py): every clinic's articles, or one clinic's.
    path("infobutton/", InfobuttonView.as_view(), name="infobutton"),
    path("clinics/<slug:slug>/infobutton/", ClinicInfobuttonView.as_view(), name="clinic-infobutton"),
    path("", include(router.urls)),
]
