import hashlib
from array import array

from django.core.cache import cache
from django.utils.cache import patch_cache_control
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from orjson import Fragment
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from api import cache_tags, field_selection, publications, rendering
from api.caching import detail_row
from api.filters import ORDERING_PARAMETER, ArticleFilter, language_parameter, requested_language
from api.models import PublicArticle, PublicDocument
from api.querysets import (
    clinics_for_detail,
    clinics_for_list,
    public_topics,
    public_topics_with_articles,
    topics_shown_in,
)
from api.serializers import (
    ArticleDetailSerializer,
    ArticlePreviewSerializer,
    ArticleSerializer,
    ClinicDetailSerializer,
    ClinicSerializer,
    ConditionDetailSerializer,
    ConditionSerializer,
    RiskDetailSerializer,
    RiskSerializer,
)
from articles import previews, snapshots, workflow
from articles.models import Condition, Publication, Risk
from articles.readability import TextStatistics
from cms.lib.lookups import SLUG_PATTERN
from cms.lib.query_contract import StrictQueryParameters, is_tracking

PAGING_PARAMETERS = ("page", "page_size")
ID_LIST_SECONDS = 600


@extend_schema_view(
    list=extend_schema(
        parameters=[ORDERING_PARAMETER],
        description="Published articles, newest first (or by `ordering`), filtered by condition, risk, "
        "clinic, publication date and `search`: the versions reviewers approved. Drafts, working "
        "copies, archived and scheduled versions never appear. Each item is a summary; its `url` "
        "is the full article's, its `page_url` the article's page on the clinic's site.",
    ),
    retrieve=extend_schema(
        description="One published article in full, by slug: its sections (sanitised HTML), "
        "conditions, risks, candidate criteria, contraindications, sources, reviewer, reading "
        "grades, the clinic's profile, and schema.org JSON-LD for its page. Drafts and scheduled "
        "versions answer 404.",
    ),
)
class ArticleViewSet(StrictQueryParameters, viewsets.ReadOnlyModelViewSet):
    """Published articles, newest first: the versions reviewers approved. Drafts, working copies,
    archived and scheduled versions never appear."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    filterset_class = ArticleFilter
    schema = field_selection.FieldSelectionSchema()

    def get_queryset(self):
        return PublicArticle.objects.visible()

    def get_serializer_class(self):
        return ArticleDetailSerializer if self.action == "retrieve" else ArticleSerializer

    # Both actions serve the JSON stored for each publication (api/publications.py), rendering
    # only what a vocabulary change has just cleared.
    def list(self, request, *args, **kwargs):
        fields = field_selection.requested(request, self.get_serializer_class())
        page = list(self.paginate_queryset(self._matching_ids(request)))
        stored = PublicDocument.objects.filter(pk__in=page).values_list("pk", "summary_json")
        documents = {pk: item for pk, item in stored if item is not None}
        missing = [pk for pk in page if pk not in documents]
        if missing:
            # Still visible: a version that ended since the id list was made drops out.
            visible = self.get_queryset().filter(pk__in=missing).values("pk")
            rendered = publications.render(Publication.objects.filter(pk__in=visible))
            documents |= {pk: item for pk, (_detail, item) in rendered.items()}
        origin = _origin(request)
        page_documents = (documents[pk] for pk in page if pk in documents)
        return self.get_paginated_response(
            [
                Fragment(rendering.with_origin(field_selection.select_document(document, fields), origin))
                for document in page_documents
            ]
        )

    def _matching_ids(self, request):
        """The ids of every row this request's filters match, in order: one query per listing
        version and set of filters, then from the cache. Counting and paging are then free at any
        depth, whatever the number of articles."""
        filters = sorted(
            (k, v)
            for k, v in request.query_params.lists()
            if k not in PAGING_PARAMETERS and k != field_selection.PARAMETER and not is_tracking(k)
        )
        digest = hashlib.blake2b(repr(filters).encode(), digest_size=12).hexdigest()
        key = f"api-ids:{request.listing_version}:{digest}"
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
        fields = field_selection.requested(request, self.get_serializer_class())
        # PublicAPICacheMiddleware has read the row for the ETag already.
        row = getattr(request, "public_article", None) or detail_row(kwargs["slug"])
        if row is None:
            raise NotFound("No Article matches the given query.")
        document = row.detail_json
        if document is None:
            document = publications.render(Publication.objects.filter(pk=row.pk))[row.pk][0]
        document = rendering.with_origin(document, _origin(request))
        return Response(Fragment(field_selection.select_document(document, fields)))


def _origin(request) -> str:
    return request.build_absolute_uri("/").removesuffix("/")


class LanguageParameter:
    """``?language=`` on a list and a detail (api/filters.requested_language): which language's
    articles are counted and listed, as the article list's own parameter chooses them."""

    def allowed_query_parameters(self) -> set[str]:
        allowed = super().allowed_query_parameters()
        return allowed | {"language"} if self.action in ("list", "retrieve") else allowed

    @property
    def language(self) -> str:
        if not hasattr(self, "_language"):
            self._language = requested_language(self.request)
        return self._language


class TopicViewSet(LanguageParameter, StrictQueryParameters, viewsets.ReadOnlyModelViewSet):
    """Conditions or risks named by at least one published article, with those articles."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN
    model: type[Condition | Risk]
    list_serializer_class: type
    detail_serializer_class: type
    schema = field_selection.FieldSelectionSchema()

    def get_queryset(self):
        if self.action == "retrieve":
            return public_topics_with_articles(self.model, self.language)
        return public_topics(self.model, language=self.language)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return self.detail_serializer_class
        return self.list_serializer_class

    def list(self, request, *args, **kwargs):
        fields = field_selection.requested(request, self.get_serializer_class())
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        shown = topics_shown_in(page, self.language)
        response = self.get_paginated_response(self.get_serializer(shown, many=True).data)
        return field_selection.select_page(response, fields)

    def retrieve(self, request, *args, **kwargs):
        fields = field_selection.requested(request, self.get_serializer_class())
        [topic] = topics_shown_in([self.get_object()], self.language)
        request._request.cache_tags = cache_tags.for_topic_detail(self.model._meta.model_name, topic.pk)
        return Response(field_selection.select_item(self.get_serializer(topic).data, fields))


@extend_schema_view(
    list=extend_schema(
        description="Conditions named by at least one published article (in the `language` asked "
        "for), in name order, with how many published articles name each. With a language code, "
        "names and summaries are that language's clinically reviewed ones where there are some "
        "(`language` says which each shows).",
        parameters=[language_parameter("Also the language of names and summaries.")],
    ),
    retrieve=extend_schema(
        description="One condition, by slug, with the published articles that name it, newest first. "
        "A condition only drafts or scheduled versions (or only articles in other languages) name "
        "answers 404.",
        parameters=[language_parameter("Also the language of the name and summary.")],
    ),
)
class ConditionViewSet(TopicViewSet):
    """Conditions the clinic's published articles treat."""

    model = Condition
    list_serializer_class = ConditionSerializer
    detail_serializer_class = ConditionDetailSerializer


@extend_schema_view(
    list=extend_schema(
        description="Risks and side effects named by at least one published article (in the "
        "`language` asked for), in name order, with how many published articles name each. With a "
        "language code, names and summaries are that language's clinically reviewed ones where "
        "there are some (`language` says which each shows).",
        parameters=[language_parameter("Also the language of names and summaries.")],
    ),
    retrieve=extend_schema(
        description="One risk or side effect, by slug, with the published articles that name it, "
        "newest first. A risk only drafts or scheduled versions (or only articles in other "
        "languages) name answers 404.",
        parameters=[language_parameter("Also the language of the name and summary.")],
    ),
)
class RiskViewSet(TopicViewSet):
    """Risks and side effects named by published articles."""

    model = Risk
    list_serializer_class = RiskSerializer
    detail_serializer_class = RiskDetailSerializer


@extend_schema_view(
    list=extend_schema(
        description="Clinics patients can see (with a published article in any language, or listed "
        "before their first), in name order: profile, address, contact links, default language "
        "and published-article count (in the `language` asked for).",
        parameters=[language_parameter("")],
    ),
    retrieve=extend_schema(
        description="One clinic, by slug: its profile, its published articles in the `language` "
        "asked for (newest first) and schema.org JSON-LD (MedicalClinic) for its page.",
        parameters=[language_parameter("")],
    ),
)
class ClinicViewSet(LanguageParameter, StrictQueryParameters, viewsets.ReadOnlyModelViewSet):
    """Clinics with their contact links and published-article counts."""

    lookup_field = "slug"
    lookup_value_regex = SLUG_PATTERN

    schema = field_selection.FieldSelectionSchema()

    def get_queryset(self):
        if self.action == "retrieve":
            return clinics_for_detail(self.language)
        return clinics_for_list(language=self.language)

    def get_serializer_class(self):
        return ClinicDetailSerializer if self.action == "retrieve" else ClinicSerializer

    def list(self, request, *args, **kwargs):
        fields = field_selection.requested(request, self.get_serializer_class())
        return field_selection.select_page(super().list(request, *args, **kwargs), fields)

    def retrieve(self, request, *args, **kwargs):
        fields = field_selection.requested(request, self.get_serializer_class())
        clinic = self.get_object()
        request._request.cache_tags = cache_tags.for_clinic_detail(clinic.pk)
        return Response(field_selection.select_item(self.get_serializer(clinic).data, fields))


class PreviewRefusalSerializer(serializers.Serializer):
    detail = serializers.CharField()


class PreviewView(StrictQueryParameters, APIView):
    """One saved version of an article's working copy, opened with a signed preview token from
    the admin: the article detail's JSON, plus which version it is (``preview``). Expired,
    tampered or revoked tokens get a 403 with the reason."""

    filter_backends = []

    @extend_schema(
        responses={
            200: ArticlePreviewSerializer,
            403: OpenApiResponse(PreviewRefusalSerializer, description="Expired, invalid or revoked."),
        }
    )
    def get(self, request, token):
        try:
            preview = previews.open_token(token)
        except previews.PreviewRefused as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_403_FORBIDDEN)
        snap = preview.snapshot
        rendering.attach_vocabulary([snap], deleted_topics_shown=True, origin=_origin(request))
        article = snap.article
        # The saved article row may predate its sections' last change: grade what this version shows.
        totals = sum((section.statistics for section in snap.sections), start=TextStatistics())
        article.flesch_kincaid_grade, article.smog_grade = totals.flesch_kincaid_grade, totals.smog_grade
        live = Publication.objects.filter(article_id=article.pk).visible().first()
        about = {
            "version": preview.version.pk,
            "saved_at": preview.version.revision.date_created,
            "state": workflow.state_of(preview.link.article),
            # By content: a save or an approval without an edit makes a new version of the same text.
            "is_live": live is not None
            and snapshots.same_content(preview.snapshot, snapshots.from_content(live.content)),
        }
        context = {"request": request, "preview": about}
        return Response(ArticlePreviewSerializer(article, context=context).data)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # A preview is for one person, now: no browser, proxy or CDN may keep it.
        patch_cache_control(response, private=True, no_store=True)
        return response
