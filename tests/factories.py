"""Plain factories with deterministic defaults: every test says what it cares about."""

import datetime
import io
import itertools

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image as PILImage

from articles import publishing
from articles.models import (
    Article,
    ArticleCondition,
    ArticleRisk,
    CandidateCriterion,
    Condition,
    Contraindication,
    Reference,
    Risk,
    Section,
)
from clinics import roles
from clinics.models import Clinic, ContactLink
from media_library.models import Image
from media_library.uploads import process_upload

_sequence = itertools.count(1)


def _next() -> int:
    return next(_sequence)


def make_clinic(*, contact_links=0, **fields) -> Clinic:
    n = _next()
    defaults = {
        "name": f"Clinic {n}",
        "slug": f"clinic-{n}",
        "description": "A pain clinic.",
        "specialty": "Pain management",
        "city": "Lafayette",
        "region": "IN",
        "postal_code": "47901",
        "phone": "+1-765-555-0100",
        "email": f"info{n}@clinic.example",
        "website": f"https://clinic-{n}.example/",
    }
    clinic = Clinic.objects.create(**(defaults | fields))
    for position in range(1, contact_links + 1):
        make_contact_link(clinic=clinic, position=position)
    return clinic


def make_contact_link(*, clinic=None, **fields) -> ContactLink:
    defaults = {
        "kind": ContactLink.Kind.WEBSITE,
        "label": "",
        "url": "https://clinic.example/",
        "position": 0,
    }
    return ContactLink.objects.create(clinic=clinic or make_clinic(), **(defaults | fields))


def make_condition(**fields) -> Condition:
    n = _next()
    defaults = {"name": f"Condition {n}", "slug": f"condition-{n}", "summary": f"About condition {n}."}
    return Condition.objects.create(**(defaults | fields))


def make_risk(**fields) -> Risk:
    n = _next()
    defaults = {"name": f"Risk {n}", "slug": f"risk-{n}", "summary": f"About risk {n}."}
    return Risk.objects.create(**(defaults | fields))


def make_article(
    *,
    clinic=None,
    sections=0,
    conditions=(),
    risks=(),
    criteria=0,
    contraindications=0,
    references=0,
    published_ago=datetime.timedelta(days=1),
    expires_at=None,
    **fields,
) -> Article:
    """A published article by default: its working copy, approved as it stands into a publication
    that went live ``published_ago`` before now (until ``expires_at``, if given).

    Pass ``status=Article.Status.DRAFT`` (and ``published_at=None``) for a draft, or
    ``published_at`` in the future for a scheduled one.
    """
    n = _next()
    defaults = {
        "title": f"Article {n}",
        "slug": f"article-{n}",
        "summary": f"Summary of article {n}.",
        "status": Article.Status.PUBLISHED,
        "published_at": timezone.now() - published_ago,
    }
    article = Article.objects.create(clinic=clinic or make_clinic(), **(defaults | fields))
    for position in range(1, sections + 1):
        make_section(article=article, position=position, heading=f"Section {position}")
    for position, condition in enumerate(conditions, start=1):
        ArticleCondition.objects.create(article=article, condition=condition, position=position)
    for position, risk in enumerate(risks, start=1):
        ArticleRisk.objects.create(article=article, risk=risk, position=position)
    for position in range(1, criteria + 1):
        CandidateCriterion.objects.create(article=article, position=position, text=f"Criterion {position}")
    for position in range(1, contraindications + 1):
        Contraindication.objects.create(
            article=article, position=position, text=f"Contraindication {position}"
        )
    for position in range(1, references + 1):
        Reference.objects.create(
            article=article,
            position=position,
            title=f"Source {position}",
            pubmed_id=str(10_000_000 + position),
        )
    if article.status == Article.Status.PUBLISHED:
        publishing.publish(article, live_from=article.published_at, expires_at=expires_at)
    return article


def republish(article, **options):
    """Approve the article's working copy as it stands now (no workflow rules): what the public
    API then serves. ``options`` go to articles.publishing.publish (live_from, expires_at...)."""
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)
    return publishing.publish(article, **options)


STAFF_PASSWORD = "long-Pass-9921"
# The demo's people: a writer, a clinical reviewer and a clinic admin (the data migration's groups).
STAFF = {"wendy": "Writer", "rahul": "Clinical reviewer", "cora": "Clinic admin"}


def make_staff(clinic=None, suffix: str = "") -> dict:
    """{username: user} for STAFF, each with their role in ``clinic`` (None: every clinic), with a
    fresh permission cache. ``suffix`` tells apart the staff of a second clinic."""
    users = get_user_model()
    people = {}
    for name, role in STAFF.items():
        username = name + suffix
        user = users.objects.create_user(username, password=STAFF_PASSWORD, is_staff=True)
        roles.grant(user, role, clinic)
        people[username] = users.objects.get(pk=user.pk)
    return people


def make_draft(**fields) -> Article:
    return make_article(status=Article.Status.DRAFT, published_at=None, **fields)


def make_scheduled(*, ahead=datetime.timedelta(days=7), **fields) -> Article:
    return make_article(published_at=timezone.now() + ahead, **fields)


def make_archived(**fields) -> Article:
    return make_article(status=Article.Status.ARCHIVED, **fields)


def make_section(*, article, **fields) -> Section:
    defaults = {"position": 0, "heading": "A heading", "body": "<p>Some text.</p>"}
    return Section.objects.create(article=article, **(defaults | fields))


def make_pump(**overrides) -> Article:
    """The public-side tests' article: live, one section, one condition, one risk, one clinic."""
    fields = {"slug": "pump", "title": "Intrathecal pumps", "summary": "A small pump under the skin."}
    fields["sections"] = 1
    if "clinic" not in overrides:
        fields["clinic"] = make_clinic(slug="wabash")
    if "conditions" not in overrides:
        fields["conditions"] = [make_condition(slug="knee-pain", name="Knee pain")]
    if "risks" not in overrides:
        fields["risks"] = [make_risk(slug="infection", name="Infection")]
    return make_article(**(fields | overrides))


def image_bytes(
    *, size=(60, 40), image_format="PNG", mode="RGB", color=(30, 120, 200), **save_options
) -> bytes:
    """A real image file made with Pillow (``save_options`` go to its save: exif, comment...)."""
    buffer = io.BytesIO()
    PILImage.new(mode, size, color).save(buffer, image_format, **save_options)
    return buffer.getvalue()


def make_image(*, clinic=None, data=None, name="picture.png", **fields) -> Image:
    """A library image saved as the admin saves one: through media_library.uploads."""
    defaults = {"alt_text": "A drawing of the pump under the skin of the belly."}
    image = Image(clinic=clinic or make_clinic(), **(defaults | fields))
    process_upload(SimpleUploadedFile(name, data or image_bytes())).apply_to(image)
    image.save()
    return image
