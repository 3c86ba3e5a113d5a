"""Dates and times as the admin writes them in sentences: "30 Nov 2026, 14:02" (day first and the
month in words, so no clinic misreads 03/04; a 24-hour clock), in the site's time zone. The same
shape as DATETIME_FORMAT in cms/formats/en/formats.py, which templates use."""

from django.utils import timezone


def local_datetime(moment) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%b %Y}, {local:%H:%M}"
