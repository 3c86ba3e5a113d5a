import uuid

from django.db import models
from django.utils import timezone


class ContentVersion(models.Model):
    """One row: a token that changes whenever anything the public API shows may have changed.

    It lives in the database, not the cache, so every app server and worker agrees on it, and it
    changes in the same transaction as the content: no reader sees new content under an old
    token. Response-cache keys and ETags are built from it (cms/caching.py).
    """

    token = models.CharField(max_length=32, default="initial")
    changed_at = models.DateTimeField(default=timezone.now)
    # The next moment a scheduled article goes live or an article expires: the token changes then.
    next_boundary_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        # Moved from the cms app; the table keeps its name.
        db_table = "cms_contentversion"
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="cms_contentversion_single_row")]

    def __str__(self):
        return self.token

    @staticmethod
    def new_token() -> str:
        return uuid.uuid4().hex
