"""Shared vocabulary, governed: clinic staff propose changes to a condition or risk; only the
organisation administrator applies them, and then every clinic's live articles show the new words."""

import pytest
from django.urls import reverse

from articles.models import Condition, TopicProposal
from clinics import roles
from tests.factories import STAFF_PASSWORD, make_article, make_clinic, make_condition, make_risk, make_staff
from tests.test_clinic_scoping import whole_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(django_user_model):
    a = make_clinic(name="Wabash Pain Center", slug="wabash")
    b = make_clinic(name="Bluff Spine Clinic", slug="bluff")
    cancer = make_condition(name="Cancer pain", slug="cancer-pain", summary="Pain from cancer.")
    make_article(clinic=b, slug="b-live", conditions=[cancer])
    staff = make_staff(clinic=a, suffix="_a") | make_staff(clinic=b, suffix="_b")
    boss = django_user_model.objects.create_user("boss", password=STAFF_PASSWORD)
    roles.grant(boss, "Clinic admin")  # every clinic
    return {"a": a, "b": b, "cancer": cancer, "boss": boss, **staff}


def propose(client, topic, **fields):
    url = reverse(f"admin:articles_{topic._meta.model_name}_propose", args=[topic.pk])
    data = {"name": topic.name, "summary": topic.summary, "reason": "Too vague for patients."} | fields
    return client.post(url, data)


@pytest.mark.parametrize("username", ["wendy_a", "rahul_a", "cora_a"])
def test_clinic_staff_propose_a_change_and_nothing_public_moves(client, api, setting, username):
    client.force_login(setting[username])
    page = client.get(reverse("admin:articles_condition_change", args=[setting["cancer"].pk]))
    assert "Propose a change" in page.content.decode()
    before_api = api.get("/api/v1/articles/b-live/").json()

    response = propose(client, setting["cancer"], summary="Pain caused by cancer or by its treatment.")

    assert response.status_code == 302
    proposal = TopicProposal.objects.get()
    assert (proposal.condition, proposal.status, proposal.proposed_by) == (
        setting["cancer"],
        "open",
        setting[username],
    )
    assert proposal.clinic == setting["a"]
    assert Condition.objects.get(pk=setting["cancer"].pk).summary == "Pain from cancer."
    assert api.get("/api/v1/articles/b-live/").json() == before_api


def test_a_proposal_needs_a_reason_and_a_name(client, setting):
    client.force_login(setting["wendy_a"])
    before = whole_rows()

    response = propose(client, setting["cancer"], name="", reason="")

    assert response.status_code == 200
    assert response.content.decode().count("This field is required") == 2
    assert whole_rows() == before


def test_the_organisation_administrator_applies_it_for_every_clinic(client, api, setting):
    client.force_login(setting["wendy_a"])
    propose(client, setting["cancer"], summary="Pain caused by cancer or by its treatment.")
    client.force_login(setting["boss"])

    response = client.post(
        reverse("admin:articles_topicproposal_changelist"),
        {"action": "apply", "_selected_action": [TopicProposal.objects.get().pk]},
    )

    assert response.status_code == 302
    assert (
        Condition.objects.get(pk=setting["cancer"].pk).summary == "Pain caused by cancer or by its treatment."
    )
    proposal = TopicProposal.objects.get()
    assert (proposal.status, proposal.decided_by) == ("applied", setting["boss"])
    detail = api.get("/api/v1/articles/b-live/").json()
    assert "Pain caused by cancer or by its treatment." in str(detail)


def test_a_proposal_that_would_clash_with_another_term_is_not_applied(client, setting):
    make_condition(name="Nerve pain", slug="nerve-pain")
    client.force_login(setting["wendy_a"])
    propose(client, setting["cancer"], name="Nerve pain")
    client.force_login(setting["boss"])

    response = client.post(
        reverse("admin:articles_topicproposal_changelist"),
        {"action": "apply", "_selected_action": [TopicProposal.objects.get().pk]},
        follow=True,
    )

    assert "not applied" in response.content.decode()
    assert Condition.objects.get(pk=setting["cancer"].pk).name == "Cancer pain"
    assert TopicProposal.objects.get().status == "open"


@pytest.mark.parametrize("username", ["wendy_a", "rahul_a", "cora_a"])
def test_clinic_staff_cannot_apply_or_decline_and_see_only_their_clinics_proposals(client, setting, username):
    risk = make_risk(name="Infection", slug="infection")
    client.force_login(setting["wendy_b"])
    propose(client, risk, summary="B's wording.")
    client.force_login(setting["wendy_a"])
    propose(client, setting["cancer"], summary="A's wording.")
    client.force_login(setting[username])
    before = whole_rows()

    listed = client.get(reverse("admin:articles_topicproposal_changelist"))
    applied = client.post(
        reverse("admin:articles_topicproposal_changelist"),
        {"action": "apply", "_selected_action": list(TopicProposal.objects.values_list("pk", flat=True))},
    )

    assert listed.status_code == 200
    assert [row.summary for row in listed.context["cl"].result_list] == ["A's wording."]
    assert applied.status_code in (200, 302, 403)
    assert whole_rows() == before
    assert Condition.objects.get(pk=setting["cancer"].pk).summary == "Pain from cancer."
