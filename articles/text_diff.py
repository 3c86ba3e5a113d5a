"""Two versions of a text as formatted text with the changes marked inline, in work bounded by the
texts' length.

A section body (sanitised rich text: paragraphs, headings, lists, bold, italics, links) is shown as
a reader sees it, with removed words in ``<del>`` and added words in ``<ins>``. The work is bounded
as difflib.HtmlDiff's was not (it paired every changed line with every other and compared each pair
character by character: one ~25,000-character section saved twice took 30.6 s):

- Blocks (paragraphs, headings, list items): the common first and last blocks are set aside
  (linear), and difflib.SequenceMatcher aligns the rest when the blocks on the two sides multiply
  to at most MAX_LINE_PAIRS (its worst case is about that product). A longer rest is first anchored
  on the blocks found once in each version (patience diff: a longest increasing subsequence,
  n log n), and SequenceMatcher aligns the gaps between anchors while their products stay within
  the same budget; a gap past it is shown as removed and added as a whole.
- Inside a changed block the same is done twice more, removed and added blocks paired in order
  (never searched for the most similar pair): sentences first (from the same budget), then the
  words, spaces and punctuation of the changed sentences, whose gaps may multiply to at most
  MAX_WORD_PAIRS each and MAX_TOTAL_WORD_PAIRS in all. Past those, the changed stretch is marked
  removed and added as a whole.

One Budget serves a whole page. When a limit is reached the page says the comparison was
simplified: still complete (all the text of both versions is there) but coarser. ``Budget.work``
counts the pairs examined.

Safe by construction: the input is parsed (html.parser, linear) into words carrying their
formatting, and the output is written from those alone: every word escaped, only the tags named
here, links only to http(s), mailto and tel addresses. Whatever the stored text holds, nothing
else reaches the page.

Why not a library: lxml.html.diff.htmldiff (lxml 6.1) is HTML-aware and quick on ordinary text,
but runs one SequenceMatcher over the whole document with no counted limit, copies the input's
tags and attributes into its output (a ``<script>`` or ``javascript:`` link in a stored version
comes out as it went in, so it would need sanitising again), and puts ``<ins>`` inside ``<strong>``
when a bold word changes. diff-match-patch bounds its work by wall-clock time (Diff_Timeout), so
the same two versions would compare differently on a busy server. difflib with explicit, counted
limits is deterministic and needs nothing new.
"""

import bisect
import difflib
import html
import itertools
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

# SequenceMatcher over blocks or sentences in between the common ones: 1,000 x 1,000 is ~0.2 s.
MAX_LINE_PAIRS = 1_000_000
# Word by word (words, spaces and punctuation): the gap between two anchors, up to about 100
# words each side, and all gaps together, a few hundred changed sentences. SequenceMatcher's cost
# grows faster than the product on repetitive text (~50 ms for 200 x 200 near-identical tokens).
MAX_WORD_PAIRS = 40_000
MAX_TOTAL_WORD_PAIRS = 500_000

SIMPLIFIED = (
    "These versions differ in a lot of text, so this comparison is simplified: some changed "
    "passages are shown removed and added as a whole rather than word by word. All the text of "
    "both versions is shown."
)
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")
_SAFE_LINKS = ("http://", "https://", "mailto:", "tel:")
# A sentence ends after one of these when a space or line break follows.
_SENTENCE_ENDS = {".", "!", "?", ":", ";"}
_SPACE, _BREAK = " ", "\n"
# Tags whose content is code, not text (the sanitiser drops them with their content too).
_HIDDEN = {"script", "style", "template", "iframe", "object", "noscript", "svg", "math", "title", "textarea"}
_PLAIN = (False, False, None)  # a token's marks: (bold, italic, link address)


@dataclass
class Budget:
    line_pairs: int = MAX_LINE_PAIRS
    word_pairs: int = MAX_TOTAL_WORD_PAIRS
    work: int = 0  # block, sentence and word pairs examined
    simplified: bool = False


@dataclass(frozen=True)
class Block:
    """A paragraph, heading or list item: ``kind`` is p, h3, h4, ul or ol (an item of that list) or
    quote; ``tokens`` are (text, marks) pairs."""

    kind: str
    tokens: tuple


# --- Reading: sanitised HTML into blocks of formatted words ------------------------------------


class _Reader(HTMLParser):
    """Blocks of an HTML fragment. Counters, not a stack of open tags: every piece of text costs
    the same however deeply it is nested."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.tokens: list = []
        self.kind = "p"
        self.lists: list[str] = []
        self.items = self.quotes = self.bold = self.italic = self.hidden = 0
        self.links: list[str | None] = []

    def handle_starttag(self, tag, attrs):
        if tag in _HIDDEN:
            self.hidden += 1
        elif tag in ("ul", "ol"):
            self._flush()
            self.lists.append(tag)
        elif tag == "li":
            self._flush()
            self.items += 1
        elif tag == "p" and self.items:
            self._break()  # a second paragraph in a list item: a line break in the same item
        elif tag in ("p", "h3", "h4", "blockquote"):
            self._flush()
            self.quotes += tag == "blockquote"
            self.kind = tag if tag in ("h3", "h4") else "p"
        elif tag == "br":
            self._break()
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "a":
            href = (dict(attrs).get("href") or "").strip()
            self.links.append(href if href.lower().startswith(_SAFE_LINKS) else None)

    def handle_endtag(self, tag):
        if tag in _HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag == "li":
            self._flush()
            self.items = max(self.items - 1, 0)
        elif tag in ("p", "h3", "h4") and not self.items:
            self._flush()
        elif tag == "blockquote":
            self._flush()
            self.quotes = max(self.quotes - 1, 0)
        elif tag in ("strong", "b"):
            self.bold = max(self.bold - 1, 0)
        elif tag in ("em", "i"):
            self.italic = max(self.italic - 1, 0)
        elif tag == "a" and self.links:
            self.links.pop()

    def handle_data(self, data):
        if self.hidden:
            return
        marks = (self.bold > 0, self.italic > 0, self.links[-1] if self.links else None)
        for token in _TOKENS.findall(data):
            if token.isspace():
                if self.tokens and self.tokens[-1][0] not in (_SPACE, _BREAK):
                    self.tokens.append((_SPACE, marks))
            else:
                self.tokens.append((token, marks))

    def _break(self):
        while self.tokens and self.tokens[-1][0] == _SPACE:
            self.tokens.pop()
        if self.tokens and self.tokens[-1][0] != _BREAK:
            self.tokens.append((_BREAK, _PLAIN))

    def _flush(self):
        while self.tokens and self.tokens[-1][0] in (_SPACE, _BREAK):
            self.tokens.pop()
        if self.tokens:
            kind = self.kind
            if self.items:
                kind = self.lists[-1] if self.lists else "ul"
            elif self.quotes and kind == "p":
                kind = "quote"
            self.blocks.append(Block(kind, tuple(self.tokens)))
        self.tokens = []
        self.kind = "p"


def blocks_of(rich_text: str) -> list[Block]:
    reader = _Reader()
    reader.feed(rich_text or "")
    reader.close()
    reader._flush()
    return reader.blocks


def _plain_tokens(text: str) -> tuple:
    tokens = []
    for token in _TOKENS.findall(" ".join((text or "").split())):
        tokens.append((_SPACE if token.isspace() else token, _PLAIN))
    return tuple(tokens)


# --- Writing: only the tags named here, every word escaped ---------------------------------------


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _words(tokens) -> str:
    """Tokens as inline HTML: runs of the same formatting wrapped once."""
    parts = []
    for (bold, italic, link), run in itertools.groupby(tokens, key=lambda token: token[1]):
        text = "".join("<br>" if text == _BREAK else _escape(text) for text, _ in run)
        if bold:
            text = f"<strong>{text}</strong>"
        if italic:
            text = f"<em>{text}</em>"
        if link:
            text = f'<a href="{html.escape(link, quote=True)}" rel="noopener noreferrer">{text}</a>'
        parts.append(text)
    return "".join(parts)


def _marked(segments: list[tuple[str, list]]) -> str:
    """(op, tokens) segments as inline HTML: "-" in <del>, "+" in <ins>, "=" as it is."""
    parts = []
    for op, tokens in segments:
        if not tokens:
            continue
        text = _words(tokens)
        parts.append({"-": f"<del>{text}</del>", "+": f"<ins>{text}</ins>"}.get(op, text))
    return "".join(parts)


class _Blocks:
    """Blocks written one after another, list items inside their list. Body headings are written a
    level down (h4, h5): the page's own headings name the sections."""

    _TAGS = {"p": "p", "h3": "h4", "h4": "h5", "ul": "li", "ol": "li", "quote": "p"}

    def __init__(self):
        self.parts: list[str] = []
        self.open_list = None

    def add(self, kind: str, inner: str, change: str = "") -> None:
        wrapper = kind if kind in ("ul", "ol") else None
        if wrapper != self.open_list:
            if self.open_list:
                self.parts.append(f"</{self.open_list}>")
            if wrapper:
                self.parts.append(f"<{wrapper}>")
            self.open_list = wrapper
        tag = self._TAGS.get(kind, "p")
        css = f' class="diff-{change}"' if change else ""
        element = f"<{tag}{css}>{inner}</{tag}>"
        self.parts.append(f"<blockquote>{element}</blockquote>" if kind == "quote" else element)

    def html(self) -> str:
        if self.open_list:
            self.parts.append(f"</{self.open_list}>")
            self.open_list = None
        return "".join(self.parts)


def formatted(rich_text: str, change: str = "") -> str:
    """The text as formatted, safe HTML; ``change`` "removed" or "added" marks all of it so."""
    writer = _Blocks()
    op = {"removed": "-", "added": "+"}.get(change, "=")
    for block in blocks_of(rich_text):
        writer.add(block.kind, _marked([(op, list(block.tokens))]), change)
    return writer.html()


def plain(text: str, change: str = "") -> str:
    """Plain text, escaped; ``change`` "removed" or "added" marks it so."""
    op = {"removed": "-", "added": "+"}.get(change, "=")
    return _marked([(op, list(_plain_tokens(text)))])


# --- Comparing -----------------------------------------------------------------------------------


def rich_text(old: str, new: str, budget: Budget) -> str:
    """Two versions of a section body as one formatted text, the changes marked inline."""
    old_blocks, new_blocks = blocks_of(old), blocks_of(new)
    writer = _Blocks()
    for tag, i1, i2, j1, j2 in _opcodes(*_interned(old_blocks, new_blocks), budget, "line_pairs"):
        olds, news = old_blocks[i1:i2], new_blocks[j1:j2]
        if tag == "equal":
            for block in news:
                writer.add(block.kind, _words(block.tokens))
            continue
        for n in range(max(len(olds), len(news))):
            if n < len(olds) and n < len(news):
                segments = _inline(olds[n].tokens, news[n].tokens, budget)
                writer.add(news[n].kind, _marked(segments), "changed")
            elif n < len(olds):
                writer.add(olds[n].kind, _marked([("-", list(olds[n].tokens))]), "removed")
            else:
                writer.add(news[n].kind, _marked([("+", list(news[n].tokens))]), "added")
    return writer.html()


def plain_text(old: str, new: str, budget: Budget) -> str:
    """Two versions of a line of plain text (a title, a heading) as one, the changes marked."""
    return _marked(_inline(_plain_tokens(old), _plain_tokens(new), budget))


def _inline(old: tuple, new: tuple, budget: Budget) -> list[tuple[str, list]]:
    """The (op, tokens) segments that turn ``old`` into ``new``: sentences aligned first, then the
    words of each changed stretch."""
    old_sentences, new_sentences = _sentences(old), _sentences(new)
    segments: list[tuple[str, list]] = []
    opcodes = _opcodes(*_interned(old_sentences, new_sentences), budget, "line_pairs")
    for tag, i1, i2, j1, j2 in opcodes:
        removed = [token for sentence in old_sentences[i1:i2] for token in sentence]
        added = [token for sentence in new_sentences[j1:j2] for token in sentence]
        if tag == "equal":
            segments.append(("=", added))
        elif tag == "replace":
            segments += _word_segments(removed, added, budget)
        else:
            segments.append(("-", removed) if removed else ("+", added))
    return _tidied(segments)


def _word_segments(old: list, new: list, budget: Budget) -> list[tuple[str, list]]:
    segments: list[tuple[str, list]] = []
    for tag, i1, i2, j1, j2 in _opcodes(*_interned(old, new), budget, "word_pairs"):
        if tag == "equal":
            segments.append(("=", new[j1:j2]))
        else:
            segments += [("-", old[i1:i2]), ("+", new[j1:j2])]
    return segments


def _tidied(segments: list[tuple[str, list]]) -> list[tuple[str, list]]:
    """Adjacent segments of a kind joined, and a lone space or punctuation mark between two changes
    taken into both (``<del>a b</del><ins>c d</ins>``, not a change per word)."""
    segments = [segment for segment in segments if segment[1]]
    merged: list[tuple[str, list]] = []
    for index, (op, tokens) in enumerate(segments):
        between_changes = 0 < index < len(segments) - 1 and segments[index + 1][0] != "="
        if op == "=" and between_changes and merged and merged[-1][0] != "=" and _is_filler(tokens):
            _append(merged, "-", tokens)
            _append(merged, "+", tokens)
        else:
            _append(merged, op, tokens)
    # Removals before additions within each changed run.
    ordered: list[tuple[str, list]] = []
    for is_change, run in itertools.groupby(merged, key=lambda segment: segment[0] != "="):
        run = list(run)
        if is_change:
            for op in "-+":
                tokens = [token for segment in run if segment[0] == op for token in segment[1]]
                if tokens:
                    ordered.append((op, tokens))
        else:
            ordered += run
    return ordered


def _append(segments: list, op: str, tokens: list) -> None:
    """``tokens`` added to the last segment of kind ``op`` in the current run of changes (or of
    unchanged text), else as a new segment."""
    for index in range(len(segments) - 1, -1, -1):
        if op == "=" and index < len(segments) - 1:
            break
        if segments[index][0] == op:
            segments[index] = (op, segments[index][1] + list(tokens))
            return
        if segments[index][0] == "=":
            break
    segments.append((op, list(tokens)))


def _is_filler(tokens: list) -> bool:
    return len(tokens) <= 2 and all(not text[0].isalnum() for text, _ in tokens)


def _sentences(tokens: tuple) -> list[tuple]:
    """The tokens cut after each sentence end or line break (the space after it kept with it)."""
    sentences, start = [], 0
    for index, (text, _) in enumerate(tokens):
        follows = tokens[index - 1][0] if index else ""
        if text in (_SPACE, _BREAK) and (follows in _SENTENCE_ENDS or text == _BREAK):
            sentences.append(tokens[start : index + 1])
            start = index + 1
    if start < len(tokens):
        sentences.append(tokens[start:])
    return sentences


def _interned(old: list, new: list) -> tuple[list[int], list[int]]:
    """Each distinct item as a small number: hashed once, however long it is."""
    numbers: dict = {}
    return (
        [numbers.setdefault(item, len(numbers)) for item in old],
        [numbers.setdefault(item, len(numbers)) for item in new],
    )


# --- Alignment within counted budgets ------------------------------------------------------------


def _opcodes(old: list, new: list, budget: Budget, pool: str) -> list[tuple]:
    """SequenceMatcher-style opcodes, within the budget's ``pool`` (line_pairs or word_pairs)."""
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    old_end, new_end = len(old) - suffix, len(new) - suffix
    opcodes = [("equal", 0, prefix, 0, prefix)] if prefix else []
    if (old_end - prefix) * (new_end - prefix) <= _cap(budget, pool):
        opcodes += _matched(old, new, prefix, old_end, prefix, new_end, budget, pool)
    else:
        opcodes += _anchored(old, new, prefix, old_end, prefix, new_end, budget, pool)
    if suffix:
        opcodes.append(("equal", old_end, len(old), new_end, len(new)))
    return opcodes


def _cap(budget: Budget, pool: str) -> int:
    """The most pairs one SequenceMatcher may take now."""
    per_call = MAX_WORD_PAIRS if pool == "word_pairs" else MAX_LINE_PAIRS
    return min(per_call, getattr(budget, pool))


def _matched(old, new, old_start, old_end, new_start, new_end, budget: Budget, pool: str) -> list[tuple]:
    """The opcodes of old[old_start:old_end] against new[new_start:new_end]: SequenceMatcher's if
    the budget allows, else the whole stretch as one change."""
    pairs = (old_end - old_start) * (new_end - new_start)
    if not pairs:
        if old_end > old_start:
            return [("delete", old_start, old_end, new_start, new_end)]
        if new_end > new_start:
            return [("insert", old_start, old_end, new_start, new_end)]
        return []
    if pairs > _cap(budget, pool):
        budget.simplified = True
        return [("replace", old_start, old_end, new_start, new_end)]
    if pairs == 1:  # one item each side, the commonest gap: no matcher needed
        return [
            (
                "equal" if old[old_start] == new[new_start] else "replace",
                old_start,
                old_end,
                new_start,
                new_end,
            )
        ]
    setattr(budget, pool, getattr(budget, pool) - pairs)
    budget.work += pairs
    matcher = difflib.SequenceMatcher(None, old[old_start:old_end], new[new_start:new_end])
    return [
        (tag, i1 + old_start, i2 + old_start, j1 + new_start, j2 + new_start)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]


def _anchored(old, new, old_start, old_end, new_start, new_end, budget: Budget, pool: str) -> list[tuple]:
    """Patience diff: the items found once in each stretch, in the same order in both, are kept as
    equal; the gaps between them are matched within the budget."""
    old_counts, new_counts = Counter(old[old_start:old_end]), Counter(new[new_start:new_end])
    new_unique = {new[j]: j for j in range(new_start, new_end) if new_counts[new[j]] == 1}
    candidates = [
        (i, new_unique[old[i]])
        for i in range(old_start, old_end)
        if old_counts[old[i]] == 1 and old[i] in new_unique
    ]
    budget.work += len(candidates)
    opcodes, i, j = [], old_start, new_start
    for anchor_i, anchor_j in longest_increasing(candidates):
        opcodes += _matched(old, new, i, anchor_i, j, anchor_j, budget, pool)
        opcodes.append(("equal", anchor_i, anchor_i + 1, anchor_j, anchor_j + 1))
        i, j = anchor_i + 1, anchor_j + 1
    opcodes += _matched(old, new, i, old_end, j, new_end, budget, pool)
    return _merged(opcodes)


def longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest run of ``pairs`` (sorted by their first) whose seconds increase too, in
    n log n (patience sorting)."""
    tops, top_index, previous = [], [], [None] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        pile = bisect.bisect_left(tops, j)
        if pile == len(tops):
            tops.append(j)
            top_index.append(index)
        else:
            tops[pile], top_index[pile] = j, index
        previous[index] = top_index[pile - 1] if pile else None
    chain, index = [], top_index[-1] if top_index else None
    while index is not None:
        chain.append(pairs[index])
        index = previous[index]
    return chain[::-1]


def _merged(opcodes: list[tuple]) -> list[tuple]:
    """Adjacent equal opcodes as one."""
    merged = []
    for opcode in opcodes:
        if merged and merged[-1][0] == opcode[0] == "equal":
            tag, i1, _i2, j1, _j2 = merged[-1]
            merged[-1] = (tag, i1, opcode[2], j1, opcode[4])
        else:
            merged.append(opcode)
    return merged


# --- Lists of rows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """An item of the older list (``old``, an index) and of the newer (``new``); None where the
    item is only in one; ``moved`` when it changed place relative to the others."""

    old: int | None
    new: int | None
    moved: bool = False


def paired(old_keys: list[tuple], new_keys: list[tuple]) -> list[Pair]:
    """Items of two lists paired by identity, in the newer order with removed items where they
    were. Each item gives its keys in order of preference (a database id, then an anchor, then a
    heading): the first key pairs what it can, the next pairs among the rest. Moved items are the
    fewest whose moving explains the new order (the rest form a longest increasing run). Linear
    but for that run (n log n)."""
    match: dict[int, int] = {}  # new index -> old index
    taken: set[int] = set()
    for level in range(max((len(keys) for keys in [*old_keys, *new_keys]), default=0)):
        wanted: dict = {}
        for n, keys in enumerate(new_keys):
            if n not in match and level < len(keys) and keys[level] is not None:
                wanted.setdefault(keys[level], n)
        for o, keys in enumerate(old_keys):
            if o in taken or level >= len(keys) or keys[level] is None:
                continue
            n = wanted.pop(keys[level], None)
            if n is not None:
                match[n] = o
                taken.add(o)
    stable = longest_increasing(sorted((o, n) for n, o in match.items()))
    stable_olds = [o for o, _ in stable]
    # Each removed item right after the item kept in place that preceded it (None: at the start).
    removed_after: dict[int | None, list[int]] = {}
    for o in range(len(old_keys)):
        if o not in taken:
            before = bisect.bisect_left(stable_olds, o)
            removed_after.setdefault(stable_olds[before - 1] if before else None, []).append(o)
    kept = set(stable)
    pairs = [Pair(o, None) for o in removed_after.get(None, [])]
    for n in range(len(new_keys)):
        o = match.get(n)
        pairs.append(Pair(o, n, o is not None and (o, n) not in kept))
        if (o, n) in kept:
            pairs += [Pair(removed, None) for removed in removed_after.get(o, [])]
    return pairs
