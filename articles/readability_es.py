"""Readability of Spanish plain text: Fernández-Huerta and Szigriszt-Pazos (INFLESZ).

``measure_es(text)`` counts sentences, words and syllables; the scores are the published formulas
applied to those counts. As in ``articles.readability`` the counts add up (``a + b``), so an
article's scores are the formulas applied to the sum of its sections' counts, never an average.
Both scores run the other way from a grade: higher is easier (roughly 0-100).

- Fernández-Huerta (1959), as corrected (Law 2011; the form on legible.es and in textstat):
  ``L = 206.84 - 60 * syllables/words - 1.02 * words/sentences``, i.e. ``206.84 - 0.60 P - 1.02 F``
  with P the syllables per 100 words and F the *words per sentence*. The form often quoted, with F
  the sentences per 100 words, is the error Law pointed out: it makes shorter sentences harder.
- Szigriszt-Pazos perspicuity (1993), the INFLESZ index:
  ``IFSZ = 206.835 - 62.3 * syllables/words - words/sentences``.
- The INFLESZ scale (Barrio-Cantalejo et al., An. Sist. Sanit. Navar. 2008; 31(2): 135-152) reads
  IFSZ as: below 40 "muy difícil", 40 to 55 "algo difícil", 55 to 65 "normal", 65 to 80
  "bastante fácil", above 80 "muy fácil" (a shared bound belongs to the band above it, except 80,
  which is not "above 80").

Why not textstat (0.7.13) at run time, although it computes both scores offline for ``es``: its
sentence count drops every sentence of one or two words ("¿Le duele?", "Llame al 911.") and splits
on the full stop of "Dr." or "p. ej."; its syllables are Pyphen's hyphenation points + 1, and TeX
hyphenation never breaks off a single letter nor splits two vowels, so "agua", "día", "oír", "río"
count one syllable (about 6% fewer syllables than spoken on its own Spanish test text); its
Szigriszt-Pazos uses 206.84 for 206.835; and it installs a top-level ``tests`` package into
site-packages that can shadow this project's ``tests``. The formulas are a line each, so they are
applied here to counts made by the rules below (and ``tests/test_readability_spanish.py`` checks them
against textstat's published expected values from textstat's own counts).

Counting rules:

- Sentences as in English (``articles.readability``): every non-empty line ends one; within a line
  ``.``, ``!``, ``?`` and ``…`` end one unless a lower-case word follows ``!``/``?``/``…``
  ("¿Le duele?, preguntó"), or the full stop closes an abbreviation: titles and connectives
  ("Dr.", "Sra.", "Ud.", "p. ej.", "aprox.") never end one; others ("etc.", "a. m.", initials) end
  one only before a capital. ``¿`` and ``¡`` open a sentence but do not end the one before.
  A fragment without a letter is no sentence and its numbers are no words.
- A word is a run of letters (hyphenated compounds are one word, their syllables summed); a numeral
  (``2,5``, ``1.000``) is a word of one syllable, as in English.
- Syllables by Spanish orthography: each group of adjacent vowels is one syllable (a diphthong or
  triphthong: "cuida", "buey") plus one for each further strong vowel (a, e, o) or accented í/ú in
  it (a hiatus: "le-er", "dí-a", "re-ú-ne"); "u" in "que/qui/gue/gui" is silent (but "ü" is not);
  "y" is a vowel only before a consonant or at the end of a word; "h" between vowels is silent.
  Capitals without a vowel ("TC", "RM") are read letter by letter by their Spanish letter names.
"""

import re
import unicodedata
from dataclasses import dataclass

_LETTER = r"[^\W\d_]"
_WORD = re.compile(rf"{_LETTER}+(?:['’]{_LETTER}+)*(?:[-‐]{_LETTER}+(?:['’]{_LETTER}+)*)*|\d+(?:[.,]\d+)*")
_PART = re.compile(rf"{_LETTER}+|\d+(?:[.,]\d+)*")
_HAS_LETTER = re.compile(_LETTER)

_CLOSERS = "\"')]}”’»"
_OPENERS = "\"'([{“‘«¿¡"
# Read as part of what follows: "Dr. Pérez", "p. ej. el hielo", "aprox. 20 minutos".
_CONTINUING = frozenset(
    {
        "dr", "dra", "sr", "sra", "srta", "d", "dña", "ud", "uds", "lic", "ing", "prof", "profa",
        "ej", "p. ej", "vs", "cf", "aprox", "núm", "nº", "n.º", "pág", "págs", "tel", "fig", "av",
        "avda", "máx", "mín", "ee", "ee. uu", "ee.uu",
    }
)  # fmt: skip
# May close a sentence ("... a las 8 p. m. Luego ..."): a capital next decides.
_AMBIGUOUS = frozenset({"etc", "a. m", "p. m", "m", "uu", "cía", "s. a", "jr"})
_INITIALS = re.compile(rf"(?:{_LETTER}\.)*{_LETTER}")

_STRONG = frozenset("aeoáéóíú")  # accented í/ú: a hiatus, they form their own syllable
_VOWELS = frozenset("aeiouáéíóúü")
# Spanish letter names' syllables, for capitals read letter by letter ("TC": te-ce).
_LETTER_NAMES = {
    "f": 2,
    "h": 2,
    "j": 2,
    "l": 2,
    "m": 2,
    "n": 2,
    "ñ": 2,
    "r": 2,
    "s": 2,
    "v": 2,
    "w": 3,
    "x": 2,
    "z": 2,
}

INFLESZ_BANDS = ("muy difícil", "algo difícil", "normal", "bastante fácil", "muy fácil")


def _lower_keep_tilde(word: str) -> str:
    # Keep á é í ó ú ü ñ, drop other marks ("ç", "à") that Spanish does not use for vowels.
    kept = []
    for ch in unicodedata.normalize("NFC", word.lower()):
        if ch in "áéíóúüñ":
            kept.append(ch)
        else:
            kept.append("".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c)))
    return "".join(kept)


def _nuclei(letters: str) -> int:
    letters = re.sub(r"(?<=[qg])u(?=[eiéí])", "", letters)  # que, qui, gue, gui: silent u
    letters = re.sub(r"(?<=[aeiouáéíóúü])h(?=[aeiouáéíóúü])", "", letters)  # ahora, prohíbe
    # "y" is a vowel before a consonant or at the end ("hay", "muy", "y"), a consonant before a vowel.
    letters = re.sub(r"y(?![aeiouáéíóúü])", "i", letters)
    count = 0
    for group in re.findall(r"[aeiouáéíóúü]+", letters):
        strong = sum(ch in _STRONG for ch in group)
        count += max(strong, 1)
    return count


def _part_syllables(part: str) -> int:
    if part[0].isdigit():
        return 1
    letters = _lower_keep_tilde(part)
    if part.isupper() and not any(ch in _VOWELS for ch in letters):
        return sum(_LETTER_NAMES.get(ch, 1) for ch in letters)
    return max(_nuclei(letters), 1)


def count_syllables(word: str) -> int:
    """Syllables of a Spanish word as written (0 if it has no letter or digit); see the module doc."""
    return sum(_part_syllables(part) for part in _PART.findall(word))


def split_words(text: str) -> list[str]:
    """Words and numerals, in order; a hyphenated word stays one word."""
    return _WORD.findall(text)


def _ends_sentence(token: str, next_token: str, previous: str) -> bool:
    stripped = token.rstrip(_CLOSERS)
    following = next_token.lstrip(_OPENERS)[:1]
    if stripped.endswith(("!", "?", "…", "...")) and not stripped.endswith("...."):
        # "¿Le duele?, preguntó" / "¡Ay! dijo": a lower-case word goes on with the sentence.
        return not following.islower() and following not in (",", ";", ":")
    if not stripped.endswith("."):
        return False
    abbreviation = stripped[:-1].lstrip(_OPENERS).lower()
    two_tokens = f"{previous} {abbreviation}"  # "p. ej", "a. m", "ee. uu"
    if abbreviation in _CONTINUING or two_tokens in _CONTINUING:
        return False
    if abbreviation in _AMBIGUOUS or two_tokens in _AMBIGUOUS or _INITIALS.fullmatch(abbreviation):
        return following.isupper()
    return True


def split_sentences(text: str) -> list[str]:
    """The sentences of plain Spanish text, whitespace collapsed, by the module's rules."""
    sentences = []
    for line in text.splitlines():
        tokens = line.split()
        current: list[str] = []
        for index, token in enumerate(tokens):
            current.append(token)
            next_token = tokens[index + 1] if index + 1 < len(tokens) else ""
            previous = tokens[index - 1].lstrip(_OPENERS).lower() if index else ""
            if index + 1 == len(tokens) or _ends_sentence(token, next_token, previous):
                sentence = " ".join(current)
                if _HAS_LETTER.search(sentence):
                    sentences.append(sentence)
                current = []
    return sentences


def fernandez_huerta(sentences: int, words: int, syllables: int) -> float | None:
    """Fernández-Huerta (1959) as corrected, unrounded; None without words or sentences."""
    if not words or not sentences:
        return None
    return 206.84 - 60 * (syllables / words) - 1.02 * (words / sentences)


def szigriszt_pazos(sentences: int, words: int, syllables: int) -> float | None:
    """Szigriszt-Pazos perspicuity (IFSZ, 1993), unrounded; None without words or sentences."""
    if not words or not sentences:
        return None
    return 206.835 - 62.3 * (syllables / words) - words / sentences


def inflesz_band(score: float | None) -> str | None:
    """The INFLESZ band of a Szigriszt-Pazos score (Barrio-Cantalejo et al. 2008)."""
    if score is None:
        return None
    if score < 40:
        return "muy difícil"
    if score < 55:
        return "algo difícil"
    if score < 65:
        return "normal"
    if score <= 80:
        return "bastante fácil"
    return "muy fácil"


@dataclass(frozen=True)
class SpanishStatistics:
    """Counts behind the Spanish scores. ``SpanishStatistics()`` is zero, so ``sum(parts, ...)``.

    Scores are rounded to one decimal and are None when there are no words; they are not clamped
    (a very easy text scores above 100, as the formulas give). The band is read from the rounded
    Szigriszt-Pazos score, the one shown.
    """

    sentences: int = 0
    words: int = 0
    syllables: int = 0

    def __add__(self, other: "SpanishStatistics") -> "SpanishStatistics":
        if not isinstance(other, SpanishStatistics):
            return NotImplemented
        return SpanishStatistics(
            sentences=self.sentences + other.sentences,
            words=self.words + other.words,
            syllables=self.syllables + other.syllables,
        )

    @property
    def fernandez_huerta(self) -> float | None:
        score = fernandez_huerta(self.sentences, self.words, self.syllables)
        return None if score is None else round(score, 1)

    @property
    def szigriszt_pazos(self) -> float | None:
        score = szigriszt_pazos(self.sentences, self.words, self.syllables)
        return None if score is None else round(score, 1)

    @property
    def inflesz_band(self) -> str | None:
        return inflesz_band(self.szigriszt_pazos)

    def is_below_target(self, minimum: float) -> bool:
        """True when the Szigriszt-Pazos score is under ``minimum`` (higher is easier); False
        when there is no score, as the English ``is_above_target`` is False without a grade."""
        score = self.szigriszt_pazos
        return score is not None and score < minimum


def measure_es(text: str) -> SpanishStatistics:
    """Counts of plain Spanish text (not HTML: extract it with a newline between blocks first)."""
    sentences = split_sentences(text)
    syllables = [count_syllables(word) for sentence in sentences for word in split_words(sentence)]
    return SpanishStatistics(sentences=len(sentences), words=len(syllables), syllables=sum(syllables))
