from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = "Careleaf"

    def ready(self):
        from cms import checks  # noqa: F401  (registers the deploy checks)
