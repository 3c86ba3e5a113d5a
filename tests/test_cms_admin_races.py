"""Two staff creating the same slug at the same moment: the loser gets a form error, not a 500.
(The real race, on PostgreSQL with two server processes, is in system_tests/test_faults.py.)"""

import pytest
from django.contrib import admin
from django.db import IntegrityError

from articles.models import Condition

pytestmark = pytest.mark.django_db


@pytest.fixture
def lose_the_race(monkeypatch):
    """The first POST finds that another request inserted the same slug just before its INSERT."""
    original = admin.ModelAdmin.changeform_view
    calls = []

    def racing(self, request, *args, **kwargs):
        calls.append(request.method)
        if request.method == "POST" and len(calls) == 1:
            Condition.objects.create(name="Knee pain (other tab)", slug="knee-pain")
            raise IntegrityError("duplicate key value violates unique constraint")
        return original(self, request, *args, **kwargs)

    monkeypatch.setattr(admin.ModelAdmin, "changeform_view", racing)
    return calls


def test_the_second_of_two_simultaneous_creations_gets_the_usual_form_error(staff_client, lose_the_race):
    response = staff_client.post(
        "/admin/articles/condition/add/", {"name": "Knee pain", "slug": "knee-pain", "summary": ""}
    )

    assert response.status_code == 200
    assert "Condition with this Slug already exists." in response.content.decode()
    assert list(Condition.objects.values_list("name", flat=True)) == ["Knee pain (other tab)"]
    assert lose_the_race == ["POST", "POST"]


def test_a_get_is_never_retried(staff_client, monkeypatch):
    def broken(self, request, *args, **kwargs):
        raise IntegrityError("a real bug")

    monkeypatch.setattr(admin.ModelAdmin, "changeform_view", broken)
    staff_client.raise_request_exception = True

    with pytest.raises(IntegrityError):
        staff_client.get("/admin/articles/condition/add/")
