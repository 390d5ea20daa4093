"""``dedup check``: the pre-commit check of a text corpus kept in git.

The files named on the command line are the **changed** ones. Each is scanned together
with the whole **corpus**: the git-tracked files that match the ``include`` / ``exclude``
globs of ``[tool.dedup]`` (see :mod:`dedup.config`). A file outside a git repository
is compared with the other files named with it. With an **index** (``--index DB`` or
``[tool.dedup] index``, a :class:`~dedup.index.Index` of the corpus), each changed file
is instead queried against the index, on its own; an indexed document whose id is the
file's path (as shown, or relative to the project root) is the file itself, not a copy.

Only findings *located in a changed file* are reported, one line each, in the form
editors and pre-commit understand::

    articles/b.txt:4:1: DUP001 repeated paragraph (first at line 2)
    articles/c.txt:1:1: DUP002 near-duplicate of articles/a.txt (similarity 0.93)
    articles/d.txt:7:1: DUP003 shares 2 paragraphs with articles/a.txt

``line`` is the 1-based line of the paragraph as an editor counts lines (``\\n`` only),
``col`` the 1-based column of its first non-blank character. Since every finding is a
function of the corpus and of the file it is located in, and the corpus does not depend
on which files are named, any split of the changed files into several runs (pre-commit
splits long argument lists) reports exactly the findings of one run over all of them,
each exactly once. The same holds for the order of the files.

Codes:

* ``DUP001`` a paragraph repeated inside the file (exact, or a near-exact long paragraph);
  the finding is on the later copy.
* ``DUP002`` the file is a near-duplicate of another (``--threshold`` Jaccard, or contained
  in it, ``--containment``, or half contained with the same figures); the other file is its
  cluster's representative, or, for the representative itself, its most similar member.
* ``DUP003`` the file shares paragraphs with another without being a near-duplicate;
  the finding is on the first shared paragraph.

**Baseline** (as detect-secrets does): ``--write-baseline FILE`` records the current
findings of the named files; ``--baseline FILE`` then reports only findings not recorded.
Findings are matched on file, code and a fingerprint of their content (the normalised
paragraph, the other file), not on line numbers, so moving text around does not bring
an accepted finding back; a near-duplicate on the file's text or the group of files
accepted as near-duplicates of each other. A near-duplicate accepted in one file is
accepted in the other file named too (one pair), and shared paragraphs are, the same
paragraphs; a file renamed without edits keeps its entries (the baseline's
``contents``: a digest of each named file's text).
Writing a baseline for some files keeps the entries of others, but not those of a file
gone whose text no file unknown to the baseline has (the git-tracked corpus read).

``check`` never modifies a checked file; it writes nothing but the baseline asked for.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Literal

import numpy as np

from .blocks import table_rows
from .config import Config, load_config
from .errors import InputError, ParameterError, warn
from .io import Document, _read_text, atomic_write, check_ids_encode, check_not_an_input
from .match import is_near_duplicate, near_duplicate_rule, pair_stats, verification_sets
from .progress import bar
from .report import Report, printable
from .scan import Params, Scanner
from .text import block_spans, is_figure, line_of, normalize, tokenize, words
from .tokens import BlockWords

#: The finding codes and what they mean.
CODES = {
    "DUP001": "a paragraph repeated inside the file",
    "DUP002": "the file is a near-duplicate of another file",
    "DUP003": "the file shares paragraphs with another file",
}
BASELINE_VERSION = 2


@dataclass(frozen=True, order=True)
class Finding:
    """One finding, located in a checked file.

    Attributes:
        path: the file, relative to the working directory, ``/``-separated.
        line, col: 1-based line (``\\n``-counted) and column (characters) of the paragraph.
        code: ``DUP001`` .. ``DUP003`` (:data:`CODES`).
        message: what was found, e.g. ``repeated paragraph (first at line 2)``.
        fingerprint: what a baseline matches on: the code with the normalised paragraph
            or the other file, independent of line numbers.
        others: the other files of a near-duplicate or shared paragraphs (as ``path``).
        shared: how many paragraphs shared paragraphs are.
        content: a digest of the file's text, and ``others_content`` of the others' (""
            where unknown): a baseline follows a file renamed without edits by them.
        others_are_ids: the others are an index's ids (``check --index``), as written
            in a baseline, not paths to resolve from the working directory.
    """

    path: str
    line: int
    col: int
    code: str
    message: str
    fingerprint: str = field(default="", compare=False)
    others: tuple[str, ...] = field(default=(), compare=False)
    shared: int = field(default=0, compare=False)
    content: str = field(default="", compare=False)
    others_content: tuple[str, ...] = field(default=(), compare=False)
    others_are_ids: bool = field(default=False, compare=False)

    def __str__(self) -> str:
        # one line whatever the file names hold: a control character (a line break in a
        # name) is written as its escape, as git quotes such a name (a pre-commit user's review)
        return printable(f"{self.path}:{self.line}:{self.col}: {self.code} {self.message}")


@dataclass
class CheckResult:
    """The outcome of :func:`check`.

    Attributes:
        findings: the findings to report (not in the baseline), sorted by file and line.
        baselined: findings left out because the baseline has them.
        checked: the changed files checked (display paths).
        skipped: named files that the corpus globs leave out.
        corpus: number of documents each changed file was compared with (largest group).
        source: where the corpus came from: ``"git"``, ``"index"`` or ``"files"`` (not in a
            git repository).
        index: the index file, when the corpus is an index.
        wrote_baseline: the baseline file written, if asked.
    """

    findings: list[Finding]
    baselined: list[Finding] = field(default_factory=list)
    checked: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    corpus: int = 0
    source: str = "git"
    wrote_baseline: str | None = None
    written: int = 0
    index: str | None = None

    @property
    def exit_code(self) -> int:
        """1 when there are findings to report, else 0."""
        return 1 if self.findings else 0

    def summary(self) -> str:
        """One line for standard error."""
        n = len(self.checked)
        if n == 0:  # every file named was left out by the corpus globs: no corpus was read
            where = "checked 0 files"
        elif self.source == "git":
            where = f"checked {_count(n, 'file')} against a corpus of {_count(self.corpus, 'file')}"
        elif self.source == "index":
            where = f"checked {_count(n, 'file')} against the index {self.index} of {_count(self.corpus, 'document')}"
        else:
            others = "on its own" if n == 1 else "against each other"
            where = f"checked {_count(n, 'file')} {others} (not in a git repository)"
        if self.wrote_baseline is not None:
            head = f"wrote {_count(self.written, 'finding')} to baseline {self.wrote_baseline}"
        elif self.findings:
            head = f"{_count(len(self.findings), 'finding')} in {_count(len({f.path for f in self.findings}), 'file')}"
        else:
            head = "no findings"
        parts = [f"dedup check: {head}; {where}"]
        if self.baselined:
            parts.append(f"{_count(len(self.baselined), 'finding')} accepted in the baseline")
        if self.skipped:
            parts.append(f"{_count(len(self.skipped), 'file')} skipped (not in the corpus globs)")
        return "; ".join(parts)


def check(paths: Iterable[str | os.PathLike], *, baseline: str | os.PathLike | Literal[False] | None = None,
          write_baseline: str | os.PathLike | None = None, index: str | os.PathLike | None = None,
          **params: Any) -> CheckResult:
    """Check changed files against the corpus; see the module docstring.

    Args:
        paths: the changed files (directories stand for the corpus files below them).
        baseline: findings to accept (a file written by ``write_baseline``); default
            ``[tool.dedup] baseline``, if any; False: none, every finding reported.
        write_baseline: record the findings of ``paths`` in this file (keeping its entries
            for other files) instead of reporting them.
        index: compare with this :class:`~dedup.index.Index` instead of the git-tracked
            files; default ``[tool.dedup] index``, if any.
        **params: scan parameters (:class:`~dedup.scan.Params` fields); they win over
            ``[tool.dedup]``, which wins over the built-in defaults.

    Raises:
        InputError: a path that does not exist or cannot be read as UTF-8 text.
        ConfigError: a ``[tool.dedup]`` table that cannot be used.
    """
    paths = list(paths)
    if write_baseline is not None:
        check_not_an_input(write_baseline, paths, "baseline")
    config_for = _ConfigCache()
    changed, skipped = _changed_files(paths, config_for)
    result = CheckResult(findings=[], skipped=skipped)
    all_findings: list[Finding] = []
    read: dict[str, str] = {}  # absolute path -> text of every file read (the corpus too)
    sources: list[str] = []  # each group's corpus: "git", "files" or "index"
    groups: dict[tuple, tuple[Config, list[str]]] = {}
    for path in changed:
        config = config_for(os.path.dirname(path))
        groups.setdefault((config.path, config.root), (config, []))[1].append(path)
    for config, files in groups.values():
        index_path = Path(index) if index is not None else config.index
        if index_path is not None:
            found, corpus_size, source = _check_against_index(index_path, config, files, params, read)
            result.index = _display(os.fspath(index_path))
        else:
            found, corpus_size, source = _check_group(config, files, params, read)
        all_findings += found
        sources.append(source)
        result.corpus = max(result.corpus, corpus_size)
        result.source = source if source != "git" else result.source
    result.checked = sorted(_display(p) for p in changed)
    all_findings.sort()

    if write_baseline is not None:
        # the whole corpus read: every group's git-tracked files
        whole = bool(sources) and all(source == "git" for source in sources)
        result.written = _write_baseline(Path(write_baseline), all_findings, changed, read if whole else None)
        result.wrote_baseline = os.fspath(write_baseline)
        return result
    if baseline is False:
        baseline = baseline_path = None
    else:
        baseline_path = Path(baseline) if baseline is not None else _configured_baseline(c for c, _ in groups.values())
    if baseline_path is None or (baseline is None and not baseline_path.exists()):
        # a baseline [tool.dedup] names that is not written yet accepts nothing (the first
        # commit of a project configured ahead); one given with --baseline must be there
        if baseline_path is not None:
            warn(f"{os.fspath(baseline_path)}: no baseline written yet (--write-baseline writes it): "
                 "every finding is new")
        result.findings = all_findings
    else:
        result.findings, result.baselined = _apply_baseline(all_findings, baseline_path)
    return result


def findings(report: Report, texts: dict[str, str], changed: set[str],
             rel: Any = lambda doc: doc) -> list[Finding]:
    """The findings of ``report`` located in the documents ``changed``.

    Args:
        report: a scan of the corpus with the changed documents.
        texts: the text of each document, by id (the ids are the display paths).
        changed: ids of the changed documents.
        rel: maps a document id to the path fingerprints use (relative to the project root).
    """
    out: list[Finding] = []
    threshold = report.params["threshold"]

    spans_of: dict[str, list] = {}  # each text's blocks, found once

    def spans(doc: str) -> list:
        if doc not in spans_of:
            spans_of[doc] = block_spans(texts[doc])
        return spans_of[doc]

    def at(doc: str, block: int) -> tuple[int, int]:
        return _line_col(texts[doc], spans(doc)[block][0])

    for r in report.repeats.itertuples(index=False):
        if r.doc not in changed:
            continue
        extra = "" if r.similarity >= 1.0 else f", similarity {_ratio(r.similarity)}"
        out.append(Finding(r.doc, r.line, _line_col(texts[r.doc], r.start)[1], "DUP001",
                           f"repeated paragraph (first at line {r.repeat_of_line}{extra})",
                           _digest("DUP001", normalize(r.text))))

    for doc, other, similarity, containment, rule in _closest_members(report, changed):
        extra = _dup002_extra(similarity, containment, threshold, rule)
        # the baseline accepts the file as a near-duplicate, whichever copy it is named with
        out.append(Finding(doc, *at(doc, 0), "DUP002",
                           f"near-duplicate of {other} (similarity {_ratio(similarity)}{extra})",
                           _digest("DUP002"), others=(other,)))

    # one finding a file and set of shared paragraphs, naming the first file it shares
    # them with: a round-up of a story copied five times is one finding, not five, and
    # its baseline entry holds whichever copy comes next (a pre-commit user's review)
    shares: dict[tuple[str, str], tuple[tuple[int, int], int, list[str]]] = {}
    for r in report.overlaps.itertuples(index=False):
        for doc, other, pairs in ((r.a, r.b, [(x[0], x[1], x[2]) for x in r.blocks]),
                                  (r.b, r.a, [(x[1], x[0], x[2]) for x in r.blocks])):
            if doc not in changed:
                continue
            text, other_text = texts[doc], texts.get(other)
            own = spans(doc)
            every = sorted({b for b, _, _ in pairs})
            blocks = sorted({b for b, o, sim in pairs if sim >= 1.0 or other_text is None or _same_figures(
                text[slice(*own[b])], other_text[slice(*spans(other)[o])])})
            if not blocks or _table_rows(text, report.params["short_block_words"])[blocks].all():
                continue  # a template's rows in common ("Qtly div 25 cts vs 25 cts prior"): no shared story
            if not _paragraphs_enough(text, own, blocks):
                continue  # a template's headline and closing line: no paragraph of a story
            # the paragraphs, wherever the other file is: all those shared, as before these
            # rules, so that a baseline written before them still matches
            fingerprint = _digest("DUP003", *sorted(normalize(text[slice(*own[b])]) for b in every))
            if (doc, fingerprint) in shares:
                shares[doc, fingerprint][2].append(other)
            else:
                shares[doc, fingerprint] = (_line_col(text, own[blocks[0]][0]), len(blocks), [other])
    for (doc, fingerprint), ((line, col), n, others) in shares.items():
        also = f" (and {len(others) - 1} other file{'s' if len(others) > 2 else ''})" if len(others) > 1 else ""
        out.append(Finding(doc, line, col, "DUP003",
                           f"shares {n} paragraph{'s' if n != 1 else ''} with {others[0]}{also}", fingerprint,
                           others=tuple(others), shared=n))
    digests: dict[str, str] = {}  # each file's once (a file with a thousand repeats is hashed once)

    def digest(doc: str) -> str:
        if doc not in digests:
            digests[doc] = _content_digest(texts.get(doc))
        return digests[doc]

    return sorted(dataclasses.replace(f, content=digest(f.path), others_content=tuple(map(digest, f.others)))
                  for f in out)


def _content_digest(text: str | None) -> str:
    return "" if text is None else _digest("file", text)


#: shared paragraphs are a DUP003 when one of them holds at least this many words, or
#: all of them twice as many: a templated report's recurring headline ("U.S. FIRST TIME
#: JOBLESS CLAIMS ROSE IN WEEK") and closing line are none, six one-sentence paragraphs
#: of a story are
SHARED_MIN_WORDS = 16


def _paragraphs_enough(text: str, spans: list, blocks: list[int]) -> bool:
    """Whether the shared blocks ``blocks`` of ``text`` make a DUP003 (:data:`SHARED_MIN_WORDS`)."""
    sizes = [len(words(text[slice(*spans[b])])) for b in blocks]
    return max(sizes) >= SHARED_MIN_WORDS or sum(sizes) >= 2 * SHARED_MIN_WORDS


#: the months _same_figures compares, as words: "may" is a verb too often
_MONTHS = frozenset("january february march april june july august september october november december".split())


def _same_figures(a: str, b: str) -> bool:
    """Whether two near-matching paragraphs have the same figures and months: "yields as
    of March 1" and "as of April 1", "two-day" and "overnight" repurchases, are two
    templated reports' paragraphs, not one shared (a pre-commit user's review)."""
    def facts(text: str) -> Counter:
        return Counter(w for w in words(text) if is_figure(w) or w in _MONTHS)

    return facts(a) == facts(b)


def _table_rows(text: str, short_block_words: int) -> np.ndarray:
    """Mask over the blocks of ``text``: table rows, as the scan has them
    (:func:`blocks.table_rows`: figures, number words too, or table values, and fewer than
    ``short_block_words`` other words). Two different companies' dividend notices share
    "Qtly div 25 cts vs 25 cts prior": not a story the two files share (a short sentence
    with a number, "Police said two people died", counts as a row too)."""
    tb = tokenize([text])
    return table_rows(BlockWords(tb.word_hash, tb.word_is_number, tb.word_offsets), tb.block_words,
                      short_block_words)


def _dup002_extra(similarity: float, containment: float, threshold: float, rule: str) -> str:
    """What a DUP002 message adds to the similarity: the containment, when the Jaccard is
    under the threshold, and that the figures are the same, when that is the part of the
    rule the pair passes (a review: "similarity 0.19, containment 0.65" read as no duplicate)."""
    if similarity >= threshold:
        return ""
    same = ", the same figures" if rule == "figures" else ""
    return f", containment {_ratio(containment)}{same}"


def _closest_members(report: Report, changed: set[str]) -> list[tuple[str, str, float, float, str]]:
    """``(doc, other, similarity, containment, rule)`` for each changed document in a cluster:
    the other member it is itself a near-duplicate of, the most similar (Jaccard, then
    containment, then the representative and input order), with their exact statistics.
    The rule is the part of the near-duplicate rule the pair passes (``""``: none, joined
    through others). A cluster is a chain of such pairs: its representative (its longest member) can be a
    document this one shares little with, joined through another (a round-up that holds
    a whole brief, beside a longer one that holds it too)."""
    r = report._result
    p = r.params
    out = []
    ids = r.documents.ids
    position = {doc_id: k for k, doc_id in enumerate(ids)}
    for _, representative, _, members in report._cluster_groups():
        group = [representative] + [m[0] for m in members]
        mine = [d for d in group if d in changed]
        if not mine:
            continue
        docs = np.array(sorted(position[d] for d in group), dtype=np.int64)
        tokens = r.store.of(docs)
        keep = r.index.content_blocks(r.left_out)[tokens.blocks]
        own = np.arange(len(docs))
        # as the scan verifies: a template's lines' figures count (see Scanner)
        sets, figures = verification_sets(tokens.tokens, own, p.ngram, keep,
                                          keep_figures=r.index.content_blocks(r.boilerplate)[tokens.blocks])
        local = {ids[d]: k for k, d in enumerate(docs.tolist())}
        for doc in mine:
            others = [d for d in group if d != doc]
            a = np.full(len(others), local[doc], dtype=np.int64)
            b = np.array([local[d] for d in others], dtype=np.int64)
            stats = pair_stats(sets, figures, a, b)
            direct = is_near_duplicate(stats, p.threshold, p.containment, p.min_shingles, p.min_figure_agreement)
            jaccard, containment = stats.jaccard, stats.containment  # properties: computed once here
            # the best direct partner; without one (a pair found on the span of two pages'
            # chrome, or joined through others), the most similar member all the same; ties
            # to the representative, then to input order
            not_rep = np.array([d != representative for d in others])
            at = np.array([position[d] for d in others], dtype=np.int64)
            k = int(np.lexsort((at, not_rep, -containment, -jaccard, ~direct))[0])
            rule = near_duplicate_rule(stats, p.threshold, p.containment, p.min_shingles, p.min_figure_agreement)[k]
            out.append((doc, others[k], float(jaccard[k]), float(containment[k]), rule))
    return out


# ---------------------------------------------------------------------------
# The corpus
# ---------------------------------------------------------------------------


def git_toplevel(directory: str | os.PathLike) -> Path | None:
    """The top directory of the git work tree holding ``directory``, or ``None``."""
    try:
        out = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=directory, capture_output=True,
                             text=True, check=False)
    except OSError:  # git not installed
        return None
    return Path(out.stdout.strip()) if out.returncode == 0 and out.stdout.strip() else None


def tracked_files(root: Path) -> list[str]:
    """Absolute paths of the files git tracks (in the index) below ``root``."""
    out = subprocess.run(["git", "-c", "core.quotePath=false", "ls-files", "-z", "--cached"], cwd=root,
                         capture_output=True, check=False)
    if out.returncode != 0:
        raise InputError(f"git ls-files failed: {out.stderr.decode(errors='replace').strip()}", str(root))
    names = sorted({n for n in out.stdout.decode("utf-8", errors="surrogateescape").split("\0") if n})
    return [os.path.join(root, n) for n in names]


class _ConfigCache:
    """The configuration of files in a directory: its ``[tool.dedup]``, else the git repository's defaults.

    One per run (a pyproject.toml may change between runs of one process), cached per directory.
    """

    def __init__(self) -> None:
        self._cache: dict[str, Config] = {}

    def __call__(self, directory: str) -> Config:
        if directory not in self._cache:
            config = load_config(directory)
            if config.path is None:
                # no [tool.dedup]: the git repository is the project; outside one, the working
                # directory (so that all the files named are compared with each other)
                top = git_toplevel(directory)
                config = dataclasses.replace(config, root=top if top is not None else Path(os.getcwd()))
            self._cache[directory] = config
        return self._cache[directory]


def _changed_files(paths: Iterable[str | os.PathLike], config_for: _ConfigCache) -> tuple[list[str], list[str]]:
    """Absolute paths of the named files (directories expanded) that the corpus globs select."""
    selected: dict[str, None] = {}
    skipped: list[str] = []
    for raw in paths:
        path = os.path.abspath(os.fspath(raw))
        if os.path.isdir(path):
            for directory, subdirs, files in os.walk(path):
                subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
                for name in sorted(files):
                    full = os.path.join(directory, name)
                    if not name.startswith(".") and config_for(directory).selects(full):
                        selected.setdefault(full)
        elif os.path.exists(path):
            if config_for(os.path.dirname(path)).selects(path):
                selected.setdefault(path)
            else:
                skipped.append(_display(path))
        else:
            raise InputError("no such file or directory", os.fspath(raw))
    return list(selected), skipped


def _check_group(config: Config, changed: list[str], flags: dict,
                 read: dict[str, str]) -> tuple[list[Finding], int, str]:
    """Findings of the changed files that share one configuration, against its corpus
    (the text of each file read is added to ``read``, by absolute path)."""
    params = {**config.params, **{k: v for k, v in flags.items() if v is not None}}
    Params.of(**params)  # fail early on bad parameters
    top = git_toplevel(config.root) if config.root.is_dir() else None
    if top is not None:
        corpus = [p for p in tracked_files(config.root) if os.path.isfile(p) and config.selects(p)]
        source = "git"
    else:
        corpus, source = [], "files"
    files: dict[str, str] = {}  # real path -> absolute path, changed files first
    for p in [*changed, *corpus]:
        files.setdefault(os.path.realpath(p), p)
    documents = []
    texts: dict[str, str] = {}
    changed_real = {os.path.realpath(p) for p in changed}
    for path in bar(sorted(files.values(), key=_display), desc="reading", unit="file"):
        doc_id = _display(path)
        try:
            check_ids_encode([doc_id], [path], [None])  # a name in another encoding than UTF-8
            text = _read_text(path)
        except InputError as e:
            if os.path.realpath(path) not in changed_real:
                # another file of the corpus (invalid UTF-8, binary, a name no UTF-8 can hold): the
                # commit at hand is not to be blocked by it; it is said, and left out
                shown = doc_id.encode("utf-8", "backslashreplace").decode("utf-8")
                warn(f"{shown}{f':{e.line}' if e.line else ''}: {e.message}; left out of the corpus")
                continue
            raise InputError(e.message, doc_id, e.line) from None
        texts[doc_id] = read[os.path.abspath(path)] = text
        documents.append(Document(doc_id, text, path, None))
    report = Report(Scanner(**params).scan(documents))
    changed_ids = {_display(p) for p in changed}

    def rel(doc_id: str) -> str:
        return _relative(os.path.abspath(doc_id), config.root)

    found = findings(report, texts, changed_ids, rel)
    return found, (len(documents) if source == "git" else len(changed)), source


def _check_against_index(index_path: Path, config: Config, changed: list[str], flags: dict,
                         read: dict[str, str]) -> tuple[list[Finding], int, str]:
    """Findings of each changed file queried alone against an index of the corpus (so
    that any split of the files gives the same findings: two files added in one commit
    are not compared with each other, being in no index yet); each file's text is added
    to ``read``, by absolute path."""
    from .index import Index

    given = {k: v for k, v in flags.items() if v is not None}
    params = {**config.params, **given}
    try:
        idx = Index(index_path, readonly=True, **params)
    except ParameterError as e:
        # the index's parameters are its builder's, and [tool.dedup] applies to check only
        from_config = [k for k in e.params if k in config.params and k not in given]
        if not from_config:
            raise
        flags_used = " ".join(f"--{k.replace('_', '-')} {config.params[k]}" for k in from_config)
        raise ParameterError(f"{e.message} ({', '.join(from_config)} from [tool.dedup] in {config.path}, which "
                             f"`dedup index add` does not read: build the index with the same, as in "
                             f"`dedup index add DB {flags_used} ...`)", e.path) from None
    found: list[Finding] = []
    with idx:
        size = len(idx)
        for path in sorted(changed, key=_display):
            doc_id = _display(path)
            try:
                text = _read_text(path)
            except InputError as e:
                raise InputError(e.message, doc_id, e.line) from None
            read[os.path.abspath(path)] = text
            itself = {doc_id, _relative(os.path.abspath(path), config.root)}
            content = _content_digest(text)
            q = idx.query([Document(doc_id, text, path, None)])
            for r in q.repeats.itertuples(index=False):
                extra = "" if r.similarity >= 1.0 else f", similarity {_ratio(r.similarity)}"
                found.append(Finding(doc_id, r.line, _line_col(text, r.start)[1], "DUP001",
                                     f"repeated paragraph (first at line {r.repeat_of_line}{extra})",
                                     _digest("DUP001", normalize(r.text)), content=content))
            matches = q.matches[~q.matches["indexed"].isin(itself)]
            if len(matches):
                m = matches.iloc[0]
                extra = _dup002_extra(m["similarity"], m["containment"], idx.params.threshold, m["rule"])
                spans = block_spans(text)
                found.append(Finding(doc_id, *_line_col(text, spans[0][0]), "DUP002",
                                     f"near-duplicate of {m['indexed']} (similarity {_ratio(m['similarity'])}{extra})",
                                     _digest("DUP002"), others=(m["indexed"],), content=content,
                                     others_content=("",), others_are_ids=True))
            seen: set[str] = set()
            for r in q.overlaps.itertuples(index=False):  # (duplicate pairs are not overlaps)
                if r.indexed in itself:
                    continue
                spans = block_spans(text)
                blocks = sorted(set(r.blocks))
                if _table_rows(text, q.params["short_block_words"])[blocks].all():
                    continue  # a template's rows in common: no shared story
                if not _paragraphs_enough(text, spans, blocks):
                    continue  # a template's recurring lines
                shared = sorted(normalize(text[slice(*spans[b])]) for b in blocks)
                fingerprint = _digest("DUP003", *shared)
                if fingerprint in seen:  # the same paragraphs, with another copy
                    continue
                seen.add(fingerprint)
                n = len(blocks)
                found.append(Finding(doc_id, *_line_col(text, spans[blocks[0]][0]), "DUP003",
                                     f"shares {n} paragraph{'s' if n != 1 else ''} with {r.indexed}", fingerprint,
                                     others=(r.indexed,), content=content, others_content=("",), shared=n,
                                     others_are_ids=True))
    return found, size, "index"


# ---------------------------------------------------------------------------
# Baseline
# ---------------------------------------------------------------------------


def _configured_baseline(configs: Iterable[Config]) -> Path | None:
    paths = {c.baseline for c in configs if c.baseline is not None}
    if len(paths) > 1:
        raise InputError("the files named belong to projects with different [tool.dedup] baselines; "
                         "check them separately or give --baseline")
    return paths.pop() if paths else None


#: the codes whose fingerprints version 1 made with the other file's path
_CHANGED_IN_V2 = ("DUP002", "DUP003")


def read_baseline(path: Path, document: dict | None = None) -> list[dict]:
    """The entries of a baseline file (``path`` relative to the file's directory, ``code``,
    ``fingerprint``; ``document``: the file, read already)."""
    version, entries = _read_baseline(path, document)
    if version == 1 and any(e["code"] in _CHANGED_IN_V2 for e in entries):
        warn(f"{os.fspath(path)}: a baseline of an older dedup, whose near-duplicate and shared-paragraph "
             f"entries no longer match; write it again (--write-baseline)")
    return entries


def _read_baseline_document(path: Path) -> Any:
    """A baseline file's JSON."""
    try:
        return json.loads(_read_text(os.fspath(path)))
    except json.JSONDecodeError as e:
        raise InputError(f"malformed baseline JSON: {e.msg} (column {e.colno})", os.fspath(path), e.lineno) from None


def _read_baseline(path: Path, data: Any = None) -> tuple[Any, list[dict]]:
    """The version and the entries of a baseline file (``data``: its JSON, read already)."""
    if data is None:
        data = _read_baseline_document(path)
    entries = data.get("findings") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
            isinstance(e, dict) and all(isinstance(e.get(k), str) for k in ("path", "code", "fingerprint"))
            for e in entries):
        raise InputError("not a dedup baseline (expected {\"findings\": [{\"path\", \"code\", \"fingerprint\", ...}]})",
                         os.fspath(path))
    return data.get("version"), entries


def _entry(f: Finding, base: Path) -> dict:
    """The baseline entry of finding ``f`` (paths relative to ``base``)."""
    entry = {"path": _baseline_key(f, base)[0], "line": f.line, "code": f.code, "message": f.message,
             "fingerprint": f.fingerprint}
    if f.others:
        entry["others"] = _others_of(f, base)
    if f.shared:
        entry["paragraphs"] = f.shared
    return entry


def _others_of(f: Finding, base: Path) -> list[str]:
    """The other files of finding ``f`` as a baseline names them: paths relative to
    ``base``, or an index's ids as they are."""
    return list(f.others) if f.others_are_ids else [_relative(os.path.abspath(o), base) for o in f.others]


def _baseline_key(finding: Finding, base: Path) -> tuple[str, str, str]:
    return _relative(os.path.abspath(finding.path), base), finding.code, finding.fingerprint


def _apply_baseline(found: list[Finding], path: Path) -> tuple[list[Finding], list[Finding]]:
    """Split findings into (new, accepted).

    An entry accepts one finding of its file (a paragraph repeated twice needs two), and
    a near-duplicate or shared paragraphs accepted in one file are accepted in the other
    file it names too, shared paragraphs while they are no more: it is one pair, and the
    original edited or checked later must not fail on it (a pre-commit user's review),
    while paragraphs copied later are new. A file renamed without edits keeps its
    entries, and its place in the others' (the baseline's ``contents``: a digest of each
    file's text when it was written, matched against the files checked now)."""
    base = path.resolve().parent
    document = _read_baseline_document(path)
    entries = read_baseline(path, document)
    contents = _contents(document)
    renamed = _renames(contents, found, base, {e["path"] for e in entries})
    entries = [dict(e, path=renamed.get(e["path"], e["path"]),
                    others=[renamed.get(o, o) for o in _others(e)])
               for e in entries]
    written = {renamed.get(k, k): v for k, v in contents.items()}
    accepted = Counter((e["path"], e["code"], e["fingerprint"]) for e in entries)
    # the files accepted as near-duplicates of each other, in groups (a pair accepted in
    # one file is accepted in the other too)
    group = _near_duplicate_groups(entries)
    # (file, other file) of each pair of shared paragraphs accepted, as seen from the other
    # file, with as many paragraphs as then (a typo fixed in one copy, or a near-matching
    # copy, is the same pair; more copied later are a finding: two code reviews)
    pairs: dict[tuple[str, str], int] = {}
    for e in entries:
        if e["code"] == "DUP003":
            for o in e["others"]:
                pairs[o, e["path"]] = max(pairs.get((o, e["path"]), 0), _paragraphs(e))
    new, old = [], []
    for f in found:
        key = _baseline_key(f, base)
        others = _others_of(f, base)
        if f.code == "DUP002":
            # a near-duplicate is accepted in a file whose text is the one accepted (another
            # copy coming, which it now matches best, does not bring it back), or while the
            # file it matches is of its accepted group (the file edited); not in a new file
            # at an accepted file's path (a new user's review: a deleted copy's path, used
            # again for a copy of another story, passed)
            if accepted[key] > 0 and f.content and written.get(key[0]) == f.content:
                accepted[key] -= 1
                old.append(f)
            elif key[0] in group and any(group.get(o) is group[key[0]] for o in others):
                old.append(f)
            else:
                new.append(f)
        elif accepted[key] > 0:
            accepted[key] -= 1
            old.append(f)
        elif f.code == "DUP003" and any(f.shared <= pairs.get((key[0], o), -1) for o in others):
            old.append(f)
        else:
            new.append(f)
    return new, old


def _near_duplicate_groups(entries: list[dict]) -> dict[str, set[str]]:
    """Each file named by the near-duplicate (DUP002) entries -> its group, the files
    joined to it by them (one set object a group)."""
    group: dict[str, set[str]] = {}
    for e in entries:
        if e["code"] != "DUP002":
            continue
        joined = {e["path"], *e["others"]}
        for file in list(joined):
            joined |= group.get(file, set())
        for file in joined:
            group[file] = joined
    return group


def _paragraphs(entry: dict) -> int:
    """How many paragraphs an entry's shared paragraphs were (0 where not said)."""
    n = entry.get("paragraphs")
    return n if isinstance(n, int) and not isinstance(n, bool) else 0


def _others(entry: dict) -> list[str]:
    """An entry's other files (none where a hand-edited baseline has no list of paths)."""
    others = entry.get("others")
    return [o for o in others if isinstance(o, str)] if isinstance(others, list) else []


def _contents(document: Any) -> dict[str, str]:
    """A baseline's ``contents`` (path -> digest of its text), but for what a hand edit
    made of another type."""
    contents = document.get("contents") if isinstance(document, dict) else None
    return {k: v for k, v in contents.items() if isinstance(k, str) and isinstance(v, str)} \
        if isinstance(contents, dict) else {}


def _renames(contents: dict[str, str], found: list[Finding], base: Path, own: set[str]) -> dict[str, str]:
    """Old path -> new path (relative to ``base``) of the files in a baseline's
    ``contents`` that are gone, whose text one file of ``found`` has now that has no
    entries of its ``own`` there (an exact copy of a renamed file, with its entries, is
    not the file; a file only named by another's entry may be: a code review had a
    renamed copy, named by the original's entry once it was written again, lose its own)."""
    now: dict[str, list[str]] = {}
    for rel, digest in _file_digests(found, base):
        if rel not in own and (base / rel).exists() and rel not in now.setdefault(digest, []):
            now[digest].append(rel)
    out = {}
    for old, digest in contents.items():
        if not (base / old).exists() and len(now.get(digest, [])) == 1:
            out[old] = now[digest][0]
    return out


def _file_digests(found: list[Finding], base: Path) -> Iterator[tuple[str, str]]:
    """``(path relative to base, digest of its text)`` of each file of ``found``, checked
    or named as another file, whose text was read (once a finding)."""
    for f in found:
        for file, digest in zip((f.path, *f.others), (f.content, *f.others_content)):
            if digest:
                yield _relative(os.path.abspath(file), base), digest


def _write_baseline(path: Path, found: list[Finding], checked: list[str], read: dict[str, str] | None = None) -> int:
    """Write the baseline of ``found`` (the findings of the files ``checked``) to
    ``path``, keeping its entries of other files; ``read`` is the text of every file of
    the corpus, by absolute path, when the corpus is known (the git-tracked files; None
    with an index or outside git, where a file gone may have been renamed to one not read)."""
    base = path.resolve().parent
    checked_rel = {_relative(p, base) for p in checked}
    old = _read_baseline_document(path) if path.exists() else {}
    version, kept = _read_baseline(path, old) if path.exists() else (None, [])
    # entries of other files kept; those of a file gone only while a file read now that the
    # baseline did not know has its text (renamed without edits, its findings follow it to
    # where its text is: a code review), and not when it was renamed to a file checked
    # now, whose entries are written now (a new user's review had a rename's pile up); a
    # file deleted, or renamed and edited, leaves (another new user's review: a deleted
    # copy's entries stayed for good)
    old_contents = _contents(old)
    renamed = _renames(old_contents, found, base, {e["path"] for e in kept})
    present = None if read is None else {_content_digest(text) for file, text in read.items()
                                         if _relative(file, base) not in old_contents}
    kept = [e for e in kept if e["path"] not in checked_rel and renamed.get(e["path"]) not in checked_rel
            and (present is None or (base / e["path"]).exists() or old_contents.get(e["path"]) in present)]
    if version == 1:
        # an older dedup's near-duplicate and shared-paragraph entries match nothing now;
        # carried into a version 2 file they would be silently dead
        stale = [e for e in kept if e["code"] in _CHANGED_IN_V2]
        if stale:
            kept = [e for e in kept if e["code"] not in _CHANGED_IN_V2]
            files = sorted({e["path"] for e in stale})
            warn(f"{os.fspath(path)}: dropped {len(stale)} entries of an older dedup for files not checked now "
                 f"({', '.join(files[:3])}{', ...' if len(files) > 3 else ''}); write the baseline for them again")
    entries = kept + [_entry(f, base) for f in found]
    entries.sort(key=lambda e: (e["path"], e.get("line", 0), e["code"], e["fingerprint"]))
    # each named file's text digest, to follow it when renamed (those of files not checked now
    # kept), and the text its near-duplicate was accepted for: that of a file not checked now
    # that has entries of its own is not taken from a finding that names it (a code review:
    # its stale entry was accepted for the text it has now)
    contents = {k: v for k, v in old_contents.items() if k not in checked_rel}
    own = {e["path"] for e in kept}
    contents.update((rel, digest) for rel, digest in _file_digests(found, base)
                    if rel in checked_rel or rel not in own or rel not in contents)
    named = {e["path"] for e in entries} | {o for e in entries for o in _others(e)}
    document = {"version": BASELINE_VERSION, "generated_by": "dedup check --write-baseline", "findings": entries,
                "contents": {k: contents[k] for k in sorted(contents) if k in named}}
    atomic_write(path, json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return len(found)


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def _line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line (``\\n`` only) and column (characters) of ``offset``."""
    return line_of(text, offset), offset - (text.rfind("\n", 0, offset) + 1) + 1


def _display(path: str) -> str:
    """A path as shown: relative to the working directory when below it, ``/``-separated."""
    try:
        rel = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        rel = path
    return rel.replace(os.sep, "/")


def _relative(path: str, base: Path) -> str:
    try:
        return os.path.relpath(path, base).replace(os.sep, "/")
    except ValueError:  # another drive (Windows): the path as it is
        return path.replace(os.sep, "/")


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:16]


def _ratio(x: float) -> str:
    """Two decimals, never rounding a near-copy up to ``1.00``."""
    s = f"{x:.2f}"
    return "0.99" if s == "1.00" and x < 1.0 else s


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
