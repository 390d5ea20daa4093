"""Tests of the HTML report (``--format html``, ``Report.to_html``, ``Report._repr_html_``).

The page is parsed with the standard library's HTML parser, not searched as a string,
so that "the passage is highlighted" means a ``<mark>`` element holds it; the last test
renders the page in headless Chromium and reads the DOM the browser built.
"""

from __future__ import annotations

import html
import re
import shutil
import struct
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import dedup
from dedup.cli import cli
from dedup.html import highlight, pair_similarities

REPO = Path(__file__).resolve().parents[1]
NEWS = REPO / "examples" / "news"
DOC0 = "000_2ea5d5c95082bfe6.txt"
REUTERS = REPO / "tests" / "data" / "reuters_sample.jsonl"
#: every element the page may contain: no script, no link, no image, no iframe, no form
ALLOWED_TAGS = {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p", "div", "span", "b",
                "code", "table", "tr", "th", "td", "details", "summary", "svg", "line", "rect", "text", "mark",
                "ul", "li", "strong"}


class Page(HTMLParser):
    """The structure of a report page: its tags, and each side-by-side pair with its marks."""

    def __init__(self, markup: str):
        super().__init__(convert_charrefs=True)
        self.tags: set[str] = set()
        self.attrs: list[tuple[str, str, str | None]] = []
        self.pairs: list[list[dict]] = []  # [[{"where", "text", "marks"}, {...}], ...]
        self.marks: list[str] = []
        self._stack: list[tuple[str, str]] = []
        self._field: str | None = None
        self._mark: list[str] | None = None
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attrs += [(tag, k, v) for k, v in attrs]
        cls = dict(attrs).get("class") or ""
        if tag == "meta":
            return  # a void element: never closed
        self._stack.append((tag, cls))
        if cls == "pair":
            self.pairs.append([])
        elif cls == "side":
            self.pairs[-1].append({"where": "", "text": "", "marks": []})
        elif cls in ("where", "text") and self.pairs and self.pairs[-1]:
            self._field = cls
        if tag == "mark":
            self._mark = []

    def handle_endtag(self, tag):
        popped = self._stack.pop()
        assert popped[0] == tag, (popped, tag)  # well nested
        if popped[1] in ("where", "text"):
            self._field = None
        if tag == "mark":
            text = "".join(self._mark)
            self.marks.append(text)
            if self._field == "text":
                self.pairs[-1][-1]["marks"].append(text)
            self._mark = None

    def handle_data(self, data):
        if self._field is not None:
            self.pairs[-1][-1][self._field] += data
        if self._mark is not None:
            self._mark.append(data)


@pytest.fixture(scope="module")
def news_report():
    return dedup.scan(dedup.read_documents([str(NEWS)]))


@pytest.fixture(scope="module")
def reuters_report():
    return dedup.scan(dedup.read_documents([str(REUTERS)]))


def repeated_paragraphs_of_000() -> list[tuple[str, int, int]]:
    """(text, first line, repeat line) of every paragraph of 000 written twice, read from the file."""
    lines = (NEWS / DOC0).read_text(encoding="utf-8").split("\n")
    seen, out = {}, []
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if text in seen:
            out.append((text, seen[text], number))
        elif text:
            seen[text] = number
    return out


# ---------------------------------------------------------------------------
# the page
# ---------------------------------------------------------------------------


def test_page_is_one_self_contained_document(news_report):
    page = news_report.to_html()
    parsed = Page(page)
    assert page.startswith("<!DOCTYPE html>")
    assert parsed.tags <= ALLOWED_TAGS, parsed.tags - ALLOWED_TAGS
    assert not [a for a in parsed.attrs if a[1] in ("src", "href", "action") or a[1].startswith("on")]
    assert "url(" not in page and "@import" not in page and "://" not in page


def test_summary_clusters_and_sections(reuters_report):
    page = reuters_report.to_html()
    text = re.sub(r"<[^>]+>", " ", page)
    s = reuters_report.summary
    for key, label in [("documents", "documents"), ("clusters", "clusters"), ("repeats", "repeats"),
                       ("overlaps", "overlaps")]:
        assert re.search(rf"<b>{s[key]:,}</b><span class='muted'>{label}</span>", page)
    for heading in (f"Clusters ({s['clusters']})", f"Repeats ({s['repeats']})", f"Overlaps ({s['overlaps']})",
                    f"Boilerplate ({s['boilerplate']})"):
        assert heading in text
    # every cluster, with its representative and every member
    clusters = reuters_report.clusters
    for c, g in clusters.groupby("cluster"):
        rep = g["representative"].iloc[0]
        assert f"Cluster {c}: {len(g) + 1} documents, keeping <code>{html.escape(rep)}</code>" in page
        for doc in g["doc"]:
            assert f"<tr><td>{html.escape(doc)}</td>" in page


def test_every_repeat_of_000_side_by_side_fully_highlighted(news_report):
    parsed = Page(news_report.to_html())
    expected = repeated_paragraphs_of_000()
    assert len(expected) == 3
    assert len(parsed.pairs) == 3  # no cluster, no overlap: the three repeats
    for (text, first, again), (left, right) in zip(expected, parsed.pairs):
        assert left["where"].startswith(f"line {first} ") and right["where"].startswith(f"line {again} ")
        assert left["text"] == right["text"] == text
        assert left["marks"] == right["marks"] == [text]  # an exact repeat: all of it matches


def test_every_overlap_block_pair_is_shown(reuters_report):
    parsed = Page(reuters_report.to_html())
    n_repeats = len(reuters_report.repeats)
    overlap_pairs = parsed.pairs[n_repeats:]
    expected = [(r.a, r.b, blocks) for r in reuters_report.overlaps.itertuples() for blocks in r.blocks]
    assert len(overlap_pairs) == len(expected)
    docs = {d.id: d.text for d in reuters_report._result.documents}
    for (a, b, (block_a, block_b, _)), (left, right) in zip(expected, overlap_pairs):
        spans_a, spans_b = dedup.text.block_spans(docs[a]), dedup.text.block_spans(docs[b])
        assert left["text"] == docs[a][slice(*spans_a[block_a])]
        assert right["text"] == docs[b][slice(*spans_b[block_b])]
        assert left["where"].startswith(f"{a}:") and right["where"].startswith(f"{b}:")
        assert left["marks"] and right["marks"]


def test_a_near_repeat_leaves_the_edited_words_unmarked():
    paragraph = ("The United Auto Workers confirmed an earlier company statement that contract talks between "
                 "striking workers at a General Motors Corp's Michigan plant and the union will resume at 1000 EST "
                 "tomorrow.")
    # edited words, same figures (paragraphs whose figures differ are different text, not repeats)
    edited = paragraph.replace("EST tomorrow", "EST on Friday").replace("earlier company", "earlier")
    text = "UAW CONFIRMS TALKS AT GM PLANT TO RESUME\n\n" + paragraph + "\n\n" + edited + "\n"
    report = dedup.scan([text])
    assert len(report.repeats) == 1 and report.repeats["similarity"].iloc[0] < 1
    (left, right), = Page(report.to_html()).pairs
    assert (left["text"], right["text"]) == (paragraph, edited)
    assert "".join(right["marks"]).replace(" ", "") != edited.replace(" ", "")
    def unmarked(side: dict) -> str:
        text = side["text"]
        for m in side["marks"]:
            text = text.replace(m, "|", 1)
        return text

    assert unmarked(left) == "| company | tomorrow."
    assert unmarked(right) == "| | on Friday."
    assert right["marks"][0] == "The United Auto Workers confirmed an earlier"


def test_highlight_marks_shared_runs_and_escapes():
    a, b = highlight("<Shr> 41 cts vs 17 cts & more", "Shr 41 cts vs 18 cts & more")
    assert a == "<mark>&lt;Shr&gt; 41 cts vs</mark> 17 <mark>cts &amp; more</mark>"
    assert b == "<mark>Shr 41 cts vs</mark> 18 <mark>cts &amp; more</mark>"
    assert highlight("Related Articles", "related articles") == ("<mark>Related Articles</mark>",
                                                               "<mark>related articles</mark>")
    # one common word is no shared passage
    assert highlight("the talks resumed", "a strike began in the plant") == ("the talks resumed",
                                                                             "a strike began in the plant")


def test_passages_too_long_to_mark_are_shown_escaped_and_unmarked():
    from dedup.html import MAX_MARKED_WORDS

    words = (NEWS / DOC0).read_text(encoding="utf-8").split()
    text = " ".join((words * (MAX_MARKED_WORDS // len(words) + 2))[:MAX_MARKED_WORDS]) + " <b>"
    edited = text.replace(" the ", " a ", 1)
    assert highlight(text, edited) == (html.escape(text), html.escape(edited))  # over the limit: no marks
    shorter = text.split(" ", 2)[2]  # two words fewer: at the limit, marked
    assert highlight(shorter, shorter.replace(" the ", " a ", 1))[0].startswith("<mark>")


def test_everything_is_escaped():
    attack = "<script>alert('x')</script> <img src=x onerror=alert(1)> \" ' & <!-- -->"
    paragraph = ("Officials said the <b>emergency</b> session would resume on Monday after a weekend of talks "
                 "between the two delegations " + attack)
    story = "\n".join([f"Title {attack}", paragraph, paragraph, "Related Articles <script>x</script>",
                       "Second paragraph of the story about the negotiations, with more words to make it long."])
    docs = [dedup.Document(f"<script>doc{i}</script>.txt", story if i < 2 else f"Other text {i} " * 20, "-", None)
            for i in range(4)]
    # its own sentence is news, not an aggregator's line around an excerpt: an overlap
    docs.append(dedup.Document("shared & <i>.txt", "Intro of another story entirely, nothing alike here, about "
                               "a different matter in another city.\n"
                               + paragraph + "\n", "-", None))
    report = dedup.scan(docs)
    assert len(report.clusters) and len(report.repeats) and len(report.overlaps)
    for markup in (report.to_html(), report._repr_html_()):
        parsed = Page(markup)
        assert parsed.tags <= ALLOWED_TAGS, parsed.tags - ALLOWED_TAGS
        assert "<script" not in markup.lower() and "<img" not in markup.lower() and "<i>" not in markup
        assert "&lt;script&gt;" in markup
    page = report.to_html()
    assert "&lt;script&gt;doc0&lt;/script&gt;.txt" in page and "shared &amp; &lt;i&gt;.txt" in page


def test_ids_write_direction_marks_and_control_characters_as_escapes_but_texts_keep_theirs():
    """A notebook user's review: ``invoice\u202egnp.exe`` read as "invoiceexe.png" in the
    page and the notebook summary, which the tables had escaped since a review before.
    Arabic and Hebrew text needs its marks, so a text keeps them."""
    story = sorted(NEWS.glob("*.txt"))[1].read_text(encoding="utf-8")
    marked = "\u05e9\u05dc\u05d5\u05dd \u202bquoted\u202c " * 3 + "a line of Hebrew with its embedding marks kept"
    docs = [dedup.Document("report", f"{story}\n\n{marked}\n\n{marked}\n", "-", None),
            dedup.Document("invoice\u202egnp.exe", f"{story}\n\n{marked}\n\n{marked}\n", "-", None),
            dedup.Document("an\x1bescape", f"{story}\n\n{marked}\n\n{marked}\n", "-", None)]
    report = dedup.scan(docs)
    assert len(report.clusters) == 2
    for markup in (report.to_html(), report._repr_html_()):
        assert "\u202e" not in markup and "\x1b" not in markup
        assert "invoice\\u202egnp.exe" in markup and "an\\x1bescape" in markup
    assert "\u202bquoted\u202c" in report.to_html()  # the text, side by side


def test_histogram_counts_every_pair_once(reuters_report):
    n = reuters_report.summary["documents"] - reuters_report.summary["empty"]
    similarities, total, scope = pair_similarities(reuters_report)
    assert (total, scope) == (n * (n - 1) // 2, "all")
    page = reuters_report.to_html()
    svg = page[page.index("<svg"):page.index("</svg>")]
    counts = [int(c.replace(",", "")) for c in re.findall(r"<title>[\d.]+–[\d.]+: ([\d,]+) pairs?</title>", svg)]
    assert len(counts) == 20 and sum(counts) == total
    # every verified near-duplicate pair is a pair of the histogram, with the similarity the clusters report
    for sim in reuters_report.clusters["similarity"]:
        assert np.isclose(similarities, sim, atol=1e-4).any()
    threshold = reuters_report.params["threshold"]
    above = sum(c for k, c in enumerate(counts) if k / 20 >= threshold - 1e-9)
    assert above == int((similarities >= np.ceil(threshold * 20) / 20).sum())
    assert f"threshold {threshold:g}" in svg


def test_cli_html_is_report_to_html(news_report):
    runner = CliRunner()
    out = runner.invoke(cli, ["scan", str(NEWS), "--format", "html"])
    assert out.exit_code == 0
    assert out.stdout == news_report.to_html()


def test_repr_html_is_a_compact_summary(reuters_report):
    markup = reuters_report._repr_html_()
    parsed = Page(markup)
    assert parsed.tags <= {"div", "strong", "table", "tr", "th", "td", "p", "code"}
    assert "<style" not in markup and len(markup) < len(reuters_report.to_html()) / 5
    s = reuters_report.summary
    cells = re.findall(r"<td style='[^']*'>([^<]*)</td>", markup)
    assert cells[:7] == [str(s[k]) for k in ("documents", "clusters", "duplicate_documents", "repeats", "overlaps",
                                             "boilerplate", "empty")]
    assert f"Largest clusters (5 of {s['clusters']})" in markup
    # the largest clusters: their ids, representatives and sizes (of the report's clusters table)
    clusters = reuters_report.clusters.groupby("cluster").first()
    largest = clusters.sort_values("size", ascending=False, kind="stable").head(5)
    part = markup[markup.index("Largest clusters"):markup.index("Repeats (first")]
    rows = re.findall(r"<tr><td[^>]*>(\d+)</td><td[^>]*>([^<]*)</td><td[^>]*>(\d+)</td>", part)
    assert rows == [(str(c), html.escape(str(r.representative)), str(r["size"])) for c, r in largest.iterrows()]
    assert f"Repeats (first {min(5, s['repeats'])} of {s['repeats']})" in markup


# ---------------------------------------------------------------------------
# in a real browser
# ---------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install -y chromium, "
                                             "as .ci/run does)")
def test_chromium_renders_the_highlighted_passages_of_000(news_report, tmp_path):
    page = tmp_path / "report.html"
    page.write_text(news_report.to_html(), encoding="utf-8")

    def chromium(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args, page.as_uri()],
                              capture_output=True, text=True, timeout=120)

    dom = chromium("--dump-dom")
    assert dom.returncode == 0, dom.stderr[-2000:]
    rendered = Page(dom.stdout)
    expected = repeated_paragraphs_of_000()
    assert [(left["marks"], right["marks"]) for left, right in rendered.pairs] == [([t], [t]) for t, _, _ in expected]
    assert "Repeats (3)" in dom.stdout and "<svg" in dom.stdout

    png = tmp_path / "report.png"
    shot = chromium(f"--screenshot={png}", "--window-size=1280,1800", "--hide-scrollbars")
    assert shot.returncode == 0 and png.exists(), shot.stderr[-2000:]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 1800)
    assert len(data) > 50_000  # text, cards, bars and highlights, not a blank page


def test_one_pair_above_the_threshold_that_is_other_news_is_said_so():
    # a review's case: "1 pairs at or above the threshold" beside 0 clusters. Two Fed
    # notices of two days (Reuters-21578) differ in one figure: above the threshold, no cluster
    fed = ("FED ADDS RESERVES VIA CUSTOMER REPURCHASES\n\nThe Federal Reserve entered the U.S. Government "
           "securities market to arrange 1.5 billion dlrs of customer repurchase agreements, a Fed spokesman "
           "said.\n\nDealers said Federal funds were trading at 6-3/16 pct when the Fed began its temporary and "
           "indirect supply of reserves to the banking system.\n\nReuter")
    report = dedup.scan([fed, fed.replace("6-3/16", "6-1/4")])
    assert report.summary["clusters"] == 0
    page = report.to_html()
    assert "1 pair at or above the threshold" in page and "their figures disagree" in page


def test_a_boilerplate_row_names_its_first_documents_and_counts_the_others():
    # a new user's review: "Reuter", in 7,923 stories, made one cell of 7,923 ids
    import pandas as pd

    stories = pd.read_json(REUTERS, lines=True, dtype={"id": str})
    stories = stories[stories["kind"] == "distinct"].iloc[:30]
    report = dedup.scan(stories, id="id")
    docs = report.boilerplate.set_index("text").loc["Reuter", "docs"]
    assert len(docs) > 25
    row = re.search(r"<td class='num'>(\d+)</td><td>Reuter</td><td>([^<]*)</td>", report.to_html())
    assert row is not None and int(row.group(1)) == len(docs)
    assert row.group(2) == ", ".join(docs[:20]) + f" and {len(docs) - 20} more"
