"""The public API serves what a reviewer approved, never the working copy.

Each test changes a live article the way staff do (a reviewer's edit, a writer's submitted
revision, a discard, a scheduled replacement) and checks every public surface: the detail, its
JSON-LD, the list, search, filters, topic pages and counts, the clinic.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from api.models import PublicArticle
from articles import publishing, workflow
from articles.models import Article, ArticleCondition, Publication, Section
from articles.states import State
from tests.factories import make_article, make_condition, make_draft, make_risk, republish

pytestmark = pytest.mark.django_db


def everything_public(api) -> dict:
    """Every public answer that could show the pump article or what it names."""
    urls = [
        "/api/v1/articles/",
        "/api/v1/articles/pump/",
        "/api/v1/articles/?search=zebrafish",
        "/api/v1/articles/?search=pump",
        "/api/v1/articles/?condition=knee-pain",
        "/api/v1/articles/?condition=sciatica",
        "/api/v1/articles/?risk=bleeding",
        "/api/v1/articles/?clinic=wabash",
        "/api/v1/conditions/",
        "/api/v1/conditions/knee-pain/",
        "/api/v1/conditions/sciatica/",
        "/api/v1/risks/",
        "/api/v1/risks/bleeding/",
        "/api/v1/clinics/",
        "/api/v1/clinics/wabash/",
    ]
    answers = {}
    for url in urls:
        response = api.get(url)
        answers[url] = (response.status_code, response.json(), response.get("ETag"))
    return answers


def revise(article, *, by):
    """A revision of every kind at once: title, a section, a new condition and risk."""
    article = Article.objects.get(pk=article.pk)
    article.title = "Intrathecal pumps, revised"
    article.save()
    section = article.sections.get()
    section.body = "<p>The zebrafish dose changed.</p>"
    section.save()
    ArticleCondition.objects.create(
        article=article, condition=make_condition(slug="sciatica", name="Sciatica"), position=2
    )
    article.article_risks.create(risk=make_risk(slug="bleeding", name="Bleeding"), position=2)
    workflow.working_copy_changed(article, by=by)
    return Article.objects.get(pk=article.pk)


def test_a_reviewers_edit_of_a_live_article_is_invisible_on_every_public_endpoint_until_approved(
    api, pump, staff
):
    before = everything_public(api)

    revised = revise(pump, by=staff["rahul"])

    assert workflow.state_of(revised) == State.LIVE_WITH_CHANGES
    assert everything_public(api) == before
    workflow.transition(revised, "publish", by=staff["rahul"], version=revised.lock_version)
    after = everything_public(api)
    detail = after["/api/v1/articles/pump/"][1]
    assert detail["title"] == "Intrathecal pumps, revised"
    assert "zebrafish" in detail["sections"][0]["body"]
    assert detail["jsonld"]["@graph"][0]["name"] == "Intrathecal pumps, revised"
    assert after["/api/v1/articles/?search=zebrafish"][1]["count"] == 1
    assert after["/api/v1/articles/?condition=sciatica"][1]["count"] == 1
    assert after["/api/v1/articles/?risk=bleeding"][1]["count"] == 1
    assert after["/api/v1/conditions/sciatica/"][0] == 200
    assert after["/api/v1/risks/bleeding/"][0] == 200


def test_a_writers_submitted_revision_leaves_the_old_version_live_everywhere(api, pump, staff):
    before = everything_public(api)

    revised = revise(pump, by=staff["wendy"])
    workflow.transition(revised, "submit", by=staff["wendy"])

    assert workflow.state_of(Article.objects.get(pk=pump.pk)) == State.CHANGES_IN_REVIEW
    after = everything_public(api)
    assert after == before
    detail = after["/api/v1/articles/pump/"][1]
    assert detail["title"] == "Intrathecal pumps"
    assert [c["slug"] for c in detail["conditions"]] == ["knee-pain"]
    assert detail["jsonld"]["@graph"][0]["name"] == "Intrathecal pumps"
    assert after["/api/v1/articles/?search=zebrafish"][1]["count"] == 0  # a word only in the revision
    assert after["/api/v1/articles/?condition=sciatica"][1]["count"] == 0  # a condition only in the revision
    assert after["/api/v1/conditions/sciatica/"][0] == 404
    assert [c["slug"] for c in after["/api/v1/conditions/"][1]["results"]] == ["knee-pain"]


def test_discarding_changes_restores_the_working_copy_and_the_public_side_never_moved(api, pump, staff):
    before = everything_public(api)
    revised = revise(pump, by=staff["wendy"])

    workflow.transition(revised, "discard", by=staff["wendy"])

    restored = Article.objects.get(pk=pump.pk)
    assert workflow.state_of(restored) == State.LIVE
    assert restored.title == "Intrathecal pumps"
    assert "zebrafish" not in restored.sections.get().body
    assert list(restored.article_conditions.values_list("condition__slug", flat=True)) == ["knee-pain"]
    assert list(restored.article_risks.values_list("risk__slug", flat=True)) == ["infection"]
    assert everything_public(api) == before


def test_the_public_api_never_reads_the_working_rows(api, pump):
    detail = api.get("/api/v1/articles/pump/").json()

    # Behind the signals' back: the working copy's rows gone, its title changed.
    Section.objects.filter(article=pump).delete()
    ArticleCondition.objects.filter(article=pump).delete()
    Article.objects.filter(pk=pump.pk).update(title="Changed behind the scenes", status=Article.Status.DRAFT)

    assert api.get("/api/v1/articles/pump/").json() == detail
    assert api.get("/api/v1/articles/", {"condition": "knee-pain"}).json()["count"] == 1


def test_approving_records_the_exact_version_who_approved_it_and_when(pump, staff):
    revised = revise(pump, by=staff["wendy"])
    before = timezone.now()

    workflow.transition(revised, "publish", by=staff["rahul"], version=revised.lock_version)

    live = Publication.objects.filter(article=pump).visible().get()
    assert live.approved_by == staff["rahul"]
    assert live.approved_by_name == "rahul"
    assert live.approved_at >= before
    assert live.revision is not None
    assert live.revision.version_set.filter(object_id=str(pump.pk)).exists()
    assert "zebrafish" in live.content
    # The first publication date stays; the version that was live ended when this one started.
    first = Publication.objects.filter(article=pump).exclude(pk=live.pk).get()
    assert live.published_at == first.published_at
    assert first.ended_at == live.live_from


def test_an_approval_names_the_version_read_and_refuses_a_newer_one(api, pump, staff):
    revised = revise(pump, by=staff["wendy"])
    workflow.transition(revised, "submit", by=staff["wendy"])
    opened = Article.objects.get(pk=pump.pk).lock_version
    workflow.transition(revised, "withdraw", by=staff["wendy"], note="One more fix.")
    edited = Article.objects.get(pk=pump.pk)
    edited.summary = "Unread by the reviewer."
    edited.save()
    workflow.transition(edited, "submit", by=staff["wendy"])

    with pytest.raises(ValidationError, match="changed after you opened it"):
        workflow.transition(edited, "publish", by=staff["rahul"], version=opened)

    assert api.get("/api/v1/articles/pump/").json()["summary"] == "A small pump under the skin."
    assert Publication.objects.filter(article=pump).count() == 1


def test_a_scheduled_version_waits_while_the_old_one_stays_live(api, pump, staff, monkeypatch):
    revised = revise(pump, by=staff["wendy"])
    now = timezone.now()
    workflow.transition(
        revised,
        "publish",
        by=staff["rahul"],
        version=revised.lock_version,
        live_from=now + datetime.timedelta(days=1),
    )

    assert workflow.state_of(Article.objects.get(pk=pump.pk)) == State.SCHEDULED
    assert api.get("/api/v1/articles/pump/").json()["title"] == "Intrathecal pumps"
    assert api.get("/api/v1/articles/", {"search": "zebrafish"}).json()["count"] == 0
    assert api.get("/api/v1/articles/").json()["count"] == 1

    monkeypatch.setattr(timezone, "now", lambda: now + datetime.timedelta(days=1, seconds=1))

    assert workflow.state_of(Article.objects.get(pk=pump.pk)) == State.LIVE
    assert api.get("/api/v1/articles/pump/").json()["title"] == "Intrathecal pumps, revised"
    assert api.get("/api/v1/articles/", {"search": "zebrafish"}).json()["count"] == 1
    assert api.get("/api/v1/articles/").json()["count"] == 1


def test_a_new_approval_drops_a_version_scheduled_before_it(api, pump, staff):
    now = timezone.now()
    republish(pump, live_from=now + datetime.timedelta(days=7))
    revised = revise(pump, by=staff["wendy"])

    workflow.transition(revised, "publish", by=staff["rahul"], version=revised.lock_version)

    assert Publication.objects.filter(article=pump).scheduled().count() == 0
    assert api.get("/api/v1/articles/pump/").json()["title"] == "Intrathecal pumps, revised"


def test_unpublishing_ends_the_live_and_the_scheduled_version(api, pump, staff):
    republish(pump, live_from=timezone.now() + datetime.timedelta(days=7))

    workflow.transition(pump, "unpublish", by=staff["rahul"], note="Withdrawn by the physician.")

    assert Publication.objects.filter(article=pump).unfinished().count() == 0
    assert PublicArticle.objects.count() == 0
    assert api.get("/api/v1/articles/pump/").status_code == 404
    assert workflow.state_of(Article.objects.get(pk=pump.pk)) == State.DRAFT


def test_two_articles_cannot_be_live_at_one_address(api, pump, staff):
    # The working copy of the pump article moves to a new address; its live version keeps "pump".
    moved = Article.objects.get(pk=pump.pk)
    moved.slug = "pump-implants"
    moved.save()
    newcomer = make_draft(slug="spare", clinic=pump.clinic)
    newcomer.slug = "pump"  # free among working copies now
    newcomer.save()

    with pytest.raises(ValidationError, match="Another article is live or scheduled at the address 'pump'"):
        workflow.transition(newcomer, "publish", by=staff["rahul"])

    assert api.get("/api/v1/articles/pump/").json()["title"] == "Intrathecal pumps"
    assert PublicArticle.objects.filter(slug="pump").count() == 1


def test_a_change_to_a_condition_renders_the_publications_that_show_it_and_nothing_else(api, pump):
    other = make_article(slug="other", conditions=[make_condition(slug="sciatica")])
    etags = {slug: api.get(f"/api/v1/articles/{slug}/")["ETag"] for slug in ("pump", "other")}
    condition = pump.conditions.get()

    condition.summary = "Pain caused by cancer or its treatment."
    condition.save()

    assert api.get("/api/v1/articles/pump/").json()["conditions"][0]["summary"] == condition.summary
    assert api.get("/api/v1/articles/pump/")["ETag"] != etags["pump"]
    assert api.get("/api/v1/articles/other/")["ETag"] == etags["other"]
    assert other.title == api.get("/api/v1/articles/other/").json()["title"]


def test_deleting_an_article_takes_its_publication_off_every_public_page(api, pump):
    listing_etag = api.get("/api/v1/articles/")["ETag"]

    Article.objects.get(pk=pump.pk).delete()

    assert api.get("/api/v1/articles/pump/").status_code == 404
    assert api.get("/api/v1/articles/").json()["count"] == 0
    assert api.get("/api/v1/articles/")["ETag"] != listing_etag
    assert api.get("/api/v1/articles/", {"search": "pump"}).json()["count"] == 0


@pytest.mark.parametrize("children", [1, 30])
def test_an_article_detail_is_one_query_whatever_its_size(api, django_assert_num_queries, children):
    make_article(slug="big", sections=children, criteria=children, references=children)

    # 1. the visible public row at this address: its version (ETag) and its JSON, read once
    #    by the cache middleware and reused by the view
    with django_assert_num_queries(1):
        response = api.get("/api/v1/articles/big/")

    assert response.status_code == 200
    assert len(response.json()["sections"]) == children


def test_publishing_mechanics_keep_one_window_after_another_for_an_article(pump):
    now = timezone.now()
    second = publishing.publish(pump, live_from=now + datetime.timedelta(hours=1))
    third = publishing.publish(pump, live_from=now + datetime.timedelta(hours=2))

    first = Publication.objects.filter(article=pump).order_by("pk").first()
    second.refresh_from_db()
    assert first.ended_at == now + datetime.timedelta(hours=2)  # live until the newest one starts
    assert second.live_until <= second.live_from  # dropped before its time: never live
    assert (third.live_from, third.ended_at) == (now + datetime.timedelta(hours=2), None)
    for moment, expected in [
        (now, first),
        (now + datetime.timedelta(hours=1, minutes=30), first),
        (now + datetime.timedelta(hours=3), third),
    ]:
        assert list(Publication.objects.filter(article=pump).visible(moment)) == [expected]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_script_that_edits_a_live_article_outside_any_transaction_leaves_it_live_with_changes(api):
    article = make_article(slug="pump", title="Intrathecal pumps", sections=1)
    section = article.sections.get()
    section.body = "<p>Edited by a script.</p>"
    section.save()

    workflow.working_copy_changed(article, by=None)  # a script: nobody signed in

    assert workflow.state_of(Article.objects.get(pk=article.pk)) == State.LIVE_WITH_CHANGES
    assert "Edited by a script." not in api.get("/api/v1/articles/pump/").content.decode()
