"""Admin protection: lockout after repeated failed logins, strong passwords.

Two lockout rules (cms/lib/guard.py): per username and address, and per username from anywhere
with a short backoff that grows. Time passing is simulated by moving the recorded attempts and
logins into the past.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db.models import F

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "long-Pass-9921"


@pytest.fixture(autouse=True)
def _fast_hashing(settings):
    # Dozens of logins per test: the lockout is under test here, not the password hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def editor(django_user_model, settings):
    settings.AXES_FAILURE_LIMIT = 3
    return django_user_model.objects.create_user("editor", "e@clinic.example", PASSWORD, is_staff=True)


def log_in(client, password, address="203.0.113.7", username="editor"):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


def later(minutes=0, days=0):
    """Let time pass for the lockout: every recorded failure and login moves into the past."""
    delta = timedelta(minutes=minutes, days=days)
    for model in (AccessAttempt, AccessFailureLog, AccessLog):
        model.objects.update(attempt_time=F("attempt_time") - delta)


def test_the_right_password_logs_in(client, editor):
    assert log_in(client, PASSWORD).status_code == 302


def test_repeated_failures_lock_the_login_even_with_the_right_password(client, editor):
    failures = [log_in(client, f"wrong-{n}").status_code for n in range(3)]

    locked = log_in(client, PASSWORD)

    assert failures == [200, 200, 429]
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_lockout_is_per_username_and_address(client, editor):
    for n in range(3):
        log_in(client, f"wrong-{n}")

    # An attacker elsewhere cannot lock the clinician out of their own machine.
    assert log_in(client, PASSWORD, address="198.51.100.20").status_code == 302


def test_a_rotating_x_forwarded_for_does_not_escape_the_lockout(client, editor):
    statuses = [
        client.post(
            LOGIN,
            {"username": "editor", "password": f"wrong-{n}"},
            REMOTE_ADDR="203.0.113.7",
            HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
        ).status_code
        for n in range(4)
    ]

    assert statuses[-1] == 429


def test_typos_hours_apart_do_not_add_up_to_a_lockout(client, editor):
    statuses = []
    for hour in range(4):
        statuses += [log_in(client, f"typo-{hour}-{n}").status_code for n in range(2)]
        later(minutes=90)

    assert statuses == [200] * 8
    assert log_in(client, PASSWORD).status_code == 302


def test_a_success_resets_the_count(client, editor):
    log_in(client, "wrong-1")
    log_in(client, "wrong-2")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()

    assert [log_in(client, f"wrong-{n}").status_code for n in range(2)] == [200, 200]


# --- Each deployment shape (README, *Client addresses*) --------------------------------------------
# How a request from client address `ip` reaches the app, and what an attacker may add in front:
# the client's own X-Forwarded-For entries are to the left of what the proxies append.
PROXY = "10.0.0.2"
CDN_EDGE = "198.18.0.9"
DEPLOYMENTS = {
    "direct": (0, lambda ip, forged: {"REMOTE_ADDR": ip, "HTTP_X_FORWARDED_FOR": forged}),
    "one proxy": (1, lambda ip, forged: {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{forged}, {ip}"}),
    "cdn and proxy": (
        2,
        lambda ip, forged: {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": f"{forged}, {ip}, {CDN_EDGE}"},
    ),
}


@pytest.fixture(params=list(DEPLOYMENTS))
def via(request, settings):
    """``via(ip, n)``: the request headers of client ``ip`` in this deployment, with a forged
    X-Forwarded-For entry that changes with ``n``."""
    num_proxies, headers = DEPLOYMENTS[request.param]
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": num_proxies}
    return lambda ip, n=0: headers(ip, f"192.0.2.{n % 250 + 1}")


@pytest.fixture
def username_rule(settings):
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 6
    settings.LOGIN_USERNAME_COOLOFF_MINUTES = 5
    settings.LOGIN_USERNAME_COOLOFF_MAX_MINUTES = 15
    settings.LOGIN_USERNAME_WINDOW_HOURS = 24
    settings.LOGIN_KNOWN_ADDRESS_DAYS = 30


def attempt(client, password, headers, username="editor"):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, **headers)


def at(ip):
    """A client reaching the app directly (NUM_PROXIES=0) from ``ip``."""
    return {"REMOTE_ADDR": ip}


def succeeds(client, headers):
    """The right password from there logs in (then logs out again)."""
    status = attempt(client, PASSWORD, headers).status_code
    client.logout()
    return status == 302


def test_a_pair_is_locked_whatever_the_attacker_writes_in_front(client, editor, username_rule, via):
    statuses = [attempt(client, f"wrong-{n}", via("203.0.113.7", n)).status_code for n in range(3)]

    assert statuses == [200, 200, 429]
    assert not succeeds(client, via("203.0.113.7", 99))
    assert AccessAttempt.objects.get().ip_address == "203.0.113.7"
    # The clinician elsewhere is not locked out by that attacker.
    assert succeeds(client, via("198.51.100.20"))


def test_rotating_addresses_meet_the_per_username_limit(client, editor, username_rule, via):
    # One failure from each of six addresses: in the one-proxy shape, also what a client reaching
    # the app directly gets by writing a new X-Forwarded-For each time.
    statuses = [attempt(client, f"wrong-{n}", via(f"203.0.113.{n}", n)).status_code for n in range(6)]
    locked = attempt(client, PASSWORD, via("198.51.100.20"))

    assert statuses == [200] * 5 + [429]
    assert locked.status_code == 429
    assert "from several places" in locked.content.decode()
    assert "Try again in 4\xa0minutes" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_username_lock_is_short_grows_with_each_lockout_and_is_capped(client, editor, username_rule):
    for n in range(6):
        attempt(client, f"wrong-{n}", at(f"203.0.113.{n}"))
    # A clinician elsewhere (a new address each time: a login makes an address known).
    later(minutes=4)
    assert not succeeds(client, at("198.51.100.1"))
    later(minutes=2)
    assert succeeds(client, at("198.51.100.2"))

    # After the limit, each wrong password locks the username again, for twice as long.
    assert attempt(client, "wrong-7", at("203.0.114.7")).status_code == 429  # 10 minutes
    later(minutes=9)
    assert not succeeds(client, at("198.51.100.3"))
    later(minutes=2)
    assert succeeds(client, at("198.51.100.4"))

    assert attempt(client, "wrong-8", at("203.0.114.8")).status_code == 429  # 20, capped at 15
    later(minutes=14)
    assert not succeeds(client, at("198.51.100.5"))
    later(minutes=2)
    assert succeeds(client, at("198.51.100.6"))

    # A quiet window later, the username starts again from the full limit.
    later(minutes=24 * 60)
    statuses = [attempt(client, f"again-{n}", at(f"203.0.115.{n}")).status_code for n in range(6)]
    assert statuses == [200] * 5 + [429]


def test_attempts_while_locked_neither_count_nor_lengthen_the_lock(client, editor, username_rule):
    for n in range(6):
        attempt(client, f"wrong-{n}", at(f"203.0.113.{n}"))
    later(minutes=3)

    hammering = {attempt(client, PASSWORD, at(f"203.0.114.{n}")).status_code for n in range(20)}
    later(minutes=3)

    # The right password among them was never checked, and the lock still ends 5 minutes after
    # the sixth failure.
    assert hammering == {429}
    assert sum(AccessAttempt.objects.values_list("failures_since_start", flat=True)) == 6
    assert AccessFailureLog.objects.count() == 6
    assert succeeds(client, at("198.51.100.20"))


def test_a_forged_address_cannot_lock_the_clinician_out_where_they_usually_log_in(
    client, editor, username_rule, via
):
    assert succeeds(client, via("203.0.113.7"))
    for n in range(6):
        attempt(client, f"wrong-{n}", via(f"198.51.100.{n}", n))

    assert not succeeds(client, via("198.51.100.99"))
    assert succeeds(client, via("203.0.113.7"))


def test_a_known_address_still_has_the_pair_limit(client, editor, username_rule):
    assert succeeds(client, at("203.0.113.7"))

    statuses = [attempt(client, f"wrong-{n}", at("203.0.113.7")).status_code for n in range(3)]

    assert statuses == [200, 200, 429]
    assert not succeeds(client, at("203.0.113.7"))


@pytest.mark.parametrize(("known_days", "login_days_ago"), [(0, 0), (30, 31)])
def test_an_address_is_known_only_for_a_while(
    client, editor, settings, username_rule, known_days, login_days_ago
):
    settings.LOGIN_KNOWN_ADDRESS_DAYS = known_days
    assert succeeds(client, at("203.0.113.7"))
    later(days=login_days_ago)
    for n in range(6):
        attempt(client, f"wrong-{n}", at(f"198.51.100.{n}"))

    assert not succeeds(client, at("203.0.113.7"))


def test_a_success_clears_its_own_pair_not_failures_from_elsewhere(client, editor, username_rule):
    for n in range(4):
        attempt(client, f"wrong-{n}", at(f"198.51.100.{n}"))
    attempt(client, "typo", at("203.0.113.7"))
    assert succeeds(client, at("203.0.113.7"))

    after = [attempt(client, f"wrong-{n}", at(f"198.51.100.{n + 10}")).status_code for n in range(2)]

    # 4 from elsewhere + 2 more: the sixth failure locks the username; the typo was forgotten.
    assert after == [200, 429]
    assert not AccessAttempt.objects.filter(ip_address="203.0.113.7").exists()
    assert not AccessFailureLog.objects.filter(ip_address="203.0.113.7").exists()


def test_the_per_username_rule_can_be_turned_off(client, editor, settings):
    settings.LOGIN_USERNAME_FAILURE_LIMIT = 0
    statuses = {attempt(client, f"wrong-{n}", at(f"198.51.100.{n}")).status_code for n in range(30)}

    assert statuses == {200}
    assert succeeds(client, at("198.51.100.200"))


def test_an_ipv6_client_is_its_64_for_the_pair_rule(client, editor, username_rule):
    statuses = [attempt(client, f"wrong-{n}", at(f"2001:db8:1:2:{n}::{n + 1}")).status_code for n in range(3)]

    assert statuses == [200, 200, 429]
    assert AccessAttempt.objects.get().ip_address == "2001:db8:1:2::"
    assert not succeeds(client, at("2001:db8:1:2:ffff::1"))
    assert succeeds(client, at("2001:db8:1:3::1"))


@pytest.mark.parametrize("garbage", ["not-an-address", "999.1.1.1", "", "2001:db8::zz"])
def test_an_invalid_forwarded_address_counts_as_the_peer_without_an_error(
    client, editor, settings, username_rule, garbage
):
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": 1}
    headers = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": garbage}

    statuses = [attempt(client, f"wrong-{n}", headers).status_code for n in range(3)]

    assert statuses == [200, 200, 429]
    assert AccessAttempt.objects.get().ip_address == PROXY


@pytest.mark.parametrize("weak", ["short-Pw-1", "password1234", "123456789012", "editor-editor"])
def test_weak_passwords_are_refused(django_user_model, weak):
    user = django_user_model(username="editor-editor", email="editor@clinic.example")

    with pytest.raises(ValidationError):
        validate_password(weak, user)


def test_a_long_unusual_password_is_accepted(django_user_model):
    validate_password("correct-Horse-battery-9", django_user_model(username="editor"))
