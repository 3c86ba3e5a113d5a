"""The public article API: /api/v1/articles/, /api/v1/conditions/ and /api/v1/risks/."""

import datetime

import pytest
from django.utils import timezone

from articles.models import (
    Article,
    ArticleCondition,
    ArticleRisk,
    CandidateCriterion,
    Condition,
    Contraindication,
    Reference,
    Reviewer,
    Risk,
)
from tests.factories import (
    make_archived,
    make_article,
    make_clinic,
    make_condition,
    make_contact_link,
    make_draft,
    make_risk,
    make_scheduled,
    make_section,
    republish,
)

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


def iso(moment: datetime.datetime) -> str:
    """A timestamp as the API writes it (DRF's ISO 8601, UTC as Z)."""
    return moment.isoformat().replace("+00:00", "Z")


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["slug"] for row in response.json()["results"]]


def at(year, month, day, hour=0, minute=0, second=0) -> datetime.datetime:
    """A moment in the site's time zone, so date filters line up whatever TIME_ZONE is."""
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute, second))


def make_hidden_articles(**fields) -> list[Article]:
    """One draft, one archived and one scheduled article, all sharing ``fields``."""
    return [
        make_draft(title="Secret draft plan", **fields),
        make_archived(title="Secret archived plan", **fields),
        make_scheduled(title="Secret scheduled plan", **fields),
    ]


# --- GET /api/v1/ ---------------------------------------------------------------------------------


def test_api_root_answers_json_with_every_collection(api):
    response = api.get("/api/v1/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {
        "articles": "http://testserver/api/v1/articles/",
        "conditions": "http://testserver/api/v1/conditions/",
        "risks": "http://testserver/api/v1/risks/",
        "clinics": "http://testserver/api/v1/clinics/",
    }


# --- GET /api/v1/articles/: shape and pagination -------------------------------------------------


def test_article_list_result_has_exactly_the_documented_shape(api):
    clinic = make_clinic(name="Riverside Pain Clinic", slug="riverside")
    knee = make_condition(name="Knee pain", slug="knee-pain")
    back = make_condition(name="Back pain", slug="back-pain")
    article = make_article(
        clinic=clinic,
        title="Nerve blocks",
        slug="nerve-blocks",
        summary="How a nerve block eases pain.",
        conditions=[knee, back],
        risks=[make_risk()],
        sections=2,
        criteria=1,
    )
    publication = article.publications.get()

    response = api.get("/api/v1/articles/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "slug": "nerve-blocks",
                "title": "Nerve blocks",
                "summary": "How a nerve block eases pain.",
                # The approved version's dates: first approved version, so both are when it went live.
                "published_at": iso(publication.live_from),
                "updated_at": iso(publication.live_from),
                "url": "http://testserver/api/v1/articles/nerve-blocks/",
                "page_url": "http://localhost:3000/articles/nerve-blocks",
                "clinic": {"slug": "riverside", "name": "Riverside Pain Clinic"},
                "conditions": [
                    {"slug": "knee-pain", "name": "Knee pain"},
                    {"slug": "back-pain", "name": "Back pain"},
                ],
                "language": "en",
                "lead_image": None,
            }
        ],
    }


def test_article_list_timestamps_are_utc_iso_8601(api):
    make_article(published_at=datetime.datetime(2025, 3, 1, 9, 30, 15, 250000, tzinfo=datetime.UTC))

    [row] = api.get("/api/v1/articles/").json()["results"]

    assert row["published_at"] == "2025-03-01T09:30:15.250000Z"
    assert row["updated_at"].endswith("Z")


def test_article_list_pages_twenty_articles_by_default(api):
    for days in range(1, 22):
        make_article(published_ago=days * DAY)

    first = api.get("/api/v1/articles/").json()
    second = api.get("/api/v1/articles/?page=2").json()

    assert first["count"] == 21
    assert len(first["results"]) == 20
    assert first["next"] == "http://testserver/api/v1/articles/?page=2"
    assert first["previous"] is None
    assert len(second["results"]) == 1
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/v1/articles/"


def test_article_list_page_size_sets_the_number_of_results(api):
    for days in range(1, 8):
        make_article(published_ago=days * DAY)

    body = api.get("/api/v1/articles/?page_size=5").json()

    assert body["count"] == 7
    assert len(body["results"]) == 5
    assert body["next"] == "http://testserver/api/v1/articles/?page=2&page_size=5"


def test_article_list_allows_a_page_size_of_one_hundred(api):
    for days in range(1, 102):
        make_article(published_ago=days * DAY)

    body = api.get("/api/v1/articles/?page_size=100").json()

    assert body["count"] == 101
    assert len(body["results"]) == 100


def test_article_list_is_newest_first_by_default(api):
    middle = make_article(published_ago=2 * DAY)
    oldest = make_article(published_ago=3 * DAY)
    newest = make_article(published_ago=1 * DAY)

    assert slugs(api.get("/api/v1/articles/")) == [newest.slug, middle.slug, oldest.slug]


def test_article_list_lists_conditions_in_the_editors_order(api):
    article = make_article()
    for position, name in [(2, "Arthritis"), (3, "Migraine"), (1, "Zoster pain")]:
        ArticleCondition.objects.create(
            article=article, condition=make_condition(name=name), position=position
        )
    republish(article)

    [row] = api.get("/api/v1/articles/").json()["results"]

    assert [condition["name"] for condition in row["conditions"]] == ["Zoster pain", "Arthritis", "Migraine"]


# --- Ordering ------------------------------------------------------------------------------------


@pytest.fixture
def three_orderings():
    """Three articles whose publication, update and title orders all differ. The public update
    date is when the latest approved version went live: Apple's first version, Cherry's second
    (12 hours ago) and Banana's second (6 hours ago)."""
    now = timezone.now()
    cherry = make_article(title="Cherry", published_ago=3 * DAY)
    apple = make_article(title="Apple", published_ago=1 * DAY)
    banana = make_article(title="Banana", published_ago=2 * DAY)
    republish(cherry, live_from=now - 12 * HOUR)
    republish(banana, live_from=now - 6 * HOUR)
    return {"cherry": cherry.slug, "apple": apple.slug, "banana": banana.slug}


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("published_at", ["cherry", "banana", "apple"]),
        ("-published_at", ["apple", "banana", "cherry"]),
        ("updated_at", ["apple", "cherry", "banana"]),
        ("-updated_at", ["banana", "cherry", "apple"]),
        ("title", ["apple", "banana", "cherry"]),
        ("-title", ["cherry", "banana", "apple"]),
    ],
)
def test_article_list_orders_by_the_ordering_parameter(api, three_orderings, ordering, expected):
    response = api.get(f"/api/v1/articles/?ordering={ordering}")

    assert slugs(response) == [three_orderings[name] for name in expected]


def test_article_list_pages_never_repeat_or_skip_articles_with_equal_sort_keys(api):
    created = {make_article(title="Same title").slug for _ in range(5)}

    seen = []
    for page in (1, 2, 3):
        seen += slugs(api.get(f"/api/v1/articles/?ordering=title&page_size=2&page={page}"))

    assert len(seen) == 5
    assert set(seen) == created


# --- Filters -------------------------------------------------------------------------------------


def test_article_list_filters_by_condition_slug(api):
    knee = make_condition(slug="knee-pain")
    wanted = make_article(conditions=[knee])
    make_article(conditions=[make_condition()])
    make_article()

    assert slugs(api.get("/api/v1/articles/?condition=knee-pain")) == [wanted.slug]


def test_article_list_filters_by_any_of_several_comma_separated_conditions(api):
    knee = make_condition(slug="knee-pain")
    back = make_condition(slug="back-pain")
    on_knee = make_article(conditions=[knee], published_ago=1 * DAY)
    on_back = make_article(conditions=[back], published_ago=2 * DAY)
    make_article(conditions=[make_condition()])

    assert slugs(api.get("/api/v1/articles/?condition=knee-pain,back-pain")) == [on_knee.slug, on_back.slug]


def test_article_list_lists_an_article_matching_two_conditions_once(api):
    both = make_article(conditions=[make_condition(slug="knee-pain"), make_condition(slug="back-pain")])

    body = api.get("/api/v1/articles/?condition=knee-pain,back-pain").json()

    assert body["count"] == 1
    assert [row["slug"] for row in body["results"]] == [both.slug]


def test_article_list_with_an_unknown_condition_is_empty(api):
    make_article(conditions=[make_condition()])

    assert slugs(api.get("/api/v1/articles/?condition=no-such-condition")) == []


def test_article_list_filters_by_risk_slug(api):
    infection = make_risk(slug="infection")
    wanted = make_article(risks=[infection])
    make_article(risks=[make_risk()])
    make_article()

    assert slugs(api.get("/api/v1/articles/?risk=infection")) == [wanted.slug]


def test_article_list_filters_by_any_of_several_comma_separated_risks(api):
    on_infection = make_article(risks=[make_risk(slug="infection")], published_ago=1 * DAY)
    on_bruising = make_article(risks=[make_risk(slug="bruising")], published_ago=2 * DAY)
    make_article(risks=[make_risk()])

    assert slugs(api.get("/api/v1/articles/?risk=infection,bruising")) == [
        on_infection.slug,
        on_bruising.slug,
    ]


def test_article_list_lists_an_article_matching_two_risks_once(api):
    both = make_article(risks=[make_risk(slug="infection"), make_risk(slug="bruising")])

    body = api.get("/api/v1/articles/?risk=infection,bruising").json()

    assert body["count"] == 1
    assert [row["slug"] for row in body["results"]] == [both.slug]


def test_article_list_combines_condition_and_risk_filters(api):
    knee = make_condition(slug="knee-pain")
    infection = make_risk(slug="infection")
    wanted = make_article(conditions=[knee], risks=[infection])
    make_article(conditions=[knee])
    make_article(risks=[infection])

    assert slugs(api.get("/api/v1/articles/?condition=knee-pain&risk=infection")) == [wanted.slug]


def test_article_list_filters_by_clinic_slug(api):
    riverside = make_clinic(slug="riverside")
    wanted = make_article(clinic=riverside)
    make_article(clinic=make_clinic(slug="hillside"))

    assert slugs(api.get("/api/v1/articles/?clinic=riverside")) == [wanted.slug]


@pytest.fixture
def around_march_first():
    """Articles published just before, at, during and just after 1 March 2025 (site time)."""
    return {
        "feb-28-late": make_article(slug="feb-28-late", published_at=at(2025, 2, 28, 23, 59, 59)),
        "mar-1-start": make_article(slug="mar-1-start", published_at=at(2025, 3, 1)),
        "mar-1-afternoon": make_article(slug="mar-1-afternoon", published_at=at(2025, 3, 1, 15)),
        "mar-2-start": make_article(slug="mar-2-start", published_at=at(2025, 3, 2)),
    }


def test_article_list_published_after_a_date_starts_at_the_beginning_of_that_day(api, around_march_first):
    response = api.get("/api/v1/articles/?published_after=2025-03-01")

    assert slugs(response) == ["mar-2-start", "mar-1-afternoon", "mar-1-start"]


def test_article_list_published_after_a_datetime_starts_at_that_moment(api, around_march_first):
    moment = iso(at(2025, 3, 1, 12).astimezone(datetime.UTC))

    response = api.get(f"/api/v1/articles/?published_after={moment}")

    assert slugs(response) == ["mar-2-start", "mar-1-afternoon"]


def test_article_list_published_before_a_date_includes_that_whole_day(api, around_march_first):
    response = api.get("/api/v1/articles/?published_before=2025-03-01")

    assert slugs(response) == ["mar-1-afternoon", "mar-1-start", "feb-28-late"]


def test_article_list_published_before_a_datetime_ends_at_that_moment(api, around_march_first):
    moment = iso(at(2025, 3, 1, 12).astimezone(datetime.UTC))

    response = api.get(f"/api/v1/articles/?published_before={moment}")

    assert slugs(response) == ["mar-1-start", "feb-28-late"]


def test_article_list_published_after_and_before_the_same_date_give_that_day(api, around_march_first):
    response = api.get("/api/v1/articles/?published_after=2025-03-01&published_before=2025-03-01")

    assert slugs(response) == ["mar-1-afternoon", "mar-1-start"]


def test_article_list_search_finds_words_in_the_title(api):
    wanted = make_article(title="Radiofrequency ablation")
    make_article(title="Nerve blocks")

    assert slugs(api.get("/api/v1/articles/?search=radiofrequency")) == [wanted.slug]


def test_article_list_search_finds_words_in_the_summary(api):
    wanted = make_article(summary="A needle warms the nerve.")
    make_article(summary="A short injection.")

    assert slugs(api.get("/api/v1/articles/?search=needle")) == [wanted.slug]


def test_article_list_search_finds_words_in_a_section_heading(api):
    wanted = make_article()
    make_section(article=wanted, heading="Does it hurt?", body="<p>A little.</p>")
    republish(wanted)
    other = make_article()
    make_section(article=other, heading="Recovery", body="<p>A little.</p>")
    republish(other)

    assert slugs(api.get("/api/v1/articles/?search=hurt")) == [wanted.slug]


def test_article_list_search_finds_words_in_section_text(api):
    wanted = make_article()
    make_section(
        article=wanted, heading="Recovery", body="<p>Most people walk out <em>the same</em> day.</p>"
    )
    republish(wanted)
    other = make_article()
    make_section(article=other, heading="Recovery", body="<p>Rest for a week.</p>")
    republish(other)

    assert slugs(api.get("/api/v1/articles/?search=walk")) == [wanted.slug]


def test_article_list_search_ignores_case(api):
    wanted = make_article(title="Spinal cord stimulation")

    assert slugs(api.get("/api/v1/articles/?search=SPINAL")) == [wanted.slug]


def test_article_list_search_needs_every_word_to_match(api):
    both = make_article(title="Knee injection", summary="For arthritis of the knee.")
    make_article(title="Knee surgery", summary="For torn ligaments.")
    make_article(title="Hip injection", summary="For arthritis of the hip.")

    assert slugs(api.get("/api/v1/articles/?search=knee%20arthritis")) == [both.slug]


def test_article_list_search_matches_words_found_in_different_places(api):
    wanted = make_article(title="Knee injection")
    make_section(article=wanted, heading="Who it helps", body="<p>People with arthritis.</p>")
    republish(wanted)
    make_article(title="Knee surgery")

    assert slugs(api.get("/api/v1/articles/?search=knee+arthritis")) == [wanted.slug]


def test_article_list_search_does_not_match_html_tag_names(api):
    article = make_article(title="Recovery", summary="What to expect.")
    make_section(
        article=article,
        heading="Afterwards",
        body='<p>Take it <strong>slowly</strong>, <em>rest</em>; <a href="https://nhs.example/">advice</a>.</p>',
    )
    republish(article)

    for markup_only in ("strong", "em", "href", "nhs"):
        assert slugs(api.get(f"/api/v1/articles/?search={markup_only}")) == [], markup_only
    assert slugs(api.get("/api/v1/articles/?search=slowly")) == [article.slug]


def test_article_list_refuses_unknown_query_parameters(api):
    make_article()

    response = api.get("/api/v1/articles/?colour=blue")

    assert response.status_code == 400
    assert list(response.json()) == ["colour"]


# --- GET /api/v1/articles/{slug}/ ----------------------------------------------------------------


def test_article_detail_has_exactly_the_documented_shape(api):
    clinic = make_clinic(
        name="Riverside Pain Clinic",
        slug="riverside",
        description="Pain care by the river.",
        specialty="Pain management",
        street_address="12 Water Street",
        city="Lafayette",
        region="IN",
        postal_code="47901",
        country="US",
        phone="+1-765-555-0100",
        email="hello@riverside.example",
        website="https://riverside.example/",
    )
    make_contact_link(clinic=clinic, kind="phone", label="Call us", url="tel:+17655550100", position=2)
    make_contact_link(clinic=clinic, kind="website", label="", url="https://riverside.example/", position=1)
    knee = make_condition(name="Knee pain", slug="knee-pain", summary="Pain in or around the knee.")
    infection = make_risk(name="Infection", slug="infection", summary="Germs getting into the wound.")
    article = make_article(
        clinic=clinic,
        title="Nerve blocks",
        slug="nerve-blocks",
        summary="How a nerve block eases pain.",
        conditions=[knee],
        risks=[infection],
        reviewed_by=Reviewer.objects.create(name="Dr. Ada Reyes", credentials="MD, pain medicine"),
        last_reviewed_on=datetime.date(2026, 2, 10),
        review_interval_months=6,
        treatment_type="procedure",
        treatment_name="Nerve block",
    )
    make_section(
        article=article,
        position=1,
        heading="Does it hurt?",
        body="<p>Most people feel <strong>little</strong> pain.</p>",
    )
    CandidateCriterion.objects.create(article=article, position=1, text="Other treatments have not helped.")
    Contraindication.objects.create(article=article, position=1, text="An infection at the injection site.")
    Reference.objects.create(
        article=article, position=1, title="Nerve blocks", doi="10.1000/xyz123", accessed_on=None
    )
    first = article.publications.get()
    publication = republish(article)

    response = api.get("/api/v1/articles/nerve-blocks/")

    assert response.status_code == 200
    body = response.json()
    # The JSON-LD graph has tests of its own (test_articles_structured_data.py).
    assert body.pop("jsonld")["@graph"][0]["@id"] == "http://localhost:3000/articles/nerve-blocks"
    assert body == {
        "slug": "nerve-blocks",
        "title": "Nerve blocks",
        "summary": "How a nerve block eases pain.",
        # First published with the first approved version; updated when this one went live.
        "published_at": iso(first.live_from),
        "updated_at": iso(publication.live_from),
        "url": "http://testserver/api/v1/articles/nerve-blocks/",
        "page_url": "http://localhost:3000/articles/nerve-blocks",
        "clinic": {
            "slug": "riverside",
            "name": "Riverside Pain Clinic",
            "url": "http://testserver/api/v1/clinics/riverside/",
            "description": "Pain care by the river.",
            "specialty": "Pain management",
            "address": {
                "street_address": "12 Water Street",
                "city": "Lafayette",
                "region": "IN",
                "postal_code": "47901",
                "country": "US",
            },
            "phone": "+1-765-555-0100",
            "email": "hello@riverside.example",
            "website": "https://riverside.example/",
            "contact_links": [
                {"kind": "website", "label": None, "url": "https://riverside.example/"},
                {"kind": "phone", "label": "Call us", "url": "tel:+17655550100"},
            ],
        },
        "conditions": [
            {"slug": "knee-pain", "name": "Knee pain", "summary": "Pain in or around the knee.", "codes": []}
        ],
        "language": "en",
        "lead_image": None,
        "risks": [{"slug": "infection", "name": "Infection", "summary": "Germs getting into the wound."}],
        "sections": [
            {
                "heading": "Does it hurt?",
                "anchor": "does-it-hurt",
                "body": "<p>Most people feel <strong>little</strong> pain.</p>",
            }
        ],
        "candidate_criteria": ["Other treatments have not helped."],
        "reviewed_by": {"name": "Dr. Ada Reyes", "credentials": "MD, pain medicine"},
        "last_reviewed_on": "2026-02-10",
        "next_review_due": "2026-08-10",
        "treatment": {"type": "procedure", "name": "Nerve block"},
        "contraindications": ["An infection at the injection site."],
        "references": [
            {
                "title": "Nerve blocks",
                "url": "https://doi.org/10.1000/xyz123",
                "doi": "10.1000/xyz123",
                "pubmed_id": None,
                "accessed_on": None,
            }
        ],
        # "Most people feel little pain.": 1 sentence, 5 words, 7 syllables, no word of 3+.
        "readability": {
            "flesch_kincaid_grade": 2.9,
            "smog_grade": 3.1,
            "fernandez_huerta": None,
            "szigriszt_pazos": None,
            "inflesz_band": None,
            "above_target": False,
            "target_grade": 8.0,
            "sections": [
                {
                    "anchor": "does-it-hurt",
                    "heading": "Does it hurt?",
                    "flesch_kincaid_grade": 2.9,
                    "smog_grade": 3.1,
                    "fernandez_huerta": None,
                    "szigriszt_pazos": None,
                    "inflesz_band": None,
                    "above_target": False,
                }
            ],
        },
        "accessibility": {"issues": []},
        "translations": [],
    }


def test_article_detail_keeps_the_editors_order_of_every_list(api):
    clinic = make_clinic()
    article = make_article(clinic=clinic)
    for position in (3, 1, 2):
        make_section(article=article, position=position, heading=f"Part {position}")
        ArticleCondition.objects.create(
            article=article, condition=make_condition(name=f"Z condition {4 - position}"), position=position
        )
        ArticleRisk.objects.create(
            article=article, risk=make_risk(name=f"Z risk {4 - position}"), position=position
        )
        CandidateCriterion.objects.create(article=article, position=position, text=f"Criterion {position}")
        make_contact_link(clinic=clinic, url=f"https://clinic.example/{position}", position=position)
    republish(article)

    body = api.get(f"/api/v1/articles/{article.slug}/").json()

    assert [section["heading"] for section in body["sections"]] == ["Part 1", "Part 2", "Part 3"]
    assert [section["anchor"] for section in body["sections"]] == ["part-1", "part-2", "part-3"]
    assert [c["name"] for c in body["conditions"]] == ["Z condition 3", "Z condition 2", "Z condition 1"]
    assert [r["name"] for r in body["risks"]] == ["Z risk 3", "Z risk 2", "Z risk 1"]
    assert body["candidate_criteria"] == ["Criterion 1", "Criterion 2", "Criterion 3"]
    assert [link["url"] for link in body["clinic"]["contact_links"]] == [
        "https://clinic.example/1",
        "https://clinic.example/2",
        "https://clinic.example/3",
    ]


def test_article_detail_of_an_unknown_slug_is_a_json_404(api):
    response = api.get("/api/v1/articles/no-such-article/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert isinstance(response.json(), dict)


# --- Visibility: drafts, archived and scheduled articles -----------------------------------------


def test_article_list_hides_drafts_archived_and_scheduled_articles(api):
    public = make_article()
    make_hidden_articles()

    body = api.get("/api/v1/articles/").json()

    assert body["count"] == 1
    assert [row["slug"] for row in body["results"]] == [public.slug]


@pytest.mark.parametrize("maker", [make_draft, make_archived, make_scheduled])
def test_article_detail_of_an_unpublished_article_is_404(api, maker):
    hidden = maker(slug="hidden")

    response = api.get(f"/api/v1/articles/{hidden.slug}/")

    assert response.status_code == 404
    assert isinstance(response.json(), dict)


@pytest.mark.parametrize(
    "query",
    [
        "search=secret",
        "search=plan",
        "condition=hidden-condition",
        "risk=hidden-risk",
        "clinic=hidden-clinic",
        "published_after=2000-01-01",
        "published_before=2999-12-31",
        "ordering=-published_at",
        "ordering=title",
        "page_size=100",
    ],
)
def test_no_article_list_filter_reveals_unpublished_articles(api, query):
    make_hidden_articles(
        clinic=make_clinic(slug="hidden-clinic"),
        conditions=[make_condition(slug="hidden-condition")],
        risks=[make_risk(slug="hidden-risk")],
    )

    body = api.get(f"/api/v1/articles/?{query}").json()

    assert body["count"] == 0
    assert body["results"] == []


@pytest.mark.parametrize("query", ["status=draft", "status=archived", "include_drafts=1", "draft=true"])
def test_draft_selectors_on_the_article_list_are_refused_without_revealing_anything(api, query):
    make_hidden_articles(clinic=make_clinic(slug="hidden-clinic"))

    response = api.get(f"/api/v1/articles/?{query}")

    assert response.status_code == 400
    assert list(response.json()) == [query.split("=")[0]]
    assert "Secret" not in response.content.decode()


@pytest.mark.parametrize("query", ["status=draft", "include_drafts=1", "preview=1"])
def test_no_article_detail_parameter_reveals_an_unpublished_article(api, query):
    make_draft(slug="draft", title="Secret draft")

    response = api.get(f"/api/v1/articles/draft/?{query}")

    assert response.status_code == 400
    assert "Secret" not in response.content.decode()


def test_article_list_hides_an_article_published_in_a_future_minute(api):
    make_article(published_at=timezone.now() + datetime.timedelta(minutes=1))

    assert slugs(api.get("/api/v1/articles/")) == []


def test_scheduled_article_appears_once_its_time_has_passed(api, monkeypatch):
    now = timezone.now()
    condition = make_condition(slug="knee-pain")
    risk = make_risk(slug="infection")
    make_scheduled(slug="coming-soon", ahead=HOUR, conditions=[condition], risks=[risk])
    assert slugs(api.get("/api/v1/articles/")) == []
    assert api.get("/api/v1/articles/coming-soon/").status_code == 404
    assert api.get("/api/v1/conditions/knee-pain/").status_code == 404
    assert api.get("/api/v1/risks/infection/").status_code == 404

    # No job runs and nothing is saved: the clock alone moves past its time.
    monkeypatch.setattr(timezone, "now", lambda: now + 2 * HOUR)

    assert slugs(api.get("/api/v1/articles/")) == ["coming-soon"]
    assert slugs(api.get("/api/v1/articles/?condition=knee-pain")) == ["coming-soon"]
    assert api.get("/api/v1/articles/coming-soon/").status_code == 200
    assert slugs(api.get("/api/v1/conditions/")) == ["knee-pain"]
    assert api.get("/api/v1/conditions/knee-pain/").json()["article_count"] == 1
    assert slugs(api.get("/api/v1/risks/")) == ["infection"]
    assert [a["slug"] for a in api.get("/api/v1/risks/infection/").json()["articles"]] == ["coming-soon"]


# --- GET /api/v1/conditions/ and /api/v1/risks/ --------------------------------------------------


def test_condition_list_result_has_exactly_the_documented_shape(api):
    knee = make_condition(name="Knee pain", slug="knee-pain", summary="Pain in or around the knee.")
    make_article(conditions=[knee])
    make_article(conditions=[knee])

    response = api.get("/api/v1/conditions/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "slug": "knee-pain",
                "name": "Knee pain",
                "summary": "Pain in or around the knee.",
                "language": "en",
                "url": "http://testserver/api/v1/conditions/knee-pain/",
                "article_count": 2,
                "codes": [],
            }
        ],
    }


def test_condition_detail_has_exactly_the_documented_shape(api):
    knee = make_condition(name="Knee pain", slug="knee-pain", summary="Pain in or around the knee.")
    make_article(title="Knee injection", slug="knee-injection", conditions=[knee], published_ago=2 * DAY)
    make_article(title="Nerve blocks", slug="nerve-blocks", conditions=[knee], published_ago=1 * DAY)

    response = api.get("/api/v1/conditions/knee-pain/")

    assert response.status_code == 200
    assert response.json() == {
        "slug": "knee-pain",
        "name": "Knee pain",
        "summary": "Pain in or around the knee.",
        "language": "en",
        "url": "http://testserver/api/v1/conditions/knee-pain/",
        "article_count": 2,
        "codes": [],
        "articles": [
            {
                "slug": "nerve-blocks",
                "title": "Nerve blocks",
                "url": "http://testserver/api/v1/articles/nerve-blocks/",
                "page_url": "http://localhost:3000/articles/nerve-blocks",
            },
            {
                "slug": "knee-injection",
                "title": "Knee injection",
                "url": "http://testserver/api/v1/articles/knee-injection/",
                "page_url": "http://localhost:3000/articles/knee-injection",
            },
        ],
    }


def test_risk_list_result_has_exactly_the_documented_shape(api):
    infection = make_risk(name="Infection", slug="infection", summary="Germs getting into the wound.")
    make_article(risks=[infection])

    response = api.get("/api/v1/risks/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "slug": "infection",
                "name": "Infection",
                "summary": "Germs getting into the wound.",
                "language": "en",
                "url": "http://testserver/api/v1/risks/infection/",
                "article_count": 1,
            }
        ],
    }


def test_risk_detail_has_exactly_the_documented_shape(api):
    infection = make_risk(name="Infection", slug="infection", summary="Germs getting into the wound.")
    make_article(title="Knee injection", slug="knee-injection", risks=[infection], published_ago=1 * DAY)
    make_article(title="Nerve blocks", slug="nerve-blocks", risks=[infection], published_ago=2 * DAY)

    response = api.get("/api/v1/risks/infection/")

    assert response.status_code == 200
    assert response.json() == {
        "slug": "infection",
        "name": "Infection",
        "summary": "Germs getting into the wound.",
        "language": "en",
        "url": "http://testserver/api/v1/risks/infection/",
        "article_count": 2,
        "articles": [
            {
                "slug": "knee-injection",
                "title": "Knee injection",
                "url": "http://testserver/api/v1/articles/knee-injection/",
                "page_url": "http://localhost:3000/articles/knee-injection",
            },
            {
                "slug": "nerve-blocks",
                "title": "Nerve blocks",
                "url": "http://testserver/api/v1/articles/nerve-blocks/",
                "page_url": "http://localhost:3000/articles/nerve-blocks",
            },
        ],
    }


@pytest.mark.parametrize(
    ("collection", "make_topic", "link"),
    [("conditions", make_condition, "conditions"), ("risks", make_risk, "risks")],
)
def test_topic_detail_lists_articles_newest_first(api, collection, make_topic, link):
    topic = make_topic(slug="topic")
    middle = make_article(published_ago=2 * DAY, **{link: [topic]})
    oldest = make_article(published_ago=3 * DAY, **{link: [topic]})
    newest = make_article(published_ago=1 * DAY, **{link: [topic]})

    body = api.get(f"/api/v1/{collection}/topic/").json()

    assert [article["slug"] for article in body["articles"]] == [newest.slug, middle.slug, oldest.slug]


@pytest.mark.parametrize(
    ("collection", "make_topic", "link"),
    [("conditions", make_condition, "conditions"), ("risks", make_risk, "risks")],
)
def test_topic_counts_and_lists_only_published_articles(api, collection, make_topic, link):
    topic = make_topic(slug="topic")
    public = make_article(**{link: [topic]})
    make_hidden_articles(**{link: [topic]})

    [row] = api.get(f"/api/v1/{collection}/").json()["results"]
    detail = api.get(f"/api/v1/{collection}/topic/").json()

    assert row["article_count"] == 1
    assert detail["article_count"] == 1
    assert [article["slug"] for article in detail["articles"]] == [public.slug]


@pytest.mark.parametrize(
    ("collection", "make_topic", "link"),
    [("conditions", make_condition, "conditions"), ("risks", make_risk, "risks")],
)
@pytest.mark.parametrize("maker", [make_draft, make_archived, make_scheduled])
def test_topic_named_only_by_an_unpublished_article_is_not_listed_and_is_404(
    api, collection, make_topic, link, maker
):
    make_article(**{link: [make_topic(slug="public-topic")]})
    maker(**{link: [make_topic(slug="secret-topic")]})

    assert slugs(api.get(f"/api/v1/{collection}/")) == ["public-topic"]
    assert api.get(f"/api/v1/{collection}/secret-topic/").status_code == 404


@pytest.mark.parametrize(
    ("collection", "make_topic", "link"),
    [("conditions", make_condition, "conditions"), ("risks", make_risk, "risks")],
)
def test_topic_list_is_in_name_order(api, collection, make_topic, link):
    # Neither creation (primary key) nor slug order is name order, so an unordered listing shows.
    topics = [
        make_topic(name="Migraine", slug="c-migraine"),
        make_topic(name="Zoster", slug="a-zoster"),
        make_topic(name="Arthritis", slug="b-arthritis"),
    ]
    make_article(**{link: topics})

    assert slugs(api.get(f"/api/v1/{collection}/")) == ["b-arthritis", "c-migraine", "a-zoster"]


@pytest.mark.parametrize(("collection", "make_topic"), [("conditions", make_condition), ("risks", make_risk)])
def test_topic_named_by_no_article_is_not_listed(api, collection, make_topic):
    make_topic(slug="unused")

    assert slugs(api.get(f"/api/v1/{collection}/")) == []
    assert api.get(f"/api/v1/{collection}/unused/").status_code == 404


@pytest.mark.parametrize("collection", ["conditions", "risks"])
def test_topic_detail_of_an_unknown_slug_is_a_json_404(api, collection):
    response = api.get(f"/api/v1/{collection}/no-such-topic/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert isinstance(response.json(), dict)


# --- Errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize("collection", ["articles", "conditions", "risks"])
@pytest.mark.parametrize("page_size", ["abc", "0", "-1", "101", "1.5", ""])
def test_list_rejects_a_malformed_page_size(api, collection, page_size):
    make_article(conditions=[make_condition()], risks=[make_risk()])

    response = api.get(f"/api/v1/{collection}/?page_size={page_size}")

    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]


@pytest.mark.parametrize("collection", ["articles", "conditions", "risks"])
@pytest.mark.parametrize("page", ["abc", "0", "-1"])
def test_list_rejects_a_malformed_page_number(api, collection, page):
    make_article(conditions=[make_condition()], risks=[make_risk()])

    response = api.get(f"/api/v1/{collection}/?page={page}")

    assert response.status_code == 400
    assert list(response.json()) == ["page"]


@pytest.mark.parametrize("collection", ["articles", "conditions", "risks"])
def test_list_page_past_the_end_is_a_json_404(api, collection):
    make_article(conditions=[make_condition()], risks=[make_risk()])

    response = api.get(f"/api/v1/{collection}/?page=2")

    assert response.status_code == 404
    assert isinstance(response.json(), dict)


@pytest.mark.parametrize(
    ("query", "key"),
    [
        ("published_after=yesterday", "published_after"),
        ("published_after=2026-02-30", "published_after"),
        ("published_before=2026-13-45", "published_before"),
        ("published_before=tomorrow", "published_before"),
        ("ordering=password", "ordering"),
        ("ordering=-status", "ordering"),
        ("ordering=clinic__email", "ordering"),
    ],
)
def test_article_list_rejects_a_malformed_filter_value(api, query, key):
    make_article()

    response = api.get(f"/api/v1/articles/?{query}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert list(response.json()) == [key]


def test_unknown_api_path_is_a_json_404(api):
    response = api.get("/api/v1/nope/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert isinstance(response.json(), dict)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_article_endpoints_refuse_writes_and_change_nothing(api, method):
    article = make_article(title="Original title", slug="original")
    before = Article.objects.values().get()
    payload = {"title": "Changed", "slug": "changed", "status": "draft"}

    on_list = getattr(api, method)("/api/v1/articles/", payload, format="json")
    on_detail = getattr(api, method)("/api/v1/articles/original/", payload, format="json")

    assert on_list.status_code == 405
    assert on_detail.status_code == 405
    assert isinstance(on_list.json(), dict)
    assert isinstance(on_detail.json(), dict)
    assert list(Article.objects.values()) == [before]
    assert api.get(f"/api/v1/articles/{article.slug}/").json()["title"] == "Original title"


@pytest.mark.parametrize(("collection", "model"), [("conditions", Condition), ("risks", Risk)])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_topic_endpoints_refuse_writes_and_change_nothing(api, collection, model, method):
    make_article(conditions=[make_condition(slug="topic")], risks=[make_risk(slug="topic")])
    before = list(model.objects.values())
    payload = {"name": "Changed", "slug": "changed"}

    on_list = getattr(api, method)(f"/api/v1/{collection}/", payload, format="json")
    on_detail = getattr(api, method)(f"/api/v1/{collection}/topic/", payload, format="json")

    assert on_list.status_code == 405
    assert on_detail.status_code == 405
    assert list(model.objects.values()) == before


# --- Query budgets -------------------------------------------------------------------------------


@pytest.mark.parametrize("stored", [False, True], ids=["rendered-now", "stored-json"])
@pytest.mark.parametrize("rows", [1, 25])
def test_article_list_query_count_does_not_grow_with_articles(
    api, django_assert_max_num_queries, django_capture_on_commit_callbacks, rows, stored
):
    conditions = [make_condition() for _ in range(3)]
    for _ in range(rows):
        make_article(clinic=make_clinic(), conditions=conditions)
    # A condition they all show changes: their stored JSON is cleared at once, and rendered
    # again once the change commits.
    conditions[0].name = "Renamed condition"
    with django_capture_on_commit_callbacks(execute=stored):
        conditions[0].save()

    # 1. the listing version (cache middleware)
    # 2. the ids of the visible public rows, in order (then cached: count and pages are free)
    # 3. the page's stored list JSON
    # without stored JSON (the change has not committed yet), for those rows only:
    # 4. their publications (the frozen content)
    # 5. their clinics
    # 6. the clinics' contact links
    # 7. today's conditions they name
    # 8. those conditions' codes
    # 9. those conditions' names in other languages
    # 10. the articles' translation groups (a live translation adds one query for their rows)
    # (reviewers and risks: one query each when some are named; none here)
    with django_assert_max_num_queries(10 if not stored else 3):
        body = api.get("/api/v1/articles/?page_size=100").json()

    assert len(body["results"]) == rows
    assert all(len(row["conditions"]) == 3 for row in body["results"])
    assert all(row["conditions"][0]["name"] == "Renamed condition" for row in body["results"])


def test_article_list_of_one_hundred_stays_within_the_list_budget(api, django_assert_max_num_queries):
    conditions = [make_condition() for _ in range(3)]
    for _ in range(100):
        make_article(conditions=conditions)

    # Same three queries as above: listing version, ids, the page's stored JSON.
    with django_assert_max_num_queries(3):
        body = api.get("/api/v1/articles/?page_size=100").json()

    assert len(body["results"]) == 100


def test_filtered_article_list_stays_within_the_list_budget(api, django_assert_max_num_queries):
    knee = make_condition(slug="knee-pain")
    infection = make_risk(slug="infection")
    for _ in range(25):
        article = make_article(title="Knee injection", conditions=[knee], risks=[infection])
        make_section(article=article, heading="Recovery", body="<p>Rest.</p>")
        republish(article)

    # 1. the listing version (cache middleware)
    # 2. the ids of the matching rows, in order: the filters are subqueries (EXISTS) and a join
    #    to the full-text index of that one query
    # 3. the page's stored list JSON
    with django_assert_max_num_queries(3):
        body = api.get(
            "/api/v1/articles/?condition=knee-pain&risk=infection&search=knee+rest"
            "&published_after=2000-01-01&ordering=title"
        ).json()

    assert body["count"] == 25


@pytest.mark.parametrize("stored", [False, True], ids=["rendered-now", "stored-json"])
@pytest.mark.parametrize("rows", [1, 25])
def test_article_detail_query_count_does_not_grow_with_children(
    api, django_assert_max_num_queries, django_capture_on_commit_callbacks, rows, stored
):
    clinic = make_clinic(contact_links=rows)
    article = make_article(
        clinic=clinic,
        sections=rows,
        conditions=[make_condition() for _ in range(rows)],
        risks=[make_risk() for _ in range(rows)],
        criteria=rows,
        contraindications=rows,
        references=rows,
        reviewed_by=Reviewer.objects.create(name="Dr. Ada Reyes"),
    )
    # The clinic it shows changes: its stored JSON is cleared at once, and rendered again once
    # the change commits.
    clinic.description = "Edited."
    with django_capture_on_commit_callbacks(execute=stored):
        clinic.save()

    # 1. the visible public row at this address, with its ETag and stored JSON (cache
    #    middleware; the view reuses it)
    # without stored JSON (the change has not committed yet):
    # 2. its publication (the frozen article and children, in the editor's order)
    # 3. its clinic
    # 4. the clinic's contact links
    # 5. its reviewer
    # 6. today's conditions it names
    # 7. those conditions' codes
    # 8. those conditions' names in other languages
    # 9. today's risks it names
    # 10. those risks' names in other languages
    # 11. its translation group (a live translation adds one query for their rows)
    with django_assert_max_num_queries(11 if not stored else 1):
        body = api.get(f"/api/v1/articles/{article.slug}/").json()

    assert len(body["sections"]) == rows
    assert len(body["conditions"]) == rows
    assert len(body["risks"]) == rows
    assert len(body["candidate_criteria"]) == rows
    assert len(body["contraindications"]) == rows
    assert len(body["references"]) == rows
    assert len(body["clinic"]["contact_links"]) == rows
    assert body["clinic"]["description"] == "Edited."


@pytest.mark.parametrize(("collection", "link"), [("conditions", "conditions"), ("risks", "risks")])
@pytest.mark.parametrize("rows", [1, 25])
def test_topic_list_query_count_does_not_grow_with_topics(
    api, django_assert_max_num_queries, collection, link, rows
):
    maker = make_condition if link == "conditions" else make_risk
    topics = [maker() for _ in range(rows)]
    for _ in range(3):
        make_article(**{link: topics})

    # 1. the content version (cache middleware)
    # 2. COUNT(*) of topics named by a published article (pagination)
    # 3. the page of topics with their published-article count
    # 4. conditions only: the page's codes
    with django_assert_max_num_queries(4 if collection == "conditions" else 3):
        body = api.get(f"/api/v1/{collection}/?page_size=100").json()

    assert len(body["results"]) == rows
    assert all(row["article_count"] == 3 for row in body["results"])


@pytest.mark.parametrize(("collection", "link"), [("conditions", "conditions"), ("risks", "risks")])
@pytest.mark.parametrize("rows", [1, 25])
def test_topic_detail_query_count_does_not_grow_with_articles(
    api, django_assert_max_num_queries, collection, link, rows
):
    topic = (make_condition if link == "conditions" else make_risk)(slug="topic")
    for _ in range(rows):
        make_article(**{link: [topic]})

    # 1. the content version (cache middleware)
    # 2. the topic with its published-article count
    # 3. its published articles, newest first
    # 4. conditions only: its codes
    with django_assert_max_num_queries(4 if collection == "conditions" else 3):
        body = api.get(f"/api/v1/{collection}/topic/").json()

    assert body["article_count"] == rows
    assert len(body["articles"]) == rows


def test_article_list_refuses_more_than_twenty_condition_slugs(api):
    many = ",".join(f"condition-{n}" for n in range(21))
    response = api.get("/api/v1/articles/", {"condition": many})
    assert response.status_code == 400
    assert response.json() == {"condition": ["Give at most 20 slugs."]}


@pytest.mark.parametrize("parameter", ["condition", "risk"])
def test_article_list_treats_a_slug_list_of_only_commas_as_no_filter(api, parameter):
    article = make_article()
    assert slugs(api.get("/api/v1/articles/", {parameter: ",, ,"})) == [article.slug]
