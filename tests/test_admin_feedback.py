"""The grading endpoint behind live feedback while writing (articles/admin_feedback.py)."""

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from reversion.models import Version

from articles.admin_feedback import MAX_SECTIONS, MAX_TOTAL_LENGTH, TOO_MUCH, WORDS_PER_MINUTE
from articles.models import SECTION_BODY_MAX_LENGTH, Article, Section
from tests.factories import STAFF_PASSWORD, make_section

pytestmark = pytest.mark.django_db

GRADE = reverse("admin:articles_article_grade")
EASY = "<p>The pump sits under the skin. It gives a small dose. You will not feel it.</p>"
HARD = (
    "<p>Intrathecal administration necessitates meticulous consideration of pharmacological "
    "interactions, particularly concerning concomitant medications and individualised "
    "physiological vulnerabilities.</p><ul><li>Catheter complications</li><li>Infection</li></ul>"
)


def post(client, data, **headers):
    return client.post(GRADE, data=json.dumps(data), content_type="application/json", **headers)


def feedback(client, data) -> dict:
    response = post(client, data)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def writer(client, staff):
    client.force_login(staff["wendy"])
    return client


def test_a_writer_gets_words_reading_time_and_grades_per_section_and_for_the_article(writer, settings):
    settings.READABILITY_TARGET_GRADE = 8.0

    answer = feedback(
        writer,
        {
            "summary": "What the pump does.",
            "sections": [{"key": "sections-0", "body": EASY}, {"key": "sections-1", "body": HARD}],
        },
    )

    easy, hard = answer["sections"]
    assert [easy["key"], hard["key"]] == ["sections-0", "sections-1"]
    assert (easy["words"], easy["is_above_target"]) == (16, False)
    assert hard["is_above_target"] is True
    assert answer["article"]["words"] == easy["words"] + hard["words"]
    assert (answer["target"], answer["words_per_minute"]) == (8.0, WORDS_PER_MINUTE)
    assert answer["summary"]["words"] == 4
    assert easy["reading_minutes"] == 1  # rounded up: a reading time is never promised short


def test_reading_time_is_the_words_at_the_stated_pace_rounded_up(writer):
    words = " ".join(["Rest."] * (WORDS_PER_MINUTE * 2 + 1))

    answer = feedback(writer, {"sections": [{"key": "a", "body": f"<p>{words}</p>"}]})

    assert answer["article"]["words"] == WORDS_PER_MINUTE * 2 + 1
    assert answer["article"]["reading_minutes"] == 3
    assert feedback(writer, {"sections": []})["article"] == {
        "words": 0,
        "reading_minutes": 0,
        "grade": None,
        "flesch_kincaid_grade": None,
        "smog_grade": None,
        "is_above_target": False,
    }


def test_the_live_grades_equal_what_saving_the_same_text_stores(writer, pump):
    pump.sections.all().delete()
    bodies = [EASY, HARD, "<h3>Dr. Patel says</h3><p>Call 555-0100 at 8 a.m. Then rest, e.g. lie down.</p>"]
    for position, body in enumerate(bodies):
        make_section(article=pump, position=position, heading=f"Part {position}", body=body)
    pump.save()  # the article's grade comes from its stored sections

    answer = feedback(writer, {"sections": [{"key": str(i), "body": body} for i, body in enumerate(bodies)]})

    pump.refresh_from_db()
    for section, live in zip(pump.sections.all(), answer["sections"], strict=True):
        assert (live["flesch_kincaid_grade"], live["smog_grade"]) == (
            section.flesch_kincaid_grade,
            section.smog_grade,
        )
        assert (live["grade"], live["words"]) == (section.reading_grade, section.word_count)
        assert live["is_above_target"] == section.is_above_target
    article = answer["article"]
    assert (article["flesch_kincaid_grade"], article["smog_grade"]) == (
        pump.flesch_kincaid_grade,
        pump.smog_grade,
    )
    assert (article["grade"], article["is_above_target"]) == (pump.reading_grade, pump.is_above_target)


def test_markup_is_graded_as_saved_text_not_as_tags(writer):
    scripted = '<p>Rest.</p><script>alert("a very complicated sentence indeed")</script><p></p>'

    assert feedback(writer, {"sections": [{"key": "a", "body": scripted}]})["article"]["words"] == 1


def test_grading_stores_nothing(writer, pump):
    counts = (
        Article.objects.count(),
        Section.objects.count(),
        Version.objects.count(),
        LogEntry.objects.count(),
    )
    pump.refresh_from_db()
    before = (pump.lock_version, pump.updated_at, list(pump.sections.values_list("body", flat=True)))

    feedback(writer, {"summary": "New words.", "sections": [{"key": "sections-0", "body": HARD}]})

    pump.refresh_from_db()
    assert (pump.lock_version, pump.updated_at, list(pump.sections.values_list("body", flat=True))) == before
    assert (
        Article.objects.count(),
        Section.objects.count(),
        Version.objects.count(),
        LogEntry.objects.count(),
    ) == counts


@pytest.mark.parametrize("username", ["wendy", "rahul", "cora"])
def test_every_editorial_role_may_grade(client, staff, username):
    client.force_login(staff[username])

    assert post(client, {"sections": [{"key": "a", "body": EASY}]}).status_code == 200


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = post(client, {"sections": [{"key": "a", "body": EASY}]})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_who_may_not_write_articles_are_refused(client):
    bystander = get_user_model().objects.create_user("bo", password=STAFF_PASSWORD, is_staff=True)
    client.force_login(bystander)

    response = post(client, {"sections": [{"key": "a", "body": EASY}]})

    assert response.status_code == 403


def test_a_post_without_the_csrf_token_is_refused_and_with_it_is_answered(staff):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff["wendy"])
    data = {"sections": [{"key": "a", "body": EASY}]}

    assert post(browser, data).status_code == 403
    browser.get(reverse("admin:articles_article_add"))  # sets the CSRF cookie, as the form page does
    token = browser.cookies["csrftoken"].value
    answered = post(browser, data, headers={"X-CSRFToken": token})
    assert answered.status_code == 200
    assert answered.json()["article"]["words"] == 16


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_post_is_answered(writer, method):
    response = getattr(writer, method)(GRADE)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert "detail" in response.json()


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ("{not json", "Send the text as a JSON object."),
        ("[1, 2]", "Send the text as a JSON object."),
        (b"\xff\xfe", "Send the text as a JSON object."),
        ('{"summary": 3}', "The summary must be text."),
        ('{"sections": "text"}', "Sections must be a list."),
        ('{"sections": [7]}', "Section 1 must have its text as body."),
        ('{"sections": [{"body": null}]}', "Section 1 must have its text as body."),
        ('{"sections": [{"key": {"a": 1}, "body": ""}]}', "Section 1 has a key that is not a short text."),
        ("[" * 100_000, "Send the text as a JSON object."),  # nested past Python's recursion limit
        (
            '{"sections": [{"body": "<p>\\ud800</p>"}]}',
            "The text holds a character that is not valid Unicode.",
        ),
        ('{"summary": "\\udfff"}', "The text holds a character that is not valid Unicode."),
    ],
)
def test_malformed_requests_get_a_400_that_says_what_is_wrong(writer, body, detail):
    response = writer.post(GRADE, data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json() == {"detail": detail}


def test_a_section_over_the_saved_limit_is_refused_as_a_save_would_be(writer):
    at_limit = "<p>" + "a " * ((SECTION_BODY_MAX_LENGTH - 7) // 2) + "</p>"
    over = "<p>" + "a" * SECTION_BODY_MAX_LENGTH + "</p>"

    assert len(at_limit) <= SECTION_BODY_MAX_LENGTH
    assert post(writer, {"sections": [{"key": "a", "body": at_limit}]}).status_code == 200
    response = post(writer, {"sections": [{"key": "a", "body": EASY}, {"key": "b", "body": over}]})
    assert response.status_code == 400
    assert response.json() == {"detail": "Section 2 is longer than the 30,000 characters a section may have."}


def test_too_many_sections_or_too_long_a_summary_are_refused(writer):
    many = [{"key": str(i), "body": "<p>Rest.</p>"} for i in range(MAX_SECTIONS + 1)]

    assert post(writer, {"sections": many}).status_code == 400
    assert post(writer, {"summary": "a" * (SECTION_BODY_MAX_LENGTH + 1)}).status_code == 400


def test_a_body_over_the_upload_limit_gets_a_413(writer, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000

    response = post(writer, {"summary": "Rest. " * 200})

    assert response.status_code == 413
    assert response.json() == {"detail": TOO_MUCH}


def test_more_text_than_a_live_grade_may_take_gets_a_413_that_points_to_saving(writer):
    full = "<p>" + "Rest. " * ((SECTION_BODY_MAX_LENGTH - 7) // 6) + "</p>"
    sections = [{"key": str(i), "body": full} for i in range(MAX_TOTAL_LENGTH // len(full) + 1)]

    response = post(writer, {"sections": sections})

    assert response.status_code == 413
    assert response.json() == {"detail": TOO_MUCH}
    assert post(writer, {"sections": sections[:-1]}).status_code == 200


def test_a_form_post_is_refused_with_415_not_a_server_error(writer):
    response = writer.post(GRADE, data={"summary": "Some text."})  # multipart, as a form sends it

    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


def test_a_second_grading_while_one_runs_is_told_to_wait(writer, monkeypatch):
    from articles import admin_feedback

    def grade_while_another_request_arrives(**text):
        during.append(post(writer, {"sections": [{"body": EASY}]}))
        return real_grade(**text)

    during, real_grade = [], admin_feedback.grade
    monkeypatch.setattr(admin_feedback, "grade", grade_while_another_request_arrives)

    assert post(writer, {"sections": [{"body": EASY}]}).status_code == 200
    assert during[0].status_code == 429
    monkeypatch.setattr(admin_feedback, "grade", real_grade)
    assert post(writer, {"sections": [{"body": EASY}]}).status_code == 200  # a short one leaves no pause


def test_a_long_grading_is_followed_by_a_pause_as_long(writer, monkeypatch):
    from articles import admin_feedback

    clock = iter([100.0, 103.0])  # the grading took three seconds
    monkeypatch.setattr(admin_feedback, "monotonic", lambda: next(clock))

    assert post(writer, {"sections": [{"body": EASY}]}).status_code == 200
    refused = post(writer, {"sections": [{"body": EASY}]})

    assert refused.status_code == 429
    assert refused.json() == {"detail": "Still grading your last change: the grade follows in a moment."}
