# What a SlugField can hold. A URL with anything else in a slug's place cannot name a row, so it is
# a 404 before any query (and a NUL byte never reaches PostgreSQL, which would refuse it).
SLUG_PATTERN = r"[-a-zA-Z0-9_]+"
