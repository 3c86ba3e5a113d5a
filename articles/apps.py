from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from articles import receivers
        from articles.revisions import register_models

        register_models()
        receivers.connect()
