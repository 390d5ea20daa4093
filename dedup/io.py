"""Reading documents from files, directories, stdin and DataFrames; writing results safely.

Every input becomes a :class:`Document`: an id, the text exactly as read, and where
it came from (file and line), so that any later error or report can point at it.

Supported inputs:

* a directory: every ``.txt`` / ``.md`` file below it (compressed ones too, ``.txt.gz``),
  one document per file, its id being the path relative to the directory (files of
  records beside them are not read, with a warning naming them);
* ``.jsonl`` / ``.ndjson``: one JSON object per line (a file is parsed by Arrow's JSON
  reader 16 MB at a time, with Python's ``json`` as the reference for anything Arrow
  reads differently, see :func:`_arrow_documents`; standard input line by line);
* ``.json``: a JSON array of objects;
* ``.csv``: one record per row, the first row naming the columns;
* ``.parquet``: one record per row;
* any other file (``.txt``, ``.md``, ...): one plain-text document, but for files of
  records in formats not read (``.tsv``, ``.xlsx``, ...: :data:`UNREAD_RECORD_EXTENSIONS`), an error;
* ``-``: JSONL read from standard input.

A file compressed with gzip, bzip2 or xz (``day.jsonl.gz``, ``a.csv.bz2``, ``a.txt.xz``) is
read as the file it holds, its format told by the suffix before the compression's, and
a file that starts with gzip's magic bytes is read as gzip whatever its name (see
:mod:`dedup.compression`); Parquet, which compresses its own pages, is not read so.

Text is decoded as strict UTF-8 (a leading BOM is dropped). Anything that cannot be
read raises :class:`~dedup.errors.InputError` naming the file and line, rather than
being skipped: a corpus silently missing documents would give wrong duplicate counts.

Writing goes through :func:`atomic_open`, so that an interrupted run never leaves a
half-written output file behind.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import math
import os
import re
import stat
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np

from .compression import compressed_output, compression_of, decompressed, without_compression
from .errors import DedupError, InputError, ParameterError, check_interrupted, committing, warn
from .text import LONE_SURROGATE, Utf8Texts

__all__ = [
    "Document",
    "DocumentBatch",
    "DocumentStream",
    "atomic_open",
    "atomic_write",
    "detect_format",
    "documents_from_texts",
    "iter_documents",
    "read_dataframe_documents",
    "read_documents",
]

MEMORY = "<memory>"
STDIN = "-"
TEXT_EXTENSIONS = (".txt", ".md")
FORMATS_BY_EXTENSION = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".csv": "csv",
    ".parquet": "parquet",
}
#: files of records in a format not read (tables, spreadsheets, columnar files): read as one
#: plain-text document, a day's TSV was one document whose rows ``clean`` cut as repeats
#: (a data engineer's review), so naming one is an error
UNREAD_RECORD_EXTENSIONS = (".tsv", ".tab", ".psv", ".xlsx", ".xls", ".ods", ".avro", ".orc", ".feather",
                            ".arrow", ".pkl", ".pickle")
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Document:
    """One document to deduplicate.

    Attributes:
        id: unique id of the document within one run.
        text: the text exactly as read (no normalisation; ``\\r\\n`` is kept).
        path: the file it came from; ``"-"`` for stdin, ``"<memory>"`` (the default)
            for in-memory input.
        line: the 1-based line of the file the record starts on (JSONL, CSV: the
            header is line 1), or its 1-based record number (JSON array, Parquet,
            in-memory input); ``None`` for a whole-file text document.
        record: every field of the record as read (JSONL, JSON, CSV, stdin), when
            reading with ``keep_records=True``; ``None`` otherwise. ``clean`` writes it
            back with only the text replaced. Not part of equality or hashing.
    """

    id: str
    text: str
    path: str = MEMORY
    line: int | None = None
    record: dict | None = field(default=None, compare=False, repr=False)


@dataclass
class DocumentBatch:
    """Consecutive documents as columns: how a scan takes its input, a batch at a time.

    A JSONL file's chunks come out of Arrow's reader in this form, their texts still
    the UTF-8 bytes Arrow parsed (:class:`~dedup.text.Utf8Texts`), so a scan of them
    makes no Python object per document; any other input is gathered from its
    :class:`Document` objects (:meth:`of`).

    Attributes:
        ids, paths, lines, records: as the :class:`Document` fields, one per document
            (``records`` None when no document has one).
        texts: the texts, as UTF-8.
    """

    ids: list[str]
    texts: Utf8Texts
    paths: list[str]
    lines: list[int | None]
    records: list[dict | None] | None = None

    @classmethod
    def of(cls, docs: Sequence[Document]) -> "DocumentBatch":
        """The batch of ``docs``."""
        records = [doc.record for doc in docs]
        return cls([doc.id for doc in docs], Utf8Texts.from_strings([doc.text for doc in docs]),
                   [doc.path for doc in docs], [doc.line for doc in docs],
                   records if any(r is not None for r in records) else None)

    @classmethod
    def concat(cls, parts: Sequence["DocumentBatch"]) -> "DocumentBatch":
        """``parts`` one after the other."""
        if len(parts) == 1:
            return parts[0]
        records = None
        if any(p.records is not None for p in parts):
            records = [r for p in parts for r in (p.records or [None] * len(p))]
        return cls([i for p in parts for i in p.ids], Utf8Texts.concat([p.texts for p in parts]),
                   [x for p in parts for x in p.paths], [x for p in parts for x in p.lines], records)

    def __len__(self) -> int:
        return len(self.ids)

    def slice(self, start: int, stop: int) -> "DocumentBatch":
        """Documents ``start:stop``."""
        return DocumentBatch(self.ids[start:stop], self.texts.slice(start, stop), self.paths[start:stop],
                             self.lines[start:stop], None if self.records is None else self.records[start:stop])

    def documents(self) -> list[Document]:
        """The documents, as :class:`Document` objects."""
        records = self.records or [None] * len(self)
        return [Document(*fields) for fields in zip(self.ids, self.texts.to_list(), self.paths, self.lines, records)]


class DocumentStream(Iterator[Document]):
    """The documents of :func:`iter_documents`, read as they are asked for: an iterator
    of :class:`Document`, which can also be taken a :class:`DocumentBatch` at a time
    (:meth:`batches`, as a scan does). Ids are checked for uniqueness either way.

    Args:
        items: documents, and batches of documents, in order.
        progress: a progress bar (tqdm's ``update(n)`` and ``close()``), told of the
            documents as they are read and closed when the last one is.
    """

    def __init__(self, items: Iterator[Document | DocumentBatch], progress: Any = None,
                 on_malformed: Callable[[InputError], None] | None = None):
        self._items = _closing(items, progress)
        self._progress = progress
        self._ids = IdCheck()
        self._on_malformed = on_malformed
        self._pending: list[Document] = []

    def __next__(self) -> Document:
        while not self._pending:
            item = self._read(next(self._items))
            self._pending = item.documents()[::-1] if isinstance(item, DocumentBatch) else [item] if item else []
        return self._pending.pop()

    def batches(self, size: int) -> Iterator[DocumentBatch]:
        """The documents not read yet, in batches of ``size`` (the last one smaller)."""
        parts: list[DocumentBatch] = []
        loose: list[Document] = self._pending[::-1]  # already checked
        self._pending = []
        count = len(loose)
        for item in itertools.chain(self._items, [None]):
            if item is not None:
                item = self._read(item)
                if item is None:  # a repeated id, skipped
                    continue
            if isinstance(item, Document):
                loose.append(item)
                count += 1
            elif item is not None:
                if loose:
                    parts.append(DocumentBatch.of(loose))
                    loose = []
                parts.append(item)
                count += len(item)
            while count >= size or (item is None and count):
                if loose:
                    parts.append(DocumentBatch.of(loose))
                    loose = []
                whole = DocumentBatch.concat(parts)
                cut = min(size, count)
                yield whole.slice(0, cut) if cut < len(whole) else whole
                parts = [whole.slice(cut, len(whole))] if cut < len(whole) else []
                count -= cut

    def _read(self, item: Document | DocumentBatch) -> Document | DocumentBatch | None:
        """``item`` once its ids are checked: without the documents whose id was seen
        before when those are skipped (``on_malformed``; None if nothing is left)."""
        if self._progress is not None:
            self._progress.update(1 if isinstance(item, Document) else len(item))
        if isinstance(item, Document):
            return None if self._ids.add([item.id], [item.path], [item.line], self._on_malformed) else item
        repeated = self._ids.add(item.ids, item.paths, item.lines, self._on_malformed)
        if not repeated:
            return item
        bounds = [-1] + repeated + [len(item)]
        parts = [item.slice(a + 1, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a + 1]
        return DocumentBatch.concat(parts) if parts else None


# ---------------------------------------------------------------------------
# Public reading API
# ---------------------------------------------------------------------------


def detect_format(path: str | os.PathLike) -> str:
    """Return how ``path`` will be read.

    One of ``"stdin"`` (the path ``-``), ``"dir"``, ``"jsonl"``, ``"json"``,
    ``"csv"``, ``"parquet"`` or ``"text"`` (any other extension). The extension
    is matched case-insensitively, after a compression suffix (``a.jsonl.gz`` is
    ``"jsonl"``, read decompressed: :func:`open_input`).
    """
    path = os.fsdecode(path)
    if path == STDIN:
        return "stdin"
    if os.path.isdir(path):
        return "dir"
    return FORMATS_BY_EXTENSION.get(_format_suffix(path), "text")


def _format_suffix(path: str) -> str:
    """The suffix of ``path`` that says its format, lower-cased: the one before a compression
    suffix (``.jsonl`` of ``a.JSONL.gz``), else its last."""
    return os.path.splitext(without_compression(path))[1].lower()


def _is_text_document(name: str) -> bool:
    """Whether a file named ``name`` in a directory is one of its documents: ``.txt`` or
    ``.md``, compressed or not."""
    return without_compression(name).lower().endswith(TEXT_EXTENSIONS)


def open_input(path: str) -> IO[bytes]:
    """Open the file ``path`` to read its content as bytes: decompressed when its name ends in
    ``.gz``, ``.bz2`` or ``.xz``, or when it starts with gzip's magic bytes (see
    :mod:`dedup.compression`); a plain file is the file itself, read as fast as ever.

    Raises:
        InputError: naming ``path``, if it cannot be opened; reading raises it on corrupt
            compressed data.
    """
    try:
        f = open(path, "rb")
    except OSError as e:
        raise InputError(_os_reason(e), path) from None
    return decompressed(f, path, compression_of(path))


#: the id field of record formats when none is named: records without it are numbered
DEFAULT_ID_FIELD = "id"


def iter_documents(
    paths: Sequence[str | os.PathLike] | str | os.PathLike,
    text_field: str = "text",
    id_field: str = DEFAULT_ID_FIELD,
    stdin: IO[bytes] | None = None,
    keep_records: bool = False,
    progress: Any = None,
    on_malformed: Callable[[InputError], None] | None = None,
) -> DocumentStream:
    """The documents of every path in turn, read as they are asked for, checking that
    ids are unique: an iterator of :class:`Document` (a scan takes it a
    :class:`DocumentBatch` at a time, see :class:`DocumentStream`).

    Args:
        paths: files, directories, or ``"-"`` for JSONL on standard input.
            A single path is accepted too.
        text_field: the field (or column) holding the text in record formats.
        id_field: the field (or column) holding the id in record formats. Records
            without the default ``"id"`` get their 0-based record number as id,
            prefixed with ``"{path}#"`` when several paths are given so that ids stay
            unique; any other field, being named on purpose, must be in every record
            (a misspelt name is an error, not ids made up). A
            directory's files have their paths below it as ids, prefixed with
            ``"{path}/"`` when several paths are given (two days' scrapes both hold
            ``001.txt``).
        stdin: binary stream read for ``"-"``; defaults to ``sys.stdin.buffer``.
        keep_records: keep each JSONL / JSON / CSV record's full field dict on
            :attr:`Document.record` (Parquet is rewritten from its table instead).
        progress: a progress bar (tqdm's ``update(n)`` and ``close()``), told of the
            documents as they are read and closed after the last one.
        on_malformed: called with the error of each record that is not a record with
            a text: a JSONL line (of a file or standard input) of malformed JSON or
            invalid UTF-8, a CSV row with more or fewer fields than the header or text
            after a closing quote, an element of a JSON array that is no object, any
            record without the text field or with a text or id of another type, or an
            id seen before (the first record with it stays; the same file given twice
            is still an error), or a directory's file of text in another encoding than
            UTF-8. The record is then skipped (its number still counted, so other
            records keep their ids) instead of the error being raised. A scraper killed mid-write
            leaves its last line cut; the rest of the day is still read. Errors of a
            whole file raise as before, and so does a CSV quoted field left open, which
            takes every later row into its text.

    Raises:
        InputError: on the first input that cannot be read, or on a duplicate id.
    """
    if isinstance(paths, (str, bytes, os.PathLike)):
        paths = [paths]
    paths = [os.fsdecode(p) for p in paths]
    given: dict[str, str] = {}
    for path in paths:
        real = os.path.realpath(path) if path != STDIN else None
        if real in given:  # its every document would be a duplicate id of itself
            first = given[real]
            raise ParameterError("given twice" + ("" if first == path else f" (also as {first})"), path)
        if real is not None:
            given[real] = path
    prefix_row_ids = len(paths) > 1
    items = (item for path in paths
             for item in _iter_path(path, text_field, id_field, stdin, prefix_row_ids, keep_records, on_malformed))
    return DocumentStream(items, progress, on_malformed)


def read_documents(
    paths: Sequence[str | os.PathLike] | str | os.PathLike,
    text_field: str = "text",
    id_field: str = DEFAULT_ID_FIELD,
    stdin: IO[bytes] | None = None,
    keep_records: bool = False,
    on_malformed: Callable[[InputError], None] | None = None,
) -> list[Document]:
    """Read all documents at once; see :func:`iter_documents`."""
    return list(iter_documents(paths, text_field=text_field, id_field=id_field, stdin=stdin,
                               keep_records=keep_records, on_malformed=on_malformed))


class SkippedLines:
    """An ``on_malformed`` for :func:`iter_documents`: keeps the errors of the records it
    is told of (``errors``), warns of the first :data:`SHOWN` (a file broken
    throughout would otherwise print a line each), and, at :meth:`close`, of how many
    there were when more."""

    SHOWN = 10

    def __init__(self) -> None:
        self.errors: list[InputError] = []

    def __call__(self, error: InputError) -> None:
        self.errors.append(error)
        if len(self.errors) <= self.SHOWN:
            kind = detect_format(error.path) if error.path is not None else "jsonl"
            what = {"text": "file", "json": "record", "parquet": "record"}.get(kind, "line")  # a directory's file
            warn(f"{error} ({what} skipped)")

    def close(self) -> None:
        if len(self.errors) > self.SHOWN:
            warn(f"{len(self.errors):,} malformed records or files skipped in all (the first {self.SHOWN} shown)")


@contextmanager
def skipping_malformed(skip: bool) -> Iterator[SkippedLines | None]:
    """A :class:`SkippedLines` to read with (``on_malformed``) if ``skip``, else None; its
    total is told when the block ends."""
    skipped = SkippedLines() if skip else None
    yield skipped
    if skipped is not None:
        skipped.close()


def read_dataframe_documents(df: Any, text: str = "text", id: str | None = None,
                             unique: bool = True) -> list[Document]:
    """Turn a pandas DataFrame into documents.

    Args:
        df: the DataFrame.
        text: the column holding the text; null values become ``""``.
        id: the column holding the ids; when ``None`` the DataFrame index is used.
            Ids are converted with ``str`` (a whole float as an integer: ``7.0`` is "7").
        unique: check that no id repeats (a part of a larger frame leaves that to the
            whole: :mod:`dedup.dask`).

    Returns documents with path ``"<memory>"`` and line the 1-based row position.
    """
    import pandas as pd

    columns = [str(c) for c in df.columns]
    if id is not None and id == text:
        raise InputError(f"text and id name the same column, {text!r}: the ids must be a column of their own "
                         "(or leave id out: the index gives the ids)", MEMORY)
    for column in (text, id):
        if column is not None and column not in df.columns:
            hint = ""
            if column == id and id in [str(n) for n in df.index.names if n is not None]:
                hint = "; it names the index, which gives the ids when id is left out"
            raise InputError(f"no column {column!r} (columns: {', '.join(columns)}){hint}", MEMORY)
        named = list(df.columns).count(column)
        if column is not None and named > 1:
            raise InputError(f"{named} columns are named {column!r}; rename all but one", MEMORY)
    ids = df.index if id is None else df[id]
    if id is None and not df.index.is_unique:  # pd.concat of two frames, say
        repeated = df.index[df.index.duplicated()][0]
        raise InputError(f"the DataFrame's index repeats {str(repeated)!r}, and the index gives the ids; pass id= a "
                         "column of unique ids, or use df.reset_index(drop=True)", MEMORY)
    docs = []
    try:
        for position, (doc_id, value) in enumerate(zip(ids, df[text]), 1):
            if pd.api.types.is_scalar(value) and pd.isna(value):
                value = None
            if pd.api.types.is_scalar(doc_id) and pd.isna(doc_id):  # (NaT too)
                raise InputError("null id", MEMORY, position)
            docs.append(Document(_memory_id(doc_id, position), _text_value(value, text, MEMORY, position), MEMORY,
                                 position))
        return list(_unique(docs)) if unique else docs
    except InputError as e:
        if e.path != MEMORY or e.line is None:
            raise
        raise with_index_label(e, df.index[e.line - 1]) from None


def with_index_label(error: InputError, label: Any) -> InputError:
    """``error`` of a DataFrame's row, its message naming the row's index label too, as
    ``df.loc`` takes it (a notebook user's review: "<memory>:4" was the row of label 3)."""
    label = label.item() if isinstance(label, np.generic) else label  # 3, not np.int64(3)
    return InputError(f"{error.message} (index label {label!r})", error.path, error.line)


def _memory_id(value: Any, position: int) -> str:
    """The id ``value`` of document ``position`` made in memory as a string, or the
    :class:`InputError` of a null or empty one (as a record's, :func:`_record_document`)."""
    if _is_null(value):
        raise InputError("null id", MEMORY, position)
    doc_id = _id_text(value)
    if doc_id == "":
        raise InputError("empty id", MEMORY, position)
    return doc_id


def _id_text(value: Any) -> str:
    """An id as a string: ``str(value)``, but a whole float as the integer it is ("7", not
    "7.0": pandas makes an integer column float as soon as one value is missing)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def documents_from_texts(texts: Iterable[str], ids: Iterable[str] | None = None) -> list[Document]:
    """Turn in-memory texts into documents.

    Ids default to ``"0"``, ``"1"``, ...; path is ``"<memory>"`` and line the
    1-based position.
    """
    texts = list(texts)
    ids = [str(i) for i in range(len(texts))] if ids is None else list(ids)
    if len(ids) != len(texts):
        raise ParameterError(f"got {len(texts)} texts but {len(ids)} ids")
    # checked as a record's or a DataFrame's (a code review: an empty id, and None as "None")
    ids = [_memory_id(doc_id, position) for position, doc_id in enumerate(ids, 1)]
    docs = [
        Document(doc_id, _text_value(text, "text", MEMORY, position), MEMORY, position)
        for position, (doc_id, text) in enumerate(zip(ids, texts), 1)
    ]
    return list(_unique(docs))


# ---------------------------------------------------------------------------
# Public writing API
# ---------------------------------------------------------------------------


def check_not_an_input(path: str | os.PathLike, inputs: Sequence[str | os.PathLike], what: str = "output") -> None:
    """Refuse to write ``path`` when that would replace one of ``inputs``: the same file,
    or a ``.txt`` / ``.md`` file (compressed or not) inside an input directory (one of its documents, or one
    the next scan would read). A report or manifest beside the documents of a scanned
    directory, ``dedup scan . -o report.json``, is fine.

    Raises:
        ParameterError: naming ``path``.
    """
    path = os.fsdecode(path)
    if path in (STDIN, ""):
        return
    target = os.path.realpath(path)
    for source in inputs:
        source = os.fsdecode(source)
        if source == STDIN:
            continue
        real = os.path.realpath(source)
        if target == real or (os.path.exists(path) and os.path.exists(source) and os.path.samefile(path, source)):
            raise ParameterError(f"the {what} is an input; write it to another path", path)
        if os.path.isdir(real) and target.startswith(real.rstrip(os.sep) + os.sep) and _is_text_document(target):
            raise ParameterError(f"the {what} would be a document of the input directory {source}; "
                                 "write it to another path", path)


def output_target(path: str) -> tuple[str, bool]:
    """Where writing ``path`` goes: the file at the end of its symbolic links (the link
    stays a link, and the file it names is replaced), and whether it is rather written
    through as given: a special file (a device such as ``/dev/null``, a FIFO, a
    socket), or any path under ``/dev`` or ``/proc`` (``/dev/stdout`` may name a pipe, or
    a log opened for appending, which a rename would replace)."""
    if os.name == "posix" and os.path.abspath(path).startswith(("/dev/", "/proc/")):
        return path, True
    real = os.path.realpath(path)
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return real, False
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return real, False
    return path, True


def _open_descriptor(path: str) -> int | None:
    """The open file descriptor that ``path`` names (``/dev/stdout``, ``/dev/stderr``,
    ``/dev/fd/N``, ``/proc/self/fd/N``), or None: written through it, not opened again
    (opening ``/dev/stdout`` anew truncates a file the shell opened for appending)."""
    given = os.path.abspath(path)
    named = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}
    if given in named:
        return named[given]
    for prefix in ("/dev/fd/", "/proc/self/fd/", f"/proc/{os.getpid()}/fd/"):
        if given.startswith(prefix) and given[len(prefix):].isdigit():
            return int(given[len(prefix):])
    return None


def keep_mode(new: str, old: str) -> None:
    """Give file ``new`` the permission bits of ``old``, if ``old`` exists: a file
    replaced by a rename keeps its mode (a hard link to it is not kept: the new file is
    another file)."""
    try:
        os.chmod(new, stat.S_IMODE(os.stat(old).st_mode))
    except FileNotFoundError:
        pass


@contextmanager
def write_errors_named(name: str) -> Iterator[None]:
    """An ``OSError`` within (a full disk, ``/dev/full``, a file size limit) as a
    :class:`DedupError` ``cannot write: ...`` naming ``name``; a broken pipe (a reader
    that stopped reading, ``| head``) is no error and passes as it is."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as e:
        raise DedupError(f"cannot write: {_os_reason(e)}", name) from None


def silence_stdout() -> None:
    """Standard output goes to the null device from now on: what a failed write left in
    its buffer is dropped, rather than written again at exit into a second error."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, sys.stdout.fileno())
    finally:
        os.close(devnull)


class _NamedWrites:
    """``stream``, whose failing writes raise a :class:`DedupError` naming ``name``
    (:func:`write_errors_named`) rather than a bare ``OSError``."""

    def __init__(self, stream: IO, name: str):
        self._stream, self._name = stream, name

    def write(self, data):
        with write_errors_named(self._name):
            return self._stream.write(data)

    def flush(self) -> None:
        with write_errors_named(self._name):
            self._stream.flush()

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


@contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", encoding: str = "utf-8") -> Iterator[IO]:
    """Open ``path`` for writing so that it is replaced all at once, or not at all.

    Writes go to a temporary file in the same directory, which is flushed, synced
    and renamed over ``path`` when the ``with`` block ends normally. If the block
    raises, the temporary file is removed and ``path`` is left as it was. The path
    ``"-"`` writes to standard output directly. A symbolic link is followed (the file
    it names is replaced, with its permissions), and a special file such as
    ``/dev/null`` or a FIFO is written through. A name ending in ``.gz``, ``.bz2`` or
    ``.xz`` is written compressed (:func:`~dedup.compression.compressed_output`). A
    failing write (a full disk) is a :class:`DedupError` naming ``path``.

    Args:
        path: the file to write.
        mode: ``"w"`` for text or ``"wb"`` for bytes.
        encoding: the text encoding (text mode only).
    """
    if mode not in ("w", "wt", "wb"):
        raise ValueError(f"atomic_open supports modes 'w' and 'wb', not {mode!r}")
    binary = "b" in mode
    text_args = {} if binary else {"encoding": encoding}
    path = os.fsdecode(path)
    if not path:
        raise DedupError("cannot write: empty output path")
    if os.path.isdir(path):
        raise DedupError("cannot write: is a directory", path)
    check_interrupted()  # nothing written after Ctrl-C, even one numba swallowed
    if path == STDIN:
        stream = _NamedWrites(sys.stdout.buffer if binary else sys.stdout, "standard output")
        try:
            yield stream
            stream.flush()
        except DedupError:
            silence_stdout()
            raise
        return

    target, special = output_target(path)
    if special:
        descriptor = _open_descriptor(path)
        with write_errors_named(path):
            f = open(target, mode, **text_args) if descriptor is None else \
                os.fdopen(os.dup(descriptor), mode, **text_args)
        with write_errors_named(path), f:
            yield _NamedWrites(f, path)
            f.flush()
        return
    directory, name = os.path.split(target)
    tmp = os.path.join(directory, f".{name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        # os.open with 0o666 lets the umask decide permissions, as open() would; a file
        # replaced keeps its own, from the start (its content is not more readable meanwhile)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as e:
        raise DedupError(f"cannot write: {_os_reason(e)}", path) from e
    try:
        keep_mode(tmp, target)
        os.close(fd)
        # flushed and synced at the end; compressed when the name says so (report.json.gz)
        writes = compressed_output(tmp, "wb" if binary else "w", text_args.get("encoding"), name=path)
        with write_errors_named(path), writes as f:
            yield _NamedWrites(f, path)
        check_interrupted()  # nothing is put in place after Ctrl-C, even one numba swallowed
        try:
            with committing():
                os.replace(tmp, target)
        except OSError as e:
            raise DedupError(f"cannot write: {_os_reason(e)}", path) from e
    except BaseException:
        try:
            os.remove(tmp)
        except FileNotFoundError:
            pass
        raise


def atomic_write(path: str | os.PathLike, data: str | bytes) -> None:
    """Replace the content of ``path`` with ``data`` atomically (UTF-8 for ``str``)."""
    with atomic_open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


# ---------------------------------------------------------------------------
# Reading one path
# ---------------------------------------------------------------------------


def _iter_path(
    path: str, text_field: str, id_field: str, stdin: IO[bytes] | None, prefix_row_ids: bool,
    keep_records: bool = False, on_malformed: Callable[[InputError], None] | None = None,
) -> Iterator[Document | DocumentBatch]:
    """Yield the documents of one path, and batches of them (ids are checked for
    uniqueness by the caller)."""
    if path != STDIN and not os.path.exists(path):
        raise InputError("no such file or directory", path)
    kind = detect_format(path)
    if kind == "dir":
        return _iter_directory(path, prefix_row_ids, on_malformed)
    if kind == "text":
        suffix = _format_suffix(path)
        if suffix in UNREAD_RECORD_EXTENSIONS:
            raise InputError(f"a {suffix} file is not read: records are read from "
                             f"{', '.join(FORMATS_BY_EXTENSION)} files (convert it to one of those), and a "
                             "document from a .txt or .md file", path)
        return iter([Document(path, _read_text(path), path, None)])

    # with on_malformed, a record that is no record with a text (a JSONL line, a CSV row,
    # an element of a JSON array, a Parquet row) is told to it and skipped, not an error
    records: Iterator[tuple[int, dict | None]]
    if kind == "stdin":
        records = _jsonl_records(decompressed(stdin if stdin is not None else sys.stdin.buffer, path), path,
                                 on_malformed=on_malformed)
    elif kind == "jsonl":
        if not keep_records:
            return _jsonl_file_documents(path, text_field, id_field, f"{path}#" if prefix_row_ids else "",
                                         on_malformed)
        records = _jsonl_file_records(path, on_malformed)
    elif kind == "json":
        records = _json_records(path, on_malformed)
    elif kind == "csv":
        records = _csv_records(path, text_field, id_field, on_malformed)
    else:
        records = _parquet_records(path, text_field, id_field)
    prefix = f"{path}#" if prefix_row_ids else ""
    return _records_to_documents(records, path, text_field, id_field, prefix, keep_records and kind != "parquet",
                                 on_malformed=on_malformed)


def _records_to_documents(
    records: Iterable[tuple[int, dict | None]], path: str, text_field: str, id_field: str, prefix: str,
    keep_records: bool = False, first_number: int = 0, on_malformed: Callable[[InputError], None] | None = None,
) -> Iterator[Document]:
    """Turn ``(line, record)`` pairs into documents; ids fall back to the record number
    (counted from ``first_number``). A record None (a line skipped as malformed) is
    counted but gives no document; with ``on_malformed``, so does a record without a
    usable text or id, after ``on_malformed`` is told why."""
    for number, (line, record) in enumerate(records, first_number):
        if record is None:
            continue
        try:
            doc = _record_document(record, number, line, path, text_field, id_field, prefix, keep_records)
        except InputError as e:
            # its id, when it has one that reads as an id: a skipped record is accounted for by
            # it (a data engineer's review: clean's manifest had null for a record's id it knew)
            value = record.get(id_field)
            if isinstance(value, (str, int, float)) and not isinstance(value, bool) and not _is_null(value):
                e.record_id = str(value) or None
            _skip(e, on_malformed)
            continue
        yield doc


def _skip(error: InputError, on_malformed: Callable[[InputError], None] | None) -> None:
    """``error`` told to ``on_malformed`` (its record is then skipped), or raised without one."""
    if on_malformed is None:
        raise error
    on_malformed(error)


def _record_document(record: dict, number: int, line: int, path: str, text_field: str, id_field: str, prefix: str,
                     keep_records: bool) -> Document:
    """The document of one record (number ``number``, at ``line``), or an InputError."""
    if text_field not in record:
        raise InputError(
            f"no text field {text_field!r} (fields: {', '.join(map(str, record))}); use --text-field",
            path,
            line,
        )
    text = _text_value(record[text_field], text_field, path, line)
    if id_field in record:
        value = record[id_field]
        if _is_null(value):
            raise InputError(f"null id in field {id_field!r}", path, line)
        if isinstance(value, (bool, dict, list)):  # str() would make Python's text of it ("True")
            raise InputError(f"id {json.dumps(value)[:40]} in field {id_field!r} is not a string or a number",
                             path, line)
        doc_id = str(value)
        if doc_id == "":  # a CSV's empty cell, as a null id is (a data engineer's review)
            raise InputError(f"empty id in field {id_field!r}", path, line)
    elif id_field != DEFAULT_ID_FIELD:  # a field named on purpose (misspelt?) must be there
        raise InputError(f"no id field {id_field!r} (fields: {', '.join(map(str, record))}); use --id-field",
                         path, line)
    else:
        doc_id = f"{prefix}{number}"
    check_ids_encode([doc_id], [path], [line])  # here, so that a reader skipping malformed lines skips it
    return Document(doc_id, text, path, line, record if keep_records else None)


def _iter_directory(root: str, prefix_ids: bool = False,
                    on_malformed: Callable[[InputError], None] | None = None) -> Iterator[Document]:
    """Yield one document per ``.txt`` / ``.md`` file below ``root`` (compressed ones too:
    ``a.txt.gz``), sorted by relative path, which is its id (after ``root`` and ``/`` with
    ``prefix_ids``). With ``on_malformed``, a file of text in another encoding than
    UTF-8 is told to it and skipped, as ``dedup check`` skips one (a binary, UTF-16 or
    corrupt file still stops the run, as any file that cannot be read at all does).

    Hidden directories and files (name starting with ``.``) are skipped: they hold
    tool metadata (``.git``, macOS ``._*`` files), not articles.
    """
    found, records = [], []
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = [d for d in subdirs if not d.startswith(".")]
        for name in files:
            if name.startswith("."):
                continue
            full = os.path.join(directory, name)
            relative = os.path.relpath(full, root).replace(os.sep, "/")
            if _is_text_document(name):
                found.append((relative, full))
            elif _format_suffix(name) in FORMATS_BY_EXTENSION:
                records.append(relative)
    if not found:
        # a directory of JSONL or CSV shards read as no documents at all, exit code 0
        message = "no .txt or .md files below this directory (a directory is read for those)"
        if records:
            names = sorted(records)
            listed = ", ".join(names[:3]) + (", ..." if len(names) > 3 else "")
            if all("/" not in name for name in names):  # a glob that finds them
                listed += f"; e.g. {os.path.join(root, '*' + _most_common_extension(names))}"
            message += f"; name its record files instead ({listed})"
        raise InputError(message, root)
    if records:  # read beside the texts, they were silently left out (a data engineer's review)
        names = sorted(records)
        listed = ", ".join(names[:3]) + (f" and {len(names) - 3:,} more" if len(names) > 3 else "")
        warn(f"{root}: {len(names):,} file{'s' if len(names) != 1 else ''} of records not read ({listed}): "
             "a directory is read for its .txt and .md files; name files of records as inputs of their own")
    prefix = root.replace(os.sep, "/").rstrip("/") + "/" if prefix_ids else ""
    for relative, full in sorted(found):
        bad = LONE_SURROGATE.search(relative)
        if bad is not None:  # its id could not be written: skipped on request, as a text in another encoding
            _skip(InputError(_name_not_utf8(bad.group()), full), on_malformed)
            continue
        try:
            text = _read_text(full)
        except InvalidUtf8 as e:  # another encoding; a binary or corrupt file stops the run
            _skip(e, on_malformed)
            continue
        yield Document(prefix + relative, text, full, None)


def _most_common_extension(names: list[str]) -> str:
    """The suffix most of ``names`` have, with their compression's (``.jsonl.gz``)."""
    extensions = [name[len(os.path.splitext(without_compression(name))[0]):] for name in names]
    return max(sorted(set(extensions)), key=extensions.count)


def _read_text(path: str) -> str:
    """Read a whole file as strict UTF-8 text."""
    return _decode(_read_bytes(path), path)


def _read_bytes(path: str) -> bytes:
    """The content of file ``path``, decompressed (:func:`open_input`)."""
    try:
        with open_input(path) as f:
            return f.read()
    except OSError as e:
        raise InputError(_os_reason(e), path) from None


class InvalidUtf8(InputError):
    """Text that is no UTF-8 (another encoding): a directory's file of it is skipped on
    request (``on_malformed``), where a binary or corrupt file still stops the run."""


def _binary(data: bytes) -> str:
    """Why ``data``, which holds NUL bytes, is no text a reader takes: UTF-16 (with its
    byte order mark) says so, as a Windows tool saves it."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text, not UTF-8: convert it (iconv -f UTF-16 -t UTF-8)"
    return "binary file, not text"


def _decode(data: bytes, path: str, first_line: int = 1, strip_bom: bool = True) -> str:
    """Decode strict UTF-8, naming the line and column of a NUL or invalid byte.

    ``first_line`` is the line number of ``data``'s first line (for JSONL, which is
    decoded one line at a time). A NUL byte means the file is binary, not text.
    """
    if b"\0" in data:
        raise InputError(_binary(data), path)
    offset = len(_BOM) if strip_bom and data.startswith(_BOM) else 0
    try:
        return data[offset:].decode("utf-8")
    except UnicodeDecodeError as e:
        start = e.start + offset
        line_start = data.rfind(b"\n", 0, start) + 1
        line = first_line + data.count(b"\n", 0, start)
        raise InvalidUtf8(
            f"invalid UTF-8 (byte 0x{data[start]:02x} at column {start - line_start + 1})", path, line
        ) from None


# ---------------------------------------------------------------------------
# Record formats: each yields (line or record number, record dict)
# ---------------------------------------------------------------------------


def _jsonl_file_records(path: str, on_malformed: Callable[[InputError], None] | None = None
                        ) -> Iterator[tuple[int, dict | None]]:
    with open_input(path) as f:
        yield from _jsonl_records(f, path, on_malformed=on_malformed)


_BLANK_LINE = re.compile(rb"[ \t\r\n]*\Z")
#: what Python's json says, as a RecursionError, of arrays or objects nested ~1,000 deep
_TOO_DEEP = "malformed JSON: nested too deeply"
_TOO_LONG = "malformed JSON: a number of over 4,300 digits"


def _jsonl_records(stream: IO[bytes], path: str, first_line: int = 1,
                   on_malformed: Callable[[InputError], None] | None = None) -> Iterator[tuple[int, dict | None]]:
    """Parse one JSON object per line; blank lines are skipped but still counted
    (``stream``'s first line is line ``first_line`` of ``path``). With ``on_malformed``,
    a line that is no JSON object is told to it and given as record None."""
    for line_number, raw in enumerate(stream, first_line):
        if _BLANK_LINE.match(raw):  # without copying the line, as strip() would
            continue
        try:
            if b"\0" in raw:  # a binary file; a line of one, when lines are skipped (a writer that
                # died before its data reached the disk leaves zero bytes), but not the first:
                # a Parquet or UTF-16 file named .jsonl is no scrape with a bad line
                if on_malformed is None or line_number == 1:
                    raise _BinaryFile(_binary(raw), path, None if line_number == 1 else line_number)
                raise InputError("binary data (NUL bytes), not a line of text", path, line_number)
            record = _jsonl_record(raw, path, line_number)
        except InputError as e:
            if on_malformed is None or isinstance(e, _BinaryFile):
                raise
            on_malformed(e)
            yield line_number, None
            continue
        if record is not None:
            yield line_number, record


class _BinaryFile(InputError):
    """A file that is no text at all: an error even when malformed lines are skipped."""


def _jsonl_record(raw: bytes, path: str, line_number: int) -> dict | None:
    """The JSON object of one line (None for a byte-order mark alone), or an InputError."""
    line = _decode(raw, path, line_number, strip_bom=line_number == 1)
    if line_number == 1 and not line.strip(" \t\r\n"):  # a byte-order mark alone
        return None
    try:
        # without its line break, which json counts as the start of a second line
        record = json.loads(line.rstrip("\r\n"))
    except json.JSONDecodeError as e:
        raise InputError(f"malformed JSON: {e.msg} (column {e.colno})", path, line_number) from None
    except RecursionError:
        raise InputError(_TOO_DEEP, path, line_number) from None
    except ValueError:  # an integer of over 4,300 digits (Python's limit on converting them)
        raise InputError(_TOO_LONG, path, line_number) from None
    if not isinstance(record, dict):
        raise InputError(f"expected a JSON object, got {_json_type(record)}", path, line_number)
    return record


#: bytes of a JSONL file parsed at once by Arrow (extended to the end of a line): large
#: enough that the per-call cost vanishes, small enough to keep the stream flowing
_ARROW_CHUNK_BYTES = 1 << 24
#: a line with more ``{`` and ``[`` than this goes to the line parser: it may nest deeper
#: than ``json`` allows (~1,000), and Arrow's parser overflows the stack (and kills the
#: process) somewhere past 10,000
_ARROW_MAX_OPEN = 500


def _jsonl_file_documents(path: str, text_field: str, id_field: str, prefix: str,
                          on_malformed: Callable[[InputError], None] | None = None
                          ) -> Iterator[Document | DocumentBatch]:
    """The documents of a JSONL file, parsed by Arrow's JSON reader a chunk of lines at a
    time, each chunk Arrow cannot give exactly as :func:`_jsonl_records` would (see
    :func:`_arrow_documents`) parsed line by line by it instead.

    The same documents as ``_records_to_documents(_jsonl_file_records(path), ...)``, and
    the same error on bad input, without holding the GIL: Arrow parses without it
    (100,000 generated articles, 300 MB: 0.8 s, against 1.9 s in ``json.loads`` alone),
    and a chunk it reads is yielded as one :class:`DocumentBatch` whose texts are the
    UTF-8 that Arrow made, so with ``--jobs`` the threads signing earlier batches are
    not kept waiting by the reader. A chunk that goes to the line parser gives
    documents. A compressed file is decompressed as it is read (:func:`open_input`)."""
    with open_input(path) as f:
        line, number = 1, 0
        for chunk, breaks in _line_chunks(f):
            starts = np.concatenate(([0], breaks[:-1] + 1 if chunk[-1] == 10 else breaks + 1))
            lines = len(starts)
            docs = _arrow_documents(chunk, starts, line, number, path, text_field, id_field, prefix)
            if docs is None:
                records = _Counted(_jsonl_records(io.BytesIO(chunk.tobytes()), path, line, on_malformed))
                yield from _records_to_documents(records, path, text_field, id_field, prefix, first_number=number,
                                                 on_malformed=on_malformed)
                number += records.count  # a blank line is no record; a line skipped as malformed is one
            else:
                yield docs
                number += lines
            line += lines


class _Counted:
    """An iterator's items, counted as they pass (``count``)."""

    def __init__(self, items: Iterable) -> None:
        self._items, self.count = iter(items), 0

    def __iter__(self) -> Iterator:
        for item in self._items:
            self.count += 1
            yield item


def _line_chunks(f: IO[bytes]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """The content of binary file ``f`` in chunks of whole lines (the last one may lack its
    line break) of about :data:`_ARROW_CHUNK_BYTES`, or one line if longer, each with the
    offsets of its line breaks (found by numpy, which, unlike ``bytes.count``, lets go of
    the GIL). The chunks are uint8 views of one buffer, read into again for the next
    chunk (a new 16 MB buffer a chunk costs 4,096 page faults, and joining a chunk and
    the end of its last line holds the GIL)."""
    buf = np.empty(_ARROW_CHUNK_BYTES, dtype=np.uint8)
    filled, eof = 0, False
    while True:
        while not eof and filled < len(buf):
            n = f.readinto(memoryview(buf)[filled:])
            eof = not n
            filled += n or 0
        if not filled:
            return
        breaks = np.flatnonzero(buf[:filled] == 10)
        if eof:
            end = filled
        elif len(breaks):
            end = int(breaks[-1]) + 1
        else:  # a line longer than the buffer
            buf = np.concatenate((buf, np.empty(len(buf), dtype=np.uint8)))
            continue
        yield buf[:end], breaks
        rest = filled - end
        buf[:rest] = buf[end:filled].copy()
        filled = rest


def _arrow_documents(chunk: np.ndarray, starts: np.ndarray, first_line: int, first_number: int, path: str,
                     text_field: str, id_field: str, prefix: str) -> DocumentBatch | None:
    """The documents of ``chunk`` (uint8: whole lines of JSONL starting at byte offsets
    ``starts``, the first being line ``first_line``), parsed by Arrow; None unless the result is certainly what
    :func:`_jsonl_records` gives, so that every doubtful chunk, and every error, goes
    through the line-by-line parser. Arrow skips blank lines, reads two objects on one
    line, accepts a byte-order mark on any line, takes invalid UTF-8 outside string
    values, cannot tell a missing id from a null one and crashes on very deep nesting;
    it is stricter than ``json`` elsewhere (duplicate keys, lone surrogates, fields of
    mixed types), which also sends the chunk back."""
    import pyarrow as pa
    import pyarrow.json as pj

    lines = len(starts)
    if not chunk.all() or len(chunk) >= 1 << 30:  # a NUL byte, or too long for Arrow's offsets
        return None
    first_byte = chunk[starts]
    if first_line == 1 and chunk[:len(_BOM)].tobytes() == _BOM:  # json takes a byte-order mark on the first line only
        first_byte[0] = chunk[len(_BOM)] if len(chunk) > len(_BOM) else 0
    # every line starts with "{" and ends with "}": no line is blank, and no object goes on
    # past the end of its line (Arrow takes a line break inside an object as white space,
    # and crashes on one nested over ~16,000 lines), since "}" then "{" is never valid
    # inside an object; so as many rows as lines is one object a line (Arrow reads two on
    # one line, and skips blank ones). Indented or padded lines go to the line parser
    line_end = np.append(starts[1:] - 1, len(chunk) - 1 if chunk[-1] == 10 else len(chunk))
    last_byte = chunk[line_end - 1]
    crlf = last_byte == ord("\r")
    last_byte[crlf] = chunk[line_end[crlf] - 2]
    if not ((first_byte == ord("{")).all() and (last_byte == ord("}")).all()):
        return None
    is_open = (chunk | 32) == ord("{")  # "{" and "[" (0x7b, 0x5b)
    # every line opens with "{", so a line of more than _ARROW_MAX_OPEN needs that many
    # beyond one a line: counting them first spares finding where they are (~10 ms a chunk)
    if np.count_nonzero(is_open) - lines >= _ARROW_MAX_OPEN:
        opening = np.flatnonzero(is_open)
        if np.bincount(np.searchsorted(starts, opening, side="right") - 1, minlength=lines).max() > _ARROW_MAX_OPEN:
            return None
    del is_open
    try:
        # the whole chunk is UTF-8, as json needs (Arrow checks the strings' values only)
        buffer = pa.py_buffer(chunk)
        pa.Array.from_buffers(pa.string(), 1, [None, pa.py_buffer(np.array([0, len(chunk)], dtype=np.int32)),
                                               buffer]).validate(full=True)
        # malloc's pool, not Arrow's own (jemalloc or mimalloc, which keep what is freed):
        # a scan gives freed memory back (``memory.release_free_memory``); the table's
        # values are its own, not views of ``chunk`` (which is read into again)
        table = pj.read_json(pa.BufferReader(buffer),
                             read_options=pj.ReadOptions(use_threads=False, block_size=len(chunk) + 1),
                             memory_pool=pa.system_memory_pool())
    except (pa.ArrowException, ValueError):
        return None
    if table.num_rows != lines or text_field not in table.column_names or not _finite(table.columns):
        return None
    texts = table.column(text_field)
    if not (pa.types.is_string(texts.type) or pa.types.is_large_string(texts.type)) or texts.null_count:
        return None
    if id_field in table.column_names:
        ids = table.column(id_field)
        if ids.null_count or not (pa.types.is_string(ids.type) or pa.types.is_large_string(ids.type)
                                  or pa.types.is_int64(ids.type)):
            return None  # a missing or null id, or one json gives as another Python type
        doc_ids = [str(v) for v in ids.to_pylist()]
        if "" in doc_ids:
            return None  # the line parser names the record with an empty id
    elif id_field != DEFAULT_ID_FIELD:
        return None  # the line parser names the record without it
    else:
        doc_ids = [f"{prefix}{k}" for k in range(first_number, first_number + lines)]
    texts = texts.combine_chunks() if texts.num_chunks != 1 else texts.chunk(0)
    _, offsets, data = texts.buffers()
    offsets = np.frombuffer(offsets, dtype=np.int64 if pa.types.is_large_string(texts.type) else np.int32)
    utf8 = Utf8Texts(np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8),
                     offsets[texts.offset:texts.offset + lines + 1].astype(np.int64))
    return DocumentBatch(doc_ids, utf8, [path] * lines, list(range(first_line, first_line + lines)))


def _finite(columns: list) -> bool:
    """Whether no number in ``columns`` (Arrow arrays, nested ones included) is NaN or
    infinite: Arrow reads ``Inf``, ``-Inf`` and ``-NaN``, which json rejects, and
    integers too long for json's int conversion as infinite doubles."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for column in columns:
        t = column.type
        if pa.types.is_floating(t):
            if not pc.all(pc.is_finite(column)).as_py() in (True, None):
                return False
        elif pa.types.is_struct(t) or pa.types.is_list(t) or pa.types.is_large_list(t):
            chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
            for chunk in chunks:
                children = chunk.flatten() if pa.types.is_struct(t) else [chunk.flatten()]
                if not _finite(children):
                    return False
    return True


def _json_records(path: str, on_malformed: Callable[[InputError], None] | None = None
                  ) -> Iterator[tuple[int, dict | None]]:
    """Parse a JSON array of objects; records are numbered from 1. With ``on_malformed``,
    an element that is no object is told to it and given as record None (a file that is
    no JSON array is an error either way)."""
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as e:
        raise InputError(f"malformed JSON: {e.msg} (column {e.colno})", path, e.lineno) from None
    except RecursionError:
        raise InputError(_TOO_DEEP, path) from None
    except ValueError:  # an integer of over 4,300 digits (Python's limit on converting them)
        raise InputError(_TOO_LONG, path) from None
    if not isinstance(data, list):
        raise InputError(f"expected a JSON array of objects, got {_json_type(data)}", path)
    for number, record in enumerate(data, 1):
        if not isinstance(record, dict):
            _skip(InputError(f"expected a JSON object, got {_json_type(record)}", path, number), on_malformed)
            record = None
        yield number, record


def _csv_records(path: str, text_field: str, id_field: str = "id",
                 on_malformed: Callable[[InputError], None] | None = None
                 ) -> Iterator[tuple[int, dict | None]]:
    """Parse CSV with a header row; all values stay strings, each record numbered by the
    line of the file it starts on (the header is line 1), as errors name it.

    Blank rows are skipped. A row with a different number of fields than the header
    is an error, since its values could not be matched to columns reliably; so is
    text after a closing quote. With ``on_malformed``, such a row is told to it and
    given as record None; but text after a closing quote read over several lines is an
    error either way: a quoted field left open takes the rows after it into its text (to
    the end of the file, or to a later row's quote), and skipping it would lose them.
    """
    _raise_csv_field_limit()
    text = _read_text(path)
    rows = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1
    try:
        header = next(rows, None)
        if header is None:
            return
        if text_field not in header:
            raise InputError(
                f"no text column {text_field!r} (columns: {', '.join(header)}); use --text-field", path
            )
        _check_unique_columns(header, (text_field, id_field), path, "header", 1)
        while True:
            start = rows.line_num + 1
            try:
                row = next(rows, None)
            except csv.Error as e:
                if "unexpected end of data" in str(e):
                    raise InputError("malformed CSV: a quoted field is not closed", path, start) from None
                error = InputError(f"malformed CSV: {e}", path, start)
                # a record read over several lines took the rows after it into one field (a
                # quote left open, closed by a later row's): skipping it would lose them
                if on_malformed is None or rows.line_num > start:
                    raise error from None
                on_malformed(error)  # the reader goes on at the next line
                yield start, None
                continue
            if row is None:
                return
            if not row:
                continue
            if len(row) != len(header):
                _skip(InputError(f"expected {len(header)} fields, got {len(row)}", path, start), on_malformed)
                yield start, None
                continue
            yield start, dict(zip(header, row))
    except csv.Error as e:  # in the header
        reason = "a quoted field is not closed" if "unexpected end of data" in str(e) else str(e)
        raise InputError(f"malformed CSV: {reason}", path, start) from None


def _raise_csv_field_limit() -> None:
    """Let the csv module read fields of any size (its default limit is 128 KiB)."""
    limit = sys.maxsize
    while True:
        try:
            csv.field_size_limit(limit)
            return
        except OverflowError:  # C long is 32 bits on some platforms
            limit //= 2


def _parquet_records(path: str, text_field: str, id_field: str) -> Iterator[tuple[int, dict]]:
    """Read the text (and id, if present) columns of a Parquet file; records are numbered from 1."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    compression = compression_of(path)
    if compression is not None:
        raise InputError(f"a Parquet file compresses its own data, and is not read through {compression}: "
                         f"decompress it to {without_compression(os.path.basename(path))}", path)
    try:
        names = pq.read_schema(path).names
        if text_field not in names:
            raise InputError(
                f"no text column {text_field!r} (columns: {', '.join(names)}); use --text-field", path
            )
        _check_unique_columns(names, (text_field, id_field), path, "schema")
        columns = [text_field] + ([id_field] if id_field in names and id_field != text_field else [])
        table = pq.read_table(path, columns=columns)
    except (pa.ArrowException, OSError) as e:
        raise InputError(f"cannot read Parquet: {e}", path) from None
    number = 0
    for batch in table.to_batches():
        for record in batch.to_pylist():
            number += 1
            yield number, record


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------


def is_dask_collection(data: Any) -> bool:
    """Whether ``data`` is a Dask DataFrame or Series (told without importing dask; a
    Dask Bag of texts is iterated, as a list is)."""
    return (type(data).__module__.split(".")[0] in ("dask", "dask_expr") and hasattr(data, "npartitions")
            and type(data).__name__ in ("DataFrame", "Series"))


def _check_unique_columns(names: Sequence[str], read: Sequence[str], path: str, where: str,
                          line: int | None = None) -> None:
    """An error if a column that is ``read`` (the text's, the id's) appears twice in
    ``names``: one of the two would be read as the other (a new user's review had
    ``text,text`` read from the second and written over the first). Other columns may
    repeat a name (two empty ones of a spreadsheet's export, say): cleaning writes each
    row's values by position."""
    for name in dict.fromkeys(read):
        if list(names).count(name) > 1:
            raise InputError(f"column {name!r} appears twice in the {where}; rename one", path, line)


def _text_value(value: Any, field: str, path: str, line: int | None) -> str:
    """Return a record's text: a string as is, null/NaN as ``""``, anything else an error."""
    if isinstance(value, str):
        return value
    if _is_null(value):
        return ""
    if type(value).__module__.startswith("pyarrow") and hasattr(value, "as_py"):  # an Arrow string scalar
        return _text_value(value.as_py(), field, path, line)
    raise InputError(f"text field {field!r} is {_json_type(value)}, not a string", path, line)


def _os_reason(error: OSError) -> str:
    """``'no such file or directory'`` rather than ``[Errno 2] No such file or directory: 'x'``."""
    return error.strerror.lower() if error.strerror else str(error)


def _is_null(value: Any) -> bool:
    """None, NaN, and pandas' and Arrow's missing values (``pd.NA``, a null scalar)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return True
    if type(value).__name__ == "NAType":  # pandas.NA, without importing pandas here
        return True
    return getattr(value, "is_valid", True) is False  # a pyarrow scalar that is null


def _json_type(value: Any) -> str:
    """Name a value's type the way a JSON user would."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _unique(docs: Iterable[Document]) -> Iterator[Document]:
    """Pass documents through, raising on the second occurrence of an id."""
    ids = IdCheck()
    for doc in docs:
        ids.add([doc.id], [doc.path], [doc.line])
        yield doc


def _closing(items: Iterator, progress: Any) -> Iterator:
    """``items``, then ``progress.close()`` (if a progress bar is given)."""
    yield from items
    if progress is not None:
        progress.close()


def check_ids_encode(ids: Sequence[str], paths: Sequence[str], lines: Sequence[int | None]) -> None:
    """Raise :class:`InputError` at the first id that UTF-8 cannot hold: one with a lone
    surrogate, which Python's ``json`` reads from an escaped ``"\\ud800"``. A text's is
    quoted as U+FFFD in reports, but an id is kept exactly, so it cannot be replaced."""
    try:
        try:
            joined = "".join(ids)
        except TypeError:  # ids that are not strings (documents made in memory): as their str
            joined = "".join(map(str, ids))
        joined.encode("utf-8")
    except UnicodeEncodeError:
        for doc_id, path, line in zip(ids, paths, lines):
            bad = LONE_SURROGATE.search(str(doc_id))
            if bad is not None and isinstance(path, str) and bad.group() in path:
                raise InputError(_name_not_utf8(bad.group()), path, line) from None
            if bad is not None:
                raise InputError(f"id {doc_id!r} holds a lone surrogate (U+{ord(bad.group()):04X}, half of a UTF-16 "
                                 f"pair), which no UTF-8 output can hold", path, line) from None


def _name_not_utf8(escaped: str) -> str:
    """What is wrong with a file whose name holds ``escaped``: a byte that is not UTF-8,
    as Python names it (a surrogate U+DC80-U+DCFF), which the name, as a document's id,
    cannot be written with."""
    code = ord(escaped)
    byte = f" (byte 0x{code - 0xDC00:02X})" if 0xDC80 <= code <= 0xDCFF else ""
    return f"the file's name is not UTF-8{byte}, and a document's id, which its name is, must be: rename the file"


def _same_file(a: str, b: str) -> bool:
    """Whether paths ``a`` and ``b`` name one file (a directory's file and the file given too)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        return False


class IdCheck:
    """The ids seen so far, and where: :meth:`add` raises on the second occurrence of one."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[str, int | None]] = {}

    def add(self, ids: list[str], paths: list[str], lines: list[int | None],
            on_malformed: Callable[[InputError], None] | None = None) -> list[int]:
        """Take ``ids``; the positions of those seen before, each told to ``on_malformed``
        (skipped: the first stays), or else an error."""
        check_ids_encode(ids, paths, lines)
        seen = self._seen
        if len(ids) > 1 and len(set(ids)) == len(ids) and seen.keys().isdisjoint(ids):
            seen.update(zip(ids, zip(paths, lines)))
            return []
        repeated = []
        for k, (doc_id, path, line) in enumerate(zip(ids, paths, lines)):
            first = seen.get(doc_id)
            if first is not None:
                where = first[0] if first[1] is None else f"{first[0]}:{first[1]}"
                same = first[1] == line and _same_file(first[0], path)
                message = f"duplicate id {doc_id!r} (" + ("the same file, read twice: give it once"
                                                          if same else f"first seen at {where}") + ")"
                if on_malformed is None or same:  # (else the same page scraped twice, most likely)
                    hint = "" if same or path == MEMORY else "; --skip-malformed skips a repeated id, keeping the first"
                    raise InputError(message + hint, path, line)
                on_malformed(InputError(message, path, line))
                repeated.append(k)
                continue
            seen[doc_id] = (path, line)
        return repeated
