"""Files compressed with gzip, bzip2 or xz: read as what they hold, written as their names say.

A day's scrape often arrives compressed (``day.jsonl.gz``), and gunzipping it first
costs a copy of the corpus on disk. So every reader takes a compressed file as the
text inside it: the last suffix names the compression (``.gz``, ``.bz2``, ``.xz``) and
the one before it the format (``a.jsonl.gz`` is JSONL, ``a.txt.xz`` one text
document); lines, records and errors are those of the decompressed text. A file
without a compression suffix that starts with gzip's magic bytes is read as gzip too
(a scraper that saved a server's gzipped answer as ``day.jsonl``): no UTF-8 text starts
so, and a file that is not gzip costs only a look at its first two bytes.

Corrupt or truncated data is an :class:`~dedup.errors.InputError` naming the file
(``day.jsonl.gz: corrupt gzip data (truncated: ...)``), raised by the stream as it is
read, as a bad line of a plain file is. Writing (``clean``) compresses by the output's
name in the same way. Parquet compresses its own pages and is never read or written
through these streams.

Only the standard library's ``gzip``, ``bz2`` and ``lzma`` are used: each releases
the GIL while it decompresses, and the streams are ordinary binary files, which every
reader of :mod:`dedup.io` takes as it takes a plain one.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import IO, Callable

from .errors import InputError

__all__ = ["COMPRESSIONS", "compressed_output", "compression_of", "decompressed", "without_compression"]

#: the suffixes naming a compression, and its name in messages
COMPRESSIONS = {".gz": "gzip", ".bz2": "bzip2", ".xz": "xz"}
#: a decompressing reader of a binary file, by compression
_READERS: dict[str, Callable[[IO[bytes]], IO[bytes]]] = {
    "gzip": lambda f: gzip.GzipFile(fileobj=f, mode="rb"),
    "bzip2": lambda f: bz2.BZ2File(f, "rb"),
    "xz": lambda f: lzma.LZMAFile(f, "rb"),
}
#: a compressing writer into a binary file, by compression: gzip at its command's level, 6
#: (the module's 9 takes a quarter longer on Reuters-21578 to save 0.5%), without a name
#: or time in its header (``gzip -n``), so that the same text is the same bytes (and a
#: temporary file's name is not kept)
_WRITERS: dict[str, Callable[[IO[bytes]], IO[bytes]]] = {
    "gzip": lambda f: gzip.GzipFile(filename="", mode="wb", compresslevel=6, fileobj=f, mtime=0),
    "bzip2": lambda f: bz2.BZ2File(f, "wb"),
    "xz": lambda f: lzma.LZMAFile(f, "wb"),
}
GZIP_MAGIC = b"\x1f\x8b"
#: bytes read from the decompressor at a time by a line reader (a large read goes to it directly)
_BUFFER_BYTES = 1 << 16


def compression_of(path: str | os.PathLike) -> str | None:
    """The compression ``path``'s last suffix names (``"gzip"``, ``"bzip2"``, ``"xz"``,
    matched case-insensitively), or None."""
    return COMPRESSIONS.get(os.path.splitext(os.fsdecode(path))[1].lower())


def without_compression(path: str | os.PathLike) -> str:
    """``path`` without a compression suffix (``a.jsonl.gz`` -> ``a.jsonl``): the name
    whose suffix says the format."""
    path = os.fsdecode(path)
    base, suffix = os.path.splitext(path)
    return base if suffix.lower() in COMPRESSIONS else path


def decompressed(stream: IO[bytes], path: str, compression: str | None = None) -> IO[bytes]:
    """What ``stream`` (a binary file opened for reading, from its start) holds: decompressed
    with ``compression`` if given, else with gzip if it starts with gzip's magic bytes,
    else ``stream`` itself. Closing the result closes ``stream``.

    A stream that cannot ``peek`` (``io.BytesIO``; a file from ``open(path, "rb")`` and
    standard input's buffer can) is read through a buffer that can, and so read ahead. An
    empty file is empty whatever its name (``bz2`` and ``lzma`` would call it truncated,
    ``gzip`` does not). Reading the result raises :class:`InputError` naming ``path`` on
    corrupt or truncated data."""
    if not hasattr(stream, "peek"):
        stream = io.BufferedReader(stream)
    head = stream.peek(len(GZIP_MAGIC))
    if compression is None:
        if not head.startswith(GZIP_MAGIC):
            return stream
        compression = "gzip"
    elif not head:
        return stream
    return io.BufferedReader(_Decompressing(_READERS[compression](stream), stream, path, compression),
                             _BUFFER_BYTES)


class _Decompressing(io.RawIOBase):
    """The decompressed bytes of ``source`` (a ``GzipFile``, ``BZ2File`` or ``LZMAFile``
    reading ``raw``), whose corrupt or truncated data is an :class:`InputError` naming
    ``path`` rather than the codec's own exception (``EOFError``, ``zlib.error``,
    ``BadGzipFile``, ``LZMAError``, a bare ``OSError``)."""

    def __init__(self, source: IO[bytes], raw: IO[bytes], path: str, compression: str):
        super().__init__()
        self._source, self._raw, self._path, self._compression = source, raw, path, compression
        self._read = 0  # decompressed bytes so far

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        try:
            n = self._source.readinto(buffer)
            self._read += n
            return n
        except gzip.BadGzipFile as e:
            with suppress(Exception):  # a read over the end decompressed its members first
                self._read = max(self._read, self._source.tell())
            if not str(e).startswith("Not a gzipped file") or not self._read:
                raise InputError(f"corrupt gzip data ({e})", self._path) from None
            # gzip reads member after member: what follows the last one is not another
            raise InputError("corrupt gzip data (bytes that are not gzip after the end of its stream)",
                             self._path) from None
        except EOFError:
            raise InputError(f"corrupt {self._compression} data (truncated: it ends before its end-of-stream "
                             "marker)", self._path) from None
        except (OSError, zlib.error, lzma.LZMAError) as e:
            if isinstance(e, OSError) and e.errno is not None:
                raise  # the disk's error, not the data's
            # the codec's own words, as malformed JSON gives json's ("CRC check failed ...")
            raise InputError(f"corrupt {self._compression} data ({str(e) or type(e).__name__})",
                             self._path) from None

    def close(self) -> None:
        try:
            self._source.close()
        finally:
            self._raw.close()
            super().close()


@contextmanager
def compressed_output(path: str, mode: str = "wb", encoding: str | None = None,
                      newline: str | None = None, name: str | None = None) -> Iterator[IO]:
    """Write the file ``path``, compressed as its name says (``out.jsonl.gz``: gzip) or as
    it is, and synced to disk once the ``with`` block ends (the compressed stream's end
    written first), as a file about to be renamed into place must be.

    Args:
        path: the file to write (created or truncated).
        mode: ``"wb"`` for bytes, ``"w"`` for text.
        encoding, newline: as for :func:`open`, in text mode.
        name: the name whose suffix says the compression (default ``path``; a temporary
            file to be renamed into place has the name of its target).
    """
    compression = compression_of(path if name is None else name)
    with open(path, "wb") as raw:
        if compression is None and mode == "wb":
            yield raw
        else:
            stream = raw if compression is None else _WRITERS[compression](raw)
            writer = io.TextIOWrapper(stream, encoding=encoding, newline=newline) if mode == "w" else stream
            try:
                yield writer
            except BaseException:
                with suppress(Exception):  # the file is left unfinished (its caller removes it)
                    _let_go(writer, compression is not None)
                raise
            _let_go(writer, compression is not None)
        raw.flush()
        os.fsync(raw.fileno())


def _let_go(writer: IO, compressed: bool) -> None:
    """Finish ``writer``, a compressing stream or a text wrapper, without closing the file
    below it: a compressed stream writes its end into the file, which it was given and so
    leaves open; a text wrapper of the file itself is flushed and detached from it."""
    if compressed:
        writer.close()
    else:
        writer.flush()
        writer.detach()
