"""Errors under /api/ are JSON objects whatever raised them; other paths keep Django's pages."""

import json

import pytest
from django.db import InterfaceError, OperationalError
from django.test import RequestFactory
from rest_framework.exceptions import ValidationError

from cms.lib.errors import api_exception_handler, page_not_found, server_error


def test_server_error_under_api_is_a_json_object_without_details():
    response = server_error(RequestFactory().get("/api/v1/articles/"))
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"detail": "Server error. The problem has been logged."}


def test_server_error_outside_api_is_the_html_page():
    response = server_error(RequestFactory().get("/admin/"))
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_not_found_outside_api_is_the_html_page():
    response = page_not_found(RequestFactory().get("/nowhere/"), exception=None)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_not_found_under_api_is_json():
    response = page_not_found(RequestFactory().get("/api/v2/"), exception=None)
    assert json.loads(response.content) == {"detail": "Not found."}


def test_api_error_with_a_list_body_is_wrapped_in_an_object():
    response = api_exception_handler(ValidationError("Bad input."), context={})
    assert response.status_code == 400
    assert response.data == {"detail": ["Bad input."]}


@pytest.mark.django_db
def test_unknown_api_path_is_json_even_in_debug(api, settings):
    settings.DEBUG = True
    response = api.get("/api/v1/articles/extra/path/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found: there is no API endpoint at this address."}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "error", [OperationalError("server closed the connection"), InterfaceError("closed")]
)
def test_a_database_outage_under_api_is_a_json_503_with_retry_after(api, monkeypatch, error):
    def unavailable(*args, **kwargs):
        raise error

    monkeypatch.setattr("api.views.ArticleViewSet.list", unavailable)
    api.raise_request_exception = False

    response = api.get("/api/v1/articles/")

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json() == {"detail": "The service is briefly unavailable. Try again in a few seconds."}
    assert "closed" not in response.content.decode()


@pytest.mark.django_db
def test_the_response_cache_answers_503_when_the_database_is_down(monkeypatch):
    from tests.test_api_caching import wsgi_get

    def unavailable():
        raise OperationalError("could not connect to server: Connection refused")

    monkeypatch.setattr("api.caching.connection.ensure_connection", unavailable)

    response = wsgi_get("/api/v1/articles/")

    assert response["status"] == 503
    assert json.loads(response["body"]) == {
        "detail": "The service is briefly unavailable. Try again in a few seconds."
    }
