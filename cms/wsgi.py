import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
# Serving requests: a query that takes longer than this is a 503, not a stuck worker.
os.environ.setdefault("DJANGO_DB_STATEMENT_TIMEOUT", "10")

django_application = get_wsgi_application()

from api.caching import ResponseCacheApp  # noqa: E402  (needs the settings loaded above)

application = ResponseCacheApp(django_application)
