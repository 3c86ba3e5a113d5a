"""Rich text for section bodies: one allowlist, applied on every save (see Section.save)."""

import html
import re

import nh3

from articles import figures

ALLOWED_TAGS = {"p", "h3", "h4", "ul", "ol", "li", "strong", "em", "a", "blockquote", "br"}
# Library pictures (articles/figures.py): stored as references, never served as stored.
FIGURE_TAGS = {"figure", "figcaption", "img"}
# Attributes kept, by tag ("*": on every tag; ammonia's default, made explicit); every other attribute
# is dropped. Links also get rel=LINK_REL. An img's src is always dropped, then made again from its
# data-file (the library image's id) by articles.figures.
ALLOWED_ATTRIBUTES = {"*": {"lang", "title"}, "a": {"href"}}
FIGURE_ATTRIBUTES = {"img": {"alt", "data-file", "src"}}
ALLOWED_LINK_PREFIXES = ("http://", "https://", "mailto:", "tel:")
LINK_REL = "noopener noreferrer"
# Tags whose *content* is dropped too: keeping the text of a <script> would publish code as prose.
DROPPED_WITH_CONTENT = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "noscript",
    "template",
    "svg",
    "math",
}


def _only_absolute_safe_links(tag: str, attribute: str, value: str) -> str | None:
    # ammonia has already decoded entities here; a relative or protocol-relative (//host) href can
    # point anywhere the front end is hosted, so only the four absolute schemes survive.
    if tag == "a" and attribute == "href":
        href = value.strip()
        return href if href.lower().startswith(ALLOWED_LINK_PREFIXES) else None
    if tag == "img" and attribute == "src":
        return None  # pasted or hot-linked pictures never survive; figures.py writes ours
    return value


_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS | FIGURE_TAGS,
    clean_content_tags=DROPPED_WITH_CONTENT,
    attributes=ALLOWED_ATTRIBUTES | FIGURE_ATTRIBUTES,
    url_schemes={"http", "https", "mailto", "tel"},
    attribute_filter=_only_absolute_safe_links,
    strip_comments=True,
    link_rel=LINK_REL,
)
_TAG = re.compile(r"<[^>]*>")
_BLOCK_END = re.compile(r"</(?:p|li|h3|h4|blockquote|ul|ol|figcaption)>|<br\s*/?>")
_SPACES = re.compile(r"\s+")


def sanitize_rich_text(value: str) -> str:
    """Return ``value`` reduced to the allowed tags; an editor's empty paragraph becomes ''."""
    cleaned = (value or "").strip()
    # Moving pictures out of paragraphs can leave markup that cleaning shapes once more; a few
    # passes reach the fixed point, so saving a stored body again never changes it.
    for _ in range(3):
        again = figures.canonicalize(_cleaner.clean(cleaned).strip())
        if again == cleaned:
            break
        cleaned = again
    return cleaned if plain_text(cleaned) or "<figure>" in cleaned else ""


def plain_text(sanitized_html: str) -> str:
    """Text of already-sanitised HTML, one line per paragraph, list item or heading.

    Lines matter for readability: a list item without a full stop still ends a sentence.
    """
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", sanitized_html)))
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def allowed_html_description() -> str:
    """The allowlist in words, for the API schema (built from the constants above: it cannot drift)."""
    tags = ", ".join(f"<{tag}>" for tag in sorted(ALLOWED_TAGS))
    attributes = "; ".join(
        f"{'any tag' if tag == '*' else f'<{tag}>'}: {', '.join(sorted(names))}"
        for tag, names in sorted(ALLOWED_ATTRIBUTES.items())
    )
    return (
        f"Sanitised HTML. Only these tags: {tags}. Only these attributes: {attributes}. An href is an "
        f"absolute address starting with {', '.join(ALLOWED_LINK_PREFIXES)}, and links carry "
        f'rel="{LINK_REL}". Pictures from the clinic\'s library come as <figure> elements this API '
        "makes: <figure><picture><source type srcset sizes>...<img src srcset sizes width height alt "
        'loading="lazy" decoding="async"></picture><figcaption>caption <small>credit</small>'
        "</figcaption></figure> (the caption only when there is one). No classes, styles, ids, "
        "scripts or comments (docs/rich-text.md)."
    )
