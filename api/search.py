"""Full-text search over articles: PostgreSQL tsvector + GIN, or an SQLite FTS5 table.

Both index the title (most weight), the summary, and the sections' headings and text, with English
stemming ("pumps" finds "pump"). The index is kept current in the same transaction as the change
(articles/receivers.py), so search never disagrees with the rest of the API.
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connections
from django.db.models import F, Q

WORD = re.compile(r"\w+", re.UNICODE)

POSTGRES_DOCUMENT = """
    setweight(to_tsvector('english', coalesce(a.title, '')), 'A')
    || setweight(to_tsvector('english', coalesce(a.summary, '')), 'B')
    || setweight(to_tsvector('english', coalesce((
        SELECT string_agg(s.heading || ' ' || s.body_text, ' ')
        FROM articles_section s WHERE s.article_id = a.id), '')), 'C')
"""
SQLITE_DOCUMENT = """
    SELECT a.id, a.title, a.summary, coalesce((
        SELECT group_concat(s.heading || ' ' || s.body_text, ' ')
        FROM articles_section s WHERE s.article_id = a.id), '')
    FROM articles_article a
"""


def reindex_articles(article_ids, *, using="default") -> None:
    """Bring the index entries of these articles up to date (deleted ones drop out)."""
    ids = [int(pk) for pk in article_ids]
    if not ids:
        return
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE articles_article a SET search_vector = {POSTGRES_DOCUMENT} WHERE a.id = ANY(%s)",
                [ids],
            )
        elif connection.vendor == "sqlite":
            marks = ",".join("%s" for _ in ids)
            cursor.execute(f"DELETE FROM articles_search WHERE rowid IN ({marks})", ids)
            cursor.execute(
                f"INSERT INTO articles_search (rowid, title, summary, body) {SQLITE_DOCUMENT} "
                f"WHERE a.id IN ({marks})",
                ids,
            )


def rebuild_search_index(*, using="default") -> None:
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"UPDATE articles_article a SET search_vector = {POSTGRES_DOCUMENT}")
        elif connection.vendor == "sqlite":
            cursor.execute("DELETE FROM articles_search")
            cursor.execute(f"INSERT INTO articles_search (rowid, title, summary, body) {SQLITE_DOCUMENT}")


def search(articles, text: str):
    """``articles`` matching every word of ``text``, annotated with ``search_rank``, best first."""
    words = WORD.findall(text)
    if not words:
        return articles.none()
    vendor = connections[articles.db].vendor
    if vendor == "postgresql":
        query = SearchQuery(" ".join(words), config="english", search_type="plain")
        matching = articles.filter(search_vector=query).annotate(
            search_rank=SearchRank(F("search_vector"), query)
        )
    elif vendor == "sqlite":
        # Each word quoted: FTS5 operators typed by a user stay plain words. A join (not a
        # per-row subquery) so FTS5 computes each match's rank once.
        expression = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        matching = articles.extra(
            select={"search_rank": "-articles_search.rank"},
            tables=["articles_search"],
            where=["articles_search.rowid = articles_article.id", "articles_search MATCH %s"],
            params=[expression],
        )
    else:
        matching = articles
        for word in words:
            matching = matching.filter(Q(title__icontains=word) | Q(summary__icontains=word))
        return matching
    return matching.order_by("-search_rank", "-published_at", "-pk")
