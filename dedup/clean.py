"""Clean a corpus: drop duplicate and empty records, cut repeated and boilerplate blocks.

``clean`` never loses a record. Every input record ends up either in the output,
with every field as it was except its repaired text, or in the **manifest** (JSONL,
one line per removal) with the reason and what it duplicates:

====================  ========================================================================
reason                what was removed
====================  ========================================================================
``duplicate_of``      a whole record: a near-duplicate of its cluster's representative (the
                      longest member, which is kept), or of an indexed document (``indexed``)
``empty``             a whole record with no words, or none left once its blocks were cut
                      (then ``emptied_by``: the reasons of those cuts)
``repeat_removed``    a block repeating an earlier block of the same record (the first stays)
``boilerplate_removed``  a boilerplate block (site chrome found in unrelated records)
``malformed``         a record that is no record with a text, skipped on request
                      (``skip_malformed``): only its ``input_line`` (the file's line),
                      ``error`` and, for a directory's file, its ``file``, with its ``id``
                      where the record has one, else null (the input, which ``clean``
                      never changes, still holds it); listed first. Also, on request, a
                      record whose id the index holds for another text (``id_taken``:
                      true), set aside, not added, in input order
====================  ========================================================================

Every record and block line has ``id``, ``reason``, ``of`` (the id it duplicates),
``similarity`` (exact, never estimated) and ``text`` (the removed text: the whole record,
or the block as written). Block lines also give the block's number, line and span ``[start, end)`` in
the original text, and ``cut_start`` and ``removed``: the exact characters cut (the
block's whole line with its line break), so :func:`restore` puts them back and gives
the original text, character for character.

Cutting a block removes its whole line and that line's break, so every other line of
the text is kept exactly, and, when a blank line is before the block, the blank line
after it: a paragraph cut from between two others leaves one blank line between them.
A text begins and ends as it did: the blank lines that cuts leave above its first line
or below its last go with the cut beside them (:meth:`_State.ends_as_it_was`), so a
block's ``removed`` may begin or end with more line breaks than its own.

``clean`` is **idempotent**: cleaning its output removes nothing. Cutting blocks and
dropping records changes the corpus the findings were computed on (a document whose
only copy is dropped may now share a block with two unrelated documents, making it
boilerplate), so the scan is repeated on the cleaned corpus until it finds nothing
more to remove; in practice one extra scan, which confirms the fixed point.
"""

from __future__ import annotations

import bisect
import dataclasses
import io
import json
import os
import re
from collections import Counter
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence

import numpy as np
import pandas as pd

from .blocks import headlines
from .compression import compressed_output
from .dask import scanner
from .errors import DedupError, InputError, ParameterError, check_interrupted, committing, warn
from .io import Document, check_not_an_input, open_input, output_target, read_documents, skipping_malformed
from .index import id_taken, story_boilerplate
from .records import Pending, check_output, commit_together, json_bytes, write_documents
from .report import plural
from .scan import Params, check_jobs
from .text import block_spans, words

__all__ = ["Cleaner", "CleanResult", "clean_documents", "clean_file", "restore", "REASONS"]

REASONS = ("duplicate_of", "repeat_removed", "boilerplate_removed", "empty", "malformed")
RECORD_REASONS = frozenset(("duplicate_of", "empty"))


class InvariantError(RuntimeError):
    """``clean`` would have lost or duplicated a record: a bug, reported instead of writing."""


@dataclass
class CleanResult:
    """What a clean did.

    Attributes:
        documents: the input documents, in input order.
        texts: the cleaned text of each document, or None when the record was removed.
        removed: the manifest: one dict per removed record or block (see the module
            docstring), in input order, blocks in text order.
        rounds: scans run (the last one found nothing more to remove).
        added: with an index, the records added to it (the kept ones), and
            ``index_created`` whether this run created the index (a path that named
            none: a typo in it would otherwise pass every re-sent story silently).
    """

    documents: list[Document]
    texts: list[str | None]
    removed: list[dict]
    rounds: int = 1
    output: str | None = None
    manifest: str | None = None
    added: int | None = None
    index_created: bool = False

    @property
    def kept(self) -> list[int]:
        return [i for i, t in enumerate(self.texts) if t is not None]

    @property
    def summary(self) -> dict:
        reasons = Counter(r["reason"] for r in self.removed)
        return {"records": len(self.documents), "kept": len(self.kept),
                "removed_records": reasons["duplicate_of"] + reasons["empty"],
                "emptied": sum(1 for r in self.removed if r.get("emptied_by")),
                "changed_records": sum(1 for d, t in zip(self.documents, self.texts) if t is not None and t != d.text),
                **{reason: reasons[reason] for reason in REASONS}, "rounds": self.rounds,
                # records whose own id is in the index: cleaned into it before (a day cleaned twice)
                "indexed_same_id": sum(1 for r in self.removed if r.get("indexed") and r["of"] == r["id"])}

    def describe(self) -> str:
        """One line for people: what was kept and removed."""
        s = self.summary
        same_id = f" ({s['indexed_same_id']:,} already in the index under the same id)" if s["indexed_same_id"] else ""
        emptied = f" ({s['emptied']:,} of them once their blocks were cut)" if s["emptied"] else ""
        return (f"{plural(s['records'], 'record')}: {s['kept']:,} kept ({s['changed_records']:,} with blocks cut), "
                f"{s['removed_records']:,} removed ({plural(s['duplicate_of'], 'duplicate')}{same_id}, "
                f"{s['empty']:,} empty{emptied}); {s['repeat_removed']:,} repeated and {s['boilerplate_removed']:,} "
                "boilerplate blocks cut" + self._skipped())

    def _skipped(self) -> str:
        """What ``--skip-malformed`` skipped: lines (records) and whole files (a directory's
        file that is no text: a data engineer's review had it counted as a line)."""
        malformed = [r for r in self.removed if r["reason"] == "malformed" and not r.get("id_taken")]
        files = sum(1 for r in malformed if "file" in r)  # a directory's file: skipped whole
        parts = [plural(len(malformed) - files, "malformed line")] if len(malformed) > files else []
        parts += [plural(files, "unreadable file")] if files else []
        taken = sum(1 for r in self.removed if r["reason"] == "malformed" and r.get("id_taken"))
        aside = f"; {plural(taken, 'record')} set aside (id in the index with another text)" if taken else ""
        return (f"; {' and '.join(parts)} skipped" if parts else "") + aside


@dataclass
class _State:
    """One document during cleaning: its original text and the cuts made so far."""

    text: str
    cuts: list[tuple[int, int]] = field(default_factory=list)  # sorted, original coordinates
    entries: list[dict] = field(default_factory=list)
    record: dict | None = None  # set when the whole record is removed

    def current(self) -> str:
        out, pos = [], 0
        for cs, ce in self.cuts:
            out.append(self.text[pos:cs])
            pos = ce
        out.append(self.text[pos:])
        return "".join(out)

    def original(self, p: int) -> int:
        """The original position of position ``p`` of the current text."""
        for cs, ce in self.cuts:
            if cs <= p:
                p += ce - cs
            else:
                break
        return p

    def cut(self, cs: int, ce: int, entry: dict) -> None:
        bisect.insort(self.cuts, (cs, ce))
        self.entries.append(entry)

    def ends_as_it_was(self) -> None:
        """Once every cut is made: the blank lines that cuts left above the text's first
        line, and the line breaks below its last, beyond as many as the original had there,
        go with the cuts beside them, so that the text begins and ends as the original did
        (a data engineer's review: with a story's closing "Reuter" cut, 4,747 of 4,790
        Reuters stories kept ended in a blank line, "...earlier today.\n\n"; a page's
        header cut left one above the headline). Blank means spaces and tabs, as for the
        blank line a cut takes after its block; the lines themselves are kept. A line goes
        to a cut beside it, or beside a line gone before it: each cut may take a few (two
        lines of chrome, each leaving its own), in time linear in the blank lines but for
        the few passes a chain of them takes."""
        if not self.cuts:
            return
        current = self.current()
        first, last = _first_line_start(current), _last_line_end(current)
        if last == 0:
            return
        gaps, removed = [], 0  # where each cut sits in the current text
        for cs, ce in self.cuts:
            gaps.append(cs - removed)
            removed += ce - cs

        def crossed(line: tuple[int, int]) -> bool:  # a cut inside it (a "\r" kept, the "\n" after a cut)
            k = bisect.bisect_right(gaps, line[0])
            return k < len(gaps) and gaps[k] < line[1]

        # the original's blank lines above its first line, and line breaks below its last
        leading = len(_breaks(self.text, 0, _first_line_start(self.text)))
        ending = len(_breaks(self.text, _last_line_end(self.text), len(self.text)))
        edges = ((_lines_of(_breaks(current, 0, first), 0), leading, 0),
                 (_lines_of(_breaks(current, last, len(current)), last), ending, 1))
        chosen: list[tuple[int, int]] = []  # in an order where each is beside a cut or one chosen before
        for lines, keep, near in edges:
            extra = len(lines) - keep
            lines = [x for x in lines if not crossed(x)]
            beside, left, step = set(gaps), set(lines), 0
            while extra > 0 and left:
                step += 1
                # those a cut left below it (above the text; above it below the text) first
                order = [x for x in (lines if step % 2 else lines[::-1]) if x in left]
                went = ([x for x in order if x[near] in beside]
                        + [x for x in order if x[1 - near] in beside and x[near] not in beside])[:extra]
                if not went:
                    break
                for x in went:  # each beside a cut, or a line gone before it
                    chosen.append(x)
                    beside.update(x)
                    left.discard(x)
                extra -= len(went)
        # in the original's positions (no cut inside a line), all found before a cut grows
        for a, b in [(self.original(x), self.original(y - 1) + 1) for x, y in chosen]:
            i = next(i for i, (cs, ce) in enumerate(self.cuts) if cs == b or ce == a)
            cs, ce = self.cuts[i]
            entry = next(e for e in self.entries if e["cut_start"] == cs)
            self.cuts[i] = (min(cs, a), max(ce, b))
            entry["cut_start"], entry["removed"] = self.cuts[i][0], self.text[slice(*self.cuts[i])]


def _lines_of(breaks: list[tuple[int, int]], start: int) -> list[tuple[int, int]]:
    """The lines ``(start, end)`` that ``breaks`` end, the first starting at ``start``."""
    return [(breaks[k - 1][1] if k else start, end) for k, (_, end) in enumerate(breaks)]


def _breaks(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Where each line break in ``text[start:end]`` starts and ends."""
    return [m.span() for m in _BREAK_RE.finditer(text, start, end)]


def _first_line_start(text: str) -> int:
    """Where the first line with more than spaces and tabs begins (``len(text)`` if none)."""
    begin = 0
    while begin < len(text) and text[begin] in _BLANK:
        begin += 1
    while begin > 0 and text[begin - 1] in " \t":
        begin -= 1
    return begin


def _last_line_end(text: str) -> int:
    """Where the last line with more than spaces and tabs ends, before its line break
    (0 if there is none)."""
    end = len(text)
    while end > 0 and text[end - 1] in _BLANK:
        end -= 1
    while 0 < end < len(text) and text[end] in " \t":
        end += 1
    return end


#: line breaks, as ``str.splitlines`` knows them (``\r\n`` is one)
_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_BREAK_RE = re.compile("\r\n|[" + _BREAKS + "]")
#: what a blank line holds: spaces, tabs and its line break
_BLANK = " \t" + _BREAKS


def line_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of the whole line holding ``text[start:end]``, with its line break, and
    the blank line after it when a blank line (or the start of the text) is before it.

    Lines end where ``str.splitlines`` ends them (``\n``, ``\r\n``, ``\r``, ...); the last
    line may have no break. Cutting this span leaves every other line exactly as it was,
    and a paragraph cut from between two others leaves one blank line between them, not
    two (a data engineer's review: "BY MAY\n\n\n\n\nThe utility" after three paragraphs).
    """
    cs = max(text.rfind(c, 0, start) for c in _BREAKS) + 1
    m = _BREAK_RE.search(text, end)
    ce = m.end() if m else len(text)
    if m and _blank_line_before(text, cs):
        after = _BLANK_LINE.match(text, ce)
        if after:
            ce = after.end()
    return cs, ce


#: a line of nothing but spaces and tabs, with its break
_BLANK_LINE = re.compile("[ \t]*(?:\r\n|[" + _BREAKS + "])")


def _blank_line_before(text: str, cs: int) -> bool:
    """Whether the line before the one starting at ``cs`` is blank, or there is none."""
    if cs == 0:
        return True
    j = cs - 1  # the previous line's break
    if text[j] == "\n" and j > 0 and text[j - 1] == "\r":
        j -= 1
    k = max(text.rfind(c, 0, j) for c in _BREAKS) + 1
    return not text[k:j].strip(" \t")


def restore(text: str, entries: Sequence[dict]) -> str:
    """Undo the block cuts of one record: ``text`` is its cleaned text, ``entries`` its
    ``repeat_removed`` / ``boilerplate_removed`` manifest lines."""
    for e in sorted(entries, key=lambda e: e["cut_start"]):
        cs = int(e["cut_start"])  # a float in a DataFrame that also holds record lines
        text = text[:cs] + e["removed"] + text[cs:]
    return text


class Cleaner:
    """Decide what ``clean`` removes (scikit-learn style: parameters here, work in :meth:`clean`).

    Args:
        keep_duplicates: keep every member of a cluster, not only its representative.
        keep_repeats: keep blocks that repeat an earlier block of their record.
        keep_boilerplate: keep boilerplate blocks.
        jobs: threads of each scan (as :class:`~dedup.scan.Scanner`'s; the result is the same).
        client: a ``distributed.Client``: each scan's per-document work runs on its Dask
            cluster (:class:`dedup.dask.DaskScanner`; the result is the same). None: here.
        **params: any :class:`~dedup.scan.Params` field.
    """

    def __init__(self, keep_duplicates: bool = False, keep_repeats: bool = False, keep_boilerplate: bool = False,
                 jobs: int = 1, client: Any = None, **params: Any):
        self.jobs = check_jobs(jobs)
        self.client = client
        self.keep_duplicates = keep_duplicates
        self.keep_repeats = keep_repeats
        self.keep_boilerplate = keep_boilerplate
        self.params = Params.of(_also=("keep_duplicates", "keep_repeats", "keep_boilerplate", "index", "jobs", "ids",
                                       "client"), **params)

    def clean(self, documents: Sequence[Document], index=None,
              set_aside: Callable[[InputError], None] | None = None) -> CleanResult:
        """Clean ``documents``; with an :class:`~dedup.index.Index`, also drop those that
        duplicate indexed documents (the index is only read here). With ``set_aside``, a
        record whose id the index holds for another text (which adding it would refuse)
        is told to it and set aside (``malformed``, ``id_taken``), before the records are
        compared, so that its copies are kept in its place."""
        docs = list(documents)
        states = [_State(d.text) for d in docs]
        if index is not None and docs:
            self._drop_indexed(docs, states, index)
            if set_aside is not None:
                self._set_aside_taken(docs, states, index, set_aside)
        rounds = 0
        while True:
            rounds += 1
            if not self._round(docs, states):
                break
        for s in states:
            if s.record is None:
                s.ends_as_it_was()
        texts = [None if s.record is not None else s.current() for s in states]
        removed: list[dict] = []
        for s in states:
            if s.record is not None:
                removed.append(s.record)
            else:
                removed.extend(sorted(s.entries, key=lambda e: e["start"]))
        return CleanResult(docs, texts, removed, rounds)

    def _drop_indexed(self, docs: list[Document], states: list[_State], index) -> None:
        q = index.query(docs)
        d = q.documents
        for i in np.flatnonzero(d["is_duplicate"].to_numpy()):
            states[i].record = {"id": docs[i].id, "reason": "duplicate_of", "of": d["duplicate_of"].iloc[i],
                                "similarity": float(d["similarity"].iloc[i]),
                                "containment": float(d["containment"].iloc[i]),
                                "exact": bool(d["exact"].iloc[i]), "indexed": True, "text": docs[i].text}

    @staticmethod
    def _set_aside_taken(docs: list[Document], states: list[_State], index,
                         set_aside: Callable[[InputError], None]) -> None:
        kept = [i for i, s in enumerate(states) if s.record is None]
        taken = index.held(docs[i].id for i in kept)
        for i in kept:
            if docs[i].id in taken and words(docs[i].text):  # (an empty record is removed as empty, never added)
                error = InputError(id_taken(docs[i].id, index.path), docs[i].path, docs[i].line)
                set_aside(error)
                states[i].record = {"id": docs[i].id, "reason": "malformed", "input_line": docs[i].line,
                                    "error": error.message, "id_taken": True}

    def _round(self, docs: list[Document], states: list[_State]) -> bool:
        """One scan of the records still kept; apply what it finds. Returns whether anything was removed."""
        active = [i for i, s in enumerate(states) if s.record is None]
        if not active:
            return False
        current = [states[i].current() for i in active]
        round_docs = [Document(docs[i].id, t, docs[i].path, docs[i].line) for i, t in zip(active, current)]
        # here, or on the Dask cluster of ``client`` (dask is not imported without one)
        r = scanner(self.client, self.jobs, **dataclasses.asdict(self.params)).scan(round_docs)
        tb, bi = r.blocks, r.index
        changed = False
        dropped = np.zeros(len(active), dtype=bool)

        for k in np.flatnonzero(r.empty):
            i = active[k]
            states[i].record = {"id": docs[i].id, "reason": "empty", "of": None, "similarity": None,
                                "text": docs[i].text}
            if states[i].entries:  # nothing left once its blocks were cut: say which cuts
                states[i].record["emptied_by"] = sorted({e["reason"] for e in states[i].entries})
            dropped[k] = changed = True
        if not self.keep_duplicates:
            ms = r.member_stats
            for k, sim, cont in zip(ms["doc_index"].tolist(), ms["similarity"].tolist(), ms["containment"].tolist()):
                if dropped[k]:
                    continue
                i, rep = active[k], active[int(r.representative[k])]
                states[i].record = {"id": docs[i].id, "reason": "duplicate_of", "of": docs[rep].id,
                                    "similarity": round(float(sim), 4), "containment": round(float(cont), 4),
                                    "exact": bool(r.exact[k]), "text": docs[i].text}
                dropped[k] = changed = True

        # block cuts: positions are mapped to the original text with the cuts made
        # before this round, so all are computed first and applied together
        pending: list[tuple[int, int, dict]] = []
        places: dict[int, _Places] = {}  # a document's block starts and line ends, found once a round

        def place(i: int) -> _Places:
            if i not in places:
                places[i] = _Places(states[i].text)
            return places[i]

        if not self.keep_repeats and len(r.repeats):
            for k, b, of, sim in zip(r.repeats["doc_index"].tolist(), r.repeats["block"].tolist(),
                                     r.repeats["repeat_of"].tolist(), r.repeats["similarity"].tolist()):
                if not dropped[k]:
                    s = states[active[k]]
                    of_start = s.original(int(tb.block_start[of]))
                    pending.append((k, b, {"reason": "repeat_removed", "of": docs[active[k]].id,
                                           "of_block": place(active[k]).block(of_start),
                                           "of_line": place(active[k]).line(of_start),
                                           "similarity": round(float(sim), 4)}))
        boilerplate = story_boilerplate(r)
        if not self.keep_boilerplate and boilerplate.any():
            bt = bi.block_type
            # a story's headline that other pages' link lists made boilerplate stays
            heads = headlines(bi, tb, boilerplate, r.representative)
            blocks = np.flatnonzero((bt >= 0) & boilerplate[np.maximum(bt, 0)] & ~heads)
            holders = bi.occurrences.groupby("type")["doc"].apply(lambda x: sorted(x.tolist())).to_dict()
            for b in blocks.tolist():
                k = int(tb.block_doc[b])
                if not dropped[k]:
                    h = holders[int(bt[b])]
                    other = next((x for x in h if x != k), None)
                    pending.append((k, b, {"reason": "boilerplate_removed",
                                           "of": docs[active[other]].id if other is not None else None,
                                           "documents": len(h), "similarity": 1.0}))
        cuts = []
        for k, b, extra in pending:
            s = states[active[k]]
            start = s.original(int(tb.block_start[b]))
            end = start + int(tb.block_end[b] - tb.block_start[b])
            cs, ce = line_span(s.text, start, end)
            entry = {"id": docs[active[k]].id, "reason": extra.pop("reason"), "of": extra.pop("of"),
                     "block": place(active[k]).block(start), "line": place(active[k]).line(start), **extra,
                     "start": start, "end": end, "text": s.text[start:end], "cut_start": cs, "removed": s.text[cs:ce]}
            cuts.append((s, cs, ce, entry))
        for s, cs, ce, entry in cuts:
            s.cut(cs, ce, entry)
        return changed or bool(cuts)


class _Places:
    """Where offsets of one text are: the number of the block starting there, and the
    1-based line (as :func:`~dedup.text.line_of`). Its blocks and line ends are found
    once: a scraped page of 3,600 repeated paragraphs took 13.97 s to clean when each cut
    split the text again (a data engineer's review), and takes 1.38 s."""

    def __init__(self, text: str):
        self.starts = [s for s, _ in block_spans(text)]
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def block(self, start: int) -> int:
        """The number of the block that starts at ``start``."""
        return bisect.bisect_left(self.starts, start)

    def line(self, offset: int) -> int:
        """The line of character ``offset``."""
        return bisect.bisect_left(self.newlines, offset) + 1


def clean_documents(documents: Sequence[Document], keep_duplicates: bool = False, keep_repeats: bool = False,
                    keep_boilerplate: bool = False, index=None, jobs: int = 1, client: Any = None,
                    **params: Any) -> CleanResult:
    """Clean in memory; see :class:`Cleaner`. The result is checked (:func:`check_result`)."""
    cleaner = Cleaner(keep_duplicates, keep_repeats, keep_boilerplate, jobs, client, **params)
    result = cleaner.clean(documents, index=index)
    check_result(result)
    _warn_if_all_emptied(result)
    return result


def _warn_if_all_emptied(result: CleanResult) -> None:
    """A warning when no record is kept and some were emptied by cutting their blocks (a
    review: 4,000 records made of paragraphs shared by a dozen others each were all
    boilerplate, and the summary said "0 boilerplate blocks cut")."""
    s = result.summary
    if s["records"] and not s["kept"] and s["emptied"]:
        reasons = sorted({r for e in result.removed for r in e.get("emptied_by", ())})
        warn(f"every record was removed, {s['emptied']} of them emptied by cutting their blocks "
             f"({', '.join(reasons)}): blocks found in many unrelated records are boilerplate, and records "
             "made of such blocks lose them all (--keep-boilerplate keeps them)")


def check_result(result: CleanResult, written: Sequence[tuple[str | None, str]] | None = None,
                 manifest: Sequence[dict] | None = None) -> None:
    """The invariant: every input id is exactly once in the output or among the removed records.

    Args:
        written: ``(id, text)`` of the records actually written (read back from the
            output; id None where the format gives no stable id); checked against the
            kept records, in order.
        manifest: the manifest as read back from its file; checked against ``result``.

    Raises:
        InvariantError: if a record would be lost, duplicated or changed unexpectedly.
    """
    ids = [d.id for d in result.documents]
    removed = [r["id"] for r in (manifest if manifest is not None else result.removed)
               if r["reason"] in RECORD_REASONS or (r["reason"] == "malformed" and r.get("id_taken"))]
    kept = [result.documents[i].id for i in result.kept]
    everything = Counter(kept) + Counter(removed)
    lost = [i for i in ids if everything[i] == 0]
    twice = [i for i, c in everything.items() if c > 1]
    unknown = set(everything) - set(ids)
    if lost or twice or unknown or len(ids) != len(set(ids)):
        raise InvariantError(f"clean would lose {lost[:5]}, duplicate {twice[:5]} or invent {sorted(unknown)[:5]}")
    if manifest is not None and list(manifest) != list(json.loads(json.dumps(result.removed))):
        raise InvariantError("the manifest written differs from the removals made")
    if written is not None:
        expected = [(result.documents[i].id, result.texts[i]) for i in result.kept]
        if len(written) != len(expected):
            raise InvariantError(f"the output holds {len(written)} records, not {len(expected)}")
        for (wid, wtext), (eid, etext) in zip(written, expected):
            if wtext != etext or (wid is not None and wid != eid):
                raise InvariantError(f"record {eid!r} was not written as cleaned (read back {wid!r})")


def check_paths(input: str, output: str, removed: str | None = None, index: Any = None) -> tuple[str, str]:
    """The format of :func:`clean_file`'s output and the path of its manifest, or the
    :class:`ParameterError` (or :class:`InputError`: no such input) of paths it cannot
    use: an output that is standard output, the input, or not of the input's format; a
    manifest that is the output, the input or the index. Checked before anything is
    started (the command line's Dask cluster too)."""
    if output in ("-", ""):
        raise ParameterError("clean writes a file or directory: give -o a path")
    fmt = check_output(input, output)
    manifest_path = removed if removed is not None else output.rstrip("/" + os.sep) + ".removed.jsonl"
    real_output, real_manifest = output_target(output)[0], output_target(manifest_path)[0]
    if real_manifest == real_output:
        raise ParameterError("the manifest and the output must be different files", manifest_path)
    check_not_an_input(manifest_path, [input], "manifest")
    if isinstance(index, (str, os.PathLike)):  # nor may either replace the index
        for path, real, what in ((output, real_output, "output"), (manifest_path, real_manifest, "manifest")):
            if real == os.path.realpath(index):
                raise ParameterError(f"the {what} is the index; write it to another path", path)
    if input != "-" and not os.path.exists(input):
        raise InputError("no such file or directory", input)
    return fmt, manifest_path


def clean_file(input: str, output: str, removed: str | None = None, text_field: str = "text",
               id_field: str = "id", keep_duplicates: bool = False, keep_repeats: bool = False,
               keep_boilerplate: bool = False, index: Any = None, jobs: int = 1, skip_malformed: bool = False,
               client: Any = None, **params: Any) -> CleanResult:
    """Clean the corpus at ``input`` into ``output`` (same format) and write the manifest.

    Args:
        input: a directory of ``.txt``/``.md``, a text file, ``.jsonl``, ``.json``,
            ``.csv``, ``.parquet``, or ``-`` (JSONL on standard input, written as JSONL).
        output: where the cleaned corpus goes; replaced atomically.
        removed: the manifest (JSONL); default ``OUTPUT.removed.jsonl``.
        index: an :class:`~dedup.index.Index` or the path of one: records that duplicate
            indexed documents are removed too, and the kept records are added to it in
            the same transaction (committed only once the output is in place).
        jobs: threads of each scan (the result is the same).
        client: a ``distributed.Client`` whose Dask cluster does each scan's per-document
            work (the result is the same); None: here.
        skip_malformed: records that are no record with a text (a malformed JSONL line,
            a ragged CSV row, see :func:`~dedup.io.iter_documents`) are skipped with a
            warning (:func:`~dedup.io.skipping_malformed`) and listed in the manifest
            (``malformed``), rather than stopping the clean.
        **params: :class:`~dedup.scan.Params` fields (with an index: those it was built with,
            unless given).

    Both files are written to temporary files next to their destination, read back and
    checked (:func:`check_result`), then renamed into place: the manifest first, then the
    output (should the output's rename fail, the manifest in place is put back as it
    was). An interrupted run leaves no partial output.
    """
    fmt, manifest_path = check_paths(input, output, removed, index)
    # the temporary files are made first: a place that cannot be written fails before the scan
    out = Pending(output, is_dir=fmt == "dir")
    try:
        man = Pending(manifest_path)
    except BaseException:
        out.discard()
        raise
    try:
        source = _file_state(input)
        with skipping_malformed(skip_malformed) as skipped:
            docs = read_documents([input], text_field=text_field, id_field=id_field, keep_records=True,
                                  on_malformed=skipped)
        created = isinstance(index, (str, os.PathLike)) and not os.path.exists(index)
        with _index_session(index, params) as (idx, params):
            # (ids that number the records, with no id field, are every day's: such a record
            # stops the run with its hint, not set aside, as would the whole day: a code review)
            aside = _setting_aside if skipped is not None and _ids_from_data(fmt, input, docs, id_field) else None
            result = Cleaner(keep_duplicates, keep_repeats, keep_boilerplate, jobs, client,
                             **params).clean(docs, index=idx, set_aside=aside)
            if skipped is not None and skipped.errors:
                # a directory's file is named by its path (the input is the directory)
                read = {d.id for d in docs}  # a skipped record's id, unless a record read has it too
                ids = [getattr(e, "record_id", None) for e in skipped.errors]
                result.removed[:0] = [{"id": None if i in read else i, "reason": "malformed", "input_line": e.line,
                                       "error": e.message, **({"file": e.path} if e.path != input else {})}
                                      for e, i in zip(skipped.errors, ids)]
            check_result(result)
            _warn_if_all_emptied(result)
            if idx is not None:
                _check_not_cleaned_again(output, fmt, result, text_field, id_field)
            with out.errors_named():
                write_documents(fmt, input, docs, result.texts, out.path, text_field)
            if _file_state(input) != source:  # the writers of JSONL, CSV and Parquet read it again
                raise DedupError("the input changed while it was cleaned; nothing was written", input)
            with man.errors_named(), compressed_output(man.path) as f:
                for entry in result.removed:
                    f.write(json_bytes(entry) + b"\n")
            check_result(result, _read_back(fmt, input, out.path, result, text_field, id_field),
                         _read_manifest(man.path))
            if idx is not None:
                idx.add([Document(docs[i].id, result.texts[i], docs[i].path, docs[i].line) for i in result.kept])
                result.added, result.index_created = len(result.kept), created
            check_interrupted()  # nothing is put in place after Ctrl-C, even one numba swallowed
            with committing():  # no Ctrl-C between the two
                commit_together(man, out)  # the manifest back as it was should the output's rename fail
    except BaseException:
        out.discard()
        man.discard()
        raise
    result.output, result.manifest = output, manifest_path
    return result


def _ids_from_data(fmt: str, input: str, docs: list[Document], id_field: str) -> bool:
    """Whether the ids of ``docs`` (read from ``input``, of format ``fmt``) are the data's:
    a directory's paths, or every record's id field; not the records' numbers."""
    if fmt in ("dir", "text"):
        return True
    if fmt == "parquet":
        import pyarrow.parquet as pq

        return id_field in pq.read_schema(input).names
    return all(d.record is not None and id_field in d.record for d in docs)


def _setting_aside(error: InputError) -> None:
    """Warn of a record set aside (its id in the index with another text)."""
    warn(f"{error} (record set aside)")


def _file_state(path: str) -> tuple | None:
    """What changes when a file is written to: its inode, size and modification time
    (None for a directory or standard input)."""
    if path == "-" or not os.path.isfile(path):
        return None
    st = os.stat(path)
    return st.st_ino, st.st_size, st.st_mtime_ns


def _check_not_cleaned_again(output: str, fmt: str, result: CleanResult, text_field: str, id_field: str) -> None:
    """An error if ``output`` is in place and every record it holds is one that this run
    drops as already in the index under its own id: the same input cleaned into the
    index again (a retry of a run that succeeded), which would put an empty output over
    the cleaned day, whose texts are nowhere else (a data engineer's review: a cron
    job's retry). An output of other records too (yesterday's, of a path used every
    day) is replaced as before, as is one that cannot be read as the input's format."""
    again = {r["id"] for r in result.removed if r.get("indexed") and r["of"] == r["id"]}
    if not again or fmt == "dir" or not os.path.isfile(output) or os.path.getsize(output) == 0:
        return
    if fmt == "text":  # one document, named by the input's path, not the output's
        held = {result.documents[0].id} if result.documents else set()
    else:
        try:
            held = {d.id for d in read_documents([output], text_field=text_field, id_field=id_field)}
        except DedupError:
            return
    if held and held <= again:
        raise DedupError(f"holds {plural(len(held), 'record')}, all of which this run drops as already in the index "
                         "under their own id (the same input cleaned into it again?): it is kept and nothing was "
                         "written; remove it, or write to another OUTPUT, to clean the input again", output)


@contextmanager
def _index_session(index: Any, params: dict) -> Iterator[tuple[Any, dict]]:
    """``(index, params)`` inside one transaction of ``index`` (a path, an open ``Index``
    or None): an index given as a path is opened with ``params`` and closed afterwards;
    the parameters stored in the index fill in those not given."""
    from .index import Index

    own_index = isinstance(index, (str, os.PathLike))
    idx = Index(index, **params) if own_index else index
    try:
        if idx is not None:  # checked as opening it with them would (an index already open)
            params = dataclasses.asdict(idx.params_with(**params))
        with idx.transaction() if idx is not None else nullcontext():
            yield idx, params
    finally:
        if own_index and idx is not None:
            idx.close()


def _read_back(fmt: str, input: str, path: str, result: CleanResult, text_field: str,
               id_field: str) -> list[tuple[str | None, str]]:
    """The ``(id, text)`` of every record written, id None where the format gives none."""
    if fmt == "text":  # as read: a byte order mark is not part of the text
        with io.TextIOWrapper(open_input(path), encoding="utf-8-sig", newline="") as f:
            return [(None, f.read())] if result.kept else []
    if fmt == "dir" and not any(files for _, _, files in os.walk(path)):
        return []  # every record removed (reading a directory without documents is an error)
    docs = read_documents([path], text_field=text_field, id_field=id_field, keep_records=True)
    if fmt == "dir":
        return [(d.id, d.text) for d in docs]
    if fmt == "parquet":
        import pyarrow.parquet as pq

        has_id = id_field in pq.read_schema(path).names
        return [(d.id if has_id else None, d.text) for d in docs]
    return [(d.id if id_field in d.record else None, d.text) for d in docs]


def _read_manifest(path: str) -> list[dict]:
    with io.TextIOWrapper(open_input(path), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def clean(data: Any, text: str = "text", id: str | None = None, ids: Any = None, keep_duplicates: bool = False,
          keep_repeats: bool = False, keep_boilerplate: bool = False, index: Any = None, jobs: int = 1,
          client: Any = None, **params: Any) -> tuple[pd.DataFrame | pd.Series, pd.DataFrame]:
    """Clean a DataFrame (or a Series or list of texts); return ``(clean_df, removed_df)``.

    ``clean_df`` holds the kept rows, every column as it was but ``text``, repaired (of
    a Series: the kept rows of the Series, repaired; of a list: a DataFrame of the kept
    ``id`` and ``text``); ``removed_df`` is the manifest (see the module docstring), one
    row per removal, indexed by the label of the row it removes or cuts (``data``'s
    index, else the position: ``df.drop(removed_df.index.unique())`` drops what
    ``clean`` removed or cut, ``df.loc[...]`` finds it whatever the ids' type). ``ids``:
    the ids of a list of texts, as :func:`dedup.scan` takes them. With
    ``index`` (an :class:`~dedup.index.Index` or a path), rows duplicating indexed
    documents are removed and the kept rows added to it, in one transaction. ``jobs``:
    threads of each scan; ``client``: a ``distributed.Client`` whose Dask cluster does
    each scan's per-document work (the result is the same either way).

    Examples:
        >>> import dedup
        >>> story = "Putin and Xi met in Moscow to discuss trade, energy and the war in Ukraine."
        >>> kept, removed = dedup.clean([story, story, ""])
        >>> kept["id"].tolist(), removed[["id", "reason", "of"]].values.tolist()
        (['0'], [['1', 'duplicate_of', '0'], ['2', 'empty', None]])
    """
    from .index import as_documents

    docs, labels = as_documents(data, text, id, ids)
    with _index_session(index, params) as (idx, params):
        result = clean_documents(docs, keep_duplicates, keep_repeats, keep_boilerplate, index=idx, jobs=jobs,
                                 client=client, **params)
        if idx is not None:
            idx.add([Document(docs[i].id, result.texts[i], docs[i].path, docs[i].line) for i in result.kept])
    kept = result.kept
    if isinstance(data, (pd.DataFrame, pd.Series)):
        clean_df = data.iloc[kept].copy()
        changed = [j for j, i in enumerate(kept) if result.texts[i] != docs[i].text]
        if changed:
            texts = clean_df if isinstance(clean_df, pd.Series) else clean_df[text].copy()
            if isinstance(texts.dtype, pd.CategoricalDtype):  # repaired texts are new categories
                texts = texts.astype(object)
            texts.iloc[changed] = [result.texts[kept[j]] for j in changed]
            if isinstance(clean_df, pd.Series):
                clean_df = texts
            else:
                clean_df[text] = texts
    else:
        # object Series on the kept rows' labels (Series on 0..k-1 were aligned to those labels, and lost rows)
        rows = labels[kept]
        clean_df = pd.DataFrame({"id": pd.Series([docs[i].id for i in kept], dtype=object, index=rows),
                                 "text": pd.Series([result.texts[i] for i in kept], dtype=object, index=rows)})
    removed = _manifest_frame(result.removed)
    position = {d.id: i for i, d in enumerate(docs)}
    removed.index = labels[[position[i] for i in removed["id"]]]
    return clean_df, removed


def _manifest_frame(removed: list[dict]) -> pd.DataFrame:
    """The manifest as a DataFrame, a column a field: whole numbers as ``Int64`` (a record
    line has no ``block``), ``similarity`` as float, flags as ``boolean``, text and ids as
    ``object`` (a text may hold a lone surrogate, which pandas' Arrow-backed strings cannot)."""
    fields = list(dict.fromkeys(["id", "reason", "of", "similarity", "text", *(k for r in removed for k in r)]))
    columns = {}
    for field in fields:
        values = [r.get(field) for r in removed]
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, bool) for v in present):
            columns[field] = pd.array(values, dtype="boolean")
        elif field in ("similarity", "containment") or (present and any(isinstance(v, float) for v in present)
                                                        and all(isinstance(v, (int, float)) for v in present)):
            columns[field] = pd.array([float("nan") if v is None else v for v in values], dtype="float64")
        elif present and all(isinstance(v, int) for v in present):
            columns[field] = pd.array(values, dtype="Int64")
        else:
            columns[field] = pd.Series(values, dtype=object)
    return pd.DataFrame({f: pd.Series(c, dtype=getattr(c, "dtype", object)) for f, c in columns.items()})
