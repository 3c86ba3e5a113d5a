import datetime
import secrets
from collections import Counter

import reversion
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.html import format_html
from reversion.models import Revision, Version

from articles import figures, publishing, snapshots, translations
from articles.management.commands import _demo_content as demo
from articles.management.commands import _demo_spanish as spanish
from articles.models import (
    Article,
    ArticleCondition,
    ArticleRisk,
    ArticleTransition,
    CandidateCriterion,
    ClinicalReview,
    Condition,
    ConditionCode,
    ConditionTranslation,
    Contraindication,
    Reference,
    Reviewer,
    Risk,
    RiskTranslation,
    Section,
)
from articles.states import State
from articles.workflow import state_of
from clinics import roles
from clinics.models import Clinic, ContactLink
from media_library.models import Image
from media_library.uploads import process_upload

# Staff accounts to try the editorial roles with, made alongside the admin.
DEMO_ROLE_USERS = [("writer", "Writer"), ("reviewer", "Clinical reviewer")]
# How far from "now" each demo state puts published_at.
PUBLISHED_AGO = datetime.timedelta(days=2)
SCHEDULED_AHEAD = datetime.timedelta(days=7)
REVIEWED_AGO = datetime.timedelta(days=30)
ORDER_STEP = datetime.timedelta(hours=1)
# The comment of the version load_demo saves of each article it creates.
DEMO_COMMENT = "Demo content"
# ... and of the Spanish version's: found again even after staff deleted the article.
SPANISH_COMMENT = "Demo content: Spanish version"


class Command(BaseCommand):
    help = (
        "Load the demo clinic (Lafayette Pain Care), its articles and their pictures, a Spanish "
        "version of the pump article and ICD-10-CM codes on the conditions. Safe to run again: what "
        "exists already is left exactly as staff edited it; only missing items are created (the "
        "pictures and the Spanish version, too, are added only to an article nobody has edited since, "
        "and codes only to a condition without any)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--create-admin",
            action="store_true",
            help="Also create a superuser 'admin' with a random password, if no superuser exists.",
        )

    def handle(self, *args, create_admin=False, **options):
        created = load_demo_content(now=timezone.now())
        if created:
            counts = Counter(created)
            summary = ", ".join(f"{n} {kind}{'' if n == 1 else 's'}" for kind, n in counts.items())
            self.stdout.write(self.style.SUCCESS(f"Demo content loaded: {summary}."))
        else:
            self.stdout.write("Demo content already present; nothing changed.")
        if create_admin:
            self._ensure_demo_users()

    def _ensure_demo_users(self):
        users = get_user_model()
        if users.objects.filter(is_superuser=True).exists():
            self.stdout.write("A superuser already exists: log in with your existing account.")
            return
        logins = [("admin", None)] + [
            (username, role)
            for username, role in DEMO_ROLE_USERS
            if not users.objects.filter(username=username).exists()
        ]
        lines = []
        for username, role in logins:
            password = secrets.token_urlsafe(12)
            user = users.objects.filter(username=username).first() or users(username=username)
            user.is_staff = True
            user.is_superuser = role is None
            user.set_password(password)
            user.save()
            if role:
                # The demo clinic's staff: what they see and touch is Lafayette Pain Care's.
                roles.grant(user, role, Clinic.objects.filter(slug=demo.CLINIC["slug"]).first())
            if role == "Writer":
                _credit_demo_drafts(user)
            where = f"  ({role}, {demo.CLINIC['name']})" if role else ""
            lines.append(f"Demo login: {username} / {password}{where}")
        lines.append("  (shown only this once; change them with `manage.py changepassword <name>`)")
        self.stdout.write(self.style.WARNING("\n".join(lines)))


def _credit_demo_drafts(writer) -> None:
    """The demo's drafts were started by the demo writer: they are on the writer's desk ("My drafts")."""
    drafts = Article.objects.filter(
        slug__in=[spec["slug"] for spec in demo.ARTICLES if spec["state"] == "draft"]
    )
    Revision.objects.filter(
        user__isnull=True,
        comment=DEMO_COMMENT,
        version__content_type=ContentType.objects.get_for_model(Article),
        version__object_id__in=[str(pk) for pk in drafts.values_list("pk", flat=True)],
    ).update(user=writer)


@transaction.atomic
def load_demo_content(*, now: datetime.datetime) -> list[str]:
    """Create whatever demo rows are missing; return the kind of each thing created."""
    clinic = Clinic.objects.filter(slug=demo.CLINIC["slug"]).first()
    if clinic is not None:
        # Loaded before: what staff edited or deleted since stays that way. Only what came after
        # is added: the pictures and the Spanish version to the articles still exactly as the demo
        # made them, the codes to the conditions without any.
        created = _add_pictures_to_untouched_articles(clinic, now=now)
        return created + _add_condition_codes() + _add_spanish_version(clinic, now=now)
    created = ["clinic"]
    clinic = Clinic.objects.create(**demo.CLINIC)
    for position, link in enumerate(demo.CONTACT_LINKS, start=1):
        ContactLink.objects.create(clinic=clinic, position=position, **link)

    conditions = _get_or_create_topics(Condition, demo.CONDITIONS, created)
    risks = _get_or_create_topics(Risk, demo.RISKS, created)

    reviewer, is_new = Reviewer.objects.get_or_create(
        name=demo.REVIEWER["name"], defaults={"credentials": demo.REVIEWER["credentials"]}
    )
    if is_new:
        created.append("reviewer")
    for order, spec in enumerate(demo.ARTICLES):
        if Article.objects.filter(slug=spec["slug"]).exists():
            continue
        # The first article (the clinic's flagship) is the newest, so it leads the list.
        with reversion.create_revision():
            article = _create_article(spec, clinic, conditions, risks, reviewer, now=now - order * ORDER_STEP)
            # In the version that is approved below: the live article shows them from the start.
            created += _add_pictures(article)
            reversion.set_comment(DEMO_COMMENT)
        if article.status == Article.Status.PUBLISHED:
            # Approved as it stands, that saved version: the public API serves it.
            version = Version.objects.get_for_object(article).first()
            publishing.publish(article, live_from=article.published_at, revision_id=version.revision_id)
        created.append(f"{spec['state']} article")
    return created + _add_condition_codes() + _add_spanish_version(clinic, now=now)


def _create_article(spec, clinic, conditions, risks, reviewer, *, now):
    is_live = spec["state"] != "draft"
    treatment_type, treatment_name = demo.TREATMENTS.get(spec["slug"], ("", ""))
    article = Article.objects.create(
        slug=spec["slug"],
        title=spec["title"],
        summary=spec["summary"],
        clinic=clinic,
        treatment_type=treatment_type,
        treatment_name=treatment_name,
        status=Article.Status.PUBLISHED if is_live else Article.Status.DRAFT,
        published_at=published_at_for_state(spec["state"], now),
    )
    for position, section in enumerate(spec["sections"], start=1):
        Section.objects.create(article=article, position=position, **section)
    for position, slug in enumerate(spec["conditions"], start=1):
        ArticleCondition.objects.create(article=article, condition=conditions[slug], position=position)
    for position, slug in enumerate(spec["risks"], start=1):
        ArticleRisk.objects.create(article=article, risk=risks[slug], position=position)
    for position, text in enumerate(spec["candidate_criteria"], start=1):
        CandidateCriterion.objects.create(article=article, position=position, text=text)
    for position, text in enumerate(demo.CONTRAINDICATIONS.get(spec["slug"], []), start=1):
        Contraindication.objects.create(article=article, position=position, text=text)
    for position, reference in enumerate(demo.REFERENCES.get(spec["slug"], []), start=1):
        accessed_on = reference.get("accessed_on")
        Reference.objects.create(
            article=article,
            position=position,
            **{**reference, "accessed_on": accessed_on and datetime.date.fromisoformat(accessed_on)},
        )
    if is_live:
        reviewed_on = (now - REVIEWED_AGO).date()
        ClinicalReview.objects.create(article=article, reviewer=reviewer, reviewed_on=reviewed_on)
        article.reviewed_by, article.last_reviewed_on = reviewer, reviewed_on
        article.save()
        ArticleTransition.objects.create(
            article=article,
            actor_name="load_demo",
            at=now,
            action="publish",
            from_state=State.DRAFT,
            to_state=State.LIVE if spec["state"] == "published" else State.SCHEDULED,
            note="Demo content",
        )
    return article


def _add_pictures(article) -> list[str]:
    """Put the demo's drawings for ``article`` in its clinic's library, make the first its lead
    image and add the figures to their sections, as the editor stores them (articles/figures.py:
    no alt on the <img>, so the library's alt text applies). Saves the working copy only."""
    spec = demo.PICTURES.get(article.slug)
    if spec is None:
        return []
    lead = spec["lead_image"]
    article.lead_image = _library_image(article.clinic, lead)
    sections = {section.heading: section for section in article.sections.all()}
    for figure in spec["figures"]:
        image = _library_image(article.clinic, figure)
        section = sections[figure["section"]]
        section.body += format_html(
            '<figure><img data-file="{}"><figcaption>{}</figcaption></figure>', image.pk, figure["caption"]
        )
        section.save()  # sanitised and canonicalised as any save is
    article.save()
    return ["image"] * (1 + len(spec["figures"]))


def _library_image(clinic, spec) -> Image:
    """A new library image of the drawing in ``spec``, uploaded as the admin uploads one."""
    focal_x, focal_y = spec.get("focal_point", (0.5, 0.5))
    image = Image(
        clinic=clinic,
        alt_text=spec["alt_text"],
        caption=spec["caption"],
        credit=demo.PICTURE_CREDIT,
        focal_x=round(focal_x, 3),
        focal_y=round(focal_y, 3),
    )
    process_upload(SimpleUploadedFile(spec["file_name"], spec["draw"]())).apply_to(image)
    image.save()
    return image


def _demo_pictures_exist(clinic, spec) -> bool:
    captions = [spec["lead_image"]["caption"], *(figure["caption"] for figure in spec["figures"])]
    return Image.objects.filter(clinic=clinic, credit=demo.PICTURE_CREDIT, caption__in=captions).exists()


def _add_pictures_to_untouched_articles(clinic, *, now) -> list[str]:
    """For a demo loaded before it had pictures: give them to each of its articles that is live
    exactly as load_demo made it, through the usual path (the working copy is edited, then that
    version is approved and published). An article anyone edited, or whose pictures exist in the
    library already (even if staff took them out of the article), is left alone."""
    created = []
    for slug, spec in demo.PICTURES.items():
        article = Article.objects.filter(slug=slug, clinic=clinic).first()
        if article is None or _demo_pictures_exist(clinic, spec) or not _as_demo_made_it(article, now):
            continue
        with reversion.create_revision():
            created += _add_pictures(article)
            reversion.set_comment("Demo content: pictures added")
        # Edited: the approved version stays live until the changes are approved.
        Article.objects.filter(pk=article.pk).update(status=Article.Status.DRAFT)
        _record_step(article, "edit", State.LIVE, State.LIVE_WITH_CHANGES)
        # Approved and published as it now stands.
        article.refresh_from_db()
        article.status = Article.Status.PUBLISHED
        with reversion.create_revision():
            article.save()
            reversion.set_comment("Approved and published (now)")
        version = Version.objects.get_for_object(article).first()
        publishing.publish(article, revision_id=version.revision_id)
        _record_step(article, "publish", State.LIVE_WITH_CHANGES, State.LIVE)
    return created


def _as_demo_made_it(article, now) -> bool:
    """Live, with no version but load_demo's, and the working copy the same as what is live."""
    versions = list(Version.objects.get_for_object(article).select_related("revision")[:2])
    if len(versions) != 1 or versions[0].revision.comment != DEMO_COMMENT:
        return False
    if article.status != Article.Status.PUBLISHED or state_of(article, now) != State.LIVE:
        return False
    live = article.publications.visible(now).first()
    working = snapshots.of_working_copy(article)
    if working.article.lead_image_id or any(figures.references(s.body) for s in working.sections):
        return False
    return snapshots.same_content(working, snapshots.from_content(live.content))


def _record_step(article, action, from_state, to_state) -> None:
    ArticleTransition.objects.create(
        article=article,
        actor_name="load_demo",
        action=action,
        from_state=from_state,
        to_state=to_state,
        note="Demo content: pictures added",
    )


def _add_condition_codes() -> list[str]:
    """The demo's ICD-10-CM codes, on each demo condition without any code yet: the codes staff
    gave a condition stay as they are."""
    created = []
    for slug, codes in demo.CONDITION_CODES.items():
        condition = Condition.objects.filter(slug=slug).first()
        if condition is None or condition.codes.exists():
            continue
        for position, code in enumerate(codes, start=1):
            _, is_new = ConditionCode.objects.get_or_create(
                condition=condition,
                system=ConditionCode.System.ICD10CM,
                code=code,
                defaults={"position": position},
            )
            if is_new:
                created.append("condition code")
    return created


def _add_spanish_version(clinic, *, now) -> list[str]:
    """The Spanish version of the pump article (_demo_spanish.py), made as a translator makes one
    (articles.translations), reviewed by the English article's reviewer and published. Only for an
    English article live as load_demo made it (no staff edit, no unpublished change), and once:
    never again after staff deleted it."""
    source = Article.objects.filter(slug=spanish.SOURCE_SLUG, clinic=clinic, translation_of=None).first()
    if source is None or not _may_translate(source, now):
        return []
    reviewer = source.reviewed_by
    with reversion.create_revision():
        # One version, load_demo's: create_translation's own revision block joins this one.
        translation = translations.create_translation(source, spanish.LANGUAGE, by=None)
        _write_spanish(translation)
        reviewed_on = (now - REVIEWED_AGO).date()
        ClinicalReview.objects.create(article=translation, reviewer=reviewer, reviewed_on=reviewed_on)
        translation.reviewed_by, translation.last_reviewed_on = reviewer, reviewed_on
        translation.status = Article.Status.PUBLISHED
        translation.published_at = published_at_for_state("published", now)
        translation.save()  # its readability, from its Spanish sections
        reversion.set_comment(SPANISH_COMMENT)
    _add_spanish_topic_names(source, reviewer, reviewed_on)
    version = Version.objects.get_for_object(translation).first()
    publishing.publish(translation, live_from=translation.published_at, revision_id=version.revision_id)
    ArticleTransition.objects.create(
        article=translation,
        actor_name="load_demo",
        at=now,
        action="publish",
        from_state=State.DRAFT,
        to_state=State.LIVE,
        note=SPANISH_COMMENT,
    )
    return ["Spanish article"]


def _add_spanish_topic_names(source, reviewer, reviewed_on) -> None:
    """Reviewed Spanish names of the conditions and risks the pump article names, where a term
    has none yet (a clinic's own, written before, is kept)."""
    for model, translation_model, names in (
        (Condition, ConditionTranslation, spanish.CONDITION_NAMES),
        (Risk, RiskTranslation, spanish.RISK_NAMES),
    ):
        field = model._meta.model_name
        for topic in model.objects.filter(slug__in=names).exclude(translations__language=spanish.LANGUAGE):
            name, summary = names[topic.slug]
            translation_model.objects.create(
                **{field: topic},
                language=spanish.LANGUAGE,
                name=name,
                summary=summary,
                reviewed_by=reviewer,
                reviewed_on=reviewed_on,
            )


def _may_translate(source, now) -> bool:
    if source.translations.filter(language=spanish.LANGUAGE).exists():
        return False
    if spanish.LANGUAGE not in dict(translations.languages_for(source)):
        return False  # not a content language here (settings.CONTENT_LANGUAGES)
    if Revision.objects.filter(comment=SPANISH_COMMENT).exists():
        return False  # made before, and deleted since
    if source.reviewed_by_id is None or source.status != Article.Status.PUBLISHED:
        return False
    if state_of(source, now) != State.LIVE:
        return False
    if Version.objects.get_for_object(source).filter(revision__user__isnull=False).exists():
        return False  # someone edited it: the Spanish text would not say the same
    english = next(spec for spec in demo.ARTICLES if spec["slug"] == spanish.SOURCE_SLUG)
    headings = list(source.sections.values_list("heading", flat=True))
    return headings == [section["heading"] for section in english["sections"]]


def _write_spanish(translation) -> None:
    """Put the Spanish text in place of the English copied into ``translation``. The copied
    figures stay in their sections, with a Spanish caption and alt text of their own."""
    translation.title, translation.summary = spanish.TITLE, spanish.SUMMARY
    translation.treatment_name = spanish.TREATMENT_NAME
    for section, text in zip(translation.sections.all(), spanish.SECTIONS, strict=True):
        pictures = zip(figures.references(section.body), text.get("figures", []), strict=False)
        section.heading = text["heading"]
        section.anchor = ""  # derived again, from the Spanish heading
        section.body = text["body"] + "".join(
            format_html(
                '<figure><img data-file="{}" alt="{}"><figcaption>{}</figcaption></figure>',
                picture.image_id,
                words["alt"],
                words["caption"],
            )
            for picture, words in pictures
        )
        section.save()
    for rows, texts in (
        (translation.candidate_criteria.all(), spanish.CANDIDATE_CRITERIA),
        (translation.contraindications.all(), spanish.CONTRAINDICATIONS),
    ):
        for row, text in zip(rows, texts, strict=True):
            row.text = text
            row.save()


def published_at_for_state(state: str, now: datetime.datetime) -> datetime.datetime | None:
    return {"published": now - PUBLISHED_AGO, "scheduled": now + SCHEDULED_AHEAD, "draft": None}[state]


def _get_or_create_topics(model, specs, created):
    topics = {}
    for spec in specs:
        topic, is_new = model.objects.get_or_create(slug=spec["slug"], defaults=spec)
        if is_new:
            created.append(str(model._meta.verbose_name))
        topics[topic.slug] = topic
    return topics
