import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_openapi_schema_validates_without_warnings(tmp_path):
    schema_file = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(schema_file))
    schema = yaml.safe_load(schema_file.read_text())
    assert set(schema["paths"]) == {
        "/api/v1/articles/",
        "/api/v1/articles/{slug}/",
        "/api/v1/conditions/",
        "/api/v1/conditions/{slug}/",
        "/api/v1/risks/",
        "/api/v1/risks/{slug}/",
        "/api/v1/clinics/",
        "/api/v1/clinics/{slug}/",
        "/api/v1/clinics/{slug}/sitemap.xml",
        "/api/v1/clinics/{slug}/feed.atom",
        "/api/v1/clinics/{slug}/infobutton/",
        "/api/v1/infobutton/",
        "/api/v1/articles/{slug}/handout.pdf",
        "/api/v1/preview/{token}/",
    }


def test_openapi_schema_documents_every_article_filter(api):
    schema = yaml.safe_load(api.get("/api/schema/").content)
    parameters = {
        p["name"] for p in schema["paths"]["/api/v1/articles/"]["get"]["parameters"] if p["in"] == "query"
    }
    assert parameters == {
        "condition",
        "risk",
        "clinic",
        "icd10",
        "language",
        "published_after",
        "published_before",
        "search",
        "ordering",
        "fields",
        "page",
        "page_size",
    }


def test_openapi_schema_types_the_article_detail_fields(api):
    schema = yaml.safe_load(api.get("/api/schema/").content)
    detail = schema["components"]["schemas"]["ArticleDetail"]["properties"]
    assert detail["candidate_criteria"] == {
        "type": "array",
        "items": {"type": "string"},
        "readOnly": True,
        "description": "Who is a good candidate for the treatment, in order.",
    }
    assert detail["sections"]["items"] == {"$ref": "#/components/schemas/Section"}


def test_api_docs_page_is_served_without_a_third_party_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in response.content
    assert b"cdn.jsdelivr.net" not in response.content


def _schema(api):
    return yaml.safe_load(api.get("/api/schema/").content)


def test_openapi_schema_marks_every_response_field_as_always_present(api):
    components = _schema(api)["components"]["schemas"]
    for name in ["Article", "ArticleDetail", "ClinicProfile", "ContactLink", "PostalAddress", "Condition"]:
        component = components[name]
        assert sorted(component["required"]) == sorted(component["properties"]), name
    assert "nullable" not in components["Article"]["properties"]["published_at"]


def test_openapi_schema_states_the_page_size_bounds(api):
    parameters = _schema(api)["paths"]["/api/v1/articles/"]["get"]["parameters"]
    page_size = next(p for p in parameters if p["name"] == "page_size")
    assert page_size["schema"] == {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}


def test_openapi_schema_describes_every_article_filter(api):
    parameters = _schema(api)["paths"]["/api/v1/articles/"]["get"]["parameters"]
    assert all(p.get("description") for p in parameters), [p["name"] for p in parameters]


def test_openapi_schema_documents_the_error_responses(api):
    schema = _schema(api)
    paths = schema["paths"]
    errors = {"400", "404", "414", "429", "500", "503"}
    assert set(paths["/api/v1/articles/"]["get"]["responses"]) == {"200", "304"} | errors
    assert set(paths["/api/v1/clinics/{slug}/"]["get"]["responses"]) == {"200", "304"} | errors
    assert set(paths["/api/v1/preview/{token}/"]["get"]["responses"]) == {"200", "403"} | errors
    too_many = paths["/api/v1/articles/{slug}/"]["get"]["responses"]["429"]
    assert too_many["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert "Retry-After" in too_many["headers"]
    assert schema["components"]["schemas"]["Error"]["required"] == ["detail"]
    # gunicorn's answer to an overlong request line, before the API: HTML, documented as such.
    assert list(paths["/api/v1/risks/"]["get"]["responses"]["414"]["content"]) == ["text/html"]


def test_openapi_schema_documents_the_caching_contract_of_every_public_read(api):
    """304, ETag, Last-Modified, Cache-Control and cache tags, and the conditional headers, on every
    public GET; the preview (private, no-store) has none of them."""
    paths = _schema(api)["paths"]
    for path, operations in paths.items():
        get = operations["get"]
        if path.startswith("/api/v1/preview/"):
            assert "304" not in get["responses"]
            assert "headers" not in get["responses"]["200"]
            continue
        if not path.startswith("/api/v1/"):
            continue
        assert set(get["responses"]["304"]["headers"]) == {"ETag", "Last-Modified"}, path
        assert {"ETag", "Last-Modified", "Cache-Control", "Surrogate-Key", "Cache-Tag"} <= set(
            get["responses"]["200"]["headers"]
        ), path
        headers = {p["name"] for p in get["parameters"] if p["in"] == "header"}
        assert headers == {"If-None-Match", "If-Modified-Since"}, path
