"""The public API's JSON shapes: articles, conditions and risks, clinics, previews.

Read-only: every field is output only. Slugs, never database ids. An optional value the editor
left empty is null, never "" (docs/api-changelog.md).
"""

import functools

from django.conf import settings
from django.db import models
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.jsonld_schema import JsonLdField
from api.structured_data import article_jsonld, article_page_url, clinic_jsonld
from articles import figures, readability_es
from articles.models import (
    Article,
    ArticleCondition,
    ArticleRisk,
    Condition,
    ConditionCode,
    Reference,
    Reviewer,
    Risk,
    Section,
)
from articles.rich_text import allowed_html_description
from articles.states import State
from clinics.models import Clinic, ContactLink


class BlankAsNull:
    """A text field whose empty value ("") is written as null: one shape for every absent value."""

    def to_representation(self, value):
        return super().to_representation(value) or None


@functools.cache
def blank_as_null(field_class: type) -> type:
    """``field_class`` writing "" as null (give it allow_null=True, so the schema says nullable)."""
    return type(f"BlankAsNull{field_class.__name__}", (BlankAsNull, field_class), {})


NullableCharField = blank_as_null(serializers.CharField)


class ReadOnlyModelSerializer(serializers.ModelSerializer):
    """For the read-only public API: every field is output only, so the OpenAPI schema marks each
    one as always present (a field without a value comes as null, never "" and never missing)."""

    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            field.read_only = True
        return fields

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        # Text an editor may leave empty (blank=True): null when empty. Fields the code always
        # fills (editable=False, e.g. a section's anchor) keep their string.
        if (
            isinstance(model_field, (models.CharField, models.TextField))
            and model_field.blank
            and model_field.editable
            and not model_field.choices
        ):
            field_class = blank_as_null(field_class)
            kwargs.pop("allow_blank", None)
            kwargs["allow_null"] = True
        return field_class, kwargs


PAGE_URL_HELP = (
    "The article's page on the clinic's own site (the clinic's front-end article address, else the "
    "install's): the page its JSON-LD describes. `url` is this API's address."
)


class ArticleLinkSerializer(serializers.Serializer):
    """A published article named from elsewhere (a clinic, a condition, a risk)."""

    slug = serializers.SlugField(read_only=True)
    title = serializers.CharField(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="article-detail", lookup_field="slug")
    page_url = serializers.SerializerMethodField(help_text=PAGE_URL_HELP)

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, article) -> str:
        return article_page_url(article)


class ContactLinkSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = ContactLink
        fields = ["kind", "label", "url"]


class PostalAddressSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Clinic
        fields = ["street_address", "city", "region", "postal_code", "country"]


class ClinicRefSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Clinic
        fields = ["slug", "name"]


class ClinicProfileSerializer(ReadOnlyModelSerializer):
    """The clinic in full, as shown on each article."""

    url = serializers.HyperlinkedIdentityField(view_name="clinic-detail", lookup_field="slug")
    address = PostalAddressSerializer(source="*", read_only=True)
    contact_links = ContactLinkSerializer(many=True, read_only=True)

    class Meta:
        model = Clinic
        fields = [
            "slug",
            "name",
            "url",
            "description",
            "specialty",
            "address",
            "phone",
            "email",
            "website",
            "contact_links",
        ]


ARTICLE_COUNT_HELP = (
    "Published articles only, in the `language` asked for (without it, in each clinic's own "
    "language): the `count` of the article list with the same filter and `language`."
)


class ClinicSerializer(ClinicProfileSerializer):
    default_language = serializers.CharField(
        read_only=True,
        help_text='The language of the clinic\'s own articles, a BCP 47 code ("en", "es"): the article '
        "list's default `language` for it.",
    )
    article_count = serializers.IntegerField(
        source="published_article_count", read_only=True, help_text=ARTICLE_COUNT_HELP
    )

    class Meta(ClinicProfileSerializer.Meta):
        fields = [*ClinicProfileSerializer.Meta.fields, "default_language", "article_count"]


class ClinicDetailSerializer(ClinicSerializer):
    articles = ArticleLinkSerializer(
        source="published_articles",
        many=True,
        read_only=True,
        help_text="Newest first, in the `language` asked for (as `article_count` counts them).",
    )
    jsonld = JsonLdField(
        clinic_jsonld, "ClinicJsonLd", help_text="schema.org JSON-LD (MedicalClinic) for the clinic's page."
    )

    class Meta(ClinicSerializer.Meta):
        fields = [*ClinicSerializer.Meta.fields, "articles", "jsonld"]


class ConditionRefSerializer(ReadOnlyModelSerializer):
    slug = serializers.SlugField(source="condition.slug", read_only=True)
    name = serializers.CharField(source="condition.name", read_only=True)

    class Meta:
        model = ArticleCondition
        fields = ["slug", "name"]


# A pattern, not an enum: drf-spectacular would make an enum a "...SystemEnum" component.
CODE_SYSTEM_SCHEMA = {
    "type": "string",
    "pattern": f"^(?:{'|'.join(ConditionCode.System.values)})$",
    "description": '"icd10cm" (ICD-10-CM, checked against the current code set) or "snomed" (a SNOMED CT '
    "concept id).",
}


@extend_schema_field(CODE_SYSTEM_SCHEMA)
class CodeSystemField(serializers.CharField):
    pass


class ConditionCodeSerializer(ReadOnlyModelSerializer):
    """A condition's code in a clinical code system (articles/codes.py)."""

    system = CodeSystemField(read_only=True)
    code = serializers.CharField(read_only=True, help_text='ICD-10-CM dotted ("G89.4"); SNOMED CT digits.')

    class Meta:
        model = ConditionCode
        fields = ["system", "code", "display"]


CODES_HELP = "The condition's ICD-10-CM and SNOMED CT codes, in the editor's order (often empty)."


def condition_codes(condition) -> list:
    # A condition deleted since (a preview's "(deleted condition)" placeholder) has none.
    return [] if condition.pk is None else ConditionCodeSerializer(condition.codes.all(), many=True).data


class ConditionWithSummarySerializer(ConditionRefSerializer):
    summary = NullableCharField(source="condition.summary", read_only=True, allow_null=True)
    codes = serializers.SerializerMethodField(help_text=CODES_HELP)

    class Meta(ConditionRefSerializer.Meta):
        fields = [*ConditionRefSerializer.Meta.fields, "summary", "codes"]

    @extend_schema_field(ConditionCodeSerializer(many=True))
    def get_codes(self, link) -> list:
        return condition_codes(link.condition)


class RiskWithSummarySerializer(ReadOnlyModelSerializer):
    slug = serializers.SlugField(source="risk.slug", read_only=True)
    name = serializers.CharField(source="risk.name", read_only=True)
    summary = NullableCharField(source="risk.summary", read_only=True, allow_null=True)

    class Meta:
        model = ArticleRisk
        fields = ["slug", "name", "summary"]


class SectionSerializer(ReadOnlyModelSerializer):
    body = serializers.SerializerMethodField(help_text=allowed_html_description())

    class Meta:
        model = Section
        fields = ["heading", "anchor", "body"]

    def get_body(self, section) -> str:
        # With its figures made by us (articles/pictures.py); a path that did not prepare them
        # shows none rather than the stored references.
        public = getattr(section, "public_body", None)
        return public if public is not None else figures.replace(section.body, lambda ref: "")


class ImageSourceSerializer(serializers.Serializer):
    type = serializers.CharField(read_only=True, help_text='"image/avif" or "image/webp".')
    srcset = serializers.CharField(read_only=True, help_text="Addresses with their widths, as in HTML.")


class FocalPointSerializer(serializers.Serializer):
    x = serializers.FloatField(read_only=True, help_text="From 0 (left edge) to 1 (right edge).")
    y = serializers.FloatField(read_only=True, help_text="From 0 (top edge) to 1 (bottom edge).")


class ImageSerializer(serializers.Serializer):
    """A picture from the clinic's library, as approved with this version of the article."""

    alt = serializers.CharField(
        read_only=True,
        allow_null=True,
        help_text='Alt text for the <img>: "" for a decorative picture (screen readers skip it); null '
        "only if the clinic lets articles go live without it (settings: ACCESSIBILITY_BLOCKING).",
    )
    caption = serializers.CharField(read_only=True, allow_null=True, help_text="Shown under the picture.")
    credit = serializers.CharField(read_only=True, allow_null=True, help_text="Who made the picture.")
    width = serializers.IntegerField(read_only=True, help_text="The picture's width in pixels (its ratio).")
    height = serializers.IntegerField(read_only=True, help_text="The picture's height in pixels.")
    src = serializers.URLField(
        read_only=True, help_text="A JPEG up to 1280 pixels wide: every browser shows it."
    )
    srcset = serializers.CharField(
        read_only=True, help_text='JPEG copies with their widths ("... 320w, ... 640w"), for <img srcset>.'
    )
    sources = ImageSourceSerializer(
        many=True,
        read_only=True,
        help_text="Smaller formats for <picture><source>, best first (AVIF, WebP): empty until made.",
    )
    focal_point = FocalPointSerializer(
        read_only=True, help_text="Where the subject is: keep it in view when cropping (object-position)."
    )


class TranslationSerializer(serializers.Serializer):
    language = serializers.CharField(read_only=True, help_text='A BCP 47 code, e.g. "es".')
    slug = serializers.SlugField(read_only=True)
    url = serializers.URLField(read_only=True, help_text="This API's address of the translation.")
    page_url = serializers.URLField(read_only=True, help_text="The translation's page on the clinic's site.")


class AccessibilityIssueSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True, help_text="Which check (docs/accessibility.md).")
    level = serializers.ChoiceField(
        choices=["error", "warning"],
        read_only=True,
        help_text='"error": a check the clinic makes block publishing; "warning" otherwise.',
    )
    message = serializers.CharField(read_only=True, help_text="What to fix, in words.")
    section = serializers.CharField(
        read_only=True, allow_null=True, help_text="The section's anchor; null for the whole article."
    )


class AccessibilitySerializer(serializers.Serializer):
    issues = AccessibilityIssueSerializer(
        many=True, read_only=True, help_text="Empty when every check passes. In the article's order."
    )


class GradesSerializer(serializers.Serializer):
    """English text has grades (lower is easier); Spanish text has the Fernández-Huerta and
    Szigriszt-Pazos scores (higher is easier). The other language's values are null."""

    flesch_kincaid_grade = serializers.SerializerMethodField(
        help_text="Flesch-Kincaid grade level; null without text."
    )
    smog_grade = serializers.SerializerMethodField(help_text="SMOG grade.")
    fernandez_huerta = serializers.SerializerMethodField(
        help_text="Spanish articles: the Fernández-Huerta score (0-100 or so, higher is easier)."
    )
    szigriszt_pazos = serializers.SerializerMethodField(
        help_text="Spanish articles: the Szigriszt-Pazos perspicuity (INFLESZ), higher is easier."
    )
    inflesz_band = serializers.SerializerMethodField(
        help_text='Spanish articles: the INFLESZ band of the Szigriszt-Pazos score ("normal"...).'
    )
    above_target = serializers.BooleanField(
        source="misses_language_target",
        read_only=True,
        help_text="Misses the target of the article's language: a grade above READABILITY_TARGET_GRADE "
        "(English), a Szigriszt-Pazos score below READABILITY_TARGET_SZIGRISZT_PAZOS (Spanish).",
    )

    @staticmethod
    def _spanish(text) -> bool:
        return text.readability_language == "es"

    def get_flesch_kincaid_grade(self, text) -> float | None:
        return None if self._spanish(text) else text.flesch_kincaid_grade

    def get_smog_grade(self, text) -> float | None:
        return None if self._spanish(text) else text.smog_grade

    def get_fernandez_huerta(self, text) -> float | None:
        return text.fernandez_huerta if self._spanish(text) else None

    def get_szigriszt_pazos(self, text) -> float | None:
        return text.szigriszt_pazos if self._spanish(text) else None

    def get_inflesz_band(self, text) -> str | None:
        return readability_es.inflesz_band(text.szigriszt_pazos) if self._spanish(text) else None


class SectionGradesSerializer(GradesSerializer):
    anchor = serializers.CharField(read_only=True)
    heading = serializers.CharField(read_only=True)


class ReadabilitySerializer(GradesSerializer):
    """Reading grades of the whole article (its sections' text together) and of each section."""

    target_grade = serializers.SerializerMethodField()
    sections = SectionGradesSerializer(many=True, read_only=True, help_text="In the article's order.")

    def get_target_grade(self, article) -> float:
        return settings.READABILITY_TARGET_GRADE


class TreatmentSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        source="treatment_type", choices=Article.TreatmentType.choices, read_only=True
    )
    name = serializers.CharField(source="treatment_name", read_only=True)


class ReferenceSerializer(ReadOnlyModelSerializer):
    url = serializers.URLField(
        source="link", read_only=True, help_text="Where to read the source: its address, DOI or PubMed page."
    )

    class Meta:
        model = Reference
        fields = ["title", "url", "doi", "pubmed_id", "accessed_on"]


class ArticleSerializer(ReadOnlyModelSerializer):
    # Never null on the public API: only articles with a publication time are public.
    published_at = serializers.DateTimeField(read_only=True)
    language = NullableCharField(
        read_only=True, allow_null=True, help_text='The article\'s language, a BCP 47 code ("en", "es").'
    )
    lead_image = serializers.SerializerMethodField(help_text="The picture at the top of the article.")
    url = serializers.HyperlinkedIdentityField(view_name="article-detail", lookup_field="slug")
    page_url = serializers.SerializerMethodField(help_text=PAGE_URL_HELP)
    clinic = ClinicRefSerializer(read_only=True)
    conditions = ConditionRefSerializer(
        source="article_conditions", many=True, read_only=True, help_text="In the editor's order."
    )

    class Meta:
        model = Article
        fields = [
            "slug",
            "title",
            "summary",
            "published_at",
            "updated_at",
            "url",
            "page_url",
            "clinic",
            "conditions",
            "language",
            "lead_image",
        ]

    @extend_schema_field(OpenApiTypes.URI)
    def get_page_url(self, article) -> str:
        return article_page_url(article)

    @extend_schema_field(ImageSerializer(allow_null=True))
    def get_lead_image(self, article) -> dict | None:
        picture = getattr(article, "public_images", {}).get(article.lead_image_id)
        return ImageSerializer(picture.as_json()).data if picture is not None else None


class ReviewerSerializer(ReadOnlyModelSerializer):
    class Meta:
        model = Reviewer
        fields = ["name", "credentials"]


class ArticleDetailSerializer(ArticleSerializer):
    clinic = ClinicProfileSerializer(read_only=True)
    conditions = ConditionWithSummarySerializer(
        source="article_conditions", many=True, read_only=True, help_text="In the editor's order."
    )
    risks = RiskWithSummarySerializer(
        source="article_risks", many=True, read_only=True, help_text="In the editor's order."
    )
    sections = SectionSerializer(many=True, read_only=True)
    candidate_criteria = serializers.SlugRelatedField(
        many=True,
        read_only=True,
        slug_field="text",
        help_text="Who is a good candidate for the treatment, in order.",
    )
    reviewed_by = ReviewerSerializer(
        read_only=True, allow_null=True, help_text="The clinician who last checked the article."
    )
    treatment = serializers.SerializerMethodField(help_text="The treatment the article explains, if any.")
    contraindications = serializers.SlugRelatedField(
        many=True,
        read_only=True,
        slug_field="text",
        help_text="Who should not have the treatment, in order.",
    )
    references = ReferenceSerializer(many=True, read_only=True, help_text="Sources, in order.")
    readability = ReadabilitySerializer(source="*", read_only=True)
    accessibility = serializers.SerializerMethodField(
        help_text="What the accessibility checks found in this version (articles/accessibility.py)."
    )
    translations = serializers.SerializerMethodField(
        help_text="The same article in other languages, live now: its source and the source's other "
        "translations, each reviewed and published on its own. In language order."
    )
    jsonld = JsonLdField(
        article_jsonld,
        "ArticleJsonLd",
        help_text="schema.org JSON-LD for the article's page (page_url): put it in a "
        '<script type="application/ld+json"> element.',
    )

    class Meta(ArticleSerializer.Meta):
        fields = [
            *ArticleSerializer.Meta.fields,
            "risks",
            "sections",
            "candidate_criteria",
            "reviewed_by",
            "last_reviewed_on",
            "next_review_due",
            "treatment",
            "contraindications",
            "references",
            "readability",
            "accessibility",
            "translations",
            "jsonld",
        ]

    @extend_schema_field(TranslationSerializer(many=True))
    def get_translations(self, article) -> list[dict]:
        request = self.context["request"]
        return [
            {
                "language": language,
                "slug": slug,
                "url": request.build_absolute_uri(reverse("article-detail", kwargs={"slug": slug})),
                "page_url": article.clinic.article_url(slug),
            }
            for language, slug, _is_source in getattr(article, "public_translations", [])
        ]

    @extend_schema_field(AccessibilitySerializer)
    def get_accessibility(self, article) -> dict:
        issues = [
            issue for issue in getattr(article, "accessibility_issues", []) if issue.level != "suggestion"
        ]
        return AccessibilitySerializer({"issues": issues}).data

    @extend_schema_field(TreatmentSerializer(allow_null=True))
    def get_treatment(self, article):
        return TreatmentSerializer(article).data if article.treatment_type else None


class PreviewVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(help_text="The saved version shown; the article's History lists it.")
    saved_at = serializers.DateTimeField(help_text="When that version was saved.")
    state = serializers.ChoiceField(choices=State.choices, help_text="The article's state now.")
    is_live = serializers.BooleanField(help_text="Patients read exactly this text now.")


class ArticlePreviewSerializer(ArticleDetailSerializer):
    """A saved version of the working copy, before (or instead of) what is live."""

    published_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the article first went live; null if it never has."
    )
    preview = serializers.SerializerMethodField(help_text="Which version this is.")

    class Meta(ArticleDetailSerializer.Meta):
        fields = [*ArticleDetailSerializer.Meta.fields, "preview"]

    @extend_schema_field(PreviewVersionSerializer)
    def get_preview(self, article) -> dict:
        return PreviewVersionSerializer(self.context["preview"]).data


class ConditionListSerializer(serializers.ListSerializer):
    """A page of conditions with their codes: one query for the page's codes."""

    def to_representation(self, data):
        conditions = list(data.all() if isinstance(data, models.manager.BaseManager) else data)
        models.prefetch_related_objects(conditions, "codes")
        return super().to_representation(conditions)


TOPIC_FIELDS = ["slug", "name", "summary", "language", "url", "article_count"]


class ConditionSerializer(ReadOnlyModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="condition-detail", lookup_field="slug")
    language = serializers.CharField(
        source="shown_language",
        read_only=True,
        help_text='The language of `name` and `summary` (a BCP 47 code): with `?language=es`, "es" '
        "where a clinician has reviewed a Spanish name, else the original's.",
    )
    article_count = serializers.IntegerField(
        source="published_article_count", read_only=True, help_text=ARTICLE_COUNT_HELP
    )
    codes = serializers.SerializerMethodField(help_text=CODES_HELP)

    class Meta:
        model = Condition
        fields = [*TOPIC_FIELDS, "codes"]
        list_serializer_class = ConditionListSerializer

    @extend_schema_field(ConditionCodeSerializer(many=True))
    def get_codes(self, condition) -> list:
        return condition_codes(condition)


class ConditionDetailSerializer(ConditionSerializer):
    articles = ArticleLinkSerializer(
        source="published_articles",
        many=True,
        read_only=True,
        help_text="Newest first, in the `language` asked for (as `article_count` counts them).",
    )

    class Meta(ConditionSerializer.Meta):
        fields = [*ConditionSerializer.Meta.fields, "articles"]


class RiskSerializer(ConditionSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="risk-detail", lookup_field="slug")
    codes = None  # conditions only

    class Meta(ConditionSerializer.Meta):
        model = Risk
        fields = TOPIC_FIELDS
        list_serializer_class = serializers.ListSerializer


class RiskDetailSerializer(RiskSerializer):
    articles = ArticleLinkSerializer(
        source="published_articles",
        many=True,
        read_only=True,
        help_text="Newest first, in the `language` asked for (as `article_count` counts them).",
    )

    class Meta(RiskSerializer.Meta):
        fields = [*RiskSerializer.Meta.fields, "articles"]
