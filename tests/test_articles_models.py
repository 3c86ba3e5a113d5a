import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from articles.models import SECTION_BODY_MAX_LENGTH, Article, Section
from tests.factories import (
    make_archived,
    make_article,
    make_clinic,
    make_condition,
    make_draft,
    make_risk,
    make_scheduled,
    make_section,
)

pytestmark = pytest.mark.django_db


def test_published_article_without_published_at_is_refused_by_the_database():
    with pytest.raises(IntegrityError):
        Article.objects.create(
            title="T", slug="t", summary="S", clinic=make_clinic(), status=Article.Status.PUBLISHED
        )


def test_draft_article_may_have_no_published_at():
    article = make_draft()
    assert article.published_at is None


def test_article_slug_is_unique():
    make_article(slug="same")
    with pytest.raises(IntegrityError):
        make_article(slug="same")


def test_live_queryset_is_what_patients_can_read_not_the_working_copys_status():
    live = make_article()
    edited = make_article()  # its approved version stays live while the working copy changes
    Article.objects.filter(pk=edited.pk).update(status=Article.Status.DRAFT)
    make_draft()
    make_archived()
    make_scheduled()
    make_article(
        published_ago=datetime.timedelta(days=2), expires_at=timezone.now() - datetime.timedelta(days=1)
    )
    assert set(Article.objects.live()) == {live, edited}


def test_scheduled_article_becomes_live_when_its_time_passes_without_any_job():
    now = timezone.now()
    article = make_scheduled(ahead=datetime.timedelta(minutes=5))
    assert not Article.objects.live(now).exists()
    assert Article.objects.with_public_state(now).get().is_scheduled

    later = now + datetime.timedelta(minutes=6)
    assert list(Article.objects.live(later)) == [article]
    assert not Article.objects.with_public_state(later).get().is_scheduled


def test_conditions_and_risks_keep_the_editors_order():
    first, second, third = make_condition(), make_condition(), make_condition()
    late, early = make_risk(), make_risk()
    article = make_article(conditions=[third, first, second], risks=[late, early])
    ordered = [link.condition for link in article.article_conditions.all()]
    assert ordered == [third, first, second]
    assert [link.risk for link in article.article_risks.all()] == [late, early]


def test_the_same_condition_cannot_be_listed_twice_on_an_article():
    condition = make_condition()
    with pytest.raises(IntegrityError):
        make_article(conditions=[condition, condition])


def test_condition_name_and_slug_are_unique():
    make_condition(name="Cancer pain", slug="cancer-pain")
    with pytest.raises(IntegrityError):
        make_condition(name="Cancer pain", slug="other-slug")


def test_section_anchor_is_the_slug_of_its_heading():
    section = make_section(article=make_article(), heading="Does it hurt?")
    assert section.anchor == "does-it-hurt"


def test_section_anchors_are_unique_within_an_article():
    article = make_article()
    first = make_section(article=article, heading="Risks")
    second = make_section(article=article, heading="Risks")
    third = make_section(article=article, heading="Risks!")
    assert [first.anchor, second.anchor, third.anchor] == ["risks", "risks-2", "risks-3"]


def test_the_same_anchor_may_appear_in_two_articles():
    one = make_section(article=make_article(), heading="Risks")
    two = make_section(article=make_article(), heading="Risks")
    assert one.anchor == two.anchor == "risks"


def test_section_anchor_stays_when_the_heading_changes_or_sections_are_reordered():
    article = make_article()
    first = make_section(article=article, heading="What is it?", position=1)
    second = make_section(article=article, heading="How does it work?", position=2)
    first.position, second.position = 2, 1
    first.heading = "What is an intrathecal pump?"
    first.save()
    second.save()
    assert list(article.sections.values_list("anchor", flat=True)) == ["how-does-it-work", "what-is-it"]


def test_heading_without_letters_gets_a_generic_anchor():
    section = make_section(article=make_article(), heading="???")
    assert section.anchor == "section"


def test_sections_are_ordered_by_position_then_creation():
    article = make_article()
    late = make_section(article=article, heading="Late", position=2)
    early = make_section(article=article, heading="Early", position=1)
    tie = make_section(article=article, heading="Tie", position=2)
    assert list(article.sections.all()) == [early, late, tie]


def test_section_body_is_sanitised_on_every_save_not_only_in_the_admin():
    section = make_section(
        article=make_article(), body='<p onclick="steal()">Hi<script>alert(1)</script></p>'
    )
    section.refresh_from_db()
    assert section.body == "<p>Hi</p>"
    section.body = '<a href="javascript:alert(1)">x</a>'
    section.save()
    section.refresh_from_db()
    assert "javascript" not in section.body


def test_section_keeps_the_plain_text_of_its_body_for_search():
    section = make_section(
        article=make_article(), body="<p>Pumps &amp; <strong>catheters</strong></p><p>Two</p>"
    )
    assert section.body_text == "Pumps & catheters\nTwo"


def test_str_of_models_does_not_touch_relations(django_assert_num_queries):
    article = make_article(sections=1, criteria=1)
    section = Section.objects.get(article=article)
    criterion = article.candidate_criteria.get()
    with django_assert_num_queries(0):
        assert str(article) == article.title
        assert str(section) == "Section 1"
        assert str(criterion) == "Criterion 1"


# --- The section limit on every path ------------------------------------------------------------

OVER_THE_LIMIT = "<p>" + "x" * SECTION_BODY_MAX_LENGTH + "</p>"
# Under the limit as written, over it once sanitised: every link gains rel="noopener noreferrer".
GROWS_OVER_THE_LIMIT = (
    "<p>" + '<a href="https://example.org/">a</a>' * (SECTION_BODY_MAX_LENGTH // 36) + "</p>"
)


@pytest.mark.parametrize("body", [OVER_THE_LIMIT, GROWS_OVER_THE_LIMIT], ids=["as-written", "once-sanitised"])
def test_model_validation_refuses_a_section_body_over_the_limit(body):
    section = Section(article=make_article(), heading="Long", body=body)

    with pytest.raises(ValidationError) as refusal:
        section.full_clean()

    assert list(refusal.value.message_dict) == ["body"]
    assert "A section can hold at most 30,000 characters" in refusal.value.message_dict["body"][0]


def test_a_body_exactly_at_the_limit_is_fine():
    body = "<p>" + "x" * (SECTION_BODY_MAX_LENGTH - 7) + "</p>"
    assert len(body) == SECTION_BODY_MAX_LENGTH
    section = Section(article=make_article(), heading="Full", body=body)
    section.full_clean()
    section.save()
    assert Section.objects.get(pk=section.pk).body == body


def test_model_validation_reports_the_limit_together_with_other_errors():
    section = Section(article=make_article(), heading="", body=GROWS_OVER_THE_LIMIT)

    with pytest.raises(ValidationError) as refusal:
        section.full_clean()

    assert set(refusal.value.message_dict) == {"heading", "body"}


@pytest.mark.parametrize("body", [OVER_THE_LIMIT, GROWS_OVER_THE_LIMIT], ids=["as-written", "once-sanitised"])
def test_a_script_saving_a_section_over_the_limit_is_refused_and_nothing_is_saved(body):
    # Section.save, whatever called it (a script, a shell, a command), applies the limit too.
    article = make_article()
    before = Section.objects.count()

    with pytest.raises(ValidationError, match="at most 30,000 characters"):
        Section.objects.create(article=article, heading="Long", body=body)

    assert Section.objects.count() == before
