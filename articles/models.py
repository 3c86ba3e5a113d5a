import calendar
import datetime
import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.text import slugify
from django_prose_editor.fields import ProseEditorField

from articles import readability, readability_es
from articles.querysets import PUBLISHED, ArticleQuerySet, PublicationQuerySet, section_statistics
from articles.rich_text import plain_text, sanitize_rich_text
from articles.states import State
from clinics.validators import validate_web_url
from media_library.models import Image

# What the section editor offers; whatever it cannot make, sanitize_rich_text removes anyway.
SECTION_EDITOR_EXTENSIONS = {
    # Pictures come from the clinic's library only (articles/figures.py): the picker is ours.
    "Figure": {"pickerUrl": reverse_lazy("admin:media_library_image_choose")},
    "Image": True,
    "Caption": True,
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto", "tel"]},
    "History": True,
}


SECTION_BODY_MAX_LENGTH = 30_000


def check_section_body_length(body: str) -> None:
    """The section limit, for every path that saves a section: the model's validation and save
    (so the importer, revert and scripts), besides the editor form's own max_length.

    A TextField's max_length is only enforced by its form field, and sanitising can lengthen a
    body (links gain a rel attribute): a stored body over the limit could never be saved again in
    the admin."""
    if len(body or "") > SECTION_BODY_MAX_LENGTH:
        raise ValidationError(
            "A section can hold at most %(limit)s characters, formatting included; this one has "
            "%(length)s. Split it into several sections.",
            code="max_length",
            params={"limit": f"{SECTION_BODY_MAX_LENGTH:,}", "length": f"{len(body):,}"},
        )


def content_languages() -> list[tuple[str, str]]:
    """The languages articles may be written in (settings.CONTENT_LANGUAGES), as choices."""
    return list(settings.CONTENT_LANGUAGES.items())


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months; the 31st becomes the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


class Topic(models.Model):
    """A reusable medical term that many articles can name: a condition or a risk."""

    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="Used in web addresses. Lowercase letters, numbers and hyphens; filled from the name.",
    )
    summary = models.TextField(
        blank=True, help_text="One or two plain sentences a patient can understand. No formatting."
    )
    synonyms = models.TextField(
        blank=True,
        help_text=(
            'Other names for it, one per line (e.g. "CRPS"). An imported list item that reads exactly '
            "like the name or one of these is suggested as this term."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # Shared by every clinic (clinics/roles.py: any role's permissions on the model apply).
    is_shared_vocabulary = True

    class Meta:
        abstract = True
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class Condition(Topic):
    name = models.CharField(
        max_length=200, unique=True, help_text='A condition a treatment helps, e.g. "Cancer pain".'
    )


class Risk(Topic):
    name = models.CharField(max_length=200, unique=True, help_text='A risk or side effect, e.g. "Infection".')


class TopicProposal(models.Model):
    """A clinic's proposed change to a shared condition or risk: every clinic's live articles show
    it, so only the organisation administrator applies it (admin: "Propose a change")."""

    class Status(models.TextChoices):
        OPEN = "open", "Waiting"
        APPLIED = "applied", "Applied"
        DECLINED = "declined", "Declined"

    condition = models.ForeignKey(
        Condition, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals"
    )
    risk = models.ForeignKey(Risk, null=True, blank=True, on_delete=models.CASCADE, related_name="proposals")
    language = models.CharField(
        max_length=10,
        blank=True,
        default="",
        choices=content_languages,
        help_text="Empty: the term's own name. A language: its name in that language's articles, shown "
        "once a clinician has checked it.",
    )
    name = models.CharField("proposed name", max_length=200)
    summary = models.TextField(
        "proposed summary", blank=True, help_text="One or two plain sentences a patient can understand."
    )
    reason = models.TextField(help_text="Why: what is wrong or missing today.")
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="topic_proposals"
    )
    # The proposer's clinic, when they work for one: its admins see the proposal too.
    clinic = models.ForeignKey(
        "clinics.Clinic", null=True, blank=True, on_delete=models.SET_NULL, related_name="topic_proposals"
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(condition__isnull=False, risk__isnull=True)
                | Q(condition__isnull=True, risk__isnull=False),
                name="articles_topicproposal_one_topic",
            )
        ]

    def __str__(self):
        return f"{self.topic}: {self.name}"

    @property
    def topic(self):
        return self.condition or self.risk


class Reviewer(models.Model):
    """A clinician who checks articles for medical accuracy."""

    name = models.CharField(max_length=200, help_text='Full name, e.g. "Dr. Jane Smith".')
    credentials = models.CharField(
        max_length=200,
        blank=True,
        help_text='Qualifications patients see, e.g. "MD, board-certified in pain medicine".',
    )
    is_active = models.BooleanField(
        default=True, help_text="Untick when this person no longer reviews; past reviews keep their name."
    )
    clinic = models.ForeignKey(
        "clinics.Clinic",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reviewers",
        help_text="The clinic this person reviews for. Empty: every clinic (the organisation's own).",
    )

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


class ReadabilityFields(models.Model):
    """Reading grades of a text, computed on save from its words (articles/readability.py), and its
    Spanish scores (articles/readability_es.py): higher is easier. Which ones count is the
    article's language's (``misses_target``)."""

    flesch_kincaid_grade = models.FloatField(null=True, blank=True, editable=False)
    smog_grade = models.FloatField(null=True, blank=True, editable=False)
    fernandez_huerta = models.FloatField(null=True, blank=True, editable=False)
    szigriszt_pazos = models.FloatField(null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def readability_language(self) -> str:
        """The language the scores are read in: an article's own; a section's article's (set by
        whoever shows it, else English)."""
        return getattr(self, "language", None) or getattr(self, "content_language", None) or "en"

    @property
    def misses_language_target(self) -> bool:
        return self.misses_target(self.readability_language)

    def misses_target(self, language: str) -> bool:
        """Whether the text misses its language's readability target (settings.READABILITY_TARGETS:
        a grade at most, for English; a Szigriszt-Pazos score at least, for Spanish)."""
        if language == "es":
            score, minimum = self.szigriszt_pazos, settings.READABILITY_TARGET_SZIGRISZT_PAZOS
            return score is not None and score < minimum
        return self.is_above_target

    @property
    def reading_grade(self) -> float | None:
        """The harder of the two grades: the one held against the target."""
        grades = [g for g in (self.flesch_kincaid_grade, self.smog_grade) if g is not None]
        return max(grades, default=None)

    @property
    def is_above_target(self) -> bool:
        grade = self.reading_grade
        return grade is not None and grade > settings.READABILITY_TARGET_GRADE


class Article(ReadabilityFields):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        IN_REVIEW = "in_review", "In review"
        PUBLISHED = PUBLISHED, "Published"
        ARCHIVED = "archived", "Archived"

    class TreatmentType(models.TextChoices):
        PROCEDURE = "procedure", "Procedure (an operation or injection)"
        THERAPY = "therapy", "Therapy (a course of treatment or medicine)"
        DEVICE = "device", "Device (an implant or appliance)"

    title = models.CharField(max_length=200, help_text="The headline patients see.")
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="The article's web address. Filled from the title; avoid changing it once published.",
    )
    summary = models.TextField(
        help_text="One or two plain sentences shown in lists and search results. No formatting."
    )
    clinic = models.ForeignKey(
        "clinics.Clinic",
        on_delete=models.PROTECT,
        related_name="articles",
        help_text="The clinic that publishes this article.",
    )
    # Where the working copy (this row and its children) is in the editorial flow; what the
    # public sees is its publications. "published": the working copy is the approved version.
    # A person sees the two together as one state (articles/states.py).
    status = models.CharField(
        max_length=20,
        choices=Status.choices,
        default=Status.DRAFT,
        help_text="Changed only with the workflow buttons and by editing an approved article.",
    )
    published_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the article first went live; new versions keep it. Set when publishing.",
    )
    reviewed_by = models.ForeignKey(
        Reviewer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The clinician who last checked the article. Set by recording a clinical review.",
    )
    last_reviewed_on = models.DateField(
        null=True, blank=True, help_text="Set by recording a clinical review."
    )
    treatment_type = models.CharField(
        max_length=20,
        choices=TreatmentType.choices,
        blank=True,
        help_text="What kind of treatment the article explains, if it explains one. Search engines use it.",
    )
    treatment_name = models.CharField(
        max_length=200,
        blank=True,
        help_text='The treatment\'s usual name, e.g. "Intrathecal pump implant".',
    )
    lead_image = models.ForeignKey(
        "media_library.Image",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The picture at the top of the article and beside it in lists, from the clinic's "
        "image library. Its alt text and caption come from the library.",
    )
    language = models.CharField(
        max_length=10,
        blank=True,
        default="en",
        choices=content_languages,
        help_text="The language the article is written in: screen readers pronounce it by this, "
        "and search engines show it to readers of that language.",
    )
    translation_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        # A source cannot go alone while it has translations; with them (one delete), it can.
        on_delete=models.RESTRICT,
        related_name="translations",
        help_text="For a translation: the article it translates (in the clinic's own language). It has "
        "its own text, clinical review and publication: approving one never publishes the other.",
    )
    source_changed = models.BooleanField(
        "source changed since translation",
        default=False,
        help_text="Set when a new version of the source article is approved. Untick once this "
        "translation says the same as the source again.",
    )
    review_interval_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Months between clinical reviews for this article. Empty: the clinic default.",
    )
    next_review_due = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="The last review date plus the review interval.",
    )
    # Bumped on every save; the admin form refuses a save made from an older copy.
    lock_version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    conditions = models.ManyToManyField(
        Condition, through="ArticleCondition", related_name="articles", blank=True
    )
    risks = models.ManyToManyField(Risk, through="ArticleRisk", related_name="articles", blank=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-pk"]
        permissions = [
            ("publish_article", "Can approve, publish, unpublish and archive articles"),
            ("review_article", "Can record a clinical review"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=PUBLISHED) | Q(published_at__isnull=False),
                name="articles_article_published_has_published_at",
                violation_error_message="A published article needs a publication date and time.",
            ),
            models.UniqueConstraint(
                fields=["translation_of", "language"],
                name="articles_article_one_translation_per_language",
                violation_error_message="The source article already has a translation in this language.",
            ),
            models.CheckConstraint(
                condition=Q(treatment_type="", treatment_name="")
                | (~Q(treatment_type="") & ~Q(treatment_name="")),
                name="articles_article_treatment_type_and_name",
                violation_error_message="Give the treatment both a type and a name, or neither.",
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.next_review_due = self._next_review_due()
        self.lock_version += 1
        if self.pk is not None:
            # From the sections as stored now: this copy may have been loaded before they changed.
            statistics, spanish = section_statistics(Section.objects.filter(article_id=self.pk)).get(
                self.pk, (readability.TextStatistics(), readability_es.SpanishStatistics())
            )
            self.flesch_kincaid_grade, self.smog_grade = (
                statistics.flesch_kincaid_grade,
                statistics.smog_grade,
            )
            self.fernandez_huerta, self.szigriszt_pazos = spanish.fernandez_huerta, spanish.szigriszt_pazos
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "next_review_due", "lock_version"}
        super().save(*args, **kwargs)

    @classmethod
    def from_db(cls, db, field_names, values):
        article = super().from_db(db, field_names, values)
        # The translation link as loaded: the public side re-renders translation lists when it changes.
        article._loaded_translation_of_id = article.__dict__.get("translation_of_id")
        return article

    def clean(self):
        super().clean()
        self._clean_translation()
        if self.lead_image_id and self.clinic_id:
            image = Image.objects.filter(pk=self.lead_image_id).values("clinic_id").first()
            if image is None or image["clinic_id"] != self.clinic_id:
                raise ValidationError(
                    {"lead_image": "Choose a picture from this article's clinic's own image library."}
                )

    def _clean_translation(self):
        if not self.translation_of_id:
            self._clean_source()
            return
        source = (
            Article.objects.filter(pk=self.translation_of_id)
            .values("translation_of_id", "language", "clinic_id")
            .first()
        )
        if source is None:
            return
        if self.pk is not None and self.translation_of_id == self.pk:
            raise ValidationError({"translation_of": "An article cannot be a translation of itself."})
        if source["translation_of_id"]:
            raise ValidationError(
                {"translation_of": "Choose the original article, not another translation of it."}
            )
        if self.pk is not None and Article.objects.filter(translation_of_id=self.pk).exists():
            raise ValidationError(
                {"translation_of": "This article has translations of its own: it is a source."}
            )
        if source["clinic_id"] != self.clinic_id:
            raise ValidationError(
                {"translation_of": "A translation belongs to the same clinic as its source."}
            )
        if source["language"] == self.language:
            raise ValidationError({"language": "A translation is in another language than its source."})

    def _clean_source(self):
        """A source keeps its translations' clinic, and a language none of them has."""
        if self.pk is None:
            return
        translations = Article.objects.filter(translation_of_id=self.pk)
        if translations.exclude(clinic_id=self.clinic_id).exists():
            raise ValidationError(
                {"clinic": "This article has translations in its clinic: it stays with them."}
            )
        if translations.filter(language=self.language).exists():
            raise ValidationError({"language": "One of this article's translations is in that language."})

    @property
    def translation_group_id(self) -> int:
        """The source article's id: what a source and its translations share."""
        return self.translation_of_id or self.pk

    def _next_review_due(self):
        if self.last_reviewed_on is None:
            return None
        months = self.review_interval_months or settings.CLINICAL_REVIEW_INTERVAL_MONTHS
        return add_months(self.last_reviewed_on, months)


class ArticleCondition(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="article_conditions")
    condition = models.ForeignKey(
        Condition,
        on_delete=models.PROTECT,
        related_name="article_links",
        help_text="Start typing to find a condition.",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "condition treated"
        verbose_name_plural = "conditions treated"
        constraints = [
            models.UniqueConstraint(
                fields=["article", "condition"],
                name="articles_articlecondition_unique_condition",
                violation_error_message="This condition is already listed on the article.",
            ),
        ]

    def __str__(self):
        return f"condition #{self.position}"


class ArticleRisk(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="article_risks")
    risk = models.ForeignKey(
        Risk,
        on_delete=models.PROTECT,
        related_name="article_links",
        help_text="Start typing to find a risk.",
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "risk"
        verbose_name_plural = "risks and side effects"
        constraints = [
            models.UniqueConstraint(
                fields=["article", "risk"],
                name="articles_articlerisk_unique_risk",
                violation_error_message="This risk is already listed on the article.",
            ),
        ]

    def __str__(self):
        return f"risk #{self.position}"


class Section(ReadabilityFields):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(default=0)
    heading = models.CharField(
        max_length=200, help_text='A short heading; questions work well ("Does it hurt?").'
    )
    anchor = models.SlugField(
        max_length=80,
        blank=True,
        editable=False,
        help_text="Link target within the article, made from the first heading and then kept.",
    )
    body = ProseEditorField(
        extensions=SECTION_EDITOR_EXTENSIONS,
        sanitize=sanitize_rich_text,
        # Checked before sanitising, whose cost grows with the square of the nesting depth: a
        # section is a few hundred words, and this leaves room for ten times that.
        max_length=SECTION_BODY_MAX_LENGTH,
        help_text="The text of the section. Use the toolbar for bold, lists and links.",
        error_messages={"blank": "Write the text of this section, or delete the section."},
    )
    # Plain text of body, kept for search: matching HTML would find tag names.
    body_text = models.TextField(blank=True, editable=False)
    # Counts behind the grades; an article's grades come from its sections' summed counts.
    sentence_count = models.PositiveIntegerField(default=0, editable=False)
    word_count = models.PositiveIntegerField(default=0, editable=False)
    syllable_count = models.PositiveIntegerField(default=0, editable=False)
    polysyllable_count = models.PositiveIntegerField(default=0, editable=False)
    # The same text counted by Spanish rules (articles/readability_es.py): sentences, words, syllables.
    es_sentence_count = models.PositiveIntegerField(default=0, editable=False)
    es_word_count = models.PositiveIntegerField(default=0, editable=False)
    es_syllable_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["article", "anchor"], name="articles_section_unique_anchor"),
        ]

    def __str__(self):
        return self.heading

    def save(self, *args, **kwargs):
        self.derive()
        if not self.anchor:
            self.anchor = self._free_anchor()
        super().save(*args, **kwargs)

    def derive(self) -> None:
        """What every save computes from the body: sanitised HTML, plain text, reading grades.

        Raises ValidationError for a body over the section limit, before sanitising (whose cost
        grows with the square of the nesting depth) and after."""
        self._check_body_length()
        self.body = sanitize_rich_text(self.body)
        self._check_body_length()
        self.body_text = plain_text(self.body)
        self.measure_readability()

    def measure_readability(self) -> None:
        statistics = readability.measure(self.body_text)
        self.sentence_count = statistics.sentences
        self.word_count = statistics.words
        self.syllable_count = statistics.syllables
        self.polysyllable_count = statistics.polysyllables
        self.flesch_kincaid_grade = statistics.flesch_kincaid_grade
        self.smog_grade = statistics.smog_grade
        # Both languages' counts, every save: the article's language picks which scores count.
        spanish = readability_es.measure_es(self.body_text)
        self.es_sentence_count, self.es_word_count, self.es_syllable_count = (
            spanish.sentences,
            spanish.words,
            spanish.syllables,
        )
        self.fernandez_huerta, self.szigriszt_pazos = spanish.fernandez_huerta, spanish.szigriszt_pazos

    @property
    def spanish_statistics(self) -> readability_es.SpanishStatistics:
        return readability_es.SpanishStatistics(
            sentences=self.es_sentence_count, words=self.es_word_count, syllables=self.es_syllable_count
        )

    @property
    def statistics(self) -> readability.TextStatistics:
        return readability.TextStatistics(
            sentences=self.sentence_count,
            words=self.word_count,
            syllables=self.syllable_count,
            polysyllables=self.polysyllable_count,
        )

    def clean_fields(self, exclude=None):
        checks_body = "body" not in (exclude or ())
        if checks_body:
            self._check_body_length()  # before sanitising: its cost
        # Sanitise before the blank check: "<p></p>" or a lone <script> is an empty section.
        self.body = sanitize_rich_text(self.body)
        errors = {}
        try:
            super().clean_fields(exclude=exclude)
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        if checks_body and "body" not in errors:
            try:
                self._check_body_length()
            except ValidationError as error:
                errors = error.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def _check_body_length(self) -> None:
        try:
            check_section_body_length(self.body)
        except ValidationError as error:
            raise ValidationError({"body": error}) from None

    def _free_anchor(self) -> str:
        """The heading's slug, suffixed -2, -3... if another section of the article has it."""
        base = slugify(self.heading)[:70].strip("-") or "section"
        taken = set(
            Section.objects.filter(article_id=self.article_id)
            .exclude(pk=self.pk)
            .values_list("anchor", flat=True)
        )
        anchor, suffix = base, 2
        while anchor in taken:
            anchor, suffix = f"{base}-{suffix}", suffix + 1
        return anchor


class CandidateCriterion(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="candidate_criteria")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(
        max_length=300,
        help_text='One sentence about who the treatment suits, e.g. "Other treatments have not helped."',
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "candidate criterion"
        verbose_name_plural = "who is a good candidate"

    def __str__(self):
        return self.text


class Contraindication(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="contraindications")
    position = models.PositiveIntegerField(default=0)
    text = models.CharField(
        max_length=300,
        help_text='One reason the treatment is not safe for someone, e.g. "An infection that is not healed."',
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "contraindication"
        verbose_name_plural = "who should not have this treatment"

    def __str__(self):
        return self.text


DOI_PATTERN = re.compile(r"^10\.\d{4,9}/\S+$")
PUBMED_ID_PATTERN = re.compile(r"^[1-9][0-9]{0,8}$")
DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "http://dx.doi.org/", "doi:")


class Reference(models.Model):
    """A source the article is based on, listed in the editor's order."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="references")
    position = models.PositiveIntegerField(default=0)
    title = models.CharField(
        max_length=300, help_text="The source's title, e.g. the paper's or web page's title."
    )
    url = models.CharField(
        "web address",
        max_length=500,
        blank=True,
        validators=[validate_web_url],
        help_text="https:// address of the source. Give this, a DOI or a PubMed ID.",
    )
    doi = models.CharField(
        "DOI", max_length=200, blank=True, help_text='A DOI such as "10.1056/NEJMoa1234567".'
    )
    pubmed_id = models.CharField(
        "PubMed ID", max_length=9, blank=True, help_text='The number PubMed shows as PMID, e.g. "31234567".'
    )
    accessed_on = models.DateField(
        null=True, blank=True, help_text="When you last read the source (for web pages that change)."
    )

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = "reference"
        verbose_name_plural = "references (sources)"

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Front ends render the link as an href, whatever path saved it.
        self.clean()
        super().save(*args, **kwargs)

    def clean(self):
        self.url = self.url.strip()
        self.doi = self.doi.strip()
        for prefix in DOI_PREFIXES:
            if self.doi.lower().startswith(prefix):
                self.doi = self.doi[len(prefix) :]
        self.pubmed_id = self.pubmed_id.strip().removeprefix("PMID:").strip()
        errors = {}
        if self.url:
            try:
                validate_web_url(self.url)
            except ValidationError as error:
                errors["url"] = error
        if self.doi and not DOI_PATTERN.match(self.doi):
            errors["doi"] = 'A DOI starts with "10." and a slash follows the registrant, e.g. 10.1000/xyz123.'
        if self.pubmed_id and not PUBMED_ID_PATTERN.match(self.pubmed_id):
            errors["pubmed_id"] = "A PubMed ID is a number of up to nine digits."
        if not (self.url or self.doi or self.pubmed_id):
            errors["url"] = "Give the source's web address, DOI or PubMed ID, so readers can find it."
        if self.accessed_on and self.accessed_on > timezone.localdate():
            errors["accessed_on"] = "The date you read the source cannot be in the future."
        if errors:
            raise ValidationError(errors)

    @property
    def link(self) -> str:
        """Where a reader follows the source: its address, else its DOI or PubMed page."""
        if self.url:
            return self.url
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pubmed_id}/"


class ArticleTransition(models.Model):
    """One step of the editorial workflow: the audit trail of who moved an article, and why."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="transitions")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField("by", max_length=150, help_text="Kept even if the user is deleted.")
    at = models.DateTimeField("when", default=timezone.now)
    # One of articles.workflow.ACTIONS, or "edit" for the first change to an approved article.
    action = models.CharField(max_length=20, blank=True)
    from_state = models.CharField("from", max_length=20, choices=State.choices)
    to_state = models.CharField("to", max_length=20, choices=State.choices)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_from_state_display()} → {self.get_to_state_display()}"


class ClinicalReview(models.Model):
    """A clinician's sign-off of an article's medical content on a given day."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="clinical_reviews")
    reviewer = models.ForeignKey(Reviewer, on_delete=models.PROTECT, related_name="reviews")
    reviewed_on = models.DateField()
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-reviewed_on", "-pk"]

    def __str__(self):
        return f"review on {self.reviewed_on}"


class PreviewLink(models.Model):
    """A signed link that shows one saved version of an article to a front end before it is live."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="preview_links")
    version_id = models.PositiveBigIntegerField(help_text="The django-reversion Version shown.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"preview link {self.pk}"


class Publication(models.Model):
    """A version of an article that a reviewer approved for the public, frozen when approved.

    The working copy (the Article row and its children) goes on changing; a publication does not,
    but for its window: it is live from ``live_from`` until ``expires_at`` or ``ended_at``,
    whichever comes first. A newer approval ends the one before (when the newer goes live);
    unpublishing and archiving end it at once. Ended publications are kept: the record of what
    patients could read, and when. The public API reads only these, through its own projection
    (api/publications.py); shared vocabulary (conditions, risks, reviewers, the clinic) is shown
    as it is today, not as it was.
    """

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="publications")
    revision = models.ForeignKey(
        "reversion.Revision",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The saved version approved (its History entry).",
    )
    # The article and its children as approved: Django's JSON serialisation (articles/snapshots.py).
    content = models.TextField(editable=False)
    slug = models.SlugField(max_length=200, help_text="The address the version is published at.")
    title = models.CharField(max_length=200)
    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    approved_by_name = models.CharField(max_length=150, blank=True, help_text="Kept if the user is deleted.")
    approved_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(
        help_text="The publication date patients see: kept from the version this one replaces."
    )
    updated_at = models.DateTimeField(help_text="The update date patients see: when this version goes live.")
    live_from = models.DateTimeField(help_text="When this version goes live.")
    expires_at = models.DateTimeField(
        null=True, blank=True, help_text="When the article comes off the site by itself."
    )
    ended_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a newer version replaced this one, or it was unpublished or archived.",
    )

    objects = PublicationQuerySet.as_manager()

    class Meta:
        ordering = ["-live_from", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_at__isnull=True) | Q(expires_at__gt=F("live_from")),
                name="articles_publication_expires_after_going_live",
                violation_error_message="The article must come off the site after it goes live.",
            ),
        ]
        indexes = [
            models.Index(fields=["article", "live_from"], name="articles_pub_window_idx"),
            models.Index(fields=["slug"], name="articles_pub_slug_idx"),
        ]

    def __str__(self):
        return f"publication {self.pk}"

    def is_visible(self, now) -> bool:
        return (
            self.live_from <= now
            and (self.ended_at is None or self.ended_at > now)
            and (self.expires_at is None or self.expires_at > now)
        )

    @property
    def live_until(self):
        """When it stops being live: its take-down or end time, whichever comes first."""
        ends = [moment for moment in (self.expires_at, self.ended_at) if moment is not None]
        return min(ends, default=None)


class ImportedSource(models.Model):
    """A document (or one post of a WordPress export) imported as a draft: its hash, so that
    importing the same source again is noticed and offered as "skip" or "import as new"."""

    clinic = models.ForeignKey("clinics.Clinic", on_delete=models.CASCADE, related_name="+")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the source's bytes, in hex.")
    name = models.CharField(max_length=300, help_text="The file's name (and the post's title).")
    article = models.ForeignKey(Article, null=True, on_delete=models.SET_NULL, related_name="import_sources")
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-imported_at", "-pk"]
        indexes = [models.Index(fields=["clinic", "sha256"], name="articles_imported_hash_idx")]

    def __str__(self):
        return self.name


class ImportSuggestion(models.Model):
    """A list item of an imported document proposed as one of the article's structured rows (a
    condition treated, a risk, a candidate criterion, a contraindication). Nothing is saved as a
    row until the writer confirms it; dropping deletes the suggestion, never the section's text."""

    class Kind(models.TextChoices):
        CONDITION = "condition", "Condition treated"
        RISK = "risk", "Risk or side effect"
        CANDIDATE = "candidate", "Who is a good candidate"
        CONTRAINDICATION = "contraindication", "Who should not have this treatment"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="import_suggestions")
    position = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=300, help_text="The list item, as the document has it.")
    found_under = models.CharField(
        max_length=300, blank=True, help_text="The heading or lead-in sentence the list was under."
    )

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text


class ConditionCode(models.Model):
    """A code for a condition in a clinical code system (articles/codes.py): what an EHR sends
    (Infobutton), what ``?icd10=`` finds, and MedicalCode in the JSON-LD. ICD-10-CM codes are
    checked against the code set and stored dotted (G89.4); SNOMED CT concept ids for their form."""

    class System(models.TextChoices):
        ICD10CM = "icd10cm", "ICD-10-CM"
        SNOMED = "snomed", "SNOMED CT"

    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, related_name="codes")
    system = models.CharField(max_length=10, choices=System.choices, default=System.ICD10CM)
    code = models.CharField(
        max_length=18,
        help_text='ICD-10-CM: e.g. "G89.4" (or "G894"). SNOMED CT: a concept id, e.g. 82423001.',
    )
    display = models.CharField(
        max_length=300,
        blank=True,
        help_text="The code's name. Left empty, an ICD-10-CM code gets the code set's description.",
    )
    position = models.PositiveIntegerField(default=0)

    is_shared_vocabulary = True

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["condition", "system", "code"], name="articles_conditioncode_unique"
            )
        ]

    def __str__(self):
        return f"{self.get_system_display()} {self.code}"

    def save(self, *args, **kwargs):
        from articles import codes

        # Scripts and the importer too: stored normalised, described from the code set.
        self.code = codes.normalize(self.system, self.code)
        if self.system == codes.ICD10CM and not self.display:
            self.display = codes.icd10cm_description(self.code)[:300]
        super().save(*args, **kwargs)

    def clean(self):
        from articles import codes  # the code set loads on first use (articles/codes.py)

        super().clean()
        if self.system in codes.NORMALIZERS and self.code:
            try:
                self.code = codes.normalize(self.system, self.code)
            except codes.InvalidCode as error:
                raise ValidationError({"code": str(error)}, code="invalid") from error


class TopicTranslation(models.Model):
    """A condition's or risk's name and summary in another language, written and reviewed for it
    (never machine-filled): a Spanish article shows a reviewed one, else the original name."""

    language = models.CharField(max_length=10, choices=content_languages, help_text="Its language.")
    name = models.CharField(max_length=200, help_text="The name in that language.")
    summary = models.TextField(
        blank=True, help_text="One or two plain sentences a patient can understand, in that language."
    )
    reviewed_by = models.ForeignKey(
        Reviewer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The clinician who checked this translation. Patients see it only once checked.",
    )
    reviewed_on = models.DateField(null=True, blank=True, help_text="When it was checked.")

    class Meta:
        abstract = True
        ordering = ["language", "pk"]

    def __str__(self):
        return f"{self.name} ({self.language})"

    @property
    def is_reviewed(self) -> bool:
        return self.reviewed_by_id is not None and self.reviewed_on is not None

    def clean(self):
        super().clean()
        if bool(self.reviewed_by_id) != bool(self.reviewed_on):
            raise ValidationError(
                "Give both the clinician who checked the translation and the date, or neither."
            )
        if self.reviewed_on and self.reviewed_on > timezone.localdate():
            raise ValidationError({"reviewed_on": "The review date cannot be in the future."})


class ConditionTranslation(TopicTranslation):
    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, related_name="translations")

    class Meta(TopicTranslation.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["condition", "language"],
                name="articles_conditiontranslation_one_per_language",
                violation_error_message="This condition already has a name in this language.",
            )
        ]


class RiskTranslation(TopicTranslation):
    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="translations")

    class Meta(TopicTranslation.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["risk", "language"],
                name="articles_risktranslation_one_per_language",
                violation_error_message="This risk already has a name in this language.",
            )
        ]
