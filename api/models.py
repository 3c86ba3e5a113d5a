import uuid

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ListingVersion(models.Model):
    """One row: a token that changes whenever a public listing may have changed (the article
    list, search, filters, conditions, risks, clinics, the API root): when a publication starts,
    ends or is replaced, when shared vocabulary that listings show changes, and when a scheduled
    version goes live or a take-down time passes. Article details have a version of their own
    (PublicArticle.etag), so publishing one article leaves every other article's detail cached.

    It lives in the database, not the cache, so every app server agrees on it, and it changes in
    the same transaction as the content. Response-cache keys and ETags are built from it
    (api/caching.py).
    """

    token = models.CharField(max_length=32, default="initial")
    changed_at = models.DateTimeField(default=timezone.now)
    # The version before this one changed in the same second (api/versions.py).
    shares_second = models.BooleanField(default=False)
    # The next moment a scheduled version goes live or a live one ends: the token changes then.
    next_boundary_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Moved from the cms app, where it was ContentVersion; the table keeps its name.
        db_table = "cms_contentversion"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="cms_contentversion_single_row")]

    def __str__(self):
        return self.token

    @staticmethod
    def new_token() -> str:
        return uuid.uuid4().hex


def visible_q(now, prefix: str = "") -> Q:
    """The one definition of "patients can read it": gone live and not yet ended."""
    return Q(**{f"{prefix}live_from__lte": now}) & (
        Q(**{f"{prefix}live_until__isnull": True}) | Q(**{f"{prefix}live_until__gt": now})
    )


class PublicArticleQuerySet(models.QuerySet):
    def visible(self, now=None):
        """What patients can read at ``now`` (default: now). At most one row per slug."""
        return self.filter(visible_q(now or timezone.now()))


class PublicArticle(models.Model):
    """The public side's row for one publication that is live or scheduled: the columns that
    filters, search and ordering read, and the version of its JSON (kept in PublicDocument).
    Derived from articles.Publication (api/publications.py) and rebuilt from it at will
    (manage.py refresh_content); the API reads nothing else about articles.

    A detail is one indexed read of this table by slug (joined to its document); scheduled
    versions wait here, invisible, until their time, with no job to move them.
    """

    publication = models.OneToOneField(
        "articles.Publication", on_delete=models.CASCADE, primary_key=True, related_name="public"
    )
    slug = models.SlugField(max_length=200, db_index=False)
    title = models.CharField(max_length=200)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="public_articles")
    reviewer = models.ForeignKey(
        "articles.Reviewer", null=True, on_delete=models.PROTECT, related_name="public_articles"
    )
    conditions = models.ManyToManyField(
        "articles.Condition", through="PublicArticleCondition", related_name="public_articles"
    )
    risks = models.ManyToManyField(
        "articles.Risk", through="PublicArticleRisk", related_name="public_articles"
    )
    images = models.ManyToManyField(
        "media_library.Image", through="PublicArticleImage", related_name="public_articles"
    )
    # The approved version's language: ?language= (default: the clinic's own language).
    language = models.CharField(max_length=10, default="en")
    # What the JSON says, and what ordering and date filters use.
    published_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    # The visibility window: live_until is the earlier of the take-down time and the moment a
    # newer version replaces this one (null: open-ended).
    live_from = models.DateTimeField()
    live_until = models.DateTimeField(null=True)
    # Changes whenever its JSON (PublicDocument) does: the detail's ETag and response-cache key.
    etag = models.CharField(max_length=32, default=ListingVersion.new_token)
    # When its JSON last changed, in whole seconds: the detail's Last-Modified; shares_second:
    # the version before it changed in the same second (api/versions.py).
    modified_at = models.DateTimeField()
    shares_second = models.BooleanField(default=False)
    # In the search index (SQLite: the api_search table; PostgreSQL: search_vector) exactly while
    # visible, so that drafts and scheduled versions never weigh on ranking (api/search.py).
    is_indexed = models.BooleanField(default=False)
    # What its detail shows, as cache tags (api/cache_tags.py): set when the row is made, since
    # a publication's article, clinic and terms never change.
    cache_tags = models.TextField(default="", blank=True)
    search_vector = SearchVectorField(null=True)

    objects = PublicArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        indexes = [
            # A detail: the row at this address that is visible now, and its version (covering,
            # for the response cache's hit path, which reads nothing else).
            models.Index(
                fields=["slug", "live_from", "live_until", "etag"], name="api_publicarticle_slug_idx"
            ),
            # The next scheduled moment (api/versions.py).
            models.Index(fields=["live_from", "live_until"], name="api_publicarticle_window_idx"),
            # Covering indexes, so that listing (newest first) and joining the search index read
            # no table row: without them a 20,000-article list took 4x longer on SQLite (where
            # publication_id, a bigint key, is not the rowid).
            models.Index(
                fields=["published_at", "publication", "live_from", "live_until"],
                name="api_publicarticle_list_idx",
            ),
            models.Index(
                fields=["publication", "live_from", "live_until", "published_at"],
                name="api_publicarticle_join_idx",
            ),
        ]

    def __str__(self):
        return self.slug


class PublicDocument(models.Model):
    """A public row's API JSON, rendered when its version was approved and again when shared
    vocabulary it shows changes. A table of its own, so that the scans behind lists, filters and
    search read narrow rows (PostgreSQL: 102 MB of table for 20,000 articles with the JSON inline,
    and ranking a common word read every page of it)."""

    public_article = models.OneToOneField(
        PublicArticle, on_delete=models.CASCADE, primary_key=True, related_name="document"
    )
    # Null (not rendered, which "" would not say) after a change to shared vocabulary, until
    # rendered again; readers render on the fly meanwhile.
    detail_json = models.TextField(null=True)  # noqa: DJ001
    summary_json = models.TextField(null=True)  # noqa: DJ001

    def __str__(self):
        return f"document {self.public_article_id}"


class PublicArticleCondition(models.Model):
    """A condition a publication names: for ?condition= and the conditions' counts. PROTECT: a
    condition patients can read about cannot be deleted from under them."""

    public_article = models.ForeignKey(PublicArticle, on_delete=models.CASCADE, related_name="+")
    condition = models.ForeignKey("articles.Condition", on_delete=models.PROTECT, related_name="public_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["public_article", "condition"], name="api_publicarticlecondition_unique"
            )
        ]

    def __str__(self):
        return f"condition {self.condition_id} of {self.public_article_id}"


class PublicArticleRisk(models.Model):
    public_article = models.ForeignKey(PublicArticle, on_delete=models.CASCADE, related_name="+")
    risk = models.ForeignKey("articles.Risk", on_delete=models.PROTECT, related_name="public_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["public_article", "risk"], name="api_publicarticlerisk_unique")
        ]

    def __str__(self):
        return f"risk {self.risk_id} of {self.public_article_id}"


class PublicArticleImage(models.Model):
    """A library picture a live or scheduled publication shows. PROTECT: a picture patients can see
    cannot be deleted from under them; the row goes when the publication ends. Also how the
    pictures' new renditions reach the JSON that shows them (api/receivers.py)."""

    public_article = models.ForeignKey(PublicArticle, on_delete=models.CASCADE, related_name="+")
    image = models.ForeignKey("media_library.Image", on_delete=models.PROTECT, related_name="public_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["public_article", "image"], name="api_publicarticleimage_unique")
        ]

    def __str__(self):
        return f"image {self.image_id} of {self.public_article_id}"
