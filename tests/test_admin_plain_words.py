"""What a person reads in the admin: states as badges in plain words, no internal codes, read-only
pages that show formatted text and say why, and refusals that explain and link back."""

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from articles import workflow
from tests.factories import make_archived, make_article, make_clinic, make_draft, make_section, make_staff

pytestmark = pytest.mark.django_db
INTERNAL_CODES = [
    "in_review",
    "live_with_changes",
    "changes_in_review",
    "actor_name",
    "from_state",
    "to_state",
]


class _Text(HTMLParser):
    """The words a person reads on a page: text outside tags, scripts and styles."""

    def __init__(self):
        super().__init__()
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        self._hidden += tag in ("script", "style", "template")

    def handle_endtag(self, tag):
        self._hidden -= tag in ("script", "style", "template") and self._hidden > 0

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def readable_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.fixture
def world():
    a, b = make_clinic(name="Lafayette Pain Care"), make_clinic(name="Wabash Spine")
    people = {**make_staff(a), **make_staff(b, suffix="_b")}
    people["rahul"].first_name, people["rahul"].last_name = "Rahul", "Rao"
    people["rahul"].save()
    return {"a": a, "b": b, **people}


def page(client, user, url, status=200) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode()


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def test_the_article_list_shows_each_state_as_a_badge_in_words(client, world):
    make_draft(clinic=world["a"], title="A draft")
    make_article(clinic=world["a"], title="A live one")
    submitted = make_draft(clinic=world["a"], title="Submitted")
    workflow.transition(submitted, "submit", by=world["wendy"])

    html = page(client, world["wendy"], reverse("admin:articles_article_changelist"))

    assert '<span class="state-badge state-draft">Draft</span>' in html
    assert '<span class="state-badge state-live">Live</span>' in html
    assert '<span class="state-badge state-in_review">In review</span>' in html
    text = readable_text(html)
    assert not [code for code in INTERNAL_CODES if code in text]


def test_a_writer_reads_an_article_in_review_as_formatted_text_and_is_told_why_and_who_acts(client, world):
    article = make_draft(clinic=world["a"], title="Nerve blocks")
    make_section(article=article, heading="What happens", body="<p>A <strong>small</strong> needle.</p>")
    workflow.transition(article, "submit", by=world["wendy"])

    html = page(client, world["wendy"], change_url(article))

    assert '<div class="section-text"><p>A <strong>small</strong> needle.</p></div>' in html
    assert "&lt;p&gt;" not in html
    text = readable_text(html)
    assert "Read only. This article is waiting for a clinical reviewer" in text
    assert "Rahul Rao" in text  # who acts next, by name
    assert "use “Back to draft”" in text
    assert not [code for code in INTERNAL_CODES if code in text]


def test_an_archived_article_says_who_can_bring_it_back(client, world):
    article = make_archived(clinic=world["a"], title="Old leaflet")

    text = readable_text(page(client, world["wendy"], change_url(article)))

    assert "This article is archived" in text
    assert "can bring it back as a draft" in text


def test_a_page_one_may_edit_has_no_read_only_notice_and_keeps_the_editor(client, world):
    article = make_draft(clinic=world["a"])
    make_section(article=article, body="<p>Editable.</p>")

    html = page(client, world["wendy"], change_url(article))

    assert 'id="read-only-reason"' not in html
    assert 'name="sections-0-body"' in html


def test_the_workflow_history_names_states_in_words(client, world):
    article = make_draft(clinic=world["a"], title="Nerve blocks")
    workflow.transition(article, "submit", by=world["wendy"])
    workflow.transition(article, "withdraw", by=world["rahul"], note="Add the numbness risk.")

    text = readable_text(page(client, world["rahul"], change_url(article)))

    assert "Draft → In review" in text
    assert "In review → Draft" in text
    assert not [code for code in INTERNAL_CODES if code in text]


def test_a_section_link_says_what_it_is_for(client, world):
    article = make_draft(clinic=world["a"])
    make_section(article=article, heading="Does it hurt?")

    text = readable_text(page(client, world["wendy"], change_url(article)))

    assert "#does-it-hurt" in text
    assert "Front ends link to this section with it" in text


def test_a_refused_action_is_a_styled_page_that_says_why_and_links_back(client, world):
    article = make_draft(clinic=world["a"])
    client.force_login(world["wendy"])

    response = client.get(
        reverse("admin:articles_article_transition", args=[article.pk, "publish"]),
        HTTP_REFERER="http://testserver" + change_url(article),
    )

    assert response.status_code == 403
    html = response.content.decode()
    assert "Your role does not allow this" in html
    assert "“Approve and publish” needs a clinical reviewer or clinic admin of Lafayette Pain Care." in html
    assert "Nothing was changed." in html
    assert f'href="http://testserver{change_url(article)}">Go back</a>' in html
    assert f'href="{reverse("admin:index")}"' in html
    assert 'id="site-name"' in html  # the admin's header and styles, not a bare "403 Forbidden"


def test_a_refusal_never_links_back_to_another_site(client, world):
    article = make_draft(clinic=world["a"])
    client.force_login(world["wendy"])

    response = client.get(
        reverse("admin:articles_article_transition", args=[article.pk, "publish"]),
        HTTP_REFERER="https://evil.example/phish",
    )

    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()


def test_another_clinics_article_is_a_styled_not_found_page(client, world):
    theirs = make_draft(clinic=world["b"])

    html = page(client, world["wendy"], reverse("admin:articles_article_history", args=[theirs.pk]), 404)

    assert "There is nothing at this address" in html
    assert "belongs to a clinic you do not work for" in readable_text(html)
    assert 'id="site-name"' in html


def test_the_api_keeps_its_json_errors(client, world):
    client.force_login(world["wendy"])

    response = client.get("/api/v1/articles/no-such-article/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
