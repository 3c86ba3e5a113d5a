import hashlib
from array import array

from django.core.cache import cache
from django.db.models import prefetch_related_objects
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from orjson import Fragment
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from api.filters import ORDERING_PARAMETER, ArticleFilter
from api.querysets import (
    clinics_for_detail,
    clinics_for_list,
    public_topics,
    public_topics_with_articles,
)
from api.rendering import render_detail, render_item, with_origin
from api.serializers import (
    ArticleDetailSerializer,
    ArticleSerializer,
    ClinicDetailSerializer,
    ClinicSerializer,
    ConditionDetailSerializer,
    ConditionSerializer,
    RiskDetailSerializer,
    RiskSerializer,
)
from articles import previews
from articles.models import Article, ArticleDocument, Condition, Risk
from articles.querysets import detail_prefetches
from cms.lib.lookups import SLUG_PATTERN
from cms.lib.query_contract import StrictQueryParameters

PAGING_PARAMETERS = ("page", "page_size")
ID_LIST_SECONDS = 600


@extend_schema_view(list=extend_schema(parameters=[ORDERING_PARAMETER]))
class ArticleViewSet(StrictQueryParameters, viewsets.ReadOnlyModelViewSet):
    """Published articles, newest first. Drafts, archived and scheduled articles never appear."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    filterset_class = ArticleFilter

    def get_queryset(self):
        return Article.objects.published()

    def get_serializer_class(self):
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer

    # Both actions serve the JSON stored for each article (articles/rendering.py), rendering with
    # the serializers above only what a change has just cleared.
    def list(self, request, *args, **kwargs):
        page = list(self.paginate_queryset(self._matching_ids(request)))
        documents = dict(
            ArticleDocument.objects.filter(article_id__in=page).values_list("article_id", "summary_json")
        )
        missing = [pk for pk in page if pk not in documents]
        if missing:
            # Still public: an article unpublished or deleted since the id list was made drops out.
            rendered = self.get_queryset().filter(pk__in=missing).for_list()
            documents |= {article.pk: render_item(article) for article in rendered}
        origin = _origin(request)
        return self.get_paginated_response(
            [Fragment(with_origin(documents[pk], origin)) for pk in page if pk in documents]
        )

    def _matching_ids(self, request):
        """The ids of every article this request's filters match, in order: one query per content
        version and set of filters, then from the cache. Counting and paging are then free at any
        depth, whatever the number of articles."""
        filters = sorted((k, v) for k, v in request.query_params.lists() if k not in PAGING_PARAMETERS)
        digest = hashlib.blake2b(repr(filters).encode(), digest_size=12).hexdigest()
        key = f"api-ids:{request.content_version}:{digest}"
        ids = array("q")
        packed = cache.get(key)
        if packed is None:
            ids.extend(self.filter_queryset(self.get_queryset()).values_list("pk", flat=True))
            cache.set(key, ids.tobytes(), ID_LIST_SECONDS)
        else:
            # Packed bytes, not a list: a cache read is then a copy, not 20,000 unpickled ints.
            ids.frombytes(packed)
        return ids

    def retrieve(self, request, *args, **kwargs):
        article = (
            self.get_queryset()
            .select_related("clinic", "reviewed_by", "document")
            .defer("search_vector")
            .filter(slug=kwargs["slug"])
            .first()
        )
        if article is None:
            raise NotFound("No Article matches the given query.")
        try:
            document = article.document.detail_json
        except ArticleDocument.DoesNotExist:
            prefetch_related_objects([article], *detail_prefetches(Article))
            document = render_detail(article)
        return Response(Fragment(with_origin(document, _origin(request))))


def _origin(request) -> str:
    return request.build_absolute_uri("/").removesuffix("/")


class TopicViewSet(StrictQueryParameters, viewsets.ReadOnlyModelViewSet):
    """Conditions or risks named by at least one published article, with those articles."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    model: type[Condition | Risk]
    list_serializer_class: type
    detail_serializer_class: type

    def get_queryset(self):
        if self.action == "retrieve":
            return public_topics_with_articles(self.model)
        return public_topics(self.model)

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


class ClinicViewSet(StrictQueryParameters, viewsets.ReadOnlyModelViewSet):
    """Clinics with their contact links and published-article counts."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN

    def get_queryset(self):
        return clinics_for_detail() if self.action == "retrieve" else clinics_for_list()

    def get_serializer_class(self):
        return ClinicDetailSerializer if self.action == "retrieve" else ClinicSerializer


class PreviewRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()


class PreviewView(StrictQueryParameters, APIView):
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
