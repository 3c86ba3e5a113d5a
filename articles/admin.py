from adminsortable2.admin import SortableAdminBase, SortableStackedInline, SortableTabularInline
from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils import timezone

from articles.models import (
    Article,
    ArticleCondition,
    ArticleRisk,
    CandidateCriterion,
    Condition,
    Risk,
    Section,
)


class ArticleConditionInline(SortableTabularInline):
    model = ArticleCondition
    extra = 0
    autocomplete_fields = ["condition"]


class ArticleRiskInline(SortableTabularInline):
    model = ArticleRisk
    extra = 0
    autocomplete_fields = ["risk"]


class SectionInline(SortableStackedInline):
    model = Section
    extra = 0
    fields = ["heading", "body", "anchor"]
    readonly_fields = ["anchor"]


class CandidateCriterionInline(SortableTabularInline):
    model = CandidateCriterion
    extra = 0


class ArticleAdminForm(forms.ModelForm):
    class Meta:
        model = Article
        fields = ["title", "slug", "summary", "clinic", "status", "published_at"]
        help_texts = {
            "published_at": (
                "When the article goes live. Leave empty to publish now; "
                "a future time schedules it and it appears by itself at that moment."
            )
        }

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Article.Status.PUBLISHED and not cleaned.get("published_at"):
            cleaned["published_at"] = timezone.now()
        return cleaned


@admin.register(Article)
class ArticleAdmin(SortableAdminBase, admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = ["title", "clinic", "status", "visibility", "published_at", "updated_at"]
    list_select_related = ["clinic"]
    list_filter = ["status", "clinic", "conditions"]
    search_fields = ["title", "summary", "sections__heading", "sections__body_text"]
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ["title"]}
    autocomplete_fields = ["clinic"]
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["title", "slug", "summary", "clinic"]}),
        ("Publishing", {"fields": ["status", "published_at", "created_at", "updated_at"]}),
    ]
    inlines = [SectionInline, ArticleConditionInline, ArticleRiskInline, CandidateCriterionInline]

    @admin.display(description="On the public site")
    def visibility(self, article):
        if article.status != Article.Status.PUBLISHED:
            return "No"
        if article.published_at > timezone.now():
            return f"Scheduled: {timezone.localtime(article.published_at):%Y-%m-%d %H:%M}"
        return "Yes"


class TopicAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "used_by"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "summary"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(article_total=Count("articles"))

    @admin.display(description="Used by", ordering="article_total")
    def used_by(self, topic):
        return f"{topic.article_total} article{'s' if topic.article_total != 1 else ''}"


@admin.register(Condition)
class ConditionAdmin(TopicAdmin):
    pass


@admin.register(Risk)
class RiskAdmin(TopicAdmin):
    pass
