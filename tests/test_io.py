"""Tests for dedup.io: reading every input format, errors that name file and line, atomic writes."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import json
import lzma
import os
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from dedup.cli import cli
from dedup.errors import DedupError, DedupWarning, InputError, ParameterError
from dedup.io import (
    Document,
    atomic_open,
    atomic_write,
    detect_format,
    documents_from_texts,
    iter_documents,
    read_dataframe_documents,
    read_documents,
)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "news"


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def read_error(*args, **kwargs) -> InputError:
    """Read and return the InputError that reading must raise."""
    with pytest.raises(InputError) as info:
        read_documents(*args, **kwargs)
    return info.value


# ---------------------------------------------------------------------------
# detect_format
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, expected",
    [
        ("a.jsonl", "jsonl"),
        ("a.NDJSON", "jsonl"),
        ("a.json", "json"),
        ("a.CSV", "csv"),
        ("a.parquet", "parquet"),
        ("a.txt", "text"),
        ("a.md", "text"),
        ("a.weird", "text"),
        ("noextension", "text"),
        ("-", "stdin"),
    ],
)
def test_detect_format(tmp_path, name, expected):
    assert detect_format(name if name == "-" else tmp_path / name) == expected


def test_detect_format_dir(tmp_path):
    assert detect_format(tmp_path) == "dir"


# ---------------------------------------------------------------------------
# Directories and plain text files
# ---------------------------------------------------------------------------


def test_directory_walk_order_ids_and_filters(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / ".hidden").mkdir()
    (tmp_path / "b.txt").write_text("bee", encoding="utf-8")
    (tmp_path / "a.MD").write_text("ay", encoding="utf-8")
    (tmp_path / "sub" / "c.md").write_text("sea", encoding="utf-8")
    (tmp_path / "sub" / "ignored.json").write_text("[]", encoding="utf-8")
    (tmp_path / ".hidden" / "secret.txt").write_text("no", encoding="utf-8")
    (tmp_path / ".dotfile.txt").write_text("no", encoding="utf-8")
    with pytest.warns(DedupWarning, match=r"1 file of records not read \(sub/ignored.json\)"):
        docs = read_documents([tmp_path])
    assert [d.id for d in docs] == ["a.MD", "b.txt", "sub/c.md"]
    assert [d.text for d in docs] == ["ay", "bee", "sea"]
    assert docs[2].path == os.path.join(str(tmp_path), "sub", "c.md")
    assert all(d.line is None for d in docs)


def test_directory_with_real_articles(tmp_path):
    names = sorted(p.name for p in EXAMPLES.glob("*.txt"))[:2]
    for name in names:
        shutil.copy(EXAMPLES / name, tmp_path / name)
    docs = read_documents([tmp_path])
    assert [d.id for d in docs] == names
    assert docs[0].text == (EXAMPLES / names[0]).read_bytes().decode("utf-8")


def test_directories_holding_the_same_file_names_have_distinct_ids(tmp_path):
    """Two days' scrapes both hold the same article names: given together, ids start
    with each directory (as given); given alone, a directory's ids are unchanged."""
    names = sorted(p.name for p in EXAMPLES.glob("*.txt"))[:2]
    for day in ("day1", "day2"):
        (tmp_path / day / "sub").mkdir(parents=True)
        for name in names:
            shutil.copy(EXAMPLES / name, tmp_path / day / "sub" / name)
    day1, day2 = str(tmp_path / "day1"), str(tmp_path / "day2") + os.sep
    docs = read_documents([day1, day2])
    expected = [f"{root}/sub/{name}" for root in (day1, str(tmp_path / "day2")) for name in names]
    assert [d.id for d in docs] == [e.replace(os.sep, "/") for e in expected]
    assert [d.text for d in docs[:2]] == [d.text for d in docs[2:]]
    assert [d.id for d in read_documents([day1])] == [f"sub/{name}" for name in names]


def test_a_directory_without_text_files_is_an_error_naming_its_record_files(tmp_path):
    # a directory of JSONL shards used to read as no documents, exit code 0
    shards = tmp_path / "shards"
    shards.mkdir()
    for part in ("part-0000.jsonl", "part-0001.jsonl"):
        shutil.copy(EXAMPLES.parent.parent / "tests" / "data" / "reuters_sample.jsonl", shards / part)
    (shards / "notes.json").write_text("{}", encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_documents([shards])
    assert str(err.value) == (f"{shards}: no .txt or .md files below this directory (a directory is read for "
                              f"those); name its record files instead (notes.json, part-0000.jsonl, part-0001.jsonl; "
                              f"e.g. {shards}/*.jsonl)")
    assert len(read_documents([shards / "part-0000.jsonl"])) > 0
    # below the top: named by their paths under it, with no glob that would miss them; hidden files left out
    (shards / "day1").mkdir()
    for name in ("part-0000.jsonl", "part-0001.jsonl", "notes.json"):
        (shards / name).rename(shards / "day1" / name)
    (shards / "._part-0000.jsonl").write_bytes(b"\x00\x05")
    with pytest.raises(InputError) as err:
        read_documents([shards])
    assert str(err.value).endswith("; name its record files instead (day1/notes.json, day1/part-0000.jsonl, "
                                   "day1/part-0001.jsonl)")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="no .txt or .md files below this directory"):
        read_documents([empty])


def test_record_files_beside_text_files_are_named_in_a_warning_and_a_tsv_is_no_document(tmp_path):
    # a data engineer's review: a directory of .txt files and a day's .jsonl read the texts
    # and left the 368 records out without a word; a day's .tsv was one document, whose
    # repeated rows clean cut as repeats
    mixed = tmp_path / "mixed"
    (mixed / "a").mkdir(parents=True)
    for path in sorted(EXAMPLES.glob("*.txt"))[:2]:
        shutil.copy(path, mixed / "a" / path.name)
    for name in ("day.jsonl", "b.csv", "c.parquet", "d.jsonl.gz", "e.json"):
        (mixed / name).write_bytes(b"")
    with pytest.warns(DedupWarning, match=r"mixed: 5 files of records not read \(b.csv, c.parquet, d.jsonl.gz and 2 "
                                          r"more\): a directory is read for its .txt and .md files"):
        docs = read_documents([mixed])
    assert [d.id for d in docs] == [f"a/{p.name}" for p in sorted(EXAMPLES.glob("*.txt"))[:2]]
    tsv = tmp_path / "day.tsv.gz"
    with gzip.open(tsv, "wt", encoding="utf-8") as f:
        f.write("id\ttext\n1\tNet 1,356,000 vs 1,041,000\n1\tNet 1,356,000 vs 1,041,000\n")
    with pytest.raises(InputError, match=r"day.tsv.gz: a .tsv file is not read: records are read from .jsonl, "
                                         r".ndjson, .json, .csv, .parquet files"):
        read_documents([tsv])
    result = CliRunner().invoke(cli, ["clean", str(tsv), "-o", str(tmp_path / "out.tsv")])
    assert result.exit_code == 2 and not (tmp_path / "out.tsv").exists()


def test_single_text_file_id_is_path_as_given(tmp_path):
    path = tmp_path / "article.weird"
    path.write_text("hello", encoding="utf-8")
    assert read_documents([str(path)]) == [Document(str(path), "hello", str(path), None)]


def test_crlf_preserved_and_bom_stripped(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"\xef\xbb\xbfline one\r\nline two\r\n")
    (doc,) = read_documents([path])
    assert doc.text == "line one\r\nline two\r\n"


def test_invalid_utf8_names_line_and_column(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"fine\nabcd\xff rest\n")
    err = read_error([path])
    assert (err.path, err.line) == (str(path), 2)
    assert str(err) == f"{path}:2: invalid UTF-8 (byte 0xff at column 5)"


def test_invalid_utf8_column_counts_bom(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"\xef\xbb\xbfab\xfe")
    assert "byte 0xfe at column 6" in str(read_error([path]))


def test_invalid_utf8_in_directory_is_an_error(tmp_path):
    (tmp_path / "a.txt").write_text("ok", encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"\xc3(")
    err = read_error([tmp_path])
    assert (err.path, err.line) == (str(tmp_path / "b.txt"), 1)


def test_binary_file(tmp_path):
    path = tmp_path / "x.bin"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    assert str(read_error([path])) == f"{path}: binary file, not text"


def test_binary_file_in_directory(tmp_path):
    (tmp_path / "x.txt").write_bytes(b"a\x00b")
    err = read_error([tmp_path])
    assert err.path == str(tmp_path / "x.txt")
    assert "binary file" in err.message


def test_nonexistent_path(tmp_path):
    path = tmp_path / "nope.txt"
    assert str(read_error([path])) == f"{path}: no such file or directory"


def test_single_path_string_is_accepted(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("x", encoding="utf-8")
    assert [d.text for d in read_documents(str(path))] == ["x"]


def test_iter_documents_is_lazy(tmp_path):
    path = tmp_path / "a.txt"
    path.write_text("x", encoding="utf-8")
    docs = iter_documents([path, tmp_path / "missing.txt"])
    assert next(docs).text == "x"
    with pytest.raises(InputError, match="no such file"):
        next(docs)


# ---------------------------------------------------------------------------
# JSONL and stdin
# ---------------------------------------------------------------------------


def test_jsonl_with_and_without_ids(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"id": 7, "text": "a"}, {"text": "b\r\nc"}])
    docs = read_documents([path])
    assert docs == [
        Document("7", "a", str(path), 1),
        Document("1", "b\r\nc", str(path), 2),
    ]


def test_jsonl_blank_lines_skipped_but_counted(tmp_path):
    path = tmp_path / "d.ndjson"
    path.write_text('{"text": "a"}\n\n   \n{"text": "b"}\n\n', encoding="utf-8")
    docs = read_documents([path])
    assert [(d.id, d.line) for d in docs] == [("0", 1), ("1", 4)]


def test_jsonl_custom_fields(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"key": "k1", "body": "x", "text": 5}])
    (doc,) = read_documents([path], text_field="body", id_field="key")
    assert (doc.id, doc.text) == ("k1", "x")


def test_jsonl_bom_and_crlf_line_endings(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_bytes(b'\xef\xbb\xbf{"text": "a"}\r\n{"text": "b"}\r\n')
    assert [d.text for d in read_documents([path])] == ["a", "b"]


def test_stdin_jsonl():
    stream = io.BytesIO(b'{"id": "x", "text": "one"}\n{"text": "two"}\n')
    docs = read_documents(["-"], stdin=stream)
    assert docs == [Document("x", "one", "-", 1), Document("1", "two", "-", 2)]


def test_row_ids_prefixed_with_path_when_several_inputs(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [{"text": "1"}, {"text": "2"}])
    b = write_jsonl(tmp_path / "b.jsonl", [{"text": "3"}, {"id": "own", "text": "4"}])
    stream = io.BytesIO(b'{"text": "5"}\n')
    ids = [d.id for d in read_documents([a, b, "-"], stdin=stream)]
    assert ids == [f"{a}#0", f"{a}#1", f"{b}#0", "own", "-#0"]


def test_null_and_nan_text_become_empty(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": null}\n{"text": NaN}\n', encoding="utf-8")
    assert [d.text for d in read_documents([path])] == ["", ""]


def test_huge_single_line_record(tmp_path):
    text = "word " * 1_000_000  # 5 MB on one line
    path = write_jsonl(tmp_path / "big.jsonl", [{"id": "big", "text": text}])
    (doc,) = read_documents([path])
    assert doc.text == text


def test_malformed_jsonl_line(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "a"}\n\n{"text": }\n', encoding="utf-8")
    err = read_error([path])
    assert (err.path, err.line) == (str(path), 3)
    assert str(err).startswith(f"{path}:3: malformed JSON: Expecting value")


@pytest.mark.parametrize("line, kind", [("[1, 2]", "an array"), ('"text"', "a string"), ("3", "a number")])
def test_jsonl_line_not_an_object(tmp_path, line, kind):
    path = tmp_path / "data.jsonl"
    path.write_text('{"text": "a"}\n' + line + "\n", encoding="utf-8")
    assert str(read_error([path])) == f"{path}:2: expected a JSON object, got {kind}"


def test_missing_text_field_jsonl(tmp_path):
    path = write_jsonl(tmp_path / "data.jsonl", [{"text": "a"}, {"text": "b"}, {"id": 1, "body": "c"}])
    assert str(read_error([path])) == f"{path}:3: no text field 'text' (fields: id, body); use --text-field"


@pytest.mark.parametrize("value, kind", [(3, "a number"), (["a"], "an array"), ({"a": 1}, "an object"), (True, "a boolean")])
def test_non_string_text(tmp_path, value, kind):
    path = write_jsonl(tmp_path / "data.jsonl", [{"text": "ok"}, {"text": value}])
    assert str(read_error([path])) == f"{path}:2: text field 'text' is {kind}, not a string"


def test_null_id_is_an_error(tmp_path):
    path = write_jsonl(tmp_path / "data.jsonl", [{"id": None, "text": "a"}])
    err = read_error([path])
    assert (err.path, err.line) == (str(path), 1)


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl-one-bad-line", "csv", "parquet"])
def test_an_id_field_named_on_purpose_must_be_there(tmp_path, fmt):
    rows = [{"url": f"u{i}", "body": f"story {i}"} for i in range(5)]
    if fmt == "csv":
        path = tmp_path / "d.csv"
        pd.DataFrame(rows).to_csv(path, index=False)
        line = 2  # the header is line 1
    elif fmt == "parquet":
        path = tmp_path / "d.parquet"
        pd.DataFrame(rows).to_parquet(path)
        line = 1
    else:
        path = write_jsonl(tmp_path / "d.jsonl", rows)
        if fmt == "jsonl-one-bad-line":  # the line-by-line parser, not Arrow's
            path.write_text(path.read_text() + "  \n")
        line = 1
    assert [d.id for d in read_documents([path], text_field="body", id_field="url")] == [f"u{i}" for i in range(5)]
    err = read_error([path], text_field="body", id_field="urll")  # misspelt: no ids made up
    assert (err.path, err.line) == (str(path), line)
    assert "no id field 'urll'" in str(err) and "--id-field" in str(err)
    # the default field may be absent: then records are numbered
    assert [d.id for d in read_documents([path], text_field="body")] == [str(i) for i in range(5)]


def test_invalid_utf8_in_jsonl_names_line(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(b'{"text": "a"}\n{"text": "\xe9t\xe9"}\n')
    assert str(read_error([path])) == f"{path}:2: invalid UTF-8 (byte 0xe9 at column 11)"


def test_binary_jsonl_names_line(tmp_path):
    path = tmp_path / "data.jsonl"
    path.write_bytes(b'{"text": "a"}\n\x00\x01\n')
    err = read_error([path])
    assert (err.path, err.line, err.message) == (str(path), 2, "binary file, not text")


def test_duplicate_ids_across_files(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [{"id": "x", "text": "1"}])
    b = write_jsonl(tmp_path / "b.jsonl", [{"id": "y", "text": "2"}, {"id": "x", "text": "3"}])
    err = read_error([a, b])
    assert (err.path, err.line) == (str(b), 2)
    assert str(err) == f"{b}:2: duplicate id 'x' (first seen at {a}:1); --skip-malformed skips a repeated id, keeping the first"


def test_a_path_given_twice_is_named_as_such(tmp_path, monkeypatch):
    path = write_jsonl(tmp_path / "d.jsonl", [{"id": "a", "text": "x"}])
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ParameterError, match=r"^d.jsonl: given twice$"):
        read_documents(["d.jsonl", "d.jsonl"])
    with pytest.raises(ParameterError, match=r"given twice \(also as d.jsonl\)"):
        read_documents(["d.jsonl", str(path)])


def test_duplicate_ids_within_file(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl", [{"id": 1, "text": "1"}, {"id": "1", "text": "2"}])
    assert str(read_error([path])).startswith(f"{path}:2: duplicate id '1'")


# ---------------------------------------------------------------------------
# JSON arrays
# ---------------------------------------------------------------------------


# JSONL files are parsed by Arrow a chunk of lines at a time; every chunk whose result Arrow
# cannot guarantee is parsed line by line instead (the parser ``keep_records`` always uses)
JSONL_CASES = {
    "plain": b'{"id": "a", "text": "one"}\n{"id": "b", "text": "two"}\n',
    "no trailing newline": b'{"text": "one"}\n{"text": "two"}',
    "blank and white-space lines": b'{"text": "one"}\n\n  \t\n{"text": "two"}\n\n',
    "crlf and bom": b'\xef\xbb\xbf{"text": "one"}\r\n{"text": "two"}\r\n',
    "bom alone on line 1": b'\xef\xbb\xbf\n{"text": "one"}\n',
    "bom on line 2": b'{"text": "one, longer than a chunk"}\n\xef\xbb\xbf{"text": "two"}\n',
    "two objects on a line": b'{"text": "one"} {"text": "two"}\n',
    "int ids": b'{"id": 7, "text": "one"}\n{"id": -8, "text": "two"}\n',
    "float and huge ids": b'{"id": 1.0, "text": "one"}\n{"id": 12345678901234567890, "text": "two"}\n',
    "bool id": b'{"id": true, "text": "one"}\n',
    "some ids missing": b'{"id": "a", "text": "one"}\n{"text": "two"}\n',
    "null id": b'{"id": "a", "text": "one"}\n{"id": null, "text": "two"}\n',
    "lone surrogate": b'{"text": "one \\ud800 two"}\n',
    "surrogate pair and nul escape": b'{"text": "one \\ud83d\\ude00 \\u0000 two"}\n',
    "duplicate keys": b'{"text": "one", "text": "two"}\n',
    "nan and mixed lists": b'{"text": "one", "n": NaN, "v": [1, "b"]}\n',
    "text null": b'{"text": "one"}\n{"text": null}\n',
    "text a number": b'{"text": "one"}\n{"text": 5}\n',
    "text missing": b'{"text": "one"}\n{"body": "two"}\n',
    "not an object": b'{"text": "one"}\n[1, 2]\n',
    "malformed": b'{"text": "one"}\n{"text": "two",}\n',
    "trailing garbage": b'{"text": "one"}x\n',
    "invalid utf-8 in another field": b'{"text": "one"}\n{"text": "two", "x": "\xff"}\n',
    "nul byte": b'{"text": "one"}\n{"text": "t\x00wo"}\n',
    "invalid utf-8 in a nested key": b'{"text": "a", "x": {"\xff": 1}}\n',
    "invalid utf-8 before an object": b'{"text": "one"}\n\xbb\xbf{"text": "two"}\n',
    "nested 600 deep": b'{"text": "one", "x": ' + b"[" * 600 + b"]" * 600 + b"}\n",
    "nested 100,000 deep": b'{"text": "one", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n",
    "two objects on a line, then a blank one": b'{"text": "one"} {"text": "two"}\n\n',
    "indented line": b'{"text": "one"}\n  {"text": "two"}\n',
    "inf, -nan and infinity": b'{"text": "one", "x": [1.5, Inf]}\n{"text": "two", "y": {"z": -NaN}}\n'
                              b'{"text": "three", "x": -Infinity}\n',
    "an integer of 5,000 digits": b'{"text": "one", "x": ' + b"1" * 5000 + b"}\n",
    "an object over two lines, two on one": b'{"text":"a"}{"x":\n{},"text":"b"}',
    "an object nested over 18,000 lines": b'{"a":\n' * 18000 + b"{}" + b"}" * 18000 + b"\n",
    "padded line": b'{"text": "one"}  \n{"text": "two"}\r\n',
}


def outcome(path, batch_size=None, **kwargs):
    """What reading ``path`` gives: its documents without records, or the error; taken
    ``batch_size`` at a time as a scan does (``DocumentStream.batches``) if given."""
    try:
        stream = iter_documents([path], **kwargs)
        if batch_size is not None:
            batches = list(stream.batches(batch_size))
            assert all(len(b) == batch_size for b in batches[:-1]) and all(len(b) for b in batches)
            stream = [d for b in batches for d in b.documents()]
        return [(d.id, d.text, d.path, d.line) for d in stream]
    except InputError as e:
        return str(e)


@pytest.mark.parametrize("chunk_bytes", [1 << 24, 20])
@pytest.mark.parametrize("case", sorted(JSONL_CASES))
def test_jsonl_read_by_arrow_equals_the_line_parser(tmp_path, monkeypatch, case, chunk_bytes):
    import dedup.io

    path = tmp_path / "in.jsonl"
    path.write_bytes(JSONL_CASES[case])
    monkeypatch.setattr(dedup.io, "_ARROW_CHUNK_BYTES", chunk_bytes)
    expected = outcome(path, keep_records=True)
    assert outcome(path) == expected
    # in batches: Arrow's chunks and the line parser's documents cut and joined
    assert outcome(path, batch_size=2) == expected


def test_jsonl_chunks_keep_line_and_record_numbers_across_doubtful_chunks(tmp_path, monkeypatch):
    import dedup.io

    lines = [json.dumps({"text": f"story {k}"}) for k in range(40)]
    lines[13] = ""  # a blank line sends its chunk to the line parser
    lines[25] = json.dumps({"text": "dup", "text2": "x"}).replace("text2", "text")
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(dedup.io, "_ARROW_CHUNK_BYTES", 100)
    got = outcome(path)
    assert got == outcome(path, keep_records=True)
    assert [(i, line) for i, _, _, line in got][12:15] == [("12", 13), ("13", 15), ("14", 16)]
    assert got[-1][0] == "38" and got[-1][3] == 40


def test_jsonl_read_by_arrow_equals_the_line_parser_on_real_news(monkeypatch):
    import dedup.io

    path = Path(__file__).parent / "data" / "reuters_sample.jsonl"
    whole = outcome(path)
    assert whole == outcome(path, keep_records=True)
    assert len(whole) > 100
    monkeypatch.setattr(dedup.io, "_ARROW_CHUNK_BYTES", 5000)
    assert outcome(path) == whole
    # batches span several chunks, each read into the buffer of the one before
    for size in (1, 7, 100, 10_000):
        assert outcome(path, batch_size=size) == whole


def test_json_array(tmp_path):
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"id": "a", "text": "x"}, {"text": "y"}]), encoding="utf-8")
    assert read_documents([path]) == [Document("a", "x", str(path), 1), Document("1", "y", str(path), 2)]


def test_json_not_an_array(tmp_path):
    path = tmp_path / "d.json"
    path.write_text('{"text": "x"}', encoding="utf-8")
    assert str(read_error([path])) == f"{path}: expected a JSON array of objects, got an object"


def test_json_array_element_not_an_object(tmp_path):
    path = tmp_path / "d.json"
    path.write_text('[{"text": "x"}, "y"]', encoding="utf-8")
    assert str(read_error([path])) == f"{path}:2: expected a JSON object, got a string"


@pytest.mark.parametrize("ending", ["\n", "\r\n", ""])
def test_malformed_jsonl_at_the_end_of_a_line_names_its_column(tmp_path, ending):
    path = tmp_path / "d.jsonl"
    path.write_text('{"id": "a", "text": "Wheat"}\n{"id": "b", "text": "Corn fell", "n": 1' + ending, encoding="utf-8",
                    newline="")
    assert str(read_error([path])) == f"{path}:2: malformed JSON: Expecting ',' delimiter (column 40)"


def test_malformed_json_names_line(tmp_path):
    path = tmp_path / "d.json"
    path.write_text('[\n{"text": "x"},\n{"text" "y"}\n]', encoding="utf-8")
    err = read_error([path])
    assert (err.path, err.line) == (str(path), 3)
    assert "malformed JSON" in err.message


# ---------------------------------------------------------------------------
# CSV
# ---------------------------------------------------------------------------


def test_csv_round_trip(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b'id,text,note\r\nA,"multi\r\nline, quoted",NA\r\nB,NA,\r\nC,,x\r\n')
    docs = read_documents([path])
    assert docs == [
        Document("A", "multi\r\nline, quoted", str(path), 2),  # the file line a record starts on
        Document("B", "NA", str(path), 4),
        Document("C", "", str(path), 5),
    ]


def test_csv_without_id_and_custom_text(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("body\nfirst\n\nsecond\n", encoding="utf-8")
    docs = read_documents([path], text_field="body")
    assert [(d.id, d.text, d.line) for d in docs] == [("0", "first", 2), ("1", "second", 4)]


def test_csv_ids_stay_strings(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("id,text\n007,a\n", encoding="utf-8")
    assert read_documents([path])[0].id == "007"


def test_csv_huge_field(tmp_path):
    text = "x" * 3_000_000
    path = tmp_path / "d.csv"
    path.write_text(f'text\n"{text}"\n', encoding="utf-8")
    assert read_documents([path])[0].text == text


def test_csv_missing_text_column(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("id,body\n1,x\n", encoding="utf-8")
    err = read_error([path])
    assert err.line is None
    assert str(err) == f"{path}: no text column 'text' (columns: id, body); use --text-field"


@pytest.mark.parametrize("header", ["id,text,text", "id,id,text"])
def test_csv_text_or_id_column_named_twice_is_an_error(tmp_path, header):
    """With two ``text`` columns the second was read, and clean wrote it over the first
    (a new user's review)."""
    path = tmp_path / "d.csv"
    path.write_text(header + "\n1,First headline,x\n", encoding="utf-8")
    name = header.split(",")[1]
    assert str(read_error([path])) == f"{path}:1: column {name!r} appears twice in the header; rename one"
    from dedup.clean import clean_file

    with pytest.raises(InputError):
        clean_file(str(path), str(tmp_path / "out.csv"))
    assert sorted(os.listdir(tmp_path)) == ["d.csv"]  # nothing written


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_other_columns_named_twice_are_read_and_cleaned_whole(tmp_path, suffix):
    """Two ``title``s, or a spreadsheet's empty column names: clean wrote one ``title``
    over the other ("First headline" lost, exit 0); then the check refused them all."""
    from dedup.clean import clean_file

    story = "Putin and Xi met in Moscow to talk about trade and energy, and the war."
    header = ["id", "title", "title", "text", "", ""]
    rows = [["1", "First headline", "Second headline", story + "\n\n" + story, "", ""],
            ["2", "A", "B", "Another story altogether, about the weather in Spain.", "", "x"]]
    path = tmp_path / f"d{suffix}"
    if suffix == ".csv":
        path.write_text("\n".join(",".join(f'"{v}"' for v in row) for row in [header] + rows) + "\n",
                        encoding="utf-8")
    else:
        pq.write_table(pa.Table.from_arrays([pa.array(column) for column in zip(*rows)], names=header), path)
    assert [d.text for d in read_documents([path])] == [rows[0][3], rows[1][3]]
    result = clean_file(str(path), str(tmp_path / f"out{suffix}"))
    assert result.summary["repeat_removed"] == 1
    if suffix == ".csv":
        with open(tmp_path / "out.csv", encoding="utf-8", newline="") as f:
            written = list(csv.reader(f))
    else:
        table = pq.ParquetFile(tmp_path / "out.parquet").read()
        written = [table.schema.names] + [list(r) for r in zip(*(c.to_pylist() for c in table.columns))]
    assert written == [header, rows[0][:3] + [story] + rows[0][4:], rows[1]]


def test_csv_wrong_field_count(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text('id,text\n1,"a\nb"\n2,b,extra\n', encoding="utf-8")
    err = read_error([path])
    assert (err.path, err.line) == (str(path), 4)


@pytest.mark.parametrize("content, line, message", [
    # an open quote would take every later row into one text
    ('id,text\n1,"Wheat prices rose\n2,Corn fell\n3,Soybeans flat\n', 2, "malformed CSV: a quoted field is not closed"),
    ('id,text\n1,ok\n\n2,"Wheat" rose\n', 4, "malformed CSV: ',' expected after '\"'"),
])
def test_malformed_csv_names_the_line_of_its_record(tmp_path, content, line, message):
    path = tmp_path / "d.csv"
    path.write_text(content, encoding="utf-8")
    err = read_error([path])
    assert (err.path, err.line, err.message) == (str(path), line, message)


def test_csv_lines_agree_across_errors(tmp_path):
    """A duplicate id names the file lines of both records, as every other error does."""
    path = tmp_path / "d.csv"
    path.write_text('id,text\n1,"Wheat\nrose"\n2,Corn fell\n1,Soy flat\n', encoding="utf-8")
    assert str(read_error([path])) == f"{path}:5: duplicate id '1' (first seen at {path}:2); --skip-malformed skips a repeated id, keeping the first"


def test_csv_invalid_utf8_names_physical_line(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"text\nok\n\xff\n")
    err = read_error([path])
    assert (err.path, err.line) == (str(path), 3)


def test_csv_bom_stripped_from_header(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"\xef\xbb\xbftext\nhello\n")
    assert read_documents([path])[0].text == "hello"


# ---------------------------------------------------------------------------
# Parquet
# ---------------------------------------------------------------------------


def test_parquet_with_ids_and_nulls(tmp_path):
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"id": [10, 11], "text": ["a\r\nb", None], "other": [1, 2]}), path)
    assert read_documents([path]) == [Document("10", "a\r\nb", str(path), 1), Document("11", "", str(path), 2)]


def test_parquet_without_ids_custom_text(tmp_path):
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"body": ["a", "b"]}), path)
    docs = read_documents([path], text_field="body")
    assert [(d.id, d.line) for d in docs] == [("0", 1), ("1", 2)]


def test_parquet_missing_text_column(tmp_path):
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"id": [1], "body": ["x"]}), path)
    assert str(read_error([path])) == f"{path}: no text column 'text' (columns: id, body); use --text-field"


def test_parquet_text_column_named_twice_is_an_error(tmp_path):
    path = tmp_path / "d.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array(["1"]), pa.array(["a"]), pa.array(["story"])],
                                        names=["id", "text", "text"]), path)
    assert str(read_error([path])) == f"{path}: column 'text' appears twice in the schema; rename one"


def test_parquet_non_string_text(tmp_path):
    path = tmp_path / "d.parquet"
    pq.write_table(pa.table({"text": [1, 2]}), path)
    assert str(read_error([path])) == f"{path}:1: text field 'text' is a number, not a string"


def test_corrupt_parquet(tmp_path):
    path = tmp_path / "d.parquet"
    path.write_bytes(b"PAR1 this is not really parquet")
    err = read_error([path])
    assert err.path == str(path)
    assert "cannot read Parquet" in err.message


# ---------------------------------------------------------------------------
# In-memory input
# ---------------------------------------------------------------------------


def test_dataframe_with_index_ids():
    df = pd.DataFrame({"text": ["a", None, float("nan")]}, index=[5, 6, 7])
    assert read_dataframe_documents(df) == [
        Document("5", "a", "<memory>", 1),
        Document("6", "", "<memory>", 2),
        Document("7", "", "<memory>", 3),
    ]


def test_dataframe_with_id_column():
    df = pd.DataFrame({"key": [1, 2], "body": ["x", "y"]})
    docs = read_dataframe_documents(df, text="body", id="key")
    assert [(d.id, d.text) for d in docs] == [("1", "x"), ("2", "y")]
    # an integer column read with a missing value elsewhere is float: its ids stay "1", "2"
    df = pd.DataFrame({"key": [1.0, 2.0, 2.5], "body": ["x", "y", "z"], "other": [None, 1, 2]})
    assert [d.id for d in read_dataframe_documents(df, text="body", id="key")] == ["1", "2", "2.5"]
    assert [d.id for d in read_dataframe_documents(df.set_index("key"), text="body")] == ["1", "2", "2.5"]


def test_dataframe_with_a_repeated_index_or_column_name_is_an_error():
    a = pd.DataFrame({"text": ["first story", "second story"]})
    with pytest.raises(InputError, match=r"index repeats '0'.*reset_index"):
        read_dataframe_documents(pd.concat([a, a]))
    assert [d.id for d in read_dataframe_documents(pd.concat([a, a]).reset_index(drop=True))] == ["0", "1", "2", "3"]
    with pytest.raises(InputError, match="2 columns are named 'text'"):
        read_dataframe_documents(pd.DataFrame([["a b", "c d"]], columns=["text", "text"]))


def test_dataframe_missing_column():
    df = pd.DataFrame({"body": ["x"]})
    with pytest.raises(InputError) as info:
        read_dataframe_documents(df)
    assert str(info.value) == "<memory>: no column 'text' (columns: body)"
    # a notebook user's review: id naming the text's column read as duplicate ids, and
    # naming the index, as no such column without a word of the index
    df = pd.DataFrame({"url": ["a", "b"], "body": ["one story", "one story"]})
    with pytest.raises(InputError, match="text and id name the same column, 'body'"):
        read_dataframe_documents(df, text="body", id="body")
    with pytest.raises(InputError, match=r"no column 'url' \(columns: body\); it names the index, which gives the ids"):
        read_dataframe_documents(df.set_index("url"), text="body", id="url")
    assert [d.id for d in read_dataframe_documents(df.set_index("url"), text="body")] == ["a", "b"]


def test_dataframe_non_string_text_names_row():
    df = pd.DataFrame({"text": ["ok", 3]}, dtype=object)
    with pytest.raises(InputError) as info:
        read_dataframe_documents(df)
    assert (info.value.path, info.value.line) == ("<memory>", 2)


def test_documents_from_texts():
    assert documents_from_texts(["a", "b"]) == [Document("0", "a", "<memory>", 1), Document("1", "b", "<memory>", 2)]
    assert [d.id for d in documents_from_texts(["a"], ids=["x"])] == ["x"]
    with pytest.raises(ParameterError):
        documents_from_texts(["a"], ids=["x", "y"])
    with pytest.raises(InputError, match="duplicate id"):
        documents_from_texts(["a", "b"], ids=["x", "x"])


# ---------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------


def test_atomic_write_replaces_content(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")
    atomic_write(path, "new\r\nč")
    assert path.read_bytes() == "new\r\nč".encode("utf-8")
    atomic_write(path, b"\x00bytes")
    assert path.read_bytes() == b"\x00bytes"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_atomic_open_failure_leaves_target_untouched(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_open(path) as f:
            f.write("partial")
            raise RuntimeError("boom")
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_atomic_open_failure_creates_nothing(tmp_path):
    with pytest.raises(RuntimeError):
        with atomic_open(tmp_path / "new.txt"):
            raise RuntimeError("boom")
    assert os.listdir(tmp_path) == []


def test_atomic_open_missing_directory(tmp_path):
    with pytest.raises(DedupError) as info:
        atomic_write(tmp_path / "no" / "out.txt", "x")
    assert info.value.path == str(tmp_path / "no" / "out.txt")


def test_atomic_open_stdout(capsys):
    with atomic_open("-") as f:
        f.write("to stdout")
    assert capsys.readouterr().out == "to stdout"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_atomic_write_through_a_symbolic_link_replaces_its_file_and_keeps_the_link_and_mode(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    target = real / "out.txt"
    target.write_text("old", encoding="utf-8")
    os.chmod(target, 0o640)
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    atomic_write(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(os.listdir(real)) == ["out.txt"]
    # a link to a file not there yet: the file is made where it points
    dangling = tmp_path / "later.txt"
    dangling.symlink_to(real / "later.txt")
    atomic_write(dangling, "made")
    assert dangling.is_symlink() and (real / "later.txt").read_text(encoding="utf-8") == "made"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_atomic_open_writes_through_a_fifo_rather_than_replacing_it(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    atomic_write(fifo, "through the pipe\n")
    reader.join(timeout=30)
    assert got == [b"through the pipe\n"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert os.listdir(tmp_path) == ["pipe"]


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE and SIGXFSZ as on Linux")
def test_a_write_over_the_file_size_limit_is_a_dedup_error_and_leaves_nothing(tmp_path):
    script = (
        "import resource, sys\n"
        "from dedup.errors import DedupError\n"
        "from dedup.io import atomic_write\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))\n"
        "try:\n"
        "    atomic_write(sys.argv[1], 'x' * 100_000)\n"
        "except DedupError as e:\n"
        "    print(e)\n"
    )
    out = tmp_path / "out.txt"
    out.write_text("yesterday", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-c", script, str(out)], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[1])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"{out}: cannot write: file too large"
    assert out.read_text(encoding="utf-8") == "yesterday"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_document_stream_read_one_at_a_time_then_in_batches_loses_nothing():
    path = Path(__file__).parent / "data" / "reuters_sample.jsonl"
    whole = read_documents([path])

    class Progress:
        read, closed = 0, False

        def update(self, n):
            self.read += n

        def close(self):
            self.closed = True

    progress = Progress()
    stream = iter_documents([path], progress=progress)
    first = [next(stream) for _ in range(5)]
    rest = [d for b in stream.batches(64) for d in b.documents()]
    assert first + rest == whole
    assert progress.read == len(whole) and progress.closed


def test_document_stream_batches_raise_a_duplicate_id_where_it_is(tmp_path):
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps({"id": k % 30, "text": f"story {k}"}) + "\n" for k in range(40)),
                    encoding="utf-8")
    with pytest.raises(InputError) as err:
        list(iter_documents([path]).batches(16))
    assert str(err.value) == f"{path}:31: duplicate id '0' (first seen at {path}:1); --skip-malformed skips a repeated id, keeping the first"


# ---------------------------------------------------------------------------
# Compressed files: gzip, bzip2, xz
# ---------------------------------------------------------------------------

REUTERS_SAMPLE = Path(__file__).parent / "data" / "reuters_sample.jsonl"
COMPRESSORS = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}


def compressed_copy(data: bytes, path: Path, suffix: str = ".gz") -> Path:
    """``data`` compressed as ``suffix`` says, written to ``path`` + ``suffix``."""
    out = path.with_name(path.name + suffix)
    out.write_bytes(COMPRESSORS[suffix](data))
    return out


def as_read(docs: list[Document]) -> list[tuple]:
    """Everything a document holds but its path."""
    return [(d.id, d.text, d.line, d.record) for d in docs]


def test_detect_format_looks_past_a_compression_suffix(tmp_path):
    assert [detect_format(tmp_path / name) for name in ("a.jsonl.gz", "a.NDJSON.GZ", "a.csv.bz2", "a.json.xz",
                                                        "a.parquet.gz", "a.txt.gz", "a.gz")] == \
        ["jsonl", "jsonl", "csv", "json", "parquet", "text", "text"]


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
@pytest.mark.parametrize("keep_records", [False, True])
def test_a_compressed_reuters_sample_reads_as_the_plain_file(tmp_path, suffix, keep_records):
    """The real sample, compressed: the same documents, lines and records, by Arrow's chunks
    (read into the buffer of the one before) or line by line."""
    path = compressed_copy(REUTERS_SAMPLE.read_bytes(), tmp_path / "reuters.jsonl", suffix)
    plain = read_documents([REUTERS_SAMPLE], keep_records=keep_records)
    docs = read_documents([path], keep_records=keep_records)
    assert len(docs) == 337 and as_read(docs) == as_read(plain)
    assert {d.path for d in docs} == {str(path)}


def test_a_compressed_file_is_read_in_chunks_as_the_plain_one(tmp_path, monkeypatch):
    import dedup.io

    monkeypatch.setattr(dedup.io, "_ARROW_CHUNK_BYTES", 5000)
    path = compressed_copy(REUTERS_SAMPLE.read_bytes(), tmp_path / "reuters.jsonl")
    whole = [(i, text, line) for i, text, _, line in outcome(REUTERS_SAMPLE)]
    for size in (1, 100, 10_000):
        assert [(i, text, line) for i, text, _, line in outcome(path, batch_size=size)] == whole


def test_every_jsonl_case_reads_compressed_as_plain(tmp_path, monkeypatch):
    """The same documents, or the same error (its line counted in the decompressed text),
    for every case of the Arrow reader and the line parser."""
    import dedup.io

    monkeypatch.setattr(dedup.io, "_ARROW_CHUNK_BYTES", 20)
    for k, case in enumerate(sorted(JSONL_CASES)):
        plain = tmp_path / f"{k}.jsonl"
        plain.write_bytes(JSONL_CASES[case])
        packed = compressed_copy(JSONL_CASES[case], tmp_path / f"{k}.jsonl")
        expected = str(outcome(plain)).replace(str(plain), str(packed))
        assert str(outcome(packed)) == expected, case
        assert str(outcome(packed, keep_records=True)) == expected, case


def test_seed_articles_compressed_in_a_directory_are_its_documents(tmp_path):
    """``.txt.gz``, ``.txt.bz2``, ``.md.xz`` below a directory are documents, their ids the
    files' names; a plain ``.txt`` beside them still is one."""
    names = sorted(p.name for p in EXAMPLES.glob("*.txt"))
    (tmp_path / "sub").mkdir()
    files = [tmp_path / names[0], tmp_path / names[1], tmp_path / "sub" / names[2], tmp_path / names[3]]
    shutil.copy(EXAMPLES / names[0], files[0])
    for path, name, suffix in zip(files[1:], names[1:], (".gz", ".bz2", ".xz")):
        compressed_copy((EXAMPLES / name).read_bytes(), path, suffix)
    docs = read_documents([tmp_path])
    assert [d.id for d in docs] == [names[0], names[1] + ".gz", names[3] + ".xz", f"sub/{names[2]}.bz2"]
    assert [d.text for d in docs] == [(EXAMPLES / n).read_text(encoding="utf-8") for n in
                                      (names[0], names[1], names[3], names[2])]
    assert docs[1].path == str(tmp_path / (names[1] + ".gz")) and docs[1].line is None


def test_a_directory_of_compressed_record_files_names_them(tmp_path):
    for part in ("part-0000.jsonl.gz", "part-0001.jsonl.gz"):
        compressed_copy(REUTERS_SAMPLE.read_bytes(), tmp_path / part.removesuffix(".gz"))
    assert str(read_error([tmp_path])) == (
        f"{tmp_path}: no .txt or .md files below this directory (a directory is read for those); name its record "
        f"files instead (part-0000.jsonl.gz, part-0001.jsonl.gz; e.g. {tmp_path}/*.jsonl.gz)")


def test_csv_bz2_and_json_xz_read_as_plain(tmp_path):
    csv_bytes = b'id,text,note\r\nA,"multi\r\nline, quoted",NA\r\nB,NA,\r\n\r\nC,,x\r\n'
    records = [{"id": "r1", "text": "Wheat rose.\nCorn fell."}, {"id": "r2", "text": "Soy flat."}]
    for name, data in (("d.csv", csv_bytes), ("d.json", json.dumps(records, indent=1).encode())):
        plain = tmp_path / name
        plain.write_bytes(data)
        packed = compressed_copy(data, plain, ".bz2" if name.endswith(".csv") else ".xz")
        for keep_records in (False, True):
            assert as_read(read_documents([packed], keep_records=keep_records)) == \
                as_read(read_documents([plain], keep_records=keep_records))
    assert [(d.id, d.line) for d in read_documents([tmp_path / "d.csv.bz2"])] == [("A", 2), ("B", 4), ("C", 6)]


@pytest.mark.parametrize("suffix", sorted(COMPRESSORS))
def test_a_truncated_compressed_file_is_an_error_naming_it(tmp_path, suffix):
    packed = COMPRESSORS[suffix](REUTERS_SAMPLE.read_bytes())
    path = tmp_path / f"day.jsonl{suffix}"
    path.write_bytes(packed[:len(packed) // 2])
    name = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}[suffix]
    for keep_records in (False, True):
        err = read_error([path], keep_records=keep_records)
        assert str(err) == f"{path}: corrupt {name} data (truncated: it ends before its end-of-stream marker)"


def test_corrupt_gzip_is_an_error_naming_the_file(tmp_path):
    article = (EXAMPLES / sorted(p.name for p in EXAMPLES.glob("*.txt"))[0]).read_bytes()
    packed = gzip.compress(article)
    cases = {
        "flipped.txt.gz": packed[:40] + bytes([packed[40] ^ 0xFF]) + packed[41:],  # inside the deflate stream
        "crc.txt.gz": packed[:-8] + bytes([packed[-8] ^ 1]) + packed[-7:],  # the checksum in the trailer
        "not-gzip.jsonl.gz": b'{"text": "plain JSONL named .gz"}\n',
        "trailing.txt.gz": packed + packed + b"garbage",  # two members, then bytes that are none
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        err = read_error([tmp_path / name])
        assert (err.path, err.line) == (str(tmp_path / name), None)
        assert err.message.startswith("corrupt gzip data (") and err.message.endswith(")"), err.message
    assert read_error([tmp_path / "crc.txt.gz"]).message.startswith("corrupt gzip data (CRC check failed")
    assert read_error([tmp_path / "not-gzip.jsonl.gz"]).message == "corrupt gzip data (Not a gzipped file (b'{\"'))"
    assert read_error([tmp_path / "trailing.txt.gz"]).message == \
        "corrupt gzip data (bytes that are not gzip after the end of its stream)"


def test_invalid_utf8_inside_a_compressed_file_names_its_line(tmp_path):
    text = compressed_copy(b"fine\nabcd\xff rest\n", tmp_path / "bad.txt")
    assert str(read_error([text])) == f"{text}:2: invalid UTF-8 (byte 0xff at column 5)"
    jsonl = compressed_copy(b'{"text": "a"}\n\n{"text": "\xe9t\xe9"}\n', tmp_path / "bad.jsonl", ".xz")
    assert str(read_error([jsonl])) == f"{jsonl}:3: invalid UTF-8 (byte 0xe9 at column 11)"
    csv_path = compressed_copy(b"text\nok\n\xff\n", tmp_path / "bad.csv", ".bz2")
    assert str(read_error([csv_path])) == f"{csv_path}:3: invalid UTF-8 (byte 0xff at column 1)"


@pytest.mark.parametrize("name", ["e.jsonl", "e.txt", "e.csv", "e.json"])
def test_an_empty_compressed_file_reads_as_an_empty_plain_file(tmp_path, name):
    plain = tmp_path / name
    plain.write_bytes(b"" if name != "e.json" else b"[]")
    expected = outcome(plain)
    for suffix in COMPRESSORS:
        packed = compressed_copy(plain.read_bytes(), plain, suffix)  # a stream of nothing
        assert str(outcome(packed)) == str(expected).replace(str(plain), str(packed))
        if name != "e.json":  # a file of no bytes at all, whatever its name
            packed.write_bytes(b"")
            assert str(outcome(packed)) == str(expected).replace(str(plain), str(packed))


def test_gzip_without_its_suffix_is_told_by_its_magic_bytes(tmp_path):
    """A scraper that saved a server's gzipped answer as ``day.jsonl``; standard input piped
    from a ``.gz`` file."""
    data = REUTERS_SAMPLE.read_bytes()
    path = tmp_path / "day.jsonl"
    path.write_bytes(gzip.compress(data))
    plain = read_documents([REUTERS_SAMPLE])
    assert as_read(read_documents([path])) == as_read(plain)
    article = tmp_path / "article"
    article.write_bytes(gzip.compress("Zürich\r\n".encode()))
    assert read_documents([article])[0].text == "Zürich\r\n"
    for stream in (io.BufferedReader(io.BytesIO(gzip.compress(data))), io.BytesIO(gzip.compress(data))):
        assert as_read(read_documents(["-"], stdin=stream)) == as_read(read_documents(["-"], stdin=io.BytesIO(data)))


def test_a_compressed_parquet_file_is_an_error_saying_why(tmp_path):
    plain = tmp_path / "d.parquet"
    pq.write_table(pa.table({"text": ["a"]}), plain)
    path = compressed_copy(plain.read_bytes(), plain)
    assert str(read_error([path])) == (f"{path}: a Parquet file compresses its own data, and is not read through "
                                       "gzip: decompress it to d.parquet")


def test_a_report_may_not_replace_a_compressed_document_of_an_input_directory(tmp_path):
    from dedup.io import check_not_an_input

    with pytest.raises(ParameterError, match="would be a document of the input directory"):
        check_not_an_input(tmp_path / "report.txt.gz", [tmp_path])
    check_not_an_input(tmp_path / "report.json.gz", [tmp_path])


@pytest.mark.parametrize("value, shown", [("true", "true"), ('{"k": 1}', '{"k": 1}'), ("[1, 2]", "[1, 2]")])
def test_an_id_that_is_not_a_string_or_a_number_is_an_error(tmp_path, value, shown):
    # str() would have made Python's text of it: "True", "{'k': 1}"
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"id": "a", "text": "one"}\n{"id": ' + value.encode() + b', "text": "two"}\n')
    assert outcome(path) == f"{path}:2: id {shown} in field 'id' is not a string or a number"


def test_a_repeated_id_is_skipped_when_asked_and_the_first_stays(tmp_path):
    # a data engineer's review: the same page scraped on two days stopped a scan of both,
    # and neither --skip-malformed nor --id-field got past it
    day1, day2 = tmp_path / "day1.jsonl", tmp_path / "day2.jsonl"
    day1.write_text("".join(json.dumps({"id": f"u{k}", "text": f"story {k} one two three"}) + "\n" for k in range(3)))
    day2.write_text("".join(json.dumps({"id": f"u{k}", "text": f"later {k} four five six"}) + "\n" for k in (1, 5, 2)))
    with pytest.raises(InputError, match="--skip-malformed skips a repeated id"):
        read_documents([day1, day2])
    skipped = []
    docs = read_documents([day1, day2], on_malformed=skipped.append)
    assert [(d.id, d.text.split()[0]) for d in docs] == [("u0", "story"), ("u1", "story"), ("u2", "story"),
                                                          ("u5", "later")]
    assert [(str(e.path), e.line) for e in skipped] == [(str(day2), 1), (str(day2), 3)]
    assert str(skipped[0]) == f"{day2}:1: duplicate id 'u1' (first seen at {day1}:2)"
    with pytest.raises(ParameterError, match="given twice"):  # the same file twice is still an error
        read_documents([day1, day1], on_malformed=skipped.append)


def test_an_empty_id_is_an_error_as_a_null_one_is(tmp_path):
    # a data engineer's review: a CSV's empty id cell became the id "", and a second one
    # then "duplicate id ''"; JSONL's null id was an error
    texts = ["one two three four five six", "seven eight nine ten eleven"]
    (tmp_path / "d.csv").write_text("id,text\n," + texts[0] + "\nb," + texts[1] + "\n")
    (tmp_path / "d.jsonl").write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in zip(["", "b"], texts)))
    for name, line in (("d.csv", 2), ("d.jsonl", 1)):
        with pytest.raises(InputError, match="empty id in field 'id'") as caught:
            read_documents([str(tmp_path / name)])
        assert caught.value.line == line
        skipped = []
        docs = read_documents([str(tmp_path / name)], on_malformed=skipped.append)
        assert [d.id for d in docs] == ["b"] and len(skipped) == 1
    with pytest.raises(InputError, match="empty id"):
        read_dataframe_documents(pd.DataFrame({"id": ["", "b"], "text": texts}), id="id")


def test_a_dataframes_row_error_names_its_index_label():
    # a notebook user's review: "<memory>:4: null id" was the row of label 3, and a repeated
    # id's message advised a command-line option
    df = pd.DataFrame({"id": ["a", "b", "c", None], "text": ["some words here"] * 4}, index=[10, 11, 12, 13])
    with pytest.raises(InputError) as caught:
        read_dataframe_documents(df, id="id")
    assert str(caught.value) == "<memory>:4: null id (index label 13)"
    df = pd.DataFrame({"id": ["a", "b", "a"], "text": ["some words here"] * 3}, index=["r1", "r2", "r3"])
    with pytest.raises(InputError) as caught:
        read_dataframe_documents(df, id="id")
    assert str(caught.value) == "<memory>:3: duplicate id 'a' (first seen at <memory>:1) (index label 'r3')"


def test_ids_given_beside_texts_are_checked_as_a_dataframes_are():
    # a code review: documents_from_texts took an empty id, and None as the id "None"
    for ids, message in ((["", "x"], "<memory>:1: empty id"), (["x", None], "<memory>:2: null id")):
        with pytest.raises(InputError) as caught:
            documents_from_texts(["one two three", "four five six"], ids=ids)
        assert str(caught.value) == message
