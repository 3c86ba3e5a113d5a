"""Validation of what a clinic publishes: its links (every front end renders these as clickable
hrefs), and its language."""

import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.utils.deconstruct import deconstructible

# Social kinds must point at the network they claim to be; the key is the ContactLink kind.
SOCIAL_HOSTS = {
    "facebook": ("facebook.com", "fb.com"),
    "instagram": ("instagram.com",),
    "x": ("x.com", "twitter.com"),
    "linkedin": ("linkedin.com",),
    "youtube": ("youtube.com", "youtu.be"),
}
SOCIAL_NAMES = {
    "facebook": "Facebook",
    "instagram": "Instagram",
    "x": "X",
    "linkedin": "LinkedIn",
    "youtube": "YouTube",
}
PHONE_URL = re.compile(r"^tel:\+?[0-9().\-]{3,32}$")

validate_web_url_syntax = URLValidator(schemes=["http", "https"])


def _scheme(url: str) -> str:
    return url.split(":", 1)[0].strip().lower() if ":" in url else ""


def _host_matches(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == domain or host.endswith("." + domain) for domain in domains)


def validate_web_url(url: str) -> None:
    """A public http(s) address: not a local machine, not a bare IP on a private network."""
    if _scheme(url) not in ("http", "https"):
        raise ValidationError(
            "Enter a web address starting with https:// (or http://), e.g. https://www.example.org/.",
            code="scheme",
        )
    validate_web_url_syntax(url)
    host = (urlsplit(url).hostname or "").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if host == "localhost" or host.endswith(".localhost") or (address and not address.is_global):
        raise ValidationError(
            "This address points at a local or private machine; enter the public web address.",
            code="local_host",
        )


def validate_contact_url(kind: str, url: str) -> None:
    """Check ``url`` against what a contact link of ``kind`` must be; raise a readable error."""
    url = url.strip()
    scheme = _scheme(url)
    if kind == "phone":
        if scheme != "tel" or not PHONE_URL.match(url) or sum(c.isdigit() for c in url) < 3:
            raise ValidationError("A phone link must be a tel: number, e.g. tel:+17655550100.", code="phone")
        return
    if kind == "email":
        address = url[len("mailto:") :].split("?", 1)[0] if scheme == "mailto" else ""
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                "An email link must be a mailto: address, e.g. mailto:info@clinic.example.",
                code="email",
            ) from None
        return
    validate_web_url(url)
    if kind in SOCIAL_HOSTS:
        host = (urlsplit(url).hostname or "").lower()
        if not _host_matches(host, SOCIAL_HOSTS[kind]):
            allowed = " or ".join(SOCIAL_HOSTS[kind])
            raise ValidationError(f"{SOCIAL_NAMES[kind]} links must point to {allowed}.", code="host")


@deconstructible
class URLTemplateValidator:
    """A front-end address with ``placeholder`` (e.g. {slug}) where the value goes."""

    def __init__(self, placeholder: str):
        self.placeholder = placeholder

    def __call__(self, template: str) -> None:
        if self.placeholder not in template:
            raise ValidationError(
                f"The address must contain {self.placeholder}, where the value goes, "
                f"e.g. https://clinic.example/articles/{self.placeholder}.",
                code="placeholder",
            )
        if _scheme(template) not in ("http", "https"):
            raise ValidationError("Enter a web address starting with https:// (or http://).", code="scheme")
        validate_web_url_syntax(template.replace(self.placeholder, "x"))

    def __eq__(self, other):
        return isinstance(other, URLTemplateValidator) and other.placeholder == self.placeholder


ORIGIN = re.compile(r"^https?://[a-z0-9.-]+(:[0-9]{1,5})?$")


def validate_origins(text: str) -> None:
    """One browser origin per line: scheme, host and optional port, nothing else."""
    for line in text.splitlines():
        origin = line.strip().rstrip("/").lower()
        if origin and not ORIGIN.match(origin):
            raise ValidationError(
                f"“{line.strip()}” is not an origin: write scheme and host only, e.g. https://clinic.example.",
                code="origin",
            )


# An API key's rate, as DRF's throttles read it: "6000/min", "100/s", "50000/hour", "1000000/day".
RATE = re.compile(r"^[1-9][0-9]{0,8}/(s|sec|second|m|min|minute|h|hour|d|day)$")


def validate_rate(value: str) -> None:
    if value and not RATE.fullmatch(value):
        raise ValidationError(
            'Enter a number of requests per second, minute, hour or day, e.g. "6000/min" or "100/s"; '
            "leave empty for no limit.",
            code="invalid_rate",
        )


def validate_content_language(code: str) -> None:
    """One of the languages articles may be written in (settings.CONTENT_LANGUAGES)."""
    if code not in settings.CONTENT_LANGUAGES:
        names = ", ".join(f"{key} ({name})" for key, name in settings.CONTENT_LANGUAGES.items())
        raise ValidationError(f"Choose one of this site's languages: {names}.")
