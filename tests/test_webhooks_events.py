"""Webhook events, from the outside: which changes announce what (api/events.py), what an event's
payload says and never says (webhooks/payloads.py), the outbox written in the changing transaction
(webhooks/receivers.py), scheduled moments announced by the worker at their time
(``run_worker --batch``), endpoint filters, and coalescing of clinic saves."""

import datetime
import json
import time

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from articles import previews, workflow
from articles.models import Article, Publication, Reviewer
from clinics.models import ContactLink
from tests.factories import (
    make_article,
    make_clinic,
    make_condition,
    make_contact_link,
    make_draft,
    make_pump,
    make_risk,
    make_section,
    republish,
)
from tests.worker import run_worker
from webhooks.models import Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db

API = "https://api.careleaf.example"
SITE = "https://wabash.example/articles/{slug}"
# How far ahead a scheduled moment is: long enough to check that nothing happens before it.
# Far enough ahead that making the article never takes longer, even on a loaded CI machine.
AHEAD = datetime.timedelta(seconds=3)


@pytest.fixture(autouse=True)
def _addresses(settings):
    settings.API_PUBLIC_URL = API + "/"
    settings.FRONTEND_ARTICLE_URL = "https://site.example/articles/{slug}"


def types() -> list[str]:
    """Every event's type, oldest first."""
    return list(Event.objects.order_by("created_at", "pk").values_list("type", flat=True))


def of_type(kind: str) -> list[Event]:
    return list(Event.objects.filter(type=kind).order_by("created_at", "pk"))


def forget_events() -> None:
    """Start from an empty outbox (what the setup announced is not what a test is about)."""
    Event.objects.all().delete()
    DBTaskResult.objects.all().delete()


def every_payload() -> str:
    return json.dumps([event.payload for event in Event.objects.all()], ensure_ascii=False)


def sleep_past(moment: datetime.datetime) -> None:
    time.sleep(max(0.0, (moment - timezone.now()).total_seconds()) + 0.2)


def endpoint(name="Site rebuild", **fields) -> Endpoint:
    clinics = fields.pop("clinics", [])
    created = Endpoint.objects.create(name=name, url=f"https://hooks.example.com/{name}", **fields)
    created.clinics.set(clinics)
    return created


def receivers(event: Event) -> set[str]:
    return set(event.deliveries.values_list("endpoint__name", flat=True))


def send_tasks() -> list:
    """The task rows ready to send a delivery: [delivery pk, ...]."""
    rows = DBTaskResult.objects.ready().filter(task_path="webhooks.delivery.send_delivery")
    return sorted(row.args_kwargs["args"][0] for row in rows)


def edit_working_copy(article, *, by, sentence: str, title: str = "") -> Article:
    """A staff edit that nobody approved: a new sentence in the first section (and a title)."""
    article = Article.objects.get(pk=article.pk)
    if title:
        article.title = title
        article.save()
    section = article.sections.order_by("position").first()
    section.body = f"<p>{sentence}</p>"
    section.save()
    workflow.working_copy_changed(article, by=by)
    return Article.objects.get(pk=article.pk)


# --- 1. What announces what -----------------------------------------------------------------------


def test_an_articles_life_through_the_workflow_announces_each_public_change_once(staff):
    article = make_draft(clinic=make_clinic(slug="wabash"), sections=1, slug="pump", title="Pumps")
    reviewer = staff["rahul"]
    assert types() == []

    workflow.transition(article, "publish", by=reviewer)
    assert types() == ["article.published"]

    revised = edit_working_copy(article, by=reviewer, sentence="A clearer dose.")
    workflow.transition(revised, "publish", by=reviewer, version=revised.lock_version)
    assert types() == ["article.published", "article.updated"]

    workflow.transition(article, "unpublish", by=reviewer, note="Out of date.")
    assert types() == ["article.published", "article.updated", "article.unpublished"]

    workflow.transition(Article.objects.get(pk=article.pk), "publish", by=reviewer)
    workflow.transition(Article.objects.get(pk=article.pk), "archive", by=reviewer)
    assert types() == [
        "article.published",
        "article.updated",
        "article.unpublished",
        "article.published",
        "article.unpublished",
    ]
    assert {event.payload["data"]["article"]["slug"] for event in Event.objects.all()} == {"pump"}


def test_approving_a_version_for_later_announces_it_as_scheduled_and_nothing_else(staff):
    live = make_pump()
    newcomer = make_draft(clinic=live.clinic, sections=1, slug="later")
    forget_events()
    goes_live = timezone.now() + datetime.timedelta(days=3)

    workflow.transition(newcomer, "publish", by=staff["rahul"], live_from=goes_live)
    revised = edit_working_copy(live, by=staff["rahul"], sentence="Next week's text.")
    workflow.transition(
        revised, "publish", by=staff["rahul"], version=revised.lock_version, live_from=goes_live
    )

    assert types() == ["article.scheduled", "article.scheduled"]
    assert [event.payload["data"]["article"]["slug"] for event in of_type("article.scheduled")] == [
        "later",
        "pump",
    ]


def test_deleting_a_live_article_announces_it_unpublished():
    article = make_pump()
    forget_events()

    article.delete()

    assert types() == ["article.unpublished"]
    assert Event.objects.get().payload["data"]["article"]["slug"] == "pump"


def test_working_copy_saves_submits_review_notes_and_previews_announce_nothing(api, staff):
    pump = make_pump()
    forget_events()

    revised = edit_working_copy(pump, by=staff["wendy"], sentence="A draft sentence.", title="Draft title")
    workflow.transition(revised, "submit", by=staff["wendy"])
    workflow.transition(Article.objects.get(pk=pump.pk), "withdraw", by=staff["rahul"], note="Say which.")
    workflow.record_review(
        Article.objects.get(pk=pump.pk),
        by=staff["rahul"],
        reviewer=Reviewer.objects.create(name="Dr. Ng"),
        reviewed_on=timezone.localdate(),
    )
    make_section(article=pump, position=9, heading="Another draft section")
    link = previews.create_link(Article.objects.get(pk=pump.pk), by=staff["wendy"])
    assert api.get(f"/api/v1/preview/{previews.token_for(link)}/").status_code == 200
    draft = make_draft(clinic=pump.clinic, sections=1)
    workflow.transition(draft, "submit", by=staff["wendy"])

    assert types() == []
    assert DBTaskResult.objects.count() == 0


def test_saving_a_clinic_patients_can_see_announces_clinic_updated_and_a_hidden_one_nothing():
    listed = make_clinic(is_public=True)
    with_a_live_article = make_article().clinic
    hidden = make_clinic()
    only_scheduled = make_article(published_at=timezone.now() + datetime.timedelta(days=2)).clinic
    forget_events()

    for clinic in (listed, with_a_live_article, hidden, only_scheduled):
        clinic.description = "New opening hours."
        clinic.save()
    make_contact_link(clinic=hidden, position=1)
    make_contact_link(clinic=only_scheduled, position=1)

    assert sorted(event.clinic_id for event in of_type("clinic.updated")) == sorted(
        [listed.pk, with_a_live_article.pk]
    )
    assert types() == ["clinic.updated", "clinic.updated"]


def test_a_contact_link_of_a_visible_clinic_announces_clinic_updated():
    clinic = make_clinic(is_public=True)
    forget_events()

    link = make_contact_link(
        clinic=clinic, kind=ContactLink.Kind.FACEBOOK, url="https://www.facebook.com/wabash"
    )

    assert [event.clinic_id for event in of_type("clinic.updated")] == [clinic.pk]
    forget_events()
    link.delete()
    assert [event.clinic_id for event in of_type("clinic.updated")] == [clinic.pk]


def test_unlisting_a_clinic_patients_could_see_announces_clinic_updated():
    """Unticking "listed" takes a clinic without live articles off /api/v1/clinics/: patients saw it,
    now they do not. That is a change for patients, and the clinic's site has to drop it."""
    clinic = make_clinic(is_public=True, slug="riverside")
    forget_events()

    clinic.is_public = False
    clinic.save()

    assert [event.clinic_id for event in of_type("clinic.updated")] == [clinic.pk]


def test_a_topic_live_articles_show_announces_once_per_clinic_showing_it():
    knee = make_condition(slug="knee-pain", name="Knee pain")
    first, second, draft_only, scheduled_only = (make_clinic() for _ in range(4))
    make_article(clinic=first, conditions=[knee], slug="a1")
    make_article(clinic=first, conditions=[knee], slug="a2")
    make_article(clinic=second, conditions=[knee], slug="b1")
    make_draft(clinic=draft_only, conditions=[knee])
    make_article(
        clinic=scheduled_only, conditions=[knee], published_at=timezone.now() + datetime.timedelta(days=2)
    )
    forget_events()

    knee.name = "Knee and hip pain"
    knee.save()

    events = of_type("topic.updated")
    assert sorted(event.clinic_id for event in events) == sorted([first.pk, second.pk])
    assert types() == ["topic.updated", "topic.updated"]
    by_clinic = {event.clinic_id: event.payload["data"] for event in events}
    assert by_clinic[first.pk]["topic"] == {
        "kind": "condition",
        "slug": "knee-pain",
        "name": "Knee and hip pain",
        "url": f"{API}/api/v1/conditions/knee-pain/",
    }
    assert by_clinic[first.pk]["urls"]["pages"] == [
        "https://site.example/articles/a1",
        "https://site.example/articles/a2",
    ]
    assert by_clinic[second.pk]["urls"]["pages"] == ["https://site.example/articles/b1"]


def test_a_topic_only_drafts_scheduled_versions_or_working_copies_name_announces_nothing(staff):
    sciatica = make_condition(slug="sciatica")
    bleeding = make_risk(slug="bleeding")
    make_draft(conditions=[sciatica], risks=[bleeding])
    make_article(
        conditions=[sciatica], risks=[bleeding], published_at=timezone.now() + datetime.timedelta(days=2)
    )
    live = make_pump()
    live.article_conditions.create(condition=sciatica, position=5)  # the working copy only
    workflow.working_copy_changed(live, by=staff["wendy"])
    forget_events()

    sciatica.name = "Sciatica (renamed)"
    sciatica.save()
    bleeding.name = "Bleeding (renamed)"
    bleeding.save()

    assert types() == []


def test_a_risk_live_articles_show_announces_topic_updated_as_a_risk():
    pump = make_pump()
    infection = pump.risks.get()
    forget_events()

    infection.name = "Wound infection"
    infection.save()

    event = Event.objects.get()
    assert event.type == "topic.updated"
    assert event.clinic_id == pump.clinic_id
    assert event.payload["data"]["topic"]["kind"] == "risk"
    assert event.payload["data"]["topic"]["url"] == f"{API}/api/v1/risks/infection/"


# --- 2. Payloads -----------------------------------------------------------------------------------


def test_an_article_event_payload_names_the_clinic_the_api_and_the_clinics_page():
    clinic = make_clinic(slug="wabash", name="Wabash Pain Clinic", article_url_template=SITE)
    before = timezone.now()

    make_article(clinic=clinic, slug="pump", title="Intrathecal pumps")

    payload = Event.objects.get(type="article.published").payload
    assert set(payload) == {"type", "timestamp", "data"}
    assert payload["type"] == "article.published"
    stamp = datetime.datetime.fromisoformat(payload["timestamp"].replace("Z", "+00:00"))
    assert before <= stamp <= timezone.now()
    assert payload["data"]["clinic"] == {
        "slug": "wabash",
        "name": "Wabash Pain Clinic",
        "url": f"{API}/api/v1/clinics/wabash/",
    }
    assert payload["data"]["article"] == {
        "slug": "pump",
        "title": "Intrathecal pumps",
        "url": f"{API}/api/v1/articles/pump/",
        "page_url": "https://wabash.example/articles/pump",
    }
    assert f"{API}/api/v1/articles/pump/" in payload["data"]["urls"]["api"]
    assert payload["data"]["urls"]["pages"] == ["https://wabash.example/articles/pump"]


def test_a_clinic_event_payload_lists_the_clinic_in_the_api_and_its_live_pages():
    clinic = make_clinic(slug="wabash", name="Wabash", is_public=True)
    make_article(clinic=clinic, slug="pump")
    make_article(clinic=clinic, slug="later", published_at=timezone.now() + datetime.timedelta(days=2))
    forget_events()

    clinic.name = "Wabash Pain Clinic"
    clinic.save()

    data = Event.objects.get(type="clinic.updated").payload["data"]
    assert data["clinic"] == {
        "slug": "wabash",
        "name": "Wabash Pain Clinic",
        "url": f"{API}/api/v1/clinics/wabash/",
    }
    assert f"{API}/api/v1/clinics/wabash/" in data["urls"]["api"]
    assert data["urls"]["pages"] == ["https://site.example/articles/pump"]  # not the scheduled one


def test_a_scheduled_event_says_when_and_where_but_never_the_scheduled_text(staff):
    article = make_draft(clinic=make_clinic(slug="wabash"), slug="pump", title="Pumps", sections=1)
    edit_working_copy(article, by=staff["rahul"], sentence="The zebrafish dose is new next month.")
    goes_live = (timezone.now() + datetime.timedelta(days=3)).replace(microsecond=0)

    workflow.transition(Article.objects.get(pk=article.pk), "publish", by=staff["rahul"], live_from=goes_live)

    data = Event.objects.get(type="article.scheduled").payload["data"]
    assert data["article"]["slug"] == "pump"
    assert data["article"]["url"] == f"{API}/api/v1/articles/pump/"
    live_from = datetime.datetime.fromisoformat(data["article"]["live_from"].replace("Z", "+00:00"))
    assert live_from == Publication.objects.get(article=article).live_from == goes_live
    assert data["article"]["live_from"].endswith("Z")
    assert "zebrafish" not in every_payload()


def test_no_event_payload_ever_carries_the_working_copy(staff):
    """A live article with an approved update, a scheduled version and then an unapproved edit:
    every kind of event about it says the approved words, never the working copy's."""
    pump = make_pump()
    reviewer = staff["rahul"]
    forget_events()
    approved = edit_working_copy(pump, by=reviewer, sentence="The approved sentence.")
    workflow.transition(approved, "publish", by=reviewer, version=approved.lock_version)  # article.updated
    later = edit_working_copy(pump, by=reviewer, sentence="The scheduled zebrafish sentence.")
    workflow.transition(later, "publish", by=reviewer, live_from=timezone.now() + AHEAD * 1000)  # scheduled
    edit_working_copy(
        pump, by=staff["wendy"], sentence="Unapproved zebrafish edit.", title="Unapproved title"
    )

    pump.clinic.is_public = True
    pump.clinic.save()  # clinic.updated
    condition = pump.conditions.get()
    condition.summary = "Renamed."
    condition.save()  # topic.updated
    workflow.transition(Article.objects.get(pk=pump.pk), "unpublish", by=reviewer, note="Off.")

    assert types() == [
        "article.updated",
        "article.scheduled",
        "clinic.updated",
        "topic.updated",
        "article.unpublished",
    ]
    text = every_payload()
    assert "zebrafish" not in text
    assert "Unapproved title" not in text
    assert "approved sentence" not in text  # an article event names it; it never quotes it
    unpublished = Event.objects.get(type="article.unpublished").payload["data"]["article"]
    assert unpublished["title"] == "Intrathecal pumps"


# --- 3. The outbox ---------------------------------------------------------------------------------


def test_a_publish_rolled_back_writes_no_event_delivery_or_task(staff):
    endpoint()
    article = make_draft(sections=1)

    with pytest.raises(RuntimeError), transaction.atomic():
        workflow.transition(article, "publish", by=staff["rahul"])
        assert types() == ["article.published"]  # written inside the transaction...
        raise RuntimeError("the request failed after publishing")

    assert Event.objects.count() == 0  # ...and gone with it
    assert Delivery.objects.count() == 0
    assert DBTaskResult.objects.count() == 0
    assert not Publication.objects.filter(article=article).exists()


def test_a_publish_writes_its_event_delivery_and_task_in_its_own_transaction(
    staff, django_capture_on_commit_callbacks
):
    hooks = endpoint()
    article = make_draft(sections=1)

    with django_capture_on_commit_callbacks(execute=False):
        workflow.transition(article, "publish", by=staff["rahul"])

        # Nothing waits for the commit: the rows are there before it.
        event = Event.objects.get()
        delivery = Delivery.objects.get()
        assert (event.type, delivery.event, delivery.endpoint) == ("article.published", event, hooks)
        assert delivery.status == Delivery.Status.PENDING
        assert send_tasks() == [delivery.pk]
        assert DBTaskResult.objects.count() == 1


# --- 4. Scheduled moments, announced by the worker at their time ----------------------------------


def test_a_scheduled_go_live_is_announced_by_the_worker_at_its_time_once(api, staff):
    article = make_draft(sections=1, slug="soon")
    goes_live = timezone.now() + AHEAD
    workflow.transition(article, "publish", by=staff["rahul"], live_from=goes_live)
    assert types() == ["article.scheduled"]

    run_worker()  # before the moment: nothing is due
    assert of_type("article.published") == []
    assert api.get("/api/v1/articles/soon/").status_code == 404

    sleep_past(goes_live)
    assert of_type("article.published") == []  # no request came: nothing happened by itself
    run_worker()

    published = of_type("article.published")
    assert len(published) == 1
    assert published[0].created_at >= goes_live
    assert published[0].payload["data"]["article"]["slug"] == "soon"
    run_worker()
    assert len(of_type("article.published")) == 1
    assert api.get("/api/v1/articles/soon/").status_code == 200
    assert len(of_type("article.published")) == 1


def test_a_scheduled_take_down_is_announced_by_the_worker_at_its_time_once(api):
    comes_off = timezone.now() + AHEAD
    make_article(slug="ending", sections=1, expires_at=comes_off)
    assert types() == ["article.published"]

    run_worker()
    assert of_type("article.unpublished") == []
    assert api.get("/api/v1/articles/ending/").status_code == 200

    sleep_past(comes_off)
    assert of_type("article.unpublished") == []
    run_worker()

    unpublished = of_type("article.unpublished")
    assert len(unpublished) == 1
    assert unpublished[0].created_at >= comes_off
    assert unpublished[0].payload["data"]["article"]["slug"] == "ending"
    run_worker()
    assert len(of_type("article.unpublished")) == 1
    assert api.get("/api/v1/articles/ending/").status_code == 404
    assert len(of_type("article.unpublished")) == 1


def test_a_scheduled_replacement_of_a_live_version_is_announced_as_updated_at_its_time(staff):
    pump = make_pump()
    revised = edit_working_copy(pump, by=staff["rahul"], sentence="Next version.")
    goes_live = timezone.now() + AHEAD
    workflow.transition(
        revised, "publish", by=staff["rahul"], version=revised.lock_version, live_from=goes_live
    )
    assert types() == ["article.published", "article.scheduled"]

    sleep_past(goes_live)
    run_worker()
    run_worker()

    assert types() == ["article.published", "article.scheduled", "article.updated"]
    assert of_type("article.updated")[0].created_at >= goes_live


@pytest.mark.parametrize("moment", ["go-live", "take-down"])
def test_a_request_after_the_moment_then_the_worker_announce_it_once(api, staff, moment):
    when = timezone.now() + AHEAD
    if moment == "go-live":
        workflow.transition(make_draft(sections=1, slug="edge"), "publish", by=staff["rahul"], live_from=when)
        kind, status = "article.published", 200
    else:
        make_article(slug="edge", sections=1, expires_at=when)
        kind, status = "article.unpublished", 404

    sleep_past(when)
    assert api.get("/api/v1/articles/").status_code == 200  # the request applies the moment itself
    assert len(of_type(kind)) == 1
    run_worker()

    assert len(of_type(kind)) == 1
    assert api.get("/api/v1/articles/edge/").status_code == status


# --- 5. Endpoint filters ---------------------------------------------------------------------------


def test_endpoints_get_only_the_types_and_clinics_they_asked_for_and_only_while_active(staff):
    clinic_a, clinic_b = make_clinic(slug="a"), make_clinic(slug="b")
    endpoint("published only", events=["article.published"])
    endpoint("clinic a only", clinics=[clinic_a])
    endpoint("inactive", is_active=False)
    endpoint("everything")

    at_a = make_article(clinic=clinic_a, sections=1)
    republish(at_a)
    make_article(clinic=clinic_b, sections=1)
    clinic_a.is_public = True
    clinic_a.save()

    published_a, published_b = of_type("article.published")
    assert (published_a.clinic_id, published_b.clinic_id) == (clinic_a.pk, clinic_b.pk)
    assert receivers(published_a) == {"published only", "clinic a only", "everything"}
    assert receivers(published_b) == {"published only", "everything"}
    assert receivers(Event.objects.get(type="article.updated")) == {"clinic a only", "everything"}
    assert receivers(Event.objects.get(type="clinic.updated")) == {"clinic a only", "everything"}
    assert not Delivery.objects.filter(endpoint__name="inactive").exists()
    assert send_tasks() == sorted(Delivery.objects.values_list("pk", flat=True))


# --- 6. Coalescing ---------------------------------------------------------------------------------


def test_saving_a_public_clinic_with_its_contact_links_in_one_go_is_one_event():
    clinic = make_clinic(is_public=True, contact_links=3)
    hooks = endpoint()
    forget_events()

    with transaction.atomic():  # the admin's change form: the clinic, then each inline row
        clinic.name = "Wabash Pain Clinic"
        clinic.save()
        for link in clinic.contact_links.all():
            link.label = "Visit us"
            link.save()
        make_contact_link(
            clinic=clinic, position=4, kind=ContactLink.Kind.FACEBOOK, url="https://www.facebook.com/wabash"
        )
        clinic.contact_links.filter(position=1).get().delete()

    event = Event.objects.get()
    assert event.type == "clinic.updated"
    assert list(Delivery.objects.values_list("event", "endpoint")) == [(event.pk, hooks.pk)]
    assert len(send_tasks()) == 1


def test_a_clinic_saved_again_after_its_event_was_sent_is_a_new_event():
    clinic = make_clinic(is_public=True)
    endpoint()
    forget_events()
    clinic.phone = "765-555-0101"
    clinic.save()
    Delivery.objects.update(status=Delivery.Status.DELIVERED, attempts=1)

    clinic.phone = "765-555-0102"
    clinic.save()

    assert types() == ["clinic.updated", "clinic.updated"]


def test_a_clinic_save_that_changes_nothing_patients_see_is_not_announced():
    clinic = make_clinic(is_public=True)
    endpoint()
    forget_events()
    clinic.save()
    clinic.allowed_origins = "https://www.clinic.example"
    clinic.save()

    assert types() == []


def test_a_waiting_clinic_event_that_absorbs_a_later_save_names_the_clinic_as_it_is_now():
    """Two saves before anything was sent are one event: the receiver must then be told the clinic's
    current name and address, not those of the first save (an old slug's API URL is a 404)."""
    clinic = make_clinic(is_public=True, slug="wabash", name="Wabash")
    endpoint()
    forget_events()
    clinic.name, clinic.slug = "Wabash Pain", "wabash-pain"
    clinic.save()

    clinic.name, clinic.slug = "Wabash Pain Clinic", "wabash-pain-clinic"
    clinic.save()

    event = Event.objects.get()
    assert event.payload["data"]["clinic"] == {
        "slug": "wabash-pain-clinic",
        "name": "Wabash Pain Clinic",
        "url": f"{API}/api/v1/clinics/wabash-pain-clinic/",
    }


def test_an_endpoint_added_while_a_clinic_event_waits_still_hears_of_the_next_save():
    """Coalescing folds a save into a waiting event only for endpoints that event goes to: an endpoint
    created after it was written has no delivery of it, so the next save must reach it."""
    clinic = make_clinic(is_public=True)
    endpoint("first")
    forget_events()
    clinic.save()  # waiting: a delivery to "first" only
    endpoint("second")

    clinic.description = "Open on Saturdays."
    clinic.save()

    assert Delivery.objects.filter(endpoint__name="second", event__type="clinic.updated").exists()


def test_an_article_moved_to_another_clinic_is_announced_to_the_old_clinics_endpoint():
    """Clinic A's site shows the article until it is told: moving it to clinic B takes it off A's site."""
    clinic_a, clinic_b = make_clinic(slug="a"), make_clinic(slug="b")
    article = make_article(clinic=clinic_a, sections=1, slug="moving")
    endpoint("clinic a only", clinics=[clinic_a])
    endpoint("clinic b only", clinics=[clinic_b])
    forget_events()

    Article.objects.filter(pk=article.pk).update(clinic=clinic_b)
    republish(Article.objects.get(pk=article.pk))

    told = set(Delivery.objects.values_list("endpoint__name", flat=True))
    assert told == {"clinic a only", "clinic b only"}


# --- After a hostile review -------------------------------------------------------------------------


def test_a_new_version_at_a_new_address_names_the_old_address_too():
    pump = make_pump()
    forget_events()
    Article.objects.filter(pk=pump.pk).update(slug="pump-implants")
    republish(Article.objects.get(pk=pump.pk))

    event = Event.objects.get(type="article.updated")
    article = event.payload["data"]["article"]
    assert (article["slug"], article["previous_slug"]) == ("pump-implants", "pump")
    urls = event.payload["data"]["urls"]
    assert f"{API}/api/v1/articles/pump/" in urls["api"]
    assert urls["pages"] == [
        "https://site.example/articles/pump-implants",
        "https://site.example/articles/pump",
    ]


def test_a_clinic_unlisted_and_renamed_in_one_save_is_announced_under_its_listed_name():
    clinic = make_clinic(is_public=True, slug="wabash", name="Wabash Pain")
    endpoint()
    forget_events()
    clinic.is_public, clinic.slug, clinic.name = False, "secret-new", "Unannounced New Name"
    clinic.save()

    event = Event.objects.get(type="clinic.updated")
    assert event.payload["data"]["clinic"]["slug"] == "wabash"
    assert event.payload["data"]["clinic"]["name"] == "Wabash Pain"
    assert "Unannounced" not in every_payload() and "secret-new" not in every_payload()


def test_deleting_a_listed_clinic_is_announced_and_its_own_endpoints_are_switched_off():
    kept, gone = make_clinic(slug="kept"), make_clinic(slug="gone", is_public=True, name="Gone Clinic")
    only_gone = endpoint("gone only", clinics=[gone])
    both = endpoint("both", clinics=[kept, gone])
    everything = endpoint("everything")
    forget_events()
    gone.delete()

    event = Event.objects.get(type="clinic.updated")
    assert event.clinic_id is None
    assert event.payload["data"]["clinic"]["slug"] == "gone"
    only_gone.refresh_from_db()
    both.refresh_from_db()
    # An endpoint left with no clinic would hear every clinic's events: it is switched off instead.
    assert not only_gone.is_active
    assert both.is_active and list(both.clinics.values_list("slug", flat=True)) == ["kept"]
    assert receivers(event) == {"everything"}
    assert everything.is_active
