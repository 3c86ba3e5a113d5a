"""Hostile preview tokens: forged, cut, stretched, foreign or stale tokens and path tricks around
GET /api/v1/preview/<token>/ get a JSON 403 or 404, never a 500, never the draft, and store nothing.

tests/test_articles_preview.py covers the reasons given for the ordinary refusals; this suite adds
the abuse around them.
"""

import datetime
import urllib.parse
from dataclasses import dataclass

import pytest
from django.core import signing
from django.utils import timezone

from articles import previews
from articles.models import PreviewLink
from tests.factories import make_draft, make_section
from tests.test_hostile_api import assert_json_object, nothing_stored

pytestmark = pytest.mark.django_db

DRAFT_TITLE, DRAFT_SLUG, DRAFT_TEXT = "Unannounced trial therapy", "unannounced-trial-therapy", "Dosing notes"


@dataclass
class Draft:
    article: object
    link: PreviewLink
    token: str
    other_token: str


@pytest.fixture
def draft(django_user_model):
    editor = django_user_model.objects.create_user("previewer", "p@clinic.example", "long-Pass-9921")
    article = make_draft(title=DRAFT_TITLE, slug=DRAFT_SLUG)
    make_section(article=article, position=1, heading="Dose", body=f"<p>{DRAFT_TEXT}.</p>")
    link = previews.create_link(article, by=editor)
    other = previews.create_link(make_draft(title="Other draft", slug="other-draft"), by=editor)
    return Draft(article, link, previews.token_for(link), previews.token_for(other))


def preview_path(token: str) -> str:
    return f"/api/v1/preview/{token}/"


def assert_reveals_no_draft(response):
    text = response.content.decode()
    assert [secret for secret in (DRAFT_TITLE, DRAFT_SLUG, DRAFT_TEXT) if secret in text] == []


def no_store(response) -> bool:
    directives = {part.strip() for part in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


def test_the_untouched_token_opens_the_preview(api, draft):
    # The control for every case below: the same draft, link and client do open.
    response = api.get(preview_path(draft.token))

    assert response.status_code == 200
    assert response.json()["title"] == DRAFT_TITLE


def claims_of(token: str) -> str:
    return token.split(":", 1)[0]


def signature_of(token: str) -> str:
    return token.split(":", 1)[1]


def expire(draft: Draft) -> str:
    draft.link.expires_at = timezone.now() - datetime.timedelta(seconds=1)
    draft.link.save()
    return draft.token


def revoke(draft: Draft) -> str:
    previews.revoke(draft.link)
    return draft.token


def delete_article(draft: Draft) -> str:
    draft.article.delete()
    return draft.token


CLAIMS = {"link": 1, "article": 1}

# (id, build the token from the fixture; run before the snapshot)
REFUSED_TOKENS = [
    ("claims-of-one-signature-of-another", lambda d: f"{claims_of(d.token)}:{signature_of(d.other_token)}"),
    ("timestamp-dropped", lambda d: claims_of(d.token) + ":" + d.token.rsplit(":", 1)[1]),
    ("last-character-cut", lambda d: d.token[:-1]),
    ("cut-in-half", lambda d: d.token[: len(d.token) // 2]),
    ("claims-only", lambda d: claims_of(d.token)),
    ("one-character", lambda d: d.token[:1]),
    ("character-appended", lambda d: d.token + "A"),
    ("segment-appended", lambda d: d.token + ":extra"),
    ("separator-appended", lambda d: d.token + ":"),
    ("case-flipped", lambda d: d.token.swapcase()),
    ("expired", expire),
    ("revoked", revoke),
    ("article-deleted", delete_article),
    ("default-salt", lambda d: signing.dumps({"link": d.link.pk, "article": d.article.pk})),
    (
        "near-miss-salt",
        lambda d: signing.dumps(
            {"link": d.link.pk, "article": d.article.pk}, salt=previews.SALT + ".v2", compress=True
        ),
    ),
    (
        "wrong-key",
        lambda d: signing.dumps(
            {"link": d.link.pk, "article": d.article.pk}, key="x" * 50, salt=previews.SALT
        ),
    ),
    ("unsigned-claims", lambda d: signing.b64_encode(b'{"link":1,"article":1}').decode() + ":1uAAAA:"),
    ("oversized", lambda d: "A" * 5000),
    ("oversized-valid-prefix", lambda d: d.token + "A" * 5000),
    ("oversized-separators", lambda d: ":" * 5000),
    ("nul-inside", lambda d: d.token[:10] + "%00" + d.token[10:]),
    ("nul-after", lambda d: d.token + "%00"),
    ("dot-dot", lambda d: "%2e%2e"),
    (
        "unicode-confusable",
        lambda d: urllib.parse.quote(d.token.replace("A", "\u0391").replace("a", "\u0430")),
    ),
]


@pytest.mark.parametrize(
    "build", [build for _id, build in REFUSED_TOKENS], ids=[i for i, _b in REFUSED_TOKENS]
)
def test_a_refused_token_is_a_json_403_without_the_draft(api, draft, build):
    token = build(draft)

    with nothing_stored():
        response = api.get(preview_path(token))

    assert_json_object(response, 403)
    assert_reveals_no_draft(response)
    assert no_store(response)


# Signed with the real key and salt, so only a holder of SECRET_KEY could make them; still never a 500.
SIGNED_BUT_MALFORMED = [
    ("claims-a-list", lambda d: signing.dumps([d.link.pk, d.article.pk], salt=previews.SALT)),
    ("claims-a-string", lambda d: signing.dumps("link", salt=previews.SALT)),
    ("claims-null", lambda d: signing.dumps(None, salt=previews.SALT)),
    (
        "link-a-list",
        lambda d: signing.dumps({"link": [d.link.pk], "article": d.article.pk}, salt=previews.SALT),
    ),
    ("link-a-word", lambda d: signing.dumps({"link": "one", "article": d.article.pk}, salt=previews.SALT)),
    ("link-huge", lambda d: signing.dumps({"link": 10**30, "article": d.article.pk}, salt=previews.SALT)),
    ("claims-empty", lambda d: signing.dumps({}, salt=previews.SALT)),
    (
        "no-timestamp",
        lambda d: signing.Signer(salt=previews.SALT).sign_object(
            {"link": d.link.pk, "article": d.article.pk}
        ),
    ),
    (
        "timestamp-not-base62",
        lambda d: signing.Signer(salt=previews.SALT).sign(claims_of(d.token) + ":!!"),
    ),
]


@pytest.mark.parametrize(
    "build", [build for _id, build in SIGNED_BUT_MALFORMED], ids=[i for i, _b in SIGNED_BUT_MALFORMED]
)
def test_a_correctly_signed_token_with_malformed_claims_is_a_json_403(api, draft, build):
    token = build(draft)
    api.raise_request_exception = False

    with nothing_stored():
        response = api.get(preview_path(token))

    assert_json_object(response, 403)
    assert_reveals_no_draft(response)


@pytest.mark.parametrize(
    "path",
    [
        lambda d: f"/api/v1/preview/{d.token}/../../articles/{DRAFT_SLUG}/",
        lambda d: f"/api/v1/preview/..%2f..%2farticles%2f{DRAFT_SLUG}/",
        lambda d: f"/api/v1/preview/{d.token}/extra/",
        lambda d: f"/api/v1/preview/{d.token}%2f/",
        lambda d: "/api/v1/preview//",
        lambda d: "/api/v1/preview/",
        lambda d: f"/api/v1/previews/{d.token}/",
        lambda d: f"/api/v2/preview/{d.token}/",
        lambda d: f"/api/v1/articles/{DRAFT_SLUG}/preview/{d.token}/",
    ],
    ids=[
        "dot-dot-after-token",
        "encoded-dot-dot",
        "extra-segment",
        "encoded-slash",
        "empty-token",
        "no-token",
        "plural",
        "other-version",
        "under-the-article",
    ],
)
def test_path_tricks_around_preview_are_a_json_404_without_the_draft(api, draft, path):
    with nothing_stored():
        response = api.get(path(draft))

    assert_json_object(response, 404)
    assert_reveals_no_draft(response)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        (f"/api/v1/articles/{DRAFT_SLUG}/", "token"),
        (f"/api/v1/articles/{DRAFT_SLUG}/", "preview"),
        ("/api/v1/articles/", "preview"),
        ("/api/v1/articles/", "token"),
    ],
)
def test_a_valid_token_on_a_public_endpoint_opens_nothing(api, draft, path, query):
    with nothing_stored():
        response = api.get(path, {query: draft.token})

    assert_json_object(response, {400, 404})
    assert_reveals_no_draft(response)


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_write_methods_on_a_valid_preview_are_a_json_405_and_change_nothing(api, draft, method):
    with nothing_stored():
        response = getattr(api, method)(preview_path(draft.token), {"revoked_at": None}, format="json")

    assert_json_object(response, 405)
    assert "GET" in response["Allow"]
    assert_reveals_no_draft(response)
    draft.link.refresh_from_db()
    assert draft.link.revoked_at is None


@pytest.mark.parametrize(
    "accept",
    ["text/html", "application/xml", "text/html;q=1, application/json;q=0", "*/*;q=0", "\x00"],
    ids=["html", "xml", "html-over-json", "nothing", "nul"],
)
def test_a_preview_with_a_hostile_accept_header_is_json_never_html(api, draft, accept):
    with nothing_stored():
        response = api.get(preview_path(draft.token), HTTP_ACCEPT=accept)

    assert_json_object(response, {200, 406})
    assert no_store(response)


@pytest.mark.parametrize("host", ["evil.example", "localhost.evil.example"])
def test_a_preview_with_a_bad_host_header_is_a_json_400_without_the_draft(api, draft, host):
    with nothing_stored():
        response = api.get(preview_path(draft.token), HTTP_HOST=host)

    assert_json_object(response, 400)
    assert_reveals_no_draft(response)
