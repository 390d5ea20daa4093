"""Arrays a scan keeps for its result but not for its work, moved to a temporary file.

A scan needs each document's 128-value signature only to cut it into band keys;
afterwards the signatures are part of the result (``ScanResult.signatures``, the
lean MinHashes of a report) but no stage reads them again. Held in memory they were
the largest array of a large scan, 512 bytes an article: half a gigabyte for a
million. :class:`SpilledRows` writes such rows, a batch at a time, to an unnamed
temporary file under ``TMPDIR`` (deleted by the operating system when closed, even
if the process is killed) and reads them back whole when asked.
"""

from __future__ import annotations

import os
import tempfile
import weakref
from typing import IO

import numpy as np

from .errors import DedupError

__all__ = ["SpilledRows", "spill_error"]


def closed_with(owner: object, file: IO) -> IO:
    """``file``, closed (and so deleted, a temporary one) when ``owner`` is collected or
    the interpreter exits: a report kept to the end of a script left its texts' file to
    be closed at shutdown, with a ``ResourceWarning``."""
    weakref.finalize(owner, file.close)
    return file


class SpilledRows:
    """Rows of ``width`` values of ``dtype``, appended in order to a temporary file.

    Args:
        dtype: the values' type (stored in native byte order).
        width: values per row.
        what: what the rows are, for the error message when the disk is full.

    Examples:
        >>> rows = SpilledRows(np.uint32, 3)
        >>> rows.append(np.arange(6, dtype=np.uint32).reshape(2, 3))
        >>> rows.read().tolist(), len(rows)
        ([[0, 1, 2], [3, 4, 5]], 2)
    """

    def __init__(self, dtype: np.dtype | type, width: int, what: str = "rows"):
        self.dtype = np.dtype(dtype)
        self.width = int(width)
        self.what = what
        self._rows = 0
        try:
            self._file = closed_with(self, tempfile.TemporaryFile(prefix="dedup-rows-"))
        except OSError as err:
            raise spill_error(err, what) from err

    def __len__(self) -> int:
        return self._rows

    def append(self, rows: np.ndarray) -> None:
        """Write ``rows`` (``(m, width)``) after those already written."""
        rows = np.ascontiguousarray(rows, dtype=self.dtype).reshape(-1, self.width)
        try:
            self._file.write(memoryview(rows.reshape(-1).view(np.uint8)))
        except OSError as err:
            raise spill_error(err, self.what) from err
        self._rows += len(rows)

    def read(self, flat: bool = False) -> np.ndarray:
        """Every row written, as a new ``(len(self), width)`` array (one dimension, row
        after row, if ``flat``: an array of its own, where ``reshape`` gives a view)."""
        self._file.flush()
        out = np.empty(self._rows * self.width if flat else (self._rows, self.width), dtype=self.dtype)
        view = memoryview(out.reshape(-1).view(np.uint8))
        done = 0
        while done < len(view):  # one pread may return less than asked
            got = os.preadv(self._file.fileno(), [view[done:]], done)
            if got == 0:  # pragma: no cover - the file was truncated under us
                raise DedupError(f"the scan's temporary {self.what} file ended early")
            done += got
        return out

    def close(self) -> None:
        """Delete the file."""
        self._file.close()

    def __getstate__(self) -> dict:
        """The rows in memory (an open file cannot be pickled): a report that holds
        them can be pickled, copied or sent to another process."""
        state = {k: v for k, v in self.__dict__.items() if k != "_file"}
        state["rows"] = self.read()
        return state

    def __setstate__(self, state: dict) -> None:
        """Pickled rows back, in a temporary file of their own."""
        rows = state.pop("rows")
        self.__init__(state["dtype"], state["width"], state["what"])
        self.append(rows)


def spill_error(err: OSError, what: str) -> DedupError:
    """The one-line error for a temporary file that cannot be written."""
    return DedupError(f"cannot write the scan's temporary {what} file in {tempfile.gettempdir()}: "
                      f"{err.strerror or err} (a scan needs about as much room as its input's texts; "
                      "set TMPDIR to a directory with room)")
