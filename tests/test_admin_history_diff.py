"""The article history a clinician reads: versions compared as formatted text with the changes
marked inline, sections paired by identity (a moved section is listed as moved), the rows of each
list added, removed or moved, headers naming each version, and a revert page that shows what going
back changes in the right colours. Work stays bounded by the texts' length on hostile text."""

import datetime
import random
import re
import time

import pytest
import reversion
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from reversion.models import Revision, Version

from articles import revisions, text_diff
from articles.models import (
    Article,
    ArticleCondition,
    CandidateCriterion,
    Contraindication,
    Reference,
    Section,
)
from articles.snapshots import from_version
from tests.factories import make_clinic, make_condition, make_draft, make_staff

pytestmark = pytest.mark.django_db


def history_url(article) -> str:
    return reverse("admin:articles_article_history", args=[article.pk])


def compare_url(article) -> str:
    return reverse("admin:articles_article_compare", args=[article.pk])


def revert_url(article, version) -> str:
    return reverse("admin:articles_article_revert", args=[article.pk, version.pk])


def save_version(article, *, by=None, at=None) -> Version:
    """The article and its children as they are now, saved as a new version (by ``by``, at ``at``)."""
    with reversion.create_revision():
        Article.objects.get(pk=article.pk).save()
        if by is not None:
            reversion.set_user(by)
    version = Version.objects.get_for_object(article).first()
    if at is not None:
        Revision.objects.filter(pk=version.revision_id).update(date_created=at)
    return Version.objects.get(pk=version.pk)


def compare_page(client, article, older, newer) -> str:
    """The comparison part of the compare page."""
    response = client.get(compare_url(article), {"a": older.pk, "b": newer.pk})
    assert response.status_code == 200
    return re.search(r'<div class="diff-doc">.*?</div>\s*<p><a href', response.content.decode(), re.S).group(
        0
    )


def test_changed_words_are_marked_inline_in_the_formatted_text(staff_client):
    article = make_draft(title="Pain pump")
    section = Section.objects.create(
        article=article,
        position=1,
        heading="Dosage",
        body="<p>Take <strong>two</strong> pills at night.</p>"
        "<ul><li><p>Rest</p></li><li><p>Drink water</p></li></ul>",
    )
    older = save_version(article)
    section.body = (
        "<p>Take <strong>one</strong> pill at night.</p>"
        "<ul><li><p>Rest</p></li><li><p>Drink water</p></li><li><p>Call us if it hurts</p></li></ul>"
    )
    section.save()
    newer = save_version(article)

    page = compare_page(staff_client, article, older, newer)

    # Formatted as a reader sees it (bold, a list), each change marked where it is.
    assert (
        '<p class="diff-changed">Take <del><strong>two</strong> pills</del>'
        "<ins><strong>one</strong> pill</ins> at night.</p>"
    ) in page
    assert (
        '<ul><li>Rest</li><li>Drink water</li><li class="diff-added"><ins>Call us if it hurts</ins></li></ul>'
        in (page)
    )
    assert "Section “Dosage”: text changed." in page
    # No raw markup shown as text, no line-diff table.
    assert "&lt;p&gt;" not in page and '<table class="diff"' not in page


def test_a_moved_section_is_listed_as_moved_not_removed_and_added(staff_client):
    article = make_draft()
    sections = [
        Section.objects.create(article=article, position=n, heading=heading, body=f"<p>About {heading}.</p>")
        for n, heading in enumerate(["Why", "Risks", "Before", "After"], start=1)
    ]
    older = save_version(article)
    for section, position in zip(sections, [1, 4, 2, 3], strict=True):
        Section.objects.filter(pk=section.pk).update(position=position)
    newer = save_version(article)

    page = compare_page(staff_client, article, older, newer)

    assert "<li>Section “Risks”: moved from position 2 to 4.</li>" in page
    assert '<p class="diff-note">Moved from position 2 to 4.</p>' in page
    # The others kept their order: not listed as moved, and nothing was removed or added.
    assert page.count("moved from position") == 1
    assert "removed" not in page and "added" not in page
    assert "<del>" not in page.split("</table>", 1)[1] and "<ins>" not in page.split("</table>", 1)[1]


def test_a_deleted_and_a_new_section_are_listed_with_their_text_marked(staff_client):
    article = make_draft()
    Section.objects.create(article=article, position=1, heading="Why", body="<p>It helps.</p>")
    old = Section.objects.create(article=article, position=2, heading="Costs", body="<p>Ask us.</p>")
    older = save_version(article)
    old.delete()
    Section.objects.create(article=article, position=2, heading="Recovery", body="<p>Rest a day.</p>")
    newer = save_version(article)

    page = compare_page(staff_client, article, older, newer)

    assert "Section “Costs” removed (it was section 2)." in page
    assert "Section “Recovery” added (section 2)." in page
    assert '<h3><del>Costs</del></h3><p class="diff-note">Removed (it was section 2).</p>' in page
    assert '<div class="diff-body"><p class="diff-removed"><del>Ask us.</del></p></div>' in page
    assert '<div class="diff-body"><p class="diff-added"><ins>Rest a day.</ins></p></div>' in page
    # The unchanged section is there to read, folded away.
    assert "<summary>Section 1, “Why”: unchanged</summary>" in page


def test_rows_added_removed_changed_and_reordered_in_the_lists_are_listed(staff_client):
    article = make_draft()
    knee, back, hip = (make_condition(name=name) for name in ["Knee pain", "Back pain", "Hip pain"])
    ArticleCondition.objects.create(article=article, condition=knee, position=1)
    ArticleCondition.objects.create(article=article, condition=back, position=2)
    first, second, third = (
        CandidateCriterion.objects.create(article=article, position=n, text=text)
        for n, text in enumerate(["Pain for 3 months", "Tried pills", "Healthy heart"], start=1)
    )
    warning = Contraindication.objects.create(article=article, position=1, text="Active infection")
    older = save_version(article)
    ArticleCondition.objects.filter(condition=back).delete()
    ArticleCondition.objects.create(article=article, condition=hip, position=3)
    for criterion, position in [(first, 2), (second, 3), (third, 1)]:
        CandidateCriterion.objects.filter(pk=criterion.pk).update(position=position)
    Contraindication.objects.filter(pk=warning.pk).update(text="Active or recent infection")
    Reference.objects.create(article=article, position=1, title="Pump trial", pubmed_id="31234567")
    newer = save_version(article)

    page = compare_page(staff_client, article, older, newer)

    assert "<li>Conditions treated: 1 removed, 1 added.</li>" in page
    assert "<li><del>Back pain</del> (removed)</li><li><ins>Hip pain</ins> (added)</li>" in page
    # Moving "Healthy heart" to the top explains the new order: one move, not three.
    assert "<li>Who is a good candidate: 1 moved.</li>" in page
    assert "<li>Healthy heart (moved from position 3 to 1)</li>" in page
    assert "<li>Who should not have it: 1 changed.</li>" in page
    assert "<li>Active <ins>or recent </ins>infection (changed)</li>" in page
    assert "<li>References: 1 added.</li>" in page
    assert "<ins>Pump trial (https://pubmed.ncbi.nlm.nih.gov/31234567/)</ins> (added)" in page
    assert '<p class="diff-note">Not changed: Risks.</p>' in page


@pytest.fixture
def named_staff():
    clinic = make_clinic()
    staff = make_staff(clinic=clinic)
    for username, (first, last) in {"wendy": ("Wendy", "Writer"), "rahul": ("Rahul", "Reviewer")}.items():
        get_user_model().objects.filter(username=username).update(first_name=first, last_name=last)
    return clinic, {name: get_user_model().objects.get(pk=user.pk) for name, user in staff.items()}


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def at(day, hour, minute):
    return timezone.make_aware(datetime.datetime(2026, 11, day, hour, minute))


def test_the_columns_name_each_version_by_number_author_and_time(named_staff):
    clinic, staff = named_staff
    article = make_draft(clinic=clinic, title="Nerve blocks")
    older = save_version(article, by=staff["wendy"], at=at(30, 14, 2))
    Article.objects.filter(pk=article.pk).update(title="Nerve blocks explained")
    newer = save_version(article, by=staff["rahul"], at=at(30, 16, 45))
    client = logged_in(staff["wendy"])

    page = compare_page(client, article, newer, older)  # either order: the older one comes first

    assert (
        '<th scope="col">Before: Version 1, saved by Wendy Writer, 30 Nov 2026, 14:02</th>'
        '<th scope="col">After: Version 2, saved by Rahul Reviewer, 30 Nov 2026, 16:45</th>'
    ) in page
    assert '<tr><th scope="row">Title</th><td>Nerve blocks<ins> explained</ins></td></tr>' in page
    history = client.get(history_url(article)).content.decode()
    assert re.search(
        r"<td>Version 2</td>\s*<td>30\xa0Nov\xa02026, 16:45</td>\s*<td>Rahul Reviewer</td>", history
    )
    assert re.search(
        r"<td>Version 1</td>\s*<td>30\xa0Nov\xa02026, 14:02</td>\s*<td>Wendy Writer</td>", history
    )


def test_the_revert_page_marks_what_goes_in_red_and_what_comes_back_in_green_and_asks_first(named_staff):
    clinic, staff = named_staff
    article = make_draft(clinic=clinic)
    section = Section.objects.create(
        article=article, position=1, heading="Recovery", body="<p>Rest a day.</p>"
    )
    older = save_version(article, by=staff["wendy"], at=at(30, 14, 2))
    section.body = "<p>Rest a week.</p>"
    section.save()
    save_version(article, by=staff["wendy"], at=at(30, 15, 0))
    client = logged_in(staff["wendy"])

    response = client.get(revert_url(article, older))

    page = response.content.decode()
    # Today's "week" goes (del: red, struck through); the old "day" comes back (ins: green, underlined).
    assert '<p class="diff-changed">Rest a <del>week</del><ins>day</ins>.</p>' in page
    assert "Text struck through in red is removed; text underlined in green comes back." in page
    styles = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    assert re.search(r"\.diff-doc del \{[^}]*background: #ffd7d5;[^}]*line-through", styles)
    assert re.search(r"\.diff-doc ins \{[^}]*background: #ccf2d4;[^}]*underline", styles)
    assert "After: Version 1, saved by Wendy Writer, 30 Nov 2026, 14:02" in page
    # It asks, and changes nothing until the button is pressed.
    assert "Go back to Version 1, saved by Wendy Writer, 30 Nov 2026, 14:02?" in page
    assert '<form method="post" id="revert-form">' in page
    assert Section.objects.get(pk=section.pk).body == "<p>Rest a week.</p>"
    assert Version.objects.get_for_object(article).count() == 2

    assert client.post(revert_url(article, older)).status_code == 302
    assert Section.objects.get(article=article).body == "<p>Rest a day.</p>"
    latest = revisions.versions_of(article).first()
    assert latest.revision.get_comment() == "Reverted to Version 1, saved by Wendy Writer, 30 Nov 2026, 14:02"


def test_the_revert_page_says_when_going_back_changes_nothing(staff_client):
    article = make_draft()
    Section.objects.create(article=article, position=1, heading="Recovery", body="<p>Rest a day.</p>")
    older = save_version(article)
    save_version(article)

    page = staff_client.get(revert_url(article, older)).content.decode()

    assert "The working copy already reads exactly as this version: going back changes nothing." in page
    assert 'class="diff-doc"' not in page


def test_text_from_a_stored_version_cannot_inject_markup_into_the_page(staff_client):
    article = make_draft(title="Safe")
    section = Section.objects.create(article=article, position=1, heading="Fine", body="<p>Fine.</p>")
    older = save_version(article)
    # Written past the sanitiser, as an old import or a bug might have stored them.
    Article.objects.filter(pk=article.pk).update(title='<script>alert("title")</script>')
    Section.objects.filter(pk=section.pk).update(
        heading="<img src=x onerror=alert(1)>",
        body='<p onclick="alert(2)">Hi <a href="javascript:alert(3)">there</a><script>alert(4)</script></p>',
    )
    newer = save_version(article)

    page = compare_page(staff_client, article, older, newer)

    assert "<ins>&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt;</ins>" in page or (
        '<ins>&lt;script&gt;alert("title")&lt;/script&gt;</ins>' in page
    )
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    for attack in ("<script>alert", "<img", "onclick", "javascript:", "alert(4)"):
        assert attack not in page


def hostile_bodies(size: int) -> tuple[str, str]:
    """Two bodies of ``size`` characters made of a few words repeated at random: no word is found
    once, so nothing anchors the comparison (the worst case for difflib's matcher)."""
    generator = random.Random(5)
    old, new = (
        " ".join(generator.choice(["pain", "rest", "a", "the"]) for _ in range(size // 4)) for _ in range(2)
    )
    return f"<p>{old}</p>", f"<p>{new}</p>"


def test_a_huge_hostile_text_gets_a_simplified_comparison_in_bounded_work(staff_client):
    old, new = hostile_bodies(29_000)
    article = make_draft()
    section = Section.objects.create(article=article, position=1, heading="Details", body=old)
    older = save_version(article)
    section.body = new
    section.save()
    newer = save_version(article)

    started = time.perf_counter()
    comparison = revisions.compare(from_version(older), from_version(newer), "older", "newer")
    took = time.perf_counter() - started

    assert comparison.simplified
    tokens = 2 * len(re.findall(r"\w+|\s+|[^\w\s]", old + new))
    assert comparison.work <= text_diff.MAX_LINE_PAIRS + text_diff.MAX_TOTAL_WORD_PAIRS + tokens
    assert took < 20  # about 0.1 s; difflib over 14,500 x 14,500 tokens takes minutes
    page = compare_page(staff_client, article, older, newer)
    assert text_diff.SIMPLIFIED in page
    # Still complete: all of both texts is there, the old removed and the new added.
    assert page.count("<del>") >= 1 and page.count("<ins>") >= 1


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param(lambda n: ("<p>a</p>" * n, "<p>b</p>" * n), id="thousands-of-repeated-paragraphs"),
        pytest.param(lambda n: ("<strong>" * n + "x", "<em>" * n + "y"), id="deep-nesting"),
        pytest.param(lambda n: ("a. " * n, "b. " * n), id="thousands-of-repeated-sentences"),
        pytest.param(lambda n: ("<ul><li>" * n, "<ol><li>" * n + "z"), id="deeply-nested-lists"),
    ],
)
def test_hostile_shapes_are_compared_in_work_bounded_by_the_budgets(hostile):
    old, new = hostile(4_000)
    budget = text_diff.Budget()

    marked = text_diff.rich_text(old, new, budget)

    limit = text_diff.MAX_LINE_PAIRS + text_diff.MAX_TOTAL_WORD_PAIRS + len(old) + len(new)
    assert budget.work <= limit
    assert len(marked) < 40 * (len(old) + len(new))


def test_another_clinics_article_history_compare_and_revert_are_404(named_staff):
    clinic, staff = named_staff
    elsewhere = make_draft(clinic=make_clinic(), title="Another clinic's draft")
    older = save_version(elsewhere)
    newer = save_version(elsewhere)
    client = logged_in(staff["cora"])  # a clinic admin, of the other clinic

    responses = [
        client.get(history_url(elsewhere)),
        client.get(compare_url(elsewhere), {"a": older.pk, "b": newer.pk}),
        client.get(revert_url(elsewhere, older)),
        client.post(revert_url(elsewhere, older)),
    ]

    assert [response.status_code for response in responses] == [404] * 4
    assert "Another clinic" not in "".join(response.content.decode() for response in responses)
    assert Version.objects.get_for_object(elsewhere).count() == 2


def test_the_history_and_compare_pages_cost_the_same_queries_for_3_versions_or_12(staff_client):
    article = make_draft(title="Pain pump")
    Section.objects.create(article=article, position=1, heading="What is it?", body="<p>A pump.</p>")
    versions = [save_version(article) for _ in range(3)]

    def queries(url, params=None) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert staff_client.get(url, params).status_code == 200
        return len(captured)

    few = (
        queries(history_url(article)),
        queries(compare_url(article), {"a": versions[0].pk, "b": versions[-1].pk}),
    )
    versions += [save_version(article) for _ in range(9)]
    many = (
        queries(history_url(article)),
        queries(compare_url(article), {"a": versions[0].pk, "b": versions[-1].pk}),
    )

    assert many == few
