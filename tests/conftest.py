import pytest
from rest_framework.test import APIClient


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@clinic.example", "long-Pass-9921")
    client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _empty_cache():
    # Cache keys carry the content version, and every test starts from the same version row:
    # without this, one test could read what another cached.
    from django.core.cache import cache

    cache.clear()
