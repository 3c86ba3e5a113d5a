"""Full-text search (?search=): SQLite FTS5 or PostgreSQL tsvector, whichever DATABASE_URL picks."""

import pytest

from articles.models import Article
from tests.factories import make_article, make_draft, make_section

pytestmark = pytest.mark.django_db


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
    make_article(slug="in-title", title="Zzz catheter care")
    assert found(api, "catheter") == ["in-title", "in-text"]
    assert found(api, "catheter", ordering="title") == ["in-text", "in-title"]


def test_search_never_finds_drafts_or_scheduled_articles(api):
    make_draft(slug="draft", title="Secret pump")
    assert found(api, "pump") == []


def test_search_follows_edits_and_deletions_at_once(api):
    article = make_article(slug="edited", title="Old words")
    section = make_section(article=article, body="<p>Spinal cord stimulation.</p>")
    assert found(api, "spinal") == ["edited"]

    section.body = "<p>Radiofrequency ablation.</p>"
    section.save()
    assert found(api, "spinal") == []
    assert found(api, "radiofrequency") == ["edited"]

    article.title = "New words"
    article.save()
    assert found(api, "new") == ["edited"]

    section.delete()
    assert found(api, "radiofrequency") == []
    Article.objects.get(slug="edited").delete()
    assert found(api, "new") == []


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
