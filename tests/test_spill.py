"""Arrays moved out of memory during a scan: signatures in a temporary file, free heap
pages handed back to the operating system."""

import errno
import os
import sys
from pathlib import Path

import numpy as np
import pytest

import dedup
from dedup.io import iter_documents
from dedup.memory import release_free_memory
from dedup.spill import SpilledRows

DATA = Path(__file__).parent / "data"


def test_rows_come_back_in_the_order_written(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    import tempfile
    monkeypatch.setattr(tempfile, "tempdir", None)
    rows = SpilledRows(np.uint32, 4)
    assert rows.read().shape == (0, 4)
    a = np.arange(12, dtype=np.uint32).reshape(3, 4)
    b = np.full((1, 4), 2**32 - 1, dtype=np.uint32)
    rows.append(a)
    rows.append(np.zeros((0, 4), dtype=np.uint32))
    rows.append(b)
    assert len(rows) == 4
    assert np.array_equal(rows.read(), np.concatenate((a, b)))
    assert np.array_equal(rows.read(), np.concatenate((a, b)))  # read again, same rows
    flat = rows.read(flat=True)  # row after row, in an array of its own
    assert np.array_equal(flat, np.concatenate((a, b)).reshape(-1)) and flat.flags.owndata
    assert os.listdir(tmp_path) == []  # an unnamed file: nothing left behind
    rows.close()


def test_a_scan_of_several_batches_gives_the_signatures_of_one(monkeypatch):
    from dedup import batch

    docs = list(iter_documents([DATA / "reuters_sample.jsonl"]))
    whole = dedup.Scanner().scan(docs)
    monkeypatch.setattr(batch, "BATCH_DOCS", 7)
    batched = dedup.Scanner().scan(docs)
    assert isinstance(batched.signature_rows, SpilledRows) and not isinstance(whole.signature_rows, SpilledRows)
    assert batched.signatures.dtype == np.uint32
    assert np.array_equal(batched.signatures, whole.signatures)
    assert np.array_equal(dedup.Report(batched).signature_matrix, dedup.Report(whole).signature_matrix)


def test_no_room_for_the_signature_file_is_a_clear_error(tmp_path, monkeypatch):
    import tempfile

    from click.testing import CliRunner

    from dedup import batch
    from dedup.cli import cli

    real = tempfile.TemporaryFile

    def no_room(*args, **kwargs):  # the disk under TMPDIR is full when signatures spill
        if kwargs.get("prefix") == "dedup-rows-":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(*args, **kwargs)

    monkeypatch.setattr(tempfile, "TemporaryFile", no_room)
    monkeypatch.setattr(batch, "BATCH_DOCS", 3)
    out = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["scan", str(DATA / "reuters_sample.jsonl"), "-o", str(out)])
    assert result.exit_code == 2, result.output
    message = result.output.strip().splitlines()[-1]
    assert "temporary signature file" in message and "No space left" in message and "TMPDIR" in message
    assert not out.exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_free_memory_goes_back_to_the_system():
    # arrays of 64 KB come from the heap; freeing every other one leaves pages that only
    # malloc_trim hands back
    def resident() -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

    arrays = [np.ones(8192) for _ in range(8000)]  # 512 MB
    del arrays[::2]
    before = resident()
    assert release_free_memory() is True
    assert resident() < before - 100 * 2**20
