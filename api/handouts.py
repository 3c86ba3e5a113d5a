"""``GET /api/v1/articles/{slug}/handout.pdf``: the live version of an article as a printable
handout (articles/handouts.py makes the PDF), ``?size=large`` for large print.

Like the article detail, it reads only the visible public row at the address (api/caching.py
``detail_row``): drafts, working copies, scheduled and archived versions answer 404. The PDF shows
the publication's frozen snapshot with today's clinic, reviewer, conditions and risks, as the
detail's JSON does (api/publications.py).

Cached per publication: the PDF's bytes are kept in Django's cache under the public row's pk and
ETag (which change when a new version goes live or vocabulary it shows changes), the size and the
layout version, so a handout is rendered once per version, not per request. ETag, Last-Modified,
304s and Cache-Control come from PublicAPICacheMiddleware as for every public GET.
"""

from django.core.cache import cache
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from api import rendering
from api.caching import DetailRow, detail_row
from api.feeds import OneRepresentation
from api.publications import snapshot_of
from api.structured_data import article_page_url
from articles import handouts
from articles.models import Publication
from cms.lib.lookups import SLUG_PATTERN
from cms.lib.query_contract import StrictQueryParameters

SIZE_PARAMETER = "size"
# A handout stays in the cache this long after it was last rendered; a new version or a vocabulary
# change gives the row a new ETag, hence a new key, at once.
CACHE_SECONDS = 24 * 60 * 60


def cache_key(row: DetailRow, size: str) -> str:
    return f"handout:{handouts.LAYOUT_VERSION}:{row.pk}:{row.etag}:{size}"


def handout_pdf(row: DetailRow, size: str) -> bytes:
    """The handout of the publication behind ``row``: from the cache, else rendered and kept."""
    key = cache_key(row, size)
    pdf = cache.get(key)
    if pdf is None:
        snap = snapshot_of(Publication.objects.get(pk=row.pk))
        rendering.attach_vocabulary([snap])
        pdf = handouts.render_pdf(snap, article_page_url(snap.article), size=size)
        cache.set(key, pdf, CACHE_SECONDS)
    return pdf


def requested_size(request) -> str:
    size = request.query_params.get(SIZE_PARAMETER, handouts.DEFAULT_SIZE)
    if size not in handouts.SIZES:
        accepted = ", ".join(handouts.SIZES)
        raise ValidationError({SIZE_PARAMETER: [f"Unknown size; this endpoint accepts {accepted}."]})
    return size


class ArticleHandoutView(StrictQueryParameters, APIView):
    """The live version of an article as a PDF to print, on one or two pages when its length allows
    (articles/handouts.py). Errors are JSON, like the rest of the API."""

    renderer_classes = api_settings.DEFAULT_RENDERER_CLASSES[:1]
    content_negotiation_class = OneRepresentation
    filter_backends = []

    def allowed_query_parameters(self) -> set[str]:
        return {SIZE_PARAMETER}

    @extend_schema(
        operation_id="v1_articles_handout_retrieve",
        summary="The article as a printable handout (PDF)",
        description="The published article as a PDF for a clinic to hand a patient, on one or two "
        "pages whenever its length allows (a longer article keeps all its text on more pages): plain "
        "type (13 pt in two columns, down to 11 pt if that fits it on two pages; 18 pt in one column "
        "with `size=large`, down to 16 pt), title, summary, sections, conditions, "
        "candidates, contraindications, risks, the last clinical review, sources, the clinic's name, "
        "phone and address, and a QR code to the article's page. A tagged PDF (PDF/UA-1) in the "
        "article's language. Drafts and scheduled versions answer 404, as the detail does.",
        parameters=[
            OpenApiParameter(
                "slug",
                str,
                OpenApiParameter.PATH,
                required=True,
                pattern=f"^{SLUG_PATTERN}$",
                description="The article's slug.",
            ),
            OpenApiParameter(
                SIZE_PARAMETER,
                str,
                OpenApiParameter.QUERY,
                enum=list(handouts.SIZES),
                default=handouts.DEFAULT_SIZE,
                description="`large` for large print (18 pt body type, 16 pt at the least, in one column, "
                "for patients with low vision).",
            ),
        ],
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The handout, inline (Content-Disposition names a file after the slug).",
            )
        },
    )
    def get(self, request, slug):
        size = requested_size(request)
        # PublicAPICacheMiddleware may have read the row for the ETag already (as for the detail).
        row = getattr(request, "public_article", None) or detail_row(slug)
        if row is None:
            raise NotFound("No Article matches the given query.")
        response = HttpResponse(handout_pdf(row, size), content_type=handouts.CONTENT_TYPE)
        response["Content-Disposition"] = f'inline; filename="{handouts.filename(slug, size)}"'
        request._request.cache_tags = row.cache_tags
        return response
