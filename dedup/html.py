"""HTML renderings of a :class:`~dedup.report.Report`: a full page and a Jupyter summary.

:func:`page` (``dedup scan --format html``, ``Report.to_html()``) is one self-contained
page, readable offline and safe to open: no script, no external resource, and every
piece of document text, document id and parameter escaped (scraped text can hold
``<script>``). It shows

* the summary counts and the parameters;
* a histogram of pair similarities (inline SVG): the exact Jaccard similarity of every
  pair of documents (of the candidate pairs, for corpora over :data:`ALL_PAIRS_MAX_DOCS`
  documents), with the threshold marked, so one sees whether it sits in a gap;
* each cluster with its representative and members;
* every repeat and every overlap side by side, the matching passages highlighted:
  runs of at least :data:`MIN_RUN` words that both sides share, so that what differs
  between two near-matching paragraphs stands out unhighlighted;
* boilerplate and empty documents.

:func:`summary` (``Report._repr_html_``) is the compact view a notebook shows: counts,
the largest clusters and the first repeats.
"""

from __future__ import annotations

import html
import re
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

import numpy as np

from .match import shingle_sets
from .report import printable, shown
from .shingles import SetBatch, intersection_sizes
from .text import line_of, normalize

if TYPE_CHECKING:  # pragma: no cover
    from .index import QueryReport
    from .report import Report

#: Up to this many (non-empty) documents the histogram shows every pair; above, the
#: candidate pairs (LSH buckets, clusters, overlaps), since all pairs grow as n².
ALL_PAIRS_MAX_DOCS = 5000
#: Shortest run of shared words that is highlighted (unless it is the whole paragraph):
#: single common words ("the", "in") shared by two different sentences are not a match.
MIN_RUN = 2
#: Number of histogram bins over [0, 1].
BINS = 20
#: Passages of more words than this (a text without paragraph breaks is one passage)
#: are shown without marks: difflib's matching grows with the product of their lengths
#: (two passages of 100,000 words took 33 s; two of 5,000, 0.24 s).
MAX_MARKED_WORDS = 5_000

_WORD = re.compile(r"\w+")


def _e(text: str) -> str:
    """``text`` escaped for HTML, a lone surrogate shown as U+FFFD (as every report
    quotes one: UTF-8 cannot hold it, and the page is written as UTF-8)."""
    return html.escape(shown(text))


def _id(name: object) -> str:
    """A document's id (or ids, or ``id:line``) escaped for HTML, its control characters
    and the marks that turn the text's direction written as escapes, as the tables write
    them (:func:`~dedup.report.printable`): ``invoice\u202egnp.exe`` read as
    "invoiceexe.png" (a notebook user's review). A text keeps its marks: Arabic and
    Hebrew need them."""
    return _e(printable(str(name)))


_CSS = """
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--mark:#ffe58f;--accent:#0969da;--dup:#cf222e}
*{box-sizing:border-box}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);
margin:0 auto;padding:1.5em 2em 4em;max-width:84em}
h1{font-size:1.7em;margin:.2em 0}h2{font-size:1.3em;margin:1.6em 0 .5em;border-bottom:1px solid var(--line);
padding-bottom:.2em}h3{font-size:1em;margin:1.2em 0 .4em}
.muted{color:var(--muted)}code{font-size:.9em}
.cards{display:flex;flex-wrap:wrap;gap:.6em;margin:1em 0}
.card{border:1px solid var(--line);border-radius:6px;padding:.4em .9em;min-width:8em}
.card b{display:block;font-size:1.5em}
table{border-collapse:collapse;margin:.4em 0}
td,th{border:1px solid var(--line);padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f6f8fa}td.num{text-align:right;font-variant-numeric:tabular-nums}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:.8em;margin:.3em 0 1em}
.side{border:1px solid var(--line);border-radius:6px;overflow:hidden}
.side .where{background:#f6f8fa;border-bottom:1px solid var(--line);padding:.2em .6em;font-size:.85em;
color:var(--muted)}
.side .text{padding:.5em .7em;white-space:pre-wrap;overflow-wrap:anywhere}
mark{background:var(--mark);padding:0 .05em}
details{margin:.5em 0}svg text{font:11px system-ui,sans-serif;fill:var(--muted)}
"""


def page(report: Report) -> str:
    """The full, self-contained HTML page of ``report``."""
    from .report import _version

    view = _View(report)
    s = report._summary
    parts = [
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        f"<title>dedup report: {s['documents']} documents</title><style>{_CSS}</style></head><body>",
        f"<h1>dedup report</h1><p class='muted'>{s['documents']} documents, {s['blocks']} blocks "
        f"(non-blank lines) &middot; dedup {_e(_version())}</p>",
        _cards(s),
        _params(report._params),
        "<h2 id='similarity'>Similarity of document pairs</h2>",
        _histogram(report),
        _clusters(report, view),
        _repeats(report, view),
        _overlaps(report, view),
        _boilerplate(report),
        _empty(report),
        "</body></html>\n",
    ]
    return "".join(parts)


_CELL = "border:1px solid #d1d9e0;padding:2px 8px;text-align:left;vertical-align:top"


def _counts(title: str, counts: list[tuple[str, int]]) -> str:
    """A notebook summary's opening: its title and one row of counts."""
    return (f"<div class='dedup-report'><strong>{_e(title)}</strong>"
            "<table style='border-collapse:collapse;margin:4px 0'><tr>"
            + "".join(f"<th style='{_CELL}'>{_e(k)}</th>" for k, _ in counts) + "</tr><tr>"
            + "".join(f"<td style='{_CELL}'>{v}</td>" for _, v in counts) + "</tr></table>")


def _rows(caption: str, header: list[str], rows: list[list[str]]) -> str:
    """A captioned table of a notebook summary (``rows``: cells, escaped already)."""
    head = "".join(f"<th style='{_CELL}'>{_e(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td style='{_CELL}'>{c}</td>" for c in row) + "</tr>" for row in rows)
    return (f"<p style='margin:6px 0 2px'>{_e(caption)}</p>"
            f"<table style='border-collapse:collapse'><tr>{head}</tr>{body}</table>")


def _repeat_rows(repeats, max_rows: int) -> str:
    rows = [[_id(f"{r.doc}:{r.line}"), str(r.repeat_of_line), f"{r.similarity:.2f}", _e(_clip(r.text, 90))]
            for r in repeats.head(max_rows).itertuples(index=False)]
    return _rows(f"Repeats (first {min(max_rows, len(repeats))} of {len(repeats)})",
                 ["document:line", "first at line", "similarity", "text"], rows)


def _frames(names: list[str], more: str) -> str:
    return ("<p style='margin:6px 0;color:#59636e'>DataFrames: "
            + ", ".join(f"<code>.{n}</code>" for n in names) + f"{more}</p></div>")


def summary(report: Report, max_rows: int = 5) -> str:
    """The compact HTML a notebook shows for ``report``: counts, top clusters, first repeats."""
    s = report._summary
    out = [_counts("dedup report", [
        ("documents", s["documents"]), ("clusters", s["clusters"]), ("duplicate documents", s["duplicate_documents"]),
        ("repeats", s["repeats"]), ("overlaps", s["overlaps"]), ("boilerplate", s["boilerplate"]),
        ("empty", s["empty"])])]
    clusters = report._clusters
    if len(clusters):
        sizes = clusters.groupby("cluster", sort=True).agg(representative=("representative", "first"),
                                                           size=("size", "first"), members=("doc", list))
        top = sizes.sort_values(["size"], ascending=False, kind="stable").head(max_rows)
        rows = [[str(int(c)), _id(representative), str(int(size)), _id(_clip(", ".join(map(str, members)), 90))]
                for c, representative, size, members in top.itertuples(name=None)]
        out.append(_rows(f"Largest clusters ({len(top)} of {len(sizes)})",
                         ["cluster", "representative", "size", "members"], rows))
    if len(report._repeats):
        out.append(_repeat_rows(report._repeats, max_rows))
    out.append(_frames(["clusters", "repeats", "overlaps", "boilerplate", "documents"],
                       "; the full page: <code>.to_html()</code>"))
    return "".join(out)


def query_summary(report: QueryReport, max_rows: int = 5) -> str:
    """The compact HTML a notebook shows for a query's ``report``: counts, the first
    duplicates of indexed documents, the first repeats and overlaps."""
    s = report._summary
    out = [_counts("dedup query", [
        ("documents", s["documents"]), ("indexed", s["indexed"]), ("duplicates", s["duplicates"]),
        ("repeats", s["repeats"]), ("overlaps", s["overlaps"]), ("empty", s["empty"])])]
    matches = report.matches
    if len(matches):
        rows = [[_id(r.doc), _id(r.indexed), f"{r.similarity:.2f}", f"{r.containment:.2f}",
                 "yes" if r.exact else ""] for r in matches.head(max_rows).itertuples(index=False)]
        out.append(_rows(f"Duplicates of indexed documents (first {len(rows)} of {len(matches)})",
                         ["document", "indexed", "similarity", "containment", "exact"], rows))
    if len(report.repeats):
        out.append(_repeat_rows(report.repeats, max_rows))
    overlaps = report.overlaps
    if len(overlaps):
        rows = [[_id(r.doc), _id(r.indexed), str(len(r.blocks)), f"{r.coverage:.0%}",
                 f"{r.indexed_coverage:.0%}"] for r in overlaps.head(max_rows).itertuples(index=False)]
        out.append(_rows(f"Overlaps with indexed documents (first {len(rows)} of {len(overlaps)})",
                         ["document", "indexed", "shared blocks", "of the document", "of the indexed one"], rows))
    out.append(_frames(["documents", "matches", "repeats", "overlaps"], "; <code>.is_duplicate</code> to filter"))
    return "".join(out)


# ---------------------------------------------------------------------------
# Matching passages
# ---------------------------------------------------------------------------


def highlight(a: str, b: str) -> tuple[str, str]:
    """Escaped HTML of ``a`` and ``b`` with their shared passages in ``<mark>``.

    Words are compared by their normalised form (case, typography and punctuation
    do not count); runs of at least :data:`MIN_RUN` shared words in the same order are
    marked, with the punctuation between their words, and the whole text when all of
    it matches.

    >>> highlight("Putin met Xi.", "Putin met Xi!")
    ('<mark>Putin met Xi.</mark>', '<mark>Putin met Xi!</mark>')
    >>> highlight("The talks will resume at 1000 EST.", "The talks resume at 1100 EST.")[1]
    '<mark>The talks</mark> <mark>resume at</mark> 1100 EST.'
    """
    if max(len(a.split()), len(b.split())) > MAX_MARKED_WORDS:
        return _marked(a, []), _marked(b, [])
    ta, tb = _tokens(a), _tokens(b)
    runs_a, runs_b = [], []
    matcher = SequenceMatcher(None, [t[2] for t in ta], [t[2] for t in tb], autojunk=False)
    for i, j, size in matcher.get_matching_blocks():
        whole = size and size == len(ta) == len(tb)
        if size >= MIN_RUN or whole:
            runs_a.append(_span(a, ta, i, size))
            runs_b.append(_span(b, tb, j, size))
    return _marked(a, runs_a), _marked(b, runs_b)


def _tokens(text: str) -> list[tuple[int, int, str]]:
    out = []
    for m in _WORD.finditer(text):
        key = normalize(m.group())
        if key:
            out.append((m.start(), m.end(), key))
    return out


def _span(text: str, tokens: list, i: int, size: int) -> tuple[int, int]:
    """Characters of tokens ``i .. i+size-1``; a run that starts or ends the text takes its punctuation too."""
    start = 0 if i == 0 else tokens[i][0]
    end = len(text) if i + size == len(tokens) else tokens[i + size - 1][1]
    return start, end


def _marked(text: str, runs: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for start, end in sorted(runs):
        start = max(start, pos)
        if end <= start:
            continue
        out.append(_e(text[pos:start]))
        out.append(f"<mark>{_e(text[start:end])}</mark>")
        pos = end
    out.append(_e(text[pos:]))
    return "".join(out)


# ---------------------------------------------------------------------------
# Pair similarities
# ---------------------------------------------------------------------------


def pair_similarities(report: Report) -> tuple[np.ndarray, int, str]:
    """Exact Jaccard similarity of document pairs, as the scan measures it.

    Shingle sets are those the scan verifies pairs with (boilerplate left out). Up to
    :data:`ALL_PAIRS_MAX_DOCS` non-empty documents, every pair is counted (a sparse
    product finds the pairs that share any shingle; the others have similarity 0);
    above, the candidate pairs: LSH buckets, cluster members and overlapping pairs.

    Returns:
        ``(similarities, pairs, scope)``: the similarities of the pairs sharing at least
        one shingle, the number of pairs counted (the others are 0), and ``"all"`` or
        ``"candidate"``.
    """
    r = report._result
    n = len(r.documents)
    sets = _clean_shingle_sets(report)
    valid = np.flatnonzero(~r.empty)
    m = len(valid)
    if m <= ALL_PAIRS_MAX_DOCS:
        import scipy.sparse as sp

        if m < 2:
            return np.zeros(0), 0, "all"
        columns = np.unique(sets.values, return_inverse=True)[1].reshape(-1)
        x = sp.csr_matrix((np.ones(len(columns), dtype=np.int32), (sets.set_ids, columns)),
                          shape=(n, max(int(columns.max(initial=-1)) + 1, 1)))
        inter = sp.triu(x @ x.T, k=1).tocoo()
        a, b, common = inter.row.astype(np.int64), inter.col.astype(np.int64), inter.data.astype(np.float64)
        total, scope = m * (m - 1) // 2, "all"
    else:
        from . import lsh

        pairs = [lsh.candidate_pairs(r.signatures, *r.params.bands, valid=~r.empty)]
        ids = {doc: i for i, doc in enumerate(report._documents["doc"])}
        clusters = report._clusters
        pairs.append(np.array([[ids[x], ids[y]] for x, y in zip(clusters["representative"], clusters["doc"])],
                              dtype=np.int64).reshape(-1, 2))
        pairs.append(np.array([[ids[x], ids[y]] for x, y in zip(report._overlaps["a"], report._overlaps["b"])],
                              dtype=np.int64).reshape(-1, 2))
        cand = lsh.unique_pairs(np.concatenate(pairs))
        a, b = cand[:, 0], cand[:, 1]
        common = intersection_sizes(sets, a, sets, b).astype(np.float64)
        total, scope = len(cand), "candidate"
    union = sets.sizes[a] + sets.sizes[b] - common
    similarity = np.where(union > 0, common / np.maximum(union, 1), 0.0)
    return similarity[similarity > 0], total, scope


def _clean_shingle_sets(report: Report) -> SetBatch:
    r = report._result
    return shingle_sets(r.tokens, np.arange(len(r.documents)), r.params.ngram, r.index.content_blocks(r.left_out))


def histogram_svg(similarities: np.ndarray, total: int, threshold: float, bins: int = BINS) -> str:
    """An inline SVG histogram of pair similarities over [0, 1], heights on a log scale.

    ``total - len(similarities)`` pairs have similarity 0 and go in the first bin.
    """
    counts, _ = np.histogram(np.clip(similarities, 0, 1), bins=bins, range=(0.0, 1.0))
    counts[0] += total - len(similarities)
    width, height, left, right, top, bottom = 720, 240, 52, 16, 22, 40
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = np.log10(1 + max(int(counts.max()), 1))
    bar_w = plot_w / bins
    out = [f"<svg width='{width}' height='{height}' "
           f"viewBox='0 0 {width} {height}' role='img' aria-label='Histogram of pair similarities'>"]
    for k in range(0, 5):  # horizontal grid: 1, 10, 100, ...
        value = 10 ** k
        if np.log10(1 + value) > peak * 1.001:
            break
        y = top + plot_h - plot_h * np.log10(1 + value) / peak
        out.append(f"<line x1='{left}' x2='{width - right}' y1='{y:.1f}' y2='{y:.1f}' stroke='#eaeef2'/>"
                   f"<text x='{left - 6}' y='{y + 4:.1f}' text-anchor='end'>{value:,}</text>")
    for i, c in enumerate(counts):
        lo, hi = i / bins, (i + 1) / bins
        h = plot_h * np.log10(1 + int(c)) / peak
        x = left + i * bar_w
        colour = "#cf222e" if lo >= threshold - 1e-9 else "#0969da"
        out.append(f"<rect x='{x + 1:.1f}' y='{top + plot_h - h:.1f}' width='{bar_w - 2:.1f}' height='{h:.1f}' "
                   f"fill='{colour}' fill-opacity='0.8'><title>{lo:.2f}–{hi:.2f}: {_pairs(int(c))}</title></rect>")
        if c:
            out.append(f"<text x='{x + bar_w / 2:.1f}' y='{top + plot_h - h - 4:.1f}' text-anchor='middle'>"
                       f"{int(c):,}</text>")
    out.append(f"<line x1='{left}' x2='{width - right}' y1='{top + plot_h}' y2='{top + plot_h}' stroke='#59636e'/>")
    for k in range(0, 11, 2):
        x = left + plot_w * k / 10
        out.append(f"<line x1='{x:.1f}' x2='{x:.1f}' y1='{top + plot_h}' y2='{top + plot_h + 4}' stroke='#59636e'/>"
                   f"<text x='{x:.1f}' y='{top + plot_h + 16}' text-anchor='middle'>{k / 10:.1f}</text>")
    tx = left + plot_w * threshold
    out.append(f"<line x1='{tx:.1f}' x2='{tx:.1f}' y1='{top - 6}' y2='{top + plot_h}' stroke='#cf222e' "
               f"stroke-dasharray='4 3'/><text x='{tx - 4:.1f}' y='{top - 8}' text-anchor='end'>threshold "
               f"{threshold:g}</text>")
    out.append(f"<text x='{left + plot_w / 2:.1f}' y='{height - 6}' text-anchor='middle'>Jaccard similarity"
               "</text></svg>")
    return "".join(out)


# ---------------------------------------------------------------------------
# Page sections
# ---------------------------------------------------------------------------


class _View:
    """Document texts and block spans by document id."""

    def __init__(self, report: Report):
        r = report._result
        self._docs = r.documents
        self._tokens = r.blocks
        self._index = {doc: i for i, doc in enumerate(report._documents["doc"])}

    def block(self, doc: str, block: int) -> tuple[str, int]:
        """The text of block ``block`` (0-based, within the document) of ``doc`` and its line."""
        d = self._index[doc]
        tb = self._tokens
        g = tb.doc_block_offsets[d] + block
        text = self._docs[d].text
        start, end = int(tb.block_start[g]), int(tb.block_end[g])
        return text[start:end], line_of(text, start)

    def title(self, doc: str) -> str:
        """The first block of ``doc`` (its headline, in a scraped article)."""
        d = self._index[doc]
        if self._tokens.doc_block_offsets[d + 1] == self._tokens.doc_block_offsets[d]:
            return ""
        return self.block(doc, 0)[0]


def _cards(s: dict) -> str:
    items = [("documents", s["documents"]), ("clusters", s["clusters"]),
             ("duplicate documents", s["duplicate_documents"]), ("repeats", s["repeats"]),
             ("documents with repeats", s["documents_with_repeats"]), ("overlaps", s["overlaps"]),
             ("boilerplate blocks", s["boilerplate"]), ("empty documents", s["empty"])]
    return "<div class='cards'>" + "".join(
        f"<div class='card'><b>{v:,}</b><span class='muted'>{_e(k)}</span></div>" for k, v in items) + "</div>"


def _params(params: dict) -> str:
    rows = "".join(f"<tr><th>{_e(str(k))}</th><td>{_e(str(v))}</td></tr>" for k, v in params.items())
    return f"<details><summary>Parameters</summary><table>{rows}</table></details>"


def _pairs(n: int) -> str:
    return f"{n:,} pair" if n == 1 else f"{n:,} pairs"


def _histogram(report: Report) -> str:
    similarities, total, scope = pair_similarities(report)
    threshold = float(report._params["threshold"])
    above = int((similarities >= threshold).sum())
    what = (f"all {total:,} pairs of non-empty documents" if scope == "all"
            else f"the {total:,} candidate pairs (sharing an LSH bucket, a cluster or paragraphs)")
    return (f"<p class='muted'>Exact Jaccard similarity of the word {report._params['ngram']}-gram sets "
            f"(boilerplate left out) of {what}; bar heights on a log scale. {_pairs(above)} at or above "
            f"the threshold; pairs below it can still be near-duplicates by containment, and pairs above it are "
            f"none when their figures disagree (templated reports of other days or companies).</p>"
            + histogram_svg(similarities, total, threshold))


def _clusters(report: Report, view: _View) -> str:
    clusters = report._clusters
    out = [f"<h2 id='clusters'>Clusters ({report._summary['clusters']})</h2>"]
    if not len(clusters):
        return out[0] + "<p class='muted'>No near-duplicate documents.</p>"
    rules = iter(report._clusters["rule"].tolist())  # in the order of the groups' members
    for c, rep, _, members in report._cluster_groups():
        rep = str(rep)
        out.append(f"<h3>Cluster {c}: {len(members) + 1} documents, keeping <code>{_id(rep)}</code></h3>"
                   "<table><tr><th>document</th><th>similarity</th><th>containment</th><th>exact copy</th>"
                   f"<th>rule</th><th>first line</th></tr><tr><td><b>{_id(rep)}</b> (representative)</td><td></td>"
                   f"<td></td><td></td><td></td><td>{_e(_clip(view.title(rep), 100))}</td></tr>")
        for doc, similarity, containment, exact in members:
            out.append(f"<tr><td>{_id(doc)}</td><td class='num'>{similarity:.3f}</td>"
                       f"<td class='num'>{containment:.3f}</td><td>{'yes' if exact else ''}</td>"
                       f"<td>{_e(next(rules))}</td><td>{_e(_clip(view.title(doc), 100))}</td></tr>")
        out.append("</table>")
    return "".join(out)


def _side_by_side(left: tuple[str, str], right: tuple[str, str]) -> str:
    """Two ``(caption, text)`` passages next to each other, their shared words marked."""
    a, b = highlight(left[1], right[1])
    # dir=auto: a paragraph of Arabic or Hebrew runs from the right (a new user's review)
    return (f"<div class='pair'><div class='side'><div class='where'>{_id(left[0])}</div>"
            f"<div class='text' dir='auto'>{a}</div></div><div class='side'><div class='where'>{_id(right[0])}</div>"
            f"<div class='text' dir='auto'>{b}</div></div></div>")


def _repeats(report: Report, view: _View) -> str:
    repeats = report._repeats
    out = [f"<h2 id='repeats'>Repeats ({len(repeats)})</h2>"]
    if not len(repeats):
        return out[0] + "<p class='muted'>No paragraph is repeated inside a document.</p>"
    for doc, g in repeats.groupby("doc", sort=False):
        out.append(f"<h3><code>{_id(doc)}</code>: {len(g)} repeated paragraph{'s' if len(g) != 1 else ''}</h3>")
        for r in g.itertuples(index=False):
            earlier, line = view.block(r.doc, r.repeat_of)
            out.append(_side_by_side((f"line {line} (block {r.repeat_of}): first", earlier),
                                     (f"line {r.line} (block {r.block}): repeat, similarity {r.similarity:.2f}",
                                      r.text)))
    return "".join(out)


def _overlaps(report: Report, view: _View) -> str:
    overlaps = report._overlaps
    out = [f"<h2 id='overlaps'>Overlaps ({len(overlaps)})</h2>"]
    if not len(overlaps):
        return out[0] + "<p class='muted'>No two documents share paragraphs without being near-duplicates.</p>"
    for r in overlaps.itertuples(index=False):
        a, b = str(r.a), str(r.b)
        out.append(f"<h3><code>{_id(a)}</code> and <code>{_id(b)}</code>: {len(r.blocks)} shared paragraph"
                   f"{'s' if len(r.blocks) != 1 else ''}, {r.a_coverage:.0%} of the first, "
                   f"{r.b_coverage:.0%} of the second</h3>")
        for block_a, block_b, similarity in r.blocks:
            text_a, line_a = view.block(a, int(block_a))
            text_b, line_b = view.block(b, int(block_b))
            out.append(_side_by_side((f"{a}:{line_a} (block {block_a})", text_a),
                                     (f"{b}:{line_b} (block {block_b}), similarity {similarity:.2f}", text_b)))
    return "".join(out)


def _boilerplate(report: Report) -> str:
    bp = report._boilerplate
    out = f"<h2 id='boilerplate'>Boilerplate ({len(bp)})</h2>"
    if not len(bp):
        return out + "<p class='muted'>No block is shared by unrelated documents.</p>"
    rows = "".join(f"<tr><td class='num'>{int(r.documents)}</td><td>{_e(str(r.text))}</td>"
                   f"<td>{_id(_first_docs(r.docs))}</td></tr>" for r in bp.itertuples(index=False))
    return (out + "<p class='muted'>Left out of document similarity and overlap.</p>"
            f"<table><tr><th>documents</th><th>text</th><th>found in</th></tr>{rows}</table>")


#: the documents a boilerplate block's row names (the report's data has them all): "Reuter"
#: in 7,923 stories made one cell of 7,923 ids (a new user's review)
BOILERPLATE_DOCS_SHOWN = 20


def _first_docs(docs: list) -> str:
    shown = ", ".join(map(str, docs[:BOILERPLATE_DOCS_SHOWN]))
    return shown + (f" and {len(docs) - BOILERPLATE_DOCS_SHOWN:,} more" if len(docs) > BOILERPLATE_DOCS_SHOWN else "")


def _empty(report: Report) -> str:
    empty = report.empty_documents
    if not empty:
        return ""
    items = "".join(f"<li><code>{_id(d)}</code></li>" for d in empty)
    return f"<h2 id='empty'>Empty documents ({len(empty)})</h2><ul>{items}</ul>"


def _clip(text: str, width: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= width else text[: width - 1] + "…"
