"""Versions of an article with its children, from django-reversion: what changed, and going back.

django-reversion stores each save as one Revision holding the article *and* all its children
(articles/snapshots.py names them), so a version is a consistent snapshot of the whole article.
"""

import reversion
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, ArticleCondition, ArticleRisk, Condition, Reference, Risk, Section
from articles.receivers import grades_once
from articles.snapshots import CHILDREN, CONTENT_FIELDS, Snapshot, attach_topics, from_version
from articles.text_diff import side_by_side
from clinics.models import Clinic


def register_models():
    for model in CHILDREN:
        reversion.register(model)
    reversion.register(Article, follow=list(CHILDREN.values()))


def versions_of(article: Article):
    """The article's versions, newest first, with their revision (user, date, comment)."""
    return Version.objects.get_for_object(article).select_related("revision__user")


def as_text(snap: Snapshot) -> list[str]:
    """The version as lines of plain text, the form a person reads a diff in. Content only: the
    workflow state is in the workflow history, not in what a reviewer approves."""
    attach_topics([snap])
    article = snap.article
    lines = [
        f"Title: {article.title}",
        f"Address (slug): {article.slug}",
        f"Summary: {article.summary}",
        f"Treatment: {article.get_treatment_type_display()} {article.treatment_name}".rstrip(),
        "",
        "Conditions treated: " + "; ".join(link.condition.name for link in snap.conditions),
        "Risks: " + "; ".join(link.risk.name for link in snap.risks),
        "",
    ]
    for section in snap.sections:
        # A line per sentence: a diff shows, and pairs, the sentences that changed.
        sentences = [sentence for line in section.body_text.split("\n") for sentence in line.split(". ")]
        lines += [f"## {section.heading}", *sentences, ""]
    lines += ["Who is a good candidate:", *(f"- {criterion.text}" for criterion in snap.criteria)]
    lines += ["Who should not have it:", *(f"- {item.text}" for item in snap.contraindications)]
    lines += ["References:", *(f"- {reference.title} ({reference.link})" for reference in snap.references)]
    return lines


def diff_table(older: Version, newer: Version) -> str:
    """An HTML side-by-side table of what changed between two versions (changed lines only)."""
    return diff_snapshots(from_version(older), from_version(newer), describe(older), describe(newer))


def diff_snapshots(older: Snapshot, newer: Snapshot, older_label: str, newer_label: str) -> str:
    """The changed lines side by side, in work bounded by the texts' length (articles/text_diff.py):
    a very different pair of versions gets a simplified comparison, saying so."""
    return side_by_side(as_text(older), as_text(newer), older_label, newer_label).html


def describe(version: Version) -> str:
    revision = version.revision
    when = timezone.localtime(revision.date_created).strftime("%Y-%m-%d %H:%M")
    return f"{when} by {revision.user or 'system'}"


def revert(article: Article, version: Version, *, by) -> None:
    """Make the article's content and children exactly as ``version`` stored them.

    The revert is itself saved as a new version: nothing is lost, and it can be reverted too.
    """
    restore(
        article,
        from_version(version),
        fields=CONTENT_FIELDS,  # workflow state and reviews are not content: a revert never publishes
        by=by,
        comment=f"Reverted to the version of {describe(version)}",
    )


def _as_saving_would(obj) -> None:
    """Today's rules on an old row, as its save() applies them: the sanitiser on section bodies,
    the link checks on references (a ValidationError names what no longer passes)."""
    if isinstance(obj, Section):
        try:
            obj.derive()
        except ValidationError as error:
            raise ValidationError(f"The section “{obj.heading}”: {' '.join(error.messages)}") from None
    elif isinstance(obj, Reference):
        obj.clean()


@transaction.atomic
def restore(
    article: Article, snap: Snapshot, *, fields: list[str], by, comment: str, changes: dict | None = None
) -> Article:
    """Make the article's ``fields`` and all its children exactly as in ``snap``, as a new version
    (with ``changes`` applied to the article too).

    Returns the article as saved. Raises ValidationError if the snapshot's clinic is gone or its
    address is taken by another article now.
    """
    if not Clinic.objects.filter(pk=snap.article.clinic_id).exists():
        raise ValidationError("Cannot go back to that version: its clinic has been deleted since.")
    article = Article.objects.select_for_update().get(pk=article.pk)
    moving_to = snap.article.clinic_id
    moves = "clinic_id" in fields and moving_to != article.clinic_id and by is not None
    # Going back would move the article to the clinic it had then: only for someone who may edit
    # that clinic's articles (clinics/roles.py), or a writer could hand it to another clinic.
    if moves and not by.has_perm("articles.change_article", Article(clinic_id=moving_to)):
        raise ValidationError(
            "That version belongs to another clinic, where you have no role: "
            "ask someone who works for both clinics."
        )
    for name in fields:
        setattr(article, name, getattr(snap.article, name))
    for name, value in (changes or {}).items():
        setattr(article, name, value)
    existing_conditions = set(
        Condition.objects.filter(pk__in=[c.condition_id for c in snap.conditions]).values_list(
            "pk", flat=True
        )
    )
    existing_risks = set(
        Risk.objects.filter(pk__in=[r.risk_id for r in snap.risks]).values_list("pk", flat=True)
    )
    restored = {
        **snap.children,
        ArticleCondition: [link for link in snap.conditions if link.condition_id in existing_conditions],
        ArticleRisk: [link for link in snap.risks if link.risk_id in existing_risks],
    }
    try:
        with reversion.create_revision(), transaction.atomic(), grades_once():
            # Every child row goes and comes back as stored, in a fixed number of queries: saved
            # in place one by one, two rows that swapped topics would collide on the way.
            for model, objects in restored.items():
                for obj in objects:
                    _as_saving_would(obj)
                model.objects.filter(article=article).delete()
                model.objects.bulk_create(objects)
            article.save()
            reversion.add_to_revision(article)
            reversion.set_user(by)
            reversion.set_comment(comment)
    except IntegrityError:
        raise ValidationError(
            f"Cannot go back to that version: another article now uses the address {snap.article.slug!r}."
        ) from None
    return article
