"""The scan pipeline: read -> blocks -> shingles -> signatures -> LSH -> verify -> group -> report.

:class:`Scanner` holds the parameters (scikit-learn style: the constructor stores
them, :meth:`Scanner.scan` does the work) and runs the stages of the other modules:

1. ``text.tokenize``: blocks, their spans and word hashes, a whole batch at once
   (``batch``); of a corpus of several batches only the block tables are kept, the
   texts go to a temporary file (``corpus``), and the words of the few documents the
   later stages compare are tokenised again from it (``tokens``).
2. ``blocks.build_index``: the type (normalised-text hash) of every block.
3. Document shingle sets (``shingles``) and signatures (``minhash``); LSH candidates
   (``lsh``), plus every pair of documents that share a block of at least
   ``min_block_words`` words. The second source finds what LSH at the Jaccard
   threshold cannot: a copy truncated to a third (Jaccard ~0.3, containment 1.0) or
   a copy wrapped in heavy site chrome still shares whole paragraphs with its original.
   A text without paragraph breaks shares no block with its truncated copy: documents
   with a block of ``LONG_LINE_WORDS`` are also paired on a sample of its 8-grams.
4. **Groups** of related documents: candidate pairs that are near-duplicates on their
   full text, or whose shared blocks cover at least ``group_coverage`` (half) of both
   documents' words, or that share three paragraphs of prose (``wrapped.PROSE_WORDS``
   words or more) covering half of the prose of the one with less. Copies of one story
   land in one group even when each carries another site's chrome, and so do pages
   that run a story's lead above news of their own.
5. **Boilerplate**: block types found in enough different groups (``blocks``).
6. Final verification on shingle sets without boilerplate blocks (``match``), then
   clusters and representatives (``cluster``). A pair whose shared blocks cover a
   third of both that fails it is verified once more on the span from its first shared
   block to its last, when one of the two has other text on both sides of that span: a
   short story on the pages of two sites seen once each, whose chrome is nobody's
   boilerplate (``wrapped``).
7. Repeats inside documents and overlap between documents not in the same cluster,
   from exact block types and near-matching long blocks (``blocks``).
"""

from __future__ import annotations

import dataclasses
import difflib
import gc
import itertools
import numbers
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np
import pandas as pd

from . import batch
from . import blocks as blk
from . import lsh, match
from .cluster import clusters as cluster_documents
from .cluster import components
from .corpus import Corpus
from .errors import ParameterError
from .io import MEMORY, Document, DocumentBatch, DocumentStream
from .memory import release_free_memory, reusing_freed_memory
from .match import is_near_duplicate, near_duplicate_rule, pair_stats, verification_sets
from .progress import Stages
from .shingles import SetBatch, intersection_sizes, ngram_hashes, sorted_distinct
from .spill import SpilledRows
from .text import BlockTable, TokenizedBatch, Utf8Texts
from .tokens import Tokens, TokenStore
from .wrapped import PROSE_WORDS, SPAN_MIN_COVER, span_copies


#: Pairs of documents that share blocks are verified only when the shared blocks make up
#: this share of the smaller document's words: a truncated or re-wrapped copy shares most
#: of its paragraphs, two articles of one site share a line of chrome. Copies whose every
#: paragraph was edited still come through LSH and near-matching paragraphs.
SHARED_MIN_COVER = 0.3
#: the tokens of the documents to verify are kept for both verification passes (with
#: and without boilerplate) when there are at most this many (~5 KB each: ~300 MB).
#: Above, the first pass tokenises them again a chunk at a time (~45 us a document),
#: which bounds memory (a million generated articles have ~200,000 to verify). Either
#: way the second pass builds only the sets of the documents that hold boilerplate
#: (2.6 % of 100,000 generated articles) and writes them over the first-pass sets,
#: which a large corpus keeps on disk meanwhile (held through the boilerplate stage
#: they took a million articles' peak from 2,030 to 2,101 MiB, over 2 GiB; on disk:
#: 1,944 MiB, and 165 s instead of 172 s)
KEEP_WORDS_DOCS = 65_536
#: texts without paragraph breaks: a block of at least LONG_LINE_WORDS words (news
#: paragraphs have under 200) is a whole text on one line, and its truncated copy or
#: teaser shares no block with it whole, and has a Jaccard under the threshold. Such
#: documents are also candidates when a sample of their word 8-grams (1 in
#: LONG_LINE_SAMPLE, chosen by hash, so the same in both) is at least half shared
#: by the one with fewer; verification then decides as for any pair. 5,000 generated
#: articles joined into one line each: 386 clusters without it, against 453 as written.
LONG_LINE_WORDS = 100
LONG_LINE_NGRAM = 8
LONG_LINE_SAMPLE = 8
LONG_LINE_MIN_SHARED = 0.5
#: tokenising them a chunk at a time, the chunks' freed words go back to the system
#: every this many chunks (and at the end): they are freed between the sets kept, and
#: the allocator cannot always reuse them. Every chunk (48 at a million articles) cost
#: 8.5 s of page faults, the pages handed back faulted in again by the next chunk;
#: never, only at the end, raised the peak from 1,918 to 2,257 MiB.
TRIM_EVERY_CHUNKS = 4
#: documents that share this many paragraphs of prose (``wrapped.PROSE_WORDS`` words
#: or more), covering half of the prose of the one with less, are related: a story's lead
#: run by other pages. Two are not enough: a site's cookie and newsletter notices are
#: two such paragraphs, and a short page of the site (a brief) related to every other
#: page through them made the site one group, its notices no boilerplate (a code review)
GROUP_PROSE_PARAGRAPHS = 3
#: a cluster is split on the figures of members joined through others at most this
#: many times (each pass is a clustering of every document); of one cluster, at most
#: this many members split off at once are compared with each other (half a million
#: pairs, ~0.2 s), so that one pass settles them
MAX_SPLIT_PASSES = 4
TORN_PAIRWISE_MAX = 1024
#: with jobs > 1, the near-matching paragraphs are found beside the other candidates
#: (one core each) in corpora of up to this many documents; in larger ones first, with
#: both cores, as with one thread: their arrays and the others' together took a
#: million articles' peak to 2,263-2,324 MiB; first, 1,938 MiB, and the candidates took
#: 13.1 s against 13.2 s
SIDE_NEAR_MAX_DOCS = 262_144


#: weights of LSH's two errors when its bands are chosen (``lsh.optimal_params``: the
#: chance candidates below the threshold, the pairs missed above it). Candidates are
#: verified exactly, so a chance one costs a verification, and a missed one is a lost
#: duplicate: copies that share no paragraph with their original (hard-wrapped at another
#: width, HTML entities, every paragraph edited) are found by LSH alone. With
#: datasketch's equal weights (10 bands of 12 rows at 0.78) a pair at J = 0.85 was a
#: candidate 78 % of the time and at the threshold 41 %, and ``benchmarks/quality.py``
#: found 0.80 of its hard-wrapped copies; at 1 : 9 (16 bands of 8 rows) 99.4 % and 90 %,
#: and 0.98 of them, precision unchanged (0.996); 100,000 generated articles took as long
#: (16 band keys a document instead of 10: 48 bytes more)
LSH_WEIGHTS = (0.1, 0.9)

#: the largest seed of each scheme: signatures become datasketch ``LeanMinHash`` objects,
#: which store the seed as a signed 64-bit integer; datasketch's permutations come from
#: numpy's ``RandomState(seed)``, which takes 32 bits
MAX_SEED = {"fast": 2**63 - 1, "datasketch": 2**32 - 1}


@dataclass(frozen=True)
class Params:
    """Every parameter of a scan, with the reason for its default.

    Attributes:
        threshold: Jaccard similarity of shingle sets at or above which two documents
            are near-duplicates. 0.78: copies with 3 % of their words edited land at
            J >= 0.80 (3-grams, measured on ``benchmarks/quality.py``), so 0.8 leaves no
            margin. Lower may be better and is not yet the default: the benchmark's F1 is
            0.991 at 0.6 and 0.7 (precision 0.993), and in all of Reuters-21578 0.7 adds
            15 pairs, 14 of them re-sends by reading (one is two days' rainfall tables).
        ngram: words per shingle. 3: on ``benchmarks/quality.py`` (5 labelled corpora of
            real Reuters articles and their copies) pairwise F1 is 0.987 (precision 0.996,
            recall 0.978); at threshold 0.8, 0.987 against 0.971 for 4-grams and 0.958 for 5-grams, which lose
            copies with 3 % of their words edited: each edit breaks n shingles, so a
            3 %-edited copy keeps ~0.97**n of them (J ~0.84 at n = 3, ~0.75 at n = 5).
            Figures, not short n-grams, keep templated reports apart.
        num_perm: signature length. 128: estimate error ~0.035 at J = 0.8.
        seed: seed of the signature hash functions, 0 to :data:`MAX_SEED` of the scheme
            (2**63 - 1 for ``fast``, 2**32 - 1 for ``datasketch``).
        scheme: ``fast`` (one-permutation hashing) or ``datasketch`` (bit-identical to
            ``datasketch.MinHash``, slower).
        containment: share of the smaller document's shingles found in the larger one
            that makes it a copy (a teaser, a truncated copy). 0.9 tolerates a few edits.
        min_shingles: the smaller document needs at least this many shingles for the
            containment rule, so a one-line text inside an article is not its duplicate.
        min_figure_agreement: share of the distinct figures of the document with fewer
            figures that must also occur in the other. 0.9: daily and monthly templated
            tables (Fed notices, crop estimates, reserve prices) agree on 0-0.89 of their
            figures from one day to the next; real re-issues of a story agree on 0.95-1.0
            (labelled Reuters sample). At 0.75 two USDA price tables merge (precision
            0.991 vs 0.996 at equal recall in ``benchmarks/quality.py``).
        block_threshold: word-set Jaccard at or above which two long blocks match.
        min_block_words: blocks shorter than this never count as repeats or overlap
            (page furniture like "5 minutes ago").
        short_block_words: blocks shorter than this match only when equal; blocks with
            figures and fewer other words are a table's rows, which repeat only right after
            the block they repeat or in a run emitted again with prose (:func:`blocks.repeats`).
        boilerplate_min_docs: a block is boilerplate when found in this many groups of
            related documents (one fewer, at least 2, for short blocks without figures:
            a short line with figures is a fact two reports of one event share).
        group_coverage: two documents are related (one group) when the blocks they share
            cover at least this share of both.
    """

    threshold: float = 0.78
    ngram: int = 3
    num_perm: int = 128
    seed: int = 1
    scheme: str = "fast"
    containment: float = 0.9
    min_shingles: int = 20
    min_figure_agreement: float = 0.9
    block_threshold: float = 0.8
    min_block_words: int = 4
    short_block_words: int = 8
    boilerplate_min_docs: int = 3
    group_coverage: float = 0.5

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # "0.8" or 2.5 for a count is a ParameterError, not a TypeError later
            value = getattr(self, f.name)
            if f.type == "int" and (isinstance(value, bool) or not isinstance(value, numbers.Integral)):
                raise ParameterError(f"{f.name} must be a whole number, not {value!r}")
            if f.type == "float" and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
                raise ParameterError(f"{f.name} must be a number, not {value!r}")
            if f.type == "str" and not isinstance(value, str):
                raise ParameterError(f"{f.name} must be a string, not {value!r}")
            if f.type in ("int", "float"):  # numpy's numbers as Python's (the report's JSON holds them)
                try:
                    object.__setattr__(self, f.name, int(value) if f.type == "int" else float(value))
                except OverflowError:  # 10**400 as a float
                    raise ParameterError(f"{f.name} is out of range") from None
        for name in ("threshold", "containment", "min_figure_agreement", "block_threshold", "group_coverage"):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:  # NaN too
                raise ParameterError(f"{name} must be between 0 and 1, not {value}")
        for name in ("ngram", "num_perm", "boilerplate_min_docs"):
            if getattr(self, name) < 1:
                raise ParameterError(f"{name} must be at least 1, not {getattr(self, name)}")
        for name in ("min_shingles", "min_block_words", "short_block_words"):
            if getattr(self, name) < 0:
                raise ParameterError(f"{name} must be 0 or more, not {getattr(self, name)}")
        if self.scheme not in ("fast", "datasketch"):
            raise ParameterError(f"scheme must be 'fast' or 'datasketch', not {self.scheme!r}")
        top = MAX_SEED[self.scheme]
        if not 0 <= self.seed <= top:
            raise ParameterError(f"seed must be between 0 and {top} (scheme {self.scheme!r}), not {self.seed}")

    @classmethod
    def of(cls, _also: tuple[str, ...] = ("jobs",), **params) -> "Params":
        """``Params(**params)``, with a :class:`ParameterError` naming an unknown parameter
        (and the one meant, when close: one of these or of ``_also``, the caller's own
        arguments) instead of Python's ``TypeError``. ``bands`` and ``rows``, which a
        report's ``params`` hold (:meth:`as_dict`), are taken when they are those that
        ``threshold`` and ``num_perm`` give, so that a report's parameters scan again
        (a notebook user's review: ``dedup.scan(texts, **report.params)`` failed)."""
        fields = [f.name for f in dataclasses.fields(cls)]
        known = fields + [name for name in _also if name not in fields]
        derived = {name: params.pop(name) for name in ("bands", "rows") if name in params}
        for name in params:
            if name not in fields:
                if name in known:  # the caller's own argument, given where parameters go
                    raise ParameterError(f"{name!r} is no parameter of a scan's (parameters: {', '.join(fields)})")
                close = difflib.get_close_matches(name, known, n=1)
                hint = f"; did you mean {close[0]!r}?" if close else f" (parameters: {', '.join(known)})"
                raise ParameterError(f"unknown parameter {name!r}{hint}")
        made = cls(**params)
        bands = dict(zip(("bands", "rows"), made.bands))
        if any(value != bands[name] for name, value in derived.items()):
            raise ParameterError(f"bands and rows follow from threshold and num_perm ({bands['bands']} x "
                                 f"{bands['rows']} here), not {' and '.join(f'{k} {v!r}' for k, v in derived.items())}; "
                                 "leave them out")
        return made

    @property
    def bands(self) -> tuple[int, int]:
        """LSH ``(b, r)`` for ``threshold`` and ``num_perm`` (datasketch's optimiser, with
        :data:`LSH_WEIGHTS`)."""
        return lsh.optimal_params(self.threshold, self.num_perm, LSH_WEIGHTS)

    def as_dict(self) -> dict:
        d = dataclasses.asdict(self)
        d["bands"], d["rows"] = self.bands
        return d


@dataclass
class ScanResult:
    """Everything a scan computed, as arrays indexed by document / global block number.

    ``boilerplate`` and ``template`` are masks over block types: site chrome found in
    enough unrelated documents, and the lines a template repeats in as many (a table's
    section headers and rows, :func:`blocks.table_lines`), which are text, not chrome.
    Both are left out of verification, repeats and overlap (:attr:`left_out`).

    ``documents`` holds every document (a sequence; a large corpus's texts are read
    back from a temporary file, see :mod:`dedup.corpus`); ``blocks`` is every
    document's block table; ``store`` gives the words of any
    documents (tokenised again from their texts, see :mod:`dedup.tokens`), and
    :attr:`tokens` those of all of them; :attr:`signatures` are read back from a
    temporary file for a corpus of more than one batch (``signature_rows``).
    """

    documents: Corpus
    params: Params
    blocks: BlockTable
    store: TokenStore
    index: blk.BlockIndex
    signature_rows: np.ndarray | SpilledRows
    empty: np.ndarray
    cluster: np.ndarray
    representative: np.ndarray
    member_stats: pd.DataFrame
    exact: np.ndarray
    boilerplate: np.ndarray
    repeats: pd.DataFrame
    overlaps: pd.DataFrame
    template: np.ndarray

    @property
    def left_out(self) -> np.ndarray:
        """Mask over block types left out of every comparison: the boilerplate and the
        template's lines (:attr:`template`)."""
        return self.boilerplate | self.template

    @property
    def tokens(self) -> TokenizedBatch:
        """Blocks and words of every document (tokenised again on first use for a corpus
        of more than one batch)."""
        return self.store.all()

    @property
    def signatures(self) -> np.ndarray:
        """``(documents, num_perm)`` uint32 MinHash signatures of the documents' shingle
        sets (of a corpus of several batches, read from disk at each call: 512 bytes a
        document at 128 permutations)."""
        rows = self.signature_rows
        return rows.read() if isinstance(rows, SpilledRows) else rows


class Scanner:
    """Find repeats, near-duplicate clusters, overlap and boilerplate in documents.

    Args:
        jobs: threads for the per-document work (tokenising, shingling, signing: about
            two thirds of a scan), the near-matching of paragraphs (its LSH bands and
            scoring split over the threads; beside the other candidates and the
            tokenising of their documents, up to :data:`SIDE_NEAR_MAX_DOCS` documents),
            the document LSH (beside the index of block types), the verification sets,
            the joining of the batches' results, the writing of a large scan's first sets
            to disk (beside the boilerplate), and the repeats and overlaps (beside the
            clusters); ``-1`` for all cores.
            Results do not depend on it. The per-document work of a corpus of one batch
            (``batch.BATCH_DOCS`` documents) runs in one thread.
        **params: any field of :class:`Params`.

    Examples:
        >>> from dedup.io import documents_from_texts
        >>> result = Scanner(threshold=0.8).scan(documents_from_texts(["a b c d e f", "a b c d e f"]))
        >>> result.cluster.tolist()
        [0, 0]
    """

    def __init__(self, jobs: int = 1, **params):
        self.jobs = check_jobs(jobs)
        self.params = Params.of(**params)

    def scan(self, documents: Iterable[Document | str]) -> ScanResult:
        """Scan ``documents`` (any iterable, read once: with ``jobs > 1`` reading overlaps
        with the per-document work of the batches already read); plain strings are
        documents with ids ``"0"``, ``"1"``, ... by position."""
        with scanning():
            return self._scan(documents)

    def _scan(self, documents: Iterable[Document]) -> ScanResult:
        docs = Corpus()
        feats = self._features(_text_batches(documents, docs))
        return self._compare_all(docs, feats)

    def _features(self, batches: Iterable[Utf8Texts]) -> batch.BatchFeatures:
        """The per-document work (:mod:`dedup.batch`) of ``batches`` of texts, joined in
        order: here, on ``jobs`` threads; an engine's subclass does it elsewhere
        (:class:`dedup.dask.DaskScanner`, on a Dask cluster). Its result may not depend
        on where or in what batches the work was done."""
        p = self.params
        return batch.compute_batches(batches, p.ngram, p.scheme, p.num_perm, p.seed, p.short_block_words, p.bands,
                                     self.jobs)

    def _compare_all(self, docs: Corpus, feats: batch.BatchFeatures) -> ScanResult:
        """Every stage after the per-document work, on ``docs`` (every document read) and
        their joined ``feats``."""
        docs.seal()
        n = len(docs)
        stages = Stages(f"scan {n:,} documents", ["signatures", "candidates", "boilerplate", "clusters", "findings"])
        stages("signatures")
        release_free_memory()
        # with jobs > 1, one thread beside this one runs the work that needs none of the
        # arrays made next: LSH candidates of the documents while the index of block
        # types is built, near-matching paragraphs while the other candidates are found
        # (and tokenised), repeats while the clusters are verified, overlaps while the
        # clusters' statistics are made (each a few percent of a scan, done on one core
        # otherwise)
        side = ThreadPoolExecutor(max_workers=1) if self.jobs != 1 and n > batch.BATCH_DOCS else None
        try:
            return self._compare(docs, feats, side, stages)
        finally:
            if side is not None:
                side.shutdown(wait=True)

    def _compare(self, docs: Corpus, feats: batch.BatchFeatures, side: ThreadPoolExecutor | None,
                 stages: Stages) -> ScanResult:
        """The stages after the per-document work (see the module's docstring), with
        ``side`` the thread beside this one, if any."""
        p, n = self.params, len(docs)
        table = feats.blocks
        store = TokenStore(docs, table, feats.tokens, batch.threads(self.jobs))
        doc_words = np.bincount(table.block_doc, weights=table.block_words, minlength=n).astype(np.int64)
        empty = doc_words == 0
        if side is not None:
            cand_future = side.submit(lsh.bucket_pairs, feats.band_keys, valid=~empty)
        index = blk.build_index(table, feats.type_hash)
        feats.type_hash = None  # types are numbered now (8 bytes a block)
        release_free_memory()
        countable_len = index.type_words >= p.min_block_words
        # documents holding near-matching long paragraphs (a copy with every paragraph edited);
        # independent of the two other sources, so with jobs > 1 it runs beside them
        eligible = countable_len & (index.type_words >= p.short_block_words)
        # with the signatures of the long blocks, given up here (see _near_types)
        near_args = (store, table, index, eligible, [feats.long_block_signatures, feats.long_block_set_sizes], p)
        feats.long_block_signatures = feats.long_block_set_sizes = None
        beside = side is not None and n <= SIDE_NEAR_MAX_DOCS
        if not beside:  # first, so that its peak does not sit on the arrays below
            near_all = _near_types(*near_args)
            release_free_memory()
        else:
            near_future = side.submit(_near_types, *near_args)
        del near_args  # the paragraph signatures go once the candidates are found
        cand = lsh.bucket_pairs(feats.band_keys, valid=~empty) if side is None else cand_future.result()
        cand_future = None  # it holds its result

        # documents sharing a block long enough to count
        occ_type, occ_doc = blk.type_occurrences(index, countable_len)
        shared = lsh.pairs_sharing_key(occ_type, occ_doc)
        type_sets = SetBatch.from_pairs(occ_type, occ_doc, n)  # each document's set of types
        weights = index.type_words.astype(np.float64)
        shared_words = intersection_sizes(type_sets, shared[:, 0], type_sets, shared[:, 1], weights=weights)
        own_words = np.bincount(occ_doc, weights=weights[occ_type], minlength=n)
        # and of prose: paragraphs of PROSE_WORDS words or more
        prose = np.where(index.type_words >= PROSE_WORDS, weights, 0.0)
        shared_prose = intersection_sizes(type_sets, shared[:, 0], type_sets, shared[:, 1], weights=prose)
        shared_paragraphs = intersection_sizes(type_sets, shared[:, 0], type_sets, shared[:, 1],
                                               weights=(prose > 0).astype(np.float64))
        own_prose = np.bincount(occ_doc, weights=prose[occ_type], minlength=n)
        del occ_type, occ_doc, type_sets
        own_a, own_b = own_words[shared[:, 0]], own_words[shared[:, 1]]
        # related by shared text: the shared blocks cover group_coverage of both documents,
        # or GROUP_PROSE_PARAGRAPHS paragraphs of prose or more cover group_coverage of the
        # prose of the one with less (a story's lead that other pages run above news of
        # their own)
        grouped = shared[(shared_words >= p.group_coverage * np.maximum(own_a, own_b))
                         | ((shared_paragraphs >= GROUP_PROSE_PARAGRAPHS)
                            & (shared_prose >= p.group_coverage
                               * np.minimum(own_prose[shared[:, 0]], own_prose[shared[:, 1]])))]
        del shared_prose, shared_paragraphs, own_prose
        # worth verifying again on the spans they share as two pages of one story, if
        # not near-duplicates (:mod:`dedup.wrapped`; an excerpt needs only ``shared``)
        spanned = shared[shared_words >= min(p.group_coverage, SPAN_MIN_COVER) * np.maximum(own_a, own_b)]
        # worth verifying: the shared blocks cover SHARED_MIN_COVER of the smaller document
        # (pairs that share only a line of site chrome are not)
        shared = shared[shared_words >= SHARED_MIN_COVER * np.maximum(np.minimum(own_a, own_b), 1)]
        early = early_words = None
        if beside:
            # while the thread beside finds the near-matching paragraphs, this one tokenises
            # the documents of the candidates so far: ~70 % of those to verify (100,000
            # articles, two threads: the wait for the paragraphs 0.58 s, then tokenising
            # all of them 0.53 s). At most half as many as the words kept for verification,
            # since they sit beside the paragraphs' peak (~5 KB a document: up to 160 MB;
            # at 100,000 articles the two-thread peak went from ~790 to ~850 MB)
            early = sorted_distinct(np.concatenate((cand, shared)))
            early_words = store.of(early) if len(early) <= KEEP_WORDS_DOCS // 2 else None
            near_all = near_future.result()
        cand = lsh.unique_pairs(np.concatenate((cand, shared, _near_doc_pairs(index, near_all),
                                                _long_line_pairs(store, table))))
        stages("candidates")
        release_free_memory()

        # exact sets, only for the documents in candidate pairs (``local`` numbers them)
        involved = sorted_distinct(cand)
        # their tokens (document i is involved[i]), kept for the two passes unless too many:
        # those tokenised early, then the others (each part ascending)
        words: list[Tokens] | None = None
        if len(involved) <= KEEP_WORDS_DOCS:
            if early_words is not None:
                rest = np.setdiff1d(involved, early, assume_unique=True)  # early are all involved
                involved = np.concatenate((early, rest))
                words = [early_words, store.of(rest)]
            else:
                words = [store.of(involved)]
        del early, early_words
        local = np.full(n, -1, dtype=np.int64)
        local[involved] = np.arange(len(involved))
        ca, cb = local[cand[:, 0]], local[cand[:, 1]]

        # groups of related documents, for boilerplate
        full_sets, figures_all = _verification_sets(store, involved, p.ngram, None, words, store.jobs)
        related = is_near_duplicate(pair_stats(full_sets, figures_all, ca, cb, store.jobs),
                                    p.threshold, p.containment, p.min_shingles, 0.0)
        if words is None:  # on disk beside the groups' arrays (held, a million articles took over 2 GiB);
            # with jobs > 1 written by the thread beside while the groups and boilerplate are
            # found (a million articles: 1.1 s of writing beside 0.8 s)
            if side is None:
                spilled, spilling = _spill_sets(full_sets, figures_all), None
            else:
                spilled, spilling = None, side.submit(_spill_sets, full_sets, figures_all)
            del full_sets, figures_all
        groups = components(n, np.concatenate((cand[related], grouped)))
        n_groups = blk.groups_of_types(index, groups)
        boilerplate = blk.boilerplate_types(index, groups, p.boilerplate_min_docs, p.short_block_words, store,
                                            n_groups)
        # the lines of templated reports, not chrome: a table's, facts a few share, and
        # headlines two groups share (those stay so only while boilerplate: see below)
        tables = blk.table_lines(index, table, boilerplate, p.short_block_words, store, feats.doc_hash)
        facts = blk.figure_lines(index, boilerplate, groups, p.boilerplate_min_docs, store, n_groups)
        titles = blk.title_lines(index, boilerplate, groups, p.boilerplate_min_docs, n_groups)
        del n_groups
        stages("boilerplate")
        release_free_memory()

        # final near-duplicate verification without boilerplate, the template's lines' figures
        # counted (left out, two quarters' dividend notices of one company, "Pay April 10"
        # and "Pay July 10", were the same text: an accuracy review found 3 in Reuters-21578)
        keep_block = index.content_blocks(boilerplate)
        keep_figures = index.content_blocks(boilerplate & ~_template(tables, facts, titles, boilerplate))
        countable = countable_len & ~boilerplate
        near = near_all[countable[near_all["t1"].to_numpy()] & countable[near_all["t2"].to_numpy()]]
        # with jobs > 1 the findings are found beside the clusters' verification: with
        # the words kept (up to ~KEEP_WORDS_DOCS documents to verify), the repeats and the
        # blocks shared by two documents beside the second pass's sets, then the overlaps
        # beside the clusters' statistics; else, the repeats after the second pass's sets
        # (their tokenising and the sets read back from disk are the peak), and the
        # overlaps whole once the clusters are known (at a million articles, two threads,
        # the shared blocks beside the wrapped copies raised the peak from ~1,970 to 2,130-2,180 MiB)
        repeats_args = (table, index, countable, near, p.short_block_words, store)
        early = side is not None and words is not None
        shared_future = None
        if early:
            reps_future = side.submit(blk.repeats, *repeats_args)
            shared_future = side.submit(blk.shared_blocks, table, index, countable, near, keep_block)
        # only the documents holding boilerplate have other sets without it (subsets of
        # their first ones, written over them; tokenised again unless their words are kept)
        touched = local[sorted_distinct(table.block_doc[~keep_block])]
        touched = np.sort(touched[touched >= 0])
        part = _verification_sets(store, involved[touched], p.ngram, keep_block, words, store.jobs, rows=touched,
                                  keep_figures=keep_figures)
        if words is None:  # read back once the tokenising is done, so its temporaries are not on top of them
            if spilling is not None:
                spilled, spilling = spilling.result(), None
            full_sets, figures_all = (_read_back_sets(*rows) for rows in spilled)
            del spilled
        clean_sets, figures = full_sets.shrink(touched, part[0]), figures_all.shrink(touched, part[1])
        if side is not None and not early:
            reps_future = side.submit(blk.repeats, *repeats_args)
        del full_sets, figures_all, part, words
        stats = pair_stats(clean_sets, figures, ca, cb, store.jobs)
        dup = is_near_duplicate(stats, p.threshold, p.containment, p.min_shingles, p.min_figure_agreement)
        to_span = _without(shared, cand[dup])
        wrapped, wrapped_stats = _wrapped_copies(store, table, index, countable, keep_block,
                                                 to_span, np.isin(lsh.pair_keys(to_span), lsh.pair_keys(spanned)), p)
        edges = np.concatenate((cand[dup], wrapped))
        strength = np.concatenate((np.maximum(stats.jaccard, stats.containment)[dup], wrapped_stats.max(axis=1, initial=0)))
        # pairs whose texts pass the rule but whose figures disagree: different news, which
        # no cluster may join through a teaser that both contain (:mod:`dedup.cluster`)
        # (not those found as one story in two pages' chrome, whose figures may be the chrome's)
        apart = _without(cand[is_near_duplicate(stats, p.threshold, p.containment, p.min_shingles, 0.0) & ~dup],
                         wrapped)
        overlaps_future = None
        for split in itertools.count(1):
            cluster, representative = cluster_documents(n, edges, doc_words, apart, strength)
            if side is not None:  # while the cluster members' statistics are made
                if overlaps_future is not None:  # of clusters since split
                    overlaps_future.cancel()
                overlaps_future = side.submit(_overlaps, shared_future, table, index, countable, near, cluster,
                                              keep_block)
            members = np.flatnonzero((cluster >= 0) & (representative != np.arange(n)))
            mstats = pair_stats(clean_sets, figures, local[representative[members]], local[members], store.jobs)
            # why each member is its representative's duplicate: the part of the rule the pair
            # passes, "span" for one story in two pages' chrome, else "" (through others)
            rule = near_duplicate_rule(mstats, p.threshold, p.containment, p.min_shingles, p.min_figure_agreement)
            member_stats = pd.DataFrame({"doc_index": members, "similarity": mstats.jaccard,
                                         "containment": mstats.containment, "rule": rule})
            if len(wrapped):  # a copy in other chrome: how alike the two are inside the chrome
                _use_span_stats(member_stats, representative, wrapped, wrapped_stats)
            # a member joined through others whose figures disagree with its representative's
            # is other news too: two templated reports that were no candidate pair, joined
            # by the first half of one, which the other contains
            # (unless a document at least as long as both is a near-duplicate of each:
            # :func:`~dedup.cluster.clusters` keeps such a pair together, and so it stays)
            torn = (member_stats["rule"].to_numpy() == "") & (mstats.figure_agreement < p.min_figure_agreement)
            # and the members torn off one representative whose figures disagree with each
            # other's, so that a teaser in many days' notices splits them in one pass, not
            # one a pass (a code review: 640 notices took 124 s); pairs a < b, as apart's are
            torn_pairs = lsh.unique_pairs(np.concatenate((
                np.stack((representative[members[torn]], members[torn]), axis=1),
                _torn_apart(members[torn], cluster, clean_sets, figures, local, p.min_figure_agreement, store.jobs))))
            torn_pairs = _without(torn_pairs, apart)
            if len(torn_pairs) == 0 or split == MAX_SPLIT_PASSES:
                break
            apart = np.concatenate((apart, torn_pairs))
        shared_future = None
        # a block whose documents are all one story once the clusters are known is no
        # boilerplate: the groups were made before the span, excerpt and containment rules
        # joined a teaser or a page in chrome to its article (an accuracy review: 33 of 40
        # stories' headlines were boilerplate, and clean cut them from the copy it kept)
        if boilerplate.any() and len(members):
            joined = components(n, np.concatenate((cand[related], grouped,
                                                   np.stack((representative[members], members), axis=1))))
            if joined.max() < groups.max():
                boilerplate = boilerplate & blk.boilerplate_types(index, joined, p.boilerplate_min_docs,
                                                                  p.short_block_words, store)
        member_stats.loc[member_stats["rule"] == "", "rule"] = "linked"
        # a fact's line that one story's copies alone hold is content again, as a headline is
        # (a code review: it stayed left out of every comparison)
        template = _template(tables, facts, titles, boilerplate)
        del clean_sets, figures, stats, mstats  # the shingle sets: ~2 KB a verified document
        doc_hash = feats.doc_hash
        exact = np.zeros(n, dtype=bool)
        exact[members] = doc_hash[members] == doc_hash[representative[members]]
        stages("clusters")
        release_free_memory()

        if side is None:
            reps = blk.repeats(*repeats_args)
            overlaps = blk.overlaps(table, index, countable, near, cluster, keep_block)
        else:
            reps, overlaps = reps_future.result(), overlaps_future.result()
            reps_future = overlaps_future = None  # each holds its result
        stages("findings")
        stages.close()
        return ScanResult(docs, p, table, store, index, feats.signatures, empty, cluster, representative, member_stats,
                          exact, boilerplate & ~template, reps, overlaps, template)


def _template(tables: np.ndarray, facts: np.ndarray, titles: np.ndarray, boilerplate: np.ndarray) -> np.ndarray:
    """Mask over types: a template's lines, text rather than chrome (see
    :attr:`ScanResult.template`): a table's, and facts and titles while ``boilerplate``."""
    return tables | ((facts | titles) & boilerplate)


def _near_types(store: TokenStore, table: BlockTable, index: blk.BlockIndex, eligible: np.ndarray,
                long_signed: list[np.ndarray], p: Params) -> pd.DataFrame:
    """:func:`blocks.near_type_pairs` of the ``eligible`` types, from ``long_signed``,
    the signatures and set sizes of every long block (``table``'s blocks of
    ``p.short_block_words`` words or more, in order), a list that is emptied (the
    caller gives the arrays up; they are freed once the candidates are found): only the
    types' first blocks' rows are needed, moved to the front of the arrays (the others,
    ~1/10, go with them after the LSH). One task, so that with jobs > 1 the thread
    beside does all of it (the moving alone was ~0.03 s of one core at 100,000 articles,
    with the other idle)."""
    long_blocks = np.flatnonzero(table.block_words >= p.short_block_words)
    signatures, set_sizes = long_signed
    long_signed.clear()
    signed = list(blk.type_signatures(index, eligible, (long_blocks, signatures, set_sizes), overwrite=True))
    del long_blocks, signatures, set_sizes
    return blk.near_type_pairs(store, index, eligible, p.block_threshold, signed, p.min_figure_agreement, store.jobs)


def _torn_apart(torn: np.ndarray, cluster: np.ndarray, sets: SetBatch, figures: SetBatch, local: np.ndarray,
                min_figure_agreement: float, jobs: int) -> np.ndarray:
    """The pairs of ``torn`` (members split off their representatives) in one cluster
    whose figures disagree, for clusters of at most :data:`TORN_PAIRWISE_MAX` of them."""
    if len(torn) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    order = np.argsort(cluster[torn], kind="stable")
    torn = torn[order]
    groups = np.split(torn, np.flatnonzero(np.diff(cluster[torn])) + 1)
    pairs = [np.stack((g[i], g[j]), axis=1) for g in groups if 2 <= len(g) <= TORN_PAIRWISE_MAX
             for i, j in [np.triu_indices(len(g), 1)]]
    if not pairs:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.concatenate(pairs)
    stats = pair_stats(sets, figures, local[pairs[:, 0]], local[pairs[:, 1]], jobs)
    return pairs[stats.figure_agreement < min_figure_agreement]


def _overlaps(shared: Future | None, *args) -> pd.DataFrame:
    """:func:`blocks.overlaps` of ``args``, with the shared blocks that ``shared`` found,
    if any (the thread beside finds them first: it runs its work in order)."""
    return blk.overlaps(*args, shared=None if shared is None else shared.result())


def _without(pairs: np.ndarray, drop: np.ndarray) -> np.ndarray:
    """The rows of ``pairs`` (``a < b``) that are not rows of ``drop``."""
    if len(pairs) == 0 or len(drop) == 0:
        return pairs
    return pairs[~np.isin(lsh.pair_keys(pairs), lsh.pair_keys(drop))]


def _wrapped_copies(store: TokenStore, table: BlockTable, index: blk.BlockIndex, countable: np.ndarray,
                    keep_block: np.ndarray, pairs: np.ndarray, wide: np.ndarray, p: Params
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of ``pairs`` (related by shared blocks, not near-duplicates) that are one
    story on two sites' pages, or an excerpt of the other in chrome (:mod:`dedup.wrapped`):
    :func:`~dedup.wrapped.span_copies` takes the pair on the spans from the first block
    they share (types where ``countable``) to the last, when one of the two has other
    text outside them. ``wide`` (one bool a pair): the shared blocks cover
    :data:`~dedup.wrapped.SPAN_MIN_COVER` of both.

    Returns:
        The pairs found, and the Jaccard and containment of their spans' shingle sets
        (one row a pair).
    """
    none = np.zeros((0, 2), dtype=np.int64), np.zeros((0, 2))
    if len(pairs) == 0:
        return none
    # the first and last block of each document of a pair that are of a type both hold
    occ = index.occurrences
    in_pairs = np.zeros(table.n_docs, dtype=bool)
    in_pairs[pairs] = True
    occ = occ[countable[occ["type"].to_numpy()] & in_pairs[occ["doc"].to_numpy()]]
    m = pd.DataFrame({"k": np.arange(len(pairs)), "a": pairs[:, 0], "b": pairs[:, 1]})
    m = m.merge(occ, left_on="a", right_on="doc")[["k", "b", "type", "block"]]
    m = m.merge(occ, left_on=["b", "type"], right_on=["doc", "type"], suffixes=("_a", "_b"))
    if len(m) == 0:  # what they shared is boilerplate
        return none
    # per pair k (ascending), the least and greatest shared block of each document:
    # columns 0 (document a) and 1 (document b)
    order = np.argsort(m["k"].to_numpy(), kind="stable")
    by_pair = m["k"].to_numpy()[order]
    starts = np.flatnonzero(np.concatenate(([True], by_pair[1:] != by_pair[:-1])))
    k = by_pair[starts]
    shared_blocks = m[["block_a", "block_b"]].to_numpy().astype(np.int64)[order]
    first = np.minimum.reduceat(shared_blocks, starts, axis=0)
    last = np.maximum.reduceat(shared_blocks, starts, axis=0)
    doc = pairs[k]
    dbo = table.doc_block_offsets
    cw = np.concatenate(([0], np.cumsum(table.block_words, dtype=np.int64)))
    before = cw[first] - cw[dbo[doc]]
    after = cw[dbo[doc + 1]] - cw[last + 1]
    # one of the two has other text outside what they share, before or after it (pages
    # of one site share what reaches both ends of each: the spans are the pages)
    outside = ((before > 0) | (after > 0)).any(axis=1)
    if not outside.any():
        return none
    kept_pairs = doc[outside].astype(np.int64)
    n_kept = len(kept_pairs)
    docs = kept_pairs.T.reshape(-1)
    distinct = sorted_distinct(docs)
    tokens = store.of(distinct).take(np.searchsorted(distinct, docs))  # document j, n_kept + j: pair j
    owner = np.repeat(np.arange(len(docs)), np.diff(tokens.tokens.doc_block_offsets))
    # the blocks each document shares with its partner
    j = np.full(len(pairs), -1, dtype=np.int64)
    j[k[outside]] = np.arange(n_kept)
    m = m[j[m["k"].to_numpy()] >= 0]
    pair_of = j[m["k"].to_numpy()]
    n_blocks = np.int64(len(table.block_doc))
    shared_keys = np.concatenate((pair_of * n_blocks + m["block_a"].to_numpy(np.int64),
                                  (n_kept + pair_of) * n_blocks + m["block_b"].to_numpy(np.int64)))
    shared = np.isin(owner * n_blocks + tokens.blocks, shared_keys)
    found, stats = span_copies(tokens.tokens, shared, keep_block[tokens.blocks], wide[k[outside]], p)
    return kept_pairs[found], np.stack((stats.jaccard[found], stats.containment[found]), axis=1)


def _use_span_stats(member_stats: pd.DataFrame, representative: np.ndarray, wrapped: np.ndarray,
                    stats: np.ndarray) -> None:
    """In ``member_stats``, the similarity and containment of the members that are a
    pair of ``wrapped`` with their representative: those of the spans (``stats``,
    columns Jaccard and containment), where higher; and their rule ``"span"`` where the
    pages pass no other."""
    members = member_stats["doc_index"].to_numpy()
    reps = representative[members]
    keys = lsh.pair_keys(np.stack((np.minimum(members, reps), np.maximum(members, reps)), axis=1))
    wrapped_keys = lsh.pair_keys(wrapped)
    order = np.argsort(wrapped_keys)
    at = np.searchsorted(wrapped_keys, keys, sorter=order).clip(max=len(order) - 1)
    found = wrapped_keys[order[at]] == keys
    rows, k = np.flatnonzero(found), order[at[found]]
    for column, values in (("similarity", stats[k, 0]), ("containment", stats[k, 1])):
        col = member_stats.columns.get_loc(column)
        member_stats.iloc[rows, col] = np.maximum(member_stats.iloc[rows, col].to_numpy(), values)
    col = member_stats.columns.get_loc("rule")
    unruled = rows[member_stats.iloc[rows, col].to_numpy() == ""]
    member_stats.iloc[unruled, col] = "span"


def check_jobs(jobs: int) -> int:
    """``jobs`` if it is a number of threads (1 or more, or -1 for all cores), else a
    :class:`ParameterError`."""
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not (jobs >= 1 or jobs == -1):
        raise ParameterError(f"jobs must be a number of threads (1 or more) or -1 for all cores, not {jobs!r}")
    return jobs


@contextmanager
def scanning() -> Iterator[None]:
    """How a scan runs, whatever its engine: Python's cycle collector paused, freed
    memory kept for the next batch (:func:`~dedup.memory.reusing_freed_memory`)."""
    with _cyclic_gc_paused(), reusing_freed_memory():
        yield


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector off for the length of a scan (reference counting still
    frees everything). A scan creates a few objects per document and no cycles, but each
    collection walks every object alive: with 100,000 documents held, collecting cost
    1.5 s of a 17 s scan, and with ``jobs > 1`` it holds the GIL that the worker
    threads need between their compiled loops (a 2-thread scan went from 17.5 to 13.9 s)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _verification_sets(store: TokenStore, docs: np.ndarray, ngram: int, keep_block: np.ndarray | None,
                       words: list[Tokens] | None, jobs: int = 1, rows: np.ndarray | None = None,
                       keep_figures: np.ndarray | None = None) -> tuple[SetBatch, SetBatch]:
    """Shingle and figure sets of documents ``docs`` from their blocks where
    ``keep_block`` (default: all; the figures where ``keep_figures``, if given): from
    ``words``, their tokens in parts (``docs`` are the parts' documents one part after
    the other, or those of them numbered ``rows``,
    ascending, if given), their chunks on ``jobs`` threads; or else (``docs`` ascending)
    tokenising ``match.SET_CHUNK_DOCS`` of them at a time (on ``jobs`` threads, see
    :class:`~dedup.tokens.TokenStore`), one chunk's sets at a time."""
    if words is not None:
        chunks: Iterable[tuple[Tokens, np.ndarray]] = _rows_of(words, rows)
    else:
        size = match.SET_CHUNK_DOCS
        chunks = ((store.of(docs[a:a + size]), np.arange(min(size, len(docs) - a))) for a in range(0, len(docs), size))
    figures: list[SetBatch] = []

    def shingles() -> Iterator[SetBatch]:
        # the shingle sets are joined as they come (the figure sets are ~1/20 of them)
        for number, (chunk, own) in enumerate(chunks, 1):
            keep = None if keep_block is None else keep_block[chunk.blocks]
            keep_fig = None if keep_figures is None else keep_figures[chunk.blocks]
            sets, figure = verification_sets(chunk.tokens, own, ngram, keep, jobs, keep_fig)
            figures.append(figure)
            yield sets
            sets = figure = None
            del chunk, keep
            if words is None and number % TRIM_EVERY_CHUNKS == 0:
                release_free_memory()

    shingle = SetBatch.concat(shingles())
    figure = SetBatch.concat(figures)
    if words is None:
        release_free_memory()
    return shingle, figure


def _rows_of(words: list[Tokens], rows: np.ndarray | None) -> Iterator[tuple[Tokens, np.ndarray]]:
    """Each part of ``words`` with the numbers in it of its documents that are rows
    ``rows`` (ascending; all if None) of the documents of ``words`` taken one part after
    the other: the sets are made from the tokens where they are, not from a copy."""
    base = 0
    for part in words:
        size = len(part.docs)
        yield part, (np.arange(size) if rows is None else rows[(rows >= base) & (rows < base + size)] - base)
        base += size


def _spill_sets(*batches: SetBatch) -> list[tuple[SpilledRows, SpilledRows]]:
    """``batches`` written to temporary files (their values and offsets), to read back
    with :func:`_read_back_sets`: the first pass's sets of a large corpus wait on disk
    while groups and boilerplate are found, rather than being built again (a million
    articles: ~200,000 documents tokenised again, ~15 s, against writing and reading
    ~0.5 GB)."""
    out = []
    for sets in batches:
        values, offsets = SpilledRows(sets.values.dtype, 1, "shingle set"), SpilledRows(np.int64, 1, "shingle set")
        values.append(sets.values)
        offsets.append(sets.offsets)
        out.append((values, offsets))
    return out


def _read_back_sets(values: SpilledRows, offsets: SpilledRows) -> SetBatch:
    """The sets :func:`_spill_sets` wrote (the files are deleted), in arrays of their
    own: :meth:`SetBatch.shrink` then cuts them in place, where it copied a view (a
    million articles: the scan's peak, 2,042 MiB, was that copy)."""
    sets = SetBatch(values=values.read(flat=True), offsets=offsets.read(flat=True))
    values.close()
    offsets.close()
    return sets


def _text_batches(documents: Iterable[Document], into: Corpus) -> Iterator[Utf8Texts]:
    """The texts of ``documents`` in batches of ``batch.BATCH_DOCS``, each batch's
    documents also added to ``into`` (:meth:`Corpus.extend`) as it is read. A
    :class:`~dedup.io.DocumentStream` (``iter_documents``) is taken a batch at a time,
    as the reader gives them (JSONL: texts that were never Python strings)."""
    if isinstance(documents, DocumentStream):
        batches: Iterable[DocumentBatch] = documents.batches(batch.BATCH_DOCS)
    else:
        documents = _unique_ids(_as_document(d, k) for k, d in enumerate(documents))
        lists = iter(lambda: list(itertools.islice(documents, batch.BATCH_DOCS)), [])
        batches = (DocumentBatch.of(docs) for docs in lists)
    for docs in batches:
        into.extend(docs)
        yield docs.texts


def _unique_ids(documents: Iterable[Document]) -> Iterator[Document]:
    """``documents``, a :class:`ParameterError` at the first id seen before (a file
    reader checks its own; documents made in memory, or strings beside them, may not)."""
    seen: set[str] = set()
    for doc in documents:
        if doc.id in seen:
            raise ParameterError(f"duplicate id {doc.id!r}: each document needs its own (a string given "
                                 f"alone has its position as id)")
        seen.add(doc.id)
        yield doc


def _as_document(item: Document | str, position: int) -> Document:
    """``item``, or the document of text ``item`` at ``position`` (id ``"0"``, ``"1"``, ...)."""
    if isinstance(item, Document):
        if not isinstance(item.id, str) or not isinstance(item.text, str):
            what, value = ("id", item.id) if not isinstance(item.id, str) else ("text", item.text)
            raise ParameterError(f"a Document's {what} must be a string, not {type(value).__name__} "
                                 f"(item {position}, id {item.id!r})")
        return item
    if isinstance(item, str):
        return Document(str(position), item, MEMORY, position + 1)
    raise ParameterError(f"a scan takes Documents or strings, not {type(item).__name__} (item {position})")


def _long_line_pairs(store: TokenStore, table: BlockTable) -> np.ndarray:
    """Pairs of documents with a block of :data:`LONG_LINE_WORDS` words or more whose
    sampled word 8-grams (of those blocks) are :data:`LONG_LINE_MIN_SHARED` shared by
    the one with fewer; none, at no cost, in a corpus written in paragraphs."""
    docs = sorted_distinct(table.block_doc[table.block_words >= LONG_LINE_WORDS]).astype(np.int64)
    if len(docs) < 2:
        return np.zeros((0, 2), dtype=np.int64)
    values, owners = [], []
    for lo in range(0, len(docs), match.SET_CHUNK_DOCS):  # tokenised again a chunk at a time
        chunk = store.of(docs[lo:lo + match.SET_CHUNK_DOCS])
        tb = chunk.tokens
        long_blocks = np.flatnonzero(tb.block_words >= LONG_LINE_WORDS)
        h, block = ngram_hashes(tb.word_hash, tb.word_offsets, LONG_LINE_NGRAM, long_blocks)
        sample = h % LONG_LINE_SAMPLE == 0
        values.append(h[sample])
        owners.append(lo + tb.block_doc[block[sample]])
        del chunk, tb
    values, owners = np.concatenate(values), np.concatenate(owners)
    sets = SetBatch.from_pairs(values, owners, len(docs))
    pairs = lsh.pairs_sharing_key(values, owners)
    inter = intersection_sizes(sets, pairs[:, 0], sets, pairs[:, 1])
    fewer = np.minimum(sets.sizes[pairs[:, 0]], sets.sizes[pairs[:, 1]])
    return docs[pairs[(inter >= LONG_LINE_MIN_SHARED * fewer) & (inter >= 2)]]


def _near_doc_pairs(index: blk.BlockIndex, near: pd.DataFrame) -> np.ndarray:
    """Document pairs holding the two types of a near-matching pair."""
    if len(near) == 0:
        return np.zeros((0, 2), dtype=np.int64)
    occ = blk.occurrences_of(index, near)[["doc", "type"]]
    m = near.merge(occ, left_on="t1", right_on="type").merge(occ, left_on="t2", right_on="type", suffixes=("_a", "_b"))
    return lsh.unique_pairs(m[["doc_a", "doc_b"]].to_numpy())
