from rest_framework import viewsets

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


class ArticleViewSet(viewsets.ReadOnlyModelViewSet):
    """Published articles, newest first. Drafts, archived and scheduled articles never appear."""

    lookup_field = "slug"
    filterset_class = ArticleFilter

    def get_queryset(self):
        articles = Article.objects.published()
        return articles.for_detail() if self.action == "retrieve" else articles.for_list()

    def get_serializer_class(self):
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer


class TopicViewSet(viewsets.ReadOnlyModelViewSet):
    """Conditions or risks named by at least one published article, with those articles."""

    lookup_field = "slug"
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
