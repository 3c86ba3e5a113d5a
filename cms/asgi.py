import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.settings")
# Serving requests: a query that takes longer than this is a 503, not a stuck worker.
os.environ.setdefault("DJANGO_DB_STATEMENT_TIMEOUT", "10")

application = get_asgi_application()
