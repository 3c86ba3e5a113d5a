from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from clinics.validators import (
    URLTemplateValidator,
    validate_contact_url,
    validate_content_language,
    validate_origins,
    validate_rate,
    validate_web_url,
)


class Clinic(models.Model):
    name = models.CharField(max_length=200, help_text="The clinic's name as patients know it.")
    slug = models.SlugField(
        max_length=200,
        unique=True,
        help_text="Used in web addresses. Lowercase letters, numbers and hyphens; filled from the name.",
    )
    description = models.TextField(
        blank=True, help_text="One or two sentences about the clinic, in plain words."
    )
    specialty = models.CharField(
        "medical specialty",
        max_length=120,
        blank=True,
        help_text='The clinic\'s field of medicine, e.g. "Pain management".',
    )
    street_address = models.CharField(
        max_length=200, blank=True, help_text="Street and number, e.g. 123 Main Street, Suite 4."
    )
    city = models.CharField(max_length=100, blank=True, help_text="Town or city.")
    region = models.CharField(
        "state / region", max_length=100, blank=True, help_text='State or region, e.g. "IN".'
    )
    postal_code = models.CharField(max_length=20, blank=True, help_text="ZIP or postal code.")
    country = models.CharField(max_length=2, default="US", help_text='Two-letter country code, e.g. "US".')
    phone = models.CharField(
        max_length=40, blank=True, help_text="Main phone number as patients should dial it."
    )
    email = models.EmailField(blank=True, help_text="Public email address for patients.")
    website = models.URLField(
        blank=True,
        validators=[validate_web_url],
        help_text="The clinic's own website, starting with https://.",
    )
    # Public settings: empty means the install's default (the environment variable).
    # db_default: rows inserted by code that predates these columns (older migrations) still save.
    default_language = models.CharField(
        max_length=10,
        default="en",
        # Also the database's default: code (or a migration state) that predates the column inserts too.
        db_default="en",
        validators=[validate_content_language],
        help_text='The language of most of its articles (a code such as "en" or "es"): the API lists '
        "articles in it unless asked for another.",
    )
    is_public = models.BooleanField(
        "listed before its first article",
        default=False,
        db_default=False,
        help_text="The public API lists a clinic once it has a published article; tick to list it before.",
    )
    article_url_template = models.CharField(
        "front-end article address",
        max_length=300,
        blank=True,
        default="",
        db_default="",
        validators=[URLTemplateValidator("{slug}")],
        help_text="Where patients read an article on this clinic's site, with {slug}, e.g. "
        "https://clinic.example/articles/{slug}. Empty: the install's default.",
    )
    preview_url_template = models.CharField(
        "front-end preview address",
        max_length=300,
        blank=True,
        default="",
        db_default="",
        validators=[URLTemplateValidator("{token}")],
        help_text="The front end's preview page, with {token}, e.g. "
        "https://clinic.example/preview?token={token}. Empty: the install's default.",
    )
    allowed_origins = models.TextField(
        "front-end origins",
        blank=True,
        default="",
        db_default="",
        validators=[validate_origins],
        help_text="The clinic's sites allowed to call the API from a browser (CORS), one per line, e.g. "
        "https://clinic.example. Added to the install's own list.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        # Like ContactLink.url: front ends link to it, whatever path saved it.
        if self.website:
            validate_web_url(self.website)
        for field in ("article_url_template", "preview_url_template", "allowed_origins"):
            value = getattr(self, field)
            if isinstance(value, str) and value:
                self._meta.get_field(field).run_validators(value)
        super().save(*args, **kwargs)

    def article_url(self, slug: str) -> str:
        template = self.article_url_template or settings.FRONTEND_ARTICLE_URL
        return template.replace("{slug}", slug)

    def preview_url(self, token: str) -> str:
        return (self.preview_url_template or settings.FRONTEND_PREVIEW_URL).replace("{token}", token)

    @property
    def origins(self) -> list[str]:
        return [
            line.strip().rstrip("/").lower() for line in self.allowed_origins.splitlines() if line.strip()
        ]


class ContactLink(models.Model):
    class Kind(models.TextChoices):
        WEBSITE = "website", "Website"
        FACEBOOK = "facebook", "Facebook"
        INSTAGRAM = "instagram", "Instagram"
        X = "x", "X (Twitter)"
        LINKEDIN = "linkedin", "LinkedIn"
        YOUTUBE = "youtube", "YouTube"
        PHONE = "phone", "Phone"
        EMAIL = "email", "Email"
        BOOKING = "booking", "Online booking"
        MAP = "map", "Map / directions"
        OTHER = "other", "Other"

    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="contact_links")
    kind = models.CharField(
        max_length=20,
        choices=Kind.choices,
        help_text="What the link is; it decides how it is checked.",
    )
    label = models.CharField(
        max_length=100,
        blank=True,
        help_text='Optional text to show instead of the address, e.g. "Call the front desk".',
    )
    url = models.CharField(
        "address",
        max_length=500,
        help_text=(
            "Web links start with https://; a phone link is tel:+17655550100; "
            "an email link is mailto:info@clinic.example."
        ),
    )
    position = models.PositiveIntegerField(default=0, db_index=True)

    class Meta:
        ordering = ["position", "pk"]

    def __str__(self):
        return self.label or self.get_kind_display()

    def save(self, *args, **kwargs):
        # Front ends render this as an href: an unchecked value is stored XSS, whatever path saved it.
        self.clean()
        super().save(*args, **kwargs)

    def clean(self):
        self.url = self.url.strip()
        if self.kind and self.url:
            try:
                validate_contact_url(self.kind, self.url)
            except ValidationError as error:
                raise ValidationError({"url": error}) from None


class Membership(models.Model):
    """A person's role in a clinic. Staff see and touch only their clinics' content (clinics/roles.py).

    A membership with no clinic holds the role in every clinic: the agency's or hospital group's
    own staff. An organisation-wide Clinic admin is the organisation's administrator: the one
    role that changes shared vocabulary (conditions, risks) and manages every clinic's people.
    """

    class Role(models.TextChoices):
        WRITER = "writer", "Writer"
        REVIEWER = "reviewer", "Clinical reviewer"
        CLINIC_ADMIN = "clinic_admin", "Clinic admin"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(
        Clinic,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="memberships",
        help_text="Leave empty for every clinic (organisation-wide).",
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["clinic__name", "user__username", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "clinic", "role"], name="clinics_membership_unique"),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=models.Q(clinic__isnull=True),
                name="clinics_membership_unique_organisation_wide",
            ),
        ]

    def __str__(self):
        return f"{self.user} – {self.get_role_display()} – {self.clinic or 'every clinic'}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # A role is work in the admin: staff status follows it (and grants nothing by itself).
        type(self.user).objects.filter(pk=self.user_id, is_staff=False).update(is_staff=True)


class ApiKey(models.Model):
    """A key for a clinic's own servers (a server-side-rendered front end): requests carrying it
    in ``Authorization: Bearer clk_<prefix>_<secret>`` are counted in the key's own bucket at its
    rate instead of their address's anonymous one (clinics/api_keys.py). A key is not a login: it
    opens nothing, and the API answers the same with or without it.

    Only the SHA-256 of the key is kept; the admin shows the key once, when it is made.
    """

    name = models.CharField(
        max_length=100, help_text='What uses the key, e.g. "Main website (Next.js server)".'
    )
    clinic = models.ForeignKey(
        Clinic,
        on_delete=models.CASCADE,
        related_name="api_keys",
        help_text="The clinic whose servers use it.",
    )
    prefix = models.CharField(
        max_length=12, unique=True, editable=False, help_text="The key's public part, to recognise it."
    )
    key_hash = models.CharField("SHA-256 of the key", max_length=64, unique=True, editable=False)
    rate = models.CharField(
        "rate limit",
        max_length=20,
        blank=True,
        validators=[validate_rate],
        help_text='Requests allowed to this key, e.g. "6000/min" or "100/s". Empty: no limit.',
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text="To the minute: noted at most once a minute."
    )

    class Meta:
        ordering = ["clinic__name", "name", "pk"]
        verbose_name = "API key"

    def __str__(self):
        return f"{self.name} (clk_{self.prefix}_…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self) -> None:
        """Refused from now on (saving it clears the cached lookup: clinics/api_keys.py)."""
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
