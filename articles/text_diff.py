"""Two versions of a text side by side, as an HTML table, in work bounded by the texts' length.

difflib.HtmlDiff (what the history pages used) pairs every changed line with every other changed
line and compares each pair character by character (Differ._fancy_replace): one ~25,000-character
section saved twice took 30.6 s, and about a thousand changed lines overflow its recursion. Here:

- Lines: the common first and last lines are set aside (linear), and difflib.SequenceMatcher aligns
  the rest when its lines on the two sides multiply to at most MAX_LINE_PAIRS (its worst case is
  about that product). A longer rest is first anchored on the lines found once in each version
  (patience diff: a longest increasing subsequence, n log n), and SequenceMatcher aligns the gaps
  between anchors while their products stay within the same budget; a gap past it is shown as one
  changed block.
- Inside a changed block, the removed and added lines are paired in order, never searched for the
  most similar pair; each pair is compared word by word (words, spaces and punctuation) with the
  words both lines start and end with set aside, when the rest multiply to at most MAX_WORD_PAIRS
  and the whole comparison stays within MAX_TOTAL_WORD_PAIRS; otherwise the pair's differing middle
  is marked changed as a whole.

When a limit is reached, the table says the comparison was simplified: it is still complete (every
line of both versions is shown) but coarser. ``Comparison.work`` counts the pairs examined.

Why not a library: diff-match-patch (Google's, maintained on PyPI) bounds its work by wall-clock
time (Diff_Timeout), so the same two versions would compare differently on a busy server, and it
renders inline, not side by side; cydifflib is difflib's algorithms in C, still quadratic. difflib
with explicit, counted limits is deterministic and needs nothing new.
"""

import bisect
import difflib
import html
import re
from collections import Counter
from dataclasses import dataclass

# SequenceMatcher over the lines in between the common ones: 1,000 x 1,000 lines is ~0.2 s.
MAX_LINE_PAIRS = 1_000_000
# Word by word (words, spaces and punctuation): a line pair's differing middles, up to about 100
# words each, and all pairs together, a few hundred changed sentences. SequenceMatcher's cost grows
# faster than the product on repetitive text (~50 ms for 200 x 200 near-identical tokens).
MAX_WORD_PAIRS = 40_000
MAX_TOTAL_WORD_PAIRS = 500_000
CONTEXT_LINES = 2

SIMPLIFIED = (
    "These versions differ in a lot of text, so this comparison is simplified: some changed "
    "passages are marked as a whole rather than word by word. Every line of both versions is shown."
)
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")
# How each kind of word change is marked on the (old, new) side.
_MARKS = {"replace": ("diff_chg", "diff_chg"), "delete": ("diff_sub", ""), "insert": ("", "diff_add")}


@dataclass
class Comparison:
    html: str
    simplified: bool = False
    work: int = 0  # line pairs and word pairs examined


@dataclass
class _Row:
    old_number: int | None
    old: str  # HTML
    new_number: int | None
    new: str
    changed: bool


@dataclass
class _Budget:
    line_pairs: int = MAX_LINE_PAIRS
    word_pairs: int = MAX_TOTAL_WORD_PAIRS
    work: int = 0
    simplified: bool = False


def side_by_side(
    old_lines: list[str], new_lines: list[str], old_label: str, new_label: str, context: int = CONTEXT_LINES
) -> Comparison:
    """The changed lines of ``old_lines`` and ``new_lines`` with ``context`` lines around them."""
    budget, rows = _Budget(), []
    for tag, old_start, old_end, new_start, new_end in _line_opcodes(old_lines, new_lines, budget):
        olds, news = old_lines[old_start:old_end], new_lines[new_start:new_end]
        if tag == "equal":
            rows += [
                _Row(old_start + n + 1, _escape(line), new_start + n + 1, _escape(line), False)
                for n, line in enumerate(olds)
            ]
            continue
        for n in range(max(len(olds), len(news))):
            old = olds[n] if n < len(olds) else None
            new = news[n] if n < len(news) else None
            old_html, new_html = _changed_line(old, new, budget)
            rows.append(
                _Row(
                    old_start + n + 1 if old is not None else None,
                    old_html,
                    new_start + n + 1 if new is not None else None,
                    new_html,
                    True,
                )
            )
    table = _table(rows, old_label, new_label, context)
    note = f'<p class="diff_simplified">{SIMPLIFIED}</p>' if budget.simplified else ""
    return Comparison(note + table, budget.simplified, budget.work)


def _line_opcodes(old: list[str], new: list[str], budget: _Budget) -> list[tuple]:
    """SequenceMatcher-style opcodes for the lines, within the line budget."""
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    old_end, new_end = len(old) - suffix, len(new) - suffix
    opcodes = [("equal", 0, prefix, 0, prefix)] if prefix else []
    if (old_end - prefix) * (new_end - prefix) <= budget.line_pairs:
        opcodes += _matched(old, new, prefix, old_end, prefix, new_end, budget)
    else:
        opcodes += _anchored(old, new, prefix, old_end, prefix, new_end, budget)
    if suffix:
        opcodes.append(("equal", old_end, len(old), new_end, len(new)))
    return opcodes


def _matched(old, new, old_start, old_end, new_start, new_end, budget: _Budget) -> list[tuple]:
    """The opcodes of old[old_start:old_end] against new[new_start:new_end]: SequenceMatcher's if
    the budget allows, else the whole stretch as one change."""
    pairs = (old_end - old_start) * (new_end - new_start)
    if not pairs:
        if old_end > old_start:
            return [("delete", old_start, old_end, new_start, new_end)]
        if new_end > new_start:
            return [("insert", old_start, old_end, new_start, new_end)]
        return []
    if pairs > budget.line_pairs:
        budget.simplified = True
        return [("replace", old_start, old_end, new_start, new_end)]
    budget.line_pairs -= pairs
    budget.work += pairs
    matcher = difflib.SequenceMatcher(None, old[old_start:old_end], new[new_start:new_end])
    return [
        (tag, i1 + old_start, i2 + old_start, j1 + new_start, j2 + new_start)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
    ]


def _anchored(old, new, old_start, old_end, new_start, new_end, budget: _Budget) -> list[tuple]:
    """Patience diff: the lines found once in each stretch, in the same order in both, are kept as
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
    for anchor_i, anchor_j in _longest_increasing(candidates):
        opcodes += _matched(old, new, i, anchor_i, j, anchor_j, budget)
        opcodes.append(("equal", anchor_i, anchor_i + 1, anchor_j, anchor_j + 1))
        i, j = anchor_i + 1, anchor_j + 1
    opcodes += _matched(old, new, i, old_end, j, new_end, budget)
    return _merged(opcodes)


def _longest_increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
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
    """Adjacent opcodes of the same kind as one."""
    merged = []
    for opcode in opcodes:
        if merged and merged[-1][0] == opcode[0] == "equal":
            tag, i1, _i2, j1, _j2 = merged[-1]
            merged[-1] = (tag, i1, opcode[2], j1, opcode[4])
        else:
            merged.append(opcode)
    return merged


def _changed_line(old: str | None, new: str | None, budget: _Budget) -> tuple[str, str]:
    """(old, new) as HTML: a line only on one side is marked whole; a pair, word by word."""
    if old is None:
        return "", _marked(new, "diff_add")
    if new is None:
        return _marked(old, "diff_sub"), ""
    old_tokens, new_tokens = _TOKENS.findall(old), _TOKENS.findall(new)
    start = 0
    while start < min(len(old_tokens), len(new_tokens)) and old_tokens[start] == new_tokens[start]:
        start += 1
    end = 0
    while (
        end < min(len(old_tokens), len(new_tokens)) - start and old_tokens[-1 - end] == new_tokens[-1 - end]
    ):
        end += 1
    old_middle = old_tokens[start : len(old_tokens) - end]
    new_middle = new_tokens[start : len(new_tokens) - end]
    head, tail = _escape("".join(old_tokens[:start])), _escape("".join(old_tokens[len(old_tokens) - end :]))
    pairs = len(old_middle) * len(new_middle)
    if not pairs:  # only added or only removed words
        return (
            head + _marked("".join(old_middle), "diff_sub") + tail,
            head + _marked("".join(new_middle), "diff_add") + tail,
        )
    if pairs > MAX_WORD_PAIRS or pairs > budget.word_pairs:
        budget.simplified = True
        return (
            head + _marked("".join(old_middle), "diff_chg") + tail,
            head + _marked("".join(new_middle), "diff_chg") + tail,
        )
    budget.word_pairs -= pairs
    budget.work += pairs
    old_parts, new_parts = [head], [head]
    matcher = difflib.SequenceMatcher(None, old_middle, new_middle)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        removed, added = "".join(old_middle[i1:i2]), "".join(new_middle[j1:j2])
        if tag == "equal":
            old_parts.append(_escape(removed))
            new_parts.append(_escape(added))
        else:
            old_parts.append(_marked(removed, _MARKS[tag][0]))
            new_parts.append(_marked(added, _MARKS[tag][1]))
    return "".join(old_parts) + tail, "".join(new_parts) + tail


def _escape(text: str) -> str:
    return html.escape(text, quote=False)


def _marked(text: str, css_class: str) -> str:
    if not text:
        return ""
    return f'<span class="{css_class}">{_escape(text)}</span>'


def _table(rows: list[_Row], old_label: str, new_label: str, context: int) -> str:
    """The rows within ``context`` rows of a change, each run of them in its own <tbody>."""
    # Distance to the nearest changed row, in two sweeps.
    distance = [0 if row.changed else len(rows) + context + 1 for row in rows]
    for index in range(1, len(rows)):
        distance[index] = min(distance[index], distance[index - 1] + 1)
    for index in range(len(rows) - 2, -1, -1):
        distance[index] = min(distance[index], distance[index + 1] + 1)
    parts = [
        '<table class="diff" rules="groups">',
        '<colgroup class="diff_number"></colgroup><colgroup></colgroup>'
        '<colgroup class="diff_number"></colgroup><colgroup></colgroup>',
        f'<thead><tr><th colspan="2" class="diff_header">{_escape(old_label)}</th>'
        f'<th colspan="2" class="diff_header">{_escape(new_label)}</th></tr></thead>',
    ]
    in_body = False
    for index, row in enumerate(rows):
        if distance[index] > context:
            if in_body:
                parts.append("</tbody>")
                in_body = False
            continue
        if not in_body:
            parts.append("<tbody>")
            in_body = True
        parts.append(
            f'<tr><td class="diff_header">{row.old_number or ""}</td><td>{row.old}</td>'
            f'<td class="diff_header">{row.new_number or ""}</td><td>{row.new}</td></tr>'
        )
    if in_body:
        parts.append("</tbody>")
    if not any(row.changed for row in rows):
        parts.append('<tbody><tr><td colspan="4" class="diff_header">No differences.</td></tr></tbody>')
    parts.append("</table>")
    return "".join(parts)
