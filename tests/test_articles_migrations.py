"""The publications migration (articles 0007) on rows made by the schema before it.

CI also runs it against a whole database made by the previous code version, comparing every
public URL's JSON before and after (.ci/check_publication_migration.sh).
"""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.utils import timezone

from api.publications import build_missing
from articles.models import ArticleTransition, Publication

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

BEFORE = [("articles", "0006_section_body_limit")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def test_publications_are_made_from_live_articles_with_their_times_and_history_in_states():
    old = migrate(BEFORE)
    now = timezone.now()
    Clinic = old.get_model("clinics", "Clinic")
    Article = old.get_model("articles", "Article")
    Section = old.get_model("articles", "Section")
    Transition = old.get_model("articles", "ArticleTransition")
    clinic = Clinic.objects.create(name="Wabash", slug="wabash")
    windows = {
        "live": (now - datetime.timedelta(days=2), None),
        "expiring": (now - datetime.timedelta(days=2), now + datetime.timedelta(days=30)),
        "scheduled": (now + datetime.timedelta(days=7), now + datetime.timedelta(days=60)),
    }
    for slug, (published_at, expires_at) in windows.items():
        article = Article.objects.create(
            slug=slug,
            title=slug.title(),
            summary="Summary.",
            clinic=clinic,
            status="published",
            published_at=published_at,
            expires_at=expires_at,
        )
        Section.objects.create(article=article, position=1, heading="What is it?", body="<p>Text.</p>")
        Transition.objects.create(
            article=article, actor_name="rahul", from_status="in_review", to_status="published"
        )
    Article.objects.create(slug="draft", title="Draft", summary="Not yet.", clinic=clinic, status="draft")

    migrate(latest())
    build_missing()  # what migrate's post_migrate does

    publications = {p.slug: p for p in Publication.objects.all()}
    assert set(publications) == set(windows)
    for slug, (published_at, expires_at) in windows.items():
        publication = publications[slug]
        assert (publication.live_from, publication.expires_at, publication.published_at) == (
            published_at,
            expires_at,
            published_at,
        )
        assert publication.approved_by_name == "rahul"
        assert publication.ended_at is None
    steps = set(ArticleTransition.objects.values_list("action", "from_state", "to_state"))
    assert steps == {("publish", "in_review", "live")}
    api = Client()
    assert api.get("/api/v1/articles/live/").status_code == 200
    assert api.get("/api/v1/articles/expiring/").status_code == 200
    assert api.get("/api/v1/articles/scheduled/").status_code == 404
    assert api.get("/api/v1/articles/draft/").status_code == 404


def test_the_publications_migration_is_reversible_with_take_down_times_and_statuses_back():
    old = migrate(BEFORE)
    now = timezone.now()
    clinic = old.get_model("clinics", "Clinic").objects.create(name="Wabash", slug="wabash")
    article = old.get_model("articles", "Article").objects.create(
        slug="expiring",
        title="Expiring",
        summary="Summary.",
        clinic=clinic,
        status="published",
        published_at=now - datetime.timedelta(days=1),
        expires_at=now + datetime.timedelta(days=30),
    )
    old.get_model("articles", "ArticleTransition").objects.create(
        article=article, actor_name="rahul", from_status="draft", to_status="published"
    )
    migrate(latest())

    back = migrate(BEFORE)

    restored = back.get_model("articles", "Article").objects.get(slug="expiring")
    assert (restored.status, restored.expires_at) == ("published", now + datetime.timedelta(days=30))
    step = back.get_model("articles", "ArticleTransition").objects.get()
    assert (step.from_status, step.to_status) == ("draft", "published")
    migrate(latest())
