"""The findings of a scan as pandas DataFrames, and their renderers.

One data model (:class:`Report`), several renderers: a table for people, JSON (the
schema in the README's "JSON report"), JSONL (one finding a line, with a ``type``), CSV (one row per
document) and a self-contained HTML page. The command line only picks a renderer.
"""

from __future__ import annotations

import copy
import io as _io
import json
import os
import re
from functools import cached_property
from typing import Any, Callable

import numpy as np
import pandas as pd

from .blocks import type_occurrences
from .compression import without_compression
from .errors import ParameterError
from .minhash import to_lean_minhash
from .scan import ScanResult
from .text import LONE_SURROGATE, line_of

FORMATS = ("table", "json", "jsonl", "csv", "html")
#: the format of a report written to a file of this extension (before .gz, .bz2, .xz)
#: when none is asked for; any other name, and standard output, get ``table``
FORMATS_BY_OUTPUT_EXTENSION = {".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv",
                               ".html": "html", ".htm": "html", "": "table", ".txt": "table", ".text": "table",
                               ".log": "table", ".out": "table"}


def shown(text: str) -> str:
    """``text`` as a report quotes it: a lone surrogate (which an escaped ``"\\ud800"`` in
    JSON input gives) becomes U+FFFD, one character for one, so offsets still hold;
    pandas' Arrow-backed strings and UTF-8 output cannot hold it."""
    return LONE_SURROGATE.sub("\ufffd", text)


def plural(n: int, word: str) -> str:
    """``"1 document"``, ``"2 documents"``, ``"1,000 documents"``."""
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("dedup")
    except Exception:  # pragma: no cover - running from a source tree
        return "0+unknown"


class HandedOut:
    """A DataFrame (or dict) attribute ``x`` handed out as :func:`handed_out` of the
    object's own ``_x``, made on first use and kept (as ``functools.cached_property``
    keeps it)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:  # as help() lists it
        return f"<{self.name}: a copy made on first use; see the class's docstring>"

    def __get__(self, obj: object, objtype: type | None = None):
        if obj is None:
            return self
        frame = handed_out(getattr(obj, "_" + self.name))
        obj.__dict__[self.name] = frame  # found first from now on: this is no data descriptor
        return frame


class Report:
    """What a scan found.

    The DataFrames are the report's to give, not its own state: each is a copy, made on
    first use, so a notebook may change it (add a column, sort it in place) and the
    report still renders what was found.

    Attributes:
        documents: one row per input document, in input order: ``doc, path, line,
            cluster`` (-1 if none), ``representative``, ``is_duplicate``, ``similarity``
            (to the representative), ``repeats``, ``blocks``, ``is_empty``; indexed like
            the scanned data (``labels``: a DataFrame's or Series' own index with
            :func:`dedup.scan`, so ``df[report.documents.is_duplicate]`` selects its rows),
            else 0, 1, ...
        clusters: one row per cluster member other than its representative:
            ``cluster, representative, size, doc, similarity, containment, exact, rule``.
            ``rule`` says why the member is its representative's duplicate: the part of
            the near-duplicate rule the two pass (``similarity``: Jaccard at the
            threshold; ``containment``; ``figures``: the same figures), ``span`` (one
            story in two pages' chrome), or ``linked`` (the two pass none: the member is
            joined through other members, and its similarity may be under the threshold).
        repeats: ``doc, block, start, end, line, repeat_of, repeat_of_line, similarity, text``.
        overlaps: ``a, b, blocks, a_coverage, b_coverage``.
        boilerplate: ``text, documents, docs``.
        summary: counts (dict); params: the parameters used (dict); each a copy, as the
            DataFrames are.
    """

    def __init__(self, result: ScanResult, labels: pd.Index | None = None):
        self._result = result
        self._labels = labels
        docs = result.documents
        ids = np.array(docs.ids, dtype=object)
        tb = result.blocks
        self._params = result.params.as_dict()
        n = len(docs)

        rep = result.repeats
        first = tb.doc_block_offsets[:-1]
        rows = []
        for d, b, of, sim in zip(rep["doc_index"], rep["block"], rep["repeat_of"], rep["similarity"]):
            text = docs.text(d)
            s, e = int(tb.block_start[b]), int(tb.block_end[b])
            rows.append({"doc": ids[d], "block": int(b - first[d]), "start": s, "end": e, "line": line_of(text, s),
                         "repeat_of": int(of - first[d]), "repeat_of_line": line_of(text, int(tb.block_start[of])),
                         "similarity": round(float(sim), 4), "text": shown(text[s:e])})
        self._repeats = typed(pd.DataFrame(rows, columns=["doc", "block", "start", "end", "line", "repeat_of",
                                                         "repeat_of_line", "similarity", "text"]))
        repeat_counts = np.bincount(rep["doc_index"].to_numpy(dtype=np.int64), minlength=n)

        cluster, representative = result.cluster, result.representative
        sizes = np.bincount(cluster[cluster >= 0]) if (cluster >= 0).any() else np.zeros(0, dtype=np.int64)
        ms = result.member_stats
        mi = ms["doc_index"].to_numpy(dtype=np.int64)
        self._clusters = typed(pd.DataFrame({
            "cluster": cluster[mi].astype(np.int64),
            "representative": ids[representative[mi]],
            "size": sizes[cluster[mi]] if len(mi) else np.zeros(0, dtype=np.int64),
            "doc": ids[mi],
            "similarity": ms["similarity"].round(4).to_numpy(),
            "containment": ms["containment"].round(4).to_numpy(),
            "exact": result.exact[mi],
            "rule": ms["rule"].to_numpy(dtype=object),
        }).iloc[np.lexsort((mi, cluster[mi]))].reset_index(drop=True))

        self._ids, self._repeat_counts = ids, repeat_counts
        is_duplicate = (cluster >= 0) & (representative != np.arange(n))

        ov = result.overlaps
        self._overlaps = typed(pd.DataFrame({
            "a": ids[ov["a"].to_numpy(dtype=np.int64)], "b": ids[ov["b"].to_numpy(dtype=np.int64)],
            "blocks": pd.Series(list(ov["blocks"]), dtype=object),
            "a_coverage": ov["a_coverage"].astype(float).round(4).to_numpy(),
            "b_coverage": ov["b_coverage"].astype(float).round(4).to_numpy(),
        }))

        index = result.index
        bp_rows = []
        # each document holding a boilerplate type, grouped by type (one occurrence a
        # document and type, in document order: a stable sort keeps that order)
        bp_types = np.flatnonzero(result.boilerplate)
        occ_type, occ_doc = type_occurrences(index, result.boilerplate)
        order = np.argsort(occ_type, kind="stable")
        occ_type, occ_doc = occ_type[order], occ_doc[order]
        lows, highs = np.searchsorted(occ_type, bp_types, "left"), np.searchsorted(occ_type, bp_types, "right")
        for t, lo, hi in zip(bp_types, lows, highs):
            b = index.type_first_block[t]
            d = tb.block_doc[b]
            doc_idx = occ_doc[lo:hi]
            bp_rows.append({"text": shown(docs[d].text[tb.block_start[b]:tb.block_end[b]]),
                            "documents": len(doc_idx), "docs": [ids[i] for i in doc_idx]})
        self._boilerplate = typed(pd.DataFrame(bp_rows, columns=["text", "documents", "docs"]))
        if len(self._boilerplate):
            self._boilerplate = self._boilerplate.sort_values(["documents", "text"], ascending=[False, True],
                                                            ignore_index=True)

        self._summary = {
            "documents": n,
            "empty": int(result.empty.sum()),
            "blocks": int(tb.n_blocks),
            "clusters": int(len(sizes)),
            "duplicate_documents": int(is_duplicate.sum()),
            "documents_with_repeats": int((repeat_counts > 0).sum()),
            "repeats": int(len(self._repeats)),
            "overlaps": int(len(self._overlaps)),
            "boilerplate": int(len(self._boilerplate)),
        }

    # ---------------------------------------------------------------- data access
    @cached_property
    def _documents(self) -> pd.DataFrame:
        """One row per document (see the class's attributes), made on first use: its
        columns of ids and paths are the report's largest (100,000 articles: 0.12 s of
        0.25 s, which the JSON and table renderers never needed)."""
        result, ids = self._result, self._ids
        docs, cluster, representative = result.documents, result.cluster, result.representative
        ms = result.member_stats
        similarity = np.full(len(ids), np.nan)
        # to 4 decimals, as in clusters and the JSON report
        similarity[ms["doc_index"].to_numpy(dtype=np.int64)] = ms["similarity"].round(4).to_numpy()
        in_cluster = cluster >= 0
        return pd.DataFrame({
            "doc": pd.array(ids, dtype=STR),
            "path": pd.array(list(docs.paths), dtype=STR),
            "line": pd.array(docs.lines, dtype="Int64"),
            "cluster": cluster,
            "representative": pd.array(np.where(in_cluster, ids[representative], None), dtype=STR),
            "is_duplicate": in_cluster & (representative != np.arange(len(ids))),
            "similarity": similarity,
            "repeats": self._repeat_counts,
            "blocks": np.diff(result.blocks.doc_block_offsets),
            "is_empty": result.empty,
        })

    @property
    def signature_matrix(self) -> np.ndarray:
        """The ``(documents, num_perm)`` uint32 signature array."""
        return self._result.signatures

    @property
    def signatures(self) -> pd.Series:
        """Each document's signature as a ``datasketch.LeanMinHash``, indexed by document id."""
        seed = self._result.params.seed
        return pd.Series([to_lean_minhash(row, seed) for row in self._result.signatures],
                         index=self._documents["doc"].to_numpy(), name="signature")

    def rows(self, ids: Any) -> pd.Index:
        """The labels of documents ``ids`` in the scanned data (a DataFrame's or Series'
        own index, else positions), in that order: a finding's ids are strings, and
        ``df.loc[report.rows(report.clusters["doc"])]`` finds its rows whatever the
        type of ``df``'s index (a review: an integer index matched none of them). One id
        gives an index of one label. A :class:`KeyError` names an id that is no document
        of the report (and, for a number whose string is one, says ids are strings); a
        :class:`ValueError`, data whose index repeats a label (a label would name several
        rows: a new user's review had ``df.loc`` pick 82 rows for 41 duplicates)."""
        labels = self._labels if self._labels is not None else pd.RangeIndex(len(self._ids))
        if not labels.is_unique:
            repeated = labels[labels.duplicated()][0]
            raise ValueError(f"the scanned data's index repeats {str(repeated)!r}, so a label names several rows; "
                             "scan df.reset_index(drop=True), or select with report.documents (in row order)")
        position = pd.Series(np.arange(len(self._ids)), index=pd.Index(self._ids, dtype=object))
        asked = [ids] if isinstance(ids, str) or not pd.api.types.is_list_like(ids) else list(ids)
        wanted = pd.Index(asked, dtype=object)
        found = wanted.isin(position.index)
        if not found.all():
            key = asked[int(np.flatnonzero(~found)[0])]  # as given (the index shows None as nan)
            hint = f": ids are strings, rows({str(key)!r})" if not isinstance(key, str) and str(key) in position.index else ""
            raise KeyError(f"no document {key!r} in this report{hint}")
        return labels[position.loc[wanted].to_numpy()]

    @property
    def empty_documents(self) -> list[str]:
        return self._ids[self._result.empty].tolist()

    @property
    def has_findings(self) -> bool:
        s = self._summary
        return bool(s["clusters"] or s["repeats"] or s["overlaps"])

    # ---------------------------------------------------------------- renderers
    def _cluster_groups(self) -> list[tuple[int, str, int, list[tuple]]]:
        """``(cluster, representative, size, members)`` in cluster order, each member a
        ``(doc, similarity, containment, exact)`` tuple of plain Python values. One pass
        over column lists: a pandas ``groupby`` costs milliseconds per cluster."""
        cl = self._clusters
        if len(cl) == 0:
            return []
        cluster, rep, size = cl["cluster"].tolist(), cl["representative"].tolist(), cl["size"].tolist()
        rows = list(zip(cl["doc"].tolist(), cl["similarity"].tolist(), cl["containment"].tolist(),
                        cl["exact"].tolist()))
        cuts = [0] + [i for i in range(1, len(cluster)) if cluster[i] != cluster[i - 1]] + [len(cluster)]
        return [(int(cluster[a]), rep[a], int(size[a]), rows[a:b]) for a, b in zip(cuts[:-1], cuts[1:])]

    def to_dict(self) -> dict:
        """The JSON report (the README's "JSON report" schema) as plain Python objects."""
        rules = iter(self._clusters["rule"].tolist())  # in the order of the groups' members
        clusters = [{"cluster": c, "representative": rep, "size": size,
                     "members": [{"doc": d, "similarity": sim, "containment": cont, "exact": ex, "rule": next(rules)}
                                 for d, sim, cont, ex in members]}
                    for c, rep, size, members in self._cluster_groups()]
        return {
            "version": _version(),
            "params": self._params,
            "summary": self._summary,
            "empty": self.empty_documents,
            "clusters": clusters,
            "repeats": [_plain(r) for r in self._repeats.to_dict("records")],
            "overlaps": [_plain(r) for r in self._overlaps.to_dict("records")],
            "boilerplate": [_plain(r) for r in self._boilerplate.to_dict("records")],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text (``indent`` spaces a level; None: one line)."""
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False) + "\n"

    def to_jsonl(self) -> str:
        """The report as JSON lines: the summary, then one finding a line, each with its
        ``type`` (``cluster``, ``repeat``, ``overlap``, ``boilerplate``, ``empty``)."""
        return jsonl(self.to_dict(), {"cluster": "clusters", "repeat": "repeats", "overlap": "overlaps",
                                      "boilerplate": "boilerplate"})

    def to_csv(self) -> str:
        """One row a document: ``doc, cluster, representative, is_duplicate, similarity,
        repeats, is_empty`` (cluster -1 for a document in no cluster)."""
        cols = ["doc", "cluster", "representative", "is_duplicate", "similarity", "repeats", "is_empty"]
        buf = _io.StringIO()
        self._documents[cols].to_csv(buf, index=False, lineterminator="\n")
        return buf.getvalue()

    def to_table(self) -> str:
        """A plain-text report for people."""
        s = self._summary
        out = [f"{plural(s['documents'], 'document')}, {plural(s['blocks'], 'block')}: "
               f"{plural(s['clusters'], 'cluster')} ({plural(s['duplicate_documents'], 'duplicate document')}), "
               f"{plural(s['repeats'], 'repeat')} in {plural(s['documents_with_repeats'], 'document')}, "
               f"{plural(s['overlaps'], 'overlap')}, {plural(s['boilerplate'], 'boilerplate block')}, "
               f"{plural(s['empty'], 'empty document')}"]
        if len(self._clusters):
            out += ["", "Clusters (representative <- member: similarity, containment)"]
            for c, rep, _, members in self._cluster_groups():
                out.append(f"  #{c} {rep} ({len(members) + 1} documents)")
                for d, sim, cont, ex in members:
                    out.append(f"      <- {d}: {sim:.2f}, {cont:.2f}{' exact' if ex else ''}")
        out += repeats_table(self._repeats)
        if len(self._overlaps):
            out += ["", "Overlaps (a ~ b: shared blocks, coverage of a, coverage of b)"]
            for r in self._overlaps.itertuples():
                out.append(f"  {r.a} ~ {r.b}: {plural(len(r.blocks), 'block')}, {r.a_coverage:.0%} of a, "
                           f"{r.b_coverage:.0%} of b")
        if len(self._boilerplate):
            out += ["", "Boilerplate (documents  text)"]
            for r in self._boilerplate.itertuples():
                out.append(f"  {r.documents:>4}  {_clip(r.text)}")
        if s["empty"]:
            out += ["", "Empty documents", *("  " + d for d in self.empty_documents)]
        return "\n".join(map(printable, out)) + "\n"

    def to_html(self) -> str:
        """One self-contained HTML page (no network, everything escaped); see :mod:`dedup.html`."""
        from .html import page

        return page(self)

    def _repr_html_(self) -> str:
        """The compact summary Jupyter shows: counts, largest clusters, first repeats."""
        from .html import summary

        return summary(self)

    def __repr__(self) -> str:
        return f"<Report {self._summary}>"

    summary = HandedOut()
    params = HandedOut()
    clusters = HandedOut()
    repeats = HandedOut()
    overlaps = HandedOut()
    boilerplate = HandedOut()

    @cached_property
    def documents(self) -> pd.DataFrame:
        frame = handed_out(self._documents)
        if self._labels is not None:
            frame.index = self._labels
        return frame

    def _block_text(self, doc_id: str, block: int) -> str:
        r = self._result
        d = int(np.flatnonzero(self._documents["doc"].to_numpy() == doc_id)[0])
        g = r.blocks.doc_block_offsets[d] + block
        return r.documents.text(d)[r.blocks.block_start[g]:r.blocks.block_end[g]]

    def render(self, fmt: str) -> str:
        """The report in format ``fmt`` (one of :data:`FORMATS`)."""
        renderers: dict[str, Callable[[], str]] = {"table": self.to_table, "json": self.to_json,
                                                   "jsonl": self.to_jsonl, "csv": self.to_csv, "html": self.to_html}
        if fmt not in renderers:
            raise ParameterError(f"a report has no {fmt!r} format; choose from {', '.join(renderers)}")
        return renderers[fmt]()


#: the type pandas gives a column of strings (pandas 3's ``str``; ``object`` before it), which
#: the columns of ids, paths and texts have whatever their rows: no rows, or none in a
#: cluster, made ``report.documents``' columns ``object`` or ``float64`` (a notebook user's review)
STR = pd.Series(["a"]).dtype
#: the type of each column of the findings' frames, whatever their rows (an empty frame
#: made from no rows has every column object, and a day without repeats joined to one
#: with them made the block numbers objects)
COLUMN_TYPES = {"doc": "str", "block": np.int64, "start": np.int64, "end": np.int64, "line": np.int64,
                "repeat_of": np.int64, "repeat_of_line": np.int64, "similarity": np.float64, "text": "str",
                "a": "str", "b": "str", "representative": "str", "rule": "str", "size": np.int64,
                "cluster": np.int64, "exact": bool, "blocks": object, "a_coverage": np.float64, "b_coverage": np.float64,
                "documents": np.int64, "docs": object, "indexed": "str", "containment": np.float64}


def typed(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its columns of :data:`COLUMN_TYPES` of those types."""
    return frame.astype({c: COLUMN_TYPES[c] for c in frame.columns if c in COLUMN_TYPES})


def handed_out(frame: pd.DataFrame | dict) -> pd.DataFrame | dict:
    """A copy of ``frame`` to give a user, lists in its cells copied too (``blocks``,
    ``docs``): changing it changes nothing of the report it came from. Made once per
    report and frame: a second access gives the same copy, with the user's changes.
    A dict (``summary``, ``params``) is copied whole."""
    if isinstance(frame, dict):
        return copy.deepcopy(frame)
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object and any(isinstance(v, list) for v in out[column].head(1)):
            out[column] = [copy.deepcopy(v) if isinstance(v, list) else v for v in out[column]]
    return out


def format_for(output: str, fmt: str | None = None, formats: tuple[str, ...] = FORMATS) -> str:
    """The format of a report written to ``output``: ``fmt`` if given, else the one its
    extension names (:data:`FORMATS_BY_OUTPUT_EXTENSION`: ``day.html``, ``day.csv.gz``;
    ``table`` for ``day.txt`` or no extension). A :class:`ParameterError` for another
    extension (``day.parquet``), or when that format is not one of ``formats``."""
    if fmt is None:
        ext = os.path.splitext(without_compression(output))[1].lower() if output != "-" else ""
        fmt = FORMATS_BY_OUTPUT_EXTENSION.get(ext, None if ext[1:].isalpha() else "table")  # day.2024-11-27
        if fmt is None:  # a table in a file named .parquet or .tsv is no such file
            raise ParameterError(f"{output}: no report format is written as {ext} ({', '.join(formats)}); "
                                 f"give --format or another file name")
        if fmt not in formats:
            raise ParameterError(f"{output}: this report has no {fmt} format ({', '.join(formats)}); "
                                 f"give --format or another file name")
    if fmt not in formats:
        raise ParameterError(f"this report has no {fmt!r} format; choose from {', '.join(formats)}")
    return fmt


#: control characters, and the marks that turn the direction of the text after them
#: (U+202A-U+202E, U+2066-U+2069: "a.txt" could read as "txt.a"), not Arabic or Hebrew letters
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(line: str) -> str:
    """``line`` with each control character written as its escape (a line break as
    ``\\n``, the escape that starts a terminal's sequences as ``\\x1b``, a mark turning
    the text's direction as ``\\u202e``): a line of a report for people stays one line,
    whatever an id or a text holds, and moves no terminal's cursor (a new user's review:
    an id could clear the screen, or print a finding of its own)."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], line)


def repeats_table(repeats: pd.DataFrame) -> list[str]:
    """The lines of the table report's repeats section (none when there are no repeats)."""
    if not len(repeats):
        return []
    out = ["", "Repeats (document:line  block <- earlier block  similarity  text)"]
    for r in repeats.itertuples():
        out.append(f"  {r.doc}:{r.line}  block {r.block} <- block {r.repeat_of} (line {r.repeat_of_line})"
                   f"  {r.similarity:.2f}  {_clip(r.text)}")
    return out


def jsonl(report: dict, kinds: dict[str, str]) -> str:
    """A JSON report as JSON lines: the summary, then one line per finding with its ``type``
    (``kinds`` maps each type to its list in ``report``), then the empty documents."""
    lines = [{"type": "summary", **report["summary"]}]
    for kind, key in kinds.items():
        lines += [{"type": kind, **item} for item in report[key]]
    lines += [{"type": "empty", "doc": doc} for doc in report["empty"]]
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def _plain(record: dict) -> dict:
    """numpy scalars to Python ones, for json."""
    out = {}
    for k, v in record.items():
        if isinstance(v, np.generic):
            v = v.item()
        out[k] = v
    return out


def _clip(text: str, width: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"
