from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from articles import importing
from clinics.models import Clinic


class Command(BaseCommand):
    help = (
        "Import a Markdown, HTML or plain-text document as a draft article of a clinic. The first "
        "heading becomes the title, the first paragraph the summary, each further heading a section. "
        "Nothing is published, and nothing is saved if the document is refused."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The document: a .md, .markdown, .html, .htm or .txt file (UTF-8).")
        parser.add_argument("--clinic", required=True, help="The slug of the clinic that publishes it.")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=importing.FORMATS,
            help="Read the file as this format, whatever its extension.",
        )

    def handle(self, *args, path, clinic, file_format=None, **options):
        try:
            owner = Clinic.objects.get(slug=clinic)
        except Clinic.DoesNotExist:
            raise CommandError(f"Not imported: there is no clinic with the slug “{clinic}”.") from None
        try:
            result = importing.import_article(
                _read(Path(path)), filename=path, clinic=owner, file_format=file_format
            )
        except importing.ImportRefused as refusal:
            raise CommandError(f"Not imported: {refusal.reason}") from None

        article = result.article
        self.stdout.write(
            self.style.SUCCESS(f"Imported “{article.title}” as a draft article of {owner.name}.")
        )
        self.stdout.write(f"  Slug: {result.slug}")
        if result.slug_changed:
            self.stdout.write(
                self.style.WARNING(
                    f"  The slug “{result.wanted_slug}” was already taken by another article, "
                    f"so this one is “{result.slug}”."
                )
            )
        self.stdout.write(f"  Sections: {result.section_count}")
        if result.skipped_headings:
            headings = ", ".join(f"“{heading}”" for heading in result.skipped_headings)
            self.stdout.write(self.style.WARNING(f"  Left out headings with no text under them: {headings}"))
        if result.split_sections:
            self.stdout.write(self.style.WARNING(f"  {importing.split_report(result.split_sections)}"))
        self.stdout.write(f"  Edit it at: {reverse('admin:articles_article_change', args=[article.pk])}")


def _read(path: Path) -> bytes:
    try:
        with path.open("rb") as document:
            # One byte over the limit is enough to refuse: a huge file is never read whole.
            return document.read(importing.MAX_BYTES + 1)
    except FileNotFoundError:
        raise CommandError(f"Not imported: there is no file {path}.") from None
    except IsADirectoryError:
        raise CommandError(f"Not imported: {path} is a folder, not a file.") from None
    except OSError as error:
        raise CommandError(f"Not imported: {path} cannot be read ({error.strerror}).") from None
