import pytest
from rest_framework.test import APIClient

from tests import contract
from tests.factories import make_pump, make_staff


def pytest_configure(config):
    # PBKDF2 costs ~0.45 s per password on CI's machines and the role tests create several users
    # each: a fast hasher keeps the suite's time on behaviour. Production keeps Django's default
    # hashers; tests that log in through the login page keep working (MD5 is still a real hasher).
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Uploaded pictures (the demo's too) go to a folder of this run's, never the checkout's media/.
    import tempfile

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="careleaf-test-media-")


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction"))


def pytest_collection_modifyitems(config, items):
    # Transactional tests ask for the database's first contents to be kept (serialized_rollback):
    # pytest_runtest_teardown below puts them back from that copy.
    for item in items:
        if _is_transactional(item) and not item.get_closest_marker("django_db").kwargs.get(
            "serialized_rollback"
        ):
            raise pytest.UsageError(
                f"{item.nodeid}: use @pytest.mark.django_db(transaction=True, serialized_rollback=True)"
            )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test empties every table when it ends, the rows the migrations made too (the
    role groups and their permissions). pytest-django runs such tests last, but pytest-xdist may
    hand a worker other tests after one: put those rows back for them."""
    yield
    if nextitem is None or not _is_transactional(item):
        return
    from django.db import connections
    from pytest_django.plugin import blocking_manager_key

    connection = connections["default"]
    if hasattr(connection, "_test_serialized_contents"):
        with item.config.stash[blocking_manager_key].unblock():
            connection.creation.deserialize_db_from_string(connection._test_serialized_contents)


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("editor", "editor@clinic.example", "long-Pass-9921")
    client.force_login(user)
    return client


@pytest.fixture
def staff():
    """wendy (Writer), rahul (Clinical reviewer) and cora (Clinic admin), by username."""
    return make_staff()


@pytest.fixture
def pump():
    """ "Intrathecal pumps" at /api/v1/articles/pump/: live, at clinic wabash, for knee-pain."""
    return make_pump()


@pytest.fixture(autouse=True)
def _empty_cache():
    # Cache keys carry the content version, and every test starts from the same version row:
    # without this, one test could read what another cached.
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(scope="module")
def _demo_database(django_db_setup, django_db_blocker):
    with contract.demo_loaded(django_db_blocker):
        yield


@pytest.fixture
def demo(_demo_database, db):
    """The demo content (call_command("load_demo")), loaded once per test module that asks for it
    and rolled back at the module's end (tests/contract.py)."""
