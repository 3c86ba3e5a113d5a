"""From a reader's items (headings, and blocks of sanitised HTML) to a document: title, summary,
sections; the clinic's own closing paragraphs left out; lists proposed as structured rows.

- Title: the first heading, unless the reader chose one. With no heading, the first paragraph when
  it is short enough to be a title, else one made from the first heading's subject or the file's
  name (reported: the writer edits it).
- Sections: every further heading starts one. A heading with no text under it is left out and
  reported in ``skipped_headings``.
- Summary: the introduction (the text before the first section) when it is short enough
  (MAX_SUMMARY); otherwise the introduction is the first section, "Overview", and the summary is
  its opening sentences, reported for the writer to check. With no introduction, the first
  paragraph of the first section.
- Text before the title (usually a date line or a breadcrumb) goes at the top of the Overview.
- Closing paragraphs about the clinic itself (its name, "visit our website", "like us on
  Facebook", "call us", "schedule an appointment") are left out and reported with their text.
- Suggestions: a list under a heading or lead-in about the conditions treated, risks, who is a good
  candidate, or who should not have the treatment (articles/importing/suggestions.py).
- A section over the section limit is split between its blocks into "Heading (part 2)"...
"""

import re
from pathlib import PurePath

from articles.importing.common import (
    MAX_HEADING,
    MAX_SECTIONS,
    MAX_SUMMARY,
    MAX_TITLE,
    NO_CONTEXT,
    OVERVIEW,
    Heading,
    ImportContext,
    ImportRefused,
    ParsedDocument,
    ParsedSection,
    block_too_long,
    one_line,
    shortened,
)
from articles.importing.suggestions import clinic_information, contact_heading, suggestions_in
from articles.models import SECTION_BODY_MAX_LENGTH
from articles.rich_text import plain_text, sanitize_rich_text


def assemble(items: list, *, title: str | None = None, context: ImportContext = NO_CONTEXT) -> ParsedDocument:
    """``title``: the reader's choice; None to take the first heading (or to make one up)."""
    notes = []
    before_title = []
    if title is None:
        title, before_title, items, note = _take_title(items, context)
        if note:
            notes.append(note)
    title = one_line(title)
    if items and isinstance(items[0], Heading) and one_line(items[0].text).casefold() == title.casefold():
        items = items[1:]  # the title again as the first heading, as saved web pages often repeat it
    if not title:
        raise ImportRefused("The document has no title: start it with a heading.")
    if len(title) > MAX_TITLE:
        raise ImportRefused(
            f"The title “{shortened(title)}” is longer than {MAX_TITLE} characters: "
            "start the document with a short heading."
        )

    intro, sections = [], []  # sections: [heading, [blocks]]
    for item in items:
        if isinstance(item, Heading):
            heading = one_line(item.text)
            if len(heading) > MAX_HEADING:
                raise ImportRefused(
                    f"The heading “{shortened(heading)}” is longer than {MAX_HEADING} characters."
                )
            sections.append((heading, []))
        elif sections:
            sections[-1][1].append(item)
        else:
            intro.append(item)
    left_out = _leave_out_clinic_information(intro, sections, context)
    skipped = tuple(heading for heading, blocks in sections if not blocks)
    sections = [(heading, blocks) for heading, blocks in sections if blocks]
    if not (before_title or intro or sections):
        raise ImportRefused("The document has a title but no text under it.")
    suggestions = suggestions_in([(None, intro), *sections])

    # Where the summary comes from: the intro, else the first section, else text before the title.
    source = intro or (sections[0][1] if sections else before_title)
    lead = _first_paragraph(source)
    lead_text = "" if _is_figure(source[lead]) else one_line(plain_text(source[lead]))
    summary, is_shortened = _summary(_sentences_before_lead_in(lead_text) or lead_text)
    # A lead-in's list needs its last sentence: the paragraph stays in the body, whole.
    is_shortened = is_shortened or summary != lead_text
    # The summary paragraph stays in the body only if it was shortened, or if it is the only text.
    if source is intro and not is_shortened and (sections or len(intro) > 1) and not _is_figure(intro[lead]):
        intro = intro[:lead] + intro[lead + 1 :]
    if source is intro and len(lead_text) > MAX_SUMMARY:
        notes.append(
            f"The introduction is longer than a summary can be ({MAX_SUMMARY} characters), so it is the "
            f"first section, “{OVERVIEW}”, and the summary is its opening: check the summary."
        )
    overview = before_title + intro
    if overview:
        sections.insert(0, (OVERVIEW, overview))
    sections, split = _within_section_limit(sections)
    if len(sections) > MAX_SECTIONS:
        raise ImportRefused(
            f"The document has {len(sections)} sections; an article can have at most {MAX_SECTIONS}. "
            "Split it into several articles."
        )
    return ParsedDocument(
        title=title,
        summary=summary,
        sections=tuple(ParsedSection(heading, body) for heading, body in sections),
        skipped_headings=skipped,
        split_sections=split,
        left_out=left_out,
        notes=tuple(notes),
        suggestions=suggestions,
    )


# Closing paragraphs left out at most: a clinic signs off in one or two, never in dozens.
MAX_LEFT_OUT = 4


def _leave_out_clinic_information(intro: list, sections: list, context: ImportContext) -> tuple[str, ...]:
    """Take the document's closing paragraphs about the clinic itself off its end (in place), and
    return their text in document order. Only at the end (a clinic named in the middle of an
    article is part of it), never the whole text, and a section emptied by it goes with them only
    if its heading is about the clinic too ("Contact us"): otherwise its paragraph stays."""
    left_out: list[str] = []
    remaining = sum(len(blocks) for _heading, blocks in sections) + len(intro)
    while len(left_out) < MAX_LEFT_OUT and remaining > 1:
        blocks = sections[-1][1] if sections else intro
        if not blocks or not blocks[-1].startswith("<p>"):
            break
        text = one_line(plain_text(blocks[-1]))
        if not clinic_information(text, context.clinic_names):
            break
        emptied = sections and len(blocks) == 1
        if emptied and not contact_heading(sections[-1][0], context.clinic_names):
            break
        left_out.insert(0, text)
        blocks.pop()
        remaining -= 1
        if emptied:
            left_out.insert(0, sections.pop()[0])
    return tuple(left_out)


def _within_section_limit(sections: list) -> tuple[list[tuple[str, str]], tuple[tuple[str, int], ...]]:
    """([(heading, body)], split): each section's blocks joined into its body; a body over the
    section limit is split into parts, between blocks, headed "Heading (part 2)"...

    Split rather than refused: the limit is the editor's, not a judgement on the document, and every
    block is one whole sanitised element (a paragraph, a list, a quote), so a cut between two never
    falls inside a tag and no text is lost; the clinic sees the parts reported and can rearrange
    them. A single block over the limit cannot be cut without breaking an element: that refuses
    the import, naming it."""
    result, split = [], []
    for heading, blocks in sections:
        parts, current, size = [], [], 0
        for block in blocks:
            if len(block) > SECTION_BODY_MAX_LENGTH:
                raise ImportRefused(block_too_long(block, heading, length=len(block)))
            if current and size + len(block) > SECTION_BODY_MAX_LENGTH:
                parts.append(current)
                current, size = [], 0
            current.append(block)
            size += len(block)
        parts.append(current)
        for number, part in enumerate(parts, start=1):
            result.append((_part_heading(heading, number), sanitize_rich_text("".join(part))))
        if len(parts) > 1:
            split.append((heading, len(parts)))
    return result, tuple(split)


def split_report(split_sections) -> str:
    """What an import tells the clinic about the sections it split."""
    sections = ", ".join(f"“{heading}” into {parts} parts" for heading, parts in split_sections)
    return (
        f"Split sections longer than {SECTION_BODY_MAX_LENGTH:,} characters (what a section can hold), "
        f"between paragraphs, lists and quotes: {sections}. Check where each part starts."
    )


def _part_heading(heading: str, number: int) -> str:
    if number == 1:
        return heading
    suffix = f" (part {number})"
    return heading[: MAX_HEADING - len(suffix)].rstrip() + suffix


# A first paragraph longer than this, or one that reads as a sentence, is an introduction, not a title.
MAX_TITLE_LINE = 100


def _take_title(items: list, context: ImportContext) -> tuple[str, list, list, str]:
    """(title, the blocks before it, the items after it, a note when the title was made up)."""
    for index, item in enumerate(items):
        if isinstance(item, Heading) and one_line(item.text):
            return item.text, items[:index], items[index + 1 :], ""
    if not items:
        raise ImportRefused("The document has no title: start it with a heading.")
    first = one_line(plain_text(items[0]))
    if items[0].startswith("<p>") and len(first) <= MAX_TITLE_LINE and not _reads_as_sentence(first):
        return first, [], items[1:], ""
    title, note = made_up_title(items, context)
    return title, [], items, note


# "What is an intrathecal pump?", "What are nerve blocks?", "How does a pain pump work?"...
# "The" asks about a part of the subject, not the subject: "What are the risks?", "What is the
# recovery like?" name no treatment, so they make no title.
_QUESTION_SUBJECT = re.compile(
    r"^what (?:is|are) (?:an? )?(?!the\b)(?P<what>.+?)(?: used for| like)?\?$"
    r"|^how (?:does|do|is|are) (?:an? )?(?!the\b)(?P<how>.+?) (?:work|done|performed|placed|implanted)\?$"
    r"|^(?:about|understanding|all about) (?:an? )?(?!the\b)(?P<about>.+)$",
    re.IGNORECASE,
)
# "What is an intrathecal pump and how does it work?": the subject ends where the second question starts.
_SECOND_QUESTION = re.compile(
    r"(?:\s*,\s*(?:and\s+|&\s*)?|\s+(?:and|&)\s+)(?:how|why|what|who|when|where|is|are|does|do|can)\b.*$",
    re.IGNORECASE,
)
# "How is it done?", "What is this?": a pronoun or a word of the reader's is no title.
_NO_SUBJECT = re.compile(
    r"^(?:it|this|that|these|those|they|them|he|she|we|you|i|me)$|^(?:it|this|that|my|your|our|their|"
    r"its|his|her|some|any|other|common|possible)\b"
    r"|^(?:risks?|benefits?|side effects?|options?|alternatives?|costs?|results?|steps?|symptoms?|causes?)$",
    re.IGNORECASE,
)
_FILE_NAME_SEPARATORS = re.compile(r"[-_.\s]+")
# Headings looked at for a subject: the first few (an FAQ's tenth question is no title).
_TITLE_HEADINGS = 3


def made_up_title(items: list, context: ImportContext) -> tuple[str, str]:
    """(a title for a document without one, the note that says where it came from): the subject of
    its first heading that names one ("What is an intrathecal pump?": "Intrathecal pump"), else its
    file name."""
    headings = [one_line(item.text) for item in items if isinstance(item, Heading)][:_TITLE_HEADINGS]
    for heading in headings:
        match = _QUESTION_SUBJECT.match(heading)
        if not match:
            continue
        subject = _SECOND_QUESTION.sub("", next(group for group in match.groups() if group)).strip()
        title = subject[:1].upper() + subject[1:]
        if title and len(title) <= MAX_TITLE and not _NO_SUBJECT.match(subject):
            return title, (
                f"The text has no title line: the title “{title}” was made from the heading “{heading}”. "
                "Edit it."
            )
    stem = _FILE_NAME_SEPARATORS.sub(" ", PurePath(context.filename).stem).strip()
    if stem:
        title = shortened(stem[:1].upper() + stem[1:], MAX_TITLE)
        return title, f"The text has no title line: the title “{title}” was made from the file name. Edit it."
    raise ImportRefused(
        "The document has no title line and no heading or file name to make one from: its first "
        "paragraph is too long to be a title. Start it with a short title line."
    )


def _first_paragraph(blocks: list[str]) -> int:
    """Index of the block to summarise: the first paragraph that reads as a sentence (not a byline
    or a date), or that opens with one before introducing a list ("... neurostimulation. Typically,
    a good candidate has had:"), else the first paragraph, else the first block."""
    paragraphs = [index for index, block in enumerate(blocks) if block.startswith("<p>")]
    sentences = (index for index in paragraphs if _opens_with_sentence(plain_text(blocks[index])))
    # A picture's caption is no summary: with no paragraph, the first block that is not a figure.
    others = (index for index, block in enumerate(blocks) if not _is_figure(block))
    return next(sentences, paragraphs[0] if paragraphs else next(others, 0))


def _is_figure(block: str) -> bool:
    return block.startswith("<figure>")


def _opens_with_sentence(text: str) -> bool:
    return _reads_as_sentence(text) or _reads_as_sentence(_sentences_before_lead_in(text))


def _sentences_before_lead_in(text: str) -> str:
    """A paragraph that introduces a list ("...: "), without its last, unfinished sentence."""
    text = one_line(text)
    if not text.endswith(":"):
        return text
    ends = [match.end() for match in _SENTENCE_END.finditer(text)]
    return text[: ends[-1]] if ends else ""


_SENTENCE = re.compile(r"[.!?][\"'”’)]*$")
# Fewer words than this make a label or a byline, not a sentence that sums up an article.
_MIN_SENTENCE_WORDS = 6


def _reads_as_sentence(text: str) -> bool:
    return len(text.split()) >= _MIN_SENTENCE_WORDS and bool(_SENTENCE.search(text))


_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*(?=\s)")


def _summary(text: str) -> tuple[str, bool]:
    """``text`` cut to MAX_SUMMARY characters: at a sentence end if one is not too early, else at a
    word, with an ellipsis. Second value: whether it was cut."""
    text = one_line(text)
    if len(text) <= MAX_SUMMARY:
        return text, False
    ends = [match.end() for match in _SENTENCE_END.finditer(text[: MAX_SUMMARY + 1])]
    if ends and ends[-1] >= MAX_SUMMARY // 3:
        return text[: ends[-1]], True
    words = text[: MAX_SUMMARY - 1].rsplit(" ", 1)[0]
    return words.rstrip(" ,;:–—-") + "…", True
