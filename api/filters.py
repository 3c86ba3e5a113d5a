import datetime
import re

import django_filters
from django import forms
from django.core.validators import validate_slug
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework.exceptions import ValidationError

from api.models import PublicArticle, PublicArticleCondition, PublicArticleRisk
from api.search import search
from articles import codes
from cms.lib.lookups import SLUG_PATTERN

MAX_SLUGS = 20
MAX_SEARCH_LENGTH = 200
MAX_SEARCH_WORDS = 10
MAX_ORDERING_TERMS = 3
ORDERING_FIELDS = ["published_at", "updated_at", "title"]
# Outside these years a date is a typo or a probe, and near the ends of Python's range the
# time-zone arithmetic overflows.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2999

# The schema's patterns (ECMA-262, as OpenAPI reads them) state exactly what each filter accepts, so
# a client, or a fuzzer, can tell a valid value from one the API will refuse.
# What str.strip() and str.split() take for whitespace (tests/test_articles_filters.py checks it).
WHITESPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
SPACE = f"[{WHITESPACE}]*"
CLINIC_PATTERN = f"^{SPACE}(?:{SLUG_PATTERN}{SPACE})?$"
# Empty items (",,") are skipped, as is whitespace around each slug.
SLUG_LIST_PATTERN = (
    f"^[{WHITESPACE},]*(?:{SLUG_PATTERN}{SPACE},[{WHITESPACE},]*){{0,{MAX_SLUGS - 1}}}"
    f"(?:{SLUG_PATTERN}{SPACE})?$"
)
SEARCH_PATTERN = (
    f"^{SPACE}(?:[^{WHITESPACE}\\x00]+[{WHITESPACE}]+){{0,{MAX_SEARCH_WORDS - 1}}}"
    f"[^{WHITESPACE}\\x00]*{SPACE}$"
)
# ISO 8601 extended format only: a real calendar day in the accepted years, then optionally a time
# (minutes, seconds or microseconds) and a UTC offset. Leap years: 1904...2096, 2000, 2400, 2800.
_YEAR = "(?:19|2[0-9])[0-9]{2}"
_LEAP_YEAR = "(?:(?:19|2[0-9])(?:0[48]|[2468][048]|[13579][26])|2[048]00)"
_DATE = (
    f"(?:{_YEAR}-(?:(?:0[1-9]|1[0-2])-(?:0[1-9]|1[0-9]|2[0-8])|(?:0[13-9]|1[0-2])-(?:29|30)"
    f"|(?:0[13578]|1[02])-31)|{_LEAP_YEAR}-02-29)"
)
_TIME = "[T ](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\\.[0-9]{1,6})?)?"
_OFFSET = "(?:Z|[+-](?:[01][0-9]|2[0-3])(?::?[0-5][0-9])?)?"
ISO_DATE_OR_DATETIME = re.compile(f"{_DATE}(?:{_TIME}{_OFFSET})?")
DATE_OR_DATETIME_PATTERN = f"^{SPACE}(?:{ISO_DATE_OR_DATETIME.pattern})?{SPACE}$"


# The form of an ICD-10-CM code, dotted or not, any case (articles/codes.py); whether the code set
# has it is checked too: a well-formed code it lacks is refused as well.
ICD10_PATTERN = f"^{SPACE}(?:[A-Za-z][0-9][0-9A-Za-z](?:\\.?[0-9A-Za-z]{{1,4}})?{SPACE})?$"


class ICD10CMField(forms.CharField):
    """An ICD-10-CM code of the current code set, normalised ("g894" -> "G89.4")."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return ""
        try:
            return codes.normalize_icd10cm(value)
        except codes.InvalidCode as error:
            # In params: django-filter formats messages with %.
            raise forms.ValidationError("%(reason)s", params={"reason": str(error)}) from error


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
        # The length as sent, spaces included: the schema's maxLength.
        if value and len(value) > MAX_SEARCH_LENGTH:
            raise forms.ValidationError(f"Search text is limited to {MAX_SEARCH_LENGTH} characters.")
        value = super().to_python(value)
        if "\x00" in value:
            raise forms.ValidationError("Search text cannot contain NUL characters.")
        if len(value.split()) > MAX_SEARCH_WORDS:
            raise forms.ValidationError(f"Search for at most {MAX_SEARCH_WORDS} words.")
        return value


INVALID_DATE = "Enter an ISO 8601 date (2026-03-01) or date-time (2026-03-01T09:30:00Z); got %(value)r."


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
        # The value goes in params, not the message: django-filter formats messages with %, so a
        # "%" in the value would otherwise be a 500.
        if moment is None and date is None:
            raise forms.ValidationError(INVALID_DATE, params={"value": value})
        if not EARLIEST_YEAR <= (date or moment).year <= LATEST_YEAR:
            raise forms.ValidationError(
                f"Give a year from {EARLIEST_YEAR} to {LATEST_YEAR}; got %(value)r.", params={"value": value}
            )
        # Python also parses 20260301, 2026-W09-1, 2026-3-1, other scripts' digits...: not documented.
        if not ISO_DATE_OR_DATETIME.fullmatch(value):
            raise forms.ValidationError(INVALID_DATE, params={"value": value})
        if date is not None:
            moment = datetime.datetime.combine(date, datetime.time.min)
        # An explicit offset becomes UTC: PostgreSQL refuses offsets beyond 15:59, Python allows 23:59.
        moment = timezone.make_aware(moment) if timezone.is_naive(moment) else moment.astimezone(datetime.UTC)
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


class ICD10CMFilter(django_filters.CharFilter):
    field_class = ICD10CMField


class StableOrderingFilter(django_filters.OrderingFilter):
    """Ordering with the primary key as the last key, so pages never repeat or skip a row."""

    def filter(self, qs, value):
        ordering = [self.get_ordering_value(param) for param in value or [] if param]
        if not ordering:
            return qs
        direction = "-" if ordering[-1].startswith("-") else ""
        return qs.order_by(*ordering, f"{direction}pk")


def documented(string_filter, **schema):
    """``string_filter`` with the exact schema of its value: drf-spectacular alone says "a string"."""
    description = string_filter.extra["help_text"]
    return extend_schema_field({"type": "string", "description": description, **schema})(string_filter)


LANGUAGE_PATTERN = r"^(|any|[a-z]{2,3}(-[A-Za-z0-9]{2,8})?)$"
# The server's own check: $ would let a trailing newline through.
LANGUAGE_REGEX = r"\A(|any|[a-z]{2,3}(-[A-Za-z0-9]{2,8})?)\Z"


class LanguageFilter(django_filters.CharFilter):
    """A BCP 47 language code (or "any"); anything else is a 400 naming the parameter."""

    field_class = forms.RegexField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("regex", LANGUAGE_REGEX)
        kwargs.setdefault("max_length", LANGUAGE_MAX_LENGTH)
        kwargs.setdefault("error_messages", {"invalid": LANGUAGE_INVALID})
        super().__init__(*args, **kwargs)


LANGUAGE_HELP = (
    'A language code ("en", "es"): articles in that language. Without it, each clinic\'s articles in '
    "the clinic's own language; `any`: every language."
)
LANGUAGE_INVALID = 'Give a language code such as "en" or "es", or "any".'
LANGUAGE_MAX_LENGTH = 20
LANGUAGE_ONCE = "Give one language (or any), once."


def requested_language(request) -> str:
    """``?language=`` of the clinic, condition and risk endpoints (list and detail), read as the
    article list reads it ("" when absent: each clinic's own language); anything else is a 400
    naming the parameter."""
    values = request.query_params.getlist("language")
    if len(values) > 1:
        raise ValidationError({"language": [LANGUAGE_ONCE]})
    value = values[0] if values else ""
    if len(value) > LANGUAGE_MAX_LENGTH or not re.match(LANGUAGE_REGEX, value):
        raise ValidationError({"language": [LANGUAGE_INVALID]})
    return value


def language_parameter(what: str) -> OpenApiParameter:
    return OpenApiParameter(
        "language",
        type={
            "type": "string",
            "pattern": LANGUAGE_PATTERN,
            "maxLength": LANGUAGE_MAX_LENGTH,
            "example": "es",
        },
        description=f"{LANGUAGE_HELP} {what}".strip(),
    )


class ArticleFilterForm(forms.Form):
    def clean_language(self):
        # Two answers to "which language" would make the last one win, unseen.
        if hasattr(self.data, "getlist") and len(self.data.getlist("language")) > 1:
            raise forms.ValidationError(LANGUAGE_ONCE)
        return self.cleaned_data.get("language")

    def clean_ordering(self):
        ordering = self.cleaned_data.get("ordering")
        if ordering and len(ordering) > MAX_ORDERING_TERMS:
            raise forms.ValidationError(f"Order by at most {MAX_ORDERING_TERMS} fields.")
        return ordering


class ArticleFilter(django_filters.FilterSet):
    condition = documented(
        SlugListFilter(
            method="filter_condition",
            help_text=f"Condition slug; several, comma-separated, match any of them (at most {MAX_SLUGS}).",
        ),
        pattern=SLUG_LIST_PATTERN,
        example="cancer-pain,failed-back-surgery-syndrome",
    )
    risk = documented(
        SlugListFilter(
            method="filter_risk",
            help_text=f"Risk slug; several, comma-separated, match any of them (at most {MAX_SLUGS}).",
        ),
        pattern=SLUG_LIST_PATTERN,
        example="infection",
    )
    icd10 = documented(
        ICD10CMFilter(
            method="filter_icd10",
            help_text=(
                "An ICD-10-CM code of the current code set (G89.4, or G894); articles about a condition "
                "carrying it or a more specific code under it (G89 finds G89.4 and G89.29). A code the "
                "code set does not have is a 400."
            ),
        ),
        pattern=ICD10_PATTERN,
        example="G89.4",
    )
    clinic = documented(
        SlugFilter(field_name="clinic__slug", help_text="Clinic slug."),
        pattern=CLINIC_PATTERN,
        example="lafayette-pain-care",
    )
    published_after = documented(
        DateOrDateTimeFilter(
            method="filter_published_after",
            help_text=(
                "ISO date (2026-03-01) or date-time (2026-03-01T09:30, seconds, fraction and UTC "
                f"offset optional), years {EARLIEST_YEAR}-{LATEST_YEAR}; published at or after it "
                "(a date means that day's start)."
            ),
        ),
        pattern=DATE_OR_DATETIME_PATTERN,
        example="2026-01-01",
    )
    published_before = documented(
        DateOrDateTimeFilter(
            method="filter_published_before",
            help_text=(
                "ISO date (2026-03-01) or date-time (2026-03-01T09:30, seconds, fraction and UTC "
                f"offset optional), years {EARLIEST_YEAR}-{LATEST_YEAR}; published at or before it "
                "(a date includes that whole day)."
            ),
        ),
        pattern=DATE_OR_DATETIME_PATTERN,
        example="2030-12-31T23:59:59Z",
    )
    search = documented(
        SearchFilter(
            method="filter_search",
            help_text=(
                f"Words to find in the title, summary or section text; every word must appear. "
                f"At most {MAX_SEARCH_WORDS} words and {MAX_SEARCH_LENGTH} characters."
            ),
        ),
        maxLength=MAX_SEARCH_LENGTH,
        pattern=SEARCH_PATTERN,
        example="pump catheter",
    )
    language = documented(
        LanguageFilter(
            method="filter_language",
            help_text=LANGUAGE_HELP,
        ),
        pattern=LANGUAGE_PATTERN,
        example="es",
    )
    ordering = StableOrderingFilter(
        fields=ORDERING_FIELDS,
        help_text=(
            f"Up to {MAX_ORDERING_TERMS} of published_at, updated_at, title, comma-separated; prefix - "
            "for descending; empty items are skipped. Default -published_at."
        ),
    )

    class Meta:
        model = PublicArticle
        fields = []
        form = ArticleFilterForm

    def filter_condition(self, articles, name, slugs):
        if not slugs:
            return articles
        named = PublicArticleCondition.objects.filter(
            public_article=OuterRef("pk"), condition__slug__in=slugs
        )
        return articles.filter(Exists(named))

    def filter_icd10(self, articles, name, code):
        if not code:
            return articles
        coded = PublicArticleCondition.objects.filter(public_article=OuterRef("pk")).filter(
            codes_q(codes.ICD10CM, code, "condition__codes__")
        )
        return articles.filter(Exists(coded))

    def filter_risk(self, articles, name, slugs):
        if not slugs:
            return articles
        named = PublicArticleRisk.objects.filter(public_article=OuterRef("pk"), risk__slug__in=slugs)
        return articles.filter(Exists(named))

    def filter_published_after(self, articles, name, value):
        moment, _is_date = value
        return articles.filter(published_at__gte=moment)

    def filter_published_before(self, articles, name, value):
        moment, is_date = value
        if is_date:
            return articles.filter(published_at__lt=moment + datetime.timedelta(days=1))
        return articles.filter(published_at__lte=moment)

    def filter_language(self, articles, name, value):
        return articles if value == "any" else articles.filter(language=value)

    def filter_queryset(self, queryset):
        articles = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("language"):
            # The default: each clinic's own language (translations are asked for by language).
            articles = articles.filter(language=F("clinic__default_language"))
        return articles

    def filter_search(self, articles, name, value):
        # Relevance order; an explicit ?ordering=, applied after this filter, replaces it.
        return search(articles, value)


def codes_q(system: str, code: str, prefix: str = "", *, broader: bool = False) -> Q:
    """Conditions (through ``prefix``) carrying ``code``, or for ICD-10-CM a more specific code under
    it; with ``broader``, also a broader ICD-10-CM code above it (G89.4: G89), as an EHR's billable
    code finds an article coded by its category."""
    match = Q(**{f"{prefix}code": code})
    if system == codes.ICD10CM:
        match |= Q(**{f"{prefix}code__startswith": codes.icd10cm_prefix(code)})
        if broader:
            match |= Q(**{f"{prefix}code__in": codes.icd10cm_ancestors(code)})
    return Q(**{f"{prefix}system": system}) & match


# drf-spectacular reads the ordering filter as a list of its choices, without its limit or the
# empty items it skips; the article list declares this parameter instead.
ORDERING_PARAMETER = OpenApiParameter(
    "ordering",
    type={
        "type": "array",
        "items": {
            "type": "string",
            "enum": sorted([*ORDERING_FIELDS, *(f"-{field}" for field in ORDERING_FIELDS), ""]),
        },
        "maxItems": MAX_ORDERING_TERMS,
        "example": ["title"],
    },
    style="form",
    explode=False,
    description=ArticleFilter.base_filters["ordering"].extra["help_text"],
)
