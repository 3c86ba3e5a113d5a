"""Webhook delivery: signed POSTs a receiver can verify, retries with backoff, giving up after the
retry window (endpoint failing, admins told), redirects never followed, private addresses refused at
send time, secret rotation, "send again", and a worker killed mid-send losing nothing."""

import datetime
import http.server
import json
import socket
import threading

import pytest
from django.core import mail
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from articles import publishing
from articles.models import Article
from tests.factories import make_clinic, make_draft, make_staff
from tests.worker import run_worker
from webhooks import delivery
from webhooks.models import Attempt, Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db


class Receiver:
    """A local HTTP receiver that records requests and answers with a chosen status."""

    def __init__(self):
        self.requests = []
        self.status = 200
        self.headers = {}
        self.body = b'{"ok": true}'
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                receiver.requests.append({"headers": dict(self.headers), "body": self.rfile.read(length)})
                self.send_response(receiver.status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(receiver.body)))
                self.end_headers()
                self.wfile.write(receiver.body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_LOOPBACK = True
    settings.API_PUBLIC_URL = "https://api.clinic.example"
    found = Receiver()
    yield found
    found.close()


@pytest.fixture
def staff():
    return make_staff()


def endpoint_for(url, **fields) -> Endpoint:
    return Endpoint.objects.create(name="Site rebuild", url=url, **fields)


def go_live(**fields):
    """A new article's first version goes live: article.published."""
    article = make_draft(**fields)
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED, published_at=timezone.now())
    return publishing.publish(article)


def make_due(*deliveries):
    """Time passes: the retries of these deliveries, and their tasks, are due now."""
    now = timezone.now()
    Delivery.objects.filter(pk__in=[row.pk for row in deliveries]).update(next_attempt_at=now)
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=now)


def test_a_publish_reaches_the_receiver_signed_and_verifiable_with_the_endpoint_secret(receiver, staff):
    endpoint = endpoint_for(receiver.url)
    go_live(slug="pump", title="Intrathecal pump implants")
    run_worker()

    assert len(receiver.requests) == 1
    sent = receiver.requests[0]
    headers = {name.lower(): value for name, value in sent["headers"].items()}
    event = Event.objects.get(type="article.published")
    assert headers["webhook-id"] == event.event_id
    assert headers["content-type"] == "application/json"
    # What a receiver does (README): verify with the secret shown in the admin, then parse.
    payload = Webhook(endpoint.secret).verify(sent["body"], headers)
    assert payload["id"] == event.event_id
    assert payload["type"] == "article.published"
    assert payload["data"]["article"]["url"] == "https://api.clinic.example/api/v1/articles/pump/"
    assert payload["data"]["article"]["title"] == "Intrathecal pump implants"
    # A body changed on the way, or another secret, does not verify.
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(sent["body"].replace(b"pump", b"pomp"), headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(Endpoint(name="x", url="https://x.example").secret).verify(sent["body"], headers)
    row = Delivery.objects.get()
    assert row.status == Delivery.Status.DELIVERED and row.attempts == 1
    attempt = Attempt.objects.get()
    assert attempt.succeeded and attempt.status_code == 200 and attempt.response_excerpt == '{"ok": true}'


def test_a_failing_receiver_is_retried_with_growing_delays_and_the_log_keeps_each_attempt(receiver, staff):
    endpoint_for(receiver.url)
    receiver.status, receiver.body = 503, b"upstream down " * 100
    go_live(slug="pump")
    run_worker()
    row = Delivery.objects.get()
    first_wait = row.next_attempt_at - timezone.now()
    assert row.status == Delivery.Status.PENDING and row.attempts == 1
    # 10 s with +/-25 % jitter.
    assert datetime.timedelta(seconds=6) < first_wait <= datetime.timedelta(seconds=12.5)
    attempt = Attempt.objects.get()
    assert attempt.status_code == 503 and not attempt.succeeded
    assert attempt.response_excerpt.startswith("upstream down") and len(attempt.response_excerpt) == 500

    # Not due yet: running the worker again sends nothing.
    run_worker()
    assert len(receiver.requests) == 1

    make_due(row)
    run_worker()
    row.refresh_from_db()
    second_wait = row.next_attempt_at - timezone.now()
    assert row.attempts == 2 and second_wait > first_wait
    assert datetime.timedelta(seconds=29) < second_wait <= datetime.timedelta(seconds=50.5)

    receiver.status = 204
    make_due(row)
    run_worker()
    row.refresh_from_db()
    assert row.status == Delivery.Status.DELIVERED and row.attempts == 3
    assert list(Attempt.objects.order_by("number").values_list("number", "status_code")) == [
        (1, 503),
        (2, 503),
        (3, 204),
    ]
    # Every attempt carries the same webhook-id: the receiver deduplicates by it.
    assert len({request["headers"]["webhook-id"] for request in receiver.requests}) == 1


def test_the_retry_schedule_grows_exponentially_with_jitter_and_spans_about_a_day():
    delays = [delivery.retry_delay(attempt) for attempt in range(1, 14)]
    assert all(later >= earlier * 0.75 / 1.25 for earlier, later in zip(delays, delays[1:], strict=False))
    assert max(delays) <= 6 * 3600 * 1.25
    # Capped at 6 h: a day of retries is about a dozen attempts, not hundreds.
    total, attempts = 0.0, 0
    while total < 24 * 3600:
        attempts += 1
        total += delivery.retry_delay(attempts)
    assert 8 <= attempts <= 14


def test_after_the_retry_window_the_delivery_gives_up_the_endpoint_is_failing_and_admins_are_told(
    receiver, staff, settings, django_user_model, django_capture_on_commit_callbacks
):
    django_user_model.objects.create_superuser("owner", "owner@clinic.example", "long-Pass-9921")
    settings.WEBHOOK_RETRY_HOURS = 0.001  # 3.6 s
    endpoint = endpoint_for(receiver.url)
    receiver.status = 500
    go_live(slug="pump")
    with django_capture_on_commit_callbacks(execute=True):
        run_worker()
    row = Delivery.objects.get()
    assert row.status == Delivery.Status.FAILED
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["owner@clinic.example"]
    assert "Site rebuild" in mail.outbox[0].subject and "HTTP 500" in mail.outbox[0].body

    # A later success clears the failing mark.
    receiver.status = 200
    delivery.resend([row.pk])
    run_worker()
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None
    assert Attempt.objects.filter(is_resend=True, succeeded=True).count() == 1


def test_a_redirect_is_never_followed(receiver, staff):
    endpoint_for(receiver.url)
    receiver.status, receiver.headers = 302, {"Location": "http://169.254.169.254/latest/meta-data/"}
    go_live(slug="pump")
    run_worker()
    assert len(receiver.requests) == 1
    attempt = Attempt.objects.get()
    assert attempt.status_code == 302 and not attempt.succeeded
    assert "not followed" in attempt.error
    assert Delivery.objects.get().status == Delivery.Status.PENDING


@pytest.mark.parametrize("address", ["10.0.0.7", "169.254.169.254", "127.0.0.1", "192.168.1.20", "fd00::5"])
def test_a_host_that_resolves_to_a_private_address_at_send_time_is_refused(
    receiver, staff, settings, monkeypatch, address
):
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    endpoint_for("https://hooks.clinic-site.example/careleaf")
    family = socket.AF_INET6 if ":" in address else socket.AF_INET

    def resolve(host, port, *args, **kwargs):
        return [(family, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    go_live(slug="pump")
    run_worker()
    attempt = Attempt.objects.get()
    assert attempt.status_code is None and not attempt.succeeded
    assert address in attempt.error and "hooks.clinic-site.example" in attempt.error
    assert receiver.requests == []


def test_during_a_secret_rotation_both_secrets_verify(receiver, staff, admin_client):
    endpoint = endpoint_for(receiver.url)
    old_secret = endpoint.secret
    response = admin_client.post(
        "/admin/webhooks/endpoint/",
        {"action": "rotate_secret", "_selected_action": [endpoint.pk]},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret != old_secret and endpoint.previous_secret == old_secret
    go_live(slug="pump")
    run_worker()
    sent = receiver.requests[0]
    headers = {name.lower(): value for name, value in sent["headers"].items()}
    assert len(headers["webhook-signature"].split(" ")) == 2
    # Receivers still on the old secret and those already on the new one both accept it.
    assert Webhook(old_secret).verify(sent["body"], headers)["type"] == "article.published"
    assert Webhook(endpoint.secret).verify(sent["body"], headers)["type"] == "article.published"

    # After the overlap only the new secret signs.
    endpoint.previous_secret_until = timezone.now() - datetime.timedelta(seconds=1)
    endpoint.save()
    headers = delivery.signed_headers(endpoint, "msg_x", b"{}", timezone.now())
    assert len(headers["webhook-signature"].split(" ")) == 1


def test_send_again_from_the_delivery_log_sends_the_same_event_id(receiver, staff, admin_client):
    endpoint_for(receiver.url)
    go_live(slug="pump")
    run_worker()
    row = Delivery.objects.get()
    page = admin_client.get(f"/admin/webhooks/delivery/{row.pk}/change/")
    assert page.status_code == 200 and b"article.published" in page.content
    response = admin_client.post(
        "/admin/webhooks/delivery/", {"action": "send_again", "_selected_action": [row.pk]}
    )
    assert response.status_code == 302
    run_worker()
    assert len(receiver.requests) == 2
    ids = {request["headers"]["webhook-id"] for request in receiver.requests}
    assert ids == {row.event.event_id}
    assert list(Attempt.objects.order_by("number").values_list("number", "is_resend")) == [
        (1, False),
        (2, True),
    ]


def test_a_worker_killed_mid_send_loses_nothing_the_sweeper_sends_it_again(receiver, staff):
    endpoint_for(receiver.url)
    go_live(slug="pump")
    row = Delivery.objects.get()
    # The worker claimed it (its lease is taken) and died before recording anything; its task is
    # gone from the queue.
    assert delivery._claim(row.pk) is not None
    DBTaskResult.objects.all().delete()
    # While the lease lasts, nobody else sends it.
    run_worker()
    assert receiver.requests == []
    # Once the lease and the sweeper's grace have passed, the sweeper queues it again.
    past = timezone.now() - datetime.timedelta(minutes=1)
    Delivery.objects.filter(pk=row.pk).update(locked_until=past, next_attempt_at=past)
    assert delivery.sweep()["deliveries"] == 1
    run_worker()
    assert len(receiver.requests) == 1
    row.refresh_from_db()
    assert row.status == Delivery.Status.DELIVERED and row.attempts == 2


def test_two_triggers_for_one_delivery_send_it_once(receiver, staff):
    endpoint_for(receiver.url)
    go_live(slug="pump")
    row = Delivery.objects.get()
    delivery.send_delivery.enqueue(row.pk)  # a duplicate trigger (the sweeper, a resend race)
    run_worker()
    assert len(receiver.requests) == 1


def test_the_endpoint_form_refuses_private_addresses_and_plain_http_in_production(admin_client, settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.WEBHOOKS_ALLOW_LOOPBACK = False
    for url, words in [
        ("http://hooks.clinic.example/", "https"),
        ("https://10.1.2.3/hook", "private"),
        ("https://169.254.169.254/latest", "link-local"),
        ("https://127.0.0.1/hook", "loopback"),
    ]:
        response = admin_client.post(
            "/admin/webhooks/endpoint/add/", {"name": "Site", "url": url, "is_active": "on"}
        )
        assert response.status_code == 200, url
        assert words in response.content.decode(), url
    assert not Endpoint.objects.exists()
    response = admin_client.post(
        "/admin/webhooks/endpoint/add/",
        {"name": "Site", "url": "https://hooks.clinic.example/careleaf", "is_active": "on"},
    )
    assert response.status_code == 302
    endpoint = Endpoint.objects.get()
    assert endpoint.secret.startswith("whsec_") and endpoint.events == []


def test_only_the_organisations_admins_manage_webhooks(client, staff):
    clinic = make_clinic(slug="other")
    # A Clinic admin of one clinic only, and one of every clinic (the organisation's).
    local_admin = make_staff(clinic=clinic, suffix="-local")["cora-local"]
    organisation_admin = staff["cora"]
    endpoint = endpoint_for("https://hooks.clinic.example/")
    for user, allowed in [
        (staff["wendy"], False),
        (staff["rahul"], False),
        (local_admin, False),
        (organisation_admin, True),
    ]:
        client.force_login(user)
        for url in ["/admin/webhooks/endpoint/", f"/admin/webhooks/endpoint/{endpoint.pk}/change/"]:
            response = client.get(url)
            assert (response.status_code == 200) is allowed, (user.username, url, response.status_code)
        index = client.get("/admin/")
        assert (b"/admin/webhooks/" in index.content) is allowed


def test_the_delivery_payload_is_valid_json_with_the_event_id(receiver, staff):
    endpoint_for(receiver.url)
    go_live(slug="pump")
    run_worker()
    body = json.loads(receiver.requests[0]["body"])
    assert set(body) == {"id", "type", "timestamp", "data"}
    assert body["data"]["urls"]["api"][0] == "https://api.clinic.example/api/v1/articles/pump/"


def test_the_sweeper_applies_a_scheduled_moment_whose_task_was_lost_and_prunes_old_finished_tasks(staff):
    from api.models import ListingVersion

    DBTaskResult.objects.create(
        id="00000000-0000-0000-0000-000000000001",
        args_kwargs={"args": [], "kwargs": {}},
        task_path="api.publications.boundary_passed",
        backend_name="default",
        status=TaskResultStatus.SUCCESSFUL,
        finished_at=timezone.now() - datetime.timedelta(days=8),
    )
    article = make_draft(slug="pump")
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED, published_at=timezone.now())
    publishing.publish(article, live_from=timezone.now() + datetime.timedelta(minutes=5))
    DBTaskResult.objects.filter(task_path="api.publications.boundary_passed").delete()  # lost
    # The moment passed a while ago (as if the worker had been down).
    from api.models import PublicArticle
    from articles.models import Publication

    past = timezone.now() - datetime.timedelta(minutes=2)
    Publication.objects.update(live_from=past)
    PublicArticle.objects.update(live_from=past)
    ListingVersion.objects.update(next_boundary_at=past)
    assert not Event.objects.filter(type="article.published").exists()
    assert delivery.sweep()["boundaries"] == 1
    assert Event.objects.filter(type="article.published").count() == 1
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.SUCCESSFUL).exists()


def test_a_receiver_answering_nul_bytes_is_logged_like_any_other_answer(receiver, staff):
    """PostgreSQL text refuses NUL: an answer in UTF-16 once crashed the recording, and the
    delivery went round for ever with no log."""
    endpoint_for(receiver.url)
    receiver.status, receiver.body = 500, "Server error".encode("utf-16-le")
    go_live(slug="pump")
    run_worker()
    attempt = Attempt.objects.get()
    assert attempt.status_code == 500 and "\x00" not in attempt.response_excerpt
    assert attempt.response_excerpt.startswith("S\N{REPLACEMENT CHARACTER}e")
    assert Delivery.objects.get().status == Delivery.Status.PENDING


def test_an_attempt_that_lost_its_lease_does_not_undo_the_attempt_that_took_over(receiver, staff):
    endpoint_for(receiver.url)
    go_live(slug="pump")
    row = Delivery.objects.get()
    slow = delivery._claim(row.pk)  # a worker's attempt that outlives its lease
    Delivery.objects.filter(pk=row.pk).update(locked_until=timezone.now() - datetime.timedelta(seconds=1))
    run_worker()  # another attempt takes over and succeeds
    row.refresh_from_db()
    assert row.status == Delivery.Status.DELIVERED
    # The slow attempt ends in a failure: logged, but the delivery stays delivered.
    delivery._record(slow, timezone.now(), 10_000, None, "", "ReadTimeout", False)
    row.refresh_from_db()
    assert row.status == Delivery.Status.DELIVERED and row.delivered_at is not None
    assert sorted(Attempt.objects.values_list("number", "succeeded")) == [(1, False), (2, True)]


def test_send_again_during_an_attempt_is_not_lost(receiver, staff):
    endpoint_for(receiver.url)
    go_live(slug="pump")
    row = Delivery.objects.get()
    DBTaskResult.objects.all().delete()
    running = delivery._claim(row.pk)
    delivery.resend([row.pk])  # asked for while the attempt runs
    delivery._record(running, timezone.now(), 5, 200, "ok", "", True)
    run_worker()
    assert len(receiver.requests) == 1  # the resend went
    assert list(Attempt.objects.order_by("number").values_list("number", "is_resend")) == [
        (1, False),
        (2, True),
    ]


def test_send_again_after_giving_up_retries_from_the_start_of_the_schedule(receiver, staff, settings):
    settings.WEBHOOK_RETRY_HOURS = 0.001
    endpoint_for(receiver.url)
    receiver.status = 500
    go_live(slug="pump")
    run_worker()
    row = Delivery.objects.get()
    assert row.status == Delivery.Status.FAILED
    settings.WEBHOOK_RETRY_HOURS = 24
    delivery.resend([row.pk])
    run_worker()
    row.refresh_from_db()
    wait = row.next_attempt_at - timezone.now()
    # The first delay of a fresh schedule (10 s +/- 25 %), not the delay after the nth attempt.
    assert row.status == Delivery.Status.PENDING and wait <= datetime.timedelta(seconds=12.5)


def test_an_inactive_endpoints_deliveries_wait_and_the_sweeper_leaves_them(receiver, staff):
    endpoint = endpoint_for(receiver.url)
    go_live(slug="pump")
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    DBTaskResult.objects.all().delete()
    Delivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(minutes=5))
    assert delivery.sweep()["deliveries"] == 0
    run_worker()
    assert receiver.requests == []
    # Active again: the sweeper sends what waited.
    Endpoint.objects.filter(pk=endpoint.pk).update(is_active=True)
    assert delivery.sweep()["deliveries"] == 1
    run_worker()
    assert len(receiver.requests) == 1


def test_the_sweeper_does_not_queue_a_delivery_whose_task_is_only_waiting(receiver, staff):
    endpoint_for(receiver.url)
    go_live(slug="pump")
    Delivery.objects.update(next_attempt_at=timezone.now() - datetime.timedelta(minutes=5))
    tasks = DBTaskResult.objects.filter(task_path="webhooks.delivery.send_delivery")
    assert tasks.count() == 1
    for _ in range(3):
        assert delivery.sweep()["deliveries"] == 0
    assert tasks.count() == 1


def test_a_delivery_whose_attempts_cannot_be_recorded_stops_after_the_cap(receiver, staff):
    endpoint_for(receiver.url)
    go_live(slug="pump")
    row = Delivery.objects.get()
    Delivery.objects.filter(pk=row.pk).update(claims=delivery.MAX_ATTEMPTS)
    assert delivery._claim(row.pk) is None
    row.refresh_from_db()
    assert row.status == Delivery.Status.FAILED


@pytest.mark.parametrize(
    "url",
    [
        "/admin/webhooks/delivery/",
        "/admin/webhooks/endpoint/",
        "/admin/articles/condition/",
        "/admin/clinics/clinic/",
    ],
)
@pytest.mark.parametrize("action", ["delete_selected", "send_again", "rotate_secret"])
@pytest.mark.parametrize("bad", ["abc'--", "deadbeef", "1.5", "00000000-0000-0000-0000-000000000001"])
def test_an_action_on_rows_that_are_no_ids_is_a_400_not_a_500(admin_client, url, action, bad):
    response = admin_client.post(url, {"action": action, "_selected_action": ["1", bad]})
    assert response.status_code == 400


def test_an_action_on_ids_of_rows_that_do_not_exist_is_the_admins_usual_answer(admin_client):
    # Django's own "Items must be selected" message and a redirect back to the list.
    response = admin_client.post(
        "/admin/webhooks/delivery/", {"action": "send_again", "_selected_action": ["99"]}
    )
    assert response.status_code == 302
