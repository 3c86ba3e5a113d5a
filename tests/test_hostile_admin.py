"""Hostile input through the admin: an XSS corpus in section bodies, bad contact links and websites.

A body the sanitiser empties is refused on the form and nothing is stored; one it keeps text of is
stored clean, leaves the API serving the approved version until a reviewer approves the edit, and is
served clean after that. A bad link is refused with the reason, nothing stored.
"""

import html
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils.html import escape

from articles.models import SECTION_BODY_MAX_LENGTH, Section
from articles.rich_text import ALLOWED_TAGS
from clinics.models import ContactLink
from tests.admin_forms import add_rows, form_data
from tests.factories import make_article, make_clinic, make_section, republish
from tests.test_hostile_api import nothing_stored, stored_state

pytestmark = pytest.mark.django_db

EMPTY_BODY = "Write the text of this section, or delete the section."


def article_change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def clinic_change_url(clinic) -> str:
    return reverse("admin:clinics_clinic_change", args=[clinic.pk])


class _Markup(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def unsafe_markup(markup: str) -> list[str]:
    """What in ``markup`` a browser could run or load from elsewhere; [] when it is clean."""
    problems = []
    lowered = markup.lower()
    problems += [
        tag for tag in ("<script", "<svg", "<iframe", "<style", "<object", "<embed") if tag in lowered
    ]
    if re.search(r"<[^>]*[\s/\"']on[a-z]+\s*=", lowered):
        problems.append("event handler")
    # Entities decoded and the characters browsers skip inside a scheme removed.
    decoded = re.sub(r"[\x00-\x20]", "", html.unescape(markup)).lower()
    for scheme in ("javascript:", "data:", "vbscript:"):
        if re.search(rf"href=[\"']?{scheme}", decoded):
            problems.append(f"{scheme} href")
    if re.search(r"href=[\"']?(//|\\\\)", decoded):
        problems.append("protocol-relative href")
    parser = _Markup()
    parser.feed(markup)
    for tag, attributes in parser.tags:
        if tag not in ALLOWED_TAGS:
            problems.append(f"tag {tag}")
        extra = set(attributes) - ({"href", "rel"} if tag == "a" else set())
        if extra:
            problems.append(f"attributes {sorted(extra)} on {tag}")
        href = (attributes.get("href") or "").strip().lower()
        if href and not href.startswith(("http://", "https://", "mailto:", "tel:")):
            problems.append(f"href {href!r}")
    return problems


def strings(value):
    """Every string in a parsed JSON value."""
    if isinstance(value, dict):
        for item in value.values():
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)
    elif isinstance(value, str):
        yield value


KEPT, EMPTIED = "kept", "emptied"

# (payload, what the sanitiser leaves: KEPT some text, or EMPTIED it)
XSS_CORPUS = [
    ("<p>Before</p><script>alert(1)</script>", KEPT),
    ("<SCRIPT SRC=//evil.example/x.js></SCRIPT><p>Text</p>", KEPT),
    ("<p>Text<img src=x onerror=alert(1)></p>", KEPT),
    ('<p onclick="alert(1)" onmouseover=alert(1)>Click</p>', KEPT),
    ('<a href="javascript:alert(1)">x</a>', KEPT),
    ('<a href="JaVaScRiPt:alert(1)">x</a>', KEPT),
    ("<a href=javascript:alert(1)>x</a>", KEPT),
    ('<a href="jav&#x09;ascript:alert(1)">x</a>', KEPT),
    ('<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)">x</a>', KEPT),
    ('<a href="&#x6A;avascript&#x3A;alert(1)">x</a>', KEPT),
    ('<a href="&#0000106avascript:alert(1)">x</a>', KEPT),
    ('<a href="javascript&colon;alert(1)">x</a>', KEPT),
    ('<a href=" \x01javascript:alert(1)">x</a>', KEPT),
    ('<a href="java\nscript:alert(1)">x</a>', KEPT),
    ('<a href="javascript://%0aalert(1)">x</a>', KEPT),
    ('<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>', KEPT),
    ('<a href="DATA:text/html,<script>alert(1)</script>">x</a>', KEPT),
    ('<a href="vbscript:msgbox(1)">x</a>', KEPT),
    ('<a href="//evil.example/">x</a>', KEPT),
    ('<a href="  //evil.example">x</a>', KEPT),
    ('<a href="\\\\evil.example/">x</a>', KEPT),
    ('<a href="https:/\\evil.example/">x</a>', KEPT),
    ('<p><a xlink:href="javascript:alert(1)">x</a></p>', KEPT),
    ('<a href="https://ok.example/" onmouseover="alert(1)" style="x" target="_top">ok</a>', KEPT),
    ("<svg onload=alert(1)><text>Hi</text></svg><p>Text</p>", KEPT),
    ("<svg><script>alert(1)</script></svg>", EMPTIED),
    ('<iframe src="javascript:alert(1)"></iframe>', EMPTIED),
    ('<iframe srcdoc="<script>alert(1)</script>">x</iframe><p>Body</p>', KEPT),
    ('<style>@import "https://evil.example/x.css";</style><p>Text</p>', KEPT),
    ('<p style="background:url(javascript:alert(1))">Text</p>', KEPT),
    ('<object data="javascript:alert(1)"></object>', EMPTIED),
    ('<embed src="data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=">', EMPTIED),
    ('<img src="data:image/png;base64,AAAA">', EMPTIED),
    ("<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", EMPTIED),
    ('<noscript><p title="</noscript><img src=x onerror=alert(1)>">', KEPT),
    ("<p>x</p><template><script>alert(1)</script></template>", KEPT),
    ('<form action="javascript:alert(1)"><input type=submit></form>', EMPTIED),
    ('<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', EMPTIED),
    ('<base href="//evil.example/"><p>Text</p>', KEPT),
    ("<body onload=alert(1)>Text", KEPT),
    ("<details open ontoggle=alert(1)>Text</details>", KEPT),
    ("<xss onafterscriptexecute=alert(1)>Text</xss>", KEPT),
    ("<!--<script>-->alert(1)", KEPT),
    ("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>", KEPT),
]


def test_the_corpus_is_large_enough_and_has_both_outcomes():
    assert len(XSS_CORPUS) >= 25
    assert {outcome for _payload, outcome in XSS_CORPUS} == {KEPT, EMPTIED}


CLEAN_BODY = "<p>Only a little.</p>"


@pytest.fixture
def live_article():
    """A published article with one question section, so the API's JSON-LD carries its text too."""
    article = make_article(title="Nerve blocks", slug="nerve-blocks")
    make_section(article=article, position=1, heading="Does it hurt?", body=CLEAN_BODY)
    republish(article)
    return article


def served_bodies(api) -> list[str]:
    detail = api.get("/api/v1/articles/nerve-blocks/")
    assert detail.status_code == 200
    return [section["body"] for section in detail.json()["sections"]]


@pytest.mark.parametrize(
    ("payload", "outcome"), XSS_CORPUS, ids=[f"xss-{n:02}" for n in range(len(XSS_CORPUS))]
)
def test_a_hostile_section_body_is_stored_clean_and_once_approved_served_clean_or_refused(
    staff_client, api, live_article, payload, outcome
):
    data = form_data(staff_client.get(article_change_url(live_article)))
    data["sections-0-body"] = payload
    before = stored_state()

    response = staff_client.post(article_change_url(live_article), data)

    if outcome == EMPTIED:
        assert response.status_code == 200
        assert escape(EMPTY_BODY) in response.content.decode()
        assert stored_state() == before
        assert Section.objects.get().body == CLEAN_BODY
        assert served_bodies(api) == [CLEAN_BODY]
        return
    assert response.status_code == 302, response.context and response.context["errors"]
    body = Section.objects.get().body
    assert body
    assert unsafe_markup(body) == []
    # An edit of the working copy: patients still read the approved, clean version.
    assert served_bodies(api) == [CLEAN_BODY]

    republish(live_article)

    assert served_bodies(api) == [body]
    detail = api.get("/api/v1/articles/nerve-blocks/")
    assert detail.status_code == 200
    served = detail.json()
    assert [unsafe_markup(section["body"]) for section in served["sections"]] == [[]]
    # JSON-LD holds the plain text (entities decoded) for search engines; no other string has
    # markup a browser would run.
    served.pop("jsonld")
    assert {text: unsafe_markup(text) for text in strings(served) if unsafe_markup(text)} == {}


def test_a_section_body_over_the_size_limit_is_refused_before_it_is_sanitised(staff_client, live_article):
    # Sanitising costs grow with the square of the nesting depth: the limit is checked first.
    data = form_data(staff_client.get(article_change_url(live_article)))
    data["sections-0-body"] = "<ul><li>" * 4000 + "x" + "</li></ul>" * 4000
    before = stored_state()

    response = staff_client.post(article_change_url(live_article), data)

    assert response.status_code == 200
    assert "Ensure this value has at most 30000 characters" in response.content.decode()
    assert stored_state() == before


def test_a_section_body_that_sanitising_takes_over_the_limit_is_refused_and_nothing_stored(
    staff_client, live_article
):
    # Under the limit as typed, over it once every link gains rel="noopener noreferrer": stored, it
    # could never be saved in the admin again.
    link = '<a href="https://example.org/">a source</a> '
    data = form_data(staff_client.get(article_change_url(live_article)))
    data["sections-0-body"] = "<p>" + link * (SECTION_BODY_MAX_LENGTH // len(link)) + "</p>"
    assert len(data["sections-0-body"]) <= SECTION_BODY_MAX_LENGTH
    before = stored_state()

    response = staff_client.post(article_change_url(live_article), data)

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert "A section can hold at most 30,000 characters, formatting included; this one has" in page
    assert stored_state() == before
    assert Section.objects.get().body == CLEAN_BODY


# --- Numbers and dates in the address -----------------------------------------------------------

CHANGE_LIST = "/admin/articles/article/"


@pytest.mark.parametrize(
    "query",
    [
        "published_at__year=99999999999",  # the report: an OverflowError
        "published_at__year=9999",  # the year after is 10000: a ValueError
        "published_at__year=2999&published_at__month=12&published_at__day=32",
        "published_at__year=0",
        "published_at__year=1899",
        "published_at__year=3000",
        "published_at__year=" + "9" * 5_000,
        "published_at__year=٢٠٢٦",  # other scripts' digits: int() takes them
        "published_at__year=2_026",
        "published_at__year=2026&published_at__month=13",
        "published_at__year=2026&published_at__month=99999999999",
        "published_at__year=2026&published_at__month=2&published_at__day=30",
        "published_at__year=2026&published_at__month=2&published_at__day=" + "1" * 5_000,
    ],
    ids=lambda query: query[:60],
)
def test_a_bad_date_or_number_in_the_change_list_filters_is_the_unfiltered_list_not_a_500(
    staff_client, query
):
    make_article(title="Nerve blocks", slug="nerve-blocks")

    response = staff_client.get(f"{CHANGE_LIST}?{query}")

    # The stock admin's answer to a filter it cannot apply: back to the list, unfiltered.
    assert response.status_code == 302
    assert response["Location"] == f"{CHANGE_LIST}?e=1"
    listing = staff_client.get(response["Location"])
    assert listing.status_code == 200
    assert "Nerve blocks" in listing.content.decode()


@pytest.mark.parametrize(
    "query",
    ["clinic__id__exact=" + "9" * 5_000, "clinic__id__exact=" + "9" * 30, "clinic__id__exact=٣"],
    ids=["5000-digits", "30-digits", "arabic-indic-digit"],
)
def test_a_bad_clinic_id_in_the_change_list_filter_is_never_a_500(staff_client, query):
    make_article(title="Nerve blocks", slug="nerve-blocks")
    make_clinic()  # two clinics: the clinic filter is shown

    response = staff_client.get(f"{CHANGE_LIST}?{query}", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(f"{CHANGE_LIST}?e=1", 302)]
    assert "Nerve blocks" in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "published_at__year=2026",
        "published_at__year=1900",
        "published_at__year=2999&published_at__month=12&published_at__day=31",
        "published_at__year=2026&published_at__month=02",
    ],
)
def test_dates_in_range_still_filter_the_change_list(staff_client, query):
    make_article(title="Nerve blocks", slug="nerve-blocks")

    response = staff_client.get(f"{CHANGE_LIST}?{query}")

    assert response.status_code == 200


def test_version_numbers_thousands_of_digits_long_are_refused_like_any_bad_number(staff_client, live_article):
    history = reverse("admin:articles_article_history", args=[live_article.pk])
    compare = reverse("admin:articles_article_compare", args=[live_article.pk])
    huge = "9" * 5_000

    response = staff_client.get(compare, {"a": huge, "b": huge})
    assert (response.status_code, response["Location"]) == (302, history)

    data = form_data(staff_client.get(article_change_url(live_article))) | {"opened_version": huge}
    with nothing_stored():
        response = staff_client.post(article_change_url(live_article), data)
    assert response.status_code == 200
    assert "Enter a whole number." in response.content.decode()

    publish = reverse("admin:articles_article_transition", args=[live_article.pk, "publish"])
    assert staff_client.get(publish, {"version": huge}).status_code == 200
    with nothing_stored():
        response = staff_client.post(publish, {"version": huge, "note": ""})
    assert response.status_code == 200
    assert response.context["form"].errors == {"version": ["Enter a whole number."]}


# --- Contact links ------------------------------------------------------------------------------

SCHEME = "Enter a web address starting with https:// (or http://), e.g. https://www.example.org/."
LOCAL = "This address points at a local or private machine; enter the public web address."
INVALID = "Enter a valid URL."
PHONE = "A phone link must be a tel: number, e.g. tel:+17655550100."
EMAIL = "An email link must be a mailto: address, e.g. mailto:info@clinic.example."
FACEBOOK = "Facebook links must point to facebook.com or fb.com."
INSTAGRAM = "Instagram links must point to instagram.com."
X = "X links must point to x.com or twitter.com."
YOUTUBE = "YouTube links must point to youtube.com or youtu.be."
LINKEDIN = "LinkedIn links must point to linkedin.com."

HOSTILE_LINKS = [
    # Schemes a browser would run, read locally or hand to another program.
    ("website", "data:text/html,<script>alert(1)</script>", SCHEME),
    ("website", "vbscript:msgbox(1)", SCHEME),
    ("website", "file:///etc/passwd", SCHEME),
    ("website", "ftp://files.example/", SCHEME),
    ("website", "JAVASCRIPT:alert(1)", SCHEME),
    ("website", " javascript:alert(1)", SCHEME),
    ("booking", "java\tscript:alert(1)", SCHEME),
    ("map", "javascript://maps.example/%0aalert(1)", SCHEME),
    ("website", "//evil.example/", SCHEME),
    ("other", "https:evil.example", INVALID),
    # This machine, private networks, cloud metadata.
    ("website", "http://127.0.0.1:8000/admin/", LOCAL),
    ("website", "http://[::1]/", LOCAL),
    ("website", "http://localhost/", LOCAL),
    ("website", "http://foo.localhost/", LOCAL),
    ("website", "http://localhost./", INVALID),
    ("booking", "http://10.0.0.5/book", LOCAL),
    ("website", "http://169.254.169.254/latest/meta-data/", LOCAL),
    ("website", "http://0.0.0.0/", LOCAL),
    ("website", "http://[::ffff:127.0.0.1]/", LOCAL),
    ("website", "http://[fd00::1]/", LOCAL),
    ("website", "http://100.64.0.1/", LOCAL),
    ("website", "http://2130706433/", INVALID),
    ("website", "http://0x7f.0.0.1/", INVALID),
    ("website", "http://127.1/", INVALID),
    # Look-alikes of the network a social link claims.
    ("facebook", "https://facebook.com.evil.example/", FACEBOOK),
    ("facebook", "https://evil-facebook.com/", FACEBOOK),
    ("facebook", "https://faceb00k.com/", FACEBOOK),
    ("facebook", "https://xn--fcebook-2fg.com/", FACEBOOK),  # "fаcebook" with a Cyrillic а
    ("facebook", "https://f\u0430cebook.com/", FACEBOOK),
    ("facebook", "https://www.facebook.com@evil.example/", FACEBOOK),
    ("facebook", "https://evil.example/facebook.com", FACEBOOK),
    ("facebook", "https://evil.example/#facebook.com", FACEBOOK),
    ("facebook", "https://FACEBOOK.COM.evil.example/", FACEBOOK),
    ("facebook", "https://fb.com.evil.example/", FACEBOOK),
    ("instagram", "https://instagram.com.evil.example/", INSTAGRAM),
    ("x", "https://twitter.co/", X),
    ("youtube", "https://youtu.be.evil.example/", YOUTUBE),
    ("linkedin", "https://linkedin.evil.example/", LINKEDIN),
    ("youtube", "javascript://youtube.com/%0aalert(1)", SCHEME),
    # Phones that are not numbers.
    ("phone", "tel:+1-800-FLOWERS", PHONE),
    ("phone", "tel:javascript:alert(1)", PHONE),
    ("phone", "tel:123;ext=javascript", PHONE),
    ("phone", "tel:+1765%0a5550100", PHONE),
    ("phone", "sms:+17655550100", PHONE),
    ("phone", "tel:()-.-()", PHONE),
    # Email links whose address part is not one address.
    ("email", "mailto:a@b.example%0a@evil.example", EMAIL),
    ("email", "mailto:a@b.example,c@evil.example", EMAIL),
    ("email", "mailto:javascript:alert(1)", EMAIL),
    ("email", "mailto:a@b.example\r\nbcc:x@evil.example", EMAIL),
    ("email", "info@clinic.example", EMAIL),
]


@pytest.mark.parametrize(
    ("kind", "url", "message"),
    HOSTILE_LINKS,
    ids=[f"{kind}-{n:02}" for n, (kind, _url, _message) in enumerate(HOSTILE_LINKS)],
)
def test_a_hostile_contact_link_is_refused_with_the_reason_and_nothing_stored(
    staff_client, kind, url, message
):
    clinic = make_clinic(contact_links=1)
    data = form_data(staff_client.get(clinic_change_url(clinic)))
    add_rows(data, "contact_links", [{"position": "2", "kind": kind, "label": "Hi", "url": url}])

    with nothing_stored():
        response = staff_client.post(clinic_change_url(clinic), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Please correct the error" in page
    assert escape(message) in page
    (inline,) = [i for i in response.context["inline_admin_formsets"] if i.formset.prefix == "contact_links"]
    assert [list(errors) for errors in inline.formset.errors] == [[], ["url"]]
    assert list(ContactLink.objects.values_list("url", flat=True)) == ["https://clinic.example/"]


@pytest.mark.parametrize(
    "url",
    [
        "mailto:info@clinic.example?subject=Appointment",
        "mailto:info@clinic.example?bcc=someone@elsewhere.example",
        "mailto:info@clinic.example?subject=Hi%0d%0abcc:x@elsewhere.example",
    ],
    ids=["subject", "bcc", "encoded-crlf-in-subject"],
)
def test_an_email_link_is_checked_on_its_address_only_the_query_is_kept_as_typed(staff_client, url):
    # The current rule (clinics/validators.py): only the address before "?" is validated. Encoded
    # CR/LF stay percent-encoded text; mail clients treat bcc as a header to fill in, visibly.
    clinic = make_clinic()
    data = form_data(staff_client.get(clinic_change_url(clinic)))
    add_rows(data, "contact_links", [{"position": "1", "kind": "email", "label": "", "url": url}])

    response = staff_client.post(clinic_change_url(clinic), data)

    assert response.status_code == 302
    assert list(ContactLink.objects.values_list("url", flat=True)) == [url]


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        "ftp://files.example/",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://localhost:8000/",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_a_hostile_clinic_website_is_refused_and_nothing_stored(staff_client, website):
    clinic = make_clinic(website="https://riverside.example/")
    data = form_data(staff_client.get(clinic_change_url(clinic)))
    data["website"] = website

    with nothing_stored():
        response = staff_client.post(clinic_change_url(clinic), data)

    assert response.status_code == 200
    assert "Please correct the error" in response.content.decode()
    assert list(response.context["adminform"].form.errors) == ["website"]
    clinic.refresh_from_db()
    assert clinic.website == "https://riverside.example/"
