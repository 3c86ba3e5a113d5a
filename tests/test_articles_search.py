"""Full-text search (?search=): SQLite FTS5 or PostgreSQL tsvector, whichever DATABASE_URL picks."""

import datetime

import pytest
from django.utils import timezone

from articles import publishing, workflow
from articles.models import Article
from articles.states import State
from clinics import roles
from tests.factories import make_article, make_draft, make_scheduled, make_section, republish

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


def found(api, text, **params):
    response = api.get("/api/v1/articles/", {"search": text, **params})
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def test_search_stems_english_words(api):
    make_article(slug="pump", title="The intrathecal pump")
    assert found(api, "pumps") == ["pump"]
    assert found(api, "pumping") == ["pump"]


def test_search_finds_section_headings_and_text_but_not_markup(api):
    article = make_article(slug="stim", title="Stimulation")
    make_section(
        article=article, heading="Recovery time", body="<p>Most people <strong>heal</strong> fast.</p>"
    )
    republish(article)
    assert found(api, "recovery") == ["stim"]
    assert found(api, "heal") == ["stim"]
    assert found(api, "strong") == []


def test_search_needs_every_word(api):
    make_article(slug="both", title="Nerve block", summary="Relief for back pain.")
    make_article(slug="one", title="Nerve ablation", summary="Heat on the nerve.")
    assert found(api, "nerve back") == ["both"]


def test_search_ranks_title_matches_above_text_matches_unless_ordering_is_given(api):
    in_text = make_article(slug="in-text", title="Aaa procedure")
    make_section(article=in_text, body="<p>It uses a catheter.</p>")
    republish(in_text)
    make_article(slug="in-title", title="Zzz catheter care")
    assert found(api, "catheter") == ["in-title", "in-text"]
    assert found(api, "catheter", ordering="title") == ["in-text", "in-title"]


def test_search_never_finds_drafts_or_scheduled_articles(api):
    make_draft(slug="draft", title="Secret pump")
    make_scheduled(slug="scheduled", title="Secret pump plan")
    assert found(api, "pump") == []


def test_search_follows_edits_once_approved_and_unpublishing_and_deletion_at_once(api):
    article = make_article(slug="edited", title="Old words", sections=1)
    section = article.sections.get()
    section.body = "<p>Spinal cord stimulation.</p>"
    section.save()
    assert found(api, "spinal") == []  # a working-copy change, not approved yet
    republish(article)
    assert found(api, "spinal") == ["edited"]

    section.body = "<p>Radiofrequency ablation.</p>"
    section.save()
    assert found(api, "spinal") == ["edited"]
    assert found(api, "radiofrequency") == []
    republish(article)
    assert found(api, "spinal") == []
    assert found(api, "radiofrequency") == ["edited"]

    article.title = "New words"
    article.save()
    assert found(api, "new") == []
    republish(article)
    assert found(api, "new") == ["edited"]

    section.delete()
    assert found(api, "radiofrequency") == ["edited"]
    republish(article)
    assert found(api, "radiofrequency") == []

    publishing.end(article)
    assert found(api, "new") == []
    republish(article)
    assert found(api, "new") == ["edited"]
    Article.objects.get(slug="edited").delete()
    assert found(api, "new") == []


def test_search_ranking_does_not_change_when_drafts_are_added(api):
    # A title, a summary and a section text match, published in the opposite order of their rank
    # (so the order shows the ranking, not the dates), and two articles without the word.
    make_article(slug="in-title", title="Catheter care", published_ago=3 * DAY)
    make_article(slug="in-summary", summary="How the catheter and pump are refilled.", published_ago=2 * DAY)
    in_text = make_article(slug="in-text", title="Nerve blocks", published_ago=DAY)
    make_section(article=in_text, body="<p>A thin catheter sits by the nerve.</p>")
    republish(in_text)
    make_article(title="Pump refills")
    make_article(title="Spinal cord stimulation")
    before = api.get("/api/v1/articles/", {"search": "catheter"}).json()
    assert [row["slug"] for row in before["results"]] == ["in-title", "in-summary", "in-text"]

    # Staff write about catheters at length: three drafts and a scheduled article.
    word = " ".join(["catheter"] * 30)
    for n in range(3):
        draft = make_draft(title=f"Catheter draft {n}", summary=word)
        make_section(article=draft, heading="Catheter", body=f"<p>{word}</p>")
    scheduled = make_scheduled(title="Catheter coming soon", summary=word)
    make_section(article=scheduled, heading="Catheter", body=f"<p>{word}</p>")
    republish(scheduled, live_from=timezone.now() + DAY)

    after = api.get("/api/v1/articles/", {"search": "catheter"}).json()
    assert after["count"] == before["count"] == 3
    assert after["results"] == before["results"]


def test_search_ranking_by_text_length_does_not_change_when_long_drafts_are_added(api):
    # SQLite's bm25 weighs a match by the text's length against the average length of every
    # indexed text: long drafts in the index would lift the long article above the short one.
    short = make_article(slug="short", title="Pump refills", published_ago=DAY)
    make_section(article=short, body="<p>The catheter is checked.</p>")
    republish(short)
    long = make_article(slug="long", title="Pump care", published_ago=2 * DAY)
    make_section(article=long, body="<p>" + "catheter " * 3 + "care " * 60 + "</p>")
    republish(long)
    before = found(api, "catheter")

    for n in range(3):
        draft = make_draft(title=f"Draft {n}", summary="Not yet.")
        make_section(article=draft, body="<p>catheter " + "words of a long draft " * 100 + "</p>")
    scheduled = make_scheduled(title="Coming soon", summary="Later.")
    make_section(article=scheduled, body="<p>catheter " + "words of a long draft " * 100 + "</p>")
    republish(scheduled, live_from=timezone.now() + DAY)

    assert found(api, "catheter") == before
    assert len(before) == 2


@pytest.fixture
def writer(django_user_model):
    user = django_user_model.objects.create_user(
        "writer", "writer@clinic.example", "long-Pass-9921", is_staff=True
    )
    roles.grant(user, "Writer")
    return user


def test_a_word_only_in_a_writers_submitted_revision_of_a_live_article_finds_nothing(api, writer):
    article = make_article(slug="pump", title="The intrathecal pump", sections=1)
    section = article.sections.get()
    section.body = "<p>From next month: zebrafish.</p>"
    section.save()
    workflow.working_copy_changed(article, by=writer)
    workflow.transition(article, "submit", by=writer)
    assert workflow.state_of(Article.objects.get(pk=article.pk)) == State.CHANGES_IN_REVIEW

    assert found(api, "zebrafish") == []
    assert found(api, "intrathecal") == ["pump"]  # the live version, by its own words


def test_a_word_only_in_a_scheduled_version_finds_nothing_until_its_time(api, monkeypatch):
    now = timezone.now()
    article = make_article(slug="pump", title="The intrathecal pump", sections=1)
    section = article.sections.get()
    section.body = "<p>From Monday: zebrafish.</p>"
    section.save()
    article.title = "The implanted pump"
    article.save()
    republish(article, live_from=now + HOUR)

    assert found(api, "zebrafish") == []
    assert found(api, "implanted") == []
    assert found(api, "intrathecal") == ["pump"]

    monkeypatch.setattr(timezone, "now", lambda: now + 2 * HOUR)

    assert found(api, "zebrafish") == ["pump"]
    assert found(api, "implanted") == ["pump"]
    assert found(api, "intrathecal") == []


@pytest.mark.parametrize(
    "text", ['pump OR "', "NEAR(pump nerve)", "pump*", "title:pump", "-pump", "'; DROP TABLE x; --", "ümlaut"]
)
def test_search_treats_operators_and_quotes_as_plain_words(api, text):
    make_article(slug="pump", title="Pump")
    response = api.get("/api/v1/articles/", {"search": text})
    assert response.status_code == 200


def test_search_of_only_punctuation_finds_nothing(api):
    make_article(title="Pump")
    assert found(api, "?!") == []


def test_search_count_matches_the_results(api):
    for n in range(3):
        make_article(slug=f"pump-{n}", title=f"Pump {n}")
    make_article(slug="other", title="Other")
    body = api.get("/api/v1/articles/", {"search": "pump", "page_size": 2}).json()
    assert body["count"] == 3
    assert len(body["results"]) == 2
