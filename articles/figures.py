"""Figures in section bodies: pictures from the clinic's image library, stored as references.

The editor (django-prose-editor's Figure, with our library as its picker) inserts
``<figure><img src=... alt=... data-file="42"><figcaption>...</figcaption></figure>``. What is stored
is always this canonical form, whatever was pasted or imported:

- every ``<img>`` names a library image by id (``data-file``); any other picture is dropped (a
  pasted ``src`` never survives: no hot-linked or inline bytes);
- its ``src`` is ours (media_library.urls.picture_path: the editor shows the picture with it) and is
  never served to the public, which gets HTML made by api/figures.py;
- ``alt`` is the text the writer saw and kept at insertion; absent or empty, the library image's
  own description is used (articles.accessibility: none at all blocks publishing);
- each ``<img>`` is the first child of its own ``<figure>``, followed by at most one
  ``<figcaption>`` (inline formatting only), and nothing else: text found around a picture is kept
  next to the figure, never lost; a figure is never inside a paragraph or heading.

The transformation runs on nh3's output (articles.rich_text), so it only meets allowed tags, and
it is idempotent: saving the stored body again changes nothing.
"""

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from media_library.models import visible_text
from media_library.urls import picture_path

VOID = {"img", "br"}
# Where a <figure> may not go: it is moved out, after the outermost of these.
PHRASING_ONLY = {"p", "h3", "h4", "strong", "em", "a", "figcaption"}
CAPTION_TAGS = {"strong", "em", "a", "br"}
_ID = re.compile(r"^[1-9][0-9]{0,17}$")


@dataclass
class Element:
    tag: str
    attrs: list[tuple[str, str | None]]
    children: list  # of Element and str (text, already escaped)


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)
        self.root = Element("", [], [])
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        element = Element(tag, attrs, [])
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Element(tag, attrs, []))

    def handle_endtag(self, tag):
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)

    def handle_entityref(self, name):
        self.stack[-1].children.append(f"&{name};")

    def handle_charref(self, name):
        self.stack[-1].children.append(f"&#{name};")


def parse(markup: str) -> Element:
    builder = _TreeBuilder()
    builder.feed(markup)
    builder.close()
    return builder.root


def serialize(nodes) -> str:
    out = []
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
            continue
        attributes = "".join(
            f' {name}="{html.escape(value or "", quote=True)}"' if value is not None else f" {name}"
            for name, value in node.attrs
        )
        out.append(f"<{node.tag}{attributes}>")
        if node.tag not in VOID:
            out.append(serialize(node.children))
            out.append(f"</{node.tag}>")
    return "".join(out)


def image_id_of(element: Element) -> int | None:
    value = dict(element.attrs).get("data-file") or ""
    return int(value) if _ID.match(value.strip()) else None


def _canonical_img(element: Element) -> Element | None:
    image_id = image_id_of(element)
    if image_id is None:
        return None
    attrs = [("src", picture_path(image_id))]
    alt = visible_text(dict(element.attrs).get("alt") or "")
    if alt:
        attrs.append(("alt", alt))
    attrs.append(("data-file", str(image_id)))
    return Element("img", attrs, [])


def _caption(children) -> Element | None:
    """A figcaption of inline content only (block tags are unwrapped, their text kept)."""
    inline = []

    def keep(nodes, into):
        for node in nodes:
            if isinstance(node, str):
                into.append(node)
            elif node.tag in CAPTION_TAGS:
                copy = Element(node.tag, node.attrs, [])
                keep(node.children, copy.children)
                into.append(copy)
            elif node.tag != "img":
                keep(node.children, into)
                if node.tag in {"p", "li", "h3", "h4", "blockquote"}:
                    into.append(" ")

    keep(children, inline)
    text = html.unescape(re.sub(r"<[^>]*>", "", serialize(inline))).strip()
    return Element("figcaption", [], _strip_edges(inline)) if text else None


def _strip_edges(nodes: list) -> list:
    nodes = list(nodes)
    while nodes and isinstance(nodes[0], str) and not nodes[0].strip():
        nodes.pop(0)
    while nodes and isinstance(nodes[-1], str) and not nodes[-1].strip():
        nodes.pop()
    if nodes and isinstance(nodes[0], str):
        nodes[0] = nodes[0].lstrip()
    if nodes and isinstance(nodes[-1], str):
        nodes[-1] = nodes[-1].rstrip()
    return nodes


def _figures_from(node: Element) -> tuple[list[Element], list]:
    """A pasted or nested figure's pictures as canonical figures (the first caption goes with the
    first picture), and whatever else it held, to be kept after them."""
    images, captions, rest = [], [], []

    def walk(children, into_rest):
        for child in children:
            if isinstance(child, str):
                into_rest.append(child)
            elif child.tag == "img":
                img = _canonical_img(child)
                if img is not None:
                    images.append(img)
            elif child.tag == "figcaption":
                captions.append(child)
            elif child.tag == "figure":
                walk(child.children, into_rest)
            else:
                copy = Element(child.tag, child.attrs, [])
                walk(child.children, copy.children)
                into_rest.append(copy)

    walk(node.children, rest)
    figures = []
    for index, img in enumerate(images):
        caption = _caption(captions[0].children) if index == 0 and captions else None
        figures.append(Element("figure", [], [img, *([caption] if caption else [])]))
    # A caption without its picture is kept as a paragraph of its text (inline content only).
    orphans = captions if not images else captions[1:]
    rest = [paragraph for c in orphans if (paragraph := _caption_paragraph(c)) is not None] + rest
    return figures, [node for node in rest if not (isinstance(node, str) and not node.strip())]


def _caption_paragraph(caption: Element) -> Element | None:
    inline = _caption(caption.children)
    return Element("p", [], inline.children) if inline is not None else None


def _is_empty(node) -> bool:
    """An element with no text and nothing in it (what moving a picture out can leave)."""
    if isinstance(node, str):
        return not html.unescape(node).strip()
    return node.tag not in VOID and all(_is_empty(child) for child in node.children)


def _transform(children: list, inside_phrasing: bool) -> tuple[list, list[Element]]:
    """(new children, figures to hoist out of a phrasing-only ancestor)."""
    result, hoisted = [], []
    for child in children:
        if isinstance(child, str):
            result.append(child)
            continue
        if child.tag in {"img", "figure"}:
            figures, rest = _figures_from(Element("figure", [], [child]))
            kept, more = _transform(rest, False)
            if inside_phrasing:
                # Everything the figure held goes out with it: blocks cannot stay in a paragraph.
                hoisted += figures + kept + more
            else:
                result += figures + kept + more
            continue
        if child.tag == "figcaption":  # outside any figure: a paragraph of its text
            paragraph = _caption_paragraph(child)
            if paragraph is None:
                continue
            child = paragraph
        phrasing = inside_phrasing or child.tag in PHRASING_ONLY
        new_children, lifted = _transform(child.children, phrasing)
        emptied = lifted and all(_is_empty(node) for node in new_children)
        if not emptied:  # a link or paragraph that held only the picture goes with it
            result.append(Element(child.tag, child.attrs, new_children))
        if inside_phrasing:
            hoisted += lifted
        else:
            result += lifted
    return result, hoisted


def canonicalize(cleaned: str) -> str:
    """nh3's output with its pictures in the canonical form (see the module's docstring)."""
    if "<img" not in cleaned and "<fig" not in cleaned:
        return cleaned
    children, hoisted = _transform(parse(cleaned).children, False)
    return serialize(children + hoisted).strip()


@dataclass(frozen=True)
class FigureRef:
    """One picture of a stored body: the library image, the alt text the writer kept (None: the
    library's applies), the caption's HTML (None: no caption)."""

    image_id: int
    alt: str | None
    caption_html: str | None


# The canonical form, as canonicalize() writes it (and nh3 keeps).
FIGURE = re.compile(
    r'<figure><img src="[^"]*"(?: alt="(?P<alt>[^"]*)")? data-file="(?P<id>\d+)">'
    r"(?:<figcaption>(?P<caption>.*?)</figcaption>)?</figure>",
    re.DOTALL,
)


def references(body: str) -> list[FigureRef]:
    """The pictures of a stored (canonical) body, in order."""
    if "<figure>" not in (body or ""):
        return []
    return [
        FigureRef(
            image_id=int(match["id"]),
            alt=html.unescape(match["alt"]) if match["alt"] is not None else None,
            caption_html=match["caption"],
        )
        for match in FIGURE.finditer(body)
    ]


def replace(body: str, render) -> str:
    """``body`` with each canonical figure replaced by ``render(FigureRef)`` (HTML, maybe "")."""
    if "<figure>" not in (body or ""):
        return body

    def one(match):
        return render(
            FigureRef(
                image_id=int(match["id"]),
                alt=html.unescape(match["alt"]) if match["alt"] is not None else None,
                caption_html=match["caption"],
            )
        )

    return FIGURE.sub(one, body)
