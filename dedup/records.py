"""Write documents back in the format they were read from, changing only their text.

``clean`` reads a corpus, drops some records and repairs the text of others; what it
writes must look like its input to whatever reads it next. So each format is written
as it was read:

==========  ==============================================================================
input       output
==========  ==============================================================================
directory   a directory with the kept files under the same relative paths (UTF-8, with a
            byte order mark where the input file had one, as for every text format)
text file   a text file
JSONL       each kept record's line as it was read, byte for byte, except for the value
            of its text field where the text changed
``-``       one JSON object a line, fields in their order, values as parsed, only the text
            field replaced (and only where the text changed)
JSON        a JSON array of the kept records, likewise
CSV         the header, then the kept rows: each row's lines as read, quotes and all,
            where its text is unchanged; else every value as read, the new text, the
            same line ending
Parquet     the kept rows of the input table: same schema, types, metadata and
            compression, with the text column replaced only in rows whose text changed
==========  ==============================================================================

A compressed input is read decompressed, and an output named ``.gz``, ``.bz2`` or
``.xz`` (``out.jsonl.gz``) is written compressed so (:mod:`dedup.compression`), the
format being the same; so is each file of a directory, under its own name. Parquet
compresses its own pages, and is never written inside another compression.

Output is first written to a temporary file or directory next to its destination
(:class:`Pending`), checked, and then renamed into place in one step, so an
interrupted run leaves no partial output.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import json
import os
import re
import shutil
import uuid
from typing import Any, Callable, ContextManager, Sequence

from .compression import compressed_output, compression_of
from .errors import DedupError, ParameterError, committing
from .io import (FORMATS_BY_EXTENSION, TEXT_EXTENSIONS, Document, detect_format, keep_mode, open_input,
                 output_target, without_compression, write_errors_named)

__all__ = ["Pending", "commit_together", "json_bytes", "output_format", "write_documents"]


def output_format(input_path: str) -> str:
    """The format ``clean`` writes for ``input_path``: ``dir``, ``text``, ``jsonl``, ``json``,
    ``csv`` or ``parquet`` (standard input is JSONL)."""
    kind = detect_format(input_path)
    return "jsonl" if kind == "stdin" else kind


def check_output(input_path: str, output: str) -> str:
    """Check that ``output`` can take the cleaned ``input_path``; return the format.

    The output keeps the input's format, so its extension must say the same (a ``.csv``
    input cannot be written to ``out.jsonl``; either may be compressed, ``out.csv.gz``, but
    not Parquet, which compresses its own data); it must not be the input itself; an
    output directory must not exist yet, or be empty, and must not lie inside the input.
    """
    fmt = output_format(input_path)
    out_abs, special = output_target(output)  # where it is written: a symbolic link is followed
    if input_path != "-" and os.path.exists(output) and os.path.samefile(input_path, output):
        raise ParameterError("the output is the input; write the cleaned corpus to another path", output)
    if special:
        raise ParameterError("is not a regular file; clean writes a file or a directory", output)
    if fmt == "dir":
        if os.path.exists(output) and not os.path.isdir(output):
            raise ParameterError("is a file; the output of a directory is a directory", output)
        name = os.path.basename(output.rstrip(os.sep))
        plain = without_compression(name)
        ext = os.path.splitext(plain)[1]
        ext = ext if ext.lower() in FORMATS_BY_EXTENSION or ext.lower() in TEXT_EXTENSIONS else ""
        suffix = ext + name[len(plain):]  # ".jsonl.gz" of "day.jsonl.gz", ".gz" of "news.v2.gz"
        if not os.path.exists(output) and suffix:
            # a file's name (`-o day.jsonl` made a directory of that name)
            raise ParameterError(f"the output of a directory is a directory; give it a name without {suffix}",
                                 output)
        if os.path.isdir(output) and os.listdir(output):
            raise ParameterError("the output directory exists and is not empty", output)
        in_abs = os.path.realpath(input_path)
        if out_abs.startswith(in_abs.rstrip(os.sep) + os.sep):
            raise ParameterError("the output directory lies inside the input directory", output)
        return fmt
    if os.path.isdir(output):
        raise ParameterError("is a directory; the output of a file is a file", output)
    out_kind = detect_format(output)
    if fmt in ("jsonl", "json", "csv", "parquet") and out_kind != fmt:
        raise ParameterError(f"the output keeps the input's format ({fmt}); give it a .{fmt} name", output)
    if fmt == "parquet" and compression_of(output) is not None:
        raise ParameterError("Parquet compresses its own data: give the output a .parquet name", output)
    return fmt


class Pending:
    """A temporary file or directory next to ``target``, renamed over it by :meth:`commit`.

    The temporary name keeps the target's extension, so it can be read back in the
    same format before it is committed. It is created at once (empty), so a place that
    cannot be written is an error before any work is done. A symbolic link is followed
    (the file it names is replaced, keeping its permissions); a special file (a FIFO, a
    device, a path under ``/dev``) is refused: written through, it could fail or wait
    after the manifest is in place. :meth:`discard` removes it.
    """

    def __init__(self, target: str, is_dir: bool = False):
        self.target = os.fsdecode(target)
        self.real, special = output_target(self.target)
        if special:
            raise ParameterError("is not a regular file; clean writes a file or a directory", self.target)
        directory = os.path.dirname(self.real)
        if not os.path.isdir(directory):
            raise DedupError("cannot write: no such directory", self.target)
        # named after the target as given, whose extension says the format (a link's
        # file may be named otherwise)
        name = os.path.basename(self.target.rstrip("/" + os.sep))
        self.path = os.path.join(directory, f".{uuid.uuid4().hex[:12]}.tmp.{name}")
        self.is_dir = is_dir
        with self.errors_named():
            if is_dir:
                os.mkdir(self.path)
            else:
                open(self.path, "xb").close()
                keep_mode(self.path, self.real)

    def errors_named(self) -> ContextManager[None]:
        """An ``OSError`` within (a full disk, a file size limit) as a :class:`DedupError`
        naming the target (:func:`~dedup.io.write_errors_named`)."""
        return write_errors_named(self.target)

    def commit(self) -> None:
        """Move the temporary output into place (an empty target directory is replaced)."""
        with self.errors_named(), committing():
            if self.is_dir and os.path.isdir(self.real):
                os.rmdir(self.real)  # empty (checked before writing)
            os.replace(self.path, self.real)

    def _commit_undoably(self) -> Callable[..., None]:
        """:meth:`commit`, returning what puts the target back as it was: the file it
        replaced, kept under another name (a hard link, else a copy) until
        :func:`commit_together` is done, or else no target at all (an empty directory
        again for a directory)."""
        previous = None
        if not self.is_dir and os.path.isfile(self.real):
            previous = self.path + ".previous"
            with self.errors_named():
                try:
                    os.link(self.real, previous)
                except OSError:  # a file system without hard links
                    try:
                        shutil.copy2(self.real, previous)
                    except BaseException:
                        if os.path.exists(previous):
                            os.remove(previous)
                        raise
        had_dir = self.is_dir and os.path.isdir(self.real)
        try:
            self.commit()
        except BaseException:
            if previous is not None:
                os.remove(previous)
            raise

        def undo(restore: bool = True) -> None:
            if not restore:
                if previous is not None:
                    with contextlib.suppress(OSError):  # the run is committed: a copy left is no error
                        os.remove(previous)
            elif previous is not None:
                os.replace(previous, self.real)
            elif self.is_dir:
                os.replace(self.real, self.path)  # discard() removes it
                if had_dir:
                    os.mkdir(self.real)
            else:
                os.remove(self.real)
        return undo

    def discard(self) -> None:
        if self.is_dir:
            shutil.rmtree(self.path, ignore_errors=True)
        elif os.path.exists(self.path):
            os.remove(self.path)


def commit_together(*pending: Pending) -> None:
    """Commit ``pending`` in order as one: should a rename fail (the output's, after the
    manifest's), those done before it are put back as they were, so that no manifest is
    left in place without its output; then the error is raised."""
    undos: list[Callable[..., None]] = []
    try:
        for p in pending[:-1]:
            undos.append(p._commit_undoably())
        if pending:
            pending[-1].commit()  # the last is undone by nothing
    except BaseException:
        for undo in reversed(undos):
            try:
                undo()
            except OSError:  # the first error is the one to report
                pass
        raise
    for undo in undos:
        undo(restore=False)


def write_documents(fmt: str, input_path: str, documents: Sequence[Document], texts: Sequence[str | None],
                    dest: str, text_field: str = "text") -> int:
    """Write the documents whose ``texts[i]`` is not None, with that text, to ``dest``.

    Args:
        fmt: the output format (:func:`output_format` of ``input_path``).
        input_path: where the documents were read from (CSV header, Parquet table).
        documents: every input document, in input order (record formats read with
            ``keep_records=True``).
        texts: the new text of each document, or None to leave it out.
        dest: the path to write (a temporary one: this function does not rename).

    Returns the number of documents written.
    """
    kept = [(d, t) for d, t in zip(documents, texts) if t is not None]
    # a file that began with a byte order mark (which reading strips) is written with one
    encoding = "utf-8-sig" if fmt != "dir" and _has_bom(input_path) else "utf-8"
    if fmt == "dir":
        _write_directory(kept, dest)
    elif fmt == "text":
        if len(kept) > 1:  # pragma: no cover - one text file is one document
            raise ParameterError("a text file holds one document")
        _write_text(dest, kept[0][1] if kept else "", encoding)
    elif fmt == "jsonl" and input_path != "-":
        _write_jsonl_lines(input_path, kept, dest, text_field, encoding)
    elif fmt in ("jsonl", "json"):
        # standard input (read once), or a JSON array: every kept record written again
        lines = (json_bytes(_record(d, t, text_field)) for d, t in kept)
        with compressed_output(dest) as f:
            if encoding == "utf-8-sig":
                f.write(codecs.BOM_UTF8)
            if fmt == "jsonl":
                f.writelines(line + b"\n" for line in lines)
            else:
                f.write(b"[\n" + b",\n".join(lines) + (b"\n]\n" if kept else b"]\n"))
    elif fmt == "csv":
        _write_csv(input_path, kept, dest, text_field, encoding)
    elif fmt == "parquet":
        _write_parquet(input_path, kept, dest, text_field)
    else:  # pragma: no cover
        raise ValueError(f"unknown format {fmt!r}")
    return len(kept)


def _record(doc: Document, text: str, text_field: str) -> dict:
    if doc.record is None:
        raise ValueError("records must be read with keep_records=True")  # pragma: no cover
    if text == doc.text:
        return doc.record
    record = dict(doc.record)
    record[text_field] = text
    return record


def _write_jsonl_lines(input_path: str, kept: list[tuple[Document, str]], dest: str, text_field: str,
                       encoding: str) -> None:
    """The kept records of JSONL file ``input_path``, each as its input line: as read where
    its text is unchanged, and with only the text's value replaced where it changed
    (:func:`_with_text`), so that every other field keeps its bytes (json would write a
    number too large for a double, ``1e400``, as ``Infinity``, which is not JSON, and
    ``1.0000000000000001`` as ``1.0``) and every line its ending. The file is read a
    second time, a line at a time, rather than every line being held from the first
    reading (``clean_file`` checks that it did not change in between)."""
    wanted = {d.line: (d, t) for d, t in kept}
    with open_input(input_path) as source, compressed_output(dest) as f:
        if encoding == "utf-8-sig":
            f.write(codecs.BOM_UTF8)
        for number, raw in enumerate(source, 1):
            if number not in wanted:
                continue
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            doc, text = wanted.pop(number)
            if text == doc.text:
                f.write(raw)
                continue
            body = raw.rstrip(b"\r\n")
            ending = raw[len(body):]
            line = _with_text(body.decode("utf-8"), text_field, text)
            f.write((json_bytes(_record(doc, text, text_field)) if line is None else line) + ending)
        if wanted:  # the file changed since it was read
            raise DedupError("the input changed while it was cleaned; nothing was written", input_path)


_WHITE_SPACE = re.compile(r"[ \t\n\r]*")


def _with_text(line: str, text_field: str, text: str) -> bytes | None:
    """``line``, one JSON object, with the value of its field ``text_field`` (the last one,
    as ``json.loads`` takes it) replaced by ``text`` and every other character as it was;
    None if ``line`` is not an object with that field. Values are found by json's own
    decoder (``raw_decode`` from a position), not parsed by hand."""
    decoder = json.JSONDecoder()
    span = None
    try:
        i = _WHITE_SPACE.match(line).end()
        if line[i:i + 1] != "{":
            return None
        i = _WHITE_SPACE.match(line, i + 1).end()
        while line[i:i + 1] == '"':
            key, i = decoder.raw_decode(line, i)
            i = _WHITE_SPACE.match(line, i).end()
            if line[i:i + 1] != ":":
                return None
            start = _WHITE_SPACE.match(line, i + 1).end()
            _, i = decoder.raw_decode(line, start)
            if key == text_field:
                span = (start, i)
            i = _WHITE_SPACE.match(line, i).end()
            if line[i:i + 1] == ",":
                i = _WHITE_SPACE.match(line, i + 1).end()
            elif line[i:i + 1] == "}":
                break
            else:
                return None
    except (ValueError, RecursionError):
        return None
    if span is None:
        return None
    return line[:span[0]].encode("utf-8") + json_bytes(text) + line[span[1]:].encode("utf-8")


def json_bytes(value: object) -> bytes:
    """``value`` (a record, a text) as one line of JSON in UTF-8, characters as themselves;
    a lone surrogate (which ``"\\ud800"`` in the input gives, and UTF-8 cannot hold)
    makes the line ASCII with escapes instead."""
    try:
        return json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value).encode("ascii")


def _has_bom(path: str) -> bool:
    if path == "-":
        return False
    with open_input(path) as f:
        return f.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8


def _write_text(path: str, text: str, encoding: str = "utf-8") -> None:
    with compressed_output(path, "w", encoding=encoding, newline="") as f:
        f.write(text)


def _write_directory(kept: list[tuple[Document, str]], dest: str) -> None:
    os.makedirs(dest, exist_ok=True)  # made empty by Pending
    for doc, text in kept:
        path = os.path.join(dest, *doc.id.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        _write_text(path, text, "utf-8-sig" if _has_bom(doc.path) else "utf-8")


def _write_csv(input_path: str, kept: list[tuple[Document, str]], dest: str, text_field: str,
               encoding: str = "utf-8") -> None:
    """The header and the kept records of CSV file ``input_path``: each as its input
    lines where its text is unchanged, so that every field keeps its quoting (a new
    user's review: ``""`` came back as an empty field and every quote not needed was
    dropped), else written anew with its new text, as the file ends its lines. Records
    are numbered by the line they start on, as the reader numbers them."""
    with io.TextIOWrapper(open_input(input_path), encoding="utf-8-sig", newline="") as f:
        lines = f.readlines()  # each with its own line ending
    rows = csv.reader(iter(lines), strict=True)
    header = next(rows, [])
    # the header's line ending (its last line's, should it span lines: "\r" alone too)
    end = lines[rows.line_num - 1] if header else ""
    terminator = "\r\n" if end.endswith("\r\n") else "\r" if end.endswith("\r") else "\n"
    wanted = {d.line: (d, t) for d, t in kept}
    text_column = header.index(text_field) if header else None  # (the reader checked it is there)
    with compressed_output(dest, "w", encoding=encoding, newline="") as f:
        f.write("".join(lines[:rows.line_num]) if header else "")
        writer = csv.writer(f, lineterminator=terminator)
        while wanted:
            start = rows.line_num + 1
            try:
                row = next(rows, None)
            except csv.Error:  # a malformed row that reading skipped (--skip-malformed)
                continue
            if row is None:
                raise DedupError("the input changed while it was cleaned; nothing was written", input_path)
            if start not in wanted:
                continue
            doc, text = wanted.pop(start)
            if text == doc.text:
                f.write("".join(lines[start - 1:rows.line_num]))  # the last may have no line ending
            else:  # its values by position (other columns may share a name), the text's replaced
                row[text_column] = text
                writer.writerow(row)


def _parquet_compression(meta: Any) -> str:
    """The codec a Parquet file (its metadata ``meta``) compresses its columns with, for its cleaned
    copy (a new user's review: a zstd input came back Snappy, pyarrow's default, which
    writes it when the file has no rows); that of most of its bytes, should its columns differ."""
    import pyarrow as pa

    size: dict[str, int] = {}  # bytes of each codec: columns compressed apart, the bulk's (a text's, say)
    for c in range(meta.num_columns if meta.num_row_groups else 0):
        column = meta.row_group(0).column(c)
        size[column.compression] = size.get(column.compression, 0) + column.total_compressed_size
    codec = max(size, key=size.get) if size else "SNAPPY"
    codec = {"UNCOMPRESSED": "NONE", "LZ4_RAW": "LZ4"}.get(codec, codec)
    return codec if codec == "NONE" or pa.Codec.is_available(codec.lower()) else "SNAPPY"


def _write_parquet(input_path: str, kept: list[tuple[Document, str]], dest: str, text_field: str) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    source = pq.ParquetFile(input_path)  # not read_table, whose datasets refuse columns of one name
    table = source.read()
    rows = [d.line - 1 for d, _ in kept]
    out = table.take(pa.array(rows, type=pa.int64()))
    changed = [(i, t) for i, (d, t) in enumerate(kept) if t != d.text]
    if changed:
        position = out.schema.get_field_index(text_field)
        field = out.schema.field(position)
        values = out.column(position).to_pylist()
        for i, t in changed:
            values[i] = t
        column = pa.array(values, type=pa.large_string() if pa.types.is_large_string(field.type) else pa.string())
        if column.type != field.type:
            column = column.cast(field.type)
        out = out.set_column(position, field, column)
    pq.write_table(out, dest, compression=_parquet_compression(source.metadata))
    with open(dest, "rb+") as f:
        os.fsync(f.fileno())
