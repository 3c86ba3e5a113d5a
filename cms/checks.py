"""`manage.py check --deploy`: settings Django cannot judge, but a clinic's site depends on."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register

FRONTEND_URL_SETTINGS = ["FRONTEND_ARTICLE_URL", "FRONTEND_PREVIEW_URL"]


@register(Tags.security, deploy=True)
def check_frontend_urls(app_configs, **kwargs):
    """Search engines read FRONTEND_ARTICLE_URL in the JSON-LD; staff open FRONTEND_PREVIEW_URL."""
    warnings = []
    for name in FRONTEND_URL_SETTINGS:
        parts = urlsplit(getattr(settings, name))
        if parts.scheme != "https" or parts.hostname in (None, "localhost", "127.0.0.1"):
            warnings.append(
                Warning(
                    f"{name} is {getattr(settings, name)!r}: in production it must be the clinic "
                    "site's https:// address.",
                    hint=f"Set the {name} environment variable.",
                    id="careleaf.W001",
                )
            )
    return warnings
