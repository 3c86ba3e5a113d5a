"""`manage.py check`: a CDN_PURGE_BACKENDS that cannot work fails at start, not at the first
publish (when the purge would only be logged)."""

from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured

from api import cdn


@register()
def check_purge_backends(app_configs, **kwargs):
    try:
        cdn.configured_backends()
    except ImproperlyConfigured as problem:
        return [
            Error(
                f"CDN_PURGE_BACKENDS: {problem}",
                hint="See api/cdn.py for each backend's options.",
                id="careleaf.E001",
            )
        ]
    return []
