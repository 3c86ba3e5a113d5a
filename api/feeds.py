"""A clinic's sitemap (sitemaps.org) and Atom feed: for search engines and feed readers, the clinic's
live articles at their pages on the clinic's own site (Clinic.article_url, as the JSON-LD names
them).

Both read the publications only, as every public endpoint does (PublicArticle.objects.visible()):
drafts, working copies, scheduled and archived versions never appear, not even in a date. The dates
are the ones patients see (and the JSON-LD says): ``updated_at``, when the live version went live,
and ``published_at``, when the article was first published. A change to shared vocabulary (a
condition renamed, the clinic's phone) changes neither.

Like the rest of /api/v1/: ETag and Last-Modified from the listing version, stored whole by the
response cache (api/caching.py), tagged so that a publication change in the clinic
(``clinic-<id>-articles``) or a change to the clinic itself (``clinic-<id>``) purges them from
shared caches; errors are JSON, unknown query parameters a 400.

The XML is written by an XML generator (django.utils.xmlutils.SimplerXMLGenerator, which Django's
Atom1Feed uses too), never by joining strings: a title with ``<``, ``&`` or ``]]>`` is escaped, and
the characters XML 1.0 cannot hold at all (most control characters) are left out.
"""

import datetime
import io
import re
from urllib.parse import urlsplit

import orjson
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.http import HttpResponse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.xmlutils import SimplerXMLGenerator
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from api import cache_tags
from api.models import PublicArticle
from articles import snapshots
from articles.models import Publication
from clinics.models import Clinic
from cms.lib.lookups import SLUG_PATTERN
from cms.lib.query_contract import StrictQueryParameters

XHTML_NS = "http://www.w3.org/1999/xhtml"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
SITEMAP_CONTENT_TYPE = "application/xml; charset=utf-8"
FEED_CONTENT_TYPE = "application/atom+xml; charset=utf-8"
# sitemaps.org: at most 50,000 addresses in one sitemap.
SITEMAP_MAX_URLS = 50_000
# A feed is what is new: the most recently changed articles.
FEED_ENTRIES = 50
# What XML 1.0 cannot hold, even escaped: C0 controls but tab, newline and carriage return;
# lone surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
CLINIC_SLUG = OpenApiParameter(
    "slug",
    str,
    OpenApiParameter.PATH,
    required=True,
    pattern=f"^{SLUG_PATTERN}$",
    description="The clinic's slug.",
)


def xml_text(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot carry (the generator escapes the rest)."""
    return _NOT_XML.sub("", value)


def w3c_datetime(moment: datetime.datetime) -> datetime.datetime:
    """In UTC and whole seconds: written "2026-11-24T09:30:00+00:00" (W3C Datetime, RFC 3339)."""
    return moment.astimezone(datetime.UTC).replace(microsecond=0)


def public_clinic(slug: str, now) -> Clinic:
    """The clinic at ``slug`` if patients can see it (as the clinic list decides: a live article,
    or marked public), else a 404."""
    live = PublicArticle.objects.visible(now).filter(clinic=OuterRef("pk"))
    clinic = Clinic.objects.filter(Q(is_public=True) | Exists(live), slug=slug).first()
    if clinic is None:
        raise NotFound("No Clinic matches the given query.")
    return clinic


class OneRepresentation(BaseContentNegotiation):
    """One representation, whatever Accept says (crawlers and feed readers send all sorts); the
    renderer only renders errors, as JSON like the rest of the API."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ClinicXMLView(StrictQueryParameters, APIView):
    """A clinic's XML document: the view answers with the XML itself (an HttpResponse), and raises
    DRF's exceptions for the JSON errors the rest of the API answers with."""

    renderer_classes = api_settings.DEFAULT_RENDERER_CLASSES[:1]
    content_negotiation_class = OneRepresentation
    filter_backends = []

    def set_cache_tags(self, request, clinic: Clinic) -> None:
        """What the response shows: the clinic (its name, its articles' addresses) and its list of
        articles; a publication change purges ``clinic-<id>-articles``."""
        request._request.cache_tags = cache_tags.for_clinic_detail(clinic.pk)


class ClinicSitemapView(ClinicXMLView):
    """The clinic's sitemap (sitemaps.org): the page on the clinic's site of each live article,
    with ``lastmod`` the time its live version went live. Drafts, unapproved changes, scheduled and
    archived versions never appear."""

    @extend_schema(
        operation_id="v1_clinics_sitemap_retrieve",
        parameters=[CLINIC_SLUG],
        summary="The clinic's sitemap",
        responses={
            (200, "application/xml"): OpenApiResponse(
                OpenApiTypes.STR,
                description="A sitemaps.org urlset: one <url> (loc, lastmod) per live article, "
                "at its page on the clinic's site.",
            )
        },
    )
    def get(self, request, slug):
        now = timezone.now()
        clinic = public_clinic(slug, now)
        rows = list(
            PublicArticle.objects.visible(now)
            .filter(clinic=clinic)
            .order_by("slug")
            .values_list(
                "slug",
                "updated_at",
                "language",
                "publication__article_id",
                "publication__article__translation_of_id",
            )[:SITEMAP_MAX_URLS]
        )
        # Translations (a source and its translations, each live): every version of a page names
        # all of them, itself included, as hreflang alternates (what search engines ask for).
        groups: dict[int, list[tuple[str, str]]] = {}
        for article_slug, _updated, language, article_id, source_id in rows:
            groups.setdefault(source_id or article_id, []).append((language, article_slug))
        stream = io.StringIO()
        handler = SimplerXMLGenerator(stream, "utf-8", short_empty_elements=True)
        handler.startDocument()
        handler.startElement("urlset", {"xmlns": SITEMAP_NS, "xmlns:xhtml": XHTML_NS})
        for article_slug, updated_at, _language, article_id, source_id in rows:
            handler.startElement("url", {})
            handler.addQuickElement("loc", xml_text(clinic.article_url(article_slug)))
            handler.addQuickElement("lastmod", w3c_datetime(updated_at).isoformat())
            versions = groups[source_id or article_id]
            if len(versions) > 1:
                for language, slug in sorted(versions):
                    handler.addQuickElement(
                        "xhtml:link",
                        attrs={
                            "rel": "alternate",
                            "hreflang": language,
                            "href": xml_text(clinic.article_url(slug)),
                        },
                    )
            handler.endElement("url")
        handler.endElement("urlset")
        handler.endDocument()
        self.set_cache_tags(request, clinic)
        return HttpResponse(stream.getvalue().encode(), content_type=SITEMAP_CONTENT_TYPE)


class ArticleAtomFeed(Atom1Feed):
    """Django's Atom 1.0 feed, with the summary as plain text (Atom1Feed marks it HTML, which a
    reader would parse: a summary saying "x < y" is text) and a fixed ``updated`` when empty."""

    def __init__(self, *args, empty_updated: datetime.datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.empty_updated = empty_updated

    def latest_post_date(self):
        return super().latest_post_date() if self.items else self.empty_updated

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"]:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


def tag_authority() -> str:
    """The install's host name (API_PUBLIC_URL), for tag: URIs (RFC 4151) that no request's host
    changes."""
    return urlsplit(settings.API_PUBLIC_URL).hostname or "localhost"


def summaries(rows) -> dict[int, str]:
    """{public row pk: its article's summary}, from the stored list-item JSON, or from the
    publication itself for rows whose JSON a vocabulary change has just cleared (one query)."""
    found = {pk: orjson.loads(item)["summary"] for pk, item in rows if item is not None}
    missing = [pk for pk, item in rows if item is None]
    if missing:
        for pk, content in Publication.objects.filter(pk__in=missing).values_list("pk", "content"):
            found[pk] = snapshots.from_content(content).article.summary
    return found


class ClinicFeedView(ClinicXMLView):
    """The clinic's Atom feed: its newest and newly updated live articles, the most recently
    changed first, each linking to its page on the clinic's site. Drafts, unapproved changes,
    scheduled and archived versions never appear."""

    @extend_schema(
        operation_id="v1_clinics_feed_retrieve",
        parameters=[CLINIC_SLUG],
        summary="The clinic's Atom feed",
        responses={
            (200, "application/atom+xml"): OpenApiResponse(
                OpenApiTypes.STR,
                description=f"An Atom 1.0 feed of the clinic's {FEED_ENTRIES} most recently published or "
                "updated live articles: title, page link, summary, published and updated.",
            )
        },
    )
    def get(self, request, slug):
        now = timezone.now()
        clinic = public_clinic(slug, now)
        rows = list(
            PublicArticle.objects.visible(now)
            .filter(clinic=clinic)
            .order_by("-updated_at", "-pk")
            .values_list(
                "pk",
                "publication__article_id",
                "slug",
                "title",
                "published_at",
                "updated_at",
                "document__summary_json",
            )[:FEED_ENTRIES]
        )
        summary_of = summaries([(row[0], row[6]) for row in rows])
        tag = (
            f"tag:{tag_authority()},{clinic.created_at.astimezone(datetime.UTC):%Y-%m-%d}:clinic-{clinic.pk}"
        )
        self_url = request.build_absolute_uri(request.path)
        feed = ArticleAtomFeed(
            title=xml_text(clinic.name),
            link=xml_text(clinic.website or _site_of(clinic.article_url(""))),
            description="",
            feed_url=self_url,
            feed_guid=f"{tag}/feed",
            author_name=xml_text(clinic.name),
            language=settings.LANGUAGE_CODE,
            empty_updated=w3c_datetime(clinic.created_at),
        )
        for pk, article_id, article_slug, title, published_at, updated_at, _item in rows:
            feed.add_item(
                title=xml_text(title),
                link=xml_text(clinic.article_url(article_slug)),
                description=xml_text(summary_of.get(pk, "")),
                unique_id=f"{tag}/article-{article_id}",
                pubdate=w3c_datetime(published_at),
                updateddate=w3c_datetime(updated_at),
            )
        content = feed.writeString("utf-8").encode()
        self.set_cache_tags(request, clinic)
        return HttpResponse(content, content_type=FEED_CONTENT_TYPE)


def _site_of(url: str) -> str:
    """The site an address is on: "https://clinic.example/articles/x" -> "https://clinic.example/"."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}/"
