"""The admin home page as an editor's desk: each person sees the work their roles call for, in
their own clinics only, in a fixed number of queries."""

import datetime
import re

import pytest
import reversion
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article
from tests.factories import make_article, make_clinic, make_draft, make_scheduled, make_staff

pytestmark = pytest.mark.django_db
HOME = reverse("admin:index")


@pytest.fixture
def world():
    a, b = make_clinic(name="Lafayette Pain Care"), make_clinic(name="Wabash Spine")
    return {"a": a, "b": b, **make_staff(a), **make_staff(b, suffix="_b")}


def saved_by(user, article):
    """A version of the article saved by ``user``, as an admin save makes one."""
    with reversion.create_revision():
        reversion.add_to_revision(article)
        reversion.set_user(user)
    return article


def panel(html: str, key: str) -> str:
    match = re.search(rf'<section class="module desk-panel" id="desk-{key}".*?</section>', html, re.S)
    return match.group(0) if match else ""


def home(client, user) -> str:
    client.force_login(user)
    response = client.get(HOME)
    assert response.status_code == 200
    return response.content.decode()


def test_a_reviewer_sees_what_waits_for_their_review_in_their_clinics_only(client, world):
    mine = saved_by(world["wendy"], make_draft(clinic=world["a"], title="Nerve blocks"))
    workflow.transition(mine, "submit", by=world["wendy"])
    theirs = make_draft(clinic=world["b"], title="Spinal cord stimulators")
    workflow.transition(theirs, "submit", by=world["wendy_b"])

    waiting = panel(home(client, world["rahul"]), "waiting-review")

    assert "Nerve blocks" in waiting
    assert reverse("admin:articles_article_change", args=[mine.pk]) in waiting
    assert "Submitted by wendy" in waiting
    assert "In review" in waiting
    assert "Spinal cord stimulators" not in waiting
    assert "(1)" in waiting


def test_a_writer_has_no_review_queue_but_their_drafts(client, world):
    draft = saved_by(world["wendy"], make_draft(clinic=world["a"], title="Nerve blocks"))
    saved_by(world["cora"], make_draft(clinic=world["a"], title="Someone else's draft"))

    html = home(client, world["wendy"])

    assert panel(html, "waiting-review") == ""
    drafts = panel(html, "my-drafts")
    assert "Nerve blocks" in drafts
    assert reverse("admin:articles_article_change", args=[draft.pk]) in drafts
    assert "Someone else" not in drafts


def test_a_draft_sent_back_by_a_reviewer_shows_why_and_leaves_my_drafts(client, world):
    article = saved_by(world["wendy"], make_draft(clinic=world["a"], title="Nerve blocks"))
    workflow.transition(article, "submit", by=world["wendy"])
    workflow.transition(article, "withdraw", by=world["rahul"], note="Please explain the numbness risk.")

    html = home(client, world["wendy"])

    sent_back = panel(html, "sent-back")
    assert "Nerve blocks" in sent_back
    assert "Sent back by rahul" in sent_back
    assert "Please explain the numbness risk." in sent_back
    assert "Nerve blocks" not in panel(html, "my-drafts")


def test_withdrawing_ones_own_submission_is_not_being_sent_back(client, world):
    article = saved_by(world["wendy"], make_draft(clinic=world["a"], title="Nerve blocks"))
    workflow.transition(article, "submit", by=world["wendy"])
    workflow.transition(article, "withdraw", by=world["wendy"], note="Forgot a section.")

    html = home(client, world["wendy"])

    assert "Nerve blocks" in panel(html, "my-drafts")
    assert "Nerve blocks" not in panel(html, "sent-back")


def test_editing_a_live_article_puts_its_working_copy_among_my_drafts(client, world):
    article = make_article(clinic=world["a"], title="Intrathecal pumps")
    workflow.working_copy_changed(article, by=world["wendy"])
    saved_by(world["wendy"], article)

    drafts = panel(home(client, world["wendy"]), "my-drafts")

    assert "Intrathecal pumps" in drafts
    assert "Live with unpublished changes" in drafts


def test_this_week_lists_what_goes_live_or_comes_down_and_nothing_later(client, world):
    now = timezone.now()
    make_scheduled(clinic=world["a"], title="Going live soon", ahead=datetime.timedelta(days=3))
    make_scheduled(clinic=world["a"], title="Going live next month", ahead=datetime.timedelta(days=30))
    make_article(clinic=world["a"], title="Coming down soon", expires_at=now + datetime.timedelta(days=2))
    make_scheduled(clinic=world["b"], title="Another clinic's launch", ahead=datetime.timedelta(days=1))

    week = panel(home(client, world["wendy"]), "this-week")

    assert re.search(r"Going live soon.*?Goes live", week, re.S)
    assert re.search(r"Coming down soon.*?Comes down", week, re.S)
    assert "next month" not in week
    assert "Another clinic" not in week


def test_overdue_reviews_and_recent_publications_are_listed(client, world):
    late = [make_article(clinic=world["a"], title="Overdue one"), make_article(clinic=world["b"])]
    Article.objects.filter(pk__in=[a.pk for a in late]).update(next_review_due=datetime.date(2020, 1, 1))
    make_article(clinic=world["a"], title="Fresh one")

    html = home(client, world["rahul"])

    overdue = panel(html, "overdue")
    assert "Overdue one" in overdue
    assert "1 article overdue" in overdue
    assert reverse("admin:articles_article_change", args=[late[1].pk]) not in overdue
    recent = panel(html, "recent")
    assert "Fresh one" in recent
    assert "Live" in recent
    assert reverse("admin:articles_article_change", args=[late[1].pk]) not in recent


def test_a_long_panel_links_to_the_whole_list(client, world):
    for n in range(10):
        article = make_draft(clinic=world["a"], title=f"Waiting {n}")
        workflow.transition(article, "submit", by=world["wendy"])

    waiting = panel(home(client, world["rahul"]), "waiting-review")

    assert waiting.count("<li>") == 8
    assert "See all 10" in waiting
    whole_list = re.search(r'<a href="([^"]+)">See all 10</a>', waiting).group(1).replace("&amp;", "&")
    assert client.get(whole_list).content.decode().count('<span class="state-badge state-in_review">') == 10


def home_queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(HOME).status_code == 200
    return len(queries)


def fill(world, n: int):
    now = timezone.now()
    for _ in range(n):
        waiting = saved_by(world["cora"], make_draft(clinic=world["a"], sections=2))
        workflow.transition(waiting, "submit", by=world["cora"])
        sent_back = saved_by(world["cora"], make_draft(clinic=world["a"]))
        workflow.transition(sent_back, "submit", by=world["cora"])
        workflow.transition(sent_back, "withdraw", by=world["rahul"], note="Too long.")
        saved_by(world["cora"], make_draft(clinic=world["a"]))
        make_scheduled(clinic=world["a"], ahead=datetime.timedelta(days=2))
        overdue = make_article(clinic=world["a"])
        Article.objects.filter(pk=overdue.pk).update(next_review_due=datetime.date(2020, 1, 1))
        make_article(clinic=world["a"], expires_at=now + datetime.timedelta(days=1))


def test_the_home_page_costs_the_same_queries_for_two_articles_a_panel_or_twelve(client, world):
    fill(world, 2)
    few = home_queries(client, world["cora"])
    fill(world, 10)

    assert home_queries(client, world["cora"]) == few


def test_someone_without_a_role_sees_no_desk(client, django_user_model):
    user = django_user_model.objects.create_user("visitor", password="x-long-Pass-1", is_staff=True)

    assert 'id="editors-desk"' not in home(client, user)
