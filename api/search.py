"""Full-text search over what patients can read: PostgreSQL tsvector + GIN, or an SQLite FTS5 table.

Both index the title (most weight), the summary, and the sections' headings and text, with English
stemming ("pumps" finds "pump"). The index holds exactly the publications visible now: drafts,
working copies and scheduled versions are never in it, so they can neither match nor move the
ranking of what is public (SQLite's bm25 weighs words by how many indexed rows hold them). Rows
enter and leave it as publications change (api/publications.py), and when a scheduled moment
passes (on the first request after it, no job needed).
"""

import re

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import F, Q

from api.models import PublicArticle

WORD = re.compile(r"\w+", re.UNICODE)

POSTGRES_VECTOR = """
    setweight(to_tsvector('english', %s), 'A')
    || setweight(to_tsvector('english', %s), 'B')
    || setweight(to_tsvector('english', %s), 'C')
"""


def index(entries) -> None:
    """Put rows in the index: ``entries`` are (pk, title, summary, section text) tuples."""
    entries = list(entries)
    if not entries:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.executemany(
                f"UPDATE api_publicarticle SET search_vector = {POSTGRES_VECTOR} WHERE publication_id = %s",
                [(title, summary, body, pk) for pk, title, summary, body in entries],
            )
        elif connection.vendor == "sqlite":
            pks = [entry[0] for entry in entries]
            marks = ",".join("%s" for _ in pks)
            cursor.execute(f"DELETE FROM api_search WHERE rowid IN ({marks})", pks)
            cursor.executemany(
                "INSERT INTO api_search (rowid, title, summary, body) VALUES (%s, %s, %s, %s)", entries
            )
    PublicArticle.objects.filter(pk__in=[entry[0] for entry in entries]).update(is_indexed=True)


def unindex(pks) -> None:
    """Take rows out of the index (rows already deleted included)."""
    pks = [int(pk) for pk in pks]
    if not pks:
        return
    if connection.vendor == "sqlite":
        marks = ",".join("%s" for _ in pks)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM api_search WHERE rowid IN ({marks})", pks)
    PublicArticle.objects.filter(pk__in=pks).update(is_indexed=False, search_vector=None)


def drop_strays() -> None:
    """Empty SQLite's index table, entries of rows gone included, before it is filled again.
    (PostgreSQL's vectors live in the rows: index() overwrites them, and rewriting every row twice
    would only bloat the table.)"""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM api_search")


def search(rows, text: str):
    """``rows`` matching every word of ``text``, annotated with ``search_rank``, best first."""
    words = WORD.findall(text)
    if not words:
        return rows.none()
    vendor = connection.vendor
    if vendor == "postgresql":
        query = SearchQuery(" ".join(words), config="english", search_type="plain")
        matching = rows.filter(search_vector=query).annotate(
            search_rank=SearchRank(F("search_vector"), query)
        )
    elif vendor == "sqlite":
        # Each word quoted: FTS5 operators typed by a user stay plain words. A join (not a
        # per-row subquery) so FTS5 computes each match's rank once.
        expression = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        matching = rows.extra(
            select={"search_rank": "-api_search.rank"},
            tables=["api_search"],
            where=["api_search.rowid = api_publicarticle.publication_id", "api_search MATCH %s"],
            params=[expression],
        )
    else:
        matching = rows
        for word in words:
            matching = matching.filter(Q(title__icontains=word))
        return matching
    return matching.order_by("-search_rank", "-published_at", "-pk")
