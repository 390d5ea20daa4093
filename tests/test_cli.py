"""Tests of the ``dedup`` command line, end to end on real files (no mocks).

Most tests drive ``dedup.cli.cli`` in-process with click's ``CliRunner``; a few run
the installed console script in a subprocess, for the real exit code, the real
stderr and hash randomisation (``PYTHONHASHSEED``).
"""

from __future__ import annotations

import bz2
import csv
import gzip
import html
import io
import json
import lzma
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from importlib.metadata import version as installed_version
from pathlib import Path

import pytest

import dedup
from click.testing import CliRunner

from dedup.cli import cli

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "news"
DOC0 = "000_2ea5d5c95082bfe6.txt"
DOC1 = "001_3a9375036b298c0f.txt"
DOC2 = "002_b6f423c43c4fe5ed.txt"
DOC3 = "003_ccfff45a009af0f0.txt"
DOC4 = "004_6f8f0e370cf2be10.txt"
SEEDS = [DOC0, DOC1, DOC2, DOC3, DOC4]
FORMATS = ["table", "json", "jsonl", "csv", "html"]

#: The three repeats of 000: (block, repeat_of), blocks being non-blank lines from 0.
EXPECTED_REPEATS = {(2, 1), (7, 5), (8, 6)}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


def _runner() -> CliRunner:
    try:  # click < 8.2 mixes stderr into output unless told not to
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


def run(*args: str, input: str | bytes | None = None):
    return _runner().invoke(cli, [str(a) for a in args], input=input)


def ok(*args: str, input: str | bytes | None = None):
    result = run(*args, input=input)
    assert result.exit_code == 0, (result.exit_code, result.stderr, result.exception)
    return result


def scan_json(*args: str, input: str | None = None) -> dict:
    return json.loads(ok("scan", *args, "--format", "json", input=input).stdout)


def scan_csv(*args: str, input: str | None = None) -> list[dict]:
    return list(csv.DictReader(io.StringIO(ok("scan", *args, "--format", "csv", input=input).stdout)))


def blocks_of(text: str) -> list[tuple[int, int, str]]:
    """Blocks as DESIGN.md defines them, computed independently of the product:
    each non-blank line, stripped, with its ``[start, end)`` span into ``text``."""
    out = []
    for m in re.finditer(r"[^\r\n]+", text):
        line = m.group()
        stripped = line.strip()
        if stripped:
            start = m.start() + (len(line) - len(line.lstrip()))
            out.append((start, start + len(stripped), stripped))
    return out


def seed_text(name: str) -> str:
    return (EXAMPLES / name).read_text(encoding="utf-8")


def copy_seeds(directory: Path, names: list[str] = SEEDS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(EXAMPLES / name, directory / name)
    return directory


def write_jsonl(path: Path, records: list) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def assert_one_line_error(result, prefix: str, *needles: str) -> str:
    """Exit code 2, and stderr one line ``dedup: error: <prefix>...`` holding ``needles``."""
    assert result.exit_code == 2, (result.exit_code, result.stderr, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)  # not a crash
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    line = lines[0]
    assert line.startswith("dedup: error: " + prefix), line
    for needle in needles:
        assert needle in line, (needle, line)
    assert result.stdout == ""
    return line


def console_script() -> list[str]:
    """The installed ``dedup`` script of this interpreter's environment."""
    for directory in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        for name in ("dedup", "dedup.exe"):
            candidate = os.path.join(directory, name)
            if os.path.isfile(candidate):
                return [candidate]
    found = shutil.which("dedup")
    if found is None:
        pytest.skip("the dedup console script is not installed")
    return [found]


# ---------------------------------------------------------------------------
# 1. acceptance on examples/news, in every format
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def report() -> dict:
    return scan_json(EXAMPLES)


def test_json_schema(report):
    assert set(report) >= {"version", "params", "summary", "clusters", "repeats", "overlaps", "boilerplate"}
    assert report["version"] == installed_version("dedup")
    params = report["params"]
    assert {"threshold", "ngram", "num_perm", "seed", "bands", "rows"} <= set(params)
    assert params["threshold"] == dedup.Params().threshold and params["num_perm"] == 128 and params["seed"] == 1
    assert params["ngram"] >= 1
    assert params["bands"] * params["rows"] <= params["num_perm"]
    summary = report["summary"]
    for key in ("documents", "blocks", "clusters", "duplicate_documents", "documents_with_repeats",
                "repeats", "overlaps", "boilerplate"):
        assert isinstance(summary[key], int) and not isinstance(summary[key], bool), key
    for repeat in report["repeats"]:
        assert {"doc", "block", "start", "end", "repeat_of", "similarity", "text"} <= set(repeat)
    for item in report["boilerplate"]:
        assert {"text", "documents", "docs"} <= set(item)
        assert item["documents"] == len(item["docs"])


def test_summary_of_examples(report):
    s = report["summary"]
    assert s["documents"] == 5
    assert s["blocks"] == sum(len(blocks_of(seed_text(n))) for n in SEEDS) == 83
    assert (s["clusters"], s["duplicate_documents"], s["overlaps"]) == (0, 0, 0)
    assert (s["repeats"], s["documents_with_repeats"], s["boilerplate"]) == (3, 1, 1)
    assert report["clusters"] == [] and report["overlaps"] == []


def test_exactly_three_repeats_with_exact_spans(report):
    text = seed_text(DOC0)
    blocks = blocks_of(text)
    repeats = report["repeats"]
    assert {r["doc"] for r in repeats} == {DOC0}
    assert {(r["block"], r["repeat_of"]) for r in repeats} == EXPECTED_REPEATS
    assert len(repeats) == 3
    for r in repeats:
        assert text[r["start"]:r["end"]] == r["text"]
        assert (r["start"], r["end"], r["text"]) == blocks[r["block"]]
        assert r["text"] == blocks[r["repeat_of"]][2]  # exact repeat: same words as the earlier block
        assert r["similarity"] == 1.0


def test_related_articles_is_boilerplate(report):
    assert report["boilerplate"] == [{"text": "Related Articles", "documents": 2, "docs": [DOC2, DOC4]}]


def test_no_repeats_for_page_furniture_of_004(report):
    furniture = {"5 minutes ago", "Yahoo", "- Yahoo", "Wall Street Journal", "- Wall Street Journal"}
    assert all(r["doc"] != DOC4 for r in report["repeats"])
    assert not furniture & {r["text"] for r in report["repeats"]}


def test_table(report):
    out = ok("scan", EXAMPLES).stdout  # table is the default
    assert out == ok("scan", EXAMPLES, "--format", "table").stdout
    assert "5 documents" in out and "0 clusters" in out and "3 repeats" in out and "0 overlaps" in out
    for block, earlier in EXPECTED_REPEATS:
        assert re.search(rf"{re.escape(DOC0)}:\d+\s+block {block} <- block {earlier}\b", out), out
    assert "Related Articles" in out
    assert "5 minutes ago" not in out


def test_jsonl(report):
    lines = ok("scan", EXAMPLES, "--format", "jsonl").stdout.splitlines()
    items = [json.loads(line) for line in lines]
    assert all(isinstance(i, dict) and "type" in i for i in items)
    assert {i["type"] for i in items} <= {"summary", "cluster", "repeat", "overlap", "boilerplate", "empty"}
    by_type = lambda t: [{k: v for k, v in i.items() if k != "type"} for i in items if i["type"] == t]  # noqa: E731
    assert by_type("repeat") == report["repeats"]
    assert by_type("boilerplate") == report["boilerplate"]
    assert by_type("cluster") == [] and by_type("overlap") == [] and by_type("empty") == []


def test_csv():
    rows = scan_csv(EXAMPLES)
    assert {"doc", "cluster", "representative", "is_duplicate", "repeats"} <= set(rows[0])
    assert [r["doc"] for r in rows] == SEEDS
    for r in rows:
        assert r["is_duplicate"] == "False"
        assert r["cluster"] == "-1" and r["representative"] == ""
        assert int(r["repeats"]) == (3 if r["doc"] == DOC0 else 0)


def test_html_is_self_contained_and_shows_repeats(report):
    out = ok("scan", EXAMPLES, "--format", "html").stdout
    assert out.lstrip().lower().startswith("<!doctype html")
    assert out.rstrip().lower().endswith("</html>")
    assert "http://" not in out and "https://" not in out
    assert not re.search(r"<script[^>]*\bsrc\s*=", out, re.I)
    assert not re.search(r"<link\b", out, re.I)
    assert not re.search(r"\b(src|href)\s*=\s*[\"']?\s*//", out, re.I)
    assert "@import" not in out
    for r in report["repeats"]:
        assert html.escape(r["text"]) in out
    assert "Related Articles" in out


@pytest.mark.parametrize("fmt", FORMATS)
def test_output_file_equals_stdout(tmp_path, fmt):
    target = tmp_path / f"report.{fmt}"
    result = ok("scan", EXAMPLES, "--format", fmt, "-o", target)
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8") == ok("scan", EXAMPLES, "--format", fmt).stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no temporary file left


def test_output_file_is_replaced(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old content", encoding="utf-8")
    ok("scan", EXAMPLES, "--format", "json", "-o", target)
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["repeats"] == 3


# ---------------------------------------------------------------------------
# 2. a generated corpus: copies of 001, overlap
# ---------------------------------------------------------------------------

EXACT_COPY = "copy_exact.txt"
CURLY_COPY = "copy_curly_crlf.txt"


def _curly(text: str) -> str:
    """Typographic quotes for straight ones, alternating opening/closing double quotes."""
    text = text.replace("'", "\u2019")
    parts = text.split('"')
    return "".join(p + ("\u201c" if i % 2 == 0 else "\u201d") for i, p in enumerate(parts[:-1])) + parts[-1]


@pytest.fixture()
def copies_corpus(tmp_path) -> Path:
    corpus = copy_seeds(tmp_path / "corpus")
    original = seed_text(DOC1)
    (corpus / EXACT_COPY).write_bytes(original.encode("utf-8"))
    curly = _curly(original).replace("\n", "\r\n")
    assert curly != original and "\r\n" in curly
    (corpus / CURLY_COPY).write_bytes(curly.encode("utf-8"))
    return corpus


def test_copies_form_one_cluster(copies_corpus):
    report = scan_json(copies_corpus)
    s = report["summary"]
    assert (s["documents"], s["clusters"], s["duplicate_documents"]) == (7, 1, 2)
    [cluster] = report["clusters"]
    members = {m["doc"]: m for m in cluster["members"]}
    assert {cluster["representative"], *members} == {DOC1, EXACT_COPY, CURLY_COPY}
    assert cluster["size"] == 3
    assert members[EXACT_COPY]["exact"] is True
    for m in members.values():
        assert m["similarity"] >= 0.8 and m["containment"] >= 0.9
    # the rest of the findings are unchanged by the copies
    assert {(r["doc"], r["block"], r["repeat_of"]) for r in report["repeats"]} == {
        (DOC0, b, e) for b, e in EXPECTED_REPEATS}
    assert [b["text"] for b in report["boilerplate"]] == ["Related Articles"]
    assert report["overlaps"] == []


def test_copies_in_csv(copies_corpus):
    rows = {r["doc"]: r for r in scan_csv(copies_corpus)}
    group = [rows[d] for d in (DOC1, EXACT_COPY, CURLY_COPY)]
    assert len({r["cluster"] for r in group}) == 1 and group[0]["cluster"] != "-1"
    representative = group[0]["representative"]
    assert representative in (DOC1, EXACT_COPY, CURLY_COPY)
    assert all(r["representative"] == representative for r in group)
    assert rows[EXACT_COPY]["is_duplicate"] == "True"
    assert sorted(r["is_duplicate"] for r in group) == ["False", "True", "True"]
    assert rows[representative]["is_duplicate"] == "False"
    for name in (DOC0, DOC2, DOC3, DOC4):
        assert rows[name]["cluster"] == "-1" and rows[name]["is_duplicate"] == "False"


def test_csv_similarities_are_those_of_the_json_report():
    # re-issued Reuters stories: similarities below 1, to four decimals in every output
    sample = REPO / "tests" / "data" / "reuters_sample.jsonl"
    members = {m["doc"]: m["similarity"] for c in scan_json(sample)["clusters"] for m in c["members"]}
    rows = {r["doc"]: r for r in scan_csv(sample)}
    assert sum(s < 1 for s in members.values()) > 10
    assert {d: float(r["similarity"]) for d, r in rows.items() if r["is_duplicate"] == "True"} == members
    assert all(len(r["similarity"].partition(".")[2]) <= 4 for r in rows.values())


def test_original_is_kept_over_a_crlf_copy(copies_corpus):
    rows = {r["doc"]: r for r in scan_csv(copies_corpus)}
    assert rows[DOC1]["is_duplicate"] == "False"
    assert rows[EXACT_COPY]["is_duplicate"] == "True" and rows[CURLY_COPY]["is_duplicate"] == "True"
    assert rows[CURLY_COPY]["representative"] == DOC1


def test_two_days_of_scrapes_with_the_same_file_names(tmp_path, monkeypatch):
    """``dedup scan day1 day2``: the same names in both directories are not a duplicate-id
    error; each copy is found, named by its directory."""
    monkeypatch.chdir(tmp_path)
    copy_seeds(tmp_path / "day1")
    copy_seeds(tmp_path / "day2", [DOC1, DOC3])
    report = scan_json("day1", "day2/")
    assert report["summary"]["documents"] == 7
    assert sorted((c["representative"], [m["doc"] for m in c["members"]]) for c in report["clusters"]) == [
        (f"day1/{DOC1}", [f"day2/{DOC1}"]), (f"day1/{DOC3}", [f"day2/{DOC3}"])]
    assert {r["doc"] for r in report["repeats"]} == {f"day1/{DOC0}"}


def test_a_report_never_replaces_an_input(tmp_path, monkeypatch):
    """``-o`` naming an input file, or a document of an input directory, is refused before
    anything is read; a report beside the documents of a scanned directory is fine."""
    monkeypatch.chdir(tmp_path)
    corpus = copy_seeds(tmp_path / "corpus")
    data = write_jsonl(tmp_path / "day.jsonl", [{"id": "a", "text": (EXAMPLES / DOC1).read_text(encoding="utf-8")}])
    before = {p: p.read_bytes() for p in [data, *corpus.iterdir()]}
    ok("index", "add", "news.db", "corpus")
    for args, message in [
        (["scan", "day.jsonl", "-o", "./day.jsonl"], "./day.jsonl: the output is an input"),
        (["scan", "corpus", "day.jsonl", "-o", f"corpus/{DOC2}"],
         f"corpus/{DOC2}: the output would be a document of the input directory corpus"),
        (["scan", "corpus", "-o", "corpus/new.md"], "corpus/new.md: the output would be a document of the input"),
        (["index", "query", "news.db", "day.jsonl", "-o", str(data)], f"{data}: the output is an input"),
        (["index", "query", "news.db", "day.jsonl", "-o", "news.db"], "news.db: the output is an input"),
        (["check", f"corpus/{DOC0}", "--write-baseline", f"corpus/{DOC0}"], f"corpus/{DOC0}: the baseline is an input"),
    ]:
        result = run(*args)
        assert result.exit_code == 2 and result.stderr.startswith(f"dedup: error: {message}"), (args, result.stderr)
    assert {p: p.read_bytes() for p in before} == before and not (corpus / "new.md").exists()
    assert ok("index", "add", "news.db", "day.jsonl").stdout == "added 1 document to news.db (6 indexed)\n"
    ok("scan", "corpus", "-o", "corpus/report.json", "--format", "json")
    assert json.loads((corpus / "report.json").read_text())["summary"]["documents"] == 5


def test_a_lone_surrogate_in_json_text_is_reported_and_cleaned(tmp_path):
    """``"\\ud800"`` in a JSON string (half an emoji cut by a scraper) is a lone surrogate
    once parsed: reports quote it as U+FFFD, one character for one; ``clean`` and its
    manifest keep it, escaped, so that ``restore`` gives the text back."""
    from dedup.clean import restore

    story = (EXAMPLES / DOC1).read_text(encoding="utf-8")
    paragraph = max(story.split("\n"), key=len)
    broken = paragraph[:40] + "\ud800" + paragraph[40:]
    text = story + "\n" + broken + "\n" + broken + "\n"
    path = write_jsonl(tmp_path / "day.jsonl", [{"id": "a", "text": text}])
    report = scan_json(path)
    repeats = [r for r in report["repeats"] if "\ufffd" in r["text"]]
    assert repeats and all(r["text"] == broken.replace("\ud800", "\ufffd") for r in repeats)
    assert all(text[r["start"]:r["end"]] == broken for r in repeats)
    ok("clean", path, "-o", tmp_path / "out.jsonl")
    [cleaned] = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    removed = [json.loads(line) for line in (tmp_path / "out.jsonl.removed.jsonl").read_bytes().splitlines()]
    assert cleaned["text"].count(paragraph) == 1 and broken not in cleaned["text"]
    assert any(e.get("text") == broken for e in removed) and restore(cleaned["text"], removed) == text


def test_overlap_between_articles(tmp_path):
    corpus = copy_seeds(tmp_path / "corpus")
    b2, b3, b4 = (blocks_of(seed_text(n)) for n in (DOC2, DOC3, DOC4))
    paragraphs = ["A roundup of the week in world news", b2[1][2], b2[2][2], b4[1][2], b4[2][2], b3[0][2], b3[1][2]]
    (corpus / "900_roundup.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    report = scan_json(corpus)
    assert report["clusters"] == []
    overlaps = {(o["a"], o["b"]): o for o in report["overlaps"]}
    assert set(overlaps) == {(DOC2, "900_roundup.txt"), (DOC3, "900_roundup.txt"), (DOC4, "900_roundup.txt")}
    roundup = blocks_of((corpus / "900_roundup.txt").read_text(encoding="utf-8"))
    for (a, b), o in overlaps.items():
        assert {"blocks", "a_coverage", "b_coverage"} <= set(o)
        assert 0 < o["a_coverage"] <= 1 and 0 < o["b_coverage"] <= 1
        assert len(o["blocks"]) == 2
        for ba, bb, sim in o["blocks"]:
            assert blocks_of(seed_text(a))[ba][2] == roundup[bb][2] and sim == 1.0


# ---------------------------------------------------------------------------
# 3. scraped markup is escaped in HTML
# ---------------------------------------------------------------------------


def test_html_escapes_scraped_markup(tmp_path):
    para = "Click here for more <script>alert(1)</script> news from our partners & friends today"
    text = f"Headline of the story\n{para}\nThe actual content of the article is this sentence here.\n{para}\n"
    (tmp_path / "scraped.txt").write_text(text, encoding="utf-8")
    records = [{"id": "<img src=x onerror=alert(2)>", "text": text}]
    jsonl = write_jsonl(tmp_path / "scraped.jsonl", records)
    for path in (tmp_path / "scraped.txt", jsonl):
        report = scan_json(path)
        assert [(r["block"], r["repeat_of"], r["text"]) for r in report["repeats"]] == [(3, 1, para)]
        out = ok("scan", path, "--format", "html").stdout
        assert "<script>alert" not in out and "<script" not in out.lower()
        assert "<img" not in out
        assert html.escape(para) in out


# ---------------------------------------------------------------------------
# 4. bad inputs: exit 2, one line naming file (and line), no output file
# ---------------------------------------------------------------------------


def _bad_cases():
    """name -> (files to create, path to scan, expected error prefix, needles)."""
    return {
        "invalid_utf8_txt": ({"bad.txt": b"a fine line\nbad \xff byte here\n"}, "bad.txt", "bad.txt:2: ", ["UTF-8"]),
        "invalid_utf8_in_directory": (
            {"corpus/ok.txt": b"fine\n", "corpus/sub/bad.txt": b"one\n\ntwo \xc3\x28\n"},
            "corpus", os.path.join("corpus", "sub", "bad.txt") + ":3: ", ["UTF-8"]),
        "binary_file": ({"image.dat": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"}, "image.dat", "image.dat: ", ["binary"]),
        "binary_txt": ({"nul.txt": b"text\x00more"}, "nul.txt", "nul.txt: ", ["binary"]),
        "malformed_jsonl_after_blank_line": (
            {"bad.jsonl": b'{"text": "one two"}\n\n{"text": oops}\n'}, "bad.jsonl", "bad.jsonl:3: ", ["JSON"]),
        "jsonl_array_line": ({"arr.jsonl": b'{"text": "a"}\n[1, 2]\n'}, "arr.jsonl", "arr.jsonl:2: ", ["object"]),
        "jsonl_missing_text_field": (
            {"nofield.jsonl": b'{"body": "x"}\n'}, "nofield.jsonl", "nofield.jsonl:1: ", ["--text-field"]),
        "jsonl_invalid_utf8": ({"u.jsonl": b'{"text": "ok"}\n{"text": "\xff"}\n'}, "u.jsonl", "u.jsonl:2: ", ["UTF-8"]),
        "jsonl_number_text": ({"num.jsonl": b'{"text": "ok"}\n{"text": 42}\n'}, "num.jsonl", "num.jsonl:2: ", ["string"]),
        "json_array_list_text": ({"a.json": b'[{"text": "ok"}, {"text": ["a"]}]'}, "a.json", "a.json:2: ", ["string"]),
        "csv_missing_text_column": ({"nocol.csv": b"id,body\n1,x\n"}, "nocol.csv", "nocol.csv: ", ["--text-field"]),
        "nonexistent_path": ({}, "missing.txt", "missing.txt: ", ["no such file"]),
        "directory_of_jsonl_shards": ({"shards/part-0.jsonl": b'{"text": "one two three four"}\n'}, "shards",
                                      "shards: ", ["no .txt or .md files", "shards/*.jsonl"]),
        # compressed files: lines counted in the decompressed text
        "truncated_gzip": ({"day.jsonl.gz": gzip.compress((REPO / "tests" / "data" / "reuters_sample.jsonl")
                                                          .read_bytes())[:50_000]},
                           "day.jsonl.gz", "day.jsonl.gz: ", ["corrupt gzip data (truncated"]),
        "not_gzip": ({"day.jsonl.gz": b'{"text": "one two three four"}\n'}, "day.jsonl.gz", "day.jsonl.gz: ",
                     ["corrupt gzip data (Not a gzipped file"]),
        "invalid_utf8_txt_gz": ({"bad.txt.gz": gzip.compress(b"a fine line\nbad \xff byte here\n")}, "bad.txt.gz",
                                "bad.txt.gz:2: ", ["UTF-8"]),
        "malformed_jsonl_bz2": ({"bad.jsonl.bz2": bz2.compress(b'{"text": "one two"}\n\n{"text": oops}\n')},
                                "bad.jsonl.bz2", "bad.jsonl.bz2:3: ", ["JSON"]),
    }


@pytest.mark.parametrize("case", list(_bad_cases()))
def test_bad_input(tmp_path, monkeypatch, case):
    files, path, prefix, needles = _bad_cases()[case]
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    monkeypatch.chdir(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = run("scan", path, "--format", "json", "-o", "out.json")
    assert_one_line_error(result, prefix, *needles)
    assert not (tmp_path / "out.json").exists()
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before  # no temporary file left


def test_bad_input_leaves_existing_output_alone(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("bad.txt").write_bytes(b"\xff\n")
    Path("out.json").write_text("previous report", encoding="utf-8")
    assert_one_line_error(run("scan", "bad.txt", "-o", "out.json"), "bad.txt:1: ")
    assert Path("out.json").read_text(encoding="utf-8") == "previous report"


def test_blank_jsonl_lines_are_skipped(tmp_path):
    path = tmp_path / "blank.jsonl"
    path.write_text('{"id": "a", "text": "one two three"}\n\n   \n{"id": "b", "text": "four five six"}\n',
                    encoding="utf-8")
    report = scan_json(path)
    assert report["summary"]["documents"] == 2


def test_empty_and_one_word_documents_are_not_errors(tmp_path):
    corpus = copy_seeds(tmp_path / "corpus")
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    (corpus / "one_word.txt").write_text("Hello\n", encoding="utf-8")
    report = scan_json(corpus)
    assert report["summary"]["documents"] == 7
    assert report["summary"]["empty"] == 1
    assert report["empty"] == ["empty.txt"]
    assert report["summary"]["repeats"] == 3 and report["summary"]["clusters"] == 0
    rows = {r["doc"]: r for r in scan_csv(corpus)}
    assert rows["empty.txt"]["is_duplicate"] == rows["one_word.txt"]["is_duplicate"] == "False"
    table = ok("scan", corpus).stdout
    assert "1 empty documents" in table or "1 empty document" in table


@pytest.mark.parametrize("last", ["", "  \n\n \t\n"], ids=["empty", "blank"])
def test_empty_document_last_is_not_an_error(tmp_path, last):
    corpus = copy_seeds(tmp_path / "corpus")
    (corpus / "zz_last.txt").write_text(last, encoding="utf-8")
    report = scan_json(corpus)
    assert report["summary"]["empty"] == 1 and report["empty"] == ["zz_last.txt"]
    stdin = json.dumps({"id": "a", "text": "some words here"}) + "\n" + json.dumps({"id": "b", "text": last}) + "\n"
    report = scan_json("-", input=stdin)
    assert report["empty"] == ["b"]


def test_stdin_jsonl(tmp_path):
    para = "This paragraph is repeated twice in the same article on purpose."
    records = [{"id": "first", "text": seed_text(DOC1)}, {"id": "second", "text": seed_text(DOC1)},
               {"id": "third", "text": f"Title\n{para}\nMiddle words of the text go here.\n{para}\n"}]
    stdin = "".join(json.dumps(r) + "\n" for r in records)
    report = scan_json("-", input=stdin)
    assert report["summary"]["documents"] == 3
    assert [(c["representative"], [m["doc"] for m in c["members"]]) for c in report["clusters"]] == [
        ("first", ["second"])]
    assert [(r["doc"], r["block"], r["repeat_of"]) for r in report["repeats"]] == [("third", 3, 1)]


def test_stdin_error_names_stdin():
    result = run("scan", "-", input='{"text": "fine"}\nnot json\n')
    assert_one_line_error(result, "-:2: ", "JSON")


def _field_records() -> list[dict]:
    text = seed_text(DOC1)
    return [{"url": "https://a.example/1", "body": text, "text": "decoy"},
            {"url": "https://b.example/2", "body": text, "text": "other"},
            {"url": "https://c.example/3", "body": seed_text(DOC3), "text": "third"}]


@pytest.mark.parametrize("kind", ["jsonl", "csv"])
def test_text_and_id_fields(tmp_path, kind):
    records = _field_records()
    path = tmp_path / f"records.{kind}"
    if kind == "jsonl":
        write_jsonl(path, records)
    else:
        with open(path, "w", encoding="utf-8", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=["url", "body", "text"])
            writer.writeheader()
            writer.writerows(records)
    report = scan_json(path, "--text-field", "body", "--id-field", "url")
    assert report["summary"]["documents"] == 3
    [cluster] = report["clusters"]
    assert cluster["representative"] == "https://a.example/1"
    assert [(m["doc"], m["exact"]) for m in cluster["members"]] == [("https://b.example/2", True)]
    rows = scan_csv(path, "--text-field", "body", "--id-field", "url")
    assert [(r["doc"], r["is_duplicate"]) for r in rows] == [
        ("https://a.example/1", "False"), ("https://b.example/2", "True"), ("https://c.example/3", "False")]
    # without the options the short "text" field is read and the ids are record numbers
    report = scan_json(path)
    assert report["clusters"] == []
    assert [r["doc"] for r in scan_csv(path)] == ["0", "1", "2"]


def test_usage_errors_exit_2():
    assert run("scan").exit_code == 2
    result = run("scan", EXAMPLES, "--threshold", "2")
    assert result.exit_code == 2 and "--threshold" in result.stderr
    assert run("scan", EXAMPLES, "--format", "xml").exit_code == 2
    result = run("scan", EXAMPLES, "--jobs", "0")  # the option is named, as for every other
    assert result.exit_code == 2 and "'--jobs': 0 is not a number of threads" in result.stderr


def _interrupt():
    raise KeyboardInterrupt


def _interrupt_in_a_compiled_loop():
    # as numba reports Ctrl-C that arrives while a compiled loop calls back into Python
    try:
        try:
            _interrupt()
        except KeyboardInterrupt as err:
            raise SystemError("<function _numba_unpickle> returned a result with an exception set") from err
    except SystemError as err:
        raise SystemError("CPUDispatcher(<function hash_words>) returned a result with an exception set") from err


@pytest.mark.parametrize("how", [_interrupt, _interrupt_in_a_compiled_loop])
@pytest.mark.parametrize("command", ["scan", "check"])
def test_an_interrupted_run_exits_130_and_writes_nothing(command, how, tmp_path, monkeypatch):
    # Ctrl-C during the scan: 130, as a shell reports SIGINT, never check's 1 (findings)
    def interrupted(self, documents):
        how()

    monkeypatch.setattr(dedup.Scanner, "scan", interrupted)
    out = tmp_path / "report.json"
    args = [command, EXAMPLES / DOC0] + (["--format", "json", "-o", out] if command == "scan" else [])
    result = run(*args)
    assert (result.exit_code, result.stdout) == (130, "")
    assert result.stderr.endswith("Aborted!\n")
    assert list(tmp_path.iterdir()) == []  # no report, and no temporary file left


@pytest.mark.parametrize("command", ["scan", "clean", "index"])
def test_ctrl_c_that_numba_swallows_still_stops_the_run(command, tmp_path, monkeypatch):
    # a data engineer's review: Ctrl-C while numba loaded its compiled loops was printed
    # as "Exception ignored on calling ctypes callback function ... KeyboardInterrupt",
    # and the run went on to write its output and exit 0
    import signal

    from dedup import batch

    compute = batch.compute

    def swallowing(*args, **kwargs):
        try:  # as numba does, inside a ctypes callback
            signal.raise_signal(signal.SIGINT)
        except KeyboardInterrupt:
            pass
        return compute(*args, **kwargs)

    monkeypatch.setattr(batch, "compute", swallowing)
    out = tmp_path / "out"
    out.mkdir()
    args = {"scan": ["scan", EXAMPLES, "-o", out / "report.json"],
            "clean": ["clean", EXAMPLES, "-o", out / "clean"],
            "index": ["index", "add", out / "news.db", EXAMPLES]}[command]
    result = run(*args)
    assert (result.exit_code, result.stdout) == (130, "") and result.stderr.endswith("Aborted!\n")
    if command == "index":  # the file is made when opened: it stays empty
        with dedup.Index(out / "news.db", readonly=True) as idx:
            assert len(idx) == 0
    else:
        assert list(out.iterdir()) == []
    monkeypatch.undo()
    assert run("scan", EXAMPLES / DOC0).exit_code == 0  # the next run is not taken for interrupted
    # and the process's own handler is back (a code review: the library's later writes
    # raised KeyboardInterrupt after one Ctrl-C)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


#: runs the command line with Ctrl-C (SIGINT) sent to itself while it puts each file in
#: place or commits the index (dedup.errors.committing), as a Ctrl-C in a run's last moments
_CTRL_C_AFTER_COMMIT = """
import contextlib, os, signal, sys
from dedup import errors
from dedup.cli import main
held = errors.committing
@contextlib.contextmanager
def interrupted():
    with held():
        yield
        os.kill(os.getpid(), signal.SIGINT)
for name in ("dedup.io", "dedup.records", "dedup.index", "dedup.clean"):
    sys.modules[name].committing = interrupted
sys.argv = ["dedup"] + sys.argv[1:]
main()
"""


@pytest.mark.parametrize("command", ["scan", "clean", "clean-index", "index"])
def test_ctrl_c_once_output_is_in_place_finishes_the_run_and_exits_0(command, tmp_path):
    # a data engineer's review: Ctrl-C at the end of a clean into the index exited 130 with
    # its output and the index committed, and a retry on 130 then cleaned the day again
    # against an index that held it (an empty output in place of the day's)
    out = tmp_path / "out"
    args = {"scan": ["scan", EXAMPLES, "--format", "json", "-o", out / "report.json"],
            "clean": ["clean", EXAMPLES, "-o", out / "clean"],
            "clean-index": ["clean", EXAMPLES, "-o", out / "clean", "--index", tmp_path / "news.db"],
            "index": ["index", "add", tmp_path / "news.db", EXAMPLES]}[command]
    out.mkdir()
    result = subprocess.run([sys.executable, "-c", _CTRL_C_AFTER_COMMIT, *map(str, args)],
                            capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    if command == "scan":
        assert json.loads((out / "report.json").read_text())["summary"]["documents"] == 5
    if command.startswith("clean"):  # the output and its manifest, both in place
        assert sorted(p.name for p in out.iterdir()) == ["clean", "clean.removed.jsonl"]
        assert len(list((out / "clean").iterdir())) == 5
    if command in ("clean-index", "index"):
        with dedup.Index(tmp_path / "news.db", readonly=True) as idx:
            assert len(idx) == 5


def test_ctrl_c_between_the_renames_of_a_clean_leaves_no_manifest_without_its_output(tmp_path):
    # Ctrl-C arriving as the manifest was renamed into place stopped the run before the
    # output's rename: a manifest of removed records beside no output
    script = """
import os, signal, sys
real = os.replace
def replace(a, b):
    real(a, b)
    os.kill(os.getpid(), signal.SIGINT)
os.replace = replace
from dedup.cli import main
sys.argv = ["dedup"] + sys.argv[1:]
main()
"""
    out = tmp_path / "clean"
    result = subprocess.run([sys.executable, "-c", script, "clean", str(EXAMPLES), "-o", str(out),
                             "--index", str(tmp_path / "news.db")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clean", "clean.removed.jsonl", "news.db"]
    with dedup.Index(tmp_path / "news.db", readonly=True) as idx:
        assert len(idx) == len(list(out.iterdir())) == 5


def test_the_console_script_ignores_signals_once_its_command_is_done(tmp_path):
    # a code review: a signal while the interpreter shut down, after a run had committed
    # everything, still made it exit 130 or 143
    script = """
import signal, sys
from dedup.cli import main
sys.argv = ["dedup"] + sys.argv[1:]
try:
    main()
except SystemExit as done:
    print(done.code, signal.getsignal(signal.SIGINT) is signal.SIG_IGN,
          signal.getsignal(signal.SIGTERM) is signal.SIG_IGN)
"""
    ran = subprocess.run([sys.executable, "-c", script, "scan", str(EXAMPLES), "-o", str(tmp_path / "r.json")],
                         capture_output=True, text=True, timeout=120)
    assert ran.stdout.split()[-3:] == ["0", "True", "True"], (ran.stdout, ran.stderr)
    failed = subprocess.run([sys.executable, "-c", script, "scan", str(tmp_path / "missing.jsonl")],
                            capture_output=True, text=True, timeout=120)
    assert failed.stdout.split() == ["2", "False", "False"], (failed.stdout, failed.stderr)


@pytest.mark.parametrize("command", ["scan", "clean", "index"])
def test_sigterm_stops_a_run_like_ctrl_c_leaving_no_temporary_file_and_exits_143(command, tmp_path):
    # a data engineer's review: SIGTERM, which Airflow, Kubernetes and systemd send, left
    # the temporary files of clean's output and manifest behind
    script = """
import os, signal, sys
from dedup import batch
compute = batch.compute
def terminated(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)
    return compute(*args, **kwargs)
batch.compute = terminated
from dedup.cli import main
sys.argv = ["dedup"] + sys.argv[1:]
main()
"""
    out = tmp_path / "out"
    out.mkdir()
    args = {"scan": ["scan", EXAMPLES, "--format", "json", "-o", out / "report.json"],
            "clean": ["clean", EXAMPLES, "-o", out / "clean"],
            "index": ["index", "add", out / "news.db", EXAMPLES]}[command]
    result = subprocess.run([sys.executable, "-c", script, *map(str, args)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 143, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "dedup: terminated (SIGTERM); nothing was put in place"
    if command == "index":  # the file is made when opened: it stays empty
        with dedup.Index(out / "news.db", readonly=True) as idx:
            assert len(idx) == 0
        assert sorted(p.name for p in out.iterdir()) == ["news.db"]
    else:
        assert list(out.iterdir()) == []


@pytest.mark.parametrize("looped", [False, True], ids=["plain", "causes-in-a-loop"])
def test_a_system_error_that_is_no_interrupt_is_not_taken_for_one(monkeypatch, looped):
    def broken(self, documents):
        err, other = SystemError("a bug"), SystemError("another")
        if looped:  # a chain of causes that loops ends the search for an interrupt too
            err.__cause__, other.__cause__ = other, err
        raise err

    monkeypatch.setattr(dedup.Scanner, "scan", broken)
    result = run("scan", EXAMPLES / DOC0)
    assert result.exit_code == 1 and isinstance(result.exception, SystemError) and "Aborted" not in result.stderr


@pytest.mark.parametrize("group, commands", [((), ["check", "clean", "index", "scan"]), (("index",), ["add", "query"])])
def test_a_group_without_a_command_prints_its_help(group, commands):
    result = _runner().invoke(cli, list(group), prog_name="dedup")
    shown = result.stdout + result.stderr
    assert shown.startswith(f"Usage: {' '.join(('dedup',) + group)} [OPTIONS] COMMAND [ARGS]...")
    assert "error" not in shown and all(re.search(rf"^  {c}  ", shown, re.M) for c in commands)


# ---------------------------------------------------------------------------
# 5. determinism
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_runs_are_identical(fmt):
    first = ok("scan", EXAMPLES, "--format", fmt).stdout_bytes
    assert ok("scan", EXAMPLES, "--format", fmt).stdout_bytes == first


def test_console_script_is_independent_of_hash_seed(monkeypatch):
    procs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        procs.append(subprocess.Popen(console_script() + ["scan", "examples/news", "--format", "json"], cwd=REPO,
                                      env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    outputs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [e for _, e in outputs]
    (out1, _), (out2, _) = outputs
    assert out1 == out2
    report = json.loads(out1)
    assert report["summary"]["repeats"] == 3
    # the installed script and the in-process command agree
    monkeypatch.chdir(REPO)
    assert ok("scan", "examples/news", "--format", "json").stdout_bytes == out1


# ---------------------------------------------------------------------------
# 6. help and version
# ---------------------------------------------------------------------------


def test_help():
    out = ok("--help").stdout
    assert "scan" in out and "--version" in out
    assert ok("-h").stdout == out


@pytest.mark.parametrize("group", [[], ["index"]])
def test_every_command_is_summed_up_whole_in_its_groups_help(group):
    # a new user's review: "Scan PATHS (directories of .txt/.md, .jsonl, .json, .csv,..."
    result = CliRunner().invoke(cli, group + ["--help"])
    listed = result.output.split("Commands:")[1].strip().splitlines()
    assert result.exit_code == 0 and len(listed) >= 3
    assert not [line for line in listed if line.rstrip().endswith("...")]


def test_scan_help_lists_options():
    out = ok("scan", "--help").stdout
    for option in ("--format", "-o, --output", "--threshold", "--ngram", "--num-perm", "--seed", "--scheme",
                   "--text-field", "--id-field", "--boilerplate-min-docs"):
        assert option in out, option
    for fmt in FORMATS:
        assert fmt in out


def test_version():
    out = ok("--version").stdout
    assert installed_version("dedup") in out


# ---------------------------------------------------------------------------
# 7. output errors, and the real console script's error path
# ---------------------------------------------------------------------------


def test_output_directory_missing(tmp_path):
    target = tmp_path / "no" / "such" / "dir" / "report.json"
    result = run("scan", EXAMPLES, "--format", "json", "-o", target)
    assert_one_line_error(result, str(target))
    assert not target.parent.exists()


@pytest.mark.parametrize("kind", ["directory", "empty"])
def test_output_path_not_writable_as_file(tmp_path, monkeypatch, kind):
    monkeypatch.chdir(tmp_path)
    Path("input.txt").write_text("a few words of text\n", encoding="utf-8")
    target = "outdir" if kind == "directory" else ""
    if kind == "directory":
        Path("outdir").mkdir()
    result = run("scan", "input.txt", "-o", target)
    assert_one_line_error(result, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["input.txt"] + (["outdir"] if target else []))


def test_console_script_error(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"first line\nsecond \xfe line\n")
    out = tmp_path / "out.json"
    proc = subprocess.run(console_script() + ["scan", str(bad), "--format", "json", "-o", str(out)],
                          capture_output=True, timeout=60)
    assert proc.returncode == 2
    stderr = proc.stderr.decode("utf-8")
    assert "Traceback" not in stderr
    assert stderr.count("\n") == 1 and stderr.endswith("\n")
    assert stderr.startswith(f"dedup: error: {bad}:2: ")
    assert proc.stdout == b""
    assert not out.exists()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_standard_output_is_one_line_and_exit_2():
    with open("/dev/full", "w") as full:
        proc = subprocess.run(console_script() + ["scan", str(EXAMPLES), "--format", "json"], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "dedup: error: standard output: cannot write: no space left on device\n"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_standard_output_after_clean_wrote_its_files_is_one_line_and_exit_2(tmp_path):
    out = tmp_path / "out"
    with open("/dev/full", "w") as full:
        proc = subprocess.run(console_script() + ["clean", str(EXAMPLES), "-o", str(out)], stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == "dedup: error: standard output: cannot write: no space left on device\n"
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in EXAMPLES.glob("*.txt"))


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="needs /dev/stdout")
def test_output_to_dev_stdout_goes_to_the_open_stream_whatever_it_is(tmp_path):
    # a log opened for appending keeps what it had (a rename, or opening /dev/stdout
    # anew, would replace or truncate it), and a pipe gets the report
    log = tmp_path / "log"
    log.write_text("OLD\n")
    with open(log, "a") as append:
        proc = subprocess.run(console_script() + ["scan", str(EXAMPLES), "--format", "json", "-o", "/dev/stdout"],
                              stdout=append, stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert log.read_text().startswith("OLD\n{")
    assert json.loads(log.read_text()[4:])["summary"]["documents"] == 5
    piped = subprocess.run(console_script() + ["scan", str(EXAMPLES), "--format", "json", "-o", "/dev/stdout"],
                           capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert json.loads(piped.stdout)["summary"]["documents"] == 5


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_bad_record_after_several_batches_stops_the_streamed_scan_cleanly(tmp_path, monkeypatch, jobs):
    # documents stream into the scanner in batches (signed on threads with --jobs 2): an error
    # in the fourth batch still gives the one-line error, and no report is written
    from benchmarks.generate import generate_articles
    from dedup import batch

    monkeypatch.setattr(batch, "BATCH_DOCS", 40)
    lines = [json.dumps(r) for r in generate_articles(200, seed=9)]
    lines[150] = lines[150][:-1]  # a record cut short
    corpus = tmp_path / "scrape.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "report.json"
    result = run("scan", str(corpus), "--jobs", jobs, "--format", "json", "-o", str(out))
    assert_one_line_error(result, f"{corpus}:151:", "malformed JSON")
    assert not out.exists() and list(tmp_path.iterdir()) == [corpus]


@pytest.mark.parametrize("corpus", [EXAMPLES, REPO / "tests" / "data" / "reuters_sample.jsonl"], ids=["news", "reuters"])
def test_two_threads_report_what_one_thread_reports(corpus):
    # the seed articles have no candidate pair (no sets to build on the threads), Reuters many
    one, two = run("scan", corpus, "--format", "json"), run("scan", corpus, "--format", "json", "--jobs", "2")
    assert one.exit_code == two.exit_code == 0, two.stderr
    assert one.stdout == two.stdout and json.loads(one.stdout)["summary"]["documents"] > 0


def test_python_dash_m_dedup_is_the_command():
    result = subprocess.run([sys.executable, "-m", "dedup", "scan", str(EXAMPLES)], capture_output=True, text=True)
    assert result.returncode == 0 and "5 documents, 83 blocks" in result.stdout, result.stderr


@pytest.mark.parametrize("jobs", ["0", "-5", "two"])
def test_a_bad_jobs_value_is_a_usage_error(jobs):
    result = run("scan", EXAMPLES, "--jobs", jobs)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "jobs" in result.stderr.lower()
    with pytest.raises(dedup.ParameterError):
        dedup.Scanner(jobs=0)


def test_a_lone_surrogate_in_an_id_is_a_one_line_error_and_in_a_text_every_format_writes_it(tmp_path):
    # Python's json reads an escaped "\udc80" (half of a UTF-16 pair) into a string that
    # no UTF-8 output can hold: an id is kept exactly, so it cannot be replaced
    bad_id = tmp_path / "ids.jsonl"
    bad_id.write_text('{"id": "x\\udc80", "text": "some words here\\nsome words here"}\n', encoding="utf-8")
    result = run("scan", bad_id)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"dedup: error: {bad_id}:1: id ") and "lone surrogate" in result.stderr
    # in a text, a report quotes it as U+FFFD, one character for one
    text = tmp_path / "text.jsonl"
    text.write_text('{"id": "y", "text": "fox \\ud800 jumps over the lazy dog\\nfox \\ud800 jumps over the lazy dog"}\n',
                    encoding="utf-8")
    for fmt in ("table", "json", "jsonl", "csv", "html"):
        out = tmp_path / f"report.{fmt}"
        result = run("scan", text, "--format", fmt, "-o", out)
        assert result.exit_code == 0, (fmt, result.stderr)
        written = out.read_text(encoding="utf-8")
        assert "fox \ufffd jumps" in written if fmt != "csv" else written.startswith("doc,"), fmt  # csv: no texts


@pytest.mark.parametrize("scheme, seed", [("fast", "-5"), ("fast", str(2**63)), ("fast", "99999999999999999999"),
                                          ("datasketch", "-1"), ("datasketch", str(2**32))])
def test_a_seed_out_of_range_is_a_usage_error(scheme, seed):
    top = {"fast": 2**63 - 1, "datasketch": 2**32 - 1}[scheme]
    result = run("scan", EXAMPLES, "--seed", seed, "--scheme", scheme)
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert result.stderr == f"dedup: error: seed must be between 0 and {top} (scheme '{scheme}'), not {seed}\n"
    with pytest.raises(dedup.ParameterError):
        dedup.Params(seed=int(seed), scheme=scheme)
    ok("scan", EXAMPLES, "--seed", str(top), "--scheme", scheme)  # the largest is taken


# ---------------------------------------------------------------------------
# compressed input
# ---------------------------------------------------------------------------

REUTERS_SAMPLE = REPO / "tests" / "data" / "reuters_sample.jsonl"
COMPRESSIONS = {".gz": gzip, ".bz2": bz2, ".xz": lzma}


@pytest.mark.parametrize("suffix", sorted(COMPRESSIONS))
@pytest.mark.parametrize("fmt", ["json", "table"])
def test_scanning_the_compressed_reuters_sample_gives_the_plain_report(tmp_path, suffix, fmt):
    path = tmp_path / f"reuters.jsonl{suffix}"
    path.write_bytes(COMPRESSIONS[suffix].compress(REUTERS_SAMPLE.read_bytes()))
    expected = ok("scan", REUTERS_SAMPLE, "--format", fmt).stdout
    assert expected.startswith("337 documents") or '"documents": 337,' in expected
    assert ok("scan", path, "--format", fmt).stdout == expected


def test_scanning_compressed_seed_articles_gives_the_plain_report(tmp_path):
    """The seed articles each compressed in a directory, or together as one JSONL file."""
    corpus = tmp_path / "news"
    corpus.mkdir()
    suffixes = [".gz", ".bz2", ".xz", ".gz", ""]
    for name, suffix in zip(SEEDS, suffixes):
        data = (EXAMPLES / name).read_bytes()
        (corpus / (name + suffix)).write_bytes(COMPRESSIONS[suffix].compress(data) if suffix else data)
    report = ok("scan", corpus, "--format", "json").stdout
    for suffix in (".gz", ".bz2", ".xz"):
        report = report.replace(f'.txt{suffix}"', '.txt"')
    assert report == ok("scan", EXAMPLES, "--format", "json").stdout
    assert json.loads(report)["summary"]["repeats"] == 3
    # one JSONL file of them, by standard input too (gzip told by its magic bytes)
    records = "".join(json.dumps({"id": name, "text": seed_text(name)}) + "\n" for name in SEEDS).encode()
    (tmp_path / "news.jsonl.gz").write_bytes(gzip.compress(records))
    expected = ok("scan", EXAMPLES).stdout
    assert ok("scan", tmp_path / "news.jsonl.gz").stdout == expected
    assert ok("scan", "-", input=gzip.compress(records)).stdout == expected


def test_index_add_and_query_read_compressed_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "day1.jsonl.xz").write_bytes(lzma.compress(REUTERS_SAMPLE.read_bytes()))
    assert ok("index", "add", "news.db", "day1.jsonl.xz").stdout == "added 337 documents to news.db (337 indexed)\n"
    day2 = [json.loads(line) for line in REUTERS_SAMPLE.read_text(encoding="utf-8").splitlines()[:5]]
    write_jsonl(tmp_path / "day2.jsonl", [{"id": f"again-{r['id']}", "text": r["text"]} for r in day2])
    (tmp_path / "day2.jsonl.gz").write_bytes(gzip.compress((tmp_path / "day2.jsonl").read_bytes()))
    expected = ok("index", "query", "news.db", "day2.jsonl", "--format", "json").stdout
    assert json.loads(expected)["summary"]["duplicates"] == 5
    assert ok("index", "query", "news.db", "day2.jsonl.gz", "--format", "json").stdout == expected


# ---------------------------------------------------------------------------
# the first run after installing
# ---------------------------------------------------------------------------


def _in_a_terminal(code: str, pythonpath: Path) -> tuple[str, str]:
    """Standard error of ``python -c code`` run in ``pythonpath`` (its package first on
    the path) with a pseudo-terminal as its stderr, and its standard output."""
    import pty

    main, sub = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(pythonpath)}
    proc = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=sub, env=env, timeout=120,
                          cwd=pythonpath)
    os.close(sub)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the terminal's other end is closed and drained
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert proc.returncode == 0
    return b"".join(chunks).decode(), proc.stdout.decode()


def test_the_first_run_after_installing_says_it_compiles_and_later_runs_do_not(tmp_path):
    # a copy of the package without numba's cache: a fresh install
    shutil.copytree(Path(dedup.__file__).parent, tmp_path / "dedup", ignore=shutil.ignore_patterns("__pycache__"))
    code = "from dedup import cli, kernels; print(kernels.compiled()); cli.note_compiling()"
    err, out = _in_a_terminal(code, tmp_path)
    assert out == "False\n" and err.strip() == "dedup: compiling its loops, once after installing (10-30 s)"
    # once this checkout's loops are compiled, nothing is said; nor when standard error
    # is not a terminal (a pipe, CI, pre-commit)
    dedup.scan(["a text of a few words", "a text of a few words"])
    err, out = _in_a_terminal(code, Path(dedup.__file__).parents[1])
    assert out == "True\n" and err == ""
    piped = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                           env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert piped.stdout == "False\n" and piped.stderr == ""


def test_a_report_named_gz_is_written_compressed(tmp_path):
    # -o report.json.gz: what a user's zcat expects, the same JSON as the plain report
    plain, packed = tmp_path / "report.json", tmp_path / "report.json.gz"
    for out in (plain, packed):
        result = CliRunner().invoke(cli, ["scan", str(EXAMPLES), "--format", "json", "-o", str(out)])
        assert result.exit_code == 0, result.output
    assert packed.read_bytes()[:2] == b"\x1f\x8b"
    assert gzip.decompress(packed.read_bytes()) == plain.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json", "report.json.gz"]  # no temporary file left


def test_without_format_the_output_name_chooses_it(tmp_path):
    # a review's case: -o report.html wrote the plain table. Without --format the
    # extension chooses (before .gz); any other name, and standard output, get the table
    expected = {fmt: ok("scan", EXAMPLES, "--format", fmt).stdout for fmt in FORMATS}
    for name, fmt in [("r.html", "html"), ("r.HTM", "html"), ("r.json", "json"), ("r.jsonl", "jsonl"),
                      ("r.ndjson", "jsonl"), ("r.csv", "csv"), ("r.txt", "table"), ("report", "table")]:
        ok("scan", EXAMPLES, "-o", tmp_path / name)
        assert (tmp_path / name).read_text(encoding="utf-8") == expected[fmt], name
    ok("scan", EXAMPLES, "-o", tmp_path / "r.csv.gz")
    assert gzip.decompress((tmp_path / "r.csv.gz").read_bytes()).decode("utf-8") == expected["csv"]
    assert ok("scan", EXAMPLES).stdout == expected["table"]
    # --format given wins over the name
    ok("scan", EXAMPLES, "--format", "json", "-o", tmp_path / "odd.csv")
    assert (tmp_path / "odd.csv").read_text(encoding="utf-8") == expected["json"]
    # a data engineer's review: -o day.parquet (or .tsv) wrote the table into it; a name
    # with a date for extension is the table still
    for name in ("day.parquet", "day.tsv", "day.parquet.gz"):
        result = run("scan", EXAMPLES, "-o", tmp_path / name)
        assert result.exit_code == 2 and f"no report format is written as .{name.split('.')[1]}" in result.stderr
        assert not (tmp_path / name).exists()
    ok("scan", EXAMPLES, "-o", tmp_path / "scan.2026-11-27")
    assert (tmp_path / "scan.2026-11-27").read_text(encoding="utf-8") == expected["table"]


def test_clean_into_an_index_says_what_it_added_and_when_it_made_the_index(tmp_path):
    # a data engineer's review: a typo in --index made a new, empty index without a word,
    # and every story re-sent that day passed
    texts = [seed_text(name) for name in SEEDS]
    day = tmp_path / "day.jsonl"
    day.write_text("".join(json.dumps({"id": f"d{k}", "text": t}) + "\n" for k, t in enumerate(texts)))
    first = run("clean", day, "-o", tmp_path / "a.jsonl", "--index", tmp_path / "news.db")
    assert first.exit_code == 0, first.stderr
    assert first.stdout.rstrip().endswith(f"; added 5 records to a new index {tmp_path / 'news.db'}")
    again = run("clean", day, "-o", tmp_path / "b.jsonl", "--index", tmp_path / "news.db")
    assert again.stdout.rstrip().endswith(f"; added 0 records to {tmp_path / 'news.db'}"), again.stdout
    assert "; added" not in run("clean", day, "-o", tmp_path / "c.jsonl").stdout


def test_clean_skip_malformed_sets_aside_a_record_whose_id_the_index_holds_for_another_text(tmp_path):
    # a data engineer's review: one page whose URL now carried another story stopped the
    # whole day, even with --skip-malformed
    texts = [seed_text(name) for name in SEEDS]
    db = tmp_path / "news.db"
    day1 = tmp_path / "day1.jsonl"
    day1.write_text("".join(json.dumps({"id": f"d{k}", "text": t}) + "\n" for k, t in enumerate(texts[:3])))
    assert run("clean", day1, "-o", tmp_path / "c1.jsonl", "--index", db).exit_code == 0
    day2 = tmp_path / "day2.jsonl"  # d0's id on another story, and a copy of that story
    day2.write_text(json.dumps({"id": "d0", "text": texts[3]}) + "\n" + json.dumps({"id": "e1", "text": texts[3]})
                    + "\n" + json.dumps({"id": "e2", "text": texts[4]}) + "\n")
    result = run("clean", day2, "-o", tmp_path / "c2.jsonl", "--index", db)
    assert result.exit_code == 2 and "id 'd0' is already in the index" in result.stderr
    assert not (tmp_path / "c2.jsonl").exists()
    result = run("clean", day2, "-o", tmp_path / "c2.jsonl", "--index", db, "--skip-malformed")
    assert result.exit_code == 0, result.stderr
    assert "d0" in result.stderr and "(record set aside)" in result.stderr
    assert "1 record set aside (id in the index with another text)" in result.stdout
    kept = [json.loads(line) for line in (tmp_path / "c2.jsonl").read_text().splitlines()]
    assert [r["id"] for r in kept] == ["e1", "e2"]  # its copy is kept in its place
    manifest = [json.loads(line) for line in (tmp_path / "c2.jsonl.removed.jsonl").read_text().splitlines()]
    assert manifest == [{"id": "d0", "reason": "malformed", "input_line": 1, "error": manifest[0]["error"],
                         "id_taken": True}]
    index = dedup.Index(db)
    try:
        assert len(index) == 5 and index.held(["d0", "e1", "zz"]) == {"d0", "e1"}
    finally:
        index.close()
    query = run("index", "query", db, day1, "--format", "json")
    assert query.exit_code == 0 and json.loads(query.stdout)["summary"]["duplicates"] == 3, query.stdout
    # (a code review) an empty record under a taken id is removed as empty, not set aside;
    # records numbered for want of an id field stop the run with the hint, not the whole day set aside
    day3 = tmp_path / "day3.jsonl"
    day3.write_text(json.dumps({"id": "d1", "text": " \n"}) + "\n")
    result = run("clean", day3, "-o", tmp_path / "c3.jsonl", "--index", db, "--skip-malformed")
    assert result.exit_code == 0 and "set aside" not in result.stderr + result.stdout, result.stderr
    assert [json.loads(line)["reason"] for line in (tmp_path / "c3.jsonl.removed.jsonl").read_text().splitlines()] \
        == ["empty"]
    numbered = tmp_path / "numbered"
    for day, stories in (("a", texts[:2]), ("b", texts[2:4])):
        path = tmp_path / f"{day}.jsonl"
        path.write_text("".join(json.dumps({"text": t}) + "\n" for t in stories))
        result = run("clean", path, "-o", tmp_path / f"{day}-clean.jsonl", "--index", numbered, "--skip-malformed")
    assert result.exit_code == 2 and "records without an id are numbered from 0" in result.stderr, result.stderr


def test_the_table_writes_control_characters_of_ids_and_texts_as_escapes(tmp_path):
    # a new user's review: an id with an escape sequence cleared the screen, and one with a
    # line break printed a line of its own that read as a finding
    paragraph = "Red alert \x1b[31mTHIS IS RED\x1b[0m and a bell \x07 in a paragraph of the story text here."
    other = "Another ordinary paragraph that is long enough to count as a paragraph for matching purposes ok."
    path = tmp_path / "ctl.jsonl"
    path.write_text(json.dumps({"id": "evil\x1b[2Jid\nfake.txt:9", "text": f"{paragraph}\n\n{other}\n\n{paragraph}\n"})
                    + "\n" + json.dumps({"id": "tab\tid\u202etxt.a", "text": f"{other}\n\nsomething else in here entirely.\n"})
                    + "\n")
    db = tmp_path / "news.db"
    assert run("index", "add", db, EXAMPLES).exit_code == 0
    for args in (("scan", path), ("index", "query", db, path)):
        result = run(*args)
        assert result.exit_code == 0, result.stderr
        assert not any(c in result.stdout for c in "\x1b\x07\t\u202e"), result.stdout
        repeats = [line for line in result.stdout.splitlines() if "block 2 <- block 0" in line]
        assert repeats and repeats[0].startswith("  evil\\x1b[2Jid\\nfake.txt:9:5  "), result.stdout
        assert not any(line.startswith("fake.txt") for line in result.stdout.splitlines())
    assert "evil\\x1b[2Jid\\nfake.txt:9 ~ tab\\tid\\u202etxt.a: 1 block" in run("scan", path).stdout


def test_index_query_names_a_format_it_lacks_before_reading(tmp_path):
    db = tmp_path / "news.db"
    ok("index", "add", db, EXAMPLES)
    result = run("index", "query", db, EXAMPLES, "-o", tmp_path / "q.html")
    assert result.exit_code == 2
    assert "q.html: this report has no html format" in result.stderr and "--format" in result.stderr
    assert not (tmp_path / "q.html").exists()
    ok("index", "query", db, EXAMPLES, "-o", tmp_path / "q.jsonl")
    first = json.loads((tmp_path / "q.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first["type"] == "summary" and first["duplicates"] == 5


def test_a_file_read_twice_through_its_directory_is_said_so(tmp_path, monkeypatch):
    # a review's case: `dedup scan d d/x.txt` said "duplicate id ... (first seen at d/x.txt)"
    (tmp_path / "d").mkdir()
    shutil.copy(EXAMPLES / DOC0, tmp_path / "d" / DOC0)
    shutil.copy(EXAMPLES / DOC1, tmp_path / "d" / DOC1)
    monkeypatch.chdir(tmp_path)
    result = run("scan", "d", f"d/{DOC0}")
    assert result.exit_code == 2
    assert result.stderr.strip() == f"dedup: error: d/{DOC0}: duplicate id 'd/{DOC0}' (the same file, read twice: give it once)"
    # among several directories too
    (tmp_path / "e").mkdir()
    shutil.copy(EXAMPLES / DOC1, tmp_path / "e" / DOC0)
    result = run("scan", "d", "e", f"e/{DOC0}")
    assert result.exit_code == 2 and "the same file" in result.stderr


def test_a_second_days_directory_with_the_same_file_names_is_told_how_to_add_it(tmp_path, monkeypatch):
    # a review's case: day directories that reuse file names (001.txt) collide in an
    # index, since one directory's ids are its files' paths inside it
    monkeypatch.chdir(tmp_path)
    for day, seed in (("day1", DOC0), ("day2", DOC2)):
        (tmp_path / day).mkdir()
        shutil.copyfile(EXAMPLES / seed, tmp_path / day / "001.txt")
    ok("index", "add", "news.db", "day1")
    result = run("index", "add", "news.db", "day2")
    assert result.exit_code == 2
    assert result.stderr.strip() == ("dedup: error: day2/001.txt: id '001.txt' is already in the index news.db; "
                                     "a directory's files have their paths inside it as ids: name the files "
                                     "(day2/*.txt) for ids that hold the directory")
    # as told (the shell expands day2/*.txt)
    ok("index", "add", "news.db", "day2/001.txt")
    with dedup.Index("news.db", readonly=True) as idx:
        assert sorted(idx.ids()) == ["001.txt", "day2/001.txt"]


def _jsonl_with_bad_lines(path: Path, records: list[dict], bad: dict[int, bytes]) -> Path:
    """``records`` as JSONL, with the raw lines of ``bad`` (by 0-based line) put in their place."""
    lines = [bad.get(k, json.dumps(r).encode("utf-8")) for k, r in enumerate(records)]
    path.write_bytes(b"\n".join(lines))  # the last line without its break, as a killed writer leaves it
    return path


BAD_LINES = {2: b"[1, 2]", 3: b'{"text": 5}', 5: b'{"text": "invalid \xff utf-8"}',
             7: b'{"title": "no text"}', 9: b'{"text": "cut off mid-wri'}


def test_skip_malformed_reads_the_rest_of_a_scrape_and_names_each_line(tmp_path):
    # a review's case: one truncated JSONL line (a scraper killed mid-write) stopped the run
    texts = [seed_text(name) for name in SEEDS] * 2
    records = [{"text": t} for t in texts]
    path = _jsonl_with_bad_lines(tmp_path / "day.jsonl", records, BAD_LINES)
    result = run("scan", path, "--format", "json")
    assert result.exit_code == 2 and result.stderr.strip().startswith(f"dedup: error: {path}:3: expected a JSON object")
    result = run("scan", path, "--format", "json", "--skip-malformed")
    assert result.exit_code == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if line.startswith("dedup: warning:")]
    assert [int(w[len(f"dedup: warning: {path}:"):].split(":")[0]) for w in warned] == [k + 1 for k in sorted(BAD_LINES)]
    assert all(w.endswith("(line skipped)") for w in warned)
    report = json.loads(result.stdout)
    good = [k for k in range(len(records)) if k not in BAD_LINES]
    assert report["summary"]["documents"] == len(good)
    # the others keep the ids (record numbers) they have once the bad lines are mended
    rows = list(csv.DictReader(io.StringIO(ok("scan", path, "--format", "csv", "--skip-malformed").stdout)))
    assert [r["doc"] for r in rows] == [str(k) for k in good]
    mended = _jsonl_with_bad_lines(tmp_path / "mended.jsonl", records, {})
    assert {r["doc"] for r in scan_csv(mended)} >= {str(k) for k in good}


def test_skip_malformed_in_the_fast_reader_keeps_record_numbers(tmp_path, monkeypatch):
    # chunks that Arrow reads whole and chunks with a bad line, read line by line
    import dedup.io as dio

    monkeypatch.setattr(dio, "_ARROW_CHUNK_BYTES", 1 << 12)
    records = [{"text": f"record {k} " + " ".join(f"w{k}x{j}" for j in range(20))} for k in range(300)]
    bad = {120: b'{"text": "cut', 121: b"not json"}
    path = _jsonl_with_bad_lines(tmp_path / "big.jsonl", records, bad)
    skipped = []
    docs = dedup.read_documents([path], on_malformed=skipped.append)
    assert [(e.line, e.path) for e in skipped] == [(121, str(path)), (122, str(path))]
    assert [(d.id, d.text) for d in docs] == [(str(k), r["text"]) for k, r in enumerate(records) if k not in bad]


def test_a_skipped_record_with_an_id_is_listed_by_it(tmp_path):
    # a data engineer's review: every id of the day must be in the output or the manifest
    path = tmp_path / "day.jsonl"
    # (the last: a's id, which a record read has: null, or the manifest would name a kept record)
    lines = [{"id": "a", "text": seed_text(next(iter(SEEDS)))}, {"id": "notext"}, {"id": "b", "text": 5},
             {"id": 7, "body": "x"}, {"id": True, "text": 1}, {"text": []}, {"id": "a", "text": 5}]
    path.write_text("".join(json.dumps(r) + "\n" for r in lines) + "{bad json\n", encoding="utf-8")
    result = run("clean", path, "-o", tmp_path / "out.jsonl", "--skip-malformed")
    assert result.exit_code == 0, result.stderr
    manifest = [json.loads(line) for line in (tmp_path / "out.jsonl.removed.jsonl").read_text().splitlines()]
    assert [(e["id"], e["input_line"]) for e in manifest if e["reason"] == "malformed"] == [
        ("notext", 2), ("b", 3), ("7", 4), (None, 5), (None, 6), (None, 7), (None, 8)]


def test_clean_skip_malformed_lists_the_lines_in_its_manifest(tmp_path):
    records = [{"id": f"r{k}", "text": seed_text(name)} for k, name in enumerate(SEEDS)]
    path = _jsonl_with_bad_lines(tmp_path / "day.jsonl", records + [{"id": "x", "text": "x"}], {5: b'{"id": "x", "te'})
    out = tmp_path / "clean.jsonl"
    result = run("clean", path, "-o", out)
    assert result.exit_code == 2 and not out.exists()
    result = run("clean", path, "-o", out, "--skip-malformed")
    assert result.exit_code == 0, result.stderr
    assert "1 malformed line skipped" in result.stdout
    manifest = [json.loads(line) for line in (tmp_path / "clean.jsonl.removed.jsonl").read_text().splitlines()]
    assert manifest[0] == {"id": None, "reason": "malformed", "input_line": 6,
                           "error": "malformed JSON: Unterminated string starting at (column 13)"}
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [f"r{k}" for k in range(5)]
    # and into an index
    db = tmp_path / "news.db"
    assert run("index", "add", db, path).exit_code == 2
    result = run("index", "add", db, path, "--skip-malformed")
    assert result.exit_code == 0 and "added 5 documents" in result.stdout


def test_a_file_broken_throughout_warns_of_ten_lines_and_counts_the_rest(tmp_path):
    path = tmp_path / "broken.jsonl"
    path.write_text("".join(f'{{"text": "ok {k} one two three four"}}\n' if k % 2 else "garbage\n" for k in range(60)))
    result = run("scan", path, "--skip-malformed")
    assert result.exit_code == 0
    warned = [line for line in result.stderr.splitlines() if line.startswith("dedup: warning:")]
    assert len(warned) == 11 and warned[-1] == "dedup: warning: 30 malformed records or files skipped in all (the first 10 shown)"


def test_skip_malformed_skips_a_zero_filled_tail_and_a_lone_surrogate_id(tmp_path):
    # a code review's cases: a writer that died before its data reached the disk leaves
    # zero bytes (read as a binary file), and an id "\ud800" was checked after the reader
    path = tmp_path / "day.jsonl"
    path.write_bytes(b'{"id": "a", "text": "one two three four five six"}\n'
                     b'{"id": "\\ud800", "text": "an id no UTF-8 output can hold"}\n'
                     b'{"id": "c", "text": "seven eight nine ten eleven"}\n' + b"\0" * 64)
    assert run("scan", path).exit_code == 2
    result = run("scan", path, "--format", "csv", "--skip-malformed")
    assert result.exit_code == 0, result.stderr
    assert [r["doc"] for r in csv.DictReader(io.StringIO(result.stdout))] == ["a", "c"]
    warned = [line for line in result.stderr.splitlines() if line.startswith("dedup: warning:")]
    assert [w[len(f"dedup: warning: {path}:"):].split(":")[0] for w in warned] == ["2", "4"]
    assert "NUL bytes" in warned[1]


def test_a_file_name_that_is_not_utf8_is_said_so_and_skipped_on_request(tmp_path):
    # two new users' reviews: a directory's file named in Latin-1 was "an id holding a lone
    # surrogate (half of a UTF-16 pair)", which pointed at its text, and --skip-malformed
    # did not skip it
    folder = tmp_path / "day"
    folder.mkdir()
    for k, name in enumerate(SEEDS[:3]):
        (folder / f"{k}.txt").write_text(seed_text(name), encoding="utf-8")
    latin = os.path.join(os.fsencode(folder), b"caf\xe9.txt")
    with open(latin, "wb") as f:
        f.write(seed_text(SEEDS[3]).encode("utf-8"))
    result = run("scan", folder)
    assert result.exit_code == 2
    assert "the file's name is not UTF-8 (byte 0xE9)" in result.stderr and "surrogate" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = run("scan", folder, "--format", "csv", "--skip-malformed")
    assert result.exit_code == 0, result.stderr
    assert "not UTF-8 (byte 0xE9)" in result.stderr and "(file skipped)" in result.stderr
    assert run("scan", os.fsdecode(latin)).exit_code == 2


def test_skip_malformed_skips_ragged_csv_rows_and_json_array_elements(tmp_path):
    # a scrape exported as CSV or a JSON array: a ragged row or a stray element stopped
    # the run even with --skip-malformed; the other records keep their numbers as ids
    texts = [seed_text(name) for name in SEEDS]
    path = tmp_path / "day.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "site"])
        writer.writerows([[texts[0], "a"], [texts[1], "b", "stray"], [texts[2], "c"]])
        f.write('"a closing quote"then text,d\n')
        writer.writerows([[t, "e"] for t in texts[3:]])
    first_bad = 1 + len(texts[0].splitlines()) + 1  # the header, then the first record's lines
    assert run("scan", path).exit_code == 2
    result = run("scan", path, "--format", "csv", "--skip-malformed")
    assert result.exit_code == 0, result.stderr
    warned = [line for line in result.stderr.splitlines() if line.startswith("dedup: warning:")]
    assert len(warned) == 2 and warned[0] == f"dedup: warning: {path}:{first_bad}: expected 2 fields, got 3 (line skipped)"
    assert "malformed CSV" in warned[1]
    kept = ["0", "2"] + [str(k + 1) for k in range(3, len(texts))]
    assert {r["doc"] for r in csv.DictReader(io.StringIO(result.stdout))} == set(kept)
    out = tmp_path / "clean.csv"
    assert run("clean", path, "-o", out, "--skip-malformed").exit_code == 0
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == len(kept)
    manifest = [json.loads(line) for line in (tmp_path / "clean.csv.removed.jsonl").read_text().splitlines()]
    assert [(m["reason"], m["input_line"]) for m in manifest[:2]] == [("malformed", first_bad),
                                                                        ("malformed", _warned_line(warned[1], path))]
    # a quoted field left open took every later row: an error still, rather than losing them;
    # and so is one closed by a later row's quote (a code review: rows c-e went nowhere)
    opened = tmp_path / "open.csv"
    opened.write_text('text\n"one story that never ends\nsecond,row\n', encoding="utf-8")
    result = run("scan", opened, "--skip-malformed")
    assert result.exit_code == 2 and "a quoted field is not closed" in result.stderr
    opened.write_text('id,text\na,first story\nb,"second story, its closing quote lost\nc,third\n'
                      'd,"fourth" story\ne,fifth\n', encoding="utf-8")
    result = run("clean", opened, "-o", tmp_path / "open.out.csv", "--skip-malformed")
    assert result.exit_code == 2 and f"{opened}:3: malformed CSV" in result.stderr
    assert not (tmp_path / "open.out.csv").exists()

    array = tmp_path / "day.json"
    array.write_text(json.dumps([{"text": texts[0]}, 5, {"title": "no text"}, {"text": texts[1]}]), encoding="utf-8")
    assert run("scan", array).exit_code == 2
    result = run("scan", array, "--format", "csv", "--skip-malformed")
    assert result.exit_code == 0, result.stderr
    assert [_warned_line(w, array) for w in result.stderr.splitlines() if w.startswith("dedup: warning:")] == [2, 3]
    assert {r["doc"] for r in csv.DictReader(io.StringIO(result.stdout))} == {"0", "3"}


def _warned_line(warning: str, path: Path) -> int:
    """The line (or record) number a ``dedup: warning: PATH:N: ...`` names."""
    return int(warning[len(f"dedup: warning: {path}:"):].split(":")[0])


@pytest.mark.parametrize("data", [b"PAR1\x15\x04\x15\x00\x00\x00\n" + b"\x00" * 40 + b"\nPAR1",
                                  "{\"text\": \"a story\"}\n".encode("utf-16")])
def test_skip_malformed_still_stops_at_a_file_that_is_no_text(tmp_path, data):
    # a data engineer's review: a Parquet file named .jsonl gave ten warnings of NUL
    # lines, then "0 documents" and exit 0 (clean wrote an empty output); UTF-16 was
    # called binary
    path = tmp_path / "day.jsonl"
    path.write_bytes(data)
    for args in (["scan", path, "--skip-malformed"], ["clean", path, "-o", tmp_path / "out.jsonl", "--skip-malformed"]):
        result = run(*args)
        assert result.exit_code == 2 and "warning" not in result.stderr
        assert result.stderr.strip() == f"dedup: error: {path}: " + (
            "binary file, not text" if data.startswith(b"PAR1") else
            "UTF-16 text, not UTF-8: convert it (iconv -f UTF-16 -t UTF-8)")
    assert not (tmp_path / "out.jsonl").exists()


def test_skip_malformed_skips_a_directorys_file_that_is_no_text(tmp_path):
    # a data engineer's review: one Latin-1 file stopped a day's directory (dedup check skips one)
    day = tmp_path / "day"
    shutil.copytree(EXAMPLES, day)
    (day / "latin1.txt").write_bytes("caf\u00e9 au lait\n".encode("latin-1"))
    assert run("scan", day).exit_code == 2
    result = run("scan", day, "--format", "csv", "--skip-malformed")
    assert result.exit_code == 0
    assert result.stderr.strip() == (f"dedup: warning: {day / 'latin1.txt'}:1: invalid UTF-8 (byte 0xe9 at "
                                     "column 4) (file skipped)")
    assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == len(list(EXAMPLES.glob("*.txt")))
    out = tmp_path / "clean"
    result = run("clean", day, "-o", out, "--skip-malformed")
    assert result.exit_code == 0 and "; 1 unreadable file skipped" in result.stdout, result.stdout
    first = json.loads((tmp_path / "clean.removed.jsonl").read_text(encoding="utf-8").splitlines()[0])
    assert first == {"id": None, "reason": "malformed", "input_line": 1,
                     "error": "invalid UTF-8 (byte 0xe9 at column 4)", "file": str(day / "latin1.txt")}
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in EXAMPLES.glob("*.txt"))
    # a binary file stops the run still, as any file that cannot be read at all does
    (day / "zeros.txt").write_bytes(b"\0" * 16)
    result = run("scan", day, "--skip-malformed")
    assert result.exit_code == 2 and result.stderr.strip().endswith(f"{day / 'zeros.txt'}: binary file, not text")
