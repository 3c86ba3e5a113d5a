"""The public API's JSON for each article, rendered once after a change instead of per request.

An article's detail and list-item JSON are stored in ArticleDocument with a placeholder where the
site's origin goes, so one stored copy serves every host name. A change deletes the stored copy in
its own transaction (readers then render on the fly, never from a stale copy) and renders it
again right after it commits.
"""

import orjson
from django.db import transaction

from articles.models import Article, ArticleDocument

PLACEHOLDER_ORIGIN = "https://careleaf-origin.invalid"
_PLACEHOLDER = PLACEHOLDER_ORIGIN.encode()


class _PlaceholderRequest:
    """What DRF's hyperlinked fields need from a request, answering with the placeholder origin."""

    versioning_scheme = None
    GET = {}

    def build_absolute_uri(self, location):
        return PLACEHOLDER_ORIGIN + location


_CONTEXT = {"request": _PlaceholderRequest()}


def render_detail(article) -> str:
    """Detail JSON of an article fetched with ``for_detail()`` (or its prefetches)."""
    from api.serializers import ArticleDetailSerializer

    return orjson.dumps(ArticleDetailSerializer(article, context=_CONTEXT).data).decode()


def render_item(article) -> str:
    """List-item JSON of an article fetched with ``for_list()`` or ``for_detail()``."""
    from api.serializers import ArticleSerializer

    return orjson.dumps(ArticleSerializer(article, context=_CONTEXT).data).decode()


def render_documents(articles) -> dict[int, tuple[str, str]]:
    """{pk: (detail JSON, list-item JSON)} for articles fetched with ``for_detail()``."""
    return {article.pk: (render_detail(article), render_item(article)) for article in articles}


def forget(article_ids) -> None:
    """Clear stored JSON (inside the changing transaction) and render it again after commit."""
    ids = list(article_ids)
    if ids:
        # Lock the articles first: a re-render in progress finishes (and stores) before this
        # delete, and one that starts later waits for this change to commit.
        list(Article.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))
        ArticleDocument.objects.filter(article_id__in=ids).delete()
        # robust: a failed re-render is logged, and readers keep rendering on the fly.
        transaction.on_commit(lambda: rerender(ids), robust=True)


def rerender(article_ids) -> None:
    with transaction.atomic():
        # Locked, so a change committing meanwhile waits, then deletes what we store.
        ids = list(
            Article.objects.select_for_update().filter(pk__in=article_ids).values_list("pk", flat=True)
        )
        documents = render_documents(Article.objects.filter(pk__in=ids).for_detail())
        ArticleDocument.objects.bulk_create(
            [
                ArticleDocument(article_id=pk, detail_json=detail, summary_json=item)
                for pk, (detail, item) in documents.items()
            ],
            update_conflicts=True,
            unique_fields=["article"],
            update_fields=["detail_json", "summary_json"],
        )


def rerender_all(batch_size: int = 500) -> int:
    """Render every article's stored JSON again: after a bulk import or update, or a deploy that
    changes what the serializers write. Returns how many."""
    pks = list(Article.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), batch_size):
        rerender(pks[start : start + batch_size])
    return len(pks)


def with_origin(document: str | bytes, origin: str) -> bytes:
    """Stored JSON with the placeholder replaced by this request's scheme and host."""
    data = document.encode() if isinstance(document, str) else document
    return data.replace(_PLACEHOLDER, origin.encode())
