"""A scan's corpus gives back every document as read, whether its texts are in memory or
in a temporary file, and a scan reports the same either way."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

import dedup
from dedup import corpus as corpus_module
from dedup.corpus import Corpus
from dedup.io import Document, documents_from_texts, iter_documents

DATA = Path(__file__).parent / "data"
NEWS = Path(__file__).parents[1] / "examples" / "news"


def documents():
    """The seed articles (whole files), Reuters records (with fields kept) and awkward texts."""
    docs = list(iter_documents([NEWS]))
    docs += list(iter_documents([DATA / "reuters_sample.jsonl"], keep_records=True))
    docs += documents_from_texts(["", "caf\u00e9 \u2014 \U0001f600\r\nsecond line", "lone \ud800 surrogate", "x" * 70_000],
                                 ids=["empty", "unicode", "surrogate", "long"])
    return docs


@pytest.mark.parametrize("batch", [1, 6, 1000], ids=["append", "extend", "extend-all"])
@pytest.mark.parametrize("spill_after", [0, 7, 10**9], ids=["always", "midway", "never"])
def test_a_corpus_gives_back_every_document_as_appended(spill_after, batch, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    docs = documents()
    corpus = Corpus(spill_after)
    for a in range(0, len(docs), batch):
        if batch == 1:
            corpus.append(docs[a])
        else:  # batches that mix files, and documents with and without records
            corpus.extend(docs[a:a + batch])
    corpus.seal()
    assert corpus.spilled == (spill_after < len(docs))
    assert len(corpus) == len(docs)
    assert list(corpus) == docs
    assert [d.record for d in corpus] == [d.record for d in docs]
    assert corpus[-1] == docs[-1] and corpus[3:9:2] == docs[3:9:2]
    assert corpus.texts([len(docs) - 2, 0, 5]) == [docs[-2].text, docs[0].text, docs[5].text]
    # as UTF-8, undecoded (the lone surrogate and the emoji included)
    wanted = [len(docs) - 2, len(docs) - 3, 0, 5]
    assert corpus.utf8(wanted).to_list() == [docs[i].text for i in wanted]
    assert corpus.utf8(wanted, jobs=3).to_list() == [docs[i].text for i in wanted]  # runs of them on threads
    assert corpus.ids == [d.id for d in docs]
    assert corpus.paths == [d.path for d in docs] and corpus.lines == [d.line for d in docs]
    with pytest.raises(IndexError):
        corpus[len(docs)]
    # the temporary file has no name: nothing is left in TMPDIR, even before closing
    assert os.listdir(tmp_path) == []
    corpus.close()
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("spill_after", [0, 7, 10**9], ids=["always", "midway", "never"])
def test_a_corpus_is_read_while_it_grows(spill_after):
    # each read sees every text added so far, in memory, in the file or while moving there
    docs = documents()
    corpus = Corpus(spill_after)
    for k, doc in enumerate(docs):
        corpus.append(doc)
        assert corpus[k] == doc
        assert corpus.utf8([k, 0]).to_list() == [doc.text, docs[0].text]
    corpus.seal()
    assert list(corpus) == docs
    corpus.close()


@pytest.mark.parametrize("spill_after", [0, 10**9], ids=["spilled", "in-memory"])
def test_a_corpus_of_empty_texts_gives_them_back(spill_after):
    corpus = Corpus(spill_after)
    corpus.extend(documents_from_texts(["", ""]))
    assert corpus.texts([1, 0]) == ["", ""] and corpus.utf8([]).to_list() == []
    corpus.seal()
    assert corpus.text(1) == "" and corpus.utf8([0, 1]).to_list() == ["", ""]


@pytest.mark.parametrize("reads", ["short", "without-preadv"])
def test_texts_come_back_whole_from_short_reads_and_without_preadv(monkeypatch, reads):
    # a read may return fewer bytes than asked; systems without preadv use pread
    if reads == "short":
        real = getattr(os, "preadv", None)
        if real is None:
            pytest.skip("no os.preadv here")
        monkeypatch.setattr(corpus_module, "_PREADV", lambda fd, buffers, offset: real(fd, [buffers[0][:3]], offset))
    else:
        monkeypatch.setattr(corpus_module, "_PREADV", None)
    docs = documents()
    corpus = Corpus(0)
    corpus.extend(docs)
    corpus.seal()
    assert list(corpus) == docs
    assert corpus.utf8(range(len(docs)), jobs=2).to_list() == [d.text for d in docs]


@pytest.mark.parametrize("spill_after", [0, 10**9], ids=["spilled", "in-memory"])
def test_texts_by_negative_and_wrong_numbers(spill_after):
    corpus = Corpus(spill_after)
    corpus.extend(documents_from_texts(["aaa", "b\u00e9", "lone \ud800 x", ""]))
    assert corpus.texts([-2, 0, -4, -1]) == ["lone \ud800 x", "aaa", "aaa", ""]
    assert corpus.text(-3) == "b\u00e9" and corpus[-1].text == ""
    for wrong in ([4], [-5], [0, 9]):
        with pytest.raises(IndexError) as error:
            corpus.texts(wrong)
        assert "is not in this corpus of 4" in str(error.value)
    held = error  # a failed read's traceback, still held, does not stop the corpus growing
    corpus.extend(documents_from_texts(["later"], ids=["5"]))
    assert corpus.texts([4, 2]) == ["later", "lone \ud800 x"] and held is not None


def test_a_reader_on_another_thread_never_counts_a_text_not_yet_added():
    import threading

    corpus = Corpus(50)
    docs = documents_from_texts([f"text {k} " * (k % 7) for k in range(600)])
    errors, done = [], threading.Event()

    def read():
        while not done.is_set():
            n = len(corpus)
            try:
                if n:
                    assert corpus.texts([n - 1]) == [docs[n - 1].text]
            except Exception as err:  # noqa: BLE001 - any failure is the test's
                errors.append(err)
                return

    reader = threading.Thread(target=read)
    reader.start()
    for a in range(0, len(docs), 3):
        corpus.extend(docs[a:a + 3])
    done.set()
    reader.join()
    corpus.seal()
    assert errors == [] and list(corpus) == docs


def test_a_sealed_corpus_cannot_grow():
    corpus = Corpus()
    corpus.seal()
    with pytest.raises(RuntimeError, match="sealed"):
        corpus.append(Document("a", "text", "<memory>", 1))


def test_a_scan_reports_the_same_whether_texts_are_spilled(monkeypatch):
    """Reuters stories and their copies (reports quote block texts and lines, read back
    from the temporary file) scanned with texts in memory and spilled."""
    docs = documents()
    in_memory = dedup.Report(dedup.Scanner().scan(docs))
    monkeypatch.setattr(corpus_module, "SPILL_AFTER", 5)
    spilled_result = dedup.Scanner().scan(docs)
    assert spilled_result.documents.spilled
    spilled = dedup.Report(spilled_result)
    assert in_memory.summary["repeats"] > 0 and in_memory.summary["clusters"] > 0
    assert json.loads(spilled.to_json()) == json.loads(in_memory.to_json())
    assert spilled.to_table() == in_memory.to_table()


@pytest.mark.parametrize("spill", [False, True], ids=["in-memory", "spilled"])
def test_a_report_pickles_and_copies_whole(spill, monkeypatch):
    """A researcher's report sent to another process (multiprocessing, joblib) or
    saved with pickle: its corpus's texts and signatures were in open temporary files
    (over 4,096 documents, or several batches), which cannot be pickled."""
    import copy
    import pickle

    from dedup import batch

    docs = documents()
    if spill:
        monkeypatch.setattr(corpus_module, "SPILL_AFTER", 5)
        monkeypatch.setattr(batch, "BATCH_DOCS", 7)  # the signatures spill too
    result = dedup.Scanner().scan(docs)
    report = dedup.Report(result)
    assert result.documents.spilled == spill
    for again in (pickle.loads(pickle.dumps(result)), copy.deepcopy(result)):
        assert again.documents.spilled == spill
        assert [(d.id, d.text, d.path, d.line, d.record) for d in again.documents] == \
            [(d.id, d.text, d.path, d.line, d.record) for d in docs]
        assert np.array_equal(again.signatures, result.signatures)
    for again in (pickle.loads(pickle.dumps(report)), copy.deepcopy(report)):
        assert json.loads(again.to_json()) == json.loads(report.to_json())
        assert again.to_html() == report.to_html()
        assert np.array_equal(again.signature_matrix, report.signature_matrix)
        assert again.documents.equals(report.documents)


def test_no_room_for_the_temporary_file_is_a_clear_error(monkeypatch):
    import errno
    import tempfile

    from click.testing import CliRunner

    from dedup.cli import cli

    def no_room(*args, **kwargs):  # the disk under TMPDIR is full
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(tempfile, "TemporaryFile", no_room)
    monkeypatch.setattr(corpus_module, "SPILL_AFTER", 2)
    result = CliRunner().invoke(cli, ["scan", str(NEWS)])
    assert result.exit_code == 2, result.output
    message = result.output.strip().splitlines()[-1]
    assert "temporary text file" in message and "No space left" in message and "TMPDIR" in message
