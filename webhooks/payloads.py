"""The JSON body of each event: what changed, where the public API serves it and where the clinic's
site shows it. Never content patients cannot read (a scheduled version: its address, title and time
only)."""

from django.conf import settings
from django.utils import timezone

from api.events import PublicChange, Type
from api.models import PublicArticle, visible_q
from articles.models import Condition, Risk
from clinics.models import Clinic

TOPIC_MODELS = {"condition": Condition, "risk": Risk}


def api_url(path: str) -> str:
    return settings.API_PUBLIC_URL.rstrip("/") + path


def payloads(changes: list[PublicChange], now=None) -> list[dict]:
    """One payload per change, in a fixed number of queries per kind of change."""
    now = now or timezone.now()
    clinics = Clinic.objects.in_bulk({change.clinic_id for change in changes})
    topics = {
        kind: model.objects.in_bulk({c.topic_id for c in changes if c.topic_kind == kind})
        for kind, model in TOPIC_MODELS.items()
        if any(c.topic_kind == kind for c in changes)
    }
    return [_payload(change, clinics.get(change.clinic_id), topics, now) for change in changes]


def _payload(change: PublicChange, clinic: Clinic | None, topics, now) -> dict:
    data = {"clinic": _clinic(clinic, change)}
    api_urls, pages = [], []
    if change.article_id is not None:
        article = {
            "slug": change.slug,
            "title": change.title,
            "url": api_url(f"/api/v1/articles/{change.slug}/"),
            "page_url": clinic.article_url(change.slug) if clinic else "",
        }
        if change.type == Type.SCHEDULED:
            article["live_from"] = change.live_from.isoformat().replace("+00:00", "Z")
        data["article"] = article
        api_urls = [article["url"], api_url("/api/v1/articles/")]
        if clinic:
            api_urls.append(data["clinic"]["url"])
        pages = [article["page_url"]] if article["page_url"] else []
        if change.previous_slug:
            # Its old address serves nothing now: front ends drop or redirect that page.
            article["previous_slug"] = change.previous_slug
            api_urls.append(api_url(f"/api/v1/articles/{change.previous_slug}/"))
            if clinic:
                pages.append(clinic.article_url(change.previous_slug))
    elif change.type == Type.CLINIC_UPDATED:
        api_urls = [data["clinic"]["url"], api_url("/api/v1/clinics/")]
        pages = _pages(PublicArticle.objects.filter(clinic_id=change.clinic_id), clinic, now)
    elif change.type == Type.TOPIC_UPDATED:
        topic = topics[change.topic_kind].get(change.topic_id)
        path = f"/api/v1/{change.topic_kind}s/{topic.slug}/" if topic else ""
        data["topic"] = {
            "kind": change.topic_kind,
            "slug": topic.slug if topic else "",
            "name": topic.name if topic else "",
            "url": api_url(path) if topic else "",
        }
        api_urls = [url for url in (data["topic"]["url"], api_url("/api/v1/articles/")) if url]
        showing = PublicArticle.objects.filter(
            clinic_id=change.clinic_id, **{f"{change.topic_kind}s": change.topic_id}
        )
        pages = _pages(showing, clinic, now)
    data["urls"] = {"api": api_urls, "pages": pages}
    return {"type": change.type, "timestamp": now.isoformat().replace("+00:00", "Z"), "data": data}


def _clinic(clinic: Clinic | None, change: PublicChange) -> dict:
    # A clinic that stopped being listed (or was deleted) is named as it was listed.
    slug = change.clinic_slug or (clinic.slug if clinic else "")
    name = change.clinic_name or (clinic.name if clinic else "")
    if not slug:
        return {"slug": "", "name": "", "url": ""}
    return {"slug": slug, "name": name, "url": api_url(f"/api/v1/clinics/{slug}/")}


def _pages(rows, clinic: Clinic | None, now) -> list[str]:
    """The clinic site's pages of the visible articles among ``rows``."""
    if clinic is None:
        return []
    slugs = rows.filter(visible_q(now)).order_by("slug").values_list("slug", flat=True)
    return [clinic.article_url(slug) for slug in slugs]
