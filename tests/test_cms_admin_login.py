"""Admin protection: lockout after repeated failed logins, strong passwords."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

pytestmark = pytest.mark.django_db

LOGIN = "/admin/login/"
PASSWORD = "long-Pass-9921"


@pytest.fixture
def editor(django_user_model, settings):
    settings.AXES_FAILURE_LIMIT = 3
    return django_user_model.objects.create_user("editor", "e@clinic.example", PASSWORD, is_staff=True)


def log_in(client, password, address="203.0.113.7", username="editor"):
    return client.post(
        LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=address
    )


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


def test_a_success_resets_the_count(client, editor):
    log_in(client, "wrong-1")
    log_in(client, "wrong-2")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()

    assert [log_in(client, f"wrong-{n}").status_code for n in range(2)] == [200, 200]


@pytest.mark.parametrize("weak", ["short-Pw-1", "password1234", "123456789012", "editor-editor"])
def test_weak_passwords_are_refused(django_user_model, weak):
    user = django_user_model(username="editor-editor", email="editor@clinic.example")

    with pytest.raises(ValidationError):
        validate_password(weak, user)


def test_a_long_unusual_password_is_accepted(django_user_model):
    validate_password("correct-Horse-battery-9", django_user_model(username="editor"))
