"""Draft preview for front ends: signed links from the admin, GET /api/v1/preview/<token>/."""

import datetime
import re

import pytest
import yaml
from django.contrib.messages import get_messages
from django.core import signing
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import previews, workflow
from articles.models import Article, PreviewLink, Reviewer
from tests.admin_forms import form_data
from tests.factories import (
    make_clinic,
    make_condition,
    make_contact_link,
    make_draft,
    make_risk,
    make_section,
)

pytestmark = pytest.mark.django_db

EXPIRED = {"detail": "This preview link has expired. Ask for a new one in the admin."}
NOT_VALID = {"detail": "This preview link is not valid."}
REVOKED = {"detail": "This preview link has been revoked."}
NO_VERSION = {"detail": "The version this link shows no longer exists."}


@pytest.fixture
def editor(staff_client, django_user_model):
    return django_user_model.objects.get(username="editor")


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def preview(api, token):
    return api.get(f"/api/v1/preview/{token}/")


def token(article, by) -> str:
    return previews.token_for(previews.create_link(article, by=by))


def keys(value):
    """The JSON's shape: its keys at every level, values left out."""
    if isinstance(value, dict):
        return {key: keys(item) for key, item in value.items()}
    if isinstance(value, list):
        return [keys(item) for item in value]
    return None


def iso(moment: datetime.datetime) -> str:
    """A timestamp as the API shows it."""
    return moment.isoformat().replace("+00:00", "Z")


def stored_iso(moment: datetime.datetime) -> str:
    """A timestamp as a preview shows it: versions are stored as JSON, which keeps milliseconds."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000).isoformat().replace("+00:00", "Z")


def no_store(response) -> bool:
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    return {"private", "no-store"} <= directives


def about(link, *, state, is_live) -> dict:
    """The ``preview`` object of a response that shows ``link``'s version."""
    version = Version.objects.select_related("revision").get(pk=link.version_id)
    return {
        "version": link.version_id,
        "saved_at": iso(version.revision.date_created),
        "state": state,
        "is_live": is_live,
    }


def full_draft():
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
    make_contact_link(clinic=clinic, kind="phone", label="Call us", url="tel:+17655550100", position=1)
    article = make_draft(
        clinic=clinic,
        title="Nerve blocks",
        slug="nerve-blocks",
        summary="How a nerve block eases pain.",
        conditions=[make_condition(name="Knee pain", slug="knee-pain", summary="Pain in the knee.")],
        risks=[make_risk(name="Infection", slug="infection", summary="Germs in the wound.")],
        criteria=1,
        reviewed_by=Reviewer.objects.create(name="Dr. Ada Reyes", credentials="MD, pain medicine"),
        last_reviewed_on=datetime.date(2026, 2, 10),
        review_interval_months=6,
    )
    make_section(article=article, position=1, heading="Does it hurt?", body="<p>Only a <em>little</em>.</p>")
    article.refresh_from_db()
    return article


# --- Getting a link from the admin ---------------------------------------------------------------


def test_admin_gives_a_preview_link_built_from_the_frontend_preview_url(staff_client, editor, api, settings):
    settings.FRONTEND_PREVIEW_URL = "https://site.example/preview?token={token}"
    settings.PREVIEW_LINK_MAX_AGE = 600
    article = make_draft(title="Nerve blocks", sections=1)

    response = staff_client.post(reverse("admin:articles_article_preview", args=[article.pk]))

    assert response.status_code == 302
    assert response["Location"] == change_url(article)
    (message,) = [str(m) for m in get_messages(response.wsgi_request)]
    (url,) = re.findall(r"https://site\.example/preview\?token=\S+", message)
    token = url.removeprefix("https://site.example/preview?token=")
    link = PreviewLink.objects.get()
    assert token == previews.token_for(link)
    assert link.article == article
    assert link.created_by == editor
    assert link.version_id == Version.objects.get_for_object(article).get().pk
    assert link.expires_at - link.created_at == datetime.timedelta(seconds=600)
    body = preview(api, token).json()
    assert (body["slug"], body["title"]) == (article.slug, "Nerve blocks")


def test_admin_change_page_lists_the_active_preview_links_with_a_revoke_button(
    staff_client, editor, settings
):
    settings.FRONTEND_PREVIEW_URL = "https://site.example/preview?token={token}"
    article = make_draft()
    active = previews.create_link(article, by=editor)
    revoked = previews.create_link(article, by=editor)
    previews.revoke(revoked)

    page = staff_client.get(change_url(article)).content.decode()

    assert 'id="create-preview"' in page
    assert reverse("admin:articles_article_revoke_preview", args=[article.pk, active.pk]) in page
    assert reverse("admin:articles_article_revoke_preview", args=[article.pk, revoked.pk]) not in page


def test_admin_preview_link_needs_a_post(staff_client):
    article = make_draft()

    response = staff_client.get(reverse("admin:articles_article_preview", args=[article.pk]))

    assert response.status_code == 405
    assert PreviewLink.objects.count() == 0


def test_admin_cannot_revoke_a_link_through_another_article(staff_client, editor):
    article, other = make_draft(), make_draft()
    link = previews.create_link(other, by=editor)

    response = staff_client.post(reverse("admin:articles_article_revoke_preview", args=[article.pk, link.pk]))

    assert response.status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None


# --- What a token shows --------------------------------------------------------------------------


def test_preview_of_a_draft_has_exactly_the_detail_shape_plus_which_version_it_is(api, editor):
    article = full_draft()
    link = previews.create_link(article, by=editor)

    response = preview(api, previews.token_for(link))

    assert response.status_code == 200
    body = response.json()
    page = body.pop("jsonld")["@graph"][0]
    assert (page["name"], "datePublished" in page) == ("Nerve blocks", False)
    assert body == {
        "slug": "nerve-blocks",
        "title": "Nerve blocks",
        "summary": "How a nerve block eases pain.",
        "published_at": None,
        "updated_at": stored_iso(article.updated_at),
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
            "contact_links": [{"kind": "phone", "label": "Call us", "url": "tel:+17655550100"}],
        },
        "conditions": [
            {"slug": "knee-pain", "name": "Knee pain", "summary": "Pain in the knee.", "codes": []}
        ],
        "risks": [{"slug": "infection", "name": "Infection", "summary": "Germs in the wound."}],
        "sections": [
            {"heading": "Does it hurt?", "anchor": "does-it-hurt", "body": "<p>Only a <em>little</em>.</p>"}
        ],
        "candidate_criteria": ["Criterion 1"],
        "reviewed_by": {"name": "Dr. Ada Reyes", "credentials": "MD, pain medicine"},
        "last_reviewed_on": "2026-02-10",
        "next_review_due": "2026-08-10",
        "treatment": None,
        "contraindications": [],
        "references": [],
        # "Only a little.": 1 sentence, 3 words, 5 syllables.
        "readability": {
            "flesch_kincaid_grade": 5.2,
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
                    "flesch_kincaid_grade": 5.2,
                    "smog_grade": 3.1,
                    "fernandez_huerta": None,
                    "szigriszt_pazos": None,
                    "inflesz_band": None,
                    "above_target": False,
                }
            ],
        },
        "language": "en",
        "lead_image": None,
        "accessibility": {"issues": []},
        "translations": [],
        # The version saved when the link was made; never approved, so nobody reads it yet.
        "preview": about(link, state="draft", is_live=False),
    }


def test_preview_of_a_draft_has_the_same_keys_at_every_level_as_the_published_detail(api, editor):
    article = full_draft()
    draft_token = token(article, editor)
    draft = preview(api, draft_token).json()

    workflow.transition(article, "publish", by=editor)
    published = api.get("/api/v1/articles/nerve-blocks/").json()

    draft_page, published_page = draft["jsonld"]["@graph"][0], published["jsonld"]["@graph"][0]
    # Only publishing gives the page a publication date.
    assert "datePublished" not in draft_page
    assert published_page.pop("datePublished") == published["published_at"][:19] + "Z"
    # The preview says which version it is; the public detail never does.
    assert draft["preview"]["state"] == "draft"
    draft_version = draft.pop("preview")["version"]
    assert "preview" not in published
    assert keys(draft) == keys(published)
    assert draft.pop("published_at") is None
    assert draft.pop("updated_at") != published.pop("updated_at")
    assert draft_page.pop("dateModified") <= published_page.pop("dateModified")
    published.pop("published_at")
    assert draft == published
    # The same link still names the draft's version, older than the approved one; the state is
    # today's, and its text is exactly what patients read now (approving changed no word).
    again = preview(api, draft_token).json()["preview"]
    assert (again["version"], again["state"], again["is_live"]) == (draft_version, "live", True)


def test_preview_of_the_approved_version_equals_its_detail_and_says_patients_read_it(api, editor):
    article = make_draft(
        sections=3, conditions=[make_condition(), make_condition()], risks=[make_risk()], criteria=2
    )
    workflow.transition(article, "publish", by=editor)
    article.refresh_from_db()
    link = previews.create_link(article, by=editor)

    response = preview(api, previews.token_for(link))

    assert response.status_code == 200
    body = response.json()
    assert body.pop("preview") == about(link, state="live", is_live=True)
    detail = api.get(f"/api/v1/articles/{article.slug}/").json()
    # The saved version keeps its times to the millisecond; the working copy's row was saved
    # (updated_at) just after the publication's own update time, when it was approved.
    assert detail["published_at"] == iso(article.published_at)
    assert detail["updated_at"] == detail["published_at"]
    assert body["updated_at"] == stored_iso(article.updated_at)
    assert body["jsonld"]["@graph"][0]["dateModified"] == f"{article.updated_at:%Y-%m-%dT%H:%M:%S}Z"
    detail |= {"published_at": stored_iso(article.published_at), "updated_at": body["updated_at"]}
    detail["jsonld"]["@graph"][0]["dateModified"] = body["jsonld"]["@graph"][0]["dateModified"]
    assert body == detail


def test_preview_of_a_working_copy_edited_after_approval_is_not_what_patients_read(staff_client, api, editor):
    article = make_draft(title="Approved title", sections=1)
    workflow.transition(article, "publish", by=editor)
    approved = previews.create_link(Article.objects.get(pk=article.pk), by=editor)
    data = form_data(staff_client.get(change_url(article)))
    data |= {"title": "Edited title"}
    assert staff_client.post(change_url(article), data).status_code == 302
    edited = previews.create_link(Article.objects.get(pk=article.pk), by=editor)

    old, new = (
        preview(api, previews.token_for(approved)).json(),
        preview(api, previews.token_for(edited)).json(),
    )

    assert (old["title"], new["title"]) == ("Approved title", "Edited title")
    assert old["preview"] == about(approved, state="live_with_changes", is_live=True)
    assert new["preview"] == about(edited, state="live_with_changes", is_live=False)
    assert api.get(f"/api/v1/articles/{article.slug}/").json()["title"] == "Approved title"

    workflow.transition(article, "publish", by=editor)

    assert preview(api, previews.token_for(approved)).json()["preview"]["is_live"] is False
    assert preview(api, previews.token_for(edited)).json()["preview"]["state"] == "live"


def test_preview_of_a_scheduled_version_is_not_live_until_its_time(api, editor):
    article = make_draft(title="Coming soon")
    workflow.transition(article, "publish", by=editor, live_from=timezone.now() + datetime.timedelta(days=1))
    link = previews.create_link(article, by=editor)

    body = preview(api, previews.token_for(link)).json()

    assert body["title"] == "Coming soon"
    assert body["preview"] == about(link, state="scheduled", is_live=False)
    assert api.get(f"/api/v1/articles/{article.slug}/").status_code == 404


def test_preview_state_follows_the_workflow_while_the_link_shows_the_same_version(api, editor):
    article = make_draft(title="Under review")
    link = previews.create_link(article, by=editor)
    preview_token = previews.token_for(link)
    assert preview(api, preview_token).json()["preview"] == about(link, state="draft", is_live=False)

    workflow.transition(article, "submit", by=editor)

    body = preview(api, preview_token).json()
    assert body["title"] == "Under review"
    assert body["preview"] == about(link, state="in_review", is_live=False)


def test_preview_shows_a_draft_with_no_children(api, editor):
    article = make_draft(title="Empty so far", reviewed_by=None)

    body = preview(api, token(article, editor)).json()

    assert body["title"] == "Empty so far"
    assert (body["sections"], body["conditions"], body["risks"], body["candidate_criteria"]) == (
        [],
        [],
        [],
        [],
    )
    assert body["reviewed_by"] is None


def test_a_token_keeps_showing_the_version_it_names_after_later_saves(staff_client, editor, api):
    article = make_draft(title="Old title", conditions=[make_condition(slug="old-condition")])
    make_section(article=article, position=1, heading="Does it hurt?", body="<p>Old text.</p>")
    old_token = token(article, editor)
    data = form_data(staff_client.get(change_url(article)))
    data |= {"title": "New title", "sections-0-body": "<p>New text.</p>", "article_conditions-0-DELETE": "on"}
    assert staff_client.post(change_url(article), data).status_code == 302

    new_link = previews.create_link(article, by=editor)

    old, new = preview(api, old_token).json(), preview(api, previews.token_for(new_link)).json()

    assert old["preview"]["version"] < new["preview"]["version"] == new_link.version_id
    assert old["preview"]["saved_at"] < new["preview"]["saved_at"]
    assert (old["title"], old["sections"][0]["body"]) == ("Old title", "<p>Old text.</p>")
    assert [c["slug"] for c in old["conditions"]] == ["old-condition"]
    assert (new["title"], new["sections"][0]["body"]) == ("New title", "<p>New text.</p>")
    assert new["conditions"] == []


def test_a_preview_shows_todays_name_of_a_condition_and_a_placeholder_for_a_deleted_one(api, editor):
    renamed, deleted = make_condition(name="Old name"), make_condition(name="Doomed")
    article = make_draft(conditions=[renamed, deleted])
    preview_token = token(article, editor)
    article.article_conditions.filter(condition=deleted).delete()
    deleted.delete()
    renamed.name = "New name"
    renamed.save()

    body = preview(api, preview_token).json()

    assert [c["name"] for c in body["conditions"]] == ["New name", "(deleted condition)"]


def test_a_preview_of_a_version_whose_clinic_was_deleted_since_answers_without_a_server_error(api, editor):
    old_clinic, new_clinic = make_clinic(), make_clinic()
    article = make_draft(clinic=old_clinic)
    preview_token = token(article, editor)
    article.clinic = new_clinic
    article.save()
    old_clinic.delete()
    api.raise_request_exception = False

    response = preview(api, preview_token)

    # Either the version is shown (with a clinic that exists) or refused with a reason: never a 500.
    assert response.status_code in (200, 403)
    assert isinstance(response.json(), dict)
    assert no_store(response)


# --- Refused tokens ------------------------------------------------------------------------------


def test_a_link_past_its_expiry_is_refused(api, editor, settings):
    settings.PREVIEW_LINK_MAX_AGE = 60
    link = previews.create_link(make_draft(), by=editor)
    assert preview(api, previews.token_for(link)).status_code == 200
    link.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    link.save()

    response = preview(api, previews.token_for(link))

    assert response.status_code == 403
    assert response.json() == EXPIRED


def test_a_token_signed_longer_ago_than_the_max_age_is_refused(api, editor, settings, monkeypatch):
    settings.PREVIEW_LINK_MAX_AGE = 60
    link = previews.create_link(make_draft(), by=editor)
    # The link row still says it is valid; the signature's own timestamp is two minutes old.
    two_minutes_ago = int(timezone.now().timestamp()) - 120
    monkeypatch.setattr(
        signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(two_minutes_ago)
    )
    old_token = previews.token_for(link)
    monkeypatch.undo()

    response = preview(api, old_token)

    assert response.status_code == 403
    assert response.json() == EXPIRED
    assert preview(api, previews.token_for(link)).status_code == 200


def tamper(token: str, index: int) -> str:
    """Change the one character at ``index``."""
    index %= len(token)
    return token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]


@pytest.mark.parametrize(
    "forge",
    [
        lambda link: tamper(previews.token_for(link), 3),
        lambda link: tamper(previews.token_for(link), -1),
        lambda link: signing.dumps({"link": link.pk, "article": link.article_id}, salt="other-salt"),
        lambda link: signing.dumps(
            {"link": link.pk, "article": link.article_id}, key="another-secret-key", salt=previews.SALT
        ),
        lambda link: "not-a-token",
        lambda link: "eyJsaW5rIjoxfQ:1uAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
    ids=[
        "one-char-of-the-claims",
        "one-char-of-the-signature",
        "other-salt",
        "other-key",
        "garbage",
        "forged-signature",
    ],
)
def test_a_tampered_or_foreign_token_is_refused(api, editor, forge):
    link = previews.create_link(make_draft(), by=editor)

    response = preview(api, forge(link))

    assert response.status_code == 403
    assert response.json() == NOT_VALID


def test_a_token_for_a_deleted_link_is_refused(api, editor):
    link = previews.create_link(make_draft(), by=editor)
    preview_token = previews.token_for(link)
    link.delete()

    response = preview(api, preview_token)

    assert response.status_code == 403
    assert response.json() == NOT_VALID


def test_a_token_for_a_deleted_article_is_refused(api, editor):
    article = make_draft()
    preview_token = token(article, editor)
    article.delete()

    response = preview(api, preview_token)

    assert response.status_code == 403
    assert response.json() == NOT_VALID


def test_a_link_revoked_in_the_admin_is_refused(staff_client, editor, api):
    article = make_draft()
    link = previews.create_link(article, by=editor)
    preview_token = previews.token_for(link)
    assert preview(api, preview_token).status_code == 200

    response = staff_client.post(reverse("admin:articles_article_revoke_preview", args=[article.pk, link.pk]))

    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Preview link revoked: it no longer opens."
    ]
    refused = preview(api, preview_token)
    assert refused.status_code == 403
    assert refused.json() == REVOKED


def test_the_reasons_for_refusing_differ(api, editor):
    expired, revoked = (previews.create_link(make_draft(), by=editor) for _ in range(2))
    expired.expires_at = timezone.now()
    expired.save()
    previews.revoke(revoked)

    reasons = [
        preview(api, previews.token_for(expired)).json()["detail"],
        preview(api, "garbage").json()["detail"],
        preview(api, previews.token_for(revoked)).json()["detail"],
    ]

    assert len(set(reasons)) == 3
    assert ["expired" in reasons[0], "not valid" in reasons[1], "revoked" in reasons[2]] == [True] * 3


def test_a_token_whose_claims_name_another_article_is_refused(api, editor):
    article, other = make_draft(title="Mine"), make_draft(title="Someone else's")
    link = previews.create_link(article, by=editor)
    forged = signing.dumps({"link": link.pk, "article": other.pk}, salt=previews.SALT, compress=True)

    response = preview(api, forged)

    assert response.status_code == 403
    assert response.json() == NOT_VALID


def test_a_link_naming_a_version_of_another_article_is_refused(api, editor):
    article, other = make_draft(title="Mine"), make_draft(title="Secret draft")
    other_version = previews.create_link(other, by=editor).version_id
    link = previews.create_link(article, by=editor)
    link.version_id = other_version
    link.save()

    response = preview(api, previews.token_for(link))

    assert response.status_code == 403
    assert response.json() == NO_VERSION
    assert "Secret draft" not in response.content.decode()


def test_tokens_of_two_articles_each_show_their_own_article(api, editor):
    first, second = make_draft(title="First"), make_draft(title="Second")

    assert preview(api, token(first, editor)).json()["title"] == "First"
    assert preview(api, token(second, editor)).json()["title"] == "Second"


# --- Caching, queries, schema --------------------------------------------------------------------


@pytest.mark.parametrize("outcome", ["shown", "expired", "not-valid", "revoked"])
def test_every_preview_response_forbids_caching(api, editor, outcome):
    link = previews.create_link(make_draft(), by=editor)
    if outcome == "expired":
        link.expires_at = timezone.now()
        link.save()
    if outcome == "revoked":
        previews.revoke(link)
    preview_token = "garbage" if outcome == "not-valid" else previews.token_for(link)

    response = preview(api, preview_token)

    assert response.status_code == (200 if outcome == "shown" else 403)
    assert no_store(response)


@pytest.mark.parametrize("rows", [1, 25])
@pytest.mark.parametrize("approved", [False, True], ids=["draft", "approved"])
def test_preview_runs_a_fixed_number_of_queries(api, editor, django_assert_max_num_queries, rows, approved):
    article = make_draft(
        clinic=make_clinic(contact_links=rows),
        sections=rows,
        conditions=[make_condition() for _ in range(rows)],
        risks=[make_risk() for _ in range(rows)],
        criteria=rows,
        reviewed_by=Reviewer.objects.create(name="Dr. Ada Reyes"),
    )
    if approved:
        workflow.transition(article, "publish", by=editor)
    preview_token = token(article, editor)

    # 1. the preview link, joined to its article
    # 2. the version the link names, joined to its revision and user
    # 3. the other versions of that revision (the children)
    # 4. whether the clinic the version names still exists
    # 5. the clinic
    # 6. the clinic's contact links
    # 7. the reviewer
    # 8. today's conditions of the stored links
    # 9. those conditions' codes
    # 10. those conditions' names in other languages
    # 11. today's risks of the stored links
    # 12. those risks' names in other languages
    # 13. the article's translation group (a live translation adds one query for their rows)
    # 14. the version patients read now, if any (is_live)
    # 15. whether a version is live (state)
    # 16. whether a version is scheduled (state)
    # (pictures: the library rows and their renditions, two queries, when the version shows some)
    with django_assert_max_num_queries(16):
        body = preview(api, preview_token).json()

    assert len(body["sections"]) == rows
    assert len(body["conditions"]) == rows
    assert len(body["risks"]) == rows
    assert len(body["candidate_criteria"]) == rows
    assert len(body["clinic"]["contact_links"]) == rows
    assert body["preview"]["is_live"] is approved


def test_preview_endpoint_is_in_the_openapi_schema_with_its_200_and_403(api):
    schema = yaml.safe_load(api.get("/api/schema/").content)

    get = schema["paths"]["/api/v1/preview/{token}/"]["get"]
    assert {"200", "403"} <= set(get["responses"])
    assert get["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ArticlePreview"
    }
    components = schema["components"]["schemas"]
    shown, detail = components["ArticlePreview"], components["ArticleDetail"]
    # The detail's fields plus which version it is; a draft has no publication date yet.
    assert list(shown["properties"]) == [*detail["properties"], "preview"]
    assert set(shown["required"]) == {*detail["required"], "preview"}
    assert shown["properties"]["published_at"]["nullable"] is True
    assert detail["properties"]["published_at"].get("nullable") is None
    version = components[shown["properties"]["preview"]["allOf"][0]["$ref"].rsplit("/", 1)[1]]
    assert (
        set(version["properties"]) == set(version["required"]) == {"version", "saved_at", "state", "is_live"}
    )
    refusal = get["responses"]["403"]["content"]["application/json"]["schema"]["$ref"]
    refusal_schema = schema["components"]["schemas"][refusal.rsplit("/", 1)[1]]
    assert set(refusal_schema["properties"]) == {"detail"}
    assert [p["name"] for p in get["parameters"]] == ["token"]
