"""The editor's desk: what the admin home page lists for the person logged in.

Each panel is one list query (its first ROWS rows) and one count, whatever the number of articles
or clinics: every panel reads through ``roles.scope``, so nobody sees another clinic's work.

- Waiting for my review: submitted articles in the clinics where the user may approve.
- Sent back to me: drafts the user worked on that someone else took back from review (with why).
- My drafts: other drafts the user saved a version of (the working copy of a live article too).
- This week: approved versions going live, or coming down, in the next seven days.
- Overdue clinical reviews: articles past their next clinical review date.
- Recently published: versions approved in the last fortnight.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Coalesce
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import workflow
from articles.models import Article, ArticleTransition, Publication
from clinics import roles

ROWS = 8
THIS_WEEK = datetime.timedelta(days=7)
RECENTLY = datetime.timedelta(days=14)


@dataclass
class Panel:
    key: str
    title: str
    empty: str
    rows: list = field(default_factory=list)
    count: int = 0
    more_url: str = ""


def _articles(user, perm: str):
    return roles.scope(Article.objects.with_public_state().select_related("clinic"), user, perm=perm)


def _latest_transition(field_name: str) -> Subquery:
    return Subquery(
        ArticleTransition.objects.filter(article=OuterRef("pk")).order_by("-at", "-pk").values(field_name)[:1]
    )


def _saved_by(user) -> Exists:
    """The user saved a version of the article (django-reversion keeps object ids as text)."""
    return Exists(
        Version.objects.filter(
            content_type=ContentType.objects.get_for_model(Article),
            object_id=Cast(OuterRef("pk"), CharField()),
            revision__user=user,
        )
    )


def _publications(user, now):
    """Publications of the user's clinics, with their article and its public state (no query per row)."""
    others = Publication.objects.filter(article=OuterRef("article"))
    return (
        roles.scope(Publication.objects.all(), user, field="article__clinic")
        .select_related("article", "article__clinic")
        .annotate(
            article_is_live=Exists(others.visible(now)), article_is_scheduled=Exists(others.scheduled(now))
        )
    )


def _fill(panel: Panel, queryset) -> Panel:
    panel.rows = list(queryset[:ROWS])
    panel.count = queryset.count()
    for row in panel.rows:
        if isinstance(row, Publication):
            row.article.is_live, row.article.is_scheduled = row.article_is_live, row.article_is_scheduled
            row.state = workflow.state_of(row.article)
        else:
            row.state = workflow.state_of(row)
    return panel


def _changelist(query: str) -> str:
    return f"{reverse('admin:articles_article_changelist')}?{query}"


def desk(user, now=None) -> list[Panel]:
    """The panels this user's roles call for, in the order a working day reads them."""
    now = now or timezone.now()
    panels = []
    can_approve = roles.clinic_ids(user, workflow.PUBLISH_PERMISSION) != set()
    can_edit = roles.clinic_ids(user, workflow.EDIT_PERMISSION) != set()
    if not (can_approve or can_edit):
        return panels
    if can_approve:
        waiting = (
            _articles(user, workflow.PUBLISH_PERMISSION)
            .filter(status=Article.Status.IN_REVIEW)
            .annotate(submitted_by=_latest_transition("actor_name"), submitted_at=_latest_transition("at"))
            .order_by("submitted_at", "pk")
        )
        panels.append(
            _fill(
                Panel(
                    "waiting-review",
                    "Waiting for my review",
                    "Nothing is waiting for review.",
                    more_url=_changelist("status__exact=in_review"),
                ),
                waiting,
            )
        )
    if can_edit:
        drafts = (
            _articles(user, workflow.EDIT_PERMISSION)
            .filter(status=Article.Status.DRAFT)
            .filter(_saved_by(user))
            .annotate(
                # Coalesced: with no transition yet, NULL would make both filters below false.
                last_action=Coalesce(_latest_transition("action"), Value("")),
                last_actor=Coalesce(_latest_transition("actor_id"), Value(0), output_field=IntegerField()),
                last_actor_name=_latest_transition("actor_name"),
                last_note=_latest_transition("note"),
                last_at=_latest_transition("at"),
            )
        )
        sent_back = Q(last_action="withdraw") & ~Q(last_actor=user.pk)
        panels.append(
            _fill(
                Panel("sent-back", "Sent back to me", "Nothing was sent back to you."),
                drafts.filter(sent_back).order_by("-last_at", "-pk"),
            )
        )
        panels.append(
            _fill(
                Panel("my-drafts", "My drafts", "You have no drafts."),
                drafts.exclude(sent_back).order_by("-updated_at", "-pk"),
            )
        )
    publications = _publications(user, now)
    coming = publications.filter(ended_at__isnull=True).filter(
        Q(live_from__gt=now, live_from__lte=now + THIS_WEEK)
        | Q(expires_at__gt=now, expires_at__lte=now + THIS_WEEK)
    )
    this_week = _fill(
        Panel("this-week", "Going live or coming down this week", "Nothing is scheduled this week."),
        coming.order_by("live_from", "pk"),
    )
    for publication in this_week.rows:
        goes_live = publication.live_from > now
        publication.event = "Goes live" if goes_live else "Comes down"
        publication.event_at = publication.live_from if goes_live else publication.expires_at
    panels.append(this_week)
    panels.append(
        _fill(
            Panel(
                "overdue",
                "Overdue clinical reviews",
                "",  # the panel's summary line says it
                more_url=_changelist("review=overdue"),
            ),
            _articles(user, None).review_overdue().order_by("next_review_due", "pk"),
        )
    )
    panels.append(
        _fill(
            Panel("recent", "Recently published", "Nothing was published in the last two weeks."),
            publications.filter(approved_at__gte=now - RECENTLY, live_from__lte=now).order_by(
                "-approved_at", "-pk"
            ),
        )
    )
    return panels
