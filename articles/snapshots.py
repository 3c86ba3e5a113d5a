"""An article with its children as one value: from the working rows, from a saved version
(django-reversion), or from a publication's frozen content.

Every list an article holds is named once, in CHILDREN: versions follow it, publications freeze it,
reverts and "discard changes" restore it, the preview and the public API render it.
"""

from dataclasses import dataclass, field

from django.core import serializers

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

# Each child model of an article, and the article's name for the list of them.
CHILDREN = {
    Section: "sections",
    CandidateCriterion: "candidate_criteria",
    ArticleCondition: "article_conditions",
    ArticleRisk: "article_risks",
    Contraindication: "contraindications",
    Reference: "references",
}


@dataclass
class Snapshot:
    """An article and its children in their stored order, as unsaved objects."""

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

    def all_objects(self) -> list:
        return [self.article, *(obj for objects in self.children.values() for obj in objects)]

    def serve_children(self) -> None:
        """Make ``article.sections.all()`` and the others answer from this snapshot, as a prefetch
        would, instead of from today's rows (the serializers read them that way)."""
        self.article._prefetched_objects_cache = {
            name: self.children[model] for model, name in CHILDREN.items()
        }


def _sorted(article: Article, objects) -> Snapshot:
    children = {model: [] for model in CHILDREN}
    for obj in objects:
        if type(obj) in children and obj.article_id == article.pk:
            children[type(obj)].append(obj)
    for listed in children.values():
        listed.sort(key=lambda obj: (obj.position, obj.pk))
    return Snapshot(article=article, children=children)


def of_working_copy(article: Article) -> Snapshot:
    """The article as it is saved now (six queries, whatever the number of children)."""
    fetched = Article.objects.for_snapshot().get(pk=article.pk)
    objects = [obj for name in CHILDREN.values() for obj in getattr(fetched, name).all()]
    return _sorted(fetched, objects)


def from_version(version) -> Snapshot:
    """The article as a django-reversion version stored it, with the children of the same save."""
    article = version._object_version.object
    others = version.revision.version_set.exclude(pk=version.pk)
    return _sorted(article, [other._object_version.object for other in others])


# The article's own fields that readers see, as staff edit them (a revert restores these)...
CONTENT_FIELDS = [
    "title",
    "slug",
    "summary",
    "clinic_id",
    "treatment_type",
    "treatment_name",
    "review_interval_months",
]
# ...and the clinical review shown with them, set by recording a review (discard restores both).
REVIEW_FIELDS = ["reviewed_by_id", "last_reviewed_on"]
# The rest of the row (status, dates, lock_version, grades) is workflow bookkeeping or derived.


def _values(obj) -> tuple:
    return tuple(
        field.value_from_object(obj)
        for field in obj._meta.concrete_fields
        if not field.primary_key and field.name != "article"
    )


def same_content(first: Snapshot, second: Snapshot) -> bool:
    """Whether two snapshots say the same to a reader: the article's content fields and every
    child, in order. Saving, submitting or approving without an edit changes neither."""
    fields = [*CONTENT_FIELDS, *REVIEW_FIELDS]
    if any(getattr(first.article, name) != getattr(second.article, name) for name in fields):
        return False
    return all(
        [_values(obj) for obj in first.children[model]] == [_values(obj) for obj in second.children[model]]
        for model in CHILDREN
    )


def freeze(snapshot: Snapshot) -> str:
    """The snapshot as text that from_content() reads back: Django's JSON serialisation."""
    return serializers.serialize("json", snapshot.all_objects())


def from_content(content: str) -> Snapshot:
    # Fields that a later migration removed are skipped, so old publications still read.
    objects = [item.object for item in serializers.deserialize("json", content, ignorenonexistent=True)]
    article = next(obj for obj in objects if isinstance(obj, Article))
    return _sorted(article, objects)


def attach_topics(snapshots: list[Snapshot], *, placeholder: bool = True) -> None:
    """Point each stored condition and risk link at today's row: two queries for any number of
    snapshots. A topic deleted since is shown as "(deleted ...)" or, without ``placeholder``,
    left out."""
    conditions = Condition.objects.in_bulk({link.condition_id for s in snapshots for link in s.conditions})
    risks = Risk.objects.in_bulk({link.risk_id for s in snapshots for link in s.risks})
    for snap in snapshots:
        for link_model, topic_model, topics in (
            (ArticleCondition, Condition, conditions),
            (ArticleRisk, Risk, risks),
        ):
            name = topic_model._meta.model_name
            kept = []
            for link in snap.children[link_model]:
                topic = topics.get(getattr(link, f"{name}_id"))
                if topic is None and placeholder:
                    topic = topic_model(name=f"(deleted {name})")
                if topic is not None:
                    setattr(link, name, topic)
                    kept.append(link)
            snap.children[link_model] = kept
