"""Accessibility checks of an article, and the PEMAT items a machine can check.

``check(article, sections, images)`` lists what keeps some patients from reading an article: a
picture without alt text, a heading level skipped, a link that says "click here"... in article
order (the lead image, then each section, then the whole article). Each issue is an "error" when
its code is in ``settings.ACCESSIBILITY_BLOCKING`` (``["all"]``: every code), which blocks
publishing (``blocking(issues)``), else a "warning".

``suggestions(article, sections)`` lists what the Patient Education Materials Assessment Tool
(PEMAT, AHRQ) asks for and a machine can see in English text: numbers said in words too, and an
action for the reader at the end. They are level "suggestion" and never block.

Both work on saved rows and on unsaved ones (a snapshot's, articles/snapshots.py) alike, and never
query the database: ``images`` is the clinic's library images the article names, by id (a
snapshot's, articles.snapshots.attach_images); an id missing from it is a deleted image or another
clinic's.

HTML structure is read with Python's ``html.parser``; regular expressions only look at words.
"""

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html.parser import HTMLParser

from django.conf import settings
from django.core import checks

from articles import figures
from articles.readability import split_sentences
from articles.rich_text import plain_text

ERROR = "error"
WARNING = "warning"
SUGGESTION = "suggestion"
ALL = "all"

# Every accessibility check, by code (used in settings.ACCESSIBILITY_BLOCKING and the README).
CODES = {
    "image_alt_missing": "A picture has no alt text and is not marked decorative.",
    "image_not_found": "A picture names an image that is no longer in the clinic's library.",
    "alt_text_file_name": 'Alt text that looks like a file name ("IMG_1234.JPG", "pump.png").',
    "alt_text_redundant": 'Alt text that starts with "image of", "photo of"...',
    "heading_skipped": "A heading level skipped in a section (a level-4 heading without a level-3 one).",
    "heading_empty": "A heading with no text.",
    "list_item_empty": "A list item with no text.",
    "link_text_vague": 'A link whose text says nothing about where it goes ("click here", "read more").',
    "link_text_url": "A link whose text is a bare web address.",
    "language_missing": "The article's language is not set, or is not one the site offers.",
    "table_without_headers": "A table without header cells.",
}
# The PEMAT suggestions (never blocking).
SUGGESTION_CODES = {
    "numbers_without_words": 'A percentage or fraction not also said in words ("about 1 in 3 people").',
    "no_action_for_reader": "The last section does not tell readers what to do.",
}


@dataclass(frozen=True)
class Issue:
    code: str
    message: str
    section: str | None  # the section's anchor; None: the whole article (or its lead image)
    level: str  # "error" (blocks publishing), "warning" or "suggestion"

    @property
    def blocks(self) -> bool:
        """Whether the issue keeps the article from being published."""
        return self.level == ERROR


def blocking(issues: Iterable[Issue]) -> list[Issue]:
    """The issues that keep the article from being published."""
    return [issue for issue in issues if issue.blocks]


def blocking_codes() -> set[str]:
    """The codes settings.ACCESSIBILITY_BLOCKING makes errors (read on each call: tests override it)."""
    configured = set(getattr(settings, "ACCESSIBILITY_BLOCKING", []))
    return set(CODES) if ALL in configured else configured & set(CODES)


def level_of(code: str) -> str:
    return ERROR if code in blocking_codes() else WARNING


# --- Names in messages ---------------------------------------------------------------------------


def quoted(text: str) -> str:
    return f"“{text}”"


def _section_name(section, index: int) -> str:
    heading = " ".join((section.heading or "").split())
    return f"the section {quoted(heading)}" if heading else f"section {index} (no heading)"


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- Alt text ------------------------------------------------------------------------------------

_IMAGE_EXTENSIONS = (
    "jpe?g|jfif|png|gif|webp|avif|heic|heif|bmp|tiff?|svg|ico|psd|ai|eps|raw|cr2|nef|dng|"
    "pdf|docx?|pptx?|xlsx?|mp4|mov"
)
_FILE_NAME_PATTERNS = [
    # ... with a file extension: "pump.png", "Screenshot 2024-01-02 at 10.11.12.png", "pump (1).JPG".
    re.compile(rf"[\w)\]-]\.(?:{_IMAGE_EXTENSIONS})$", re.IGNORECASE),
    # A camera's, phone's or scanner's name: "IMG_1234", "DSC00012", "PXL_20240102_101112345".
    re.compile(
        r"^(?:img|dsc[nfr]?|dcim|pxl|mvimg|gopr|dji|sam|wp|vid|pano|burst|scan|p)[\s_-]?\d{2,}\S*$",
        re.IGNORECASE,
    ),
    # An editor's or app's default name: "image1", "Photo 2", "untitled-1", "download (3)". (A bare
    # "image" or "photo" is alt_text_redundant's.)
    re.compile(
        r"^(?:image|photo|pic|picture|graphic|copy|clip ?image|capture|file|figure|fig)[\s_-]*\(?\d+\)?$",
        re.IGNORECASE,
    ),
    re.compile(
        r"^(?:img|untitled|unnamed|download|attachment|placeholder|no[\s_-]?name)(?:[\s_-]*\(?\d+\)?)?$",
        re.IGNORECASE,
    ),
    # Screenshots: "Screenshot 2024-01-02 at 10.11.12", "Screen Shot 2019-…", "Screenshot (12)",
    # "Screenshot from 2024-01-02 10-11-12", "Screenshot_20240102-101112".
    re.compile(r"^screen[\s_-]?shot(?:s)?(?:$|[\s_-]*(?:\d|\(\d|from\s+\d))", re.IGNORECASE),
    re.compile(r"^whatsapp\s+(?:image|video)\s+\d", re.IGNORECASE),
    # Stock photo numbers: "shutterstock_123456789", "iStock-123456789", "AdobeStock_12345".
    re.compile(r"^[a-z]+[_-]?\d{4,}$", re.IGNORECASE),
    # A web address or a path: "https://…", "www.…", "C:\\Users\\…", "images/pump-2", "/media/x".
    re.compile(r"^(?:https?://|www\.|file:|data:|[a-z]:\\)", re.IGNORECASE),
    re.compile(r"^(?![^\W_]+/[^\W_]+$)\S*[/\\]\S*$"),  # not "before/after" or "120/80"
    # A hash or number: "3f2a9c1e-77b0-…", "20240102_101112".
    re.compile(r"^(?=\S*\d)[0-9a-f]{8,}(?:-[0-9a-f]{2,})*$", re.IGNORECASE),
    re.compile(r"^[\d\s_.:()-]{4,}$"),
]


def looks_like_file_name(alt: str) -> bool:
    """Whether alt text reads like a file name, not a description.

    A sentence that mentions a format ("A chart, saved as a png file") is not one; a single "word"
    with underscores, or with two or more hyphens and no space ("pump_diagram_v2",
    "pump-diagram-final"), is."""
    alt = " ".join(alt.split())
    if not alt:
        return False
    if any(pattern.search(alt) for pattern in _FILE_NAME_PATTERNS):
        return True
    return " " not in alt and ("_" in alt or alt.count("-") >= 2)


_REDUNDANT = re.compile(
    r"^(?:(?:this\s+is\s+)?(?:an?|the|this)\s+)?"
    r"(?:image|picture|photo|photograph|graphic|pic|stock\s+photo)s?"
    r"(?:$|\s*[:.]|\s+[-–—]\s|\s+(?:of|showing|shows|that\s+shows|which\s+shows|depicting|"
    r"displaying|featuring|with|about|describing|illustrating|taken)\b)",
    re.IGNORECASE,
)


def is_redundant(alt: str) -> bool:
    """Whether alt text starts by saying it is a picture ("Image of…", "A photo showing…", "Photo"):
    screen readers say so already. "A drawing of…" or "A diagram of…" tells something, and passes."""
    return bool(_REDUNDANT.search(" ".join(alt.split())))


def _library_alt(image) -> str | None:
    """A library image's alt text: "" for a decorative one, None when it has none."""
    if getattr(image, "is_decorative", False):
        return ""
    alt = figures.visible_text(getattr(image, "alt_text", "") or "")
    return alt or None


@dataclass(frozen=True)
class EffectiveAlt:
    text: str | None  # None: missing; "": decorative
    from_library: bool


def effective_alt(own_alt: str | None, image) -> EffectiveAlt:
    """A figure's alt text: its own when not empty, else its library image's (``image``)."""
    if own_alt is not None and figures.visible_text(own_alt):
        return EffectiveAlt(figures.visible_text(own_alt), from_library=False)
    return EffectiveAlt(_library_alt(image), from_library=True)


# --- Link text -----------------------------------------------------------------------------------

_VAGUE_LINK_TEXTS = {
    "click",
    "click here",
    "click this",
    "click this link",
    "click on this link",
    "click the link",
    "click here for more",
    "click here for more information",
    "click here to learn more",
    "click here to read more",
    "tap here",
    "press here",
    "here",
    "go here",
    "see here",
    "look here",
    "over here",
    "right here",
    "this",
    "this link",
    "this page",
    "this site",
    "this website",
    "this article",
    "this document",
    "this form",
    "that",
    "that link",
    "there",
    "link",
    "link here",
    "a link",
    "web link",
    "website",
    "web site",
    "web page",
    "webpage",
    "page",
    "site",
    "more",
    "more info",
    "more information",
    "more details",
    "more here",
    "read more",
    "read more here",
    "read this",
    "learn more",
    "learn more here",
    "find out more",
    "see more",
    "view more",
    "show more",
    "details",
    "info",
    "information",
    "continue",
    "continue reading",
    "go",
    "visit",
    "open",
    "download",
    "download here",
    "start",
    "next",
    "previous",
    "back",
    "article",
    "document",
    "pdf",
    "form",
}
_WEB_ADDRESS_TLD = re.compile(
    r"^(?:[a-z0-9-]+\.)+(?:com|org|net|gov|edu|info|health|io|us|uk|ca|au|nz|ie|es|mx|de|fr|nhs\.uk)"
    r"(?:[/?#]\S*)?$",
    re.IGNORECASE,
)


def _words_only(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]+", " ", text.lower().replace("’", "'").replace("'", "")).split())


def _bare_address(value: str) -> str:
    value = value.strip().lower()
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = re.sub(r"^www\.", "", value)
    return value.rstrip("/")


def link_text_is_url(text: str, href: str | None) -> bool:
    """Whether a link's text is a bare web address: http…, www…, a domain, or the link's own
    address. An e-mail address or a phone number is fine (patients may need to write it down)."""
    text = " ".join(text.split())
    if not text or " " in text:
        return False
    if re.match(r"^(?:https?://|www\.)", text, re.IGNORECASE) or _WEB_ADDRESS_TLD.match(text):
        return True
    if href and not href.lower().startswith(("mailto:", "tel:")):
        return text.strip().lower() == href.strip().lower() or _bare_address(text) == _bare_address(href)
    return False


# --- Reading a body ------------------------------------------------------------------------------

_HEADING = re.compile(r"^h([1-6])$")
# Text inside these is not the surrounding element's (a figcaption is the picture's).
_NOT_TEXT = {"script", "style", "template"}
_VOID = {"img", "br", "hr", "input", "meta", "link", "source", "wbr", "col", "area", "base", "embed"}
_COLLECTED = {"li", "a", "table"}


@dataclass
class _Open:
    tag: str
    attrs: dict
    text: list
    has_picture: bool = False
    header_cells: int = 0
    slot: int | None = None  # where its finding goes in the list


class _BodyReader(HTMLParser):
    """Walks a section body once and lists what the checks look at, in document order (each where
    it starts): ("figure", alt, image id), ("heading", level, text), ("li", text, has_picture),
    ("link", text, href), ("table", header cell count)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[_Open] = []
        self.findings: list[tuple | None] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in _NOT_TEXT:
            self._skip += 1
            return
        if tag == "img":
            self._picture(attrs)
            return
        if tag == "br":
            self._text(" ")
            return
        if tag in _VOID:
            return
        if tag == "th":
            for item in reversed(self.stack):
                if item.tag == "table":
                    item.header_cells += 1
                    break
        item = _Open(tag, dict(attrs), [])
        if tag in _COLLECTED or _HEADING.match(tag):
            item.slot = len(self.findings)
            self.findings.append(None)  # filled in when it ends, with its text
        self.stack.append(item)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and tag not in _NOT_TEXT:
            self.handle_endtag(tag)

    def _picture(self, attrs):
        for item in self.stack:
            item.has_picture = True
        alt = dict(attrs).get("alt")
        # An img's alt, inside a link, is the link's text.
        if alt and alt.strip():
            for item in self.stack:
                if item.tag == "a":
                    item.text.append(f" {alt} ")
        self.findings.append(("figure", alt, figures.image_id_of(figures.Element("img", attrs, []))))

    def handle_endtag(self, tag):
        if tag in _NOT_TEXT:
            self._skip = max(0, self._skip - 1)
            return
        for depth in range(len(self.stack) - 1, -1, -1):
            if self.stack[depth].tag == tag:
                # Elements left open inside it end with it.
                while len(self.stack) > depth:
                    self._close(self.stack.pop())
                return

    def _close(self, item: _Open):
        if item.slot is None:
            return
        text = " ".join("".join(item.text).split())
        heading = _HEADING.match(item.tag)
        if heading:
            finding = ("heading", int(heading[1]), text)
        elif item.tag == "li":
            finding = ("li", text, item.has_picture)
        elif item.tag == "a":
            finding = ("link", text, item.attrs.get("href"))
        else:
            finding = ("table", item.header_cells)
        self.findings[item.slot] = finding

    def _text(self, data):
        for item in self.stack:
            item.text.append(data)

    def handle_data(self, data):
        if not self._skip:
            self._text(data)

    def close(self):
        super().close()
        while self.stack:
            self._close(self.stack.pop())


def read_body(body: str) -> list[tuple]:
    """What the checks look at in a body (see _BodyReader), in document order."""
    reader = _BodyReader()
    reader.feed(body or "")
    reader.close()
    return [finding for finding in reader.findings if finding is not None]


# --- The checks ----------------------------------------------------------------------------------


def _issue(code: str, message: str, section: str | None) -> Issue:
    return Issue(code=code, message=message, section=section, level=level_of(code))


def _alt_issues(alt: EffectiveAlt, where: str, anchor: str | None, figure: bool) -> list[Issue]:
    if alt.text is None:
        fix = (
            "describe it in the picture's dialog in the editor (or once, for every article, in the "
            "image library), or mark it decorative in the library if it adds no information"
            if figure
            else "describe it in the image library, or mark it decorative there if it adds no information"
        )
        return [
            _issue(
                "image_alt_missing",
                f"A picture in {where} has no alt text for patients who cannot see it: {fix}."
                if figure
                else f"The lead image has no alt text for patients who cannot see it: {fix}.",
                anchor,
            )
        ]
    if not alt.text:
        return []
    place = "in the image library" if alt.from_library else "in the picture's dialog in the editor"
    subject = f"A picture in {where}" if figure else "The lead image"
    issues = []
    if looks_like_file_name(alt.text):
        issues.append(
            _issue(
                "alt_text_file_name",
                f"{subject} has the alt text {quoted(_short(alt.text))}, which looks like a file name: "
                f"describe what the picture shows instead ({place}).",
                anchor,
            )
        )
    if is_redundant(alt.text):
        issues.append(
            _issue(
                "alt_text_redundant",
                f"{subject} has alt text starting {quoted(_short(alt.text, 30))}: screen readers already "
                f"say it is a picture, so start with what it shows ({place}).",
                anchor,
            )
        )
    return issues


def _lead_image_issues(article, images: Mapping[int, object]) -> list[Issue]:
    image_id = getattr(article, "lead_image_id", None)
    if image_id is None:
        return []
    image = images.get(image_id)
    if image is None:
        return [
            _issue(
                "image_not_found",
                "The lead image is no longer in this clinic's image library: choose another one, or none.",
                None,
            )
        ]
    return _alt_issues(effective_alt(None, image), "the lead image", None, figure=False)


def _section_issues(section, index: int, images: Mapping[int, object]) -> list[Issue]:
    anchor = section.anchor
    where = _section_name(section, index)
    issues = []
    if not (section.heading or "").strip():
        issues.append(
            _issue(
                "heading_empty",
                f"Section {index} has no heading: give it a short one, so patients using a screen "
                "reader can find it.",
                anchor,
            )
        )
    previous_level = 2  # the section's own heading
    for finding in read_body(section.body):
        kind = finding[0]
        if kind == "figure":
            _kind, own_alt, image_id = finding
            if image_id is None:
                # Not a library picture (HTML given directly): its own alt, "" meaning decorative.
                if own_alt is None:
                    issues += _alt_issues(EffectiveAlt(None, False), where, anchor, figure=True)
                else:
                    issues += _alt_issues(EffectiveAlt(own_alt.strip(), False), where, anchor, figure=True)
            elif image_id not in images:
                issues.append(
                    _issue(
                        "image_not_found",
                        f"A picture in {where} is no longer in this clinic's image library: remove it, "
                        "or insert it again from the library.",
                        anchor,
                    )
                )
            else:
                issues += _alt_issues(effective_alt(own_alt, images[image_id]), where, anchor, figure=True)
        elif kind == "heading":
            _kind, level, text = finding
            if not text:
                issues.append(
                    _issue(
                        "heading_empty",
                        f"{where[0].upper()}{where[1:]} has an empty heading: type its words, or remove it.",
                        anchor,
                    )
                )
            if level > previous_level + 1:
                name = quoted(_short(text)) if text else "with no text"
                issues.append(
                    _issue(
                        "heading_skipped",
                        f"In {where}, the level-{level} heading {name} comes without a level-"
                        f"{previous_level + 1} heading before it: make it a level-{previous_level + 1} "
                        "heading, so screen readers present the section's outline in order.",
                        anchor,
                    )
                )
                previous_level += 1  # report each skip once
            else:
                previous_level = level
        elif kind == "li":
            _kind, text, has_picture = finding
            if not text and not has_picture:
                issues.append(
                    _issue(
                        "list_item_empty",
                        f"A list in {where} has an empty item: screen readers announce it as a blank "
                        "bullet. Type its words, or remove it.",
                        anchor,
                    )
                )
        elif kind == "link":
            _kind, text, href = finding
            issues += _link_issues(text, href, where, anchor)
        elif kind == "table" and not finding[1]:
            issues.append(
                _issue(
                    "table_without_headers",
                    f"A table in {where} has no header cells: make its first row (or column) a "
                    "header, so screen readers can say what each cell is.",
                    anchor,
                )
            )
    return issues


def _link_issues(text: str, href: str | None, where: str, anchor: str) -> list[Issue]:
    words = _words_only(text)
    if not words or words in _VAGUE_LINK_TEXTS:
        said = quoted(text) if text else "no words"
        return [
            _issue(
                "link_text_vague",
                f"A link in {where} says {said}, which does not tell where it goes: make the link's "
                f"words say it, e.g. {quoted('the pump’s user guide')}.",
                anchor,
            )
        ]
    if link_text_is_url(text, href):
        return [
            _issue(
                "link_text_url",
                f"A link in {where} shows the web address {quoted(_short(text))}: screen readers "
                "read it out letter by letter. Make the link's words say where it goes instead, e.g. "
                f"{quoted('Book an appointment online')}.",
                anchor,
            )
        ]
    return []


def _language_issues(article) -> list[Issue]:
    language = (getattr(article, "language", "") or "").strip()
    offered = settings.CONTENT_LANGUAGES
    if not language:
        message = (
            "The article's language is not set: choose it in the Language field, so screen readers "
            "pronounce the words correctly."
        )
    elif language not in offered:
        names = ", ".join(offered.values())
        message = (
            f"The article's language ({quoted(language)}) is not one this site offers: choose one of "
            f"{names} in the Language field, so screen readers pronounce the words correctly."
        )
    else:
        return []
    return [_issue("language_missing", message, None)]


def check(article, sections: Iterable, images: Mapping[int, object]) -> list[Issue]:
    """The accessibility issues of ``article`` with ``sections`` (in their order), its lead image
    first, then each section's, then the article's own.

    ``images``: the library images the article may use, by id (a snapshot's ``images``,
    articles.snapshots.attach_images); an id not in it (a deleted image, or another clinic's) is
    reported as not found."""
    issues = _lead_image_issues(article, images)
    for index, section in enumerate(sections, start=1):
        issues += _section_issues(section, index, images)
    issues += _language_issues(article)
    return issues


# --- PEMAT suggestions ---------------------------------------------------------------------------

_NUMBER = r"\d+(?:[.,]\d+)?"
_PERCENT = re.compile(rf"(?<![\w.,/]){_NUMBER}(?:\s?%|[\s-]?(?:percent|per\s+cent)\b)", re.IGNORECASE)
# "1/3", "2/5"; not a date (12/25/2024, 1/2/24), not 24/7, not a score or a blood pressure whose top
# is not smaller (120/80, 20/20), not part of a word or a unit ("mg/day" has no number around it).
_FRACTION = re.compile(r"(?<![\w/.,-])(\d{1,3})/(\d{1,3})(?![\w/]|[.,]\d)")
_SMALL_NUMBER = r"(?:\d+(?:,\d{3})*|one|two|three|four|five|six|seven|eight|nine|ten|a|an)"
_BIG_NUMBER = (
    r"(?:\d+(?:,\d{3})*|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|fifty|"
    r"(?:a|one)\s+(?:hundred|thousand|million)|hundred|thousand|million)"
)
# Saying a share in words: "1 in 3", "2 out of 5", "about a third", "half", "most people"...
_IN_WORDS = re.compile(
    rf"\b{_SMALL_NUMBER}\s+(?:in|out\s+of)\s+(?:every\s+)?{_BIG_NUMBER}\b"
    r"|\b(?:half|halves|thirds?|quarters?|fifths?|tenths?)\b"
    r"|\b(?:most|majority|minority|few|fewer|hardly\s+any|almost\s+(?:all|no|none|everyone|nobody)|"
    r"nearly\s+(?:all|everyone|every)|all\s+but|rare|rarely|uncommon)\b",
    re.IGNORECASE,
)
_FRACTION_WORDS = {
    (1, 2): "half",
    (1, 3): "a third",
    (2, 3): "two thirds",
    (1, 4): "a quarter",
    (3, 4): "three quarters",
    (1, 5): "1 in 5",
    (1, 10): "1 in 10",
}
# "Rate your pain 7/10": a score, not a share of people.
_SCORE = re.compile(r"\b(?:pain|scale|score|scored|rate|rating|level)\b", re.IGNORECASE)


def _round_nicely(number: float) -> int:
    """1 significant figure above 20 ("1 in 70"), the nearest whole number below."""
    if number < 20:
        return max(1, math.floor(number + 0.5))
    magnitude = 10 ** math.floor(math.log10(number))
    return int(math.floor(number / magnitude + 0.5) * magnitude)


def in_words(percentage: float) -> str:
    """A percentage as a reader pictures it: 35 -> "about 1 in 3 people", 60 -> "about 6 in 10
    people", 0.5 -> "about 1 in 200 people"."""
    if percentage <= 0:
        return "no one"
    if percentage >= 100:
        return "everyone"
    one_in = 100 / percentage
    nearest = _round_nicely(one_in)
    if percentage < 10 or abs(one_in - nearest) / one_in <= 0.1:
        return f"about 1 in {nearest:,} people"
    return f"about {math.floor(percentage / 10 + 0.5)} in 10 people"


def _shares(sentence: str) -> list[tuple[str, str]]:
    """(the number as written, a suggestion in words) for each percentage and fraction."""
    found = []
    for match in _PERCENT.finditer(sentence):
        value = float(re.match(_NUMBER, match[0])[0].replace(",", "."))
        found.append((match.start(), match[0], in_words(value)))
    for match in _FRACTION.finditer(sentence):
        top, bottom = int(match[1]), int(match[2])
        if not 0 < top < bottom or (bottom == 10 and _SCORE.search(sentence)):
            continue
        found.append((match.start(), match[0], _FRACTION_WORDS.get((top, bottom), f"{top} in {bottom}")))
    return [(number, words) for _start, number, words in sorted(found)]


def _is_english(article) -> bool:
    language = (getattr(article, "language", "") or "").strip().lower()
    return language == "" or language.split("-")[0] == "en"


def _text_of(section) -> str:
    return getattr(section, "body_text", "") or plain_text(section.body or "")


def _number_suggestions(section, index: int) -> list[Issue]:
    where = _section_name(section, index)
    issues = []
    for sentence in split_sentences(_text_of(section)):
        if _IN_WORDS.search(sentence):
            continue
        for number, words in _shares(sentence):
            issues.append(
                Issue(
                    code="numbers_without_words",
                    message=f"In {where}, {quoted(number)} may be hard for some readers to picture: "
                    f"say it in words too, e.g. {quoted(words)}.",
                    section=section.anchor,
                    level=SUGGESTION,
                )
            )
    return issues


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Whether a sentence is an instruction is decided with a word list, not an NLP model (a
# part-of-speech tagger): a model means a download and a large dependency for one yes/no per
# article, must work offline in CI and on clinics' servers, and gives answers that change with its
# version; a list is deterministic, instant, and anyone can read and extend it. Patient education
# says what to do with a small set of everyday verbs, and a sentence that starts with one of them
# (after any "If you…," clause) is an instruction almost every time. What it misses ("You should
# call us") only leaves a suggestion the writer can ignore.
ACTION_VERBS = _word_set(
    """
    aim allow apply arrange arrive ask attend avoid bathe be begin bend bring book breathe buy call
    cancel carry change check choose clean come complete consider contact continue cover cut decide
    delay describe dial discuss dispose do download drink drive eat elevate email e-mail empty
    exercise expect feel fill find follow get give go have head hold ice increase inform keep know
    learn leave let lie lift limit list log look make mark massage measure mention message move note
    notify open order pack pay phone pick place plan practice practise prepare press print protect
    put quit raise read record reduce refill relax remember remove repeat replace report request
    rest resume return review ring run save schedule see seek send set share shower show sign sit
    skip sleep slow soak speak stand start stay stop store stretch switch take talk tell text throw
    track try turn understand use visit wait wake walk wash watch wear weigh write
    """
)
# Words that may come before the verb of an instruction: "Please call", "Always wear", "Then rest".
_LEAD_INS = _word_set(
    "please always also just then now next first finally so and but still instead simply gently "
    "slowly afterwards afterward later today tonight tomorrow again meanwhile"
)
# Words that start an instruction themselves: "Never lift…", "Don't drive…".
_NEGATIVE_IMPERATIVES = frozenset({"never", "don't", "dont", "avoid"})
# A clause before the instruction: "If you have a fever, call us." "In an emergency, call 911."
_CLAUSE_OPENERS = _word_set(
    "if when whenever after before once until till while as during for on at by within between "
    "over in from starting beginning unless to otherwise instead afterwards afterward later "
    "meanwhile also then now next first finally today tonight tomorrow"
)
# A verb-looking first word followed by one of these is a noun: "Rest is important", "Use of ice…".
_NOUN_FOLLOWERS = _word_set(
    "is are was were will would can could may might should must has had of 's helps works means makes takes"
)
_SUBJECT_PRONOUNS = _word_set("you we they i he she it your there")
_TOKEN = re.compile(r"[a-z]+(?:[-'][a-z]+)*")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.lower().replace("’", "'"))


def _starts_an_instruction(words: list[str]) -> bool:
    while words and words[0] in _LEAD_INS:
        if words[0] == "please" and len(words) > 1:
            return True
        words = words[1:]
    if not words:
        return False
    first, following = words[0], words[1] if len(words) > 1 else ""
    if first in _NEGATIVE_IMPERATIVES or first == "let's":
        return True
    if first == "do":
        return following == "not" or following in ACTION_VERBS
    if first not in ACTION_VERBS:
        return False
    if following in _NOUN_FOLLOWERS:
        return False
    # "Have you…?", "Be it…" are not instructions; "Have someone drive you" is.
    return not (first in {"have", "be", "do"} and following in _SUBJECT_PRONOUNS)


def is_instruction(sentence: str) -> bool:
    """Whether a sentence (or list item) tells the reader to do something: it starts with an
    action verb ("Call us…", "Please bring…", "Never lift…", "Don't drive…"), or does after a
    leading clause ("If you have a fever, call us.", "In an emergency, call 911.")."""
    sentence = sentence.strip()
    if sentence.endswith("?"):
        return False
    # The sentence, then what follows each leading clause ("If…, when…, call…").
    clause = sentence
    while True:
        words = _tokens(clause)
        if _starts_an_instruction(words):
            return True
        if not words or words[0] not in _CLAUSE_OPENERS:
            return False
        rest = re.split(r"[,;:]|\s[–—-]\s", clause, maxsplit=1)
        if len(rest) < 2:
            return False
        clause = rest[1]


def _action_suggestions(sections: list) -> list[Issue]:
    if not sections:
        return []
    last = sections[-1]
    if any(is_instruction(sentence) for sentence in split_sentences(_text_of(last))):
        return []
    where = _section_name(last, len(sections))
    example = quoted("If you have a fever or more pain, call us.")
    return [
        Issue(
            code="no_action_for_reader",
            message=f"{where[0].upper()}{where[1:]}, the last one, does not tell readers what to do "
            f"next. Add at least one clear step that starts with an action word, e.g. {example}",
            section=last.anchor,
            level=SUGGESTION,
        )
    ]


def suggestions(article, sections: Iterable) -> list[Issue]:
    """PEMAT items a machine can check in an English article (language "en" or not set), in
    article order; level "suggestion", never blocking. Other languages get none: the word lists
    are English."""
    if not _is_english(article):
        return []
    sections = list(sections)
    issues = []
    for index, section in enumerate(sections, start=1):
        issues += _number_suggestions(section, index)
    return issues + _action_suggestions(sections)


# --- Settings check ------------------------------------------------------------------------------


@checks.register()
def check_blocking_setting(app_configs=None, **kwargs):
    """settings.ACCESSIBILITY_BLOCKING names codes of CODES (or "all"): a typo would silently let
    articles with that problem be published."""
    configured = getattr(settings, "ACCESSIBILITY_BLOCKING", [])
    if isinstance(configured, str) or not isinstance(configured, list | tuple | set | frozenset):
        return [
            checks.Error(
                f"ACCESSIBILITY_BLOCKING must be a list of check codes, not {configured!r}.",
                hint='e.g. ACCESSIBILITY_BLOCKING=image_alt_missing,image_not_found (or "all").',
                id="articles.E001",
            )
        ]
    unknown = [code for code in configured if code != ALL and code not in CODES]
    return [
        checks.Error(
            f"ACCESSIBILITY_BLOCKING names an unknown accessibility check: {code!r}.",
            hint=f'Known checks: {", ".join(CODES)}; or "all" for every one.',
            obj="settings.ACCESSIBILITY_BLOCKING",
            id="articles.E001",
        )
        for code in unknown
    ]
