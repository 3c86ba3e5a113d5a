"""Cache tags (surrogate keys): what each public response shows, so that a change purges exactly the
responses that show it from shared caches (Varnish, Fastly, Cloudflare: api/cdn.py).

Every public 200 carries ``Surrogate-Key`` (space-separated: Varnish xkey, Fastly) and ``Cache-Tag``
(comma-separated: Cloudflare). Two kinds of tag:

- what a response shows of one thing: ``article-<id>`` (an article's detail), ``clinic-<id>``,
  ``condition-<id>``, ``risk-<id>`` (the clinic's or term's own fields, wherever they appear);
- the lists that show articles: ``articles`` (every article list, search and filter, and the
  root), ``clinics``, ``conditions``, ``risks`` (lists with counts), and ``clinic-<id>-articles``,
  ``condition-<id>-articles``, ``risk-<id>-articles`` (a detail's list of articles).

So a new version of article A purges A's detail and the lists it appears in, and never the detail
of article B of the same clinic and terms. Ids, not slugs: a slug can change, an id cannot.
"""

from collections.abc import Iterable

ALL = "api"
ARTICLES = "articles"
LISTS = ("articles", "clinics", "conditions", "risks")


def article(article_id: int) -> str:
    return f"article-{article_id}"


def clinic(clinic_id: int) -> str:
    return f"clinic-{clinic_id}"


def topic(kind: str, topic_id: int) -> str:
    """``kind``: "condition" or "risk"."""
    return f"{kind}-{topic_id}"


def articles_of(kind: str, owner_id: int) -> str:
    """The list of articles inside a clinic's, condition's or risk's detail."""
    return f"{kind}-{owner_id}-articles"


def for_detail(article_id: int, clinic_id: int, condition_ids: Iterable[int], risk_ids: Iterable[int]) -> str:
    """An article detail's tags (stored with its public row: api.PublicArticle.cache_tags)."""
    tags = [ALL, article(article_id), clinic(clinic_id)]
    tags += [topic("condition", pk) for pk in sorted(set(condition_ids))]
    tags += [topic("risk", pk) for pk in sorted(set(risk_ids))]
    return " ".join(tags)


def for_path(path: str) -> str:
    """Tags of a public response decided by its path alone (lists, the root)."""
    section = path.removeprefix("/api/v1/").split("/", 1)[0]
    if section in ("clinics", "conditions", "risks"):
        return f"{ALL} {section}"
    return f"{ALL} {ARTICLES}"


def for_topic_detail(kind: str, topic_id: int) -> str:
    return f"{ALL} {topic(kind, topic_id)} {articles_of(kind, topic_id)}"


def for_clinic_detail(clinic_id: int) -> str:
    return f"{ALL} {clinic(clinic_id)} {articles_of('clinic', clinic_id)}"


def publication_changed(article_id: int, clinic_id: int, condition_ids, risk_ids) -> list[str]:
    """What a change to what patients can read of one article purges: its detail and every list
    it appears (or appeared) in; ``condition_ids``/``risk_ids``: the terms before and after."""
    tags = [article(article_id), *LISTS, articles_of("clinic", clinic_id)]
    tags += [articles_of("condition", pk) for pk in sorted(set(condition_ids))]
    tags += [articles_of("risk", pk) for pk in sorted(set(risk_ids))]
    return tags


def header_values(tags: str) -> tuple[str, str]:
    """(Surrogate-Key, Cache-Tag) header values for space-separated ``tags``."""
    return tags, tags.replace(" ", ",")
