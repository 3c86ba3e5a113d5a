from django.core.management.base import BaseCommand
from django.db import transaction

from api.caching import bump_content_version
from api.rendering import rerender_all
from api.search import rebuild_search_index
from articles.models import Article, Section

GRADED_FIELDS = [
    "sentence_count",
    "word_count",
    "syllable_count",
    "polysyllable_count",
    "flesch_kincaid_grade",
    "smog_grade",
]


class Command(BaseCommand):
    help = (
        "Recompute what is derived from the content: reading grades, the search index and the stored "
        "API JSON, then retire cached responses. Run it after bulk writes (QuerySet.update, "
        "bulk_create) and after a deploy that changes what the API writes."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            sections = list(Section.objects.only("pk", "body_text").select_for_update())
            for section in sections:
                section.measure_readability()
            Section.objects.bulk_update(sections, GRADED_FIELDS, batch_size=500)
            Article.objects.update_readability()
            rebuild_search_index()
        count = rerender_all()
        with transaction.atomic():
            bump_content_version()
        self.stdout.write(f"Refreshed {count} articles: reading grades, search index and stored JSON.")
