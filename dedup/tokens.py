"""The words of a corpus's documents, tokenised again when a stage asks for them.

A scan reads every document once and keeps, of each, its block table
(:class:`~dedup.text.BlockTable`: where its blocks are and how many words each has),
its signatures and its block-type hashes. Its words (8-byte hashes, ~500 a news
article: ~4.5 KB) are dropped with the batch that computed them. The stages that
compare documents need the words of few of them: the documents in candidate pairs
(exact shingle sets) and those holding near-matching paragraphs. :class:`TokenStore`
gives those, tokenising their texts again. Tokenising is a function of one text, so
the blocks it finds are the ones the scan numbered; the store checks that they are.

At 100,000 generated news articles this keeps ~0.5 GB fewer words in memory and
skips their concatenation; ~15 % of the documents are tokenised a second time. A
corpus of one batch (``batch.BATCH_DOCS`` documents) keeps its tokens, and the store
slices them instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .corpus import Corpus
from .io import Document
from .parallel import in_parts
from .shingles import offsets_of, ragged_arange, sorted_distinct
from .text import BlockTable, TokenizedBatch, Utf8Texts, tokenize

__all__ = ["BlockWords", "TokenStore", "Tokens"]

#: documents tokenised at once by :meth:`TokenStore.block_words` (~5 KB of words each)
CHUNK_DOCS = 4_096


@dataclass
class Tokens:
    """The tokens of some documents of a corpus.

    Attributes:
        docs: the documents' numbers in the corpus, ascending.
        tokens: their blocks and words; document ``i`` of it is ``docs[i]``.
        blocks: the corpus block number of each block of ``tokens``.
    """

    docs: np.ndarray
    tokens: TokenizedBatch
    blocks: np.ndarray

    def take(self, local_docs: np.ndarray) -> "Tokens":
        """The tokens of documents ``docs[local_docs]``, in that order."""
        local_docs = np.asarray(local_docs, dtype=np.int64)
        dbo = self.tokens.doc_block_offsets
        blocks = ragged_arange(dbo[local_docs], dbo[local_docs + 1] - dbo[local_docs])
        return Tokens(self.docs[local_docs], self.tokens.take(local_docs), self.blocks[blocks])

    def local(self, blocks: np.ndarray) -> np.ndarray:
        """The block numbers in ``tokens`` of corpus blocks ``blocks`` (of documents in ``docs``)."""
        return np.searchsorted(self.blocks, np.asarray(blocks, dtype=np.int64))


@dataclass
class BlockWords:
    """The words of some blocks, and nothing else of their documents.

    Attributes:
        word_hash, word_is_number: the words, as in :class:`~dedup.text.TokenizedBatch`.
        offsets: block ``i``'s words are ``word_hash[offsets[i]:offsets[i+1]]``.
    """

    word_hash: np.ndarray
    word_is_number: np.ndarray
    offsets: np.ndarray


class TokenStore:
    """Tokens of any documents of a corpus, from their texts (or from ``tokens``, the
    whole corpus's, when the scan kept them).

    Args:
        documents: the corpus (a :class:`~dedup.corpus.Corpus` or any sequence of
            documents; only texts are read, and only of the documents asked for).
        blocks: the block table the scan made of every document.
        tokens: the whole corpus's tokens, when at hand.
        jobs: threads that tokenise (as in :func:`~dedup.text.tokenize`).
    """

    def __init__(self, documents: Sequence[Document] | Corpus, blocks: BlockTable, tokens: TokenizedBatch | None = None,
                 jobs: int = 1):
        self.documents = documents
        self.blocks = blocks
        self.jobs = jobs
        self._all = tokens

    def of(self, docs: np.ndarray) -> Tokens:
        """The tokens of documents ``docs`` (distinct, ascending)."""
        return self._of(docs, self.jobs)

    def _of(self, docs: np.ndarray, jobs: int) -> Tokens:
        docs = np.asarray(docs, dtype=np.int64)
        offsets = self.blocks.doc_block_offsets
        counts = np.diff(offsets)[docs]
        if self._all is not None:
            tokens = self._all.take(docs)
        else:
            tokens = tokenize(_texts(self.documents, docs, jobs), jobs)
            if not np.array_equal(np.diff(tokens.doc_block_offsets), counts):
                raise RuntimeError("a document's text changed during the scan (its blocks differ)")
        return Tokens(docs, tokens, ragged_arange(offsets[docs], counts))

    def block_words(self, blocks: np.ndarray) -> BlockWords:
        """The words of corpus blocks ``blocks`` (distinct, any order; block ``i`` of the
        result is ``blocks[i]``). Their documents are tokenised :data:`CHUNK_DOCS` at a
        time and only these blocks' words kept: comparing a few paragraphs of many
        documents holds the paragraphs, not the documents. With ``jobs > 1`` each thread
        takes a share of the documents, a chunk at a time, from reading their texts to
        copying their words out (threads inside one chunk's tokenising left its reading
        and joining to one core: at 100,000 articles, 0.27 s with two threads against
        0.33 s with one)."""
        blocks = np.asarray(blocks, dtype=np.int64)
        ascending = bool(np.all(blocks[1:] > blocks[:-1]))
        order = None if ascending else np.argsort(blocks, kind="stable")
        ordered = blocks if ascending else blocks[order]
        owner = self.blocks.block_doc[ordered]  # ascending, as the blocks are
        docs = sorted_distinct(owner)
        # the block table knows every block's words: the result is allocated once and
        # filled a chunk at a time (at a million articles the compared paragraphs hold
        # ~60M words, 540 MB; a list of chunks joined at the end held them twice)
        counts = self.blocks.block_words[ordered].astype(np.int64)
        offsets = offsets_of(counts)
        word_hash = np.empty(offsets[-1], dtype=np.uint64)
        is_number = np.empty(offsets[-1], dtype=bool)

        def fill(chunk: np.ndarray) -> None:
            words = self._of(chunk, 1)
            lo, hi = np.searchsorted(owner, chunk[0], side="left"), np.searchsorted(owner, chunk[-1], side="right")
            tb, local = words.tokens, words.local(ordered[lo:hi])
            taken = tb.word_positions(local)
            word_hash[offsets[lo]:offsets[hi]] = tb.word_hash[taken]
            is_number[offsets[lo]:offsets[hi]] = tb.word_is_number[taken]

        def fill_part(lo: int, hi: int) -> None:  # a thread's share, a chunk at a time
            for a in range(lo, hi, CHUNK_DOCS):
                fill(docs[a:min(a + CHUNK_DOCS, hi)])

        in_parts(fill_part, len(docs), self.jobs)
        if order is None:
            return BlockWords(word_hash, is_number, offsets)
        # back to the order asked for: block i is at ordered position rank[i]
        rank = np.empty_like(order)
        rank[order] = np.arange(len(order))
        taken = ragged_arange(offsets[rank], counts[rank])
        return BlockWords(word_hash[taken], is_number[taken], offsets_of(counts[rank]))

    def all(self) -> TokenizedBatch:
        """The tokens of every document (tokenised again, once, when the scan did not keep them)."""
        if self._all is None:
            self._all = self.of(np.arange(self.blocks.n_docs)).tokens
        return self._all


def _texts(documents: Sequence[Document] | Corpus, docs: np.ndarray, jobs: int) -> Utf8Texts | list[str]:
    if isinstance(documents, Corpus):
        return documents.utf8(docs, jobs)  # as written to its file: not decoded only to be encoded again
    return [documents[d].text for d in docs.tolist()]
