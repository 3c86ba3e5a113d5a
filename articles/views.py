from django.utils.cache import patch_cache_control
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from articles import previews
from articles.filters import ArticleFilter
from articles.models import Article, Condition, Risk
from articles.serializers import (
    ArticleDetailSerializer,
    ArticleSerializer,
    ConditionDetailSerializer,
    ConditionSerializer,
    RiskDetailSerializer,
    RiskSerializer,
)
from cms.lookups import SLUG_PATTERN


class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    """Published articles, newest first. Drafts, archived and scheduled articles never appear."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    filterset_class = ArticleFilter

    def get_queryset(self):
        articles = Article.objects.published()
        return articles.for_detail() if self.action == "retrieve" else articles.for_list()

    def get_serializer_class(self):
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer


class TopicViewSet(viewsets.ReadOnlyModelViewSet):
    """Conditions or risks named by at least one published article, with those articles."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    model: type[Condition | Risk]
    list_serializer_class: type
    detail_serializer_class: type

    def get_queryset(self):
        topics = self.model.objects.public()
        return topics.with_published_articles() if self.action == "retrieve" else topics

    def get_serializer_class(self):
        if self.action == "retrieve":
            return self.detail_serializer_class
        return self.list_serializer_class


class ConditionViewSet(TopicViewSet):
    """Conditions the clinic's published articles treat."""

    model = Condition
    list_serializer_class = ConditionSerializer
    detail_serializer_class = ConditionDetailSerializer


class RiskViewSet(TopicViewSet):
    """Risks and side effects named by published articles."""

    model = Risk
    list_serializer_class = RiskSerializer
    detail_serializer_class = RiskDetailSerializer


class PreviewRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()


class PreviewView(APIView):
    """One saved version of an article, opened with a signed preview token from the admin.

    Same JSON as the article detail. Expired, tampered or revoked tokens get a 403 with the reason.
    """

    filter_backends = []

    @extend_schema(
        responses={
            200: ArticleDetailSerializer,
            403: OpenApiResponse(PreviewRefusalSerializer, description="Expired, invalid or revoked."),
        }
    )
    def get(self, request, token):
        try:
            snap = previews.open_token(token)
        except previews.PreviewRefused as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_403_FORBIDDEN)
        return Response(ArticleDetailSerializer(snap.article, context={"request": request}).data)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # A preview is for one person, now: no browser, proxy or CDN may keep it.
        patch_cache_control(response, private=True, no_store=True)
        return response
