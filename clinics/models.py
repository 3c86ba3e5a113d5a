from django.core.exceptions import ValidationError
from django.db import models

from clinics.validators import validate_contact_url, validate_web_url


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
        super().save(*args, **kwargs)


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
