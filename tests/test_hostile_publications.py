"""Hostile review of "publishing is a snapshot": the public API must serve only approved, currently
live versions, and nothing staff do to a working copy may move a public ETag, Last-Modified or
cached response.

Each test is a probe of one way it could go wrong; the ones whose docstring states a rule were
defects when first written, fixed since. The races that need real row locks are in
system_tests/test_publication_races.py (PostgreSQL).
"""

import datetime
import io

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import api.caching
import api.publications
import api.receivers
from api.models import PublicArticle
from articles import previews, revisions, workflow
from articles.models import Article, ArticleCondition, Publication, Reviewer
from articles.states import State
from tests.admin_forms import form_data
from tests.factories import (
    make_article,
    make_clinic,
    make_condition,
    make_draft,
    make_risk,
    make_scheduled,
    make_section,
    republish,
)
from tests.test_api_caching import wsgi_get

pytestmark = pytest.mark.django_db

DETAIL = "/api/v1/articles/pump/"
LISTINGS = [
    "/api/v1/",
    "/api/v1/articles/",
    "/api/v1/articles/?search=pump",
    "/api/v1/articles/?condition=knee-pain",
    "/api/v1/articles/?clinic=wabash",
    "/api/v1/articles/?ordering=-updated_at",
    "/api/v1/conditions/",
    "/api/v1/conditions/knee-pain/",
    "/api/v1/risks/",
    "/api/v1/risks/infection/",
    "/api/v1/clinics/",
    "/api/v1/clinics/wabash/",
]
PUBLIC_URLS = [DETAIL, *LISTINGS]


# --- Helpers ---------------------------------------------------------------------------------------


def public_snapshot(urls=PUBLIC_URLS) -> dict:
    """Status, ETag, Last-Modified and body of each URL, through the whole WSGI stack."""
    answers = {}
    for url in urls:
        r = wsgi_get(url)
        answers[url] = (r["status"], r["headers"].get("etag"), r["headers"].get("last-modified"), r["body"])
    return answers


def changed_urls(before: dict, after: dict) -> list[str]:
    return [url for url in before if before[url] != after[url]]


def refreshed(article) -> Article:
    return Article.objects.get(pk=article.pk)


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def transition_url(article, action: str) -> str:
    return reverse("admin:articles_article_transition", args=[article.pk, action])


def split_fields(name: str, moment: datetime.datetime) -> dict[str, str]:
    """A moment as the admin's split date/time widget posts it, in the site's time zone."""
    local = timezone.localtime(moment)
    return {f"{name}_0": f"{local:%Y-%m-%d}", f"{name}_1": f"{local:%H:%M:%S}"}


def publications_of(article) -> list[tuple]:
    return list(
        Publication.objects.filter(article=article)
        .order_by("pk")
        .values_list("pk", "slug", "live_from", "expires_at", "ended_at")
    )


def edit_section(article, body: str, *, by) -> Article:
    """A working-copy edit as the admin makes it: the section, the article saved, the workflow told."""
    article = refreshed(article)
    section = article.sections.order_by("position", "pk").first()
    section.body = body
    section.save()
    article.save()
    workflow.working_copy_changed(article, by=by)
    return refreshed(article)


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def count_queries(function) -> int:
    with CaptureQueriesContext(connection) as context:
        function()
    return len(context.captured_queries)


# --- 1. Nothing but live, approved versions on any public surface ----------------------------------


@pytest.fixture
def hidden_world(pump, staff):
    """Around the live pump article: one article in every hidden state, each with its own words,
    condition, risk and clinic, so that any leak is attributable."""
    now = timezone.now()
    hidden = {}

    def secret(name):
        return {
            "clinic": make_clinic(slug=f"{name}-clinic", name=f"{name} clinic"),
            "conditions": [make_condition(slug=f"{name}-condition", name=f"{name} condition")],
            "risks": [make_risk(slug=f"{name}-risk", name=f"{name} risk")],
        }

    draft = make_draft(slug="draftslug", title="Draftword article", **secret("draft"))
    make_section(article=draft, heading="Draftword", body="<p>Draftword text.</p>")
    hidden["draft"] = draft

    in_review = make_draft(slug="reviewslug", title="Reviewword article", **secret("review"))
    make_section(article=in_review, heading="Reviewword", body="<p>Reviewword text.</p>")
    workflow.transition(in_review, "submit", by=staff["wendy"])
    hidden["in_review"] = in_review

    scheduled = make_scheduled(
        slug="scheduledslug",
        title="Scheduledword article",
        ahead=datetime.timedelta(days=3),
        **secret("sched"),
    )
    hidden["scheduled"] = scheduled

    expired = make_article(
        slug="expiredslug",
        title="Expiredword article",
        published_ago=datetime.timedelta(days=3),
        expires_at=now - datetime.timedelta(hours=1),
        **secret("expired"),
    )
    hidden["expired"] = expired

    archived_once_live = make_article(slug="archivedslug", title="Archivedword article", **secret("archived"))
    workflow.transition(archived_once_live, "archive", by=staff["rahul"])
    hidden["archived"] = archived_once_live

    unpublished = make_article(slug="unpubslug", title="Unpubword article", **secret("unpub"))
    workflow.transition(unpublished, "unpublish", by=staff["rahul"], note="Withdrawn.")
    hidden["unpublished"] = unpublished

    # The live pump: its working copy edited (new words, a new condition) and submitted.
    working = refreshed(pump)
    working.title = "Workingword title"
    working.save()
    make_section(article=working, position=5, heading="Workingword", body="<p>Workingword text.</p>")
    ArticleCondition.objects.create(
        article=working,
        condition=make_condition(slug="working-condition", name="working condition"),
        position=9,
    )
    workflow.working_copy_changed(working, by=staff["wendy"])
    workflow.transition(refreshed(pump), "submit", by=staff["wendy"])
    return hidden


SECRET_WORDS = [
    "draftword",
    "reviewword",
    "scheduledword",
    "expiredword",
    "archivedword",
    "unpubword",
    "workingword",
]
SECRET_NAMES = ["draft", "review", "sched", "expired", "archived", "unpub"]


def test_no_hidden_version_reaches_any_public_surface(api, hidden_world):
    """drafts, submitted and working-copy edits, scheduled, expired, archived and
    unpublished versions stay off details, lists, counts, search, filters, ordering, topic and
    clinic pages and JSON-LD."""
    for slug in ["draftslug", "reviewslug", "scheduledslug", "expiredslug", "archivedslug", "unpubslug"]:
        assert api.get(f"/api/v1/articles/{slug}/").status_code == 404, slug
    listing = api.get("/api/v1/articles/", {"page_size": 100}).json()
    assert (listing["count"], [row["slug"] for row in listing["results"]]) == (1, ["pump"])
    for ordering in ["title", "-title", "updated_at", "-updated_at", "published_at", "-published_at"]:
        assert slugs(api.get("/api/v1/articles/", {"ordering": ordering})) == ["pump"]
    for word in SECRET_WORDS:
        assert api.get("/api/v1/articles/", {"search": word}).json()["count"] == 0, word
    for name in SECRET_NAMES:
        assert api.get("/api/v1/articles/", {"condition": f"{name}-condition"}).json()["count"] == 0
        assert api.get("/api/v1/articles/", {"risk": f"{name}-risk"}).json()["count"] == 0
        assert api.get("/api/v1/articles/", {"clinic": f"{name}-clinic"}).json()["count"] == 0
        assert api.get(f"/api/v1/conditions/{name}-condition/").status_code == 404
        assert api.get(f"/api/v1/risks/{name}-risk/").status_code == 404
        # A clinic whose only articles are hidden versions is not public at all.
        assert api.get(f"/api/v1/clinics/{name}-clinic/").status_code == 404
    assert api.get("/api/v1/articles/", {"condition": "working-condition"}).json()["count"] == 0
    assert api.get("/api/v1/conditions/working-condition/").status_code == 404
    assert [c["slug"] for c in api.get("/api/v1/conditions/").json()["results"]] == ["knee-pain"]
    assert [(c["slug"], c["article_count"]) for c in api.get("/api/v1/risks/").json()["results"]] == [
        ("infection", 1)
    ]
    # The scheduled article's date is in three days: a date filter must not find it either.
    future = (timezone.now() + datetime.timedelta(days=2)).date().isoformat()
    assert api.get("/api/v1/articles/", {"published_after": future}).json()["count"] == 0
    detail = api.get(DETAIL)
    text = detail.content.decode().lower()
    assert [word for word in SECRET_WORDS if word in text] == []
    assert detail.json()["title"] == "Intrathecal pumps"
    assert "working-condition" not in str(detail.json()["jsonld"])


def test_the_search_index_holds_exactly_the_visible_publications(hidden_world, api):
    """drafts, scheduled and ended versions are not in the index, so they can neither
    match nor weigh on ranking (SQLite's bm25 counts every indexed row)."""
    visible = set(PublicArticle.objects.visible().values_list("pk", flat=True))
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT rowid FROM api_search")
            indexed = {row[0] for row in cursor.fetchall()}
    else:
        indexed = set(PublicArticle.objects.filter(search_vector__isnull=False).values_list("pk", flat=True))
    assert indexed == visible
    assert len(visible) == 1


def test_a_live_version_is_ranked_the_same_whether_or_not_a_wordy_version_is_scheduled(api, monkeypatch):
    """ranking of what is public does not move when a version full of the search
    word is scheduled, and moves only when it goes live."""
    make_article(slug="one", title="Pump care", summary="Pump pump basics.", sections=1)
    make_article(slug="two", title="Catheter care", summary="About the pump once.", sections=1)
    before = slugs(api.get("/api/v1/articles/", {"search": "pump"}))
    now = timezone.now()
    make_scheduled(
        slug="three", title="Pump pump pump", summary="Pump " * 50, ahead=datetime.timedelta(hours=1)
    )
    cache_free = slugs(api.get("/api/v1/articles/", {"search": "pump", "page_size": 50}))
    assert cache_free == before
    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=2))
    assert "three" in slugs(api.get("/api/v1/articles/", {"search": "pump"}))


# --- 2. Working-copy changes and scheduled approvals leave public validators alone ---------------


def admin_working_copy_changes():
    """What staff do in the admin that changes only the working copy, as (name, function)."""

    def save_the_change_form_with_a_new_section_body(client, pump, staff):
        client.force_login(staff["wendy"])
        data = form_data(client.get(change_url(pump))) | {
            "sections-0-body": "<p>Writer's unapproved text.</p>",
            "title": "Unapproved title",
        }
        assert client.post(change_url(pump), data).status_code == 302

    def submit_and_withdraw_in_the_admin(client, pump, staff):
        save_the_change_form_with_a_new_section_body(client, pump, staff)
        assert client.post(transition_url(pump, "submit"), {"note": ""}).status_code == 302
        client.force_login(staff["rahul"])
        assert client.post(transition_url(pump, "withdraw"), {"note": "Cite it."}).status_code == 302

    def record_a_review_in_the_admin(client, pump, staff):
        client.force_login(staff["rahul"])
        reviewer = Reviewer.objects.create(name="Dr. Ng")
        response = client.post(
            reverse("admin:articles_article_review", args=[pump.pk]),
            {"reviewer": reviewer.pk, "reviewed_on": timezone.localdate().isoformat(), "note": ""},
        )
        assert response.status_code == 302

    def create_and_revoke_a_preview_link_in_the_admin(client, pump, staff):
        client.force_login(staff["wendy"])
        # Links are made only for a front end (without one, the admin's own preview is used).
        with override_settings(FRONTEND_PREVIEW_URL="https://www.clinic.example/preview?token={token}"):
            assert client.post(reverse("admin:articles_article_preview", args=[pump.pk])).status_code == 302
        link = pump.preview_links.get()
        assert wsgi_get(f"/api/v1/preview/{previews.token_for(link)}/")["status"] == 200
        revoke = reverse("admin:articles_article_revoke_preview", args=[pump.pk, link.pk])
        assert client.post(revoke).status_code == 302

    def revert_in_the_admin(client, pump, staff):
        save_the_change_form_with_a_new_section_body(client, pump, staff)
        oldest = revisions.versions_of(pump).last()
        url = reverse("admin:articles_article_revert", args=[pump.pk, oldest.pk])
        assert client.post(url).status_code == 302

    def discard_in_the_admin(client, pump, staff):
        save_the_change_form_with_a_new_section_body(client, pump, staff)
        assert client.post(transition_url(pump, "discard"), {"note": ""}).status_code == 302

    def import_a_document_in_the_admin(client, pump, staff):
        client.force_login(staff["wendy"])
        document = io.BytesIO(b"# Knee pain pumps\n\nA pump for knee pain.\n\n## Dose\n\nThe dose text.\n")
        document.name = "pumps.md"
        response = client.post(
            reverse("admin:articles_article_import"), {"document": document, "clinic": pump.clinic_id}
        )
        assert response.status_code == 302

    def add_a_draft_in_the_admin_naming_the_live_condition(client, pump, staff):
        client.force_login(staff["wendy"])
        data = form_data(client.get(reverse("admin:articles_article_add"))) | {
            "title": "Secret",
            "slug": "secret",
            "summary": "Not yet.",
            "clinic": str(pump.clinic_id),
            "article_conditions-TOTAL_FORMS": "1",
            "article_conditions-0-condition": str(pump.conditions.get().pk),
            "article_conditions-0-position": "1",
        }
        assert client.post(reverse("admin:articles_article_add"), data).status_code == 302

    return [
        save_the_change_form_with_a_new_section_body,
        submit_and_withdraw_in_the_admin,
        record_a_review_in_the_admin,
        create_and_revoke_a_preview_link_in_the_admin,
        revert_in_the_admin,
        discard_in_the_admin,
        import_a_document_in_the_admin,
        add_a_draft_in_the_admin_naming_the_live_condition,
    ]


@pytest.mark.parametrize("change", admin_working_copy_changes(), ids=lambda change: change.__name__)
def test_no_working_copy_change_made_through_the_admin_touches_a_public_validator_or_cache(
    client, pump, staff, change, monkeypatch
):
    """the admin's own paths (change form with inlines, review, preview links,
    revert, discard, import, add) move no public ETag, Last-Modified or cached response."""
    before = public_snapshot()
    stored = []
    monkeypatch.setattr(api.caching.cache, "set", lambda *args, **kwargs: stored.append(args[0]))

    change(client, refreshed(pump), staff)

    assert changed_urls(before, public_snapshot()) == []
    assert [key for key in stored if key.startswith("api:")] == []


def test_approving_a_version_for_next_week_moves_no_public_etag_today(pump, staff):
    """A version approved for next week changes no public byte today, so no listing ETag or
    Last-Modified may move either (the scheduled version must not show through the validators)."""
    edited = edit_section(pump, "<p>Next week's text.</p>", by=staff["wendy"])
    before = public_snapshot()

    workflow.transition(
        edited,
        "publish",
        by=staff["rahul"],
        version=edited.lock_version,
        live_from=timezone.now() + datetime.timedelta(days=7),
    )

    after = public_snapshot()
    assert [url for url in PUBLIC_URLS if after[url][3] != before[url][3]] == []  # bodies: unchanged
    assert changed_urls(before, after) == []  # so must the validators be


def test_scheduling_or_unscheduling_a_new_article_moves_no_public_etag(pump, staff):
    """A new article scheduled for next week, then withdrawn before its time: no public ETag moves."""
    secret = make_draft(slug="launch", clinic=pump.clinic, conditions=[pump.conditions.get()], sections=1)
    before = public_snapshot()

    workflow.transition(
        secret, "publish", by=staff["rahul"], live_from=timezone.now() + datetime.timedelta(days=7)
    )
    after = public_snapshot()
    assert [url for url in PUBLIC_URLS if after[url][3] != before[url][3]] == []  # bodies: unchanged
    assert changed_urls(before, after) == []

    workflow.transition(refreshed(secret), "unpublish", by=staff["rahul"], note="Launch cancelled.")
    assert changed_urls(before, public_snapshot()) == []


def test_renaming_a_condition_only_a_scheduled_version_names_moves_no_public_etag(pump):
    """A term only an unannounced version names is not public: renaming it changes nothing public."""
    unannounced = make_condition(slug="unannounced", name="Unannounced")
    make_scheduled(slug="launch", clinic=make_clinic(slug="elsewhere"), conditions=[unannounced])
    before = public_snapshot()

    unannounced.name = "Unannounced, renamed"
    unannounced.save()

    after = public_snapshot()
    assert [url for url in PUBLIC_URLS if after[url][3] != before[url][3]] == []  # bodies: unchanged
    assert changed_urls(before, after) == []


def test_publishing_a_on_the_admin_changes_as_detail_and_listings_and_no_other_detail(client, pump, staff):
    """a real approval through the admin (hand-made POST with the version read)."""
    other = make_article(slug="other", clinic=pump.clinic, conditions=[pump.conditions.get()], sections=1)
    urls = [*PUBLIC_URLS, "/api/v1/articles/other/"]
    edited = edit_section(pump, "<p>Corrected dose.</p>", by=staff["wendy"])
    before = public_snapshot(urls)
    client.force_login(staff["rahul"])

    response = client.post(
        transition_url(edited, "publish"), {"note": "", "version": str(edited.lock_version)}
    )

    assert response.status_code == 302
    after = public_snapshot(urls)
    assert after["/api/v1/articles/other/"] == before["/api/v1/articles/other/"]
    assert {DETAIL, "/api/v1/articles/", "/api/v1/conditions/knee-pain/"} <= set(changed_urls(before, after))
    assert b"Corrected dose." in after[DETAIL][3]
    assert refreshed(other).lock_version == other.lock_version


def test_a_scheduled_version_leaves_the_live_articles_last_modified_still(api, monkeypatch):
    """A vocabulary change stamps each public row from its own Last-Modified: a scheduled row's
    future go-live time never leaks into the live article's Last-Modified."""
    start = timezone.now()
    clinic = make_clinic(slug="wabash")
    make_article(slug="pump", clinic=clinic, sections=1)
    make_scheduled(slug="launch", clinic=clinic, ahead=datetime.timedelta(days=7))
    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(seconds=10))
    clinic.name = "Wabash Valley Pain"
    clinic.save()
    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(seconds=20))
    first = api.get(DETAIL)
    assert "Wabash Valley Pain" in first.content.decode()

    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(hours=1))
    second = api.get(DETAIL)

    assert second["ETag"] == first["ETag"]
    assert second["Last-Modified"] == first["Last-Modified"]
    assert api.get(DETAIL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_a_live_articles_last_modified_is_the_moment_of_its_own_last_change(api, monkeypatch):
    """the same without anything scheduled: the rename's second, stable after."""
    start = timezone.now()
    clinic = make_clinic(slug="wabash")
    make_article(slug="pump", clinic=clinic, sections=1)
    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(seconds=10))
    clinic.name = "Wabash Valley Pain"
    clinic.save()
    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(seconds=20))
    first = api.get(DETAIL)
    monkeypatch.setattr(timezone, "now", lambda: start + datetime.timedelta(hours=1))
    second = api.get(DETAIL)
    assert second["Last-Modified"] == first["Last-Modified"]
    assert api.get(DETAIL, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304


def test_a_republished_article_is_never_hidden_behind_if_modified_since_of_its_previous_life(
    api, pump, staff, monkeypatch
):
    """Unpublished and approved again within a second: If-Modified-Since from the withdrawn
    version never gets a 304 for the new one."""
    frozen = timezone.now().replace(microsecond=100_000)
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    republish(refreshed(pump))  # a version stamped in this second
    old = api.get(DETAIL)
    workflow.transition(refreshed(pump), "unpublish", by=staff["rahul"], note="Wrong dose.")
    edited = edit_section(pump, "<p>Right dose.</p>", by=staff["wendy"])

    workflow.transition(edited, "publish", by=staff["rahul"], version=edited.lock_version)

    monkeypatch.setattr(timezone, "now", lambda: frozen + datetime.timedelta(seconds=5))
    revalidated = api.get(DETAIL, HTTP_IF_MODIFIED_SINCE=old["Last-Modified"])
    assert revalidated.status_code == 200
    assert "Right dose." in revalidated.content.decode()


def test_a_scheduled_detail_is_a_404_with_no_validators_and_nothing_cached(pump, monkeypatch):
    """the WSGI cache and the middleware never store or validate a version before
    its time."""
    make_scheduled(slug="launch", ahead=datetime.timedelta(hours=1))
    stored = []
    monkeypatch.setattr(api.caching.cache, "set", lambda *args, **kwargs: stored.append(args[0]))
    response = wsgi_get("/api/v1/articles/launch/")
    assert response["status"] == 404
    assert "etag" not in response["headers"] and "last-modified" not in response["headers"]
    assert [key for key in stored if key.startswith("api:")] == []


# --- 3. Approve and publish: exactly the version opened ---------------------------------------------


def test_a_hand_made_approval_without_the_version_read_is_refused(client, pump, staff):
    """the version field cannot be left out of a hand-made POST."""
    edited = edit_section(pump, "<p>Unread text.</p>", by=staff["wendy"])
    client.force_login(staff["rahul"])
    response = client.post(transition_url(edited, "publish"), {"note": ""})
    assert response.status_code == 200
    assert publications_of(pump) == publications_of(edited)
    assert len(publications_of(pump)) == 1


@pytest.mark.parametrize("version", ["abc", "-1", "1e3", "99999999999999999999999", ""])
def test_a_hand_made_approval_with_a_junk_version_is_a_form_error(client, pump, staff, version):
    client.force_login(staff["rahul"])
    client.raise_request_exception = False
    response = client.post(transition_url(pump, "publish"), {"note": "", "version": version})
    assert response.status_code == 200
    assert len(publications_of(pump)) == 1


def test_an_approval_of_a_version_changed_since_it_was_opened_is_refused_even_for_child_only_edits(
    client, pump, staff
):
    """a change to a child row alone (a criterion added in the inline) also renews
    the version the reviewer must have read."""
    client.force_login(staff["rahul"])
    opened = refreshed(pump).lock_version
    writer = Client()
    writer.force_login(staff["wendy"])
    data = form_data(writer.get(change_url(pump)))
    data |= {
        "candidate_criteria-TOTAL_FORMS": str(int(data["candidate_criteria-TOTAL_FORMS"]) + 1),
        "candidate_criteria-0-text": "Anyone at all.",
        "candidate_criteria-0-position": "1",
    }
    assert writer.post(change_url(pump), data).status_code == 302

    response = client.post(transition_url(pump, "publish"), {"note": "", "version": str(opened)})

    assert response.status_code == 200
    assert "changed after you opened it" in response.content.decode()
    assert len(publications_of(pump)) == 1


@pytest.mark.parametrize("action", ["publish", "unpublish", "archive"])
def test_a_writer_cannot_take_a_reviewer_action_by_a_hand_made_post(client, pump, staff, action):
    client.force_login(staff["wendy"])
    before = publications_of(pump)
    data = {"note": "Because.", "version": str(refreshed(pump).lock_version)}
    assert client.post(transition_url(pump, action), data).status_code == 403
    assert publications_of(pump) == before


def test_a_writer_cannot_record_a_clinical_review_by_a_hand_made_post(client, pump, staff):
    client.force_login(staff["wendy"])
    reviewer = Reviewer.objects.create(name="Dr. Ng")
    response = client.post(
        reverse("admin:articles_article_review", args=[pump.pk]),
        {"reviewer": reviewer.pk, "reviewed_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 403
    assert refreshed(pump).reviewed_by_id is None


def test_the_admin_says_the_state_the_article_is_in_after_the_action(client, staff):
    """The confirmation names the state the article is in after the action, not before."""
    article = make_draft(slug="nerve-blocks", sections=1)
    workflow.transition(article, "submit", by=staff["wendy"])
    client.force_login(staff["rahul"])

    response = client.post(
        transition_url(article, "publish"), {"note": "", "version": str(refreshed(article).lock_version)}
    )

    assert response.status_code == 302
    shown = [str(message) for message in get_messages(response.wsgi_request)]
    assert shown == ["Approve and publish: done. The article is now live."]


# --- 4. Scheduling by the clock ------------------------------------------------------------------------


def test_an_older_version_stays_live_until_the_scheduled_one_starts_and_never_comes_back(
    api, pump, staff, monkeypatch
):
    """v1 until v2's start, v2 until its take-down, then nothing (v1 does not come
    back), everywhere, through the response cache, with no job."""
    now = timezone.now()
    edited = edit_section(pump, "<p>Zebrafish text.</p>", by=staff["wendy"])
    workflow.transition(
        edited,
        "publish",
        by=staff["rahul"],
        version=edited.lock_version,
        live_from=now + datetime.timedelta(hours=1),
        expires_at=now + datetime.timedelta(hours=3),
    )
    for offset, expected in [
        (0, "Some text."),
        (0.5, "Some text."),
        (1.5, "Zebrafish text."),
        (2.9, "Zebrafish text."),
    ]:
        monkeypatch.setattr(timezone, "now", lambda offset=offset: now + datetime.timedelta(hours=offset))
        response = wsgi_get(DETAIL)
        assert response["status"] == 200
        assert expected.encode() in response["body"], offset
        listing = wsgi_get("/api/v1/articles/?search=zebrafish")
        assert (b'"pump"' in listing["body"]) == (expected == "Zebrafish text."), offset
    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=4))
    assert wsgi_get(DETAIL)["status"] == 404
    assert api.get("/api/v1/articles/").json()["count"] == 0
    assert api.get("/api/v1/conditions/").json()["count"] == 0
    assert api.get("/api/v1/clinics/wabash/").status_code == 404  # nothing of it is public now
    assert api.get("/api/v1/articles/", {"search": "pump"}).json()["count"] == 0


def test_a_later_schedule_replaces_an_earlier_one_and_the_live_version_waits_for_it(pump, staff, monkeypatch):
    """v2 scheduled at +1h then v3 at +2h: v2 never shows, v1 stays until +2h."""
    now = timezone.now()
    republish(
        edit_section(pump, "<p>Version two.</p>", by=staff["wendy"]),
        live_from=now + datetime.timedelta(hours=1),
    )
    republish(
        edit_section(pump, "<p>Version three.</p>", by=staff["wendy"]),
        live_from=now + datetime.timedelta(hours=2),
    )
    for offset, expected in [(0.5, b"Some text."), (1.5, b"Some text."), (2.5, b"Version three.")]:
        monkeypatch.setattr(timezone, "now", lambda offset=offset: now + datetime.timedelta(hours=offset))
        assert expected in wsgi_get(DETAIL)["body"], offset


# --- 5. Bad input: 4xx or a form message, never a 500, nothing half-saved -------------------------


def test_approving_a_live_article_with_a_past_start_and_a_take_down_already_passed_is_a_form_error(
    client, pump, staff
):
    """ "Go live at" yesterday and "Take down at" an hour ago, for a live article: a form message,
    never a 500, and nothing saved."""
    client.force_login(staff["rahul"])
    client.raise_request_exception = False
    now = timezone.now()
    before = publications_of(pump)
    working_before = Article.objects.values().get(pk=pump.pk)

    response = client.post(
        transition_url(pump, "publish"),
        {
            "note": "",
            "version": str(refreshed(pump).lock_version),
            **split_fields("live_from", now - datetime.timedelta(days=1)),
            **split_fields("expires_at", now - datetime.timedelta(hours=1)),
        },
    )

    assert publications_of(pump) == before  # rolled back: nothing half-saved...
    assert Article.objects.values().get(pk=pump.pk) == working_before
    assert response.status_code == 200  # a form message, not a 500
    assert "The take-down time has already passed" in response.content.decode()


def test_approving_a_window_that_is_already_over_is_refused(staff):
    """A past go-live is not a way round "a take-down time in the past is refused"."""
    article = make_draft(slug="nerve-blocks", sections=1)
    now = timezone.now()
    with pytest.raises(ValidationError):
        workflow.transition(
            article,
            "publish",
            by=staff["rahul"],
            live_from=now - datetime.timedelta(days=2),
            expires_at=now - datetime.timedelta(days=1),
        )
    assert publications_of(article) == []


def test_a_take_down_at_the_end_of_the_calendar_in_a_western_time_zone_is_a_form_error(
    client, pump, staff, settings
):
    """West of UTC, 9999-12-31 23:59 local is past the end of Python's calendar in UTC: a form
    message (years 1900-2999, as the API's date filters), never an OverflowError."""
    settings.TIME_ZONE = "America/New_York"
    client.force_login(staff["rahul"])
    client.raise_request_exception = False
    before = publications_of(pump)

    response = client.post(
        transition_url(pump, "publish"),
        {
            "note": "",
            "version": str(refreshed(pump).lock_version),
            "expires_at_0": "9999-12-31",
            "expires_at_1": "23:59:00",
        },
    )

    assert response.status_code in (200, 400)
    assert publications_of(pump) == before


def test_a_go_live_at_the_end_of_the_calendar_is_a_form_error_not_a_500(client, pump, staff, api):
    """Probe: a year beyond 2999 is a typo (as the API's date filters say), refused in the form."""
    client.force_login(staff["rahul"])
    response = client.post(
        transition_url(pump, "publish"),
        {
            "note": "",
            "version": str(refreshed(pump).lock_version),
            "live_from_0": "9999-12-31",
            "live_from_1": "23:59:59",
        },
    )
    assert response.status_code == 200
    assert "Give a year from 1900 to 2999." in response.content.decode()
    assert client.get(change_url(pump)).status_code == 200
    assert api.get(DETAIL).json()["title"] == "Intrathecal pumps"
    assert api.get("/api/v1/articles/").json()["count"] == 1


@pytest.mark.parametrize(
    "fields",
    [
        {"live_from_0": "2026-13-45", "live_from_1": "10:00"},
        {"live_from_0": "2026-01-01", "live_from_1": "25:61"},
        {"expires_at_0": "\x00", "expires_at_1": "10:00"},
        {"live_from_0": "2026-01-01"},
        {"note": "a\x00b"},
    ],
)
def test_junk_dates_in_a_hand_made_approval_are_form_errors(client, pump, staff, fields):
    client.force_login(staff["rahul"])
    client.raise_request_exception = False
    response = client.post(
        transition_url(pump, "publish"), {"note": "", "version": str(refreshed(pump).lock_version), **fields}
    )
    assert response.status_code == 200
    assert len(publications_of(pump)) == 1


@pytest.mark.parametrize(
    "path",
    ["/admin/articles/article/999999/workflow/publish/", "/admin/articles/article/abc/workflow/publish/"],
)
def test_workflow_urls_for_articles_that_do_not_exist_are_404(client, staff, path):
    client.force_login(staff["rahul"])
    client.raise_request_exception = False
    assert client.post(path, {"note": "", "version": "1"}).status_code == 404


def test_discard_changes_after_two_conditions_were_swapped_restores_the_approved_version(pump, staff):
    """Two conditions swapped between their rows over three saves: "Discard changes" still brings
    back the approved version (rows restored as a whole, never one by one into a unique clash)."""
    second = make_condition(slug="second-condition")
    ArticleCondition.objects.create(article=pump, condition=second, position=2)
    republish(pump)
    first_link, second_link = ArticleCondition.objects.filter(article=pump).order_by("position")
    knee_pain = first_link.condition
    spare = make_condition(slug="spare")
    for link, condition in [(first_link, spare), (second_link, knee_pain), (first_link, second)]:
        link.condition = condition
        link.save()
    workflow.working_copy_changed(refreshed(pump), by=staff["wendy"])

    workflow.transition(refreshed(pump), "discard", by=staff["wendy"])

    assert workflow.state_of(refreshed(pump)) == State.LIVE
    assert list(
        ArticleCondition.objects.filter(article=pump)
        .order_by("position")
        .values_list("condition__slug", flat=True)
    ) == ["knee-pain", "second-condition"]


def test_a_slug_taken_by_another_live_article_is_refused_with_a_form_message(client, pump, staff):
    """pump's working copy renamed; a new article takes the free working slug 'pump'
    and its approval is refused while pump's approved version is still live at that address, with a
    message, not a 500, and nothing published."""
    renamed = refreshed(pump)
    renamed.slug = "pump-renamed"
    renamed.save()
    workflow.working_copy_changed(renamed, by=staff["wendy"])
    newcomer = make_draft(slug="pump", title="Impostor", sections=1)
    client.force_login(staff["rahul"])
    client.raise_request_exception = False

    response = client.post(
        transition_url(newcomer, "publish"), {"note": "", "version": str(refreshed(newcomer).lock_version)}
    )

    assert response.status_code == 200
    assert "Another article is live or scheduled at the address" in response.content.decode()
    assert publications_of(newcomer) == []
    assert Article.objects.get(pk=newcomer.pk).status == Article.Status.DRAFT


def test_a_slug_never_serves_two_articles_through_a_scheduled_rename(api, pump, staff, monkeypatch):
    """pump renamed for +1h; a newcomer at 'pump' may not be scheduled before or after
    that (the old version still holds the address); once the rename is live it may; at no moment
    do two articles answer one address."""
    now = timezone.now()
    renamed = refreshed(pump)
    renamed.slug = "pump-renamed"
    renamed.save()
    workflow.working_copy_changed(renamed, by=staff["wendy"])
    renamed = refreshed(pump)
    workflow.transition(
        renamed,
        "publish",
        by=staff["rahul"],
        version=renamed.lock_version,
        live_from=now + datetime.timedelta(hours=1),
    )
    newcomer = make_draft(slug="pump", title="Impostor", sections=1)
    for live_from in (None, now + datetime.timedelta(minutes=30), now + datetime.timedelta(hours=2)):
        with pytest.raises(ValidationError):
            workflow.transition(refreshed(newcomer), "publish", by=staff["rahul"], live_from=live_from)
    assert api.get(DETAIL).json()["title"] == "Intrathecal pumps"

    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(hours=1, minutes=1))
    assert api.get(DETAIL).status_code == 404
    workflow.transition(refreshed(newcomer), "publish", by=staff["rahul"])
    assert api.get(DETAIL).json()["title"] == "Impostor"
    assert api.get("/api/v1/articles/pump-renamed/").json()["title"] == "Intrathecal pumps"
    assert PublicArticle.objects.visible().filter(slug="pump").count() == 1


@pytest.mark.parametrize(
    "token",
    ["x", "a" * 5000, "..%2F..", "eyJsaW5rIjoxfQ:1abc:zzz", "%00", "\u00e9\u00e9:\u00e9"],
)
def test_junk_preview_tokens_are_a_403(api, pump, token):
    response = api.get(f"/api/v1/preview/{token}/")
    assert response.status_code in (403, 404)


# --- 7. Query budgets -------------------------------------------------------------------------------


@pytest.mark.parametrize("children", [1, 15])
def test_discarding_changes_runs_a_fixed_number_of_queries(staff, children):
    """Discard costs the same number of queries whatever the article's length."""
    conditions = [make_condition() for _ in range(children)]
    article = make_article(
        slug="big", sections=children, criteria=children, references=children, conditions=conditions
    )
    edited = edit_section(article, "<p>A change to throw away.</p>", by=staff["wendy"])

    queries = count_queries(lambda: workflow.transition(edited, "discard", by=staff["wendy"]))

    # (60, and 2 since translations: the working copy's translation link is read back)
    assert queries <= 62, queries


@pytest.mark.parametrize("children", [1, 15])
def test_approving_runs_a_fixed_number_of_queries(staff, children):
    """approving an article costs the same whatever its number of children."""
    conditions = [make_condition() for _ in range(children)]
    article = make_article(
        slug="big", sections=children, criteria=children, references=children, conditions=conditions
    )
    edited = edit_section(article, "<p>A change to approve.</p>", by=staff["wendy"])
    queries = count_queries(
        lambda: workflow.transition(edited, "publish", by=staff["rahul"], version=edited.lock_version)
    )
    # Includes announcing it: what was live before and after, the event, its payload, the
    # endpoints and their deliveries (webhooks), the CDN purge and scheduled-moment tasks; and
    # the conditions' codes, for rendering; and for translations (issue 17): the version approved
    # before (a source whose text changed flags its translations), what of the article is live
    # before and after (other articles' translation lists), its translation group, and its
    # conditions' and risks' names in other languages. About 100 once Django's content-type cache
    # is warm; the first approval in a test process adds up to five content-type lookups.
    assert queries <= 106, queries


@pytest.mark.parametrize("rows", [1, 30])
def test_a_listing_after_a_vocabulary_change_runs_a_fixed_number_of_queries(
    api, rows, django_assert_max_num_queries
):
    """stored JSON cleared by a clinic rename is rendered on the fly in fixed queries."""
    clinic = make_clinic(slug="wabash")
    condition = make_condition(slug="knee-pain")
    for _ in range(rows):
        make_article(clinic=clinic, conditions=[condition], sections=2)
    clinic.name = "Renamed"
    clinic.save()
    # (8 + the conditions' codes, their names in other languages, the translation groups)
    with django_assert_max_num_queries(11):
        response = api.get("/api/v1/articles/", {"page_size": 100, "condition": "knee-pain"})
    assert response.json()["count"] == rows


@pytest.mark.parametrize("rows", [1, 30])
def test_topic_and_clinic_pages_run_a_fixed_number_of_queries(api, rows, django_assert_max_num_queries):
    clinic = make_clinic(slug="wabash", contact_links=2)
    condition, risk = make_condition(slug="knee-pain"), make_risk(slug="infection")
    for _ in range(rows):
        make_article(clinic=clinic, conditions=[condition], risks=[risk])
        make_scheduled(clinic=clinic, conditions=[condition], risks=[risk])
    for url in [
        "/api/v1/conditions/knee-pain/",
        "/api/v1/risks/infection/",
        "/api/v1/clinics/wabash/",
        "/api/v1/clinics/",
    ]:
        with django_assert_max_num_queries(4):
            response = api.get(url)
        assert response.status_code == 200
    assert len(api.get("/api/v1/conditions/knee-pain/").json()["articles"]) == rows


def test_deleting_an_article_with_many_past_versions_renews_the_listing_version_once(
    pump, staff, monkeypatch
):
    """Deleting an article with a long publication history renews the listing version once (past
    versions have no public row and cost nothing)."""
    for n in range(20):
        republish(edit_section(pump, f"<p>Version {n}.</p>", by=staff["wendy"]))
    assert Publication.objects.filter(article=pump).count() == 21
    bumps = []
    original = api.receivers.bump_listing_version

    def counting(**options):
        bumps.append(1)
        original(**options)

    monkeypatch.setattr(api.receivers, "bump_listing_version", counting)
    refreshed(pump).delete()
    assert len(bumps) <= 1, len(bumps)
