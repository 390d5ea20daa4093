"""One block-level index for repeats, overlaps and boilerplate.

Every block gets a **type**: the hash of its normalised text, so two blocks of the
same type are exact repeats of each other (up to typography). Blocks with no words
(``---``, a lone bullet) have no type and are never findings.

Rules, with the reason for each default:

* **Short blocks** (fewer than ``short_block_words`` = 8 words: titles, bylines,
  one-line notes) match only when their normalised text is equal: one changed word in
  a six-word line changes its meaning. **Long blocks** also match when their words
  agree in order on at least ``block_threshold`` (0.8) of their length (difflib's
  ratio over the word sequences): a paragraph repeated with a typo fixed is still a
  repeat. Words rather than 5-grams, because one edit in a 30-word paragraph already
  breaks 5 of its 26 5-grams (Jaccard 0.68) but leaves 29 of its 30 words in place
  (0.97). Candidates come from LSH over word-set signatures and must first have a
  word-set Jaccard of at least ``block_threshold``; the sequence check then rejects
  paragraphs that only share their vocabulary.
* Blocks of fewer than ``min_block_words`` = 4 words are never repeats or overlap:
  page furniture such as "5 minutes ago" or "- Yahoo" legitimately appears several
  times on one page (seed article 004's "Related Articles" widget).
* **Boilerplate** is a block type found in documents of at least
  ``boilerplate_min_docs`` (3) different *groups*, where a group is a set of related
  documents (copies of one story, see ``scan.py``). Short blocks need one group
  fewer (but at least 2): "Related Articles" on two unrelated pages is site chrome.
  Counting groups instead of documents means that an article with four copies never
  turns its own paragraphs into boilerplate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np
import pandas as pd

from . import lsh
from .minhash import OnePermutationHashing
from .parallel import concat_parts
from .shingles import SetBatch, intersection_sizes, rank_in_runs, sequence_hashes, sorted_distinct
from .text import BlockTable, TokenizedBatch, _word_hash
from .tokens import BlockWords, TokenStore

_U64 = np.uint64
#: signature size and seed for block-level LSH (word sets of paragraphs)
BLOCK_NUM_PERM = 32
_BLOCK_SEED = 7
#: the values of a paragraph signature keep their low 8 bits (b-bit minwise hashing,
#: Li and Koenig 2010). The signatures only propose candidates, all of which are then
#: verified on their words, so a few more candidates is the only cost: two unequal
#: values agree by chance once in 256, which raises an estimate by (1 - J) / 256
#: (under 0.004), and a 5-value band of two unrelated paragraphs collides once in 2**40.
#: They were the largest array a scan keeps per document: 336 bytes a news article
#: instead of 1,343 as uint32.
BLOCK_SIGNATURE_DTYPE = np.uint8
#: near-matching paragraphs: candidate pairs whose signatures agree on less than
#: ``block_threshold`` minus this share of their values are dropped unread (16 of 32
#: values at 0.8). Of the 159,096 matching pairs of a million generated articles the
#: least agreed on 18 (one pair; 3 on 19, 8 on 20, 40 on 21), and a pair at Jaccard 0.8
#: agrees on fewer than 16 with probability 3e-5 (binomial; less given the 5-value band
#: it already shares). The chance candidates are what it drops: pairs of paragraphs
#: that only share common words agree on 13-15 values often enough that at 13 of 32 a
#: million articles had 321k candidates for 159k matches, and their words took 213k
#: documents to be tokenised again; at 16 of 32: 185k candidates. A margin, not a share
#: of the threshold: at lower thresholds the estimate spreads more (a share of 0.625
#: dropped 0.07-0.33 % of the pairs at exactly 0.6, and 0.3-0.6 % at 0.5).
NEAR_ESTIMATE_MARGIN = 0.3
#: difflib's ratio of two blocks costs the product of their lengths in words, and more
#: where their words come in another order. Past this product (two blocks of 1,000
#: words: a news paragraph has under 200, but a text without paragraph breaks is one
#: block) the Jaccard of their word sets, already at the threshold, stands in for it,
#: capped at the most the ratio could be: a one-line text of 600,000 words and its
#: first half took over 4 minutes
MAX_SEQUENCE_CELLS = 1_000_000


#: block, type and document numbers in a :class:`BlockIndex`: 32 bits (a million news
#: articles have ~10 million blocks; 64-bit numbers cost 200 MB more there), which bounds
#: one scan to 2**31 blocks (~150 million articles)
INDEX_DTYPE = np.int32


@dataclass
class BlockIndex:
    """Block types of a batch of documents (numbers are :data:`INDEX_DTYPE`).

    Attributes:
        block_type: type id of each block, -1 for a block without words.
        type_words: number of words of each type.
        type_first_block: the first block (global block number) of each type.
        occurrences: DataFrame ``doc, block, type`` of the first block of each type in
            each document, sorted by ``doc, block``.
    """

    block_type: np.ndarray
    type_words: np.ndarray
    type_first_block: np.ndarray
    occurrences: pd.DataFrame

    @property
    def n_types(self) -> int:
        return len(self.type_words)

    def content_blocks(self, boilerplate: np.ndarray) -> np.ndarray:
        """Mask over blocks: not of a type where ``boilerplate`` (a mask over types)."""
        keep = np.ones(len(self.block_type), dtype=bool)
        has_type = self.block_type >= 0
        keep[has_type] = ~boilerplate[self.block_type[has_type]]
        return keep


def headlines(index: BlockIndex, tb: BlockTable | TokenizedBatch, boilerplate: np.ndarray, story: np.ndarray
              ) -> np.ndarray:
    """Mask over blocks: a story's headline that other pages' link lists made boilerplate.

    A site's "Related Articles" and "Most read" lists carry the headlines of its other
    stories, so a headline found in enough of them is boilerplate, and cutting
    boilerplate would cut it from its own article too. Such a block opens its story:
    only boilerplate (the site's header) comes before it in its document and a block
    that is not boilerplate comes right after it. A type is taken as a headline where
    it opens the documents of one story (``story``: one number per document, equal for
    the documents of a cluster, such as their representative) and is a plain line of
    some other document; the site's
    last header line opens every page, so it is no headline.
    """
    bt = index.block_type
    n = len(bt)
    typed = np.flatnonzero(bt >= 0)
    bp = np.zeros(n, dtype=bool)
    bp[typed] = boilerplate[bt[typed]]
    doc = tb.block_doc
    # content blocks before each block, in its document
    content_before = np.concatenate(([0], np.cumsum((bt >= 0) & ~bp)))
    before = content_before[:n] - content_before[tb.doc_block_offsets[doc]]
    # the next block with words, in the same document
    nxt = np.full(n, -1, dtype=np.int64)
    same_doc = doc[typed[1:]] == doc[typed[:-1]]
    nxt[typed[:-1][same_doc]] = typed[1:][same_doc]
    opens = bp & (before == 0) & (nxt >= 0)
    opens[opens] = ~bp[nxt[opens]]
    if not opens.any():
        return opens
    at = np.flatnonzero(bp)
    frame = pd.DataFrame({"type": bt[at], "story": story[doc[at]], "opens": opens[at]})
    open_stories = frame[frame["opens"]].groupby("type")["story"].nunique()
    plain = frame[~frame["opens"]].groupby("type").size()
    one_story = np.zeros(index.n_types, dtype=bool)
    one_story[open_stories.index[open_stories.to_numpy() == 1].to_numpy()] = True
    elsewhere = np.zeros(index.n_types, dtype=bool)
    elsewhere[plain.index.to_numpy()] = True
    out = np.zeros(n, dtype=bool)
    out[at] = opens[at] & one_story[bt[at]] & elsewhere[bt[at]]
    return out


def build_index(tb: BlockTable | TokenizedBatch, type_hash: np.ndarray | None = None) -> BlockIndex:
    """Assign every block its type (``type_hash``: the hash of its word sequence, computed
    here from ``tb``'s words when not given; a :class:`BlockTable` has none, so needs it)."""
    words = tb.block_words
    if type_hash is None:
        type_hash = sequence_hashes(tb.word_hash, tb.word_offsets)
    from . import kernels

    # types numbered in order of first appearance (pandas.factorize's order), by a compiled
    # hash table a third the size of pandas' (530 MB at a million articles)
    block_type, type_first_block = kernels.factorize(np.asarray(type_hash, dtype=np.uint64), words > 0)
    type_words = words[type_first_block]
    # the first block of each (document, type), in block order: a compiled pass over each
    # document's blocks (pandas' drop_duplicates took 5.3 s for 10M blocks; a sort of packed
    # keys 0.3 s but 350 MB)
    first = np.flatnonzero(kernels.first_in_document(block_type, tb.doc_block_offsets)).astype(INDEX_DTYPE)
    occ = pd.DataFrame({"doc": tb.block_doc[first].astype(INDEX_DTYPE), "block": first, "type": block_type[first]})
    return BlockIndex(block_type, type_words, type_first_block, occ)


def type_occurrences(index: BlockIndex, keep_type: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(types, docs)``: each document's block types, one row per (document, type),
    in document order (only types where ``keep_type``). Plain arrays: a filtered copy of
    the ``occurrences`` DataFrame would add a 64-bit index (80 MB at a million articles)."""
    types, docs = index.occurrences["type"].to_numpy(), index.occurrences["doc"].to_numpy()
    if keep_type is None:
        return types, docs
    keep = keep_type[types]
    return types[keep], docs[keep]


def boilerplate_types(index: BlockIndex, doc_group: np.ndarray, min_groups: int, short_block_words: int,
                      store: TokenStore | None = None, n_groups: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask over types: found in documents of at least ``min_groups`` groups
    (one fewer, but at least 2, for types shorter than ``short_block_words`` words
    without figures).

    Site chrome is short and words ("Related Articles", "Sign in"), so two unrelated
    documents sharing such a line are enough. A short line with figures ("Shr nine cts
    vs seven cts", "Net 1,356,000 vs 1,041,000") is a fact that two reports of one event
    share even when too little else of them matches to group them: it needs as many
    groups as a paragraph (a wire story and its re-sent copy lost those lines to
    ``clean`` before). Which short types have figures is read from ``store`` (the words
    of their first blocks, only of the types this decides); without it, no type is taken
    to have any. ``n_groups``: :func:`groups_of_types` of ``doc_group``, if at hand."""
    n_groups = groups_of_types(index, doc_group) if n_groups is None else n_groups
    short = index.type_words < short_block_words
    need = np.where(short, max(2, min_groups - 1), min_groups)
    decided_by_figures = np.flatnonzero(short & (n_groups >= need) & (n_groups < min_groups))
    if store is not None and len(decided_by_figures):
        words = store.block_words(index.type_first_block[decided_by_figures])
        figures = np.add.reduceat(words.word_is_number, words.offsets[:-1]) > 0  # every type has words
        need[decided_by_figures[figures]] = min_groups
    return n_groups >= need


def groups_of_types(index: BlockIndex, doc_group: np.ndarray) -> np.ndarray:
    """The number of groups (``doc_group``, a label a document) each type is found in."""
    occ = index.occurrences
    # each distinct (type, group) once, as packed keys (group labels are below 2**31):
    # one sort, where pandas' drop_duplicates and groupby took 5-8 s at 10M occurrences
    group = np.asarray(doc_group, dtype=np.int64)[occ["doc"].to_numpy()]
    distinct = sorted_distinct((occ["type"].to_numpy().astype(np.int64) << 32) | group)
    return np.bincount(distinct >> 32, minlength=index.n_types)


#: a line with a figure that is boilerplate by its groups (:func:`boilerplate_types`) is
#: a fact of templated reports unless found in this many times as many groups
FIGURE_LINE_GROUPS = 2


def figure_lines(index: BlockIndex, types: np.ndarray, doc_group: np.ndarray, min_groups: int,
                 store: TokenStore, n_groups: np.ndarray | None = None) -> np.ndarray:
    """Mask over types: those of ``types`` (the boilerplate) that hold a figure and are
    found in fewer than :data:`FIGURE_LINE_GROUPS` x ``min_groups`` groups.

    Templated reports share a fact now and then: three companies' dividend notices the
    same record date ("Record February 27", "Payable March 27"), three days' money
    market reports the same forecast, a daily table its time ("1000 hrs cdt"). Found in
    enough unrelated documents, such a line is boilerplate by its groups, and ``clean``
    cut it: a notice lost its record date (a data engineer's review; 19 of the 21 such
    types of all of Reuters-21578 are in 3-5 groups). Like a table's lines
    (:func:`table_lines`) they are left out of every comparison, as they were, but are
    neither boilerplate nor cut. A site's chrome has a figure in its copyright line, a
    year: a line whose only figures are years (1900-2099) is no such fact. Other chrome
    with a figure (a footer's telephone number) on three to five pages of a site is kept
    so too. ``n_groups``: :func:`groups_of_types` of ``doc_group``, if at hand."""
    out = np.zeros(index.n_types, dtype=bool)
    n_groups = groups_of_types(index, doc_group) if n_groups is None else n_groups
    few = np.flatnonzero(types & (n_groups < FIGURE_LINE_GROUPS * min_groups))
    if len(few):
        words = store.block_words(index.type_first_block[few])
        few = few[np.add.reduceat(words.word_is_number, words.offsets[:-1]) > 0]  # every type has words
        facts = [not _years_only(t) for t in _block_texts(store, index.type_first_block[few])]
        out[few[np.array(facts, dtype=bool)]] = True
    return out


def title_lines(index: BlockIndex, types: np.ndarray, doc_group: np.ndarray, min_groups: int,
                n_groups: np.ndarray | None = None) -> np.ndarray:
    """Mask over types: those of ``types`` (the boilerplate) found in fewer than
    ``min_groups`` groups (short lines without figures, see :func:`boilerplate_types`)
    that open every document they are in (its first block with words: a rule line
    "* * *" may come first) and are found once in each: titles.

    Two write-ups of one event under one headline ("FUNARO SAYS CREDITORS WILLING TO
    HELP BRAZIL"), or two days' templated reports under theirs ("FED ADDS RESERVES VIA
    CUSTOMER REPURCHASES"), share too little else to be one group, and their headline was
    boilerplate: ``clean`` cut it from each (a data engineer's review: 15 of the first
    3,000 Reuters-21578 stories lost their first line so). Like a table's lines and
    facts (:func:`figure_lines`), they are left out of every comparison, as they were,
    but are neither boilerplate nor cut. A site's first line opens its pages, but of as
    many unrelated stories as its other chrome is in: it is boilerplate still from
    ``min_groups`` groups. ``n_groups``: :func:`groups_of_types` of ``doc_group``, if at hand."""
    n_groups = groups_of_types(index, doc_group) if n_groups is None else n_groups
    candidates = types & (n_groups < min_groups)
    if not candidates.any():
        return candidates
    occ = index.occurrences
    typ, doc = occ["type"].to_numpy(), occ["doc"].to_numpy()
    # the occurrences are sorted by document and block: a document's first row is its
    # first block with words (no sort: ten million rows at a million articles)
    first = np.concatenate(([True], doc[1:] != doc[:-1]))
    elsewhere = np.zeros(index.n_types, dtype=bool)
    elsewhere[typ[candidates[typ] & ~first]] = True
    # found again in a document (a title emitted twice by a scraper): a repeat, as before
    typed = index.block_type[index.block_type >= 0]
    elsewhere |= np.bincount(typed, minlength=index.n_types) > np.bincount(typ, minlength=index.n_types)
    return candidates & ~elsewhere


def _years_only(text: str) -> bool:
    """Whether the figures of ``text`` are all years and it has no number word:
    "Copyright 2025 ...", not "Record February 27" or "three-for-two"."""
    figures = re.findall(r"\d+", text)
    return bool(figures) and all(_YEAR.fullmatch(f) for f in figures) and not _NUMBER_WORD.search(text)


_YEAR = re.compile(r"(?:19|20)\d\d")
_NUMBER_WORD = re.compile(r"\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|hundred|"
                          r"thousand|million|billion|mln|bln)\b", re.IGNORECASE)


def _block_texts(store: TokenStore, blocks: np.ndarray) -> list[str]:
    """The texts of corpus blocks ``blocks``, read from their documents."""
    table = store.blocks
    distinct, at = np.unique(table.block_doc[blocks], return_inverse=True)
    documents = store.documents
    texts = documents.texts(distinct) if hasattr(documents, "texts") else \
        [documents[d].text for d in distinct.tolist()]
    return [texts[a][table.block_start[b]:table.block_end[b]] for a, b in zip(at.tolist(), blocks.tolist())]


#: a type found in enough groups to be boilerplate is judged a table's line from this
#: many of its documents at most (the first ones): its rows read there, no more
TABLE_LINE_SAMPLE = 5
#: ... and is one when, in most of them, it is in a run of at least this many table rows,
#: or is a short line without figures right above such a run. Wire tables run 3 rows
#: and more (a dividend's "Qtly div", "Pay" and "Record"; an earnings section's "Shr",
#: "Net", "Revs"); a site's section label above its dateline and "4 min read" is two
TABLE_RUN_ROWS = 3


def table_lines(index: BlockIndex, table: BlockTable, types: np.ndarray, short_block_words: int,
                store: TokenStore, doc_hash: np.ndarray | None = None) -> np.ndarray:
    """Mask over types: those of ``types`` (a mask over types, the boilerplate) that are
    a table's rows and section headers rather than site chrome.

    Wire services fill one template for many reports: earnings tables share their
    section headers ("Year", "Nine mths", "4th qtr") and dividend notices whole lines
    ("Qtly div 35 cts vs 35 cts prior"), in hundreds of unrelated documents. Cut as
    chrome, a table's full-year rows read as its quarter's. A type is such a line when,
    in most of :data:`TABLE_LINE_SAMPLE` of its documents (those of least ``doc_hash``,
    a hash of their normalised words, so that the order of the input does not matter
    but among documents of the same words; without it, the first ones), it is a table
    row (see
    :func:`table_rows`) in a run of :data:`TABLE_RUN_ROWS` rows, or a line of fewer than
    ``short_block_words`` words without figures right above such a run. Chrome is lines
    of words; its lines with a figure (a copyright line, a dateline) stand alone or two
    together."""
    out = np.zeros(index.n_types, dtype=bool)
    occ = index.occurrences
    if not types.any() or len(occ) == 0:
        return out
    t = occ["type"].to_numpy()
    sel = np.flatnonzero(types[t])
    # TABLE_LINE_SAMPLE occurrences of each type: of the documents of least hash, else the
    # first (occurrences are in document order)
    if doc_hash is None:
        order = sel[np.argsort(t[sel], kind="stable")]
    else:
        order = sel[np.lexsort((doc_hash[occ["doc"].to_numpy()[sel]], t[sel]))]
    sel = np.sort(order[rank_in_runs(t[order]) < TABLE_LINE_SAMPLE])
    t = t[sel]
    block = occ["block"].to_numpy()[sel].astype(np.int64)
    doc = occ["doc"].to_numpy()[sel].astype(np.int64)
    lo, hi = table.doc_block_offsets[doc], table.doc_block_offsets[doc + 1]
    reach = range(-(TABLE_RUN_ROWS - 1), TABLE_RUN_ROWS + 1)  # the blocks a run through this one can hold
    near = {k: block + k for k in reach if k}
    inside = {k: (b >= lo) & (b < hi) for k, b in near.items()}
    needed = sorted_distinct(np.concatenate([block] + [b[inside[k]] for k, b in near.items()]))
    row = table_rows(store.block_words(needed), table.block_words[needed], short_block_words)

    def is_row(b: np.ndarray, valid: np.ndarray | None = None) -> np.ndarray:
        at = np.searchsorted(needed, b).clip(max=len(needed) - 1)
        found = row[at] & (needed[at] == b)
        return found if valid is None else found & valid

    rows = {0: is_row(block), **{k: is_row(near[k], inside[k]) for k in near}}
    # a run of TABLE_RUN_ROWS rows through the block: one of the windows that hold it
    in_run = np.zeros(len(block), dtype=bool)
    for first in range(-(TABLE_RUN_ROWS - 1), 1):
        window = np.ones(len(block), dtype=bool)
        for k in range(first, first + TABLE_RUN_ROWS):
            window &= rows[k]
        in_run |= window
    header = ~rows[0] & (index.type_words[t] < short_block_words)
    for k in range(1, TABLE_RUN_ROWS + 1):
        header &= rows[k]
    votes = np.bincount(t, weights=in_run | header, minlength=index.n_types)
    seen = np.bincount(t, minlength=index.n_types)
    return votes > 0.5 * seen


def table_rows(words: BlockWords, n_words: np.ndarray, short_block_words: int) -> np.ndarray:
    """Which blocks are a **table row**: figures or table values (:data:`TABLE_VALUE_WORDS`)
    and fewer than ``short_block_words`` other words ("Avg shrs 2,332,397 vs 1,428,000",
    "Revs nil vs nil"); ``words`` are the blocks' words, ``n_words`` their counts."""
    return _rows(_table_values(words, len(n_words)), np.asarray(n_words, dtype=np.int64), short_block_words)


def _rows(n_values: np.ndarray, n_words: np.ndarray, short_block_words: int) -> np.ndarray:
    """Table rows by their counts of values (figures, table values) and of words."""
    return (n_values > 0) & (n_words - n_values < short_block_words)


def _table_values(words: BlockWords, n_blocks: int) -> np.ndarray:
    """How many figures and table values each of the ``n_blocks`` blocks of ``words`` has."""
    value = words.word_is_number | np.isin(words.word_hash, _table_value_hashes())
    owner = np.repeat(np.arange(n_blocks), np.diff(words.offsets))  # a block may have no words
    return np.bincount(owner, weights=value, minlength=n_blocks).astype(np.int64)


def long_block_signatures(tb: TokenizedBatch, short_block_words: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(blocks, signatures, set_sizes)``: the blocks of at least ``short_block_words``
    words, the ``BLOCK_NUM_PERM``-value signatures of their word sets, 8 bits a value
    (:data:`BLOCK_SIGNATURE_DTYPE`), and the sizes of those sets (uint16, larger sizes
    cut to 65,535). Per-document work, done in ``batch`` so that it runs in parallel."""
    from . import kernels

    blocks = np.flatnonzero(tb.block_words >= short_block_words)
    signer = OnePermutationHashing(BLOCK_NUM_PERM, _BLOCK_SEED)
    words = tb.word_hash.astype(np.uint32)  # the word sets that near_type_pairs verifies
    starts, ends = tb.word_offsets[blocks], tb.word_offsets[blocks + 1]
    # the word set's signature, from the words with their repeats (a repeat never changes a minimum)
    signatures = signer.sign_segments(words, starts, ends)
    # only the sets' sizes are kept (the prefilter's size ratio): counted, not sorted
    sizes = kernels.distinct_counts(words, starts, ends)
    return blocks, signatures.astype(BLOCK_SIGNATURE_DTYPE), np.minimum(sizes, 65_535).astype(np.uint16)


#: rows moved at a time when :func:`type_signatures` overwrites the signatures (2 MB)
_COMPACT_ROWS = 1 << 16


def type_signatures(index: BlockIndex, eligible: np.ndarray, signed: tuple[np.ndarray, np.ndarray, np.ndarray],
                    overwrite: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Of ``signed`` (``(blocks, signatures, set_sizes)`` of the long blocks, from
    :func:`long_block_signatures`), the rows of the first blocks of the ``eligible``
    types, in type order: all that :func:`near_type_pairs` reads, so the rest (repeats
    and copies of a paragraph) can be freed before it runs.

    With ``overwrite``, the rows are moved to the front of ``signed``'s own arrays, which
    the caller gives up, and views of them are returned: at a million articles copying
    them took 0.9 s (most of it faulting in ~200 MB of new pages, on top of the old
    ones), moving them 0.1 s."""
    signed_blocks, signatures, set_sizes = signed
    wanted = index.type_first_block[np.flatnonzero(eligible)]
    # types are numbered in order of their first blocks, so ``wanted`` ascends, as the
    # signed blocks do: marked in a mask, its rows are found in one pass (a binary
    # search each took twice as long: 0.63 against 0.32 s for 6 of 9 million blocks)
    is_wanted = np.zeros(len(index.block_type), dtype=bool)
    is_wanted[wanted] = True
    position = np.flatnonzero(is_wanted[signed_blocks])
    if len(position) != len(wanted):
        raise ValueError("type_signatures needs the signatures of every eligible type's first block")
    if not overwrite:
        return wanted, signatures[position], set_sizes[position]
    # row i comes from row position[i] >= i (both ascend): a chunk of rows is read whole
    # before it is written, and the rows it writes are below all that later chunks read
    for lo in range(0, len(position), _COMPACT_ROWS):
        hi = min(lo + _COMPACT_ROWS, len(position))
        signatures[lo:hi] = signatures[position[lo:hi]]
        set_sizes[lo:hi] = set_sizes[position[lo:hi]]
    return wanted, signatures[:len(position)], set_sizes[:len(position)]


def near_type_pairs(store: TokenStore, index: BlockIndex, eligible: np.ndarray, threshold: float,
                    signed: Sequence[np.ndarray],
                    min_figure_agreement: float = 0.9, jobs: int = 1) -> pd.DataFrame:
    """Pairs of distinct long types that match: their words agree in order on at least
    ``threshold`` of their length, and on their figures as documents must.

    Candidates come from LSH over the 32-value signatures of the types' first blocks
    (``signed``, their rows from :func:`type_signatures`). Their signatures must agree on
    at least ``threshold`` minus :data:`NEAR_ESTIMATE_MARGIN` (16 of 32 values at 0.8),
    which drops the pairs of paragraphs that only share common words before any
    text is looked at; the survivors must have word-set Jaccard of at least
    ``threshold`` and are then scored on their word sequences (words from ``store``).
    Like documents, two paragraphs that differ in their figures ("convertible at 54.55
    dlrs a share" / "at 40.50 dlrs") are different text: of the figures (counted with
    repeats) of the paragraph that has fewer, ``min_figure_agreement`` must occur in the
    other. Returns a DataFrame ``t1, t2, similarity`` (t1 < t2). With ``jobs > 1`` the
    LSH bands and the scoring run on that many threads (the same result).

    ``signed`` given as a list is emptied once the candidates are found, so that the
    signatures are freed before the words are read (~300 MB at a million articles).
    """
    types = np.flatnonzero(eligible)
    empty = pd.DataFrame({"t1": np.zeros(0, np.int64), "t2": np.zeros(0, np.int64), "similarity": np.zeros(0)})
    if len(types) < 2:
        return empty
    if len(signed[0]) != len(types):
        raise ValueError("near_type_pairs needs one signature row per eligible type (type_signatures)")
    _, sig, size = signed
    # candidates at a lower LSH threshold than the verification one: recall first
    b, r = lsh.optimal_params(max(0.5, threshold - 0.2), BLOCK_NUM_PERM)

    # pairs are tested as they are found: chance candidates (pairs of paragraphs sharing
    # common words) grow faster than the corpus, ~0.7M at 100,000 articles and ~44M at a
    # million, and only ~3 % of them agree enough to keep
    # rounded: a difference in floating point may fall a hair above k / 32 and ask for k + 1 values
    prefilter = lsh.Prefilter(sig, max(0.0, round(threshold - NEAR_ESTIMATE_MARGIN, 9)), size, threshold)
    cand = lsh.candidate_pairs(sig, b, r, prefilter=prefilter, jobs=jobs)
    del prefilter, sig, size
    if isinstance(signed, list):
        signed.clear()
    if len(cand) == 0:
        return empty
    involved, local = np.unique(cand, return_inverse=True)
    local = local.reshape(cand.shape)
    # the words of the involved types' first blocks (block i: type types[involved[i]])
    words = store.block_words(index.type_first_block[types[involved]])
    sets = SetBatch.from_segments(words.word_hash.astype(np.uint32), words.offsets, jobs)
    inter = intersection_sizes(sets, local[:, 0], sets, local[:, 1])
    union = sets.sizes[local[:, 0]] + sets.sizes[local[:, 1]] - inter
    keep = inter >= threshold * union
    cand, local = cand[keep], local[keep]
    jaccard = inter[keep] / np.maximum(union[keep], 1)
    # word sets ignore order: score the survivors on their word sequences (compiled
    # loops), but for blocks too long for it (MAX_SEQUENCE_CELLS)
    from . import kernels

    a, b = local[:, 0], local[:, 1]
    wo = words.offsets

    def score(lo: int, hi: int) -> np.ndarray:
        pa, pb = a[lo:hi], b[lo:hi]
        la, lb = wo[pa + 1] - wo[pa], wo[pb + 1] - wo[pb]
        too_long = la * lb > MAX_SEQUENCE_CELLS
        sim = kernels.sequence_ratios(words.word_hash, wo[pa], np.where(too_long, wo[pa], wo[pa + 1]),
                                      wo[pb], np.where(too_long, wo[pb], wo[pb + 1]))
        # no more than the ratio could be (2 min / (la + lb)): word sets ignore length, so a
        # block and itself written twice have Jaccard 1.0 but a ratio of at most 0.67
        bound = 2.0 * np.minimum(la, lb) / np.maximum(la + lb, 1)
        sim = np.where(too_long, np.minimum(jaccard[lo:hi], bound), sim)
        figures = kernels.figure_agreements(words.word_hash, words.word_is_number, wo[pa], wo[pa + 1],
                                            wo[pb], wo[pb + 1])
        return np.where(figures >= min_figure_agreement, sim, -1.0)  # -1: the figures differ

    sim = concat_parts(score, len(a), jobs)
    ok = sim >= threshold
    return pd.DataFrame({"t1": types[cand[ok, 0]], "t2": types[cand[ok, 1]], "similarity": sim[ok]})


def occurrences_of(index: BlockIndex, near: pd.DataFrame, keep_type: np.ndarray | None = None) -> pd.DataFrame:
    """The occurrences (``doc, block, type``) of the types of the pairs in ``near``
    (only those where ``keep_type``, a mask over types, if given): the few rows that a
    join with near-matching pairs needs, instead of all (pandas' join of ten million
    occurrences took over a gigabyte)."""
    wanted = np.zeros(index.n_types, dtype=bool)
    wanted[near["t1"].to_numpy()] = True
    wanted[near["t2"].to_numpy()] = True
    if keep_type is not None:
        wanted &= keep_type
    occ = index.occurrences
    return occ[wanted[occ["type"].to_numpy()]]


def repeats(tb: BlockTable | TokenizedBatch, index: BlockIndex, countable: np.ndarray,
            near: pd.DataFrame, short_block_words: int = 0, store: TokenStore | None = None) -> pd.DataFrame:
    """Blocks that repeat an earlier block of the same document.

    An exact repeat points at the first block of its type in the document
    (similarity 1.0). A block that is the first of its type may still be a near
    repeat of an earlier block whose type near-matches it; it then points at the
    earliest such block, with the exact word-set Jaccard as similarity.

    A table's row (figures, and fewer than ``short_block_words`` other words) is a
    repeat only as a scraper repeats it: right after the block it repeats, or in a run
    of blocks emitted again in order with prose (a title emitted again with its lead).
    Found again on its own, or with other table rows only, it is a row or header found
    in each section of a table ("Avg shrs 9.2 mln vs 9.1 mln" in an earnings table's
    quarter and year, "FOURTH QTR 1986 JANUARY 1987"), not text emitted twice: 12 of the
    23 repeats of the first 5,000 Reuters-21578 stories were such lines, and ``dedup
    clean`` cut them (:func:`_as_scraper_repeats`). A line without figures (a headline
    again at the foot of the page) is a repeat wherever it is found again.

    Args:
        countable: mask over types that may be findings (long enough, not boilerplate).
        near: near-matching type pairs from :func:`near_type_pairs`.
        short_block_words: see above; 0 (the default) takes every repeat.
        store: the words of the blocks, to count their figures; without it every block
            under ``short_block_words`` words is taken for a table's row.

    Returns:
        DataFrame ``doc_index, block, repeat_of, similarity`` (global block numbers).
    """
    bt = index.block_type
    occ = index.occurrences
    occ_block = occ["block"].to_numpy()
    # a block that is not its type's first in its document repeats that first block
    later = np.ones(len(bt), dtype=bool)
    later[occ_block] = False
    later = np.flatnonzero(later & (bt >= 0))
    later = later[countable[bt[later]]]
    doc = tb.block_doc[later].astype(np.int64)
    # its first block, looked up among the occurrences of the documents with repeats only
    # (a sort of all ten million blocks of a million articles took 1.5 GB)
    has_repeat = np.zeros(tb.n_docs, dtype=bool)
    has_repeat[doc] = True
    occ_doc = occ["doc"].to_numpy()
    rows = np.flatnonzero(has_repeat[occ_doc])
    row_key = (occ_doc[rows].astype(np.int64) << 32) | occ["type"].to_numpy()[rows]
    order = np.argsort(row_key, kind="stable")
    at = order[np.searchsorted(row_key, (doc << 32) | bt[later], sorter=order)]
    parts = [pd.DataFrame({"doc": doc, "block": later, "repeat_of": occ_block[rows[at]].astype(np.int64),
                           "similarity": 1.0})]
    if len(near):
        occ = occurrences_of(index, near, countable)
        both = pd.concat([near, near.rename(columns={"t1": "t2", "t2": "t1"})], ignore_index=True)
        m = occ.merge(both, left_on="type", right_on="t1").merge(
            occ, left_on=["doc", "t2"], right_on=["doc", "type"], suffixes=("", "_other")
        )
        m = m[m["block_other"] < m["block"]]
        # only first occurrences of a type can be near repeats (later ones are exact repeats)
        m = m.sort_values(["doc", "block", "block_other"]).drop_duplicates(["doc", "block"], keep="first")
        parts.append(m.rename(columns={"block_other": "repeat_of"})[["doc", "block", "repeat_of", "similarity"]])
    out = pd.concat(parts, ignore_index=True)
    out = out.sort_values(["doc", "block"]).drop_duplicates(["doc", "block"], keep="first")
    if short_block_words > 0 and len(out):
        out = out[_as_scraper_repeats(tb, bt, out["block"].to_numpy(), out["repeat_of"].to_numpy(),
                                      short_block_words, store)]
    return out.rename(columns={"doc": "doc_index"}).reset_index(drop=True)


#: words a wire table writes for a value without a digit ("Revs nil vs nil", "Imports X
#: X X X", "N/A"): like figures, they make a short line a table's row
TABLE_VALUE_WORDS = ("nil", "none", "unch", "x", "y", "n")


@lru_cache(maxsize=1)
def _table_value_hashes() -> np.ndarray:
    return np.array(sorted(int(_word_hash(w)) for w in TABLE_VALUE_WORDS), dtype=np.uint64)


def _as_scraper_repeats(tb: BlockTable | TokenizedBatch, bt: np.ndarray, block: np.ndarray, repeat_of: np.ndarray,
                        short_block_words: int, store: TokenStore | None) -> np.ndarray:
    """Mask over repeats ``block`` of ``repeat_of`` (global block numbers, one document
    each) that are text emitted twice, not a table's row found again.

    A **table row** has figures or table values (:data:`TABLE_VALUE_WORDS`) and fewer
    than ``short_block_words`` other words ("Avg shrs 2,332,397 vs 1,428,000", "Daily
    div 6.7 cts vs 6.7 cts prior", "Revs nil vs nil"; without ``store`` to read their
    words, every block under ``short_block_words`` words). It is a repeat only right
    after the block it repeats, or in a **run** that holds **prose** (a repeat with
    ``short_block_words`` other words): a stretch of blocks emitted again in order, at
    one distance from their first occurrences, each a repeat or of the type of the
    block that distance before it (a two-word byline between, say). A run is decided
    whole, so a page sent twice with a table of hundreds of rows is cut whole."""
    n_words = tb.block_words[block].astype(np.int64)
    if store is not None:
        words = store.block_words(block)  # every repeat has words
        n_values = _table_values(words, len(block))
    else:
        n_values = np.where(n_words < short_block_words, 1, 0)
    table_row = _rows(n_values, n_words, short_block_words)
    prose = n_words - n_values >= short_block_words
    keep = ~table_row | (block == repeat_of + 1)
    if keep.all():
        return keep
    doc = tb.block_doc[block].astype(np.int64)
    shift = (block - repeat_of).astype(np.int64)
    key = (doc << 32) | shift
    order = np.argsort(key, kind="stable")
    starts = np.flatnonzero(np.diff(key[order], prepend=-1))  # the rows of each (document, distance)
    for rows in np.split(order, starts[1:]):
        if keep[rows].all() or not prose[rows].any():
            continue  # nothing to decide, or no prose at this distance: rows of a table
        d, blocks = int(shift[rows[0]]), block[rows].astype(np.int64)
        lo, hi = int(blocks.min()), int(blocks.max())
        at = np.arange(lo, hi + 1)
        ok = bt[at] == bt[at - d]
        ok[blocks - lo] = True
        run = np.cumsum(~ok)[blocks - lo]  # the stretch of each row
        keep[rows[np.isin(run, run[prose[rows]])]] = True
    return keep


@dataclass
class SharedBlocks:
    """Every pair of matching blocks in two documents, before the clusters are known
    (:func:`shared_blocks`); :func:`overlaps` keeps those of documents in different
    clusters. Block numbers are global; ``content`` is each document's content length
    in characters (blocks that are not boilerplate)."""

    doc_a: np.ndarray
    block_a: np.ndarray
    doc_b: np.ndarray
    block_b: np.ndarray
    similarity: np.ndarray
    content: np.ndarray


def shared_blocks(tb: BlockTable | TokenizedBatch, index: BlockIndex, countable: np.ndarray, near: pd.DataFrame,
                  content_block: np.ndarray, max_docs: int = lsh.MAX_BUCKET) -> SharedBlocks:
    """The pairs of blocks that :func:`overlaps` reports, of every pair of documents:
    the part of it that needs no clusters, so that a scan finds them while the
    clusters are verified (with ``jobs > 1``; 60 of its 70 ms at 100,000 articles).
    Arguments as :func:`overlaps`'."""
    occ = index.occurrences
    types = occ["type"].to_numpy()
    # documents per countable type (a type occurs once per document in ``occurrences``);
    # only types in 2 to max_docs documents are joined, and only their rows are copied
    df = np.bincount(types[countable[types]], minlength=index.n_types)
    small = ((df >= 2) & (df <= max_docs) & countable)[types]
    types, doc, block = types[small], occ["doc"].to_numpy()[small], occ["block"].to_numpy()[small]
    del small
    # every pair of rows of one type (rows are in document order, so a's document is the
    # earlier), formed by the LSH bucketing loop instead of a pandas self-join (+0.6 GB)
    rows = lsh.pairs_sharing_key(types, np.arange(len(types)), max_bucket=max_docs, one_key_per_item=True)
    ra, rb = rows[:, 0], rows[:, 1]
    parts = [(doc[ra], block[ra], doc[rb], block[rb], np.ones(len(ra)))]
    del types, rows, ra, rb, doc, block
    if len(near):
        occ = occurrences_of(index, near, countable)
        both = pd.concat([near, near.rename(columns={"t1": "t2", "t2": "t1"})], ignore_index=True)
        m = occ.merge(both, left_on="type", right_on="t1").merge(occ, left_on="t2", right_on="type",
                                                                  suffixes=("_a", "_b"))
        m = m[m["doc_a"] < m["doc_b"]]
        parts.append(tuple(m[c].to_numpy() for c in ("doc_a", "block_a", "doc_b", "block_b", "similarity")))
    length = (tb.block_end - tb.block_start).astype(np.float64)
    content = np.bincount(tb.block_doc, weights=length * content_block, minlength=tb.n_docs)
    columns = [np.concatenate([p[k] for p in parts]) for k in range(5)]
    return SharedBlocks(*columns, content=content)


def overlaps(tb: BlockTable | TokenizedBatch, index: BlockIndex, countable: np.ndarray, near: pd.DataFrame,
             cluster: np.ndarray, content_block: np.ndarray, max_docs: int = lsh.MAX_BUCKET,
             shared: SharedBlocks | None = None) -> pd.DataFrame:
    """Pairs of documents, not in the same cluster, that share matching blocks.

    Shared blocks are blocks of the same countable type (similarity 1.0), or of two
    near-matching long types. A type found in more than ``max_docs`` documents is left
    out of the pairwise listing (its documents form O(k^2) pairs); such text is
    usually boilerplate, or a story copied so often that its copies form clusters.

    Coverage of a document is the share of its content characters (blocks that are not
    boilerplate) that the shared blocks make up.

    Args:
        shared: :func:`shared_blocks` of the same arguments, if already found.

    Returns:
        DataFrame ``a, b`` (document indexes, a < b), ``blocks`` (list of
        ``[block_a, block_b, similarity]`` with block numbers local to each document),
        ``a_coverage``, ``b_coverage``.
    """
    if shared is None:
        shared = shared_blocks(tb, index, countable, near, content_block, max_docs)
    # pairs of one cluster are no overlap (most exact pairs: copies of one story)
    ca, cb = cluster[shared.doc_a], cluster[shared.doc_b]
    apart = ~((ca == cb) & (ca >= 0))
    pairs = pd.DataFrame({"doc_a": shared.doc_a[apart], "block_a": shared.block_a[apart],
                          "doc_b": shared.doc_b[apart], "block_b": shared.block_b[apart],
                          "similarity": shared.similarity[apart]})
    del ca, cb, apart
    columns = ["a", "b", "blocks", "a_coverage", "b_coverage"]
    if len(pairs) == 0:
        return pd.DataFrame({c: [] for c in columns})
    # one match per block of a: the most similar, then the earliest
    pairs = pairs.sort_values(["doc_a", "doc_b", "block_a", "similarity", "block_b"],
                              ascending=[True, True, True, False, True])
    pairs = pairs.drop_duplicates(["doc_a", "doc_b", "block_a"], keep="first")
    da, db = pairs["doc_a"].to_numpy(), pairs["doc_b"].to_numpy()
    ba, bb = pairs["block_a"].to_numpy(), pairs["block_b"].to_numpy()
    content = shared.content
    new_pair = np.concatenate(([True], (da[1:] != da[:-1]) | (db[1:] != db[:-1])))
    group = np.cumsum(new_pair) - 1
    starts = np.flatnonzero(new_pair)
    def chars(blocks: np.ndarray) -> np.ndarray:
        return (tb.block_end[blocks] - tb.block_start[blocks]).astype(np.float64)

    # blocks of a are unique within a pair (one match each); blocks of b may repeat
    cover_a = np.bincount(group, weights=chars(ba))
    first_b = ~pd.DataFrame({"g": group, "b": bb}).duplicated().to_numpy()
    cover_b = np.bincount(group[first_b], weights=chars(bb[first_b]), minlength=len(starts))
    first_block = tb.doc_block_offsets[:-1]
    local = np.stack((ba - first_block[da], bb - first_block[db], pairs["similarity"].round(4).to_numpy()), axis=1)
    local_rows = local.tolist()
    bounds = np.append(starts, len(local_rows)).tolist()
    blocks = [[[int(x), int(y), s] for x, y, s in local_rows[lo:hi]] for lo, hi in zip(bounds[:-1], bounds[1:])]
    a, b = da[starts], db[starts]
    return pd.DataFrame({"a": a, "b": b, "blocks": blocks,
                         "a_coverage": cover_a / np.maximum(content[a], 1),
                         "b_coverage": cover_b / np.maximum(content[b], 1)}, columns=columns)
