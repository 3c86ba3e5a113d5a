from rest_framework import serializers

from articles.models import Article, ArticleCondition, ArticleRisk, Condition, Reviewer, Risk, Section
from clinics.serializers import ArticleLinkSerializer, ClinicProfileSerializer, ClinicRefSerializer
from cms.serializers import ReadOnlyModelSerializer


class ConditionRefSerializer(ReadOnlyModelSerializer):
    slug = serializers.SlugField(source="condition.slug", read_only=True)
    name = serializers.CharField(source="condition.name", read_only=True)

    class Meta:
        model = ArticleCondition
        fields = ["slug", "name"]


class ConditionWithSummarySerializer(ConditionRefSerializer):
    summary = serializers.CharField(source="condition.summary", read_only=True)

    class Meta(ConditionRefSerializer.Meta):
        fields = [*ConditionRefSerializer.Meta.fields, "summary"]


class RiskWithSummarySerializer(ReadOnlyModelSerializer):
    slug = serializers.SlugField(source="risk.slug", read_only=True)
    name = serializers.CharField(source="risk.name", read_only=True)
    summary = serializers.CharField(source="risk.summary", read_only=True)

    class Meta:
        model = ArticleRisk
        fields = ["slug", "name", "summary"]


class SectionSerializer(ReadOnlyModelSerializer):
    body = serializers.CharField(read_only=True, help_text="Sanitised HTML.")

    class Meta:
        model = Section
        fields = ["heading", "anchor", "body"]


class ArticleSerializer(ReadOnlyModelSerializer):
    # Never null on the public API: only articles with a publication time are public.
    published_at = serializers.DateTimeField(read_only=True)
    url = serializers.HyperlinkedIdentityField(view_name="article-detail", lookup_field="slug")
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
            "clinic",
            "conditions",
        ]


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

    class Meta(ArticleSerializer.Meta):
        fields = [
            *ArticleSerializer.Meta.fields,
            "risks",
            "sections",
            "candidate_criteria",
            "reviewed_by",
            "last_reviewed_on",
            "next_review_due",
        ]


class ConditionSerializer(ReadOnlyModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="condition-detail", lookup_field="slug")
    article_count = serializers.IntegerField(
        source="published_article_count", read_only=True, help_text="Published articles only."
    )

    class Meta:
        model = Condition
        fields = ["slug", "name", "summary", "url", "article_count"]


class ConditionDetailSerializer(ConditionSerializer):
    articles = ArticleLinkSerializer(
        source="published_articles", many=True, read_only=True, help_text="Newest first."
    )

    class Meta(ConditionSerializer.Meta):
        fields = [*ConditionSerializer.Meta.fields, "articles"]


class RiskSerializer(ConditionSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="risk-detail", lookup_field="slug")

    class Meta(ConditionSerializer.Meta):
        model = Risk


class RiskDetailSerializer(RiskSerializer):
    articles = ArticleLinkSerializer(
        source="published_articles", many=True, read_only=True, help_text="Newest first."
    )

    class Meta(RiskSerializer.Meta):
        fields = [*RiskSerializer.Meta.fields, "articles"]
