"""`manage.py check --deploy`: settings Django cannot judge, but a clinic's site depends on."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register

FRONTEND_URL_SETTINGS = ["FRONTEND_ARTICLE_URL", "FRONTEND_PREVIEW_URL"]
# Empty is a choice here: no front-end preview page, staff preview in the admin instead.
OPTIONAL_FRONTEND_URL_SETTINGS = {"FRONTEND_PREVIEW_URL"}


@register(Tags.security, deploy=True)
def check_frontend_urls(app_configs, **kwargs):
    """Search engines read FRONTEND_ARTICLE_URL in the JSON-LD; staff open FRONTEND_PREVIEW_URL."""
    warnings = []
    for name in FRONTEND_URL_SETTINGS:
        if name in OPTIONAL_FRONTEND_URL_SETTINGS and not getattr(settings, name):
            continue
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


PROXY_SETTINGS = ["SECURE_PROXY_SSL_HEADER", "USE_X_FORWARDED_HOST", "USE_X_FORWARDED_PORT"]


@register(Tags.security, deploy=True)
def check_num_proxies(app_configs, **kwargs):
    """NUM_PROXIES decides every client's address for the rate limit and the login lockout.

    Django trusting a header that only a proxy writes says there is a proxy; NUM_PROXIES=0 then
    counts the proxy's address for every client, so the whole world shares one rate limit and
    five wrong passwords lock a username out for everyone. A negative count is never right.
    """
    num_proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES")
    if num_proxies is not None and num_proxies < 0:
        return [
            Warning(
                f"NUM_PROXIES is {num_proxies}: it counts the reverse proxies in front of the app.",
                hint="Set NUM_PROXIES to 0 (the app is reached directly), 1 (one reverse proxy) or 2 "
                "(a CDN and a proxy); see the README's Client addresses.",
                id="careleaf.W002",
            )
        ]
    trusted = [name for name in PROXY_SETTINGS if getattr(settings, name, None)]
    if trusted and not num_proxies:
        return [
            Warning(
                f"{' and '.join(trusted)} trust{'s' if len(trusted) == 1 else ''} a header only a "
                "reverse proxy writes, but NUM_PROXIES is 0: every client would be counted under the "
                "proxy's address, sharing one API rate limit and one login lockout.",
                hint="Set NUM_PROXIES to the number of proxies that append to X-Forwarded-For (1 for "
                "one reverse proxy, 2 for a CDN and a proxy); see the README's Client addresses.",
                id="careleaf.W002",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_webhook_destinations(app_configs, **kwargs):
    """Webhooks to http, or to this machine, are for local development: in production a staff
    member could point one at an internal service (SSRF)."""
    allowed = [name for name in ("WEBHOOKS_ALLOW_HTTP", "WEBHOOKS_ALLOW_LOOPBACK") if getattr(settings, name)]
    if not allowed:
        return []
    return [
        Warning(
            f"{' and '.join(allowed)} {'is' if len(allowed) == 1 else 'are'} on: webhooks may be sent "
            "over plain http or to this machine.",
            hint="Unset them in production (they default to off unless DJANGO_DEBUG is on).",
            id="careleaf.W003",
        )
    ]
