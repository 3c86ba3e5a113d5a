from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Public API"

    def ready(self):
        from api import checks, receivers  # noqa: F401  (checks registers itself)

        receivers.connect()
