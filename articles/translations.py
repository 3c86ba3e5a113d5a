"""Translations as their own articles (issue 17, point 1).

A translation is an Article with ``translation_of`` set to its source (an original in the
clinic's own language) and its own ``language``: its own working copy, clinical review and
publication, so approving the English text never publishes the Spanish one, and the reverse.
Generic field-by-field translation (django-modeltranslation, django-parler) would let a translated
text go live on the source's review: wrong for medicine.

- ``create_translation`` starts one as a draft: a copy of the source's working copy (sections,
  lists, references, conditions, risks, lead image) for the translator to rewrite, in a version
  of its own. The clinical review is not copied: a clinician reviews the translation itself.
- When a new version of the source is approved with different content, its translations are
  flagged "source changed since translation" (articles.publishing.publish) until a translator
  unticks it on the translation's page.
- The public side lists each live article's live translations (api/rendering.py) and filters the
  list by language (api/filters.py).
"""

import reversion
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from articles import snapshots
from articles.models import Article, content_languages


def languages_for(source: Article) -> list[tuple[str, str]]:
    """The languages a translation of ``source`` may be written in: not its own, not taken."""
    taken = {source.language, *source.translations.values_list("language", flat=True)}
    return [(code, name) for code, name in content_languages() if code not in taken]


def _free_slug(source: Article, language: str) -> str:
    base = slugify(f"{source.slug}-{language}")[:190]
    slug, suffix = base, 2
    while Article.objects.filter(slug=slug).exists():
        slug, suffix = f"{base}-{suffix}", suffix + 1
    return slug


@transaction.atomic
def create_translation(source: Article, language: str, *, by) -> Article:
    """A new draft translating ``source`` into ``language``, with the source's content to rewrite.

    Raises ValidationError if ``source`` is itself a translation, or the language is the source's
    own, not offered, or already translated."""
    source = Article.objects.select_for_update().get(pk=source.pk)
    if source.translation_of_id:
        raise ValidationError("This article is a translation: translate its source article instead.")
    if language not in dict(languages_for(source)):
        raise ValidationError("Choose a language the article is not written or translated in yet.")
    snap = snapshots.of_working_copy(source)
    with reversion.create_revision():
        translation = Article(
            title=source.title,
            slug=_free_slug(source, language),
            summary=source.summary,
            clinic_id=source.clinic_id,
            treatment_type=source.treatment_type,
            treatment_name=source.treatment_name,
            review_interval_months=source.review_interval_months,
            lead_image_id=source.lead_image_id,
            language=language,
            translation_of=source,
            status=Article.Status.DRAFT,
        )
        translation.full_clean(exclude=["slug"])
        translation.save()
        for model in snapshots.CHILDREN:
            rows = []
            for row in snap.children[model]:
                row.pk = None
                row.id = None
                row.article_id = translation.pk
                rows.append(row)
            for row in rows:
                row.save()  # one by one: sections derive their text, anchors and grades on save
        translation.save()  # its grades, from the sections now saved
        reversion.set_user(by)
        reversion.set_comment(
            f"Started as a translation of “{source.title}” ({source.language} → {language})"
        )
    return translation
