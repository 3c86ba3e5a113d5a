"""Each clinic's own front-end origins (Clinic.allowed_origins), allowed to call the API from a
browser alongside the install's CORS_ALLOWED_ORIGINS, through django-cors-headers' signal."""

import re

from django.conf import settings
from django.core.cache import cache

from clinics.models import Clinic

CACHE_KEY = "clinic-origins:v1"


def clinic_origins() -> frozenset[str]:
    origins = cache.get(CACHE_KEY)
    if origins is None:
        origins = frozenset(
            origin
            for text in Clinic.objects.exclude(allowed_origins="").values_list("allowed_origins", flat=True)
            for origin in Clinic(allowed_origins=text).origins
        )
        cache.set(CACHE_KEY, origins, 300)
    return origins


def allow_clinic_origin(sender, request, **kwargs) -> bool:
    # The signal also decides whether CORS applies to a path at all: only the API's ever do.
    if not re.match(settings.CORS_URLS_REGEX, request.path_info):
        return False
    origin = (request.headers.get("Origin") or "").rstrip("/").lower()
    return bool(origin) and origin in clinic_origins()


def forget_origins(sender, **kwargs) -> None:
    cache.delete(CACHE_KEY)
