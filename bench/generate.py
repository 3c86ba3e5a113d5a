"""Realistic bench content, fast: bulk inserts, with what save() would derive filled in here, and
each published article approved as it stands (a publication, as a reviewer's approval makes)."""

import datetime
import random

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from articles import snapshots
from articles.models import (
    Article,
    ArticleCondition,
    ArticleRisk,
    CandidateCriterion,
    Condition,
    Publication,
    Reviewer,
    Risk,
    Section,
)
from articles.rich_text import plain_text
from clinics.models import Clinic, ContactLink

VOCABULARY = (
    "pain relief nerve spine back neck leg arm joint muscle injection pump catheter "
    "stimulation device doctor nurse clinic visit treatment therapy medicine dose daily sleep "
    "walk work family healing recovery trial implant surgery option risk infection bleeding "
    "swelling numbness tingling headache fever redness appointment follow program schedule "
    "exercise physical gentle steady careful safe common rare mild severe chronic acute relief "
    "improve reduce manage control signal brain cord fluid space layer tissue skin area side "
    "effect change plan goal question answer team care support comfort ease move bend lift "
    "stand sit rest ice heat stretch "
)
WORDS = VOCABULARY.split()
# Specific terms ("intrathecal", "radiofrequency"...): each article names a few, as real articles
# do, so a search for one matches a handful of articles, not all of them.
SYLLABLES = ["ab", "lo", "ri", "ne", "tha", "cor", "pel", "vin", "sto", "mu", "dra", "kel", "fi", "zor"]
TERMS = [a + b + c for a in SYLLABLES for b in SYLLABLES for c in SYLLABLES][:3000]
CLINICS, CONDITIONS, RISKS, REVIEWERS = 20, 200, 120, 5
BATCH = 2000


def _sentence(rng):
    words = rng.choices(WORDS, k=rng.randint(8, 15))
    return " ".join(words).capitalize() + "."


def _paragraph(rng):
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 5)))


def generate(count: int, *, seed: int = 7) -> None:
    """Create ``count`` published articles (and a few drafts) with their children."""
    rng = random.Random(seed)
    now = timezone.now()
    with transaction.atomic():
        clinics = Clinic.objects.bulk_create(
            Clinic(name=f"Bench Clinic {n}", slug=f"bench-clinic-{n}", city="Lafayette", region="IN")
            for n in range(CLINICS)
        )
        ContactLink.objects.bulk_create(
            ContactLink(clinic=clinic, kind=kind, url=url, position=position)
            for clinic in clinics
            for position, (kind, url) in enumerate(
                [("website", "https://clinic.example/"), ("phone", "tel:+17655550100")], start=1
            )
        )
        conditions = Condition.objects.bulk_create(
            Condition(name=f"Condition {n}", slug=f"condition-{n}", summary=_sentence(rng))
            for n in range(CONDITIONS)
        )
        risks = Risk.objects.bulk_create(
            Risk(name=f"Risk {n}", slug=f"risk-{n}", summary=_sentence(rng)) for n in range(RISKS)
        )
        reviewers = Reviewer.objects.bulk_create(
            Reviewer(name=f"Reviewer {n}", credentials="MD") for n in range(REVIEWERS)
        )
        for start in range(0, count, BATCH):
            _generate_batch(
                rng, range(start, min(count, start + BATCH)), now, clinics, conditions, risks, reviewers
            )


def _generate_batch(rng, numbers, now, clinics, conditions, risks, reviewers):
    articles = []
    for n in numbers:
        title = " ".join([*rng.choices(WORDS, k=rng.randint(2, 5)), rng.choice(TERMS)]).capitalize()
        reviewed_on = (now - datetime.timedelta(days=rng.randint(1, 300))).date()
        articles.append(
            Article(
                title=title,
                slug=f"{slugify(title)[:150]}-{n}",
                summary=_sentence(rng),
                clinic=rng.choice(clinics),
                status=Article.Status.PUBLISHED if n % 50 else Article.Status.DRAFT,
                published_at=now - datetime.timedelta(minutes=n + 1),
                reviewed_by=rng.choice(reviewers),
                last_reviewed_on=reviewed_on,
                next_review_due=reviewed_on + datetime.timedelta(days=365),
            )
        )
    articles = Article.objects.bulk_create(articles)
    sections, condition_links, risk_links, criteria = [], [], [], []
    for article in articles:
        for position in range(1, rng.randint(6, 8) + 1):
            heading = " ".join(rng.choices(WORDS, k=rng.randint(2, 5))).capitalize() + "?"
            body = "".join(f"<p>{_paragraph(rng)}</p>" for _ in range(rng.randint(1, 3)))
            if position == 1:
                body += f"<p>See also {rng.choice(TERMS)}.</p>"
            sections.append(
                Section(
                    article=article,
                    position=position,
                    heading=heading,
                    anchor=f"{slugify(heading)[:60]}-{position}",
                    body=body,
                    body_text=plain_text(body),
                )
            )
        for position, condition in enumerate(rng.sample(conditions, 4), start=1):
            condition_links.append(ArticleCondition(article=article, condition=condition, position=position))
        for position, risk in enumerate(rng.sample(risks, 6), start=1):
            risk_links.append(ArticleRisk(article=article, risk=risk, position=position))
        for position in range(1, 6):
            criteria.append(CandidateCriterion(article=article, position=position, text=_sentence(rng)))
    Section.objects.bulk_create(sections)
    ArticleCondition.objects.bulk_create(condition_links)
    ArticleRisk.objects.bulk_create(risk_links)
    CandidateCriterion.objects.bulk_create(criteria)


def publish_all(batch: int = 500) -> int:
    """A publication for every published article, live from its published_at, frozen from its
    working copy as articles/publishing.py would (in bulk: no signals; the caller rebuilds the
    public side with api.publications.rebuild_all())."""
    pks = list(
        Article.objects.filter(status=Article.Status.PUBLISHED).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(pks), batch):
        articles = Article.objects.filter(pk__in=pks[start : start + batch]).for_snapshot()
        publications = []
        for article in articles:
            children = [obj for name in snapshots.CHILDREN.values() for obj in getattr(article, name).all()]
            snap = snapshots.Snapshot(article=article, children={})
            snap.children = {model: [] for model in snapshots.CHILDREN}
            for child in children:
                snap.children[type(child)].append(child)
            publications.append(
                Publication(
                    article=article,
                    content=snapshots.freeze(snap),
                    slug=article.slug,
                    title=article.title,
                    clinic_id=article.clinic_id,
                    approved_by_name="bench",
                    approved_at=article.published_at,
                    published_at=article.published_at,
                    updated_at=article.published_at,
                    live_from=article.published_at,
                )
            )
        Publication.objects.bulk_create(publications)
    return len(pks)
