"""An article with its children as one value: from the working rows, from a saved version
(django-reversion), or from a publication's frozen content.

Every list an article holds is named once, in CHILDREN: versions follow it, publications freeze it,
reverts and "discard changes" restore it, the preview and the public API render it.
"""

import copy
from dataclasses import dataclass, field

from django.conf import settings
from django.core import serializers

from articles import figures
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
from media_library.models import Image

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
    # The library pictures it shows, by id, as approved (a publication's own copy of their alt
    # text, caption, credit and focal point); None: today's rows (a working copy, a saved version).
    images: dict[int, Image] | None = None

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

    def image_ids(self) -> list[int]:
        """The library pictures it shows: the lead image, then each section's figures, in order."""
        ids = [self.article.lead_image_id] if self.article.lead_image_id else []
        ids += [ref.image_id for section in self.sections for ref in figures.references(section.body)]
        return list(dict.fromkeys(ids))

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
    "lead_image_id",
    "language",
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


def library_images(snaps: list[Snapshot]) -> dict[int, Image]:
    """Today's library rows of the pictures these snapshots show, each only for an article of its
    own clinic (one query for any number). A picture deleted since, or another clinic's, is absent:
    it is not shown, and articles.accessibility reports it."""
    wanted = {image_id for snap in snaps for image_id in snap.image_ids()}
    if not wanted:
        return {}
    return Image.objects.in_bulk(wanted)


def attach_images(snaps: list[Snapshot]) -> None:
    """Give each snapshot without its own copy (working copies, saved versions) today's library
    rows of its pictures, each only if it belongs to the article's clinic."""
    loading = [snap for snap in snaps if snap.images is None]
    rows = library_images(loading)
    for snap in loading:
        snap.images = {
            image_id: rows[image_id]
            for image_id in snap.image_ids()
            if image_id in rows and rows[image_id].clinic_id == snap.article.clinic_id
        }


def freeze(snapshot: Snapshot) -> str:
    """The snapshot as text that from_content() reads back: Django's JSON serialisation, with the
    library pictures it shows as they are now (a publication keeps them as approved)."""
    attach_images([snapshot])
    return serializers.serialize("json", [*snapshot.all_objects(), *snapshot.images.values()])


def from_content(content: str) -> Snapshot:
    # Fields that a later migration removed are skipped, so old publications still read.
    objects = [item.object for item in serializers.deserialize("json", content, ignorenonexistent=True)]
    article = next(obj for obj in objects if isinstance(obj, Article))
    snap = _sorted(article, objects)
    snap.images = {obj.pk: obj for obj in objects if isinstance(obj, Image)}
    return snap


def in_language(topic, language: str):
    """``topic`` as an article in ``language`` shows it: its reviewed translation's name and
    summary (a copy: the shared row is untouched), else the original."""
    if not language or language == settings.LANGUAGE_CODE.split("-")[0]:
        return topic
    translated = next((t for t in topic.translations.all() if t.language == language and t.is_reviewed), None)
    if translated is None:
        return topic
    shown = copy.copy(topic)
    shown.name, shown.summary = translated.name, translated.summary
    return shown


def attach_topics(snapshots: list[Snapshot], *, placeholder: bool = True) -> None:
    """Point each stored condition and risk link at today's row: two queries for any number of
    snapshots. A topic deleted since is shown as "(deleted ...)" or, without ``placeholder``,
    left out."""
    conditions = Condition.objects.prefetch_related("codes", "translations").in_bulk(
        {link.condition_id for s in snapshots for link in s.conditions}
    )
    risks = Risk.objects.prefetch_related("translations").in_bulk(
        {link.risk_id for s in snapshots for link in s.risks}
    )
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
                elif topic is not None:
                    topic = in_language(topic, snap.article.language)
                if topic is not None:
                    setattr(link, name, topic)
                    kept.append(link)
            snap.children[link_model] = kept
