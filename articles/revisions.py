"""Versions of an article with its children, from django-reversion: what changed, and going back.

django-reversion stores each save as one Revision holding the article *and* its sections, criteria
and ordered conditions and risks, so a version is a consistent snapshot of the whole article.
"""

import difflib
from dataclasses import dataclass, field

import reversion
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from reversion.models import Version

from articles.models import (
    Article,
    ArticleCondition,
    ArticleRisk,
    CandidateCriterion,
    Condition,
    Contraindication,
    Reference,
    Risk,
    Section,
)
from clinics.models import Clinic

CHILDREN = {
    Section: "sections",
    CandidateCriterion: "candidate_criteria",
    ArticleCondition: "article_conditions",
    ArticleRisk: "article_risks",
    Contraindication: "contraindications",
    Reference: "references",
}
# What a revert restores on the article itself. Workflow state (status, dates, reviews) is not
# content: it changes only through articles.workflow, so a revert can never publish or unpublish.
CONTENT_FIELDS = [
    "title",
    "slug",
    "summary",
    "clinic_id",
    "treatment_type",
    "treatment_name",
    "review_interval_months",
]


def register_models():
    for model in CHILDREN:
        reversion.register(model)
    reversion.register(Article, follow=list(CHILDREN.values()))


@dataclass
class Snapshot:
    """An article as one version stored it, children in their stored order (unsaved objects)."""

    version: Version
    article: Article
    children: dict[type, list] = field(default_factory=dict)

    @property
    def sections(self) -> list[Section]:
        return self.children[Section]

    @property
    def criteria(self) -> list[CandidateCriterion]:
        return self.children[CandidateCriterion]

    @property
    def conditions(self) -> list[ArticleCondition]:
        return self.children[ArticleCondition]

    @property
    def risks(self) -> list[ArticleRisk]:
        return self.children[ArticleRisk]

    @property
    def contraindications(self) -> list[Contraindication]:
        return self.children[Contraindication]

    @property
    def references(self) -> list[Reference]:
        return self.children[Reference]


def versions_of(article: Article):
    """The article's versions, newest first, with their revision (user, date, comment)."""
    return Version.objects.get_for_object(article).select_related("revision__user")


def snapshot(version: Version) -> Snapshot:
    article = version._object_version.object
    children = {model: [] for model in CHILDREN}
    for child in version.revision.version_set.exclude(pk=version.pk):
        obj = child._object_version.object
        if type(obj) in children and obj.article_id == article.pk:
            children[type(obj)].append(obj)
    for objects in children.values():
        objects.sort(key=lambda obj: (obj.position, obj.pk))
    return Snapshot(version=version, article=article, children=children)


def attach_topics(snap: Snapshot) -> None:
    """Point each stored condition/risk link at today's Condition/Risk row: two queries."""
    conditions = Condition.objects.in_bulk([link.condition_id for link in snap.conditions])
    risks = Risk.objects.in_bulk([link.risk_id for link in snap.risks])
    for link in snap.conditions:
        link.condition = conditions.get(link.condition_id) or Condition(name="(deleted condition)")
    for link in snap.risks:
        link.risk = risks.get(link.risk_id) or Risk(name="(deleted risk)")


def as_text(snap: Snapshot) -> list[str]:
    """The version as lines of plain text, the form a person reads a diff in."""
    attach_topics(snap)
    article = snap.article
    lines = [
        f"Title: {article.title}",
        f"Address (slug): {article.slug}",
        f"Summary: {article.summary}",
        f"Status: {article.get_status_display()}",
        f"Treatment: {article.get_treatment_type_display()} {article.treatment_name}".rstrip(),
        "",
        "Conditions treated: " + "; ".join(link.condition.name for link in snap.conditions),
        "Risks: " + "; ".join(link.risk.name for link in snap.risks),
        "",
    ]
    for section in snap.sections:
        lines += [f"## {section.heading}", *section.body_text.split(". "), ""]
    lines += ["Who is a good candidate:", *(f"- {criterion.text}" for criterion in snap.criteria)]
    lines += ["Who should not have it:", *(f"- {item.text}" for item in snap.contraindications)]
    lines += ["References:", *(f"- {reference.title} ({reference.link})" for reference in snap.references)]
    return lines


def diff_table(older: Version, newer: Version) -> str:
    """An HTML side-by-side table of what changed between two versions (changed lines only)."""
    return difflib.HtmlDiff(wrapcolumn=70).make_table(
        as_text(snapshot(older)),
        as_text(snapshot(newer)),
        fromdesc=_describe(older),
        todesc=_describe(newer),
        context=True,
        numlines=2,
    )


def _describe(version: Version) -> str:
    revision = version.revision
    when = timezone.localtime(revision.date_created).strftime("%Y-%m-%d %H:%M")
    return f"{when} by {revision.user or 'system'}"


@transaction.atomic
def revert(article: Article, version: Version, *, by) -> None:
    """Make the article's content and children exactly as ``version`` stored them.

    The revert is itself saved as a new version: nothing is lost, and it can be reverted too.
    """
    snap = snapshot(version)
    if not Clinic.objects.filter(pk=snap.article.clinic_id).exists():
        raise ValidationError("Cannot revert: the clinic of that version has been deleted since.")
    article = Article.objects.select_for_update().get(pk=article.pk)
    for name in CONTENT_FIELDS:
        setattr(article, name, getattr(snap.article, name))
    existing_conditions = set(
        Condition.objects.filter(pk__in=[c.condition_id for c in snap.conditions]).values_list(
            "pk", flat=True
        )
    )
    existing_risks = set(
        Risk.objects.filter(pk__in=[r.risk_id for r in snap.risks]).values_list("pk", flat=True)
    )
    restored = {
        Section: snap.sections,
        CandidateCriterion: snap.criteria,
        ArticleCondition: [link for link in snap.conditions if link.condition_id in existing_conditions],
        ArticleRisk: [link for link in snap.risks if link.risk_id in existing_risks],
        Contraindication: snap.contraindications,
        Reference: snap.references,
    }
    try:
        with reversion.create_revision(), transaction.atomic():
            for model, objects in restored.items():
                model.objects.filter(article=article).exclude(pk__in=[obj.pk for obj in objects]).delete()
            for objects in restored.values():
                for obj in objects:
                    obj.save()
            article.save()
            reversion.set_user(by)
            reversion.set_comment(f"Reverted to the version of {_describe(version)}")
    except IntegrityError:
        raise ValidationError(
            f"Cannot revert: another article now uses the address {snap.article.slug!r}."
        ) from None
