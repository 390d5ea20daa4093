"""``dedup clean`` on real text: the seed articles, the Reuters-21578 sample and copies of
its stories made the way the web makes them (``benchmarks/corpus.py``).

What must hold, whatever the input: every record ends up exactly once in the output or
in the manifest; kept records keep every field but their repaired text; a cut removes
a block's line and nothing else, and the manifest has what it takes to put it back;
cleaning the output removes nothing; a killed run leaves no partial output.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import json
import lzma
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dedup
from benchmarks.corpus import SITE_CHROMES, load_sample, repeat_paragraph, truncate, wrap_chrome
from benchmarks.generate import generate_articles
from dedup.clean import InvariantError, check_result, clean_documents, clean_file, restore
from dedup.cli import cli
from dedup.io import Document, read_documents
from dedup.text import tokenize

REPO = Path(__file__).resolve().parents[1]
NEWS = REPO / "examples" / "news"
SEEDS = {p.name: p.read_text(encoding="utf-8") for p in sorted(NEWS.glob("*.txt"))}
DOC0, DOC2, DOC4 = "000_2ea5d5c95082bfe6.txt", "002_b6f423c43c4fe5ed.txt", "004_6f8f0e370cf2be10.txt"
SAMPLE = load_sample()
DISTINCT = SAMPLE[SAMPLE["kind"] == "distinct"].reset_index(drop=True)


def runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


def manifest(path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def lines_kept_in_order(original: str, cleaned: str) -> bool:
    """Whether the lines of ``cleaned`` are lines of ``original``, in order, unchanged (the
    last without its line break when the original's last line has none: a text ends as
    the original did)."""
    it = iter(original.splitlines(True))
    lines = cleaned.splitlines(True)
    if lines and not original.splitlines(True)[-1].endswith(tuple("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")):
        return all(any(line == o for o in it) for line in lines[:-1]) and any(
            o.rstrip("\r\n") == lines[-1] or o == lines[-1] for o in it)
    return all(any(line == o for o in it) for line in lines)


def blank_edges(text: str) -> tuple[int, int]:
    """The blank lines before a text's first line, and the line breaks after its last."""
    lines = text.splitlines(True)
    full = [k for k, line in enumerate(lines) if line.strip()]
    if not full:
        return len(lines), 0
    breaks = "\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
    return full[0], sum(1 for line in lines[full[-1]:] if line != line.rstrip(breaks))


def block_entries(removed: list[dict], doc_id: str) -> list[dict]:
    return [e for e in removed if e["id"] == doc_id and e["reason"] in ("repeat_removed", "boilerplate_removed")]


# ---------------------------------------------------------------------------
# the seed articles (a directory of .txt)
# ---------------------------------------------------------------------------


def test_seed_articles_lose_their_repeats_and_boilerplate_and_nothing_else(tmp_path):
    out = tmp_path / "clean"
    result = runner().invoke(cli, ["clean", str(NEWS), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.output == (f"5 records: 5 kept (3 with blocks cut), 0 removed (0 duplicates, 0 empty); "
                             f"3 repeated and 2 boilerplate blocks cut; wrote {out} and {out}.removed.jsonl\n")
    assert sorted(p.name for p in out.iterdir()) == sorted(SEEDS)
    removed = manifest(f"{out}.removed.jsonl")
    assert [(e["id"], e["reason"], e["block"], e["line"]) for e in removed] == [
        (DOC0, "repeat_removed", 2, 4), (DOC0, "repeat_removed", 7, 9), (DOC0, "repeat_removed", 8, 10),
        (DOC2, "boilerplate_removed", 11, 23), (DOC4, "boilerplate_removed", 26, 29)]
    repeat = removed[0]
    assert (repeat["of"], repeat["of_block"], repeat["of_line"], repeat["similarity"]) == (DOC0, 1, 2, 1.0)
    assert repeat["text"] == "Putin and Xi: Defining Alliances Ahead of Historical Commemoration"
    assert removed[3]["text"] == "Related Articles" and removed[3]["of"] == DOC4 and removed[3]["documents"] == 2
    for name, original in SEEDS.items():
        cleaned = (out / name).read_text(encoding="utf-8")
        entries = block_entries(removed, name)
        assert len(cleaned) == len(original) - sum(len(e["removed"]) for e in entries)
        assert lines_kept_in_order(original, cleaned)
        for e in entries:
            assert original[e["start"]:e["end"]] == e["text"]
            # its line (the last may have no break), and the blank line after it when one is before;
            # the text's last, the blank line before it too, so that the text ends as it did
            at = e["cut_start"] - sum(len(x["removed"]) for x in entries if x["cut_start"] < e["cut_start"])
            last = not cleaned[at:].strip()  # where it was cut, nothing but blank lines is kept after
            cut = e["removed"][1:] if last and e["removed"].startswith("\n") else e["removed"]
            assert cut in (e["text"] + "\n", e["text"] + "\r\n", e["text"], e["text"] + "\n\n")
            if e["removed"].endswith("\n\n"):
                assert original[:e["cut_start"]].endswith("\n\n")
            assert e["text"] not in cleaned.splitlines() or e["reason"] == "repeat_removed"
        assert restore(cleaned, entries) == original
        # no blank line left at the end: the text ends as it did, with a line break or without
        assert cleaned[len(cleaned.rstrip()):] == original[len(original.rstrip()):]
    # the first occurrence of each repeated paragraph stays
    assert (out / DOC0).read_text(encoding="utf-8").count(removed[1]["text"]) == 1


def test_a_table_keeps_its_rows_and_paragraphs_sent_twice_are_cut(tmp_path):
    # real Reuters-21578 stories: seven tables with a row or header found twice, three
    # stories with paragraphs the wire sent twice (tests/data/reuters_tables.jsonl)
    src = REPO / "tests" / "data" / "reuters_tables.jsonl"
    out = tmp_path / "clean.jsonl"
    result = runner().invoke(cli, ["clean", str(src), "-o", str(out), "--keep-boilerplate"])
    assert result.exit_code == 0, result.stderr
    before = {r["id"]: r["text"] for r in manifest(src)}
    after = {r["id"]: r["text"] for r in manifest(out)}
    changed = sorted(doc for doc in before if after[doc] != before[doc])
    assert changed == ["reuters-1560", "reuters-3287", "reuters-4744"]
    cut = manifest(f"{out}.removed.jsonl")
    assert sorted({e["id"] for e in cut}) == changed and {e["reason"] for e in cut} == {"repeat_removed"}
    assert all(len(e["text"].split()) >= 8 for e in cut)


# ---------------------------------------------------------------------------
# every format: fields kept, text repaired, records conserved, idempotent
# ---------------------------------------------------------------------------


def corpus_records() -> list[dict]:
    """Real Reuters stories with extra fields of every JSON type, and the web's copies of some.

    Six pages of one site (same chrome), an exact and a truncated copy of a story, a
    scrape that emitted a paragraph twice, an empty record and one with null text.
    """
    rng = np.random.default_rng(1)
    texts = DISTINCT["text"].tolist()
    chrome = SITE_CHROMES[1]
    rows = []
    for i, text in enumerate(texts[:14]):
        if i < 6:
            text = wrap_chrome(text, chrome, np.random.default_rng(7))
        rows.append({"id": DISTINCT["id"][i], "text": text})
    rows += [{"id": "copy-exact", "text": texts[8]},
             {"id": "copy-truncated", "text": truncate(texts[9], 0.6)},
             {"id": "repeated", "text": repeat_paragraph(texts[20], rng)},
             {"id": "empty", "text": "  \n\n"},
             {"id": "null-text", "text": None}]
    for i, r in enumerate(rows):
        r.update({"url": f"https://news.example/{i}", "rank": i, "score": i / 7, "flag": i % 2 == 0,
                  "tags": ["a", i], "meta": {"site": "wire", "n": [1, 2.5, None]}, "note": None,
                  "title": "Zürich \u2014 \u201cquoted\u201d"})
    return rows


EXPECTED_REMOVED = {"copy-exact": "duplicate_of", "copy-truncated": "duplicate_of", "empty": "empty",
                    "null-text": "empty"}


def write(fmt: str, rows: list[dict], path: Path) -> Path:
    if fmt == "jsonl":
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    elif fmt == "json":
        path.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    elif fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\r\n")
            w.writerow(["id", "text", "url", "rank"])
            for r in rows:
                w.writerow([r["id"], r["text"] or "", r["url"], r["rank"]])
    elif fmt == "parquet":
        table = pa.table({"id": [r["id"] for r in rows], "text": pa.array([r["text"] for r in rows], pa.large_string()),
                          "rank": pa.array([r["rank"] for r in rows], pa.int16()),
                          "score": [r["score"] for r in rows], "tags": [[str(t) for t in r["tags"]] for r in rows],
                          "when": pa.array(np.arange(len(rows)) * 86_400_000, pa.timestamp("ms"))},
                         metadata={"source": "test"})
        pq.write_table(table, path)
    else:  # a directory of .txt, in sub-directories
        path.mkdir()
        for r in rows:
            sub = path / ("even" if r["rank"] % 2 == 0 else "odd")
            sub.mkdir(exist_ok=True)
            (sub / f"{r['id']}.txt").write_text(r["text"] or "", encoding="utf-8", newline="")
    return path


def read_rows(fmt: str, path: Path) -> list[dict]:
    if fmt == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if fmt == "json":
        return json.loads(path.read_text(encoding="utf-8"))
    if fmt == "csv":
        with open(path, encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f))
    if fmt == "parquet":
        return pq.read_table(path).to_pylist()
    return [{"id": d.id, "text": d.text} for d in read_documents([path])]

def test_a_headline_in_other_pages_related_lists_stays_in_its_own_article():
    # one site's 30 pages: its header, a story, a "Related Articles" list of three other
    # stories' headlines, its footer. The headlines are boilerplate of the lists (site
    # chrome in 3 or more unrelated pages), which are cut; each stays in its own story
    rng = np.random.default_rng(5)
    stories = DISTINCT[DISTINCT["id"] != "reuters-12121"].head(30)  # (it has paragraphs sent twice: cut)
    heads = [t.split("\n", 1)[0].strip() for t in stories["text"]]
    pages = []
    for k, text in enumerate(stories["text"]):
        related = [heads[j] for j in rng.choice([j for j in range(30) if j != k], size=3, replace=False)]
        pages.append("\n\n".join(["The Harbour Times", "News | Business | Sport | Opinion", text, "Related Articles",
                                   *related, "Copyright The Harbour Times 1987. All rights reserved."]))
    df = pd.DataFrame({"id": stories["id"], "text": pages})
    assert sum(h in set(dedup.scan(df, id="id").boilerplate["text"]) for h in heads) >= 20
    kept, removed = dedup.clean(df, id="id")
    assert kept["id"].tolist() == stories["id"].tolist()
    for text, head, story in zip(kept["text"], heads, stories["text"]):
        lines = [line for line in text.split("\n") if line.strip()]
        body = [line for line in story.split("\n") if line.strip() and line.strip().lower() != "reuter"]
        assert lines[:len(body)] == body and lines[0] == head  # the story whole, from its headline
        assert not {"The Harbour Times", "Related Articles"} & set(lines)  # the site's lines are cut
    cut = removed.loc[removed["reason"] == "boilerplate_removed", "text"].str.strip()
    site = {"The Harbour Times", "News | Business | Sport | Opinion", "Related Articles",
            "Copyright The Harbour Times 1987. All rights reserved."}
    assert cut.isin(site).sum() == 4 * 30 and cut.isin(heads).sum() >= 60  # the site's lines, the lists' headlines



@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "parquet", "dir"])
def test_every_format_keeps_its_fields_and_conserves_records(tmp_path, fmt):
    rows = corpus_records()
    src = write(fmt, rows, tmp_path / (f"in.{fmt}" if fmt != "dir" else "in"))
    out = tmp_path / (f"out.{fmt}" if fmt != "dir" else "out")
    result = clean_file(str(src), str(out))
    removed = manifest(f"{out}.removed.jsonl")
    before = read_rows(fmt, src)
    after = read_rows(fmt, out)
    if fmt == "dir":
        ids = lambda rs: [r["id"].split("/")[1][:-4] for r in rs]  # noqa: E731
        for r in before + after:
            r["id_path"], r["id"] = r["id"], ids([r])[0]
    # conservation: every input id once, in the output or as a removed record
    removed_records = {e["id"].split("/")[-1].removesuffix(".txt"): e["reason"] for e in removed
                       if e["reason"] in ("duplicate_of", "empty")}
    # of two exact copies, the first in input order stays (a directory is read in path order)
    order = [r["id"] for r in before]
    twins = sorted(["copy-exact", rows[8]["id"]], key=order.index)
    expected = {**EXPECTED_REMOVED, twins[1]: "duplicate_of"}
    if twins[0] == "copy-exact":
        del expected["copy-exact"]
    assert removed_records == expected
    assert sorted([r["id"] for r in after] + list(removed_records)) == sorted(r["id"] for r in before)
    # kept records: every field as it was, the text only where blocks were cut
    by_id = {r["id"]: r for r in before}
    cut = {e["id"].split("/")[-1].removesuffix(".txt") for e in removed if e["reason"].endswith("_removed")}
    chrome_lines = set(SITE_CHROMES[1]["header"] + SITE_CHROMES[1]["footer"] + SITE_CHROMES[1]["related"])
    pages = {r["id"] for r in rows[:6]}
    for e in removed:
        doc = e["id"].split("/")[-1].removesuffix(".txt")
        if e["reason"] == "boilerplate_removed":  # the site's chrome, and the wire's sign-off
            assert e["text"].lower() == "reuter" or (doc in pages and e["text"] in chrome_lines), e
        elif e["reason"] == "repeat_removed":  # the scraper's repeated paragraph
            assert doc == "repeated" and e["text"] in DISTINCT["text"][20]
    signed = {r["id"] for r in after if r["id"] != "repeated" and "\nReuter" in by_id[r["id"]]["text"]}
    assert cut == signed | pages | {"repeated"}
    for r in after:
        original = by_id[r["id"]]
        assert {k: v for k, v in r.items() if k != "text"} == {k: v for k, v in original.items() if k != "text"}
        if r["id"] in cut:
            assert r["text"] != original["text"] and lines_kept_in_order(original["text"], r["text"])
        else:
            assert r["text"] == original["text"]
    assert [r["id"] for r in after] == [r["id"] for r in before if r["id"] in {a["id"] for a in after}]
    if fmt == "parquet":
        assert pq.read_schema(out) == pq.read_schema(src)
        assert pq.read_schema(out).metadata[b"source"] == b"test"
    if fmt == "csv":
        assert out.read_bytes().startswith(b"id,text,url,rank\r\n")
    # the chrome pages lost their chrome and kept their story
    page = next(r for r in after if r["id"] == rows[0]["id"])
    assert "Metro Herald" not in page["text"] and DISTINCT["text"][0].split("\n")[2] in page["text"]
    # cleaning the output removes nothing and writes the same bytes
    again = tmp_path / (f"again.{fmt}" if fmt != "dir" else "again")
    result2 = clean_file(str(out), str(again))
    assert result2.removed == [] and Path(f"{again}.removed.jsonl").read_text() == ""
    if fmt in ("jsonl", "json", "csv"):
        assert again.read_bytes() == out.read_bytes()
    elif fmt == "dir":
        assert [(p.relative_to(again), p.read_bytes()) for p in sorted(again.rglob("*.txt"))] == \
               [(p.relative_to(out), p.read_bytes()) for p in sorted(out.rglob("*.txt"))]
    assert result.rounds == 2 and result2.rounds == 1


def test_records_without_ids_are_named_by_their_input_row(tmp_path):
    texts = [DISTINCT["text"][0], DISTINCT["text"][1], DISTINCT["text"][0], ""]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"body": t, "n": i}) + "\n" for i, t in enumerate(texts)))
    out = tmp_path / "out.jsonl"
    ok = runner().invoke(cli, ["clean", str(src), "-o", str(out), "--text-field", "body",
                               "--removed", str(tmp_path / "removed.jsonl")])
    assert ok.exit_code == 0, ok.stderr
    assert [json.loads(x)["n"] for x in out.read_text().splitlines()] == [0, 1]
    removed = [e for e in manifest(tmp_path / "removed.jsonl") if e["reason"] in ("duplicate_of", "empty")]
    assert [(e["id"], e["reason"], e["of"]) for e in removed] == [("2", "duplicate_of", "0"), ("3", "empty", None)]
    assert removed[0]["similarity"] == 1.0 and removed[0]["exact"] is True


def test_csv_with_quoted_multiline_text_and_crlf_round_trips(tmp_path):
    story = DISTINCT["text"][3].replace("\n", "\r\n")
    src = tmp_path / "in.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["text", "id", "when"])
        w.writerow([story, "a", "2024-01-01"])
        w.writerow([story + "\r\n", "b", "2024-01-02"])
        w.writerow(["Say \"hi\", then \"bye\"", "c", ""])
    result = clean_file(str(src), str(tmp_path / "out.csv"))
    assert [e["id"] for e in result.removed] == ["b"]
    with open(tmp_path / "out.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    assert rows == [["text", "id", "when"], [story, "a", "2024-01-01"], ["Say \"hi\", then \"bye\"", "c", ""]]


def test_keep_options_turn_each_removal_off(tmp_path):
    rows = corpus_records()
    src = write("jsonl", rows, tmp_path / "in.jsonl")
    reasons = {}
    for flag in ["--keep-duplicates", "--keep-repeats", "--keep-boilerplate"]:
        out = tmp_path / f"out{flag}.jsonl"
        result = runner().invoke(cli, ["clean", str(src), "-o", str(out), flag])
        assert result.exit_code == 0, result.stderr
        reasons[flag] = {e["reason"] for e in manifest(f"{out}.removed.jsonl")}
    everything = {"duplicate_of", "empty", "repeat_removed", "boilerplate_removed"}
    assert reasons["--keep-duplicates"] == everything - {"duplicate_of"}
    assert reasons["--keep-repeats"] == everything - {"repeat_removed"}
    assert reasons["--keep-boilerplate"] == everything - {"boilerplate_removed"}


def test_real_reuters_copies_are_dropped_for_a_member_of_their_own_family(tmp_path):
    result = clean_file(str(REPO / "tests" / "data" / "reuters_sample.jsonl"), str(tmp_path / "out.jsonl"))
    family = dict(zip(SAMPLE["id"], SAMPLE["family"]))
    kind = dict(zip(SAMPLE["id"], SAMPLE["kind"]))
    dropped = [e for e in result.removed if e["reason"] == "duplicate_of"]
    # what is dropped is what the scan clusters, pointing at the cluster's representative
    clusters = dedup.scan(SAMPLE, id="id").clusters
    assert {(e["id"], e["of"]) for e in dropped} == set(zip(clusters["doc"], clusters["representative"]))
    assert sum(family[e["id"]] == family[e["of"]] for e in dropped) >= 0.95 * len(dropped)
    # every exact re-transmission is found, with similarity 1.0
    exact = [e for e in dropped if kind[e["id"]] == "exact"]
    assert len(exact) == 15 and all(e["similarity"] == 1.0 and e["exact"] for e in exact)
    # the wire's sign-off is boilerplate: cut from every kept story, with its line break
    signoffs = [e for e in result.removed if e["reason"] == "boilerplate_removed" and e["text"].lower() == "reuter"]
    signed = [i for i in result.kept if "reuter" in [x.strip().lower() for x in result.documents[i].text.split("\n")]]
    assert sorted({e["id"] for e in signoffs}) == sorted(result.documents[i].id for i in signed)
    assert {e["removed"].lower() for e in signoffs} <= {"reuter", "reuter\n", "\n\nreuter"}
    # the last line, with the blank line before it: the story ends as it did, without a break
    assert all(result.texts[i] == result.texts[i].rstrip() for i in signed if result.documents[i].text.endswith("r"))
    assert sum(e["removed"].startswith("\n\n") for e in signoffs) > 10
    assert not any(i in signed and "reuter" in result.texts[i].lower().split() for i in result.kept)


# ---------------------------------------------------------------------------
# the invariant, checked at run time and over generated corpora
# ---------------------------------------------------------------------------


def test_the_run_time_check_catches_a_lost_or_altered_record():
    docs = [Document(i, t, "<memory>", n) for n, (i, t) in enumerate(zip(DISTINCT["id"][:4], DISTINCT["text"]), 1)]
    result = clean_documents(docs)
    written = [(docs[i].id, result.texts[i]) for i in result.kept]
    check_result(result, written)
    with pytest.raises(InvariantError, match="holds 3 records, not 4"):
        check_result(result, written[:3])
    with pytest.raises(InvariantError, match="was not written as cleaned"):
        check_result(result, written[:3] + [(docs[3].id, "changed")])
    result.texts[2] = None  # a record dropped without a manifest line
    with pytest.raises(InvariantError, match="would lose"):
        check_result(result)


PARAGRAPHS = sorted({p.strip() for t in list(SEEDS.values()) + DISTINCT["text"].tolist()[:60]
                     for p in t.splitlines() if len(p.split()) >= 6})
SHORT_LINES = ["Related Articles", "Sign in", "Reuter", "Share this article", "- Yahoo", "5 minutes ago"]


@pytest.mark.parametrize("twice", [False, True])
@pytest.mark.parametrize("gap", ["\n\n", "\n\n\n"])
@pytest.mark.parametrize("above, last, below", [
    ("", "", ""), ("\n\n", "", ""), ("\r\n\r\n", "", ""), ("", "\u00a0", ""), ("", "\u3000 ", "\n"),
    ("", "", "\n\n\n\n"), (" \n", "", "\n  \n")])
def test_cuts_at_a_texts_edges_leave_it_beginning_and_ending_as_it_did(above, last, below, gap, twice):
    """A page's "Sign in" above the story and a wire's "Reuter" below it, boilerplate of
    three stories, each with a blank line between: what a code review found cuts left
    ("\n\n\n" above a story that had two blank lines there, the NBSP ending a kept line
    cut with the blank line after it)."""
    stories = [PARAGRAPHS[k] + "\n\n" + PARAGRAPHS[k + 20] for k in range(3)]
    # (twice: two lines of chrome at each edge, each cut leaving its blank lines: a code review)
    head, foot = (f"Home | News | Sport{gap}", f"{gap}Share this article") if twice else ("", "")
    texts = [f"{above}{head}Sign in{gap}{story}{last}{foot}{gap}Reuter{below}" for story in stories]
    docs = [Document(f"d{k}", t, "<memory>", k + 1) for k, t in enumerate(texts)]
    result = clean_documents(docs)
    assert len(result.kept) == 3 and result.summary["boilerplate_removed"] == (12 if twice else 6)
    for i, story in enumerate(stories):
        cleaned = result.texts[i]
        # each line as it was, and as many blank lines above and line breaks below as it had
        assert cleaned.strip(" \t\r\n") == (story + last).strip(" \t\r\n") and cleaned.startswith(above)
        assert blank_edges(cleaned) == blank_edges(texts[i]) == (above.count("\n"), below.count("\n"))
        assert restore(cleaned, block_entries(result.removed, docs[i].id)) == texts[i]
    again = clean_documents([Document(d.id, result.texts[i], "<memory>", i + 1) for i, d in enumerate(docs)])
    assert again.removed == []


@st.composite
def corpora(draw):
    """Up to 12 documents of real paragraphs: originals, copies (exact, truncated,
    chrome-wrapped), paragraphs repeated, short chrome lines, blank and empty documents,
    \\n or \\r\\n line ends."""
    n = draw(st.integers(1, 12))
    docs: list[str] = []
    for _ in range(n):
        kind = draw(st.sampled_from(["new", "new", "new", "copy", "empty"]))
        if kind == "copy" and docs:
            source = docs[draw(st.integers(0, len(docs) - 1))]
            how = draw(st.sampled_from(["exact", "truncated", "chrome"]))
            if how == "truncated":
                text = truncate(source, draw(st.sampled_from([0.5, 0.8])))
            elif how == "chrome":
                text = wrap_chrome(source, SITE_CHROMES[draw(st.integers(0, 2))], np.random.default_rng(0))
            else:
                text = source
        elif kind == "empty":
            text = draw(st.sampled_from(["", " \n\n", "\r\n"]))
        else:
            picks = draw(st.lists(st.integers(0, len(PARAGRAPHS) - 1), min_size=1, max_size=6))
            lines = [PARAGRAPHS[i] for i in picks]
            if draw(st.booleans()):
                lines.insert(draw(st.integers(0, len(lines))), draw(st.sampled_from(SHORT_LINES)))
            if draw(st.booleans()) and lines:  # a scraper emits a paragraph twice
                lines.insert(draw(st.integers(0, len(lines))), lines[draw(st.integers(0, len(lines) - 1))])
            sep = draw(st.sampled_from(["\n", "\n\n", "\r\n", "\n  \n"]))
            if draw(st.booleans()) and lines:  # a line ending in a space that is no blank (NBSP)
                lines[-1] += "\u00a0"
            # blank lines of its own above its first line and below its last
            text = (draw(st.sampled_from(["", "", "\n", "\n\n", " \r\n"])) + sep.join(lines)
                    + draw(st.sampled_from(["", "\n", "  \n", "\n\n\n"])))
        docs.append(text)
    return docs


@settings(max_examples=int(os.environ.get("DEDUP_HYPOTHESIS_EXAMPLES", 40)), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(corpora())
def test_clean_conserves_records_is_undoable_and_idempotent(texts):
    docs = [Document(f"d{i}", t, "<memory>", i + 1) for i, t in enumerate(texts)]
    result = clean_documents(docs)  # checks conservation itself; check it here too
    removed_ids = [e["id"] for e in result.removed if e["reason"] in ("duplicate_of", "empty")]
    kept_ids = [docs[i].id for i in result.kept]
    assert sorted(kept_ids + removed_ids) == sorted(d.id for d in docs)
    assert not set(kept_ids) & set(removed_ids)
    for e in result.removed:
        if e["reason"] in ("duplicate_of", "empty"):
            assert e["text"] == docs[int(e["id"][1:])].text
    for i in result.kept:
        cleaned = result.texts[i]
        assert lines_kept_in_order(docs[i].text, cleaned)
        assert restore(cleaned, block_entries(result.removed, docs[i].id)) == docs[i].text
        assert dedup.text.words(cleaned)  # nothing empty is kept
        # cuts leave no blank line above the first line or below the last that the original had not
        if block_entries(result.removed, docs[i].id):
            assert blank_edges(cleaned) == blank_edges(docs[i].text)
    # idempotent: cleaning the output removes nothing
    output = [Document(docs[i].id, result.texts[i], "<memory>", k) for k, i in enumerate(result.kept, 1)]
    again = clean_documents(output)
    assert again.removed == [] and again.texts == [d.text for d in output]


# ---------------------------------------------------------------------------
# atomic output
# ---------------------------------------------------------------------------


def test_kill_9_while_writing_leaves_no_partial_output(tmp_path):
    src = tmp_path / "big.jsonl"
    with open(src, "w", encoding="utf-8") as f:
        for doc in generate_articles(800, seed=3, dup_rate=0.1):
            f.write(json.dumps(doc) + "\n")
    out = tmp_path / "out.jsonl"
    command = [sys.executable, "-c", "from dedup.cli import main; main()", "clean", str(src), "-o", str(out)]
    killed_while_writing = 0
    for attempt in range(3):
        if attempt == 1:
            out.write_text("yesterday's output\n")  # an output already in place stays whole
        previous = out.read_bytes() if out.exists() else None
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            # the temporary output is made (empty) before the scan: killed once it is being written
            if any(name.endswith(".tmp.out.jsonl") and _size(tmp_path / name) for name in os.listdir(tmp_path)):
                os.kill(proc.pid, signal.SIGKILL)
                killed_while_writing += 1
                break
        proc.wait()
        if proc.returncode == -signal.SIGKILL:
            assert (out.read_bytes() if out.exists() else None) == previous
        else:  # finished before the temporary file was seen: then it is complete
            assert proc.returncode == 0 and len(out.read_text().splitlines()) > 600
        for name in os.listdir(tmp_path):  # the temporary files a killed run cannot remove
            if ".tmp." in name:
                os.remove(tmp_path / name)
    assert killed_while_writing >= 2


@pytest.mark.parametrize("yesterday", [True, False])
def test_an_output_that_cannot_be_renamed_into_place_takes_its_manifest_back(tmp_path, monkeypatch, yesterday):
    """The manifest is renamed first: should the output's rename fail, the manifest in
    place is the one that was there before (or none), not one without its output."""
    src = tmp_path / "news.jsonl"
    src.write_text("".join(json.dumps({"id": name, "text": text}) + "\n" for name, text in SEEDS.items())
                   + json.dumps({"id": "copy", "text": SEEDS[DOC2]}) + "\n", encoding="utf-8")
    out, removed = tmp_path / "out.jsonl", tmp_path / "out.jsonl.removed.jsonl"
    if yesterday:
        out.write_text("yesterday's output\n")
        removed.write_text("yesterday's manifest\n")
    real_replace = os.replace

    def replace(source, target, *args, **kwargs):
        if os.fspath(target) == str(out):
            raise OSError(28, "No space left on device")
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", replace)
    result = runner().invoke(cli, ["clean", str(src), "-o", str(out)])
    assert result.exit_code == 2 and f"{out}: cannot write: no space left on device" in result.stderr
    if yesterday:
        assert out.read_text() == "yesterday's output\n" and removed.read_text() == "yesterday's manifest\n"
    else:
        assert not out.exists() and not removed.exists()
    assert sorted(os.listdir(tmp_path)) == sorted(["news.jsonl"] + (["out.jsonl", "out.jsonl.removed.jsonl"]
                                                                    if yesterday else []))
    copied = []
    monkeypatch.setattr(os, "link", lambda *a: (_ for _ in ()).throw(OSError(1, "Operation not permitted")))
    monkeypatch.setattr(shutil, "copy2", lambda a, b: copied.append(os.path.basename(a)) or shutil.copyfile(a, b))
    assert runner().invoke(cli, ["clean", str(src), "-o", str(out)]).exit_code == 2
    # without hard links, yesterday's manifest is copied to be put back; the output, last, never is
    assert copied == (["out.jsonl.removed.jsonl"] if yesterday else [])
    assert sorted(os.listdir(tmp_path)) == sorted(["news.jsonl"] + (["out.jsonl", "out.jsonl.removed.jsonl"]
                                                                    if yesterday else []))
    monkeypatch.setattr(os, "replace", real_replace)  # and a run that can rename writes both
    assert runner().invoke(cli, ["clean", str(src), "-o", str(out)]).exit_code == 0
    assert [e["id"] for e in manifest(removed) if e["reason"] == "duplicate_of"] == ["copy"]


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:  # renamed into place meanwhile
        return 0


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_an_output_and_manifest_behind_symbolic_links_are_written_where_they_point(tmp_path):
    src = write("jsonl", corpus_records(), tmp_path / "in.jsonl")
    store = tmp_path / "store"
    store.mkdir()
    (store / "out.jsonl").write_text("yesterday\n")
    os.chmod(store / "out.jsonl", 0o640)
    (tmp_path / "out.jsonl").symlink_to(store / "out.jsonl")
    (tmp_path / "removed.jsonl").symlink_to(store / "removed.jsonl")
    result = clean_file(str(src), str(tmp_path / "out.jsonl"), removed=str(tmp_path / "removed.jsonl"))
    assert (tmp_path / "out.jsonl").is_symlink() and (tmp_path / "removed.jsonl").is_symlink()
    assert len(read_rows("jsonl", store / "out.jsonl")) == len(result.kept)
    assert len(manifest(store / "removed.jsonl")) == len(result.removed) > 0
    assert stat.S_IMODE((store / "out.jsonl").stat().st_mode) == 0o640
    assert sorted(os.listdir(store)) == ["out.jsonl", "removed.jsonl"]


@pytest.mark.skipif(not hasattr(os, "symlink") or not hasattr(os, "mkfifo"), reason="needs links and FIFOs")
def test_links_cannot_lead_the_output_onto_the_input_the_manifest_or_the_index(tmp_path):
    src = write("jsonl", corpus_records(), tmp_path / "in.jsonl")
    news = tmp_path / "news"
    shutil.copytree(NEWS, news)
    (news / "sub").mkdir()
    (tmp_path / "into-input").symlink_to(news / "sub")
    db = tmp_path / "news.db"
    with dedup.Index(db) as idx:
        idx.add(read_documents([NEWS]))
    (tmp_path / "to-index.jsonl").symlink_to(db)
    (tmp_path / "to-out.jsonl").symlink_to(tmp_path / "out.jsonl")
    os.mkfifo(tmp_path / "fifo.jsonl")
    cases = [
        (["clean", str(news), "-o", str(tmp_path / "into-input")], "the output directory lies inside the input"),
        (["clean", str(src), "-o", str(tmp_path / "to-index.jsonl"), "--index", str(db)], "the output is the index"),
        (["clean", str(src), "-o", str(tmp_path / "out.jsonl"), "--removed", str(tmp_path / "to-out.jsonl")],
         "the manifest and the output must be different files"),
        (["clean", str(src), "-o", str(tmp_path / "fifo.jsonl")], "is not a regular file"),
    ]
    for args, message in cases:
        result = runner().invoke(cli, args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)
    assert sorted(p.name for p in (news / "sub").iterdir()) == []
    with dedup.Index(db) as idx:
        assert len(idx) == 5
    assert not (tmp_path / "out.jsonl").exists()
    assert not [name for name in os.listdir(tmp_path) if ".tmp." in name]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_an_output_link_to_a_file_named_otherwise_is_written_in_the_format_of_its_own_name(tmp_path):
    src = write("jsonl", corpus_records(), tmp_path / "in.jsonl")
    (tmp_path / "latest.jsonl").symlink_to(tmp_path / "v3")
    result = clean_file(str(src), str(tmp_path / "latest.jsonl"))
    assert len(read_rows("jsonl", tmp_path / "v3")) == len(result.kept) > 0


@pytest.mark.skipif(sys.platform != "linux", reason="RLIMIT_FSIZE and SIGXFSZ as on Linux")
def test_an_output_over_the_file_size_limit_is_one_line_exit_2_and_writes_nothing(tmp_path):
    src = write("jsonl", corpus_records(), tmp_path / "in.jsonl")  # ~25 KB, ~19 KB of it kept
    out = tmp_path / "out.jsonl"
    limit = "import resource; resource.setrlimit(resource.RLIMIT_FSIZE, (8192, 8192)); "
    proc = subprocess.run([sys.executable, "-c", limit + "from dedup.cli import main; main()", "clean", str(src),
                           "-o", str(out)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr == f"dedup: error: {out}: cannot write: file too large\n"
    assert os.listdir(tmp_path) == ["in.jsonl"]


def test_an_output_that_cannot_be_made_is_an_error_before_the_input_is_read(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "a", "text": SEEDS[DOC0]}) + "\n{not json\n")
    (tmp_path / "afile").write_text("")
    out = tmp_path / "afile" / "out.jsonl"  # below a file: nothing can be made there
    result = runner().invoke(cli, ["clean", str(src), "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr == f"dedup: error: {out}: cannot write: no such directory\n"


# ---------------------------------------------------------------------------
# the command line and the index
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("args, message", [
    (["{src}", "-o", "{tmp}/out.csv"], "{tmp}/out.csv: the output keeps the input's format (jsonl); "
                                       "give it a .jsonl name"),
    (["{src}", "-o", "{src}"], "{src}: the output is the input; write the cleaned corpus to another path"),
    (["{src}", "-o", "-"], "clean writes a file or directory: give -o a path"),
    (["{news}", "-o", "{news}/sub"], "{news}/sub: the output directory lies inside the input directory"),
    (["{news}", "-o", "{tmp}"], "{tmp}: the output directory exists and is not empty"),
    (["{news}", "-o", "{src}"], "{src}: is a file; the output of a directory is a directory"),
    # a file's name for a directory's output made a directory of that name
    (["{news}", "-o", "{tmp}/out.jsonl"], "{tmp}/out.jsonl: the output of a directory is a directory; "
                                          "give it a name without .jsonl"),
    (["{news}", "-o", "{tmp}/out.txt.gz"], "{tmp}/out.txt.gz: the output of a directory is a directory; "
                                           "give it a name without .txt.gz"),
    (["{news}", "-o", "{tmp}/out.v2.gz/"], "{tmp}/out.v2.gz/: the output of a directory is a directory; "
                                           "give it a name without .gz"),
    (["{tmp}/missing.jsonl", "-o", "{tmp}/out.jsonl"], "{tmp}/missing.jsonl: no such file or directory"),
    # the manifest must not replace the input either
    (["{src}", "-o", "{tmp}/out.jsonl", "--removed", "{src}"], "{src}: the manifest is an input; "
                                                                "write it to another path"),
    (["{copy}", "-o", "{tmp}/out", "--removed", "{copy}/" + sorted(SEEDS)[1]],
     "{copy}/" + sorted(SEEDS)[1] + ": the manifest would be a document of the input directory {copy}; "
                                    "write it to another path"),
])
def test_bad_usage_is_one_line_and_exit_2(tmp_path, args, message):
    src = write("jsonl", corpus_records()[:3], tmp_path / "in.jsonl")
    before = src.read_bytes()
    copy = tmp_path / "news"
    copy.mkdir()
    for name, text in SEEDS.items():
        (copy / name).write_text(text, encoding="utf-8")
    fill = {"src": src, "tmp": tmp_path, "news": NEWS, "copy": copy}
    result = runner().invoke(cli, ["clean"] + [a.format(**fill) for a in args])
    assert result.exit_code == 2
    assert result.stderr == f"dedup: error: {message.format(**fill)}\n"
    assert not (tmp_path / "out.jsonl").exists() and not (NEWS / "sub").exists() and not (tmp_path / "out").exists()
    assert src.read_bytes() == before and {p.name: p.read_text(encoding="utf-8") for p in copy.glob("*.txt")} == SEEDS


def test_a_directory_whose_every_record_is_removed_cleans_to_an_empty_directory(tmp_path):
    """A day with nothing new: every article of the scrape is already in the index, or empty."""
    day = tmp_path / "day"
    day.mkdir()
    for name in sorted(SEEDS)[:2]:
        (day / name).write_text(SEEDS[name], encoding="utf-8")
    (day / "blank.txt").write_text("\n \n", encoding="utf-8")
    db = tmp_path / "news.db"
    assert runner().invoke(cli, ["index", "add", str(db), str(NEWS)]).exit_code == 0
    out = tmp_path / "clean"
    result = runner().invoke(cli, ["clean", str(day), "-o", str(out), "--index", str(db)])
    assert result.exit_code == 0, result.stderr
    assert out.is_dir() and list(out.iterdir()) == []
    assert sorted((e["id"], e["reason"]) for e in manifest(f"{out}.removed.jsonl")) == sorted([
        ("blank.txt", "empty"), *((name, "duplicate_of") for name in sorted(SEEDS)[:2])])


def test_clean_with_an_index_drops_what_was_ingested_before_and_adds_the_rest(tmp_path):
    db = tmp_path / "news.db"
    day1 = DISTINCT.iloc[:40][["id", "text"]]
    rng = np.random.default_rng(2)
    day2 = pd.concat([
        DISTINCT.iloc[40:70][["id", "text"]],
        pd.DataFrame({"id": [f"copy-{i}" for i in range(10)],
                      "text": [wrap_chrome(t, SITE_CHROMES[i % 3], rng) if i % 2 else truncate(t, 0.6)
                               for i, t in enumerate(day1["text"][:10])]}),
        pd.DataFrame({"id": ["dup-in-batch"], "text": [DISTINCT["text"][45]]}),
    ], ignore_index=True)
    day1.to_json(tmp_path / "day1.jsonl", orient="records", lines=True)
    day2.to_json(tmp_path / "day2.jsonl", orient="records", lines=True)
    for day in ("day1", "day2"):
        result = runner().invoke(cli, ["clean", str(tmp_path / f"{day}.jsonl"),
                                       "-o", str(tmp_path / f"{day}.out.jsonl"), "--index", str(db)])
        assert result.exit_code == 0, result.stderr
    removed = manifest(tmp_path / "day2.out.jsonl.removed.jsonl")
    records = {e["id"]: e for e in removed if e["reason"] == "duplicate_of"}
    assert {i: e["of"] for i, e in records.items() if e.get("indexed")} == {
        f"copy-{i}": day1["id"].iloc[i] for i in range(10)}
    assert records["dup-in-batch"]["of"] == DISTINCT["id"][45] and "indexed" not in records["dup-in-batch"]
    with dedup.Index(db) as idx:
        assert len(idx) == 70 and idx.ids()[40:] == DISTINCT["id"].iloc[40:70].tolist()
    assert "already in the index" not in result.stderr
    # running day 2 again: everything is already indexed, its own 30 records under their ids,
    # which the summary says (an empty OUTPUT is otherwise a puzzle)
    result = clean_file(str(tmp_path / "day2.jsonl"), str(tmp_path / "again.jsonl"), index=str(db))
    assert result.kept == [] and all(e.get("indexed") for e in result.removed)
    assert result.summary["indexed_same_id"] == 30
    assert "41 removed (41 duplicates (30 already in the index under the same id), 0 empty)" in result.describe()


def test_clean_with_an_index_commits_nothing_when_writing_fails(tmp_path):
    db = tmp_path / "news.db"
    src = write("jsonl", corpus_records(), tmp_path / "in.jsonl")
    with pytest.raises(dedup.DedupError, match="no such directory"):
        clean_file(str(src), str(tmp_path / "missing" / "out.jsonl"), index=str(db))
    with dedup.Index(db) as idx:
        assert len(idx) == 0


def test_library_clean_returns_the_kept_rows_and_the_manifest():
    df = pd.DataFrame({"body": [DISTINCT["text"][0], DISTINCT["text"][0], "", DISTINCT["text"][1]],
                       "url": ["u0", "u1", "u2", "u3"]}, index=[10, 11, 12, 13])
    kept, removed = dedup.clean(df, text="body", id="url", keep_boilerplate=True)
    assert kept.index.tolist() == [10, 13] and kept["url"].tolist() == ["u0", "u3"]
    assert kept["body"].tolist() == df["body"].iloc[[0, 3]].tolist()
    assert removed[["id", "reason", "of"]].values.tolist() == [["u1", "duplicate_of", "u0"], ["u2", "empty", None]]
    kept, removed = dedup.clean(df, text="body", id="url")  # the shared sign-off "Reuter" is boilerplate
    assert removed["reason"].tolist() == ["boilerplate_removed", "duplicate_of", "empty", "boilerplate_removed"]
    assert [restore(t, [e]) for t, e in zip(kept["body"], removed.iloc[[0, 3]].to_dict("records"))] == \
        df["body"].iloc[[0, 3]].tolist()


def test_library_clean_indexes_its_removals_by_the_rows_they_remove():
    """A review's case: ids from an integer index came back as strings ("1063"), and
    nothing in ``removed`` joined back onto the DataFrame."""
    story = DISTINCT["text"][0]
    df = pd.DataFrame({"body": [story, DISTINCT["text"][1], story, ""]},
                      index=pd.Index([1084, 1070, 1050, 1000], name="row"))
    kept, removed = dedup.clean(df, text="body", keep_boilerplate=True)  # Reuters' sign-off stays
    assert removed.index.tolist() == [1050, 1000] and removed.index.name == "row"
    assert removed["id"].tolist() == ["1050", "1000"]  # the report's ids are strings
    assert df.drop(removed.index.unique()).equals(df.loc[kept.index].assign(body=df["body"]))
    assert df.loc[removed.index[0], "body"] == story
    # blocks cut are rows of the record they are cut from; a list's rows are positions
    texts = list(SEEDS.values())
    kept, removed = dedup.clean(texts + [texts[0]], ids=[f"s{i}" for i in range(len(texts) + 1)])
    assert all(f"s{label}" == doc for label, doc in zip(removed.index, removed["id"]))
    assert removed.loc[len(texts), "reason"] == "duplicate_of" and kept["id"].tolist()[0] == "s0"


def test_clean_with_an_open_index_checks_the_parameters_as_opening_it_would(tmp_path):
    # a review's case: with a path, ngram=1 against an index built with 3-grams was an
    # error; with an Index already open, clean scanned with 1-grams and added the result
    db = tmp_path / "news.db"
    with dedup.Index(db) as idx:
        idx.add(DISTINCT["text"][:3].tolist(), ids=["a", "b", "c"])
    batch = [DISTINCT["text"][0], DISTINCT["text"][3]]
    for given in ({"ngram": 1}, {"num_perm": 64}, {"threshold": 0.3}):
        with pytest.raises(dedup.ParameterError, match="index was built"):
            dedup.clean(batch, index=str(db), **given)
        with dedup.Index(db) as idx, pytest.raises(dedup.ParameterError, match="index was built"):
            dedup.clean(batch, index=idx, **given)
        with dedup.Index(db) as idx:
            assert len(idx) == 3
    with dedup.Index(db) as idx:  # those a scan may change are taken
        kept, removed = dedup.clean(batch, index=idx, containment=0.95)
        assert removed["of"].tolist() == ["a"] and len(idx) == 4


def test_library_clean_of_texts_keeps_every_kept_text_under_its_own_id():
    """Each text is kept or removed once, whatever is removed before it (the kept rows'
    Series were aligned to their labels, and shifted or lost rows)."""
    texts = ["", DISTINCT["text"][0], DISTINCT["text"][1], DISTINCT["text"][0], DISTINCT["text"][2]]
    kept, removed = dedup.clean(texts, keep_boilerplate=True)
    assert kept.to_dict("index") == {i: {"id": str(i), "text": texts[i]} for i in (1, 2, 4)}
    assert removed[["id", "reason"]].values.tolist() == [["0", "empty"], ["3", "duplicate_of"]]


def test_library_clean_of_a_categorical_text_column():
    df = pd.DataFrame({"text": pd.Series(list(SEEDS.values()), dtype="category"), "n": range(len(SEEDS))})
    kept, removed = dedup.clean(df)
    assert kept["n"].tolist() == list(range(len(SEEDS)))  # nothing dropped: the repeats and "Related Articles" cut
    assert set(removed["reason"]) == {"repeat_removed", "boilerplate_removed"}
    assert [restore(t, [e for e in removed.to_dict("records") if e["id"] == str(i)])
            for i, t in enumerate(kept["text"])] == list(SEEDS.values())


@pytest.mark.parametrize("dtype", [None, "category", object])
def test_library_clean_of_a_series_gives_a_series(dtype):
    """A researcher's ``df["body"]``: the kept rows come back as that Series (its name,
    labels and repaired texts), not as a DataFrame of ids and texts."""
    seeds = list(SEEDS.values())
    texts = pd.Series(seeds + [seeds[1]], index=[f"u{i}" for i in range(len(seeds) + 1)], name="body", dtype=dtype)
    kept, removed = dedup.clean(texts)
    assert isinstance(kept, pd.Series) and kept.name == "body"
    assert kept.index.tolist() == texts.index[:-1].tolist()
    assert removed.loc[removed["reason"] == "duplicate_of", ["id", "of"]].values.tolist() == [["u5", "u1"]]
    cut = set(removed.loc[removed["reason"] != "duplicate_of", "id"])  # repeats, "Related Articles"
    assert len(cut) >= 2 and {label for label, t in kept.items() if t != texts[label]} == cut
    assert [restore(t, [e for e in removed.to_dict("records") if e["id"] == label])
            for label, t in kept.items()] == seeds
    assert texts.tolist() == seeds + [seeds[1]]  # the input as it was


@pytest.mark.parametrize("fmt", ["dir", "text", "csv", "jsonl", "json"])
def test_a_byte_order_mark_is_kept(tmp_path, fmt):
    # files saved by Windows tools start with one; reading strips it, clean wrote the files without
    bom = b"\xef\xbb\xbf"
    stories = DISTINCT["text"].head(3).tolist()
    if fmt == "dir":
        src = tmp_path / "corpus"
        src.mkdir()
        for i, story in enumerate(stories):
            (src / f"{i}.md").write_bytes(bom + story.encode("utf-8"))
        out = tmp_path / "out"
    elif fmt == "csv":
        src, out = tmp_path / "in.csv", tmp_path / "out.csv"
        df = pd.DataFrame({"id": ["a", "b", "c", "d"], "text": stories + [stories[0]]})
        df.to_csv(src, index=False, encoding="utf-8-sig")
        df.head(3).to_csv(tmp_path / "expected.csv", index=False, encoding="utf-8-sig")
    elif fmt == "text":
        src, out = tmp_path / "in.txt", tmp_path / "out.txt"
        src.write_bytes(bom + stories[0].encode("utf-8"))
    elif fmt == "json":
        src, out = tmp_path / "in.json", tmp_path / "out.json"
        records = [{"id": k, "text": t} for k, t in zip("abcd", stories + [stories[0]])]
        src.write_bytes(bom + json.dumps(records, ensure_ascii=False).encode("utf-8"))
    else:
        src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
        lines = [json.dumps({"id": k, "text": t}, ensure_ascii=False) for k, t in zip("abcd", stories + [stories[0]])]
        src.write_bytes(bom + "\n".join(lines).encode("utf-8") + b"\n")
    result = runner().invoke(cli, ["clean", str(src), "-o", str(out), "--keep-boilerplate"])  # "Reuter"
    assert result.exit_code == 0, result.stderr
    if fmt == "dir":
        assert all((out / f"{i}.md").read_bytes() == bom + s.encode("utf-8") for i, s in enumerate(stories))
    elif fmt == "text":
        assert out.read_bytes() == src.read_bytes()
    elif fmt == "json":
        assert out.read_bytes().startswith(bom)
        assert json.loads(out.read_bytes()[len(bom):]) == records[:3]
    else:
        # the copy of the first story is removed; the rest is byte for byte the input
        expected = (tmp_path / "expected.csv").read_bytes() if fmt == "csv" else \
            b"".join(src.read_bytes().splitlines(keepends=True)[:-1])
        assert out.read_bytes() == expected and expected.startswith(bom)


def test_jsonl_records_are_written_byte_for_byte_but_for_their_new_text(tmp_path):
    """A kept JSONL record is its input line: numbers json cannot give back (``1e400``
    would come out as ``Infinity``, which is not JSON), spacing, escapes and line ending
    (CRLF, or none on the last line), with only its text's value replaced where blocks were
    cut; a lone surrogate in a new text is escaped (UTF-8 cannot hold it)."""
    story, other, repeated = DISTINCT["text"][0], DISTINCT["text"][1], DISTINCT["text"][20]
    paragraph = max(repeated.split("\n"), key=len)
    third = max(DISTINCT["text"][3].split("\n"), key=len)
    c_line = '{"id": "c",  "text": %s, "big": 1e400, "note": "\\ud800", "text2": "x"}\r\n'
    lines = [
        '{"id": "a", "score": 1e400, "ratio": 1.0000000000000001, "text": %s}\r\n' % json.dumps(story),
        '{ "text" : %s , "id":"b", "name": "caf\\u00e9" }\n' % json.dumps(other, ensure_ascii=False),
        c_line % json.dumps(repeated + "\n" + paragraph),
        '{"id": "d", "text": %s}\r\n' % json.dumps(story),  # a copy of a
        '{"id": "e", "text": %s}' % json.dumps("\ud800 " + third + "\n" + third),  # last, no line break
    ]
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_bytes("".join(lines).encode("utf-8"))
    result = runner().invoke(cli, ["clean", str(src), "-o", str(out), "--keep-boilerplate"])
    assert result.exit_code == 0, result.stderr
    written = out.read_bytes().splitlines(keepends=True)
    assert written[:2] == [lines[0].encode(), lines[1].encode()]  # d, the copy of a, is removed
    c, e = (json.loads(line) for line in written[2:])
    assert c["text"].count(paragraph) == 1 and lines_kept_in_order(repeated + "\n" + paragraph, c["text"])
    assert written[2] == (c_line % json.dumps(c["text"], ensure_ascii=False)).encode()
    assert e["text"].startswith("\ud800 " + third) and e["text"].count(third) == 1
    assert written[3] == b'{"id": "e", "text": ' + json.dumps(e["text"]).encode() + b"}"
    assert [d.id for d in read_documents([str(out)])] == ["a", "b", "c", "e"]


def test_an_input_changed_while_it_is_cleaned_is_an_error(tmp_path, monkeypatch):
    """The JSONL, CSV and Parquet writers read the input again: an edit made meanwhile
    would mix two versions of it. Nothing is written."""
    src, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    src.write_text("".join(json.dumps({"id": k, "text": t}) + "\n" for k, t in zip("ab", DISTINCT["text"][:2])),
                   encoding="utf-8")
    module = sys.modules["dedup.clean"]  # the module (``dedup.clean`` is the function)
    original = module.Cleaner.clean

    def edit_then_clean(self, documents, index=None, **kwargs):
        result = original(self, documents, index=index, **kwargs)
        src.write_text(src.read_text(encoding="utf-8").replace('"id": "a"', '"id": "a", "src": "EDITED"'),
                       encoding="utf-8")
        return result

    monkeypatch.setattr(module.Cleaner, "clean", edit_then_clean)
    result = runner().invoke(cli, ["clean", str(src), "-o", str(out)])
    assert result.exit_code == 2
    assert result.stderr == f"dedup: error: {src}: the input changed while it was cleaned; nothing was written\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl"]


def test_jobs_do_not_change_what_clean_writes(tmp_path):
    # more documents than a scan batch, so that threads sign batches side by side
    src = tmp_path / "day.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in generate_articles(5_000, seed=7, dup_rate=0.1)),
                   encoding="utf-8")
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"out{jobs}.jsonl"
        result = runner().invoke(cli, ["clean", str(src), "-o", str(out), "--jobs", jobs])
        assert result.exit_code == 0, result.stderr
        outputs.append((out.read_bytes(), Path(f"{out}.removed.jsonl").read_bytes(), result.output.split("; wrote")[0]))
    assert outputs[0] == outputs[1]
    assert "removed (0 duplicates" not in outputs[0][2]
    # the Python function takes jobs too, with an index; a number of threads that makes no sense is an error
    df = pd.read_json(src, lines=True, dtype={"id": str}).head(300)
    plain = dedup.clean(df, id="id")
    with_index = dedup.clean(df, id="id", jobs=2, index=str(tmp_path / "day.db"))
    assert plain[0].equals(with_index[0]) and plain[1].equals(with_index[1])
    result = runner().invoke(cli, ["clean", str(src), "-o", str(tmp_path / "zero.jsonl"), "--jobs", "0"])
    assert result.exit_code == 2 and "'--jobs': 0 is not a number of threads" in result.stderr
    assert not (tmp_path / "zero.jsonl").exists()


# ---------------------------------------------------------------------------
# compressed input and output
# ---------------------------------------------------------------------------

COMPRESSIONS = {".gz": gzip, ".bz2": bz2, ".xz": lzma}


def compress_into(src: Path, dest: Path, suffix: str) -> Path:
    """A copy of ``src`` at ``dest``, compressed as ``suffix``; a directory's every file so."""
    if src.is_dir():
        for path in src.rglob("*"):
            if path.is_file():
                target = dest / path.relative_to(src)
                target.parent.mkdir(parents=True, exist_ok=True)
                compress_into(path, target.with_name(target.name + suffix), suffix)
        return dest
    dest.write_bytes(COMPRESSIONS[suffix].compress(src.read_bytes()))
    return dest


def plain_bytes(path: Path, suffix: str) -> dict[str, bytes]:
    """What ``path`` (a file, or a directory of files each compressed as ``suffix``) holds, each
    file decompressed, by path relative to ``path`` without the suffix; decompressing fails
    on a file that is not so compressed."""
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return {str(p.relative_to(path) if path.is_dir() else "").removesuffix(suffix):
            COMPRESSIONS[suffix].decompress(p.read_bytes()) for p in files}


@pytest.mark.parametrize("fmt, suffix", [("jsonl", ".gz"), ("csv", ".bz2"), ("json", ".xz"), ("dir", ".gz"),
                                         ("text", ".gz")])
def test_a_compressed_corpus_cleans_into_a_compressed_output_as_the_plain_one(tmp_path, fmt, suffix):
    """``clean IN.jsonl.gz -o OUT.jsonl.gz`` writes gzip holding exactly what the plain run
    writes (a directory's files each compressed, under their own names), the manifest plain
    JSONL; cleaning that output again removes nothing."""
    if fmt == "text":  # a seed article whose title and two paragraphs were scraped twice
        plain = tmp_path / "in.txt"
        plain.write_text(SEEDS[DOC0], encoding="utf-8")
    else:
        plain = write(fmt, corpus_records(), tmp_path / (f"in.{fmt}" if fmt != "dir" else "in"))
    name = "out" if fmt == "dir" else f"out.{'txt' if fmt == 'text' else fmt}"
    src = compress_into(plain, tmp_path / (plain.name + ("-packed" if fmt == "dir" else suffix)), suffix)
    expected_out, out = tmp_path / "plain" / name, tmp_path / (name + ("" if fmt == "dir" else suffix))
    (tmp_path / "plain").mkdir()
    expected = runner().invoke(cli, ["clean", str(plain), "-o", str(expected_out)])
    assert expected.exit_code == 0, expected.stderr
    result = runner().invoke(cli, ["clean", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.stderr
    assert result.output == expected.output.replace(str(expected_out), str(out))
    if fmt == "dir":
        assert plain_bytes(out, suffix) == {str(p.relative_to(expected_out)): p.read_bytes()
                                            for p in sorted(expected_out.rglob("*")) if p.is_file()}
        assert len(list(out.rglob("*.txt" + suffix))) > 10
    else:
        assert plain_bytes(out, suffix) == {"": expected_out.read_bytes()}
    manifest_text = Path(f"{out}.removed.jsonl").read_text(encoding="utf-8")  # plain
    assert manifest_text.replace(".txt" + suffix, ".txt") == Path(f"{expected_out}.removed.jsonl").read_text()
    assert manifest_text != ""
    again = runner().invoke(cli, ["clean", str(out), "-o", str(tmp_path / ("again" + out.name[3:]))])
    assert again.exit_code == 0, again.stderr
    assert Path(f"{tmp_path}/again{out.name[3:]}.removed.jsonl").read_text() == ""
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left


def test_a_compressed_input_cleans_into_a_plain_output_and_a_named_manifest_may_be_compressed(tmp_path):
    plain = write("jsonl", corpus_records(), tmp_path / "in.jsonl")
    src = compress_into(plain, tmp_path / "in.jsonl.xz", ".xz")
    clean_file(str(plain), str(tmp_path / "expected.jsonl"))
    clean_file(str(src), str(tmp_path / "out.jsonl"), removed=str(tmp_path / "removed.jsonl.gz"))
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "expected.jsonl").read_bytes()
    assert gzip.decompress((tmp_path / "removed.jsonl.gz").read_bytes()) == \
        (tmp_path / "expected.jsonl.removed.jsonl").read_bytes()


def test_a_truncated_compressed_input_is_one_line_and_writes_nothing(tmp_path):
    packed = gzip.compress((REPO / "tests" / "data" / "reuters_sample.jsonl").read_bytes())
    src = tmp_path / "day.jsonl.gz"
    src.write_bytes(packed[:len(packed) * 2 // 3])
    result = runner().invoke(cli, ["clean", str(src), "-o", str(tmp_path / "clean.jsonl.gz")])
    assert result.exit_code == 2
    assert result.stderr == (f"dedup: error: {src}: corrupt gzip data (truncated: it ends before its "
                             f"end-of-stream marker)\n")
    assert os.listdir(tmp_path) == ["day.jsonl.gz"]


def test_parquet_is_not_written_inside_another_compression(tmp_path):
    src = write("parquet", corpus_records(), tmp_path / "in.parquet")
    result = runner().invoke(cli, ["clean", str(src), "-o", str(tmp_path / "out.parquet.gz")])
    assert result.exit_code == 2
    assert result.stderr == (f"dedup: error: {tmp_path}/out.parquet.gz: Parquet compresses its own data: give the "
                             f"output a .parquet name\n")
    assert os.listdir(tmp_path) == ["in.parquet"]


@pytest.mark.parametrize("ending", ["\r\n", "\r"])
def test_a_cleaned_csv_file_keeps_each_unchanged_records_bytes(tmp_path, ending):
    # a new user's review: a quoted "" came back as an empty field, and every quote not
    # needed was dropped; a code review: rows written anew ended in \n in a file of \r
    src = tmp_path / "in.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator=ending)
        w.writerow(["id", "note", "text"])
        for k, r in enumerate(corpus_records()):
            w.writerow([r["id"], "" if k % 2 else f"a, {k}", r["text"] or ""])
    assert runner().invoke(cli, ["clean", str(src), "-o", str(tmp_path / "out.csv")]).exit_code == 0
    before, after = (open(p, encoding="utf-8", newline="").read().split(ending)  # texts hold only \n
                     for p in (src, tmp_path / "out.csv"))
    removed = manifest(tmp_path / "out.csv.removed.jsonl")
    cut = {e["id"] for e in removed if e["reason"].endswith("_removed")}
    assert cut and after[0] == before[0] == '"id","note","text"'
    kept = {next(csv.reader([line]))[0]: line for line in after[1:] if line}
    unchanged = [line for doc, line in kept.items() if doc not in cut]
    assert unchanged and all(line in before for line in unchanged)  # as they were, quotes and all
    assert all(kept[doc] not in before for doc in cut)


@pytest.mark.parametrize("codec", ["zstd", "gzip", "none"])
def test_a_cleaned_parquet_file_keeps_its_compression(tmp_path, codec):
    # a new user's review: a zstd input came back Snappy, pyarrow's default
    src = tmp_path / "in.parquet"
    pq.write_table(pq.read_table(write("parquet", corpus_records(), tmp_path / "plain.parquet")), src,
                   compression=codec)
    assert runner().invoke(cli, ["clean", str(src), "-o", str(tmp_path / "out.parquet")]).exit_code == 0
    codecs = {pq.ParquetFile(p).metadata.row_group(0).column(0).compression for p in (src, tmp_path / "out.parquet")}
    assert codecs == {"UNCOMPRESSED" if codec == "none" else codec.upper()}
    assert pq.read_table(tmp_path / "out.parquet").num_rows < pq.read_table(src).num_rows  # copies were dropped


def test_a_templates_table_headers_and_rows_are_kept_and_chrome_still_cut():
    # a review's case: clean cut "Year" and "Nine mths" from earnings tables (the
    # full-year rows then read as the quarter's) and dividend lines from their notices,
    # as boilerplate, being in hundreds of unrelated Reuters reports. They are the
    # template's lines: left out of comparisons, not cut, not reported as boilerplate
    docs = list(SAMPLE["text"])
    ids = list(SAMPLE["id"])
    notices = [(f"{name} <{tick}> SETS QUARTERLY", f"Qtly div {a} cts vs {a} cts prior", f"Pay April {d}",
                f"Record March {r}") for name, tick, a, d, r in
               [("KNUTSON MORTGAGE CORP", "KNMC", 10, 13, 13), ("CONCHEMCO INC", "CKC", 10, "Six", 16),
                ("M.D.C. HOLDINGS INC", "MDC", 10, 30, 16), ("ARVIN INDUSTRIES INC", "ARV", 10, 15, 20)]]
    docs += ["\n\n".join(lines + ("Reuter",)) for lines in notices]
    ids += [f"notice-{k}" for k in range(len(notices))]
    report = dedup.scan(docs)
    shown = set(report.boilerplate["text"])
    assert "Reuter" in shown
    assert not shown & {"Year", "Nine mths", "Qtly div 10 cts vs 10 cts prior"}
    result = clean_documents([Document(i, t, "<memory>", n) for n, (i, t) in enumerate(zip(ids, docs), 1)])
    cleaned = {d.id: t for d, t in zip(result.documents, result.texts) if t is not None}
    assert sum(i.startswith("notice-") for i in cleaned) == 4
    for doc_id, text in zip(ids, docs):
        lines = [line.strip() for line in text.splitlines()]
        for header in ("Year", "Nine mths", "Qtly div 10 cts vs 10 cts prior"):
            if header in lines and doc_id in cleaned:
                assert header in [line.strip() for line in cleaned[doc_id].splitlines()], (doc_id, header)
        if doc_id in cleaned:
            assert "Reuter" not in [line.strip() for line in cleaned[doc_id].splitlines()], doc_id



def test_a_sites_section_label_above_its_dateline_is_still_boilerplate():
    # a review's case: "Business" above a dateline and "N min read" (two short lines with
    # figures) was taken for a table's header; a table runs three rows and more
    stories = [t for t in DISTINCT["text"] if len(t) > 800][:8]
    pages = [f"Daily Planet News\nHome | World | Business | Sports\nBusiness\nMarch {k + 3}, 2025\n{k + 2} min read\n"
             f"{text}\nRelated Articles\nCopyright 2025 Daily Planet Media Group. All rights reserved."
             for k, text in enumerate(stories)]
    shown = set(dedup.scan(pages).boilerplate["text"])
    assert {"Business", "Daily Planet News", "Related Articles"} <= shown


def test_clean_of_texts_with_a_lone_surrogate_and_its_manifests_types():
    # a review's case: scan took a lone surrogate (Python's json reads one from "\ud800"),
    # clean raised UnicodeEncodeError making its manifest frame (pandas' Arrow strings)
    paragraph = f"{SEEDS[DOC4].splitlines()[2]} \ud800"
    text = f"Title line of this story\n{paragraph}\n{paragraph}"
    kept, removed = dedup.clean([text, "x", text + "\nOne more line of text here."])
    assert list(removed["reason"]) == ["duplicate_of", "repeat_removed"]
    assert removed["text"].str.contains("\ud800").all()
    assert str(removed["block"].dtype) == "Int64" and removed["block"].isna().tolist() == [True, False]
    assert removed["similarity"].dtype == np.float64 and str(removed["exact"].dtype) == "boolean"


def test_records_emptied_by_their_cuts_are_told_apart_and_warned_of(tmp_path):
    """A data engineer's review: records each made of paragraphs that three unrelated
    others also hold were all removed as "empty" with "0 boilerplate blocks cut"."""
    # (of words only: a paragraph with a figure in so few groups is a fact, not chrome,
    # see blocks.figure_lines)
    paragraphs = [p for t in DISTINCT["text"] for p in t.split("\n\n")
                  if len(p.split()) >= 20 and not tokenize([p]).word_is_number.any()][:9]
    # the 12 lines of the affine plane of order 3: three paragraphs a record, each
    # paragraph in four records, two records sharing one paragraph at most
    lines = [[(x, (m * x + b) % 3) for x in range(3)] for m in range(3) for b in range(3)]
    lines += [[(c, y) for y in range(3)] for c in range(3)]
    records = [{"id": f"r{k}", "text": "\n\n".join(paragraphs[3 * x + y] for x, y in line)}
               for k, line in enumerate(lines)]
    src = tmp_path / "day.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    result = runner().invoke(cli, ["clean", str(src), "-o", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0, result.stderr
    assert "12 removed (0 duplicates, 12 empty (12 of them once their blocks were cut))" in result.stdout
    assert "every record was removed, 12 of them emptied by cutting their blocks (boilerplate_removed)" in result.stderr
    entries = [json.loads(line) for line in (tmp_path / "out.jsonl.removed.jsonl").read_text().splitlines()]
    assert [e["emptied_by"] for e in entries] == [["boilerplate_removed"]] * 12
    result = runner().invoke(cli, ["clean", str(src), "-o", str(tmp_path / "kept.jsonl"), "--keep-boilerplate"])
    assert "12 kept" in result.stdout and "warning" not in result.stderr


def test_a_paragraph_cut_from_between_blank_lines_leaves_one_of_them():
    # a data engineer's review: cut blocks left runs of blank lines ("BY MAY\n\n\n\n\nThe")
    paragraphs = [p for p in DISTINCT["text"][0].split("\n\n") if len(p.split()) >= 8][:3]
    text = "\n\n".join([paragraphs[0], paragraphs[1], paragraphs[0], paragraphs[2]])
    kept, removed = dedup.clean([text, text.replace("\n\n", "\r\n\r\n")], keep_duplicates=True)
    assert kept["text"].tolist() == ["\n\n".join([paragraphs[0], paragraphs[1], paragraphs[2]]),
                                     "\r\n\r\n".join([paragraphs[0], paragraphs[1], paragraphs[2]])]
    assert removed["removed"].tolist() == [paragraphs[0] + "\n\n", paragraphs[0] + "\r\n\r\n"]
    assert [restore(t, [e]) for t, e in zip(kept["text"], removed.to_dict("records"))] == \
        [text, text.replace("\n\n", "\r\n\r\n")]


SAME_HEADLINE = pd.read_json(REPO / "tests" / "data" / "reuters_same_headline.jsonl", lines=True, dtype=False)


def test_two_write_ups_under_one_headline_keep_it():
    # a data engineer's review: two Reuters stories of one event under one headline share
    # too little else to be grouped, and the headline, a short line in two groups, was
    # boilerplate: clean cut it from both, and neither kept a title
    title = "FUNARO SAYS CREDITORS WILLING TO HELP BRAZIL"
    assert all(t.startswith(title + "\n") for t in SAME_HEADLINE["text"])
    others = DISTINCT.iloc[:30][["id", "text"]]
    day = pd.concat([SAME_HEADLINE[["id", "text"]], others], ignore_index=True)
    report = dedup.scan(day, text="text", id="id")
    assert title not in set(report.boilerplate["text"])
    kept, removed = dedup.clean(day, text="text", id="id")
    assert kept.set_index("id").loc[SAME_HEADLINE.id, "text"].str.startswith(title + "\n").all()
    assert title not in set(removed["text"])
    # under a rule line without words, the title still opens the page (a code review)
    ruled = day.assign(text=day["text"].where(day["id"] != SAME_HEADLINE.id[1], "* * *\n\n" + day["text"]))
    kept, _ = dedup.clean(ruled, text="text", id="id")
    assert kept.set_index("id").loc[SAME_HEADLINE.id, "text"].str.contains(title + "\n").all()
    # a site's first line opening pages of three unrelated stories is chrome still, and a
    # short line that is not first, in two of them, as before
    site = others.iloc[:3].assign(text="Skip to main content\n\n" + others["text"].iloc[:3] + "\n\nSign in")
    for pages, line in ((site, "Skip to main content"), (site.iloc[:2], "Sign in")):
        report = dedup.scan(pages, text="text", id="id")
        assert line in set(report.boilerplate["text"])
        kept, _ = dedup.clean(pages, text="text", id="id")
        assert not kept["text"].str.contains(line).any()
    report = dedup.scan(site.iloc[:2], text="text", id="id")
    assert "Skip to main content" not in set(report.boilerplate["text"])  # a title of two, as far as it knows


RECORD_DATES = pd.read_json(REPO / "tests" / "data" / "reuters_record_dates.jsonl", lines=True, dtype=False)


def test_a_fact_templated_reports_share_is_neither_boilerplate_nor_cut():
    # a data engineer's review: three payout notices with the same record date lost the
    # line "Record February 27" to clean, as boilerplate of three unrelated documents
    others = DISTINCT.iloc[:30][["id", "text"]]
    day = pd.concat([RECORD_DATES[["id", "text"]], others], ignore_index=True)
    report = dedup.scan(day, text="text", id="id")
    assert "Record February 27" not in set(report.boilerplate["text"])
    assert not report.overlaps[report.overlaps.a.isin(RECORD_DATES.id) & report.overlaps.b.isin(RECORD_DATES.id)].size
    kept, removed = dedup.clean(day, text="text", id="id")
    for doc_id in RECORD_DATES.id:
        assert "Record February 27" in kept.set_index("id").loc[doc_id, "text"]
    # a site's copyright line, its figure a year, is still chrome, and cut: on four pages
    # (fewer groups than a fact needs to be chrome) as on thirty (a code review)
    line = "Copyright 2026 The Harbour Gazette. All rights reserved."
    for pages in (4, 30):
        site = others.iloc[:pages].assign(text=others["text"].iloc[:pages] + "\n\n" + line)
        report = dedup.scan(site, text="text", id="id")
        assert line in set(report.boilerplate["text"]), pages
        kept, _ = dedup.clean(site, text="text", id="id")
        assert not kept["text"].str.contains("Harbour Gazette").any()
