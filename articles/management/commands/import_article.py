from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from articles import importing
from articles.importing import report
from clinics.models import Clinic


class Command(BaseCommand):
    help = (
        "Import documents as draft articles of a clinic: Markdown, HTML, plain text, Word (.docx) or a "
        "WordPress export (.xml, every post and page). Give several files, or a folder (every document "
        "in it and its subfolders). The first heading becomes the title, each further heading a section. "
        "Nothing is published; a refused document saves nothing, and the others are still imported. "
        "A file imported into the clinic before is skipped unless --duplicates=new. Pictures: a Word "
        "file's own, and those a Markdown or HTML file shows that are in its folder (or a folder under "
        "it, or named on the command line), go to the clinic's image library, needing alt text."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="path", help="Files or folders to import.")
        parser.add_argument("--clinic", required=True, help="The slug of the clinic that publishes them.")
        parser.add_argument(
            "--format",
            dest="file_format",
            choices=importing.FORMATS,
            help="Read every file as this format, whatever its extension.",
        )
        parser.add_argument(
            "--duplicates",
            choices=["skip", "new"],
            default="skip",
            help="A file imported into this clinic before: skip it (the default), or import it as new.",
        )

    def handle(self, *args, paths, clinic, file_format=None, duplicates="skip", **options):
        try:
            owner = Clinic.objects.get(slug=clinic)
        except Clinic.DoesNotExist:
            raise CommandError(f"Not imported: there is no clinic with the slug “{clinic}”.") from None
        named_pictures = [Path(name) for name in paths if _is_named_picture(Path(name))]
        paths = [name for name in paths if not _is_named_picture(Path(name))]
        if not paths:
            raise CommandError(
                "Not imported: only pictures were named; name the document that shows them too."
            )
        files = _files(paths)
        self.named_pictures = named_pictures
        if len(paths) == 1 and not Path(paths[0]).is_dir():
            # One file: a refusal is the command's error, as it always was.
            self._import(files[0], owner, file_format, duplicates, fail=True)
            return
        outcomes = [self._import(path, owner, file_format, duplicates, fail=False) for path in files]
        summary = (
            f"{outcomes.count('imported')} imported, {outcomes.count('skipped')} skipped, "
            f"{outcomes.count('refused')} refused, of {len(files)} file{'' if len(files) == 1 else 's'}."
        )
        if "refused" in outcomes:
            raise CommandError(f"Not all imported: {summary}")
        self.stdout.write(self.style.SUCCESS(summary))

    def _import(self, path: Path, owner: Clinic, file_format, duplicates: str, *, fail: bool) -> str:
        try:
            data = _read(path)
            if importing.is_wordpress_export(path.name, file_format):
                export = importing.import_wordpress(
                    data, clinic=owner, by=None, filename=path.name, on_duplicate=duplicates
                )
                for line in export.lines():
                    self.stdout.write(f"  {line}")
                if export.failed:
                    # Its other posts are imported; the command still says that not all were.
                    raise importing.ImportRefused(
                        f"{len(export.failed)} of its posts and pages failed (see above)."
                    )
                return "imported"
            sha256 = importing.document_hash(data, path.name)
            previous = importing.previous_imports(owner, [sha256]).get(sha256)
            if previous is not None and duplicates == "skip":
                self.stdout.write(self.style.WARNING(report.duplicate_line(path.name, previous)))
                return "skipped"
            document = importing.parse_document(
                data,
                filename=path.name,
                file_format=file_format,
                clinic=owner,
                pictures=_pictures_near(path, getattr(self, "named_pictures", [])),
            )
            result = importing.create_draft(document, clinic=owner, source=path.name, sha256=sha256)
        except (importing.ImportRefused, CommandError) as refusal:
            reason = refusal.reason if isinstance(refusal, importing.ImportRefused) else str(refusal)
            if fail:
                raise CommandError(f"Not imported: {reason}") from None
            self.stderr.write(f"Not imported: {path}: {reason}")
            return "refused"
        self._report(result, owner)
        return "imported"

    def _report(self, result: importing.ImportResult, owner: Clinic) -> None:
        article = result.article
        self.stdout.write(
            self.style.SUCCESS(f"Imported “{article.title}” as a draft article of {owner.name}.")
        )
        self.stdout.write(f"  Slug: {result.slug}")
        self.stdout.write(f"  Sections: {result.section_count}")
        for level, text in report.result_lines(result):
            self.stdout.write(self.style.WARNING(f"  {text}") if level == "warning" else f"  {text}")
        self.stdout.write(f"  Edit it at: {reverse('admin:articles_article_change', args=[article.pk])}")


def _files(paths: list[str]) -> list[Path]:
    """The files named, and the documents inside the folders named (sorted, hidden files left out)."""
    files = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found = sorted(
                child
                for child in path.rglob("*")
                if child.is_file()
                and child.suffix.lower() in importing.IMPORTABLE_EXTENSIONS
                and not any(part.startswith(".") for part in child.relative_to(path).parts)
            )
            if not found:
                raise CommandError(f"Not imported: the folder {path} has no documents to import.")
            files += found
        else:
            files.append(path)
    return files


# Pictures looked for next to a document: in its folder and folders under it, this deep, and at most
# this many entries looked at (a document in a home folder must not make the command walk the disk).
PICTURE_FOLDER_DEPTH = 2
MAX_ENTRIES_LOOKED_AT = 2_000


def _is_named_picture(path: Path) -> bool:
    return importing.is_picture_name(path.name) and not path.is_dir()


def _pictures_near(document: Path, named: list[Path]) -> importing.LocalFiles:
    """The picture files a document may show: those named on the command line, and those in its
    folder and the folders under it (hidden ones left out)."""
    found, looked_at = list(named), 0
    folder = document.parent
    pending = [(folder, 0)]
    while pending and looked_at < MAX_ENTRIES_LOOKED_AT:
        current, depth = pending.pop(0)
        try:
            children = sorted(current.iterdir())
        except OSError:
            continue
        for child in children:
            looked_at += 1
            if looked_at > MAX_ENTRIES_LOOKED_AT or child.name.startswith("."):
                continue
            if child.is_dir() and not child.is_symlink():
                if depth < PICTURE_FOLDER_DEPTH:
                    pending.append((child, depth + 1))
            elif child.is_file() and importing.is_picture_name(child.name):
                found.append(child)
    unique = {}
    for path in found:
        unique.setdefault(path.resolve(), path)
    return importing.LocalFiles.from_paths(list(unique.values()))


def _read(path: Path) -> bytes:
    limit = importing.max_bytes(path.name)
    try:
        with path.open("rb") as document:
            # One byte over the limit is enough to refuse: a huge file is never read whole.
            return document.read(limit + 1)
    except FileNotFoundError:
        raise CommandError(f"there is no file {path}.") from None
    except IsADirectoryError:
        raise CommandError(f"{path} is a folder, not a file.") from None
    except OSError as error:
        raise CommandError(f"{path} cannot be read ({error.strerror}).") from None
