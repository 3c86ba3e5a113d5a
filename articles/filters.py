import datetime

import django_filters
from django import forms
from django.core.validators import validate_slug
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from articles.models import Article, ArticleCondition, ArticleRisk
from articles.search import search

MAX_SLUGS = 20
MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 10
# Outside these years a date is a typo or a probe, and near the ends of Python's range the
# time-zone arithmetic overflows.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999


class SlugListField(forms.CharField):
    """``a,b,c`` -> ["a", "b", "c"]; any of them matches."""

    def to_python(self, value):
        value = super().to_python(value)
        slugs = [slug.strip() for slug in value.split(",") if slug.strip()] if value else []
        if len(slugs) > MAX_SLUGS:
            raise forms.ValidationError(f"Give at most {MAX_SLUGS} slugs.")
        for slug in slugs:
            validate_slug(slug)
        return slugs


class SlugField(forms.SlugField):
    default_error_messages = {"invalid": "A slug has only letters, numbers, hyphens and underscores."}


class SearchField(forms.CharField):
    """Free text, bounded: each word costs a subquery."""

    def to_python(self, value):
        value = super().to_python(value)
        if "\x00" in value:
            raise forms.ValidationError("Search text cannot contain NUL characters.")
        if len(value) > MAX_SEARCH_LENGTH:
            raise forms.ValidationError(f"Search text is limited to {MAX_SEARCH_LENGTH} characters.")
        if len(value.split()) > MAX_SEARCH_WORDS:
            raise forms.ValidationError(f"Search for at most {MAX_SEARCH_WORDS} words.")
        return value


class DateOrDateTimeField(forms.CharField):
    """An ISO 8601 date (2026-03-01) or date-time (2026-03-01T09:30:00Z); naive times are in
    the site's TIME_ZONE. Returns (moment, is_date)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        try:
            # Date first: parse_datetime also accepts a bare date (as midnight), losing "whole day".
            date = parse_date(value)
            moment = None if date else parse_datetime(value)
        except ValueError:
            moment = date = None
        if moment is None and date is None:
            raise forms.ValidationError(
                f"Enter an ISO 8601 date (2026-03-01) or date-time (2026-03-01T09:30:00Z); got {value!r}."
            )
        if not EARLIEST_YEAR <= (date or moment).year <= LATEST_YEAR:
            raise forms.ValidationError(f"Give a year from {EARLIEST_YEAR} to {LATEST_YEAR}; got {value!r}.")
        if date is not None:
            moment = datetime.datetime.combine(date, datetime.time.min)
        if timezone.is_naive(moment):
            moment = timezone.make_aware(moment)
        return moment, date is not None


# CharFilter subclasses: the schema shows them as strings, with their help_text.
class SlugListFilter(django_filters.CharFilter):
    field_class = SlugListField


class DateOrDateTimeFilter(django_filters.CharFilter):
    field_class = DateOrDateTimeField


class SlugFilter(django_filters.CharFilter):
    field_class = SlugField


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering with the primary key as the last key, so pages never repeat or skip a row."""

    def filter(self, qs, value):
        ordering = [self.get_ordering_value(param) for param in value or [] if param]
        if not ordering:
            return qs
        direction = "-" if ordering[-1].startswith("-") else ""
        return qs.order_by(*ordering, f"{direction}pk")


class ArticleFilter(django_filters.FilterSet):
    condition = SlugListFilter(
        method="filter_condition",
        help_text="Condition slug; several, comma-separated, match any of them.",
    )
    risk = SlugListFilter(
        method="filter_risk", help_text="Risk slug; several, comma-separated, match any of them."
    )
    clinic = SlugFilter(field_name="clinic__slug", help_text="Clinic slug.")
    published_after = DateOrDateTimeFilter(
        method="filter_published_after",
        help_text="ISO date or date-time; published at or after it (a date means that day's start).",
    )
    published_before = DateOrDateTimeFilter(
        method="filter_published_before",
        help_text="ISO date or date-time; published at or before it (a date includes that whole day).",
    )
    search = SearchFilter(
        method="filter_search",
        help_text=(
            f"Words to find in the title, summary or section text; every word must appear. "
            f"At most {MAX_SEARCH_WORDS} words and {MAX_SEARCH_LENGTH} characters."
        ),
    )
    ordering = StableOrderingFilter(
        fields=["published_at", "updated_at", "title"],
        help_text="published_at, updated_at or title; prefix - for descending. Default -published_at.",
    )

    class Meta:
        model = Article
        fields = []

    def filter_condition(self, articles, name, slugs):
        if not slugs:
            return articles
        named = ArticleCondition.objects.filter(article=OuterRef("pk"), condition__slug__in=slugs)
        return articles.filter(Exists(named))

    def filter_risk(self, articles, name, slugs):
        if not slugs:
            return articles
        named = ArticleRisk.objects.filter(article=OuterRef("pk"), risk__slug__in=slugs)
        return articles.filter(Exists(named))

    def filter_published_after(self, articles, name, value):
        moment, _is_date = value
        return articles.filter(published_at__gte=moment)

    def filter_published_before(self, articles, name, value):
        moment, is_date = value
        if is_date:
            return articles.filter(published_at__lt=moment + datetime.timedelta(days=1))
        return articles.filter(published_at__lte=moment)

    def filter_search(self, articles, name, value):
        # Relevance order; an explicit ?ordering=, applied after this filter, replaces it.
        return search(articles, value)
