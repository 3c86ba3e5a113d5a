"""The yardstick: the article detail JSON as a competent developer would hand-write it with plain
Django (same prefetches, JsonResponse, no framework). Lives in bench/ only."""

from django.db.models import Prefetch
from django.http import Http404, JsonResponse
from django.utils import timezone

from articles.models import Article, ArticleCondition, ArticleRisk


def reference_detail(request, slug):
    now = timezone.now()
    article = (
        Article.objects.filter(status="published", published_at__lte=now, slug=slug)
        .select_related("clinic", "reviewed_by")
        .prefetch_related(
            "sections",
            "candidate_criteria",
            "clinic__contact_links",
            Prefetch("article_conditions", ArticleCondition.objects.select_related("condition")),
            Prefetch("article_risks", ArticleRisk.objects.select_related("risk")),
        )
        .first()
    )
    if article is None:
        raise Http404
    clinic = article.clinic
    reviewer = article.reviewed_by
    url = request.build_absolute_uri
    return JsonResponse(
        {
            "slug": article.slug,
            "title": article.title,
            "summary": article.summary,
            "published_at": article.published_at,
            "updated_at": article.updated_at,
            "url": url(f"/api/v1/articles/{article.slug}/"),
            "clinic": {
                "slug": clinic.slug,
                "name": clinic.name,
                "url": url(f"/api/v1/clinics/{clinic.slug}/"),
                "description": clinic.description,
                "specialty": clinic.specialty,
                "address": {
                    "street_address": clinic.street_address,
                    "city": clinic.city,
                    "region": clinic.region,
                    "postal_code": clinic.postal_code,
                    "country": clinic.country,
                },
                "phone": clinic.phone,
                "email": clinic.email,
                "website": clinic.website,
                "contact_links": [
                    {"kind": link.kind, "label": link.label, "url": link.url}
                    for link in clinic.contact_links.all()
                ],
            },
            "conditions": [
                {"slug": link.condition.slug, "name": link.condition.name, "summary": link.condition.summary}
                for link in article.article_conditions.all()
            ],
            "risks": [
                {"slug": link.risk.slug, "name": link.risk.name, "summary": link.risk.summary}
                for link in article.article_risks.all()
            ],
            "sections": [
                {"heading": section.heading, "anchor": section.anchor, "body": section.body}
                for section in article.sections.all()
            ],
            "candidate_criteria": [criterion.text for criterion in article.candidate_criteria.all()],
            "reviewed_by": {"name": reviewer.name, "credentials": reviewer.credentials} if reviewer else None,
            "last_reviewed_on": article.last_reviewed_on,
            "next_review_due": article.next_review_due,
        }
    )
