"""What an import tells the writer, the same words in the admin and on the command line: each line
is (level, text), level "success", "warning" or "info"."""

from articles.importing.assemble import split_report
from articles.importing.drafts import ImportResult
from articles.models import ImportedSource, ImportSuggestion

KIND_NAMES = dict(ImportSuggestion.Kind.choices)


def _quoted(texts) -> str:
    return ", ".join(f"“{text}”" for text in texts)


def result_lines(result: ImportResult) -> list[tuple[str, str]]:
    """What the writer should know about one import, after the line that says it was imported."""
    lines = [("warning", note) for note in result.notes]
    if result.images:
        lines.append(("warning", pictures_line(len(result.images), result.images_with_alt)))
    if result.slug_changed:
        lines.append(
            (
                "warning",
                f"The slug “{result.wanted_slug}” was already taken by another article, "
                f"so this one is “{result.slug}”.",
            )
        )
    if result.left_out:
        lines.append(
            (
                "warning",
                "Left out as clinic information (check it against the clinic's profile): "
                f"{_quoted(result.left_out)}.",
            )
        )
    if result.skipped_headings:
        lines.append(
            ("warning", f"Left out headings with no text under them: {_quoted(result.skipped_headings)}.")
        )
    if result.split_sections:
        lines.append(("warning", split_report(result.split_sections)))
    if result.suggestions:
        by_kind: dict[str, list[str]] = {}
        for suggestion in result.suggestions:
            by_kind.setdefault(suggestion.kind, []).append(suggestion.text)
        found = "; ".join(f"{KIND_NAMES[kind].lower()}: {_quoted(texts)}" for kind, texts in by_kind.items())
        lines.append(
            (
                "info",
                f"{len(result.suggestions)} suggestion{'' if len(result.suggestions) == 1 else 's'} from its "
                f"lists, saved only when you confirm them on the article's suggestions page: {found}.",
            )
        )
    return lines


def pictures_line(added: int, with_alt: int) -> str:
    """What the writer is told of the pictures an import added to the clinic's library."""
    pictures = "1 picture" if added == 1 else f"{added} pictures"
    line = (
        f"Added {pictures} to the clinic's image library, marked as needing alt text. Each needs alt "
        "text (what it shows, for patients who cannot see it) before the article can be published: "
        "describe it in the image library or in its figure, or mark it decorative."
    )
    if with_alt:
        which = "1 figure has" if with_alt == 1 else f"{with_alt} figures have"
        line += f" {which} alt text from the document: check it says what the picture shows."
    return line


def duplicate_line(name: str, previous: ImportedSource) -> str:
    when = previous.imported_at.date().isoformat()
    became = (
        f"as “{previous.article.title}”" if previous.article is not None else "(that draft was deleted since)"
    )
    return (
        f"Skipped {name}: the same file was imported on {when} {became}. "
        "Choose “import as new” to import it again."
    )
