from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from articles.models import Article
from clinics.models import Clinic, ContactLink
from clinics.structured_data import clinic_jsonld
from cms.serializers import ReadOnlyModelSerializer


class ArticleLinkSerializer(ReadOnlyModelSerializer):
    """A published article named from elsewhere (a clinic, a condition, a risk)."""

    url = serializers.HyperlinkedIdentityField(view_name="article-detail", lookup_field="slug")

    class Meta:
        model = Article
        fields = ["slug", "title", "url"]


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


class ClinicSerializer(ClinicProfileSerializer):
    article_count = serializers.IntegerField(
        source="published_article_count", read_only=True, help_text="Published articles only."
    )

    class Meta(ClinicProfileSerializer.Meta):
        fields = [*ClinicProfileSerializer.Meta.fields, "article_count"]


class ClinicDetailSerializer(ClinicSerializer):
    articles = ArticleLinkSerializer(
        source="published_articles", many=True, read_only=True, help_text="Newest first."
    )
    jsonld = serializers.SerializerMethodField(
        help_text="schema.org JSON-LD (MedicalClinic) for the clinic's page."
    )

    class Meta(ClinicSerializer.Meta):
        fields = [*ClinicSerializer.Meta.fields, "articles", "jsonld"]

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_jsonld(self, clinic) -> dict:
        return clinic_jsonld(clinic)
