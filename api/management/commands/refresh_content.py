from django.core.management.base import BaseCommand
from django.db import transaction

from api.publications import rebuild_all
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
        "Recompute what is derived from the content: the working copies' reading grades, then the "
        "public side (JSON, filters, search index) from the approved publications. Run it after bulk "
        "writes (QuerySet.update, bulk_create) and after a deploy that changes what the API writes. "
        "Public JSON that comes out the same keeps its ETag and cached responses."
    )

    def handle(self, *args, **options):
        with transaction.atomic():
            sections = list(Section.objects.only("pk", "body_text").select_for_update())
            for section in sections:
                section.measure_readability()
            Section.objects.bulk_update(sections, GRADED_FIELDS, batch_size=500)
            Article.objects.update_readability()
        count = rebuild_all()
        self.stdout.write(
            f"Refreshed the reading grades of {Article.objects.count()} articles "
            f"and {count} public versions (JSON, filters, search index)."
        )
