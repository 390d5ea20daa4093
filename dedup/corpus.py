"""The documents of a scan, held compactly: texts go to a temporary file.

A scan reads its input once, but the report, ``clean`` and the stages that compare
documents need some texts again: the documents in candidate pairs, the blocks a
finding quotes. Held as :class:`~dedup.io.Document` objects, the texts were the
largest thing a scan kept (~3 KB of a news article's ~5.5 KB at 100,000 articles).
:class:`Corpus` keeps each document's id, file and line in memory (~80 bytes) and,
once the corpus is larger than ``spill_after`` documents, its text in an unnamed
temporary file (deleted by the operating system when closed, even if the process is
killed), from which ``corpus[i]`` and :meth:`Corpus.texts` read it back.

A corpus is a read-only sequence of documents after :meth:`Corpus.seal`; ``corpus[i]``
builds the :class:`~dedup.io.Document` again, equal to the one appended.
"""

from __future__ import annotations

import os
import tempfile
import threading
from array import array
from collections.abc import Sequence
from typing import Iterator, overload

import numpy as np

from .io import Document, DocumentBatch, check_ids_encode
from .spill import closed_with, spill_error
from .shingles import offsets_of
from .text import Utf8Texts

__all__ = ["Corpus", "SPILL_AFTER"]

#: documents held in memory before the texts go to a temporary file: one scan batch
#: (``batch.BATCH_DOCS``), so small corpora (and every test of a few articles) never
#: touch the disk, and a large one holds ~4 KB per document less
SPILL_AFTER = 4_096


class Corpus(Sequence):
    """The documents of one scan, in the order read.

    Args:
        spill_after: with more documents than this, texts are moved to a temporary file
            (``TMPDIR``) and read back on demand. 0: always; a large number: never;
            None: :data:`SPILL_AFTER`.
            The file costs one write of every text (~1 s per GB) and one read per text
            asked for again.

    Examples:
        >>> from dedup.io import documents_from_texts
        >>> corpus = Corpus(spill_after=0)
        >>> for doc in documents_from_texts(["first text", "second text"]):
        ...     corpus.append(doc)
        >>> corpus.seal()
        >>> corpus[1].text, len(corpus), corpus.spilled
        ('second text', 2, True)
    """

    def __init__(self, spill_after: int | None = None):
        self.spill_after = SPILL_AFTER if spill_after is None else spill_after
        self._ids: list[str] = []
        self._paths: list[str] = []          # distinct paths, in order of first use
        self._path_number: dict[str, int] = {}
        self._path_of = array("i")           # index into _paths, per document
        self._line = array("q")              # -1 for None
        self._records: list[dict | None] | None = None   # only once a document has one
        self._file = None
        self._offsets = array("q", [0])      # byte offsets of the texts, one after the other
        # UTF-8 not yet written to _file (until the corpus spills: every text so far)
        self._pending: list[np.ndarray] = []
        self._pending_bytes = 0
        self._sealed = False
        self._lock = threading.Lock()

    # -- building ---------------------------------------------------------------

    def append(self, doc: Document) -> None:
        """Add ``doc`` (its text is written out once the corpus spills)."""
        self.extend(DocumentBatch.of([doc]))

    def extend(self, docs: DocumentBatch | Sequence[Document]) -> None:
        """Add ``docs``, in order: :meth:`append` for a batch of documents, with a batch's
        Python overhead rather than one per document (the reader's time holds the GIL
        that ``--jobs`` threads need; 100,000 articles: 0.9 s one at a time). A
        :class:`~dedup.io.DocumentBatch`'s texts are written as the UTF-8 they are."""
        if not isinstance(docs, DocumentBatch):
            docs = DocumentBatch.of(docs)
        check_ids_encode(docs.ids, docs.paths, docs.lines)  # documents made in memory skip the readers' check
        # under the lock, texts first: another thread may be reading, and a document it
        # can count (len) has its text
        with self._lock:
            if self._sealed:
                raise RuntimeError("a sealed corpus cannot grow")
            self._write(docs.texts)
            n = len(self._ids)
            if self._file is None and n + len(docs) > self.spill_after:
                try:
                    self._file = closed_with(self, tempfile.TemporaryFile(prefix="dedup-texts-"))
                except OSError as err:
                    raise spill_error(err, "text") from err
                self._flush()
            for path in dict.fromkeys(docs.paths):
                if path not in self._path_number:
                    self._path_number[path] = len(self._paths)
                    self._paths.append(path)
            self._path_of.extend([self._path_number[path] for path in docs.paths])
            self._line.extend([-1 if line is None else line for line in docs.lines])
            if self._records is None and docs.records is not None:
                self._records = [None] * n
            if self._records is not None:
                self._records.extend(docs.records or [None] * len(docs))
            self._ids.extend(docs.ids)

    def _write(self, texts: Utf8Texts) -> None:
        data = texts.bytes()
        self._offsets.extend((texts.offsets[1:] - texts.offsets[0] + self._offsets[-1]).tolist())
        if self._file is None:
            data = data.copy()  # not a view that keeps the reader's whole buffer alive
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._file is not None and self._pending_bytes >= 1 << 22:
            self._flush()

    def _flush(self) -> None:
        if self._file is not None and self._pending:
            try:
                for data in self._pending:
                    self._file.write(data)
            except OSError as err:
                raise spill_error(err, "text") from err
            self._pending, self._pending_bytes = [], 0

    def seal(self) -> None:
        """Finish appending: texts still buffered are written, and reading may start
        (from any thread)."""
        with self._lock:
            if self._file is not None:
                self._flush()
                self._file.flush()
            self._sealed = True

    def close(self) -> None:
        """Delete the temporary file (the corpus can no longer give texts)."""
        if self._file is not None:
            self._file.close()

    # -- reading ----------------------------------------------------------------

    @property
    def spilled(self) -> bool:
        """Whether the texts are in a temporary file."""
        return self._file is not None

    @property
    def ids(self) -> list[str]:
        """Every document's id, in order."""
        return self._ids

    @property
    def paths(self) -> list[str]:
        """Every document's file (``"-"`` for stdin, ``"<memory>"`` for in-memory input)."""
        return [self._paths[k] for k in self._path_of]

    @property
    def lines(self) -> list[int | None]:
        """Every document's line or record number (None for a whole-file text)."""
        return [None if line < 0 else line for line in self._line]

    def text(self, i: int) -> str:
        """The text of document ``i``."""
        i = range(len(self._ids))[i]  # negative numbers, and IndexError
        with self._lock:
            start, end = self._offsets[i], self._offsets[i + 1]
            memory, fd = self._source()
        # "surrogatepass": a lone surrogate of a text made in memory comes back unchanged
        if memory is not None:
            return str(memory[start:end], "utf-8", "surrogatepass")
        return str(os.pread(fd, end - start, start), "utf-8", "surrogatepass")

    def texts(self, docs: Sequence[int] | np.ndarray) -> list[str]:
        """The texts of documents ``docs``, in that order."""
        return self.utf8(docs).to_list()

    def utf8(self, docs: Sequence[int] | np.ndarray, jobs: int = 1) -> Utf8Texts:
        """The texts of documents ``docs``, in that order, as UTF-8 (as they were added,
        not decoded). From the file, each is read straight into the array returned (no
        ``bytes`` made and joined); with ``jobs > 1``, runs of the documents on that many
        threads (a read lets go of the GIL)."""
        return Utf8Texts(*self._read(docs, jobs))

    def _read(self, docs: Sequence[int] | np.ndarray, jobs: int = 1) -> tuple[np.ndarray, np.ndarray]:
        """The UTF-8 of documents ``docs``, one after the other, and where each starts
        (offsets, one more than there are documents). A file is read with a
        ``pread`` a text, not mapped to memory: a mapped file counts the pages around
        every text it reads in resident memory (4,096 texts of 5.5 KB from a million
        articles' file: 730 MB resident for 22 MB read, the kernel mapping the pages
        around each; a million articles' scan peaked at 2,318 MiB against 1,894)."""
        from .parallel import in_parts

        docs = np.asarray(docs, dtype=np.int64).reshape(-1)
        with self._lock:  # the offsets and the file as they are: another thread may be adding
            n = len(self._offsets) - 1
            docs = np.where(docs < 0, docs + n, docs)  # negative numbers count from the end
            if len(docs) and not (0 <= docs.min() and docs.max() < n):
                bad = docs[(docs < 0) | (docs >= n)][0]
                raise IndexError(f"document {bad - n if bad < 0 else bad} is not in this corpus of {n}")
            offsets = np.frombuffer(self._offsets, dtype=np.int64)  # a view: the array cannot grow
            try:                                                   # while it lives
                starts, ends = offsets[docs], offsets[docs + 1]
            finally:
                del offsets
            memory, fd = self._source()
        bounds = offsets_of(ends - starts)
        out = np.empty(bounds[-1], dtype=np.uint8)
        starts_, bounds_ = starts.tolist(), bounds.tolist()

        def read(lo: int, hi: int) -> None:
            view = memoryview(out)
            for k in range(lo, hi):
                a, b, at = bounds_[k], bounds_[k + 1], starts_[k]
                if memory is not None:
                    out[a:b] = memory[at:at + b - a]
                    continue
                while a < b:  # a read may return less than asked
                    got = _read_into(fd, view[a:b], at)
                    if got <= 0:
                        raise OSError(f"the corpus's temporary file ended early (at byte {at})")
                    a, at = a + got, at + got

        in_parts(read, len(docs), jobs if memory is None else 1)
        return out, bounds

    def _source(self) -> tuple[np.ndarray | None, int | None]:
        """Where the texts are, with the lock held: ``(memory, None)``, every text in one
        array, or ``(None, fd)``, the file with every text added so far written to it."""
        if self._file is None:
            if len(self._pending) > 1:
                self._pending = [np.concatenate(self._pending)]
            return (self._pending[0] if self._pending else np.zeros(0, dtype=np.uint8)), None
        if not self._sealed:
            self._flush()
            self._file.flush()
        return None, self._file.fileno()

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, i: int) -> Document: ...

    @overload
    def __getitem__(self, i: slice) -> list[Document]: ...

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        i = range(len(self._ids))[i]  # negative numbers, and IndexError
        line = self._line[i]
        return Document(self._ids[i], self.text(i), self._paths[self._path_of[i]], None if line < 0 else line,
                        None if self._records is None else self._records[i])

    def __iter__(self) -> Iterator[Document]:
        for i in range(len(self._ids)):
            yield self[i]

    # -- pickling ---------------------------------------------------------------

    def __getstate__(self) -> dict:
        """The corpus with its texts in memory (a spilled corpus's read back from its
        file), without the lock and the file, neither of which can be pickled: a
        report can be pickled, copied or sent to another process."""
        texts, _ = self._read(np.arange(len(self._ids)))  # every text, one after the other
        with self._lock:
            state = {k: v for k, v in self.__dict__.items() if k not in ("_lock", "_file")}
        state["_pending"], state["_pending_bytes"] = [texts], len(texts)
        return state

    def __setstate__(self, state: dict) -> None:
        """A pickled corpus back: its texts spill again to a temporary file if it has
        more than ``spill_after`` documents."""
        self.__dict__.update(state)
        self._lock, self._file = threading.Lock(), None
        if len(self._ids) > self.spill_after:
            try:
                self._file = closed_with(self, tempfile.TemporaryFile(prefix="dedup-texts-"))
            except OSError as err:
                raise spill_error(err, "text") from err
            self._flush()
            self._file.flush()


def _read_into(fd: int, buffer: memoryview, offset: int) -> int:
    """Bytes of file ``fd`` from ``offset`` read into ``buffer`` (how many were read)."""
    if _PREADV is not None:
        return _PREADV(fd, [buffer], offset)
    data = os.pread(fd, len(buffer), offset)  # no preadv (Windows has neither)
    buffer[:len(data)] = data
    return len(data)


_PREADV = getattr(os, "preadv", None)
