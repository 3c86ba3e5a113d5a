"""Live feedback while writing: the admin endpoint that grades unsaved text.

The article form's script (static/articles/editor_feedback.js) posts the summary and the sections'
HTML as the writer types; the answer is each part's words, reading time and grades, computed exactly
as a save would compute them (``Section.derive``), so the live grade is the grade the writer gets;
and what the accessibility checks and PEMAT suggestions say (articles/accessibility.py), as
publishing would check them. Nothing is stored: no article, version or log entry.
"""

import json
import math
import re
from contextlib import contextmanager
from time import monotonic

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, RequestDataTooBig, ValidationError
from django.http import JsonResponse

from articles import accessibility, figures, readability, readability_es
from articles.models import SECTION_BODY_MAX_LENGTH, Article, Section
from articles.readability import TextStatistics
from articles.rich_text import sanitize_rich_text
from clinics.roles import clinic_ids
from media_library.models import Image

# Adults read plain English at about 238 words a minute (Brysbaert 2019, a meta-analysis of 190
# studies); patient-education readers are often slower (reading while worried, in a second language,
# or at a low reading level), so the estimate rounds down to 200 and never promises less than it takes.
WORDS_PER_MINUTE = 200
# Bounds on one request's work, which repeats at every pause in typing: sanitising a section costs
# up to its characters times its nesting depth. 80 sections at the 30,000-character limit (what fits
# in DATA_UPLOAD_MAX_MEMORY_SIZE) took 10-15 s; 300,000 characters take about 1 s at worst, and are
# ten full sections or some 30 of the usual length. A longer article is graded when it is saved.
MAX_SECTIONS = 100
MAX_TOTAL_LENGTH = 300_000
# The summary has no limit of its own in the model; a section's is more than any summary needs.
SUMMARY_MAX_LENGTH = SECTION_BODY_MAX_LENGTH
# A grading's lock outlives a crashed worker by this much at most; gradings shorter than
# SHORT_GRADING_SECONDS (a typical article: 25 ms) leave no pause behind them.
GRADING_LOCK_SECONDS = 30
SHORT_GRADING_SECONDS = 0.5
TOO_MUCH = "Too much text to grade as you type: the grades are measured when you save."


class Refused(Exception):
    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status = status
        self.detail = detail


def grade_view(request, model_admin):
    """POST {"summary": "...", "sections": [{"key": "...", "body": "<p>...</p>"}, ...]}: the grades.

    Wrapped in admin_view by ArticleAdmin (staff login, CSRF). Anyone who may write an article in
    some clinic may use it: it grades only the text it is sent, and reads only the library pictures
    that text names, from a clinic of the user's.
    """
    if request.method != "POST":
        response = JsonResponse({"detail": "Send the text with POST."}, status=405)
        response["Allow"] = "POST"
        return response
    if not (model_admin.has_add_permission(request) or model_admin.has_change_permission(request)):
        raise PermissionDenied
    try:
        summary, sections = _parse(request)
        about = _article_fields(request)
        with _one_at_a_time(request.user):
            answer = grade(summary=summary, sections=sections, language=about["language"])
            answer["accessibility"] = check_accessibility(request.user, about, sections)
            return JsonResponse(answer)
    except Refused as refusal:
        return JsonResponse({"detail": refusal.detail}, status=refusal.status)


@contextmanager
def _one_at_a_time(user):
    """One grading at a time per person, and after a long one a pause as long as it took: the
    script asks at each pause in typing and cancels what it no longer needs, so a person typing
    never meets the limit, but a loop of the largest requests (about a second each) gets at most
    half of one core. A refusal is a 429, which the script answers by asking at the next pause."""
    key = f"careleaf:grading:{user.pk}"
    if not cache.add(key, 1, timeout=GRADING_LOCK_SECONDS):
        raise Refused(429, "Still grading your last change: the grade follows in a moment.")
    started = monotonic()
    try:
        yield
    finally:
        took = monotonic() - started
        if took < SHORT_GRADING_SECONDS:
            cache.delete(key)
        else:
            cache.set(key, 1, timeout=math.ceil(took))


def grade(*, summary: str, sections: list[dict], language: str = "en") -> dict:
    """The feedback for a summary (plain text) and sections ({"key", "body" HTML}), in the
    article's language: English grades, or Spanish scores (articles/readability_es.py)."""
    drafts = [_section_statistics(number, section) for number, section in enumerate(sections, 1)]
    if language == "es":
        graded = [draft.spanish_statistics for draft in drafts]
        article = sum(graded, readability_es.SpanishStatistics())
        feedback, summary_counts = _spanish_feedback, readability_es.measure_es(summary)
        target = settings.READABILITY_TARGET_SZIGRISZT_PAZOS
    else:
        graded = [draft.statistics for draft in drafts]
        # As the saved article's grade: the formulas applied to its sections' summed counts.
        article = sum(graded, TextStatistics())
        feedback, summary_counts = _feedback, readability.measure(summary)
        target = settings.READABILITY_TARGET_GRADE
    return {
        "target": target,
        "words_per_minute": WORDS_PER_MINUTE,
        "article": feedback(article),
        "summary": feedback(summary_counts),
        "sections": [
            {"key": section["key"], **feedback(stats)}
            for section, stats in zip(sections, graded, strict=True)
        ],
    }


def _spanish_feedback(statistics: readability_es.SpanishStatistics) -> dict:
    score = statistics.szigriszt_pazos
    return {
        "words": statistics.words,
        "reading_minutes": math.ceil(statistics.words / WORDS_PER_MINUTE),
        "grade": None,
        "fernandez_huerta": statistics.fernandez_huerta,
        "szigriszt_pazos": score,
        "inflesz_band": statistics.inflesz_band,
        "is_above_target": statistics.is_below_target(settings.READABILITY_TARGET_SZIGRISZT_PAZOS),
    }


def check_accessibility(user, about: dict, sections: list[dict]) -> list[dict]:
    """What articles/accessibility.py says of the unsaved text (with PEMAT suggestions), as
    publishing would: pictures are looked up only in the article's clinic's library, and only if
    the user works for that clinic (one query)."""
    clinic_id = about["clinic"]
    allowed = clinic_ids(user)
    if clinic_id is not None and allowed is not None and clinic_id not in allowed:
        clinic_id = None
    article = Article(language=about["language"], lead_image_id=about["lead_image"], clinic_id=clinic_id)
    drafts = []
    for section in sections:
        draft = Section(heading=section.get("heading", "…"), anchor=section["key"], body=section["body"])
        draft.body = sanitize_rich_text(draft.body)
        drafts.append(draft)
    wanted = {article.lead_image_id} - {None}
    wanted |= {ref.image_id for draft in drafts for ref in figures.references(draft.body)}
    images = Image.objects.in_bulk(wanted) if wanted and clinic_id is not None else {}
    images = {pk: image for pk, image in images.items() if image.clinic_id == clinic_id}
    issues = accessibility.check(article, drafts, images) + accessibility.suggestions(article, drafts)
    return [
        {"code": issue.code, "level": issue.level, "message": issue.message, "section": issue.section}
        for issue in issues
    ]


def _article_fields(request) -> dict:
    """The article's own fields the checks need, from the JSON body (already parsed once)."""
    data = json.loads(request.body)

    def identifier(name):
        value = data.get(name)
        if value in (None, ""):
            return None
        if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value):
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**63:
            return value
        raise Refused(400, f"{name} must be an id.")

    language = data.get("language", "en")
    if not isinstance(language, str) or len(language) > 10:
        raise Refused(400, "language must be a language code.")
    return {"clinic": identifier("clinic"), "lead_image": identifier("lead_image"), "language": language}


def _section_statistics(number: int, section: dict) -> Section:
    draft = Section(body=section["body"])
    try:
        draft.derive()  # what save() computes: sanitised HTML, its plain text, the counts
    except ValidationError:
        raise Refused(400, _too_long(number)) from None
    return draft


def _feedback(statistics: TextStatistics) -> dict:
    grades = [g for g in (statistics.flesch_kincaid_grade, statistics.smog_grade) if g is not None]
    grade = max(grades, default=None)  # the harder one, as ReadabilityFields.reading_grade
    return {
        "words": statistics.words,
        "reading_minutes": math.ceil(statistics.words / WORDS_PER_MINUTE),
        "grade": grade,
        "flesch_kincaid_grade": statistics.flesch_kincaid_grade,
        "smog_grade": statistics.smog_grade,
        "is_above_target": grade is not None and grade > settings.READABILITY_TARGET_GRADE,
    }


def _too_long(number: int) -> str:
    return f"Section {number} is longer than the {SECTION_BODY_MAX_LENGTH:,} characters a section may have."


def _parse(request) -> tuple[str, list[dict]]:
    if request.content_type != "application/json":
        # A form post's body was read as fields (the CSRF check reads them first).
        raise Refused(415, "Send the text as JSON (Content-Type: application/json).")
    try:
        # Over DATA_UPLOAD_MAX_MEMORY_SIZE, the limit of the article form's own save, Django
        # refuses to read the body at all.
        body = request.body
    except RequestDataTooBig:
        raise Refused(413, TOO_MUCH) from None
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError, RecursionError):
        # RecursionError: arrays nested a hundred thousand deep fit in the size limit.
        raise Refused(400, "Send the text as a JSON object.") from None
    if not isinstance(data, dict):
        raise Refused(400, "Send the text as a JSON object.")
    summary = data.get("summary", "")
    sections = data.get("sections", [])
    if not isinstance(summary, str):
        raise Refused(400, "The summary must be text.")
    if len(summary) > SUMMARY_MAX_LENGTH:
        raise Refused(400, f"The summary is longer than {SUMMARY_MAX_LENGTH:,} characters.")
    if not isinstance(sections, list):
        raise Refused(400, "Sections must be a list.")
    if len(sections) > MAX_SECTIONS:
        raise Refused(400, f"At most {MAX_SECTIONS} sections can be graded at once.")
    parsed = []
    for index, section in enumerate(sections):
        if not isinstance(section, dict) or not isinstance(section.get("body", ""), str):
            raise Refused(400, f"Section {index + 1} must have its text as body.")
        key = section.get("key", str(index))
        if not isinstance(key, str) or len(key) > 100:
            raise Refused(400, f"Section {index + 1} has a key that is not a short text.")
        body = section.get("body", "")
        if len(body) > SECTION_BODY_MAX_LENGTH:
            raise Refused(400, _too_long(index + 1))  # before sanitising: its cost
        heading = section.get("heading", "")
        if not isinstance(heading, str) or len(heading) > 200:
            raise Refused(400, f"Section {index + 1} has a heading that is not a short text.")
        parsed.append({"key": key, "body": body, "heading": heading})
    if len(summary) + sum(len(section["body"]) for section in parsed) > MAX_TOTAL_LENGTH:
        raise Refused(413, TOO_MUCH)
    texts = [summary, *(section[name] for section in parsed for name in ("body", "key", "heading"))]
    for text in texts:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            # JSON may carry a lone surrogate ("\ud800"), which no saved text can hold.
            raise Refused(400, "The text holds a character that is not valid Unicode.") from None
    return summary, parsed
