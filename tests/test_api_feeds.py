"""A clinic's sitemap and Atom feed (api/feeds.py): what the public API shows, at the pages on the
clinic's own site, and nothing else; cached, validated and refused like the rest of /api/v1/."""

import datetime

import pytest
from defusedxml import ElementTree
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from api import cache_tags
from api.models import PublicArticle, PublicDocument
from articles import workflow
from articles.models import Article
from cms.wsgi import application
from tests.factories import (
    make_article,
    make_clinic,
    make_condition,
    make_draft,
    make_scheduled,
    republish,
)
from tests.test_api_caching import wsgi_get

pytestmark = pytest.mark.django_db

SITEMAP = "/api/v1/clinics/wabash/sitemap.xml"
FEED = "/api/v1/clinics/wabash/feed.atom"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
ATOM = "{http://www.w3.org/2005/Atom}"
PAGE = "https://wabash.example/learn/{slug}"


@pytest.fixture
def wabash():
    return make_clinic(slug="wabash", name="Wabash Pain Clinic", article_url_template=PAGE)


def page(slug: str) -> str:
    return PAGE.replace("{slug}", slug)


def live_row(article) -> PublicArticle:
    return PublicArticle.objects.visible().get(publication__article=article)


def w3c(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat()


def sitemap(api, path=SITEMAP) -> dict[str, str]:
    """{loc: lastmod} of the sitemap at ``path``."""
    response = api.get(path)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{SM}urlset"
    return {url.findtext(f"{SM}loc"): url.findtext(f"{SM}lastmod") for url in root.findall(f"{SM}url")}


def feed(api, path=FEED):
    response = api.get(path)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    root = ElementTree.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root


def entries(root) -> list[dict]:
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link[@rel='alternate']").get("href"),
            "id": entry.findtext(f"{ATOM}id"),
            "published": entry.findtext(f"{ATOM}published"),
            "updated": entry.findtext(f"{ATOM}updated"),
            "summary": entry.findtext(f"{ATOM}summary"),
        }
        for entry in root.findall(f"{ATOM}entry")
    ]


def everything(api) -> tuple[bytes, bytes]:
    return api.get(SITEMAP).content, api.get(FEED).content


# What appears


def test_the_sitemap_lists_each_live_article_at_its_page_with_the_time_it_went_live(api, wabash):
    pump = make_article(clinic=wabash, slug="pump", published_ago=datetime.timedelta(days=3))
    make_article(clinic=wabash, slug="nerve-block", published_ago=datetime.timedelta(days=1))

    assert sitemap(api) == {
        page("pump"): w3c(live_row(pump).updated_at),
        page("nerve-block"): w3c(PublicArticle.objects.get(slug="nerve-block").updated_at),
    }
    went_live = timezone.now() - datetime.timedelta(days=3)
    assert abs(live_row(pump).updated_at - went_live) < datetime.timedelta(seconds=30)


def test_an_approved_new_version_moves_lastmod_and_updated_but_not_published(api, wabash):
    pump = make_article(clinic=wabash, slug="pump", title="Pumps", published_ago=datetime.timedelta(days=3))
    first = entries(feed(api))[0]
    Article.objects.filter(pk=pump.pk).update(title="Pumps, revised")

    republish(Article.objects.get(pk=pump.pk))

    row = live_row(pump)
    assert sitemap(api) == {page("pump"): w3c(row.updated_at)}
    [entry] = entries(feed(api))
    assert entry["title"] == "Pumps, revised"
    assert entry["updated"] == w3c(row.updated_at) != first["updated"]
    assert entry["published"] == first["published"] == w3c(row.published_at)
    assert entry["id"] == first["id"]  # the same entry, updated


def test_the_feed_has_the_clinics_articles_newest_change_first_with_their_pages_and_summaries(api, wabash):
    old = make_article(
        clinic=wabash, slug="old", summary="The old one.", published_ago=datetime.timedelta(days=9)
    )
    new = make_article(
        clinic=wabash, slug="new", summary="The new one.", published_ago=datetime.timedelta(days=2)
    )
    republish(old)  # updated now: the most recent change

    root = feed(api)

    assert root.findtext(f"{ATOM}title") == "Wabash Pain Clinic"
    assert root.findtext(f"{ATOM}author/{ATOM}name") == "Wabash Pain Clinic"
    assert root.find(f"{ATOM}link[@rel='self']").get("href") == f"http://testserver{FEED}"
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == wabash.website
    assert root.findtext(f"{ATOM}id").startswith("tag:")
    found = entries(root)
    assert [entry["link"] for entry in found] == [page("old"), page("new")]
    assert [entry["summary"] for entry in found] == ["The old one.", "The new one."]
    for entry, article in zip(found, [old, new], strict=True):
        row = live_row(article)
        assert entry["updated"] == w3c(row.updated_at)
        assert entry["published"] == w3c(row.published_at)
        assert entry["id"].startswith("tag:") and entry["id"].endswith(
            f":clinic-{wabash.pk}/article-{article.pk}"
        )
    assert root.findtext(f"{ATOM}updated") == found[0]["updated"]
    assert len({entry["id"] for entry in found}) == 2


def test_the_feed_keeps_the_fifty_most_recently_changed(api, wabash):
    for n in range(52):
        make_article(clinic=wabash, slug=f"a-{n}", published_ago=datetime.timedelta(hours=100 - n))

    links = [entry["link"] for entry in entries(feed(api))]

    assert links == [page(f"a-{n}") for n in range(51, 1, -1)]


def test_a_summary_whose_stored_json_a_vocabulary_change_cleared_is_still_right(api, wabash):
    knee = make_condition(slug="knee-pain")
    make_article(clinic=wabash, slug="pump", summary="A small pump.", conditions=[knee])
    PublicDocument.objects.update(summary_json=None, detail_json=None)

    assert entries(feed(api))[0]["summary"] == "A small pump."


# What never appears


def test_drafts_scheduled_archived_and_unpublished_articles_never_appear(api, wabash, staff):
    make_article(clinic=wabash, slug="live")
    make_draft(clinic=wabash, slug="draft")
    make_scheduled(clinic=wabash, slug="scheduled")
    archived = make_article(clinic=wabash, slug="archived")
    workflow.transition(archived, "archive", by=staff["rahul"])
    unpublished = make_article(clinic=wabash, slug="unpublished")
    workflow.transition(unpublished, "unpublish", by=staff["rahul"], note="Withdrawn.")
    make_article(
        clinic=wabash,
        slug="expired",
        published_ago=datetime.timedelta(days=3),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )

    assert list(sitemap(api)) == [page("live")]
    assert [entry["link"] for entry in entries(feed(api))] == [page("live")]


def test_a_working_copy_edit_or_a_scheduled_new_version_changes_nothing_not_even_a_date(api, wabash, staff):
    pump = make_article(clinic=wabash, slug="pump", title="Pumps", published_ago=datetime.timedelta(days=3))
    before = everything(api)

    pump = Article.objects.get(pk=pump.pk)
    pump.title = "Pumps: the unapproved edit"
    pump.summary = "An unapproved summary."
    pump.save()
    workflow.working_copy_changed(pump, by=staff["wendy"])
    assert everything(api) == before

    republish(Article.objects.get(pk=pump.pk), live_from=timezone.now() + datetime.timedelta(days=7))
    assert everything(api) == before
    assert b"unapproved" not in b"".join(before)


def test_another_clinics_articles_are_not_in_this_clinics_sitemap_or_feed(api, wabash):
    make_article(clinic=wabash, slug="ours")
    other = make_clinic(slug="elsewhere", article_url_template="https://elsewhere.example/{slug}")
    make_article(clinic=other, slug="theirs")

    assert list(sitemap(api)) == [page("ours")]
    assert [entry["link"] for entry in entries(feed(api))] == [page("ours")]
    assert list(sitemap(api, "/api/v1/clinics/elsewhere/sitemap.xml")) == ["https://elsewhere.example/theirs"]


def test_the_install_default_page_address_is_used_when_the_clinic_sets_none(api, settings):
    settings.FRONTEND_ARTICLE_URL = "https://site.example/a/{slug}"
    make_article(clinic=make_clinic(slug="wabash", website=""), slug="pump")

    assert list(sitemap(api)) == ["https://site.example/a/pump"]
    root = feed(api)
    assert [entry["link"] for entry in entries(root)] == ["https://site.example/a/pump"]
    # No website of its own: the feed's site is the one its pages are on.
    assert root.find(f"{ATOM}link[@rel='alternate']").get("href") == "https://site.example/"


# Escaping


HOSTILE = 'Pain < 3 & "more" ]]> <script>x</script>'


def test_titles_names_and_summaries_with_markup_are_escaped_and_the_xml_parses(api):
    clinic = make_clinic(slug="wabash", name=f"Clinic {HOSTILE}", article_url_template=PAGE)
    make_article(clinic=clinic, slug="pump", title=HOSTILE, summary=f"Summary: {HOSTILE}")

    root = feed(api)
    [entry] = entries(root)
    assert entry["title"] == HOSTILE
    assert entry["summary"] == f"Summary: {HOSTILE}"
    assert root.findtext(f"{ATOM}title") == f"Clinic {HOSTILE}"
    # Plain text, not HTML a reader would parse.
    assert root.find(f"{ATOM}entry/{ATOM}summary").get("type") == "text"
    body = api.get(FEED).content
    assert b"<script>" not in body and b"]]>" not in body
    assert list(sitemap(api)) == [page("pump")]


def test_characters_xml_cannot_hold_are_left_out_rather_than_failing(api, wabash):
    # (Not NUL: Django's form fields refuse it and PostgreSQL cannot store it.)
    make_article(clinic=wabash, slug="pump", title="Pumps\x0b\x1f and more", summary="A\x08 pump.")

    [entry] = entries(feed(api))

    assert entry["title"] == "Pumps and more"
    assert entry["summary"] == "A pump."


# Refusals


def test_an_unknown_clinic_is_a_json_404(api):
    for path in ("/api/v1/clinics/nope/sitemap.xml", "/api/v1/clinics/nope/feed.atom"):
        response = api.get(path)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "No Clinic matches the given query."}


def test_a_clinic_patients_cannot_see_yet_is_a_404_and_a_listed_one_without_articles_is_empty(api, wabash):
    make_draft(clinic=wabash, slug="draft")
    make_scheduled(clinic=wabash, slug="scheduled")

    # Not listed, no live article: nothing says it exists (not even its scheduled article).
    assert api.get(SITEMAP).status_code == 404
    assert api.get(FEED).status_code == 404
    assert api.get("/api/v1/clinics/wabash/").status_code == 404

    wabash.is_public = True
    wabash.save()

    assert sitemap(api) == {}
    root = feed(api)
    assert entries(root) == []
    assert root.findtext(f"{ATOM}title") == "Wabash Pain Clinic"
    assert root.findtext(f"{ATOM}updated") == w3c(wabash.created_at)


def test_unknown_query_parameters_are_a_400_and_tracking_ones_are_ignored(api, wabash):
    make_article(clinic=wabash, slug="pump")
    for path in (SITEMAP, FEED):
        refused = api.get(path, {"page": "2"})
        assert refused.status_code == 400
        assert refused["Content-Type"] == "application/json"
        assert list(refused.json()) == ["page"]
        tracked = api.get(path, {"utm_source": "newsletter", "_": "123", "fbclid": "x"})
        assert tracked.status_code == 200
        assert tracked.content == api.get(path).content


@pytest.mark.parametrize("accept", ["application/json", "application/atom+xml", "text/html", "image/png"])
def test_any_accept_header_gets_the_xml_and_errors_stay_json(api, wabash, accept):
    make_article(clinic=wabash, slug="pump")

    assert api.get(FEED, HTTP_ACCEPT=accept)["Content-Type"] == "application/atom+xml; charset=utf-8"
    assert api.get(SITEMAP, HTTP_ACCEPT=accept)["Content-Type"] == "application/xml; charset=utf-8"
    assert api.get("/api/v1/clinics/nope/feed.atom", HTTP_ACCEPT=accept)["Content-Type"] == "application/json"


def test_other_methods_are_refused_and_head_answers_like_get(api, wabash):
    make_article(clinic=wabash, slug="pump")

    assert api.post(FEED).status_code == 405
    head = api.head(SITEMAP)
    assert head.status_code == 200
    assert head["ETag"] == api.get(SITEMAP)["ETag"]


# Caching


def test_validators_cache_control_and_tags_like_the_rest_of_the_api(api, wabash, settings):
    make_article(clinic=wabash, slug="pump")
    for path in (SITEMAP, FEED):
        response = api.get(path)
        assert response["ETag"].startswith('"')
        assert response["Last-Modified"]
        assert response["Cache-Control"].startswith(f"public, max-age={settings.API_MAX_AGE}")
        tags = response["Surrogate-Key"].split()
        assert {
            cache_tags.ALL,
            cache_tags.clinic(wabash.pk),
            cache_tags.articles_of("clinic", wabash.pk),
        } == set(tags)
        assert response["Cache-Tag"] == ",".join(tags)


def test_a_publication_or_clinic_change_purges_them_by_tag(wabash):
    pump = make_article(clinic=wabash, slug="pump")
    tags = set(wsgi_get(SITEMAP)["headers"]["surrogate-key"].split())
    publication = cache_tags.publication_changed(pump.pk, wabash.pk, [], [])
    # What a change to the clinic itself purges (api/receivers.py).
    clinic_change = [cache_tags.clinic(wabash.pk), "clinics", cache_tags.ARTICLES]

    assert tags & set(publication)
    assert tags & set(clinic_change)


def test_if_none_match_gets_a_304_without_running_the_view(api, wabash, django_assert_num_queries):
    make_article(clinic=wabash, slug="pump")
    for path in (SITEMAP, FEED):
        first = api.get(path)
        with django_assert_num_queries(1):  # the listing version only
            response = api.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
        assert response.status_code == 304
        assert response.content == b""
        assert response["ETag"] == first["ETag"]


def test_if_none_match_star_is_a_304_only_for_a_clinic_that_exists(api, wabash):
    make_article(clinic=wabash, slug="pump")

    assert api.get(SITEMAP, HTTP_IF_NONE_MATCH="*").status_code == 304
    assert api.get("/api/v1/clinics/nope/sitemap.xml", HTTP_IF_NONE_MATCH="*").status_code == 404
    assert api.get("/api/v1/clinics/nope/feed.atom", HTTP_IF_NONE_MATCH="*").status_code == 404


def test_a_publication_gives_a_new_etag_and_body(api, wabash):
    make_article(clinic=wabash, slug="pump")
    etags = {path: api.get(path)["ETag"] for path in (SITEMAP, FEED)}

    make_article(clinic=wabash, slug="nerve-block")

    for path, etag in etags.items():
        response = api.get(path, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200
        assert b"nerve-block" in response.content


def test_the_response_cache_stores_and_serves_the_xml_with_its_content_type(wabash, monkeypatch):
    make_article(clinic=wabash, slug="pump")
    calls = []
    for path, content_type in ((SITEMAP, "application/xml"), (FEED, "application/atom+xml")):
        first = wsgi_get(path)
        assert first["status"] == 200
        # A hit never enters Django.
        monkeypatch.setattr(application, "app", lambda environ, start_response: calls.append(1) or [])
        second = wsgi_get(path)
        monkeypatch.undo()
        assert calls == []
        assert second["body"] == first["body"]
        assert second["headers"]["content-type"] == f"{content_type}; charset=utf-8"
        assert second["headers"]["etag"] == first["headers"]["etag"]
        ElementTree.fromstring(second["body"])


def test_a_new_publication_shows_at_once_through_the_response_cache(wabash):
    make_article(clinic=wabash, slug="pump")
    before = {path: wsgi_get(path) for path in (SITEMAP, FEED)}

    make_article(clinic=wabash, slug="nerve-block")

    for path, response in before.items():
        after = wsgi_get(path)
        assert b"nerve-block" not in response["body"] and b"nerve-block" in after["body"]
        assert after["headers"]["etag"] != response["headers"]["etag"]


# Cost


@pytest.mark.parametrize("path", [SITEMAP, FEED])
def test_the_query_count_does_not_grow_with_the_articles(api, wabash, path):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(path).status_code == 200
        return len(captured)

    for n in range(2):
        make_article(clinic=wabash, slug=f"a-{n}", conditions=[make_condition()])
    few = queries()
    for n in range(2, 20):
        make_article(clinic=wabash, slug=f"a-{n}", conditions=[make_condition()])
    assert PublicArticle.objects.visible().filter(clinic=wabash).count() == 20

    assert queries() == few
    assert few <= 3  # the listing version, the clinic, its articles


# The schema


def test_the_schema_documents_both_with_the_content_types_they_answer_with(api, wabash):
    make_article(clinic=wabash, slug="pump")
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, media_type in ((SITEMAP, "application/xml"), (FEED, "application/atom+xml")):
        operation = schema["paths"][path.replace("wabash", "{slug}")]["get"]
        assert list(operation["responses"]["200"]["content"]) == [media_type]
        assert operation["responses"]["404"]["content"].keys() == {"application/json"}
        assert [p["name"] for p in operation["parameters"] if p["in"] == "query"] == []
        [slug] = [p for p in operation["parameters"] if p["in"] == "path"]
        assert slug["schema"]["pattern"] == "^[-a-zA-Z0-9_]+$"
        assert api.get(path)["Content-Type"].split(";")[0] == media_type
