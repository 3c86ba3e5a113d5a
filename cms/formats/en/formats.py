"""How the admin shows dates and times in English: one format everywhere, as the home page's
panels write it: "30 Nov 2026" and "30 Nov 2026, 15:28" (day first and the month in words, so no
clinic misreads 03/04; a 24-hour clock).

Django's English locale would show "Nov. 30, 2026, 3:28 p.m." in lists and read-only fields, and a
locale's formats win over the DATE_FORMAT settings, hence this module (FORMAT_MODULE_PATH).
Formats not named here, such as the input formats of date fields, stay Django's.
"""

# No-break spaces (\xa0) inside the date: a narrow list column wraps a date-time after its comma,
# never between the day, the month and the year.
DATE_FORMAT = "j\xa0M\xa0Y"
DATETIME_FORMAT = "j\xa0M\xa0Y, H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
