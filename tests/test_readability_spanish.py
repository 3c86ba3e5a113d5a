"""Spanish readability (articles/readability_es.py): the published formulas, the counts behind them,
the INFLESZ bands, and that measuring Spanish leaves the English grades alone."""

import threading

import pyphen
import pytest

from articles import readability, readability_es
from articles.readability_es import (
    SpanishStatistics,
    count_syllables,
    inflesz_band,
    measure_es,
    split_sentences,
    split_words,
)


# The published formulas, written out here rather than imported, so a wrong constant in the module
# cannot agree with itself.
def fernandez_huerta_1959_corrected(*, sentences, words, syllables):
    # L = 206.84 - 0.60 P - 1.02 F; P = syllables per 100 words, F = words per sentence (Law 2011).
    return 206.84 - 0.60 * (100 * syllables / words) - 1.02 * (words / sentences)


def szigriszt_pazos_1993(*, sentences, words, syllables):
    return 206.835 - 62.3 * (syllables / words) - words / sentences


# textstat 0.7.13's own Spanish test text (tests/backend/resources.py, LONG_SPANISH_TEXT: the opening
# of García Márquez's "Cien años de soledad"), with its expected scores in
# tests/backend/metrics/test_fernandez_huerta.py (65.967) and test_szigriszt_pazos.py (62.162).
CIEN_ANOS = (
    "Muchos años después, frente al pelotón de fusilamiento, "
    "el coronel Aureliano Buendía había de recordar aquella "
    "tarde remota en que su padre lo llevó a conocer el hielo. "
    "Macondo era entonces una aldea de veinte casas de barro y "
    "cañabrava construidas a la orilla de un río de aguas "
    "diáfanas que se precipitaban por un lecho de piedras pulidas, "
    "blancas y enormes como huevos prehistóricos. El mundo era tan "
    "reciente, que muchas cosas carecían de nombre, y para mencionarlas "
    "había que señalarlas con el dedo. Todos los años, por el mes de marzo, "
    "una familia de gitanos desarrapados plantaba su carpa cerca "
    "de la aldea, y con un grande alboroto de pitos y timbales daban a "
    "conocer los nuevos inventos. Primero llevaron el imán. "
    "Un gitano corpulento, de barba montaraz y manos de gorrión, que se "
    "presentó con el nombre de Melquíades, hizo una truculenta demostración "
    "pública de lo que él mismo llamaba la octava maravilla de "
    "los sabios alquimistas de Macedonia."
)
# textstat's counts of it: 6 sentences, 162 words, 306 syllables (Pyphen's hyphenation points + 1).
TEXTSTAT_COUNTS = {"sentences": 6, "words": 162, "syllables": 306}

# A pain clinic's handout, as a writer following plain-language advice would put it.
BOMBA_SENCILLA = (
    "La bomba intratecal es un aparato pequeño. Se pone bajo la piel de la barriga. "
    "Un tubo fino lleva el medicamento hasta la espalda. Así, una dosis muy pequeña calma el dolor.\n"
    "Cada mes o cada dos meses, la enfermera llena la bomba con una aguja. La visita dura media hora.\n"
    "¿Cuándo debe llamarnos? Llame si tiene fiebre, un dolor de cabeza fuerte o la piel roja cerca de "
    "la bomba. ¡No espere a la próxima cita!"
)
# The same content as a specialist might first write it.
BOMBA_TECNICA = (
    "La administración intratecal de fármacos mediante un sistema de infusión implantable permite "
    "la liberación controlada de analgésicos opioides directamente en el espacio subaracnoideo, "
    "reduciendo considerablemente la dosis necesaria y los efectos adversos sistémicos asociados a "
    "la administración convencional. El rellenado periódico del reservorio se realiza mediante "
    "punción percutánea del septo en condiciones de asepsia rigurosa."
)

ENGLISH = (
    "Your pain pump sits under the skin of your belly. It sends a small dose of medicine through a thin "
    "tube to your spine. Dr. Patel fills the pump with a needle every few weeks."
)


class TestFormulas:
    def test_fernandez_huerta_matches_textstats_published_value_from_its_counts(self):
        score = readability_es.fernandez_huerta(**TEXTSTAT_COUNTS)
        assert round(score, 3) == 65.967
        assert score == pytest.approx(fernandez_huerta_1959_corrected(**TEXTSTAT_COUNTS))

    def test_szigriszt_pazos_uses_the_published_constant(self):
        # textstat's 62.162 uses 206.84 (its Spanish "fre_base"); the published constant is 206.835.
        score = readability_es.szigriszt_pazos(**TEXTSTAT_COUNTS)
        assert round(score, 3) == 62.157
        assert round(score + 0.005, 3) == 62.162
        assert score == pytest.approx(szigriszt_pazos_1993(**TEXTSTAT_COUNTS))

    def test_textstats_easy_sentence_from_its_counts(self):
        # textstat's EASY_SPANISH_TEXT "Hoy es un lindo día": 1 sentence, 5 words, 6 syllables.
        assert readability_es.fernandez_huerta(1, 5, 6) == pytest.approx(129.74)
        assert readability_es.szigriszt_pazos(1, 5, 6) == pytest.approx(206.835 - 62.3 * 6 / 5 - 5)

    def test_shorter_sentences_read_easier(self):
        # The uncorrected reading (F = sentences per 100 words) would make this go the other way.
        long_sentences = readability_es.fernandez_huerta(sentences=2, words=100, syllables=200)
        short_sentences = readability_es.fernandez_huerta(sentences=10, words=100, syllables=200)
        assert short_sentences > long_sentences

    def test_no_words_no_score(self):
        assert readability_es.fernandez_huerta(0, 0, 0) is None
        assert readability_es.szigriszt_pazos(0, 0, 0) is None
        assert SpanishStatistics().szigriszt_pazos is None
        assert SpanishStatistics().inflesz_band is None

    @pytest.mark.parametrize(
        "score, band",
        [
            (-5.0, "muy difícil"),
            (39.9, "muy difícil"),
            (40.0, "algo difícil"),
            (54.9, "algo difícil"),
            (55.0, "normal"),
            (64.9, "normal"),
            (65.0, "bastante fácil"),
            (80.0, "bastante fácil"),
            (80.1, "muy fácil"),
            (120.0, "muy fácil"),
            (None, None),
        ],
    )
    def test_inflesz_bands(self, score, band):
        assert inflesz_band(score) == band


class TestCounts:
    def test_textstats_text_counts_as_textstat_counts_sentences_and_words(self):
        statistics = measure_es(CIEN_ANOS)
        assert (statistics.sentences, statistics.words) == (6, 162)
        # Spoken syllables: 22 more than textstat's 306, from hiatus and one-letter syllables that
        # hyphenation never splits (a-ños, dí-a, rí-o, Mel-quí-a-des).
        assert statistics.syllables == 328
        assert statistics.fernandez_huerta == round(
            fernandez_huerta_1959_corrected(sentences=6, words=162, syllables=328), 1
        )
        assert (statistics.fernandez_huerta, statistics.szigriszt_pazos) == (57.8, 53.7)
        assert statistics.inflesz_band == "algo difícil"

    def test_first_sentence_counted_by_hand(self):
        # Mu-chos a-ños des-pués fren-te al pe-lo-tón de fu-si-la-mien-to el co-ro-nel Au-re-lia-no
        # Buen-dí-a ha-bí-a de re-cor-dar a-que-lla tar-de re-mo-ta en que su pa-dre lo lle-vó a
        # co-no-cer el hie-lo: 28 words, 59 syllables.
        first = split_sentences(CIEN_ANOS)[0]
        assert first.endswith("conocer el hielo.")
        assert measure_es(first) == SpanishStatistics(sentences=1, words=28, syllables=59)

    @pytest.mark.parametrize(
        "word, syllables",
        [
            ("agua", 2),  # diphthong ua
            ("ciudad", 2),  # diphthong iu
            ("buey", 1),  # triphthong
            ("Uruguay", 3),
            ("día", 2),  # accented i: hiatus
            ("oír", 2),
            ("reúne", 3),
            ("leer", 2),  # two strong vowels: hiatus
            ("aéreo", 4),
            ("poeta", 3),
            ("ahora", 3),  # h between vowels is silent
            ("prohíbe", 3),
            ("que", 1),  # silent u
            ("guitarra", 3),
            ("pingüino", 3),  # ü is spoken
            ("y", 1),
            ("hay", 1),
            ("muy", 1),
            ("ayuda", 3),  # y before a vowel is a consonant
            ("bomba", 2),
            ("intratecal", 4),
            ("medicamento", 5),
            ("baclofeno", 4),
            ("infección", 3),
            ("reacción", 3),
            ("subaracnoideo", 6),
            ("TC", 2),  # te-ce
            ("RM", 4),  # e-rre-e-me
            ("2,5", 1),
            ("médico-quirúrgico", 7),
            ("", 0),
        ],
    )
    def test_syllables(self, word, syllables):
        assert count_syllables(word) == syllables

    def test_pyphen_undercounts_what_we_count(self):
        dictionary = pyphen.Pyphen(lang="es")
        # Why textstat's syllables (hyphenation points + 1) are not used: TeX never breaks these.
        for word in ("agua", "día", "río", "año", "leer", "ojo"):
            assert len(dictionary.positions(word)) + 1 == 1
            assert count_syllables(word) == 2

    def test_questions_and_exclamations(self):
        assert split_sentences("¿Le duele? ¿Cuánto? ¡Llame ya!") == ["¿Le duele?", "¿Cuánto?", "¡Llame ya!"]
        # A lower-case word after the closing mark goes on with the sentence.
        assert split_sentences("¿Le duele?, preguntó la enfermera.") == ["¿Le duele?, preguntó la enfermera."]
        assert split_sentences("¡Ay! dijo. Luego calló.") == ["¡Ay! dijo.", "Luego calló."]
        # An inverted mark inside a sentence does not end the sentence before it.
        assert split_sentences("Si tiene fiebre, ¿debe llamar? Sí.") == [
            "Si tiene fiebre, ¿debe llamar?",
            "Sí.",
        ]

    def test_abbreviations(self):
        text = (
            "La Dra. Pérez y el Sr. Gómez lo explican, p. ej. con un dibujo. Venga a las 8 a. m. Traiga agua."
        )
        assert split_sentences(text) == [
            "La Dra. Pérez y el Sr. Gómez lo explican, p. ej. con un dibujo.",
            "Venga a las 8 a. m.",
            "Traiga agua.",
        ]
        assert split_sentences("En EE. UU. se usa mucho. Aquí también.") == [
            "En EE. UU. se usa mucho.",
            "Aquí también.",
        ]
        assert split_sentences("Dura aprox. 20 minutos. Puede irse a casa.") == [
            "Dura aprox. 20 minutos.",
            "Puede irse a casa.",
        ]

    def test_every_line_is_a_sentence_and_numbers_alone_are_not(self):
        text = "Qué hacer\nLlame al médico\n1.\n900 123 456\n---"
        assert split_sentences(text) == ["Qué hacer", "Llame al médico"]
        assert measure_es(text).words == 5

    def test_numbers_are_words_of_one_syllable(self):
        assert split_words("Tome 2,5 mg cada 8 horas, 1.000 veces no.") == [
            "Tome", "2,5", "mg", "cada", "8", "horas", "1.000", "veces", "no",
        ]  # fmt: skip
        statistics = measure_es("Tome 2,5 ml.")
        assert statistics == SpanishStatistics(sentences=1, words=3, syllables=4)

    def test_empty_and_one_word(self):
        assert measure_es("") == SpanishStatistics()
        assert measure_es("   \n\n ") == SpanishStatistics()
        assert measure_es("12 34").fernandez_huerta is None
        one = measure_es("Dolor")
        assert one == SpanishStatistics(sentences=1, words=1, syllables=2)
        # Not clamped: one short word scores above 100, as the formulas give.
        assert one.fernandez_huerta == round(206.84 - 60 * 2 - 1.02, 1) == 85.8
        assert one.szigriszt_pazos == round(206.835 - 62.3 * 2 - 1, 1) == 81.2
        assert one.inflesz_band == "muy fácil"


class TestPatientMaterials:
    def test_plain_pump_handout_reaches_the_patient_target(self):
        statistics = measure_es(BOMBA_SENCILLA)
        assert statistics == SpanishStatistics(sentences=9, words=77, syllables=142)
        assert (statistics.fernandez_huerta, statistics.szigriszt_pazos) == (87.5, 83.4)
        assert statistics.szigriszt_pazos >= 65
        assert statistics.inflesz_band in ("bastante fácil", "muy fácil")
        assert not statistics.is_below_target(65)

    def test_technical_version_is_very_hard(self):
        statistics = measure_es(BOMBA_TECNICA)
        assert statistics == SpanishStatistics(sentences=2, words=55, syllables=156)
        assert (statistics.fernandez_huerta, statistics.szigriszt_pazos) == (8.6, 2.6)
        assert statistics.inflesz_band == "muy difícil"
        assert statistics.is_below_target(65)
        assert statistics.fernandez_huerta < measure_es(BOMBA_SENCILLA).fernandez_huerta

    def test_counts_add_up_across_sections(self):
        sections = BOMBA_SENCILLA.split("\n")
        total = sum((measure_es(section) for section in sections), SpanishStatistics())
        assert total == measure_es(BOMBA_SENCILLA)
        assert total.szigriszt_pazos == measure_es(BOMBA_SENCILLA).szigriszt_pazos

    def test_no_score_is_not_below_target(self):
        assert not measure_es("").is_below_target(65)


class TestEnglishUnchanged:
    def test_english_grades_are_the_same_before_and_after_spanish(self):
        before = readability.measure(ENGLISH)
        for text in (CIEN_ANOS, BOMBA_SENCILLA, BOMBA_TECNICA):
            measure_es(text)
        after = readability.measure(ENGLISH)
        assert after == before
        assert (after.flesch_kincaid_grade, after.smog_grade) == (
            before.flesch_kincaid_grade,
            before.smog_grade,
        )

    def test_spanish_in_threads_leaves_english_alone(self):
        expected_es = measure_es(BOMBA_SENCILLA)
        expected_en = readability.measure(ENGLISH)
        results = []

        def work():
            for _ in range(20):
                results.append((measure_es(BOMBA_SENCILLA), readability.measure(ENGLISH)))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert results == [(expected_es, expected_en)] * 80

    def test_the_spanish_module_keeps_no_language_state(self):
        # No textstat.set_lang-style global: nothing in the module names a current language.
        assert not any("lang" in name.lower() for name in vars(readability_es))
