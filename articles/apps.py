from django.apps import AppConfig


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Articles"

    def ready(self):
        from articles import accessibility, readability, receivers
        from articles.revisions import register_models

        assert accessibility.check_blocking_setting  # registered: ACCESSIBILITY_BLOCKING names real checks
        register_models()
        receivers.connect()
        # Every save grades its sections, with a pronunciation dictionary that takes a second or
        # more to read: read it now, in a background thread, not in an editor's first save. Also
        # in management commands and tests: harmless (a daemon thread, ~0.6 s of CPU, ~11 MB), and
        # migrate, load_demo and imports grade text too.
        readability.start_loading()
