"""HL7 Context-Aware Knowledge Retrieval ("Infobutton"), URL-based: an EHR asks "education for
ICD-10-CM G89.4, in Spanish" and gets the clinic's live articles about it, as JSON or as an Atom
feed, the way MedlinePlus Connect answers.

    GET /api/v1/infobutton/?mainSearchCriteria.v.c=G89.4
        &mainSearchCriteria.v.cs=2.16.840.1.113883.6.90
        &informationRecipient.languageCode.c=es&knowledgeResponseType=application/atom+xml
        &clinic=wabash
    GET /api/v1/clinics/wabash/infobutton/?mainSearchCriteria.v.c=...

Matching (articles/codes.py): the conditions of each live article carry the code, a more specific
code under it, or (ICD-10-CM) a broader code above it, so the billable code an EHR sends (S72.001A)
finds an article coded by its category (S72). SNOMED CT ids match exactly (no hierarchy ships with
us). Without mainSearchCriteria: every live article of the clinic, newest first; without a clinic
(neither in the path nor as ``clinic``): every clinic's. Without mainSearchCriteria.v.cs the code's
form names its system (ICD-10-CM codes start with a letter, SNOMED CT ids are digits); a code of the
other system than the one named matches nothing. Without a language: each clinic's own.

Like the rest of /api/v1/: publications only, validated and cached by the listing version
(api/caching.py), tagged for purges; an unknown parameter, an unknown code system, a malformed code
or a code the code set lacks is a 400 naming the parameter. The standard's other context parameters
(the patient's age and gender, the task, the performer...) are accepted and ignored: the answer does
not depend on them.
"""

import re

from django.db.models import Exists, F, OuterRef
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from api import cache_tags
from api.feeds import (
    CLINIC_SLUG,
    FEED_CONTENT_TYPE,
    ArticleAtomFeed,
    OneRepresentation,
    public_clinic,
    summaries,
    tag_authority,
    w3c_datetime,
    xml_text,
)
from api.filters import SPACE, codes_q
from api.models import ListingVersion, PublicArticle, PublicArticleCondition
from api.serializers import CodeSystemField
from articles import codes
from clinics.models import Clinic
from cms.lib.lookups import SLUG_PATTERN
from cms.lib.query_contract import StrictQueryParameters

CODE = "mainSearchCriteria.v.c"
CODE_SYSTEM = "mainSearchCriteria.v.cs"
DISPLAY = "mainSearchCriteria.v.dn"
LANGUAGE = "informationRecipient.languageCode.c"
RESPONSE_TYPE = "knowledgeResponseType"
CLINIC = "clinic"
# Context the standard defines that the answer does not depend on: accepted, ignored.
IGNORED = (
    "mainSearchCriteria.v.ot",
    "taskContext.c.c",
    "taskContext.c.cs",
    "taskContext.c.dn",
    "subTopic.v.c",
    "subTopic.v.cs",
    "subTopic.v.dn",
    "patientPerson.administrativeGenderCode.c",
    "patientPerson.administrativeGenderCode.cs",
    "age.v.v",
    "age.v.u",
    "ageGroup.v.c",
    "ageGroup.v.cs",
    "informationRecipient",
    "performer",
    "performer.languageCode.c",
    "encounter.c.c",
    "encounter.c.cs",
    "serviceDeliveryLocation.id.root",
    "representedOrganization.id.root",
    "holder.assignedEntity.n",
    "holder.assignedEntity.certificateText",
    "informationRecipient.healthCareProvider.c.c",
    "informationRecipient.healthCareProvider.c.cs",
    "performer.healthCareProvider.c.c",
    "performer.healthCareProvider.c.cs",
)
JSON = "application/json"
ATOM = "application/atom+xml"
TEXT_XML = "text/xml"
RESPONSE_TYPES = (JSON, ATOM, TEXT_XML)
MAX_RESULTS = 50
MAX_DISPLAY_LENGTH = 300
LANGUAGE_SHAPE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8}){0,3}")
# ECMA-262 patterns of what each parameter takes (as api/filters.py's): a value they refuse is a 400.
ICD10_SHAPE = r"[A-Za-z][0-9][0-9A-Za-z](?:\.?[0-9A-Za-z]{1,4})?"
SNOMED_SHAPE = r"[1-9][0-9]{5,17}"
CODE_PATTERN = f"^{SPACE}(?:{ICD10_SHAPE}|{SNOMED_SHAPE}){SPACE}$"


def _one(request, name: str) -> str:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ValidationError({name: ["Give this parameter once."]})
    return values[0] if values else ""


class Criteria:
    """The request's parameters, checked: each refusal names its parameter."""

    def __init__(self, request):
        params = request.query_params
        value, system_oid = _one(request, CODE), _one(request, CODE_SYSTEM)
        self.system = self.code = None
        if CODE_SYSTEM in params and system_oid not in codes.OIDS:
            known = ", ".join(
                f"{oid} ({codes.CODING_SYSTEM_NAMES[name]})" for oid, name in codes.OIDS.items()
            )
            raise ValidationError({CODE_SYSTEM: [f"Unknown code system; give one of {known}."]})
        if CODE in params and not value.strip():
            raise ValidationError({CODE: ["Give a code (or leave the parameter out)."]})
        if value:
            # The code is checked in the system its form names (ICD-10-CM codes start with a letter,
            # SNOMED CT ids are digits), which is also the system when the request names none. A
            # code of the other system than the one named is no one's code there: nothing matches.
            # A system without a code asks nothing (every article).
            form = codes.system_of(value)
            self.system = codes.OIDS[system_oid] if system_oid else form
            try:
                self.code = codes.normalize(form, value)
            except codes.InvalidCode as error:
                raise ValidationError({CODE: [str(error)]}) from error
        display = _one(request, DISPLAY)
        if len(display) > MAX_DISPLAY_LENGTH:
            raise ValidationError({DISPLAY: [f"At most {MAX_DISPLAY_LENGTH} characters."]})
        self.display = display.strip() or None
        language = _one(request, LANGUAGE).strip()
        if language and not LANGUAGE_SHAPE.fullmatch(language):
            raise ValidationError({LANGUAGE: ['Give a language code such as "en", "es" or "en-US".']})
        # The primary subtag: articles are written in "en" or "es", not in a region's variant.
        self.language = language.split("-")[0].lower() or None
        response_type = _one(request, RESPONSE_TYPE) if RESPONSE_TYPE in params else JSON
        if response_type not in RESPONSE_TYPES:
            raise ValidationError({RESPONSE_TYPE: [f"Give one of {', '.join(RESPONSE_TYPES)}."]})
        self.response_type = response_type

    def as_json(self) -> dict:
        description = None
        if self.system == codes.ICD10CM and codes.system_of(self.code) == codes.ICD10CM:
            description = codes.icd10cm_description(self.code)
        return {
            "code": self.code,
            "system": self.system,
            "display": self.display or description,
            "language": self.language,
        }


class InfobuttonClinicSerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    name = serializers.CharField(read_only=True)


class InfobuttonRequestSerializer(serializers.Serializer):
    code = serializers.CharField(
        read_only=True, allow_null=True, help_text="The code asked for, normalised (G894 -> G89.4)."
    )
    system = CodeSystemField(read_only=True, allow_null=True)
    display = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text="mainSearchCriteria.v.dn as sent, else the ICD-10-CM code set's description.",
    )
    language = serializers.CharField(
        read_only=True, allow_null=True, help_text="The language asked for (its primary subtag)."
    )


class InfobuttonEntrySerializer(serializers.Serializer):
    slug = serializers.SlugField(read_only=True)
    title = serializers.CharField(read_only=True)
    summary = serializers.CharField(read_only=True)
    language = serializers.CharField(read_only=True, help_text='The article\'s language ("en", "es").')
    url = serializers.URLField(read_only=True, help_text="The article in this API.")
    page_url = serializers.URLField(read_only=True, help_text="The article's page on the clinic's site.")
    updated_at = serializers.DateTimeField(read_only=True, help_text="When this version went live.")


class InfobuttonSerializer(serializers.Serializer):
    clinic = InfobuttonClinicSerializer(
        read_only=True, allow_null=True, help_text="The clinic asked about; null: every clinic."
    )
    request = InfobuttonRequestSerializer(read_only=True)
    results = InfobuttonEntrySerializer(
        many=True,
        read_only=True,
        help_text=f"The matching live articles, newest first (at most {MAX_RESULTS}).",
    )


def matching_rows(criteria: Criteria, clinic: Clinic | None, now):
    rows = PublicArticle.objects.visible(now)
    if clinic is not None:
        rows = rows.filter(clinic=clinic)
    rows = (
        rows.filter(language=criteria.language)
        if criteria.language
        else rows.filter(language=F("clinic__default_language"))
    )
    if criteria.code:
        coded = PublicArticleCondition.objects.filter(public_article=OuterRef("pk")).filter(
            codes_q(criteria.system, criteria.code, "condition__codes__", broader=True)
        )
        rows = rows.filter(Exists(coded))
    return list(
        rows.order_by("-published_at", "-pk").values_list(
            "pk",
            "publication__article_id",
            "slug",
            "title",
            "language",
            "published_at",
            "updated_at",
            "document__summary_json",
            "clinic__article_url_template",
        )[:MAX_RESULTS]
    )


class _Row:
    def __init__(self, row, summary: str):
        (self.pk, self.article_id, self.slug, self.title, self.language, self.published_at) = row[:6]
        self.updated_at, self.summary = row[6], summary
        self.page_url = Clinic(article_url_template=row[8] or "").article_url(self.slug)


PARAMETERS = [
    OpenApiParameter(
        CODE,
        {"type": "string", "pattern": CODE_PATTERN, "example": "G89.4"},
        description="The code asked about: ICD-10-CM (G89.4 or G894; it must be in the current code set) "
        "or a SNOMED CT concept id, of the system mainSearchCriteria.v.cs names. Without a code: every "
        "live article.",
    ),
    OpenApiParameter(
        CODE_SYSTEM,
        {"type": "string", "enum": list(codes.OIDS), "example": next(iter(codes.OIDS))},
        description="The code system's OID: 2.16.840.1.113883.6.90 (ICD-10-CM) or 2.16.840.1.113883.6.96 "
        "(SNOMED CT). Left out, the code's form tells (ICD-10-CM codes start with a letter).",
    ),
    OpenApiParameter(
        DISPLAY,
        {"type": "string", "maxLength": MAX_DISPLAY_LENGTH},
        description="The code's name, as the EHR shows it (echoed back).",
    ),
    OpenApiParameter(
        LANGUAGE,
        str,
        pattern=f"^{SPACE}(?:{LANGUAGE_SHAPE.pattern}{SPACE})?$",
        description='The reader\'s language ("en", "es", "es-US"): articles in it. Default: each '
        "clinic's own language.",
    ),
    OpenApiParameter(
        RESPONSE_TYPE,
        str,
        enum=list(RESPONSE_TYPES),
        description="application/json (the default), or an Atom feed (application/atom+xml, text/xml).",
    ),
    *(
        OpenApiParameter(name, str, description="Context from the standard; accepted and ignored.")
        for name in IGNORED
    ),
]
CLINIC_PARAMETER = OpenApiParameter(
    CLINIC,
    str,
    pattern=f"^{SLUG_PATTERN}$",
    description="The clinic's slug: its articles only. Without it, every clinic's.",
)
RESPONSES = {
    (200, JSON): InfobuttonSerializer,
    (200, ATOM): OpenApiResponse(
        OpenApiTypes.STR,
        description="An Atom 1.0 feed (as MedlinePlus Connect answers): one entry per matching article, "
        "with its title, page link and summary.",
    ),
    (200, TEXT_XML): OpenApiResponse(OpenApiTypes.STR, description="The same Atom feed, as text/xml."),
}


class InfobuttonView(StrictQueryParameters, APIView):
    """HL7 Infobutton (URL-based) knowledge requests, answered with live articles."""

    renderer_classes = api_settings.DEFAULT_RENDERER_CLASSES[:1]
    content_negotiation_class = OneRepresentation
    filter_backends = []
    takes_clinic_parameter = True

    def allowed_query_parameters(self) -> set[str]:
        allowed = {CODE, CODE_SYSTEM, DISPLAY, LANGUAGE, RESPONSE_TYPE, *IGNORED}
        return allowed | {CLINIC} if self.takes_clinic_parameter else allowed

    @extend_schema(
        operation_id="v1_infobutton_retrieve",
        parameters=[*PARAMETERS, CLINIC_PARAMETER],
        summary="Infobutton: articles for a code",
        responses=RESPONSES,
    )
    def get(self, request, slug=None):
        criteria = Criteria(request)
        now = timezone.now()
        if slug is None and CLINIC in request.query_params:
            slug = _one(request, CLINIC)
            if not re.fullmatch(SLUG_PATTERN, slug):
                raise ValidationError({CLINIC: ["A clinic's slug: letters, numbers, hyphens, underscores."]})
        clinic = public_clinic(slug, now) if slug else None
        rows = matching_rows(criteria, clinic, now)
        summary_of = summaries([(row[0], row[7]) for row in rows])
        entries = [_Row(row, summary_of.get(row[0], "")) for row in rows]
        request._request.cache_tags = (
            f"{cache_tags.for_clinic_detail(clinic.pk)} {cache_tags.ARTICLES}"
            if clinic
            else f"{cache_tags.ALL} {cache_tags.ARTICLES}"
        )
        if criteria.response_type == JSON:
            return Response(self.as_json(request, criteria, clinic, entries))
        return self.as_feed(request, criteria, clinic, entries)

    def as_json(self, request, criteria, clinic, entries) -> dict:
        results = [
            {
                "slug": entry.slug,
                "title": entry.title,
                "summary": entry.summary,
                "language": entry.language,
                "url": request.build_absolute_uri(reverse("article-detail", args=[entry.slug])),
                "page_url": entry.page_url,
                "updated_at": entry.updated_at,
            }
            for entry in entries
        ]
        return InfobuttonSerializer(
            {
                "clinic": {"slug": clinic.slug, "name": clinic.name} if clinic else None,
                "request": criteria.as_json(),
                "results": results,
            }
        ).data

    def as_feed(self, request, criteria, clinic, entries) -> HttpResponse:
        asked = criteria.as_json()
        about = asked["display"] or asked["code"]
        owner = clinic.name if clinic else "Patient education"
        title = f"{owner}: {about}" if about else owner
        authority = tag_authority()
        code = asked["code"] or ""
        feed = ArticleAtomFeed(
            title=xml_text(title),
            link=request.build_absolute_uri(request.path),
            description="",
            feed_url=xml_text(request.build_absolute_uri()),
            feed_guid=f"tag:{authority},2026:infobutton/{clinic.pk if clinic else 'all'}/{code}",
            author_name=xml_text(owner),
            language=criteria.language,
            empty_updated=None if entries else w3c_datetime(listings_changed_at()),
        )
        for entry in entries:
            feed.add_item(
                title=xml_text(entry.title),
                link=xml_text(entry.page_url),
                description=xml_text(entry.summary),
                unique_id=f"tag:{authority},2026:article-{entry.article_id}",
                pubdate=w3c_datetime(entry.published_at),
                updateddate=w3c_datetime(entry.updated_at),
            )
        content_type = f"{criteria.response_type}; charset=utf-8"
        return HttpResponse(feed.writeString("utf-8").encode(), content_type=content_type)


def listings_changed_at():
    """When what lists show last changed: an empty feed's ``updated`` (the same on every request)."""
    changed = ListingVersion.objects.filter(pk=1).values_list("changed_at", flat=True).first()
    return changed or timezone.now()


class ClinicInfobuttonView(InfobuttonView):
    """The same, for one clinic named in the path."""

    takes_clinic_parameter = False

    @extend_schema(
        operation_id="v1_clinics_infobutton_retrieve",
        parameters=[CLINIC_SLUG, *PARAMETERS],
        summary="Infobutton: a clinic's articles for a code",
        responses=RESPONSES,
    )
    def get(self, request, slug=None):
        return super().get(request, slug=slug)


assert FEED_CONTENT_TYPE.startswith(ATOM)
