"""Revisions of an article in the admin: every save is a version, history, diffs, reverts, edit conflicts."""

import difflib
import html
import random
import re
from collections import defaultdict

import pytest
import reversion
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import revisions, text_diff, workflow
from articles.models import (
    Article,
    ArticleCondition,
    ArticleRisk,
    ArticleTransition,
    CandidateCriterion,
    Condition,
    Reviewer,
    Risk,
    Section,
)
from articles.snapshots import from_version
from articles.states import State
from clinics import roles
from tests.admin_forms import add_rows, form_data
from tests.factories import make_article, make_clinic, make_condition, make_draft, make_risk, republish

pytestmark = pytest.mark.django_db

ADD_ARTICLE = reverse("admin:articles_article_add")
CONFLICT = "Someone else saved this article after you opened it"


@pytest.fixture
def editor(staff_client, django_user_model):
    return django_user_model.objects.get(username="editor")


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def history_url(article) -> str:
    return reverse("admin:articles_article_history", args=[article.pk])


def compare_url(article) -> str:
    return reverse("admin:articles_article_compare", args=[article.pk])


def revert_url(article, version) -> str:
    return reverse("admin:articles_article_revert", args=[article.pk, version.pk])


def versions(article) -> list[Version]:
    """The article's versions, newest first."""
    return list(Version.objects.get_for_object(article))


def open_form(client, article) -> dict:
    return form_data(client.get(change_url(article)))


def save(client, article, data):
    response = client.post(change_url(article), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return response


def row(data: dict, prefix: str, field: str, value) -> int:
    """The index of the one inline row of ``prefix`` whose ``field`` posts ``value``."""
    total = int(data[f"{prefix}-TOTAL_FORMS"])
    (index,) = [i for i in range(total) if data.get(f"{prefix}-{i}-{field}") == str(value)]
    return index


def add_article(client, clinic, *, sections=(), criteria=(), conditions=(), risks=(), **fields) -> Article:
    """Create an article through the admin add form; children are posted in the given order."""
    data = form_data(client.get(ADD_ARTICLE)) | {
        "title": "Nerve blocks",
        "slug": "nerve-blocks",
        "summary": "What a nerve block is and who it helps.",
        "clinic": str(clinic.pk),
    }
    data |= fields
    add_rows(
        data,
        "sections",
        [
            {"position": str(n), "heading": heading, "body": body}
            for n, (heading, body) in enumerate(sections, start=1)
        ],
    )
    add_rows(data, "candidate_criteria", [{"position": str(n), "text": t} for n, t in enumerate(criteria, 1)])
    add_rows(
        data,
        "article_conditions",
        [{"position": str(n), "condition": c.pk} for n, c in enumerate(conditions, 1)],
    )
    add_rows(data, "article_risks", [{"position": str(n), "risk": r.pk} for n, r in enumerate(risks, 1)])
    response = client.post(ADD_ARTICLE, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    return Article.objects.get(slug=data["slug"])


def content(article) -> dict:
    """Everything a revert restores, read fresh from the database, children in their order."""
    article = Article.objects.get(pk=article.pk)
    return {
        "title": article.title,
        "slug": article.slug,
        "summary": article.summary,
        "clinic": article.clinic_id,
        "review_interval_months": article.review_interval_months,
        "sections": list(article.sections.values_list("position", "heading", "anchor", "body")),
        "criteria": list(article.candidate_criteria.values_list("position", "text")),
        "conditions": list(article.article_conditions.values_list("position", "condition__slug")),
        "risks": list(article.article_risks.values_list("position", "risk__slug")),
    }


def workflow_state(article) -> tuple:
    """What only the workflow changes: where the working copy is, what is public, the review shown."""
    article = Article.objects.get(pk=article.pk)
    return (
        article.status,
        workflow.state_of(article),
        article.published_at,
        list(article.publications.values_list("pk", "live_from", "expires_at", "ended_at")),
        article.reviewed_by_id,
        article.last_reviewed_on,
    )


def stored(version: Version) -> dict:
    """What a version's revision holds, in the shape of content(), read from the raw version rows.

    Independent of articles.revisions, so it checks what django-reversion really stored.
    """
    rows = defaultdict(list)
    for child in version.revision.version_set.all():
        rows[child.content_type.model_class()].append(child.field_dict)
    (article,) = rows[Article]

    def children(model, *fields):
        mine = [r for r in rows[model] if r["article_id"] == article["id"]]
        return [tuple(r[f] for f in fields) for r in sorted(mine, key=lambda r: (r["position"], r["id"]))]

    condition_slugs = dict(Condition.objects.values_list("pk", "slug"))
    risk_slugs = dict(Risk.objects.values_list("pk", "slug"))
    return {
        "title": article["title"],
        "slug": article["slug"],
        "summary": article["summary"],
        "clinic": article["clinic_id"],
        "review_interval_months": article["review_interval_months"],
        "sections": children(Section, "position", "heading", "anchor", "body"),
        "criteria": children(CandidateCriterion, "position", "text"),
        "conditions": [
            (p, condition_slugs[c]) for p, c in children(ArticleCondition, "position", "condition_id")
        ],
        "risks": [(p, risk_slugs[r]) for p, r in children(ArticleRisk, "position", "risk_id")],
    }


def page_text(response) -> str:
    """The page as a person reads it: tags dropped, entities (the diff's &nbsp;) decoded."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", response.content.decode())).split())


def history_rows(response) -> list[tuple[str, str]]:
    """The versions table of the history page as (by, what happened), newest first."""
    table = re.search(r'<table id="versions">(.*?)</table>', response.content.decode(), re.S).group(1)
    rows = []
    for tr in re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]:
        cells = [" ".join(html.unescape(c).split()) for c in re.findall(r"<td>(.*?)</td>", tr, re.S)]
        rows.append((cells[4], cells[5]))
    return rows


def publish(article, by):
    workflow.transition(article, "publish", by=by)
    article.refresh_from_db()


# --- Every save is a version ---------------------------------------------------------------------


def test_every_admin_save_records_a_version_with_all_the_children(staff_client):
    clinic = make_clinic()
    sciatica, back_pain, migraine = (make_condition(slug=s) for s in ("sciatica", "back-pain", "migraine"))
    infection, bruising = make_risk(slug="infection"), make_risk(slug="bruising")

    article = add_article(
        staff_client,
        clinic,
        sections=[("What is it?", "<p>An injection.</p>"), ("Does it hurt?", "<p>A little.</p>")],
        criteria=["Pain runs down one leg."],
        conditions=[sciatica, back_pain],
        risks=[infection],
    )

    (created,) = versions(article)
    assert stored(created) == content(article)
    assert stored(created)["conditions"] == [(1, "sciatica"), (2, "back-pain")]
    assert len(stored(created)["sections"]) == 2

    data = open_form(staff_client, article)
    data[f"sections-{row(data, 'sections', 'heading', 'Does it hurt?')}-body"] = "<p>Hardly at all.</p>"
    data[f"article_conditions-{row(data, 'article_conditions', 'condition', sciatica.pk)}-position"] = "2"
    data[f"article_conditions-{row(data, 'article_conditions', 'condition', back_pain.pk)}-position"] = "1"
    add_rows(data, "article_conditions", [{"position": "3", "condition": migraine.pk}])
    data[f"article_risks-{row(data, 'article_risks', 'risk', infection.pk)}-position"] = "2"
    add_rows(data, "article_risks", [{"position": "1", "risk": bruising.pk}])
    add_rows(data, "candidate_criteria", [{"position": "2", "text": "Tablets have not helped."}])
    save(staff_client, article, data)

    changed, first = versions(article)
    assert first == created
    assert stored(changed) == content(article)
    assert stored(changed)["sections"][1][3] == "<p>Hardly at all.</p>"
    assert [slug for _, slug in stored(changed)["conditions"]] == ["back-pain", "sciatica", "migraine"]
    assert [slug for _, slug in stored(changed)["risks"]] == ["bruising", "infection"]
    assert [text for _, text in stored(changed)["criteria"]] == [
        "Pain runs down one leg.",
        "Tablets have not helped.",
    ]
    # The older version still holds the older state.
    assert stored(first)["sections"][1][3] == "<p>A little.</p>"


def test_an_admin_save_that_deletes_a_section_records_a_version_without_it(staff_client):
    article = add_article(
        staff_client, make_clinic(), sections=[("Keep me", "<p>Kept.</p>"), ("Drop me", "<p>Dropped.</p>")]
    )
    data = open_form(staff_client, article)
    data[f"sections-{row(data, 'sections', 'heading', 'Drop me')}-DELETE"] = "on"

    save(staff_client, article, data)

    newest = versions(article)[0]
    assert [heading for _, heading, _, _ in stored(newest)["sections"]] == ["Keep me"]
    assert stored(newest) == content(article)


def test_each_admin_save_adds_exactly_one_version_with_the_user_and_a_comment(staff_client, editor):
    article = add_article(staff_client, make_clinic(), sections=[("One", "<p>1.</p>")])
    for title in ("Second title", "Third title"):
        save(staff_client, article, open_form(staff_client, article) | {"title": title})

    assert [(v.revision.user, v.revision.get_comment()) for v in versions(article)] == [
        (editor, "Changed Title."),
        (editor, "Changed Title."),
        (editor, "Created"),
    ]


# --- Revert restores the whole article -----------------------------------------------------------


def test_revert_after_sections_were_added_edited_reordered_and_deleted_restores_the_whole_article(
    staff_client, editor, api
):
    riverside, other_clinic = make_clinic(), make_clinic()
    c1, c2, c3 = (make_condition(slug=f"c{n}") for n in (1, 2, 3))
    r1, r2 = make_risk(slug="r1"), make_risk(slug="r2")
    article = add_article(
        staff_client,
        riverside,
        sections=[
            ("What is it?", "<p>An injection near a <strong>nerve</strong>.</p>"),
            ("Does it hurt?", "<p>A little.</p>"),
            ("Aftercare", "<ul><li><p>Rest.</p></li></ul>"),
        ],
        criteria=["Pain runs down one leg.", "Tablets have not helped."],
        conditions=[c1, c2],
        risks=[r1],
    )
    # The add form has no review settings: version A is the first change.
    save(staff_client, article, open_form(staff_client, article) | {"review_interval_months": "6"})
    version_a = versions(article)[0]
    state_a = content(article)
    assert stored(version_a) == state_a
    assert state_a == {
        "title": "Nerve blocks",
        "slug": "nerve-blocks",
        "summary": "What a nerve block is and who it helps.",
        "clinic": riverside.pk,
        "review_interval_months": 6,
        "sections": [
            (1, "What is it?", "what-is-it", "<p>An injection near a <strong>nerve</strong>.</p>"),
            (2, "Does it hurt?", "does-it-hurt", "<p>A little.</p>"),
            (3, "Aftercare", "aftercare", "<ul><li><p>Rest.</p></li></ul>"),
        ],
        "criteria": [(1, "Pain runs down one leg."), (2, "Tablets have not helped.")],
        "conditions": [(1, "c1"), (2, "c2")],
        "risks": [(1, "r1")],
    }
    publish(article, editor)
    detail_a = api.get("/api/v1/articles/nerve-blocks/").json()
    assert [s["heading"] for s in detail_a["sections"]] == ["What is it?", "Does it hurt?", "Aftercare"]
    approved = workflow_state(article)

    # 1. Add a section.
    data = open_form(staff_client, article)
    add_rows(data, "sections", [{"position": "4", "heading": "Costs", "body": "<p>Insurance pays.</p>"}])
    save(staff_client, article, data)
    # 2. Edit a section's heading and body.
    data = open_form(staff_client, article)
    hurt = row(data, "sections", "heading", "Does it hurt?")
    data |= {f"sections-{hurt}-heading": "Is it painful?", f"sections-{hurt}-body": "<p>Not really.</p>"}
    save(staff_client, article, data)
    # 3. Reorder the sections: Aftercare first, What is it? last.
    data = open_form(staff_client, article)
    for heading, position in [("Aftercare", 1), ("Is it painful?", 2), ("Costs", 3), ("What is it?", 4)]:
        data[f"sections-{row(data, 'sections', 'heading', heading)}-position"] = str(position)
    save(staff_client, article, data)
    # 4. Delete a section.
    data = open_form(staff_client, article)
    data[f"sections-{row(data, 'sections', 'heading', 'What is it?')}-DELETE"] = "on"
    save(staff_client, article, data)
    # 5. Swap the conditions, then remove one and add another.
    data = open_form(staff_client, article)
    data[f"article_conditions-{row(data, 'article_conditions', 'condition', c1.pk)}-position"] = "2"
    data[f"article_conditions-{row(data, 'article_conditions', 'condition', c2.pk)}-position"] = "1"
    save(staff_client, article, data)
    data = open_form(staff_client, article)
    data[f"article_conditions-{row(data, 'article_conditions', 'condition', c1.pk)}-DELETE"] = "on"
    add_rows(data, "article_conditions", [{"position": "3", "condition": c3.pk}])
    save(staff_client, article, data)
    # 6. Add a risk before the first; edit and add candidate criteria.
    data = open_form(staff_client, article)
    data[f"article_risks-{row(data, 'article_risks', 'risk', r1.pk)}-position"] = "2"
    add_rows(data, "article_risks", [{"position": "1", "risk": r2.pk}])
    data[f"candidate_criteria-{row(data, 'candidate_criteria', 'position', 1)}-text"] = "Any pain at all."
    add_rows(data, "candidate_criteria", [{"position": "3", "text": "Over 18."}])
    save(staff_client, article, data)
    # 7. Edit the title, address, summary, clinic and review interval.
    save(
        staff_client,
        article,
        open_form(staff_client, article)
        | {
            "title": "Nerve block injections",
            "slug": "nerve-block-injections",
            "summary": "Everything about nerve blocks.",
            "clinic": str(other_clinic.pk),
            "review_interval_months": "",
        },
    )
    assert content(article) == {
        "title": "Nerve block injections",
        "slug": "nerve-block-injections",
        "summary": "Everything about nerve blocks.",
        "clinic": other_clinic.pk,
        "review_interval_months": None,
        "sections": [
            (1, "Aftercare", "aftercare", "<ul><li><p>Rest.</p></li></ul>"),
            (2, "Is it painful?", "does-it-hurt", "<p>Not really.</p>"),
            (3, "Costs", "costs", "<p>Insurance pays.</p>"),
        ],
        "criteria": [(1, "Any pain at all."), (2, "Tablets have not helped."), (3, "Over 18.")],
        "conditions": [(1, "c2"), (3, "c3")],
        "risks": [(1, "r2"), (2, "r1")],
    }
    assert len(versions(article)) == 11  # add, version A, publish, eight edits
    # None of the edits reached patients: they read version A, as approved.
    assert api.get("/api/v1/articles/nerve-blocks/").json() == detail_a

    response = staff_client.post(revert_url(article, version_a))

    assert response.status_code == 302
    assert response["Location"] == change_url(article)
    assert content(article) == state_a
    assert Section.objects.filter(article=article).count() == 3
    assert api.get("/api/v1/articles/nerve-block-injections/").status_code == 404
    assert api.get("/api/v1/articles/nerve-blocks/").json() == detail_a
    assert workflow.state_of(Article.objects.get(pk=article.pk)) == State.LIVE_WITH_CHANGES
    assert workflow_state(article)[2:] == approved[2:]

    # Approved again, the reverted article reads exactly as version A did; only its dates move on.
    publish(article, editor)
    detail = api.get("/api/v1/articles/nerve-blocks/").json()
    assert detail.pop("updated_at") != detail_a.pop("updated_at")
    page, page_a = detail["jsonld"]["@graph"][0], detail_a["jsonld"]["@graph"][0]
    assert page.pop("dateModified") >= page_a.pop("dateModified")
    assert detail == detail_a


def test_revert_creates_a_new_version_and_the_state_before_it_can_be_restored(staff_client, editor):
    article = add_article(
        staff_client,
        make_clinic(),
        sections=[("Does it hurt?", "<p>A little.</p>"), ("Aftercare", "<p>Rest.</p>")],
        criteria=["Over 18."],
    )
    state_a = content(article)
    data = open_form(staff_client, article)
    data["summary"] = "A new summary."
    data[f"sections-{row(data, 'sections', 'heading', 'Aftercare')}-DELETE"] = "on"
    add_rows(data, "sections", [{"position": "3", "heading": "Costs", "body": "<p>Insurance pays.</p>"}])
    add_rows(data, "candidate_criteria", [{"position": "2", "text": "Tablets have not helped."}])
    save(staff_client, article, data)
    state_b = content(article)
    version_b, version_a = versions(article)

    assert staff_client.post(revert_url(article, version_a)).status_code == 302

    after_revert = versions(article)
    assert len(after_revert) == 3
    assert after_revert[1:] == [version_b, version_a]
    assert after_revert[0].revision.user == editor
    assert after_revert[0].revision.get_comment().startswith("Reverted to Version 1, saved by editor, ")
    assert content(article) == state_a
    assert stored(after_revert[0]) == state_a
    # Nothing was lost: the state before the revert is still a version, and it comes back.
    assert stored(version_b) == state_b

    assert staff_client.post(revert_url(article, version_b)).status_code == 302

    assert content(article) == state_b
    assert len(versions(article)) == 4


def test_revert_of_a_live_article_to_a_draft_version_changes_only_its_working_copy(staff_client, editor, api):
    article = add_article(staff_client, make_clinic(), sections=[("Does it hurt?", "<p>A little.</p>")])
    (draft_version,) = versions(article)
    assert draft_version.field_dict["status"] == Article.Status.DRAFT
    reviewer = Reviewer.objects.create(name="Dr. Ada Reyes", credentials="MD")
    workflow.record_review(article, by=editor, reviewer=reviewer, reviewed_on=timezone.localdate())
    save(staff_client, article, open_form(staff_client, article) | {"title": "Nerve blocks, explained"})
    publish(article, editor)
    before = workflow_state(article)
    assert before[:2] == (Article.Status.PUBLISHED, State.LIVE)
    assert before[4] == reviewer.pk
    public_before = api.get("/api/v1/articles/nerve-blocks/").json()

    assert staff_client.post(revert_url(article, draft_version)).status_code == 302

    # The text goes back; the workflow does not: the approved version stays live, with its review.
    after = workflow_state(article)
    assert after[:2] == (Article.Status.DRAFT, State.LIVE_WITH_CHANGES)
    assert after[2:] == before[2:]
    assert Article.objects.get(pk=article.pk).title == "Nerve blocks"
    assert api.get("/api/v1/articles/nerve-blocks/").json() == public_before
    assert public_before["title"] == "Nerve blocks, explained"
    step = ArticleTransition.objects.filter(article=article).first()
    assert (step.action, step.actor, step.from_state, step.to_state) == (
        "edit",
        editor,
        State.LIVE,
        State.LIVE_WITH_CHANGES,
    )


def test_revert_of_a_draft_to_a_published_version_keeps_it_a_draft(staff_client, editor, api):
    article = add_article(staff_client, make_clinic())
    publish(article, editor)
    published_version = versions(article)[0]
    workflow.transition(article, "unpublish", by=editor, note="Needs a new section.")
    save(staff_client, article, open_form(staff_client, article) | {"title": "Work in progress"})
    before = workflow_state(article)
    assert before[0] == Article.Status.DRAFT

    assert staff_client.post(revert_url(article, published_version)).status_code == 302

    assert workflow_state(article) == before
    assert Article.objects.get(pk=article.pk).title == "Nerve blocks"
    assert api.get("/api/v1/articles/nerve-blocks/").status_code == 404


def test_revert_to_an_address_another_article_took_since_is_refused_and_changes_nothing(staff_client):
    article = add_article(staff_client, make_clinic(), sections=[("Does it hurt?", "<p>A little.</p>")])
    (version_a,) = versions(article)
    data = open_form(staff_client, article) | {"slug": "nerve-blocks-explained"}
    data["sections-0-heading"] = "Is it painful?"
    save(staff_client, article, data)
    make_article(slug="nerve-blocks")
    state = content(article)

    response = staff_client.post(revert_url(article, version_a))

    assert response.status_code == 200
    assert "Cannot go back to that version: another article now uses the address" in html.unescape(
        response.content.decode()
    )
    assert content(article) == state
    assert len(versions(article)) == 2


# Committed transactions: SQLite (like PostgreSQL) checks foreign keys only at commit.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_revert_to_a_version_whose_clinic_was_deleted_since_answers_without_a_server_error(staff_client):
    old_clinic, new_clinic = make_clinic(), make_clinic()
    article = add_article(staff_client, old_clinic, sections=[("Does it hurt?", "<p>A little.</p>")])
    (version_a,) = versions(article)
    save(staff_client, article, open_form(staff_client, article) | {"clinic": str(new_clinic.pk)})
    old_clinic.delete()
    staff_client.raise_request_exception = False

    response = staff_client.post(revert_url(article, version_a))

    # Refused with a message (200) or reverted keeping a clinic that exists (302): never a 500.
    assert response.status_code in (200, 302)
    assert Article.objects.get(pk=article.pk).clinic == new_clinic


# --- History, compare, revert pages --------------------------------------------------------------


def test_history_page_lists_the_versions_newest_first_with_user_and_comment(staff_client, django_user_model):
    article = add_article(staff_client, make_clinic(), sections=[("Does it hurt?", "<p>A little.</p>")])
    second = Client()
    second.force_login(django_user_model.objects.create_superuser("second-editor", "s@clinic.example"))
    data = open_form(second, article)
    data["sections-0-heading"] = "Is it painful?"
    save(second, article, data)

    response = staff_client.get(history_url(article))

    assert response.status_code == 200
    assert history_rows(response) == [
        ("second-editor", "Changed Heading for section “Is it painful?”."),
        ("editor", "Created"),
    ]
    assert f'href="{revert_url(article, versions(article)[1])}"' in response.content.decode()


def test_compare_shows_the_old_and_new_heading_text(staff_client):
    article = add_article(staff_client, make_clinic(), sections=[("Does it hurt?", "<p>A little.</p>")])
    data = open_form(staff_client, article)
    data |= {"sections-0-heading": "Is it painful?", "summary": "A shorter summary."}
    save(staff_client, article, data)
    newer, older = versions(article)

    # Either order of a and b: the older version is always on the left.
    response = staff_client.get(compare_url(article), {"a": newer.pk, "b": older.pk})

    assert response.status_code == 200
    page = response.content.decode()
    assert "<h3><del>Does</del><ins>Is</ins> it <del>hurt</del><ins>painful</ins>?</h3>" in page
    assert "<del>What a nerve block is and who it helps</del><ins>A shorter summary</ins>." in page
    text = page_text(response)
    assert text.index("Before: Version 1, saved by editor") < text.index("After: Version 2, saved by editor")


@pytest.mark.parametrize(
    "params",
    [{}, {"a": "A"}, {"a": "A", "b": "other"}, {"a": "x", "b": "A"}, {"a": "A", "b": "999999"}],
    ids=["no-ids", "one-id", "other-articles-version", "not-a-number", "unknown-id"],
)
def test_compare_with_bad_version_ids_redirects_back_to_the_history(staff_client, params):
    article = add_article(staff_client, make_clinic())
    other = add_article(staff_client, make_clinic(), title="Other", slug="other")
    ids = {"A": str(versions(article)[0].pk), "other": str(versions(other)[0].pk)}

    query = {name: ids.get(value, value) for name, value in params.items()}

    response = staff_client.get(compare_url(article), query, follow=True)

    assert response.redirect_chain == [(history_url(article), 302)]
    assert response.status_code == 200
    assert "Choose two versions of this article to compare." in response.content.decode()


def test_revert_page_shows_the_diff_and_a_revert_button_and_changes_nothing(staff_client):
    article = add_article(staff_client, make_clinic(), sections=[("Does it hurt?", "<p>A little.</p>")])
    data = open_form(staff_client, article)
    data["sections-0-heading"] = "Is it painful?"
    save(staff_client, article, data)
    state = content(article)
    older = versions(article)[1]

    response = staff_client.get(revert_url(article, older))

    assert response.status_code == 200
    page = response.content.decode()
    assert 'value="Revert to this version"' in page
    # Going back removes today's heading (red, struck through) and brings the old one back.
    assert "<h3><del>Is</del><ins>Does</ins> it <del>painful</del><ins>hurt</ins>?</h3>" in page
    assert content(article) == state
    assert len(versions(article)) == 2


@pytest.mark.parametrize("method", ["get", "post"])
def test_revert_to_a_version_of_another_article_is_404(staff_client, method):
    article = add_article(staff_client, make_clinic())
    other = add_article(staff_client, make_clinic(), title="Other", slug="other")
    state = content(article)

    response = getattr(staff_client, method)(revert_url(article, versions(other)[0]))

    assert response.status_code == 404
    assert content(article) == state
    assert content(other)["title"] == "Other"
    assert len(versions(article)) == 1


@pytest.fixture
def writer_client(django_user_model):
    writer = django_user_model.objects.create_user("writer", "writer@clinic.example", is_staff=True)
    roles.grant(writer, "Writer")
    client = Client()
    client.force_login(writer)
    return client


def two_versions(article, titles) -> list[Version]:
    for title in titles:
        with reversion.create_revision():
            article.title = title
            article.save()
    return versions(article)


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("status", [Article.Status.IN_REVIEW, Article.Status.ARCHIVED])
def test_a_writer_cannot_revert_an_article_in_review_or_archived(writer_client, method, status):
    article = make_article(status=status, published_at=None, sections=1)
    newer, older = two_versions(article, ["Old title", "New title"])

    response = getattr(writer_client, method)(revert_url(article, older))

    assert response.status_code == 403
    assert Article.objects.get(pk=article.pk).title == "New title"
    assert versions(article) == [newer, older]


def test_a_writer_reverts_a_live_article_only_in_its_working_copy(writer_client, api):
    article = make_article(sections=1)
    _, older = two_versions(article, ["Old title", "New title"])
    republish(article)
    public_before = api.get(f"/api/v1/articles/{article.slug}/").json()

    assert writer_client.post(revert_url(article, older)).status_code == 302

    article = Article.objects.get(pk=article.pk)
    assert (article.title, workflow.state_of(article)) == ("Old title", State.LIVE_WITH_CHANGES)
    assert api.get(f"/api/v1/articles/{article.slug}/").json() == public_before
    assert public_before["title"] == "New title"


def test_a_writer_can_revert_a_draft(writer_client):
    article = make_draft(sections=1)
    _, older = two_versions(article, ["Old title", "New title"])

    assert writer_client.post(revert_url(article, older)).status_code == 302

    assert Article.objects.get(pk=article.pk).title == "Old title"
    assert len(versions(article)) == 3


@pytest.mark.parametrize(
    ("status", "offered"),
    [
        (Article.Status.PUBLISHED, True),
        (Article.Status.DRAFT, True),
        (Article.Status.IN_REVIEW, False),
        (Article.Status.ARCHIVED, False),
    ],
)
def test_a_writer_sees_revert_links_in_the_history_only_where_they_may_edit(writer_client, status, offered):
    article = make_article(status=status, sections=1)
    _, older = two_versions(article, ["Old title", "New title"])

    response = writer_client.get(history_url(article))

    assert response.status_code == 200
    assert len(history_rows(response)) == 2
    assert (revert_url(article, older) in response.content.decode()) == offered


# --- Edit conflicts ------------------------------------------------------------------------------


@pytest.fixture
def second_client(django_user_model):
    client = Client()
    client.force_login(django_user_model.objects.create_superuser("second-editor", "s@clinic.example"))
    return client


def test_the_second_of_two_editors_saving_the_same_article_is_refused_and_keeps_their_text(
    staff_client, second_client
):
    article = add_article(
        staff_client,
        make_clinic(),
        sections=[("Does it hurt?", "<p>A little.</p>")],
        criteria=["Over 18."],
    )
    first, second = open_form(staff_client, article), open_form(second_client, article)
    first |= {"title": "First editor's title", "sections-0-body": "<p>First editor's text.</p>"}
    second |= {
        "title": "Second editor's title",
        "summary": "Second editor's summary.",
        "sections-0-heading": "Second editor's heading",
        "sections-0-body": "<p>Second editor's text.</p>",
    }
    add_rows(second, "candidate_criteria", [{"position": "2", "text": "Second editor's criterion."}])

    save(staff_client, article, first)
    state_after_first = content(article)
    versions_after_first = versions(article)
    response = second_client.post(change_url(article), second)

    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert response.context["adminform"].form.errors.as_data()["__all__"][0].code == "edit_conflict"
    shown = form_data(response)
    assert shown["title"] == "Second editor's title"
    assert shown["summary"] == "Second editor's summary."
    assert shown["sections-0-heading"] == "Second editor's heading"
    assert shown["sections-0-body"] == "<p>Second editor's text.</p>"
    assert shown["candidate_criteria-1-text"] == "Second editor's criterion."
    assert content(article) == state_after_first
    assert content(article)["title"] == "First editor's title"
    assert content(article)["sections"][0][3] == "<p>First editor's text.</p>"
    assert versions(article) == versions_after_first

    # Posting the same stale form again is still refused; a freshly opened one saves.
    assert CONFLICT in second_client.post(change_url(article), second).content.decode()
    fresh = open_form(second_client, article) | {"title": "Second editor's title"}
    save(second_client, article, fresh)
    assert content(article)["title"] == "Second editor's title"
    assert content(article)["sections"][0][3] == "<p>First editor's text.</p>"


def record_review(article, user):
    reviewer = Reviewer.objects.create(name="Dr. Ada Reyes", credentials="MD")
    workflow.record_review(article, by=user, reviewer=reviewer, reviewed_on=timezone.localdate())


def submit(article, user):
    workflow.transition(article, "submit", by=user)


def revert_to_first(article, user):
    revisions.revert(article, versions(article)[-1], by=user)


@pytest.mark.parametrize("change", [record_review, submit, revert_to_first])
def test_a_save_from_a_form_opened_before_a_workflow_step_or_revert_is_refused(staff_client, editor, change):
    article = add_article(staff_client, make_clinic(), sections=[("Does it hurt?", "<p>A little.</p>")])
    save(staff_client, article, open_form(staff_client, article) | {"title": "Second title"})
    stale = open_form(staff_client, article) | {"title": "Stale title", "sections-0-body": "<p>Stale.</p>"}
    change(article, editor)
    state = content(article)
    workflow_before = workflow_state(article)

    response = staff_client.post(change_url(article), stale)

    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert form_data(response)["title"] == "Stale title"
    assert content(article) == state
    assert workflow_state(article) == workflow_before


def test_a_change_form_posted_without_the_opened_version_is_refused(staff_client):
    article = add_article(staff_client, make_clinic())
    data = open_form(staff_client, article)
    del data["opened_version"]

    response = staff_client.post(change_url(article), data | {"title": "Blind overwrite"})

    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert content(article)["title"] == "Nerve blocks"


def test_an_add_form_is_never_an_edit_conflict(staff_client):
    first = add_article(staff_client, make_clinic())
    second = add_article(staff_client, make_clinic(), title="Second", slug="second")

    assert Article.objects.count() == 2
    assert (first.lock_version, second.lock_version) == (1, 1)


def test_the_change_form_posts_the_version_the_editor_opened(staff_client):
    article = add_article(staff_client, make_clinic())
    save(staff_client, article, open_form(staff_client, article) | {"title": "Second"})

    assert open_form(staff_client, article)["opened_version"] == str(Article.objects.get().lock_version)
    assert Article.objects.get().lock_version == 2


def test_a_refused_save_does_not_bump_the_lock_or_record_a_version(staff_client, second_client):
    article = add_article(staff_client, make_clinic())
    stale = open_form(second_client, article)
    save(staff_client, article, open_form(staff_client, article) | {"title": "First"})
    lock = Article.objects.get().lock_version

    assert second_client.post(change_url(article), stale | {"title": "Second"}).status_code == 200

    assert Article.objects.get().lock_version == lock
    assert len(versions(article)) == 2


# --- Comparisons in bounded work ----------------------------------------------------------------


def long_body(sentences: int, *, changed_every: int = 0) -> str:
    """A section body of ``sentences`` distinct sentences (~60 characters each), every
    ``changed_every``-th one with a word changed."""
    text = []
    for n in range(sentences):
        word = "changed" if changed_every and n % changed_every == 0 else "original"
        text.append(f"Sentence {n} says the {word} thing about pain relief and rest.")
    return "<p>" + " ".join(text) + "</p>"


def saved_twice(old_body: str, new_body: str) -> tuple[Article, Version, Version]:
    """A draft with one section saved as ``old_body``, then as ``new_body``: (article, older, newer)."""
    article = make_draft(title="Long guide", slug="long-guide")
    section = Section.objects.create(article=article, position=1, heading="Details", body=old_body)
    with reversion.create_revision():
        article.save()
    section.body = new_body
    section.save()
    with reversion.create_revision():
        article.save()
    newer, older = versions(article)
    return article, older, newer


@pytest.fixture
def no_quadratic_diff(monkeypatch):
    """difflib's pairing of every changed line with every other (30 s on one long section) fails."""

    def fancy_replace(*args, **kwargs):
        raise AssertionError("difflib.Differ._fancy_replace ran")

    monkeypatch.setattr(difflib.Differ, "_fancy_replace", fancy_replace)


def test_a_25000_character_section_changed_in_many_places_compares_word_by_word_in_bounded_work(
    staff_client, no_quadratic_diff
):
    old_body, new_body = long_body(400), long_body(400, changed_every=5)
    assert len(old_body) > 25_000
    article, older, newer = saved_twice(old_body, new_body)

    response = staff_client.get(compare_url(article), {"a": older.pk, "b": newer.pk})

    assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<del>original</del><ins>changed</ins>") == 80
    assert text_diff.SIMPLIFIED not in page
    comparison = revisions.compare(from_version(older), from_version(newer), "older", "newer")
    assert not comparison.simplified
    # Sentence and word pairs examined: within the caps, and far below the 400 x 400 lines x
    # 60 x 60 characters difflib.HtmlDiff compared.
    assert comparison.work <= text_diff.MAX_LINE_PAIRS + text_diff.MAX_TOTAL_WORD_PAIRS
    assert comparison.work < 400 * 400 * 2


def test_one_long_line_changed_in_many_places_is_still_compared_word_by_word(staff_client, no_quadratic_diff):
    # 25,000 characters without a sentence end: one sentence of 3,000 words, too many to pair
    # word by word at once; the words found once on each side anchor the comparison.
    words = [f"word{n}" for n in range(3_000)]
    changed = [f"new{n}" if n % 50 == 0 else word for n, word in enumerate(words)]
    article, older, newer = saved_twice(f"<p>{' '.join(words)}</p>", f"<p>{' '.join(changed)}</p>")

    response = staff_client.get(revert_url(article, older))

    assert response.status_code == 200
    page = response.content.decode()
    assert text_diff.SIMPLIFIED not in page
    # Going back removes the new words and brings back the old ones, each marked where it is.
    assert page.count("<del>new") == 60
    assert "<del>new50</del><ins>word50</ins>" in page
    assert "<del>new2950</del><ins>word2950</ins>" in page


def test_a_small_edit_is_marked_word_by_word_in_formatted_text():
    budget = text_diff.Budget()
    marked = text_diff.rich_text(
        "<p>The usual dose is <strong>5 mg</strong> a day.</p><p>Rest after.</p>",
        "<p>The usual dose is <strong>10 mg</strong> a day.</p><p>Rest after.</p><p>Call us.</p>",
        budget,
    )

    assert marked == (
        '<p class="diff-changed">The usual dose is '
        "<del><strong>5</strong></del><ins><strong>10</strong></ins>"
        "<strong> mg</strong> a day.</p><p>Rest after.</p>"
        '<p class="diff-added"><ins>Call us.</ins></p>'
    )
    assert not budget.simplified


def test_text_is_escaped_and_only_known_tags_and_safe_links_come_through():
    marked = text_diff.rich_text(
        '<p>&lt;b&gt;a&lt;/b&gt; &amp; b <a href="https://example.org/?a=1&amp;b=&quot;2">ok</a></p>',
        '<p onclick="x()"><script>alert(1)</script><img src=x onerror=alert(1)>'
        '<a href="javascript:alert(1)">link</a> <a href="https://e.org/" onmouseover="x()">e</a>'
        "<style>p{}</style><iframe>frame</iframe></p>",
        text_diff.Budget(),
    )

    assert "&lt;b&gt;a&lt;/b&gt; &amp; b" in marked
    assert '<a href="https://example.org/?a=1&amp;b=&quot;2" rel="noopener noreferrer">ok</a>' in marked
    assert '<a href="https://e.org/" rel="noopener noreferrer">e</a>' in marked
    # Only the tags the comparison writes itself; no attribute but its own.
    assert set(re.findall(r"<(\w+)", marked)) <= {"p", "del", "ins", "a"}
    assert set(re.findall(r" (\w+)=", marked)) <= {"class", "href", "rel"}
    assert "alert" not in marked and "frame" not in marked and "javascript" not in marked
    assert "link" in marked


def versions_shown(marked: str) -> tuple[list[str], list[str]]:
    """The words of the older and the newer text a comparison shows (all but <ins>, all but <del>)."""

    def words(text):
        text = re.sub(r"</?(p|li|ul|ol|h4|h5|blockquote)\b[^>]*>|<br>", " ", text)
        return html.unescape(re.sub(r"<[^>]+>", "", text)).split()

    return words(re.sub(r"<ins>.*?</ins>", "", marked)), words(re.sub(r"<del>.*?</del>", "", marked))


@pytest.mark.parametrize("budget", ["ample", "tight", "none"])
def test_all_the_text_of_both_versions_is_shown_whatever_the_budget(monkeypatch, budget):
    limits = {"ample": (10**6, 10**6), "tight": (30, 50), "none": (0, 0)}[budget]
    monkeypatch.setattr(text_diff, "MAX_LINE_PAIRS", limits[0])
    monkeypatch.setattr(text_diff, "MAX_WORD_PAIRS", limits[1])
    generator = random.Random(13)
    sentences = ["A b.", "A c.", "B.", "C d e.", "F.", "<strong>G</strong> h.", "I j k."]
    simplified = set()
    for _ in range(200):
        old, new = (
            [
                " ".join(generator.choice(sentences) for _ in range(generator.randint(1, 4)))
                for _ in range(generator.randint(0, 8))
            ]
            for _ in range(2)
        )
        old_html, new_html = ("".join(f"<p>{paragraph}</p>" for paragraph in side) for side in (old, new))
        work = text_diff.Budget(*limits)

        marked = text_diff.rich_text(old_html, new_html, work)

        simplified.add(work.simplified)
        assert versions_shown(marked) == tuple(
            " ".join(re.sub(r"<[^>]+>", "", paragraph) for paragraph in side).split() for side in (old, new)
        )
    assert simplified == ({False} if budget == "ample" else {False, True})


def test_reverting_to_a_version_with_a_section_over_the_limit_is_refused_naming_it(staff_client):
    article = add_article(staff_client, make_clinic(), sections=[("Dosage", "<p>Short.</p>")])
    # A version stored before the limit was enforced on every path (an old import, say).
    Section.objects.filter(article=article).update(body="<p>" + "x" * 40_000 + "</p>")
    with reversion.create_revision():
        reversion.add_to_revision(Article.objects.get(pk=article.pk))
    too_long = versions(article)[0]
    Section.objects.filter(article=article).update(body="<p>Short.</p>")
    state = content(article)

    response = staff_client.post(revert_url(article, too_long), follow=True)

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "The section “Dosage”: A section can hold at most 30,000 characters" in page
    assert content(article) == state
