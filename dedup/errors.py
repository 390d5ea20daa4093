"""The one error hierarchy of the library.

Every error a user can cause (bad input, bad parameters) is a :class:`DedupError`.
It carries the file and the line or record at fault, so that the command line can
print one line that names them and exit with code 2.
"""

from __future__ import annotations

import contextlib
import os
import sys
import warnings
from typing import Iterator


class DedupError(Exception):
    """An error caused by the user's input or parameters, not by a bug.

    Args:
        message: what is wrong, in one line.
        path: the file at fault, if any (``"-"`` for standard input).
        line: the 1-based line (JSONL, text) or record number (CSV, Parquet, JSON array), if known.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __reduce__(self):
        # pickled with its file and line (an error raised on a Dask worker comes back whole)
        return type(self), (self.message, self.path, self.line)

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = f"{self.path}:{self.line}: " if self.line is not None else f"{self.path}: "
        return f"{where}{self.message}"


class InputError(DedupError, ValueError):
    """Input that cannot be read: invalid UTF-8, binary data, malformed records, missing
    fields (a ``ValueError`` too, as Python's own readers raise)."""


class ParameterError(DedupError, ValueError):
    """Parameters that do not make sense together (e.g. a threshold outside 0..1; a
    ``ValueError`` too, as scikit-learn raises for its parameters).

    Args:
        params: the names of the parameters at fault, when the error knows them (an
            index built with others: ``check`` says where each came from).
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None,
                 params: tuple[str, ...] = ()):
        super().__init__(message, path, line)
        self.params = tuple(params)

    def __reduce__(self):
        return type(self), (self.message, self.path, self.line, self.params)


class DedupWarning(UserWarning):
    """Something the user should know that does not stop the work (an index whose
    stored words were normalised by an older dedup); the command line prints it as
    ``dedup: warning: ...``."""


def warn(message: str) -> None:
    """A :class:`DedupWarning` of ``message``, shown at the user's line: the first caller
    outside this package (and ``contextlib``, whose context managers it enters through)."""
    here = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(1), 1
    while frame is not None and (os.path.abspath(frame.f_code.co_filename).startswith(here)
                                 or frame.f_code.co_filename == contextlib.__file__):
        frame, level = frame.f_back, level + 1
    warnings.warn(DedupWarning(message), stacklevel=level + 1)


class _Interrupts:
    """What the command line's handler of Ctrl-C and SIGTERM has seen (:func:`interrupts_marked`):
    plain flags, set in the handler, which may run again inside itself (a second signal
    between two bytecodes of the first one's handling): an ``Event``'s lock would then
    wait on itself."""

    interrupted = False  # a signal came (and was perhaps swallowed by numba)
    terminated = False  # ... and it was SIGTERM (:func:`terminated`)
    committing = False  # output is being put in place (:func:`committing`)
    committed = False  # ... and has been: a signal is let pass


_STATE = _Interrupts()


@contextlib.contextmanager
def committing() -> Iterator[None]:
    """Put output in place inside the block (a file renamed over its target, an index
    transaction committed). The command line's handler of Ctrl-C and SIGTERM
    (:func:`interrupts_marked`) raises nothing inside it, and once it is done the run
    counts as committed: a signal is then let pass, the rest of the output is put in
    place too, and the run exits 0. An interrupt in a run's last moments made it exit
    130 with everything written (and a retry on 130 cleaned the day again against an
    index that held it: an empty output in place of the day's), or, between two renames,
    left the manifest of a clean in place without its output (a data engineer's
    review). Should the block fail, its error is raised, and an interrupt that came
    meanwhile after it (:func:`check_interrupted`)."""
    _STATE.committing = True
    try:
        yield
        _STATE.committed = True
    finally:
        _STATE.committing = False


@contextlib.contextmanager
def interrupts_marked(ignore_when_done: bool = False):
    """Inside the block, Ctrl-C raises KeyboardInterrupt as always, and is also
    remembered: numba swallows one raised while it loads its compiled loops (inside a
    ``ctypes`` callback, printing "Exception ignored"), and the run went on to write its
    output and exit 0. :func:`check_interrupted` raises it again before anything is put
    in place. SIGTERM, which schedulers send (Airflow, Kubernetes, systemd, ``timeout``),
    is taken the same way, so that the temporary files go too (it left them before, a
    data engineer's review), and is told apart (:func:`terminated`). A signal the process
    was started ignoring (a background job's SIGINT) stays ignored, and one whose handler
    was not set from Python is left alone. For the command
    line's main thread: the handlers before, and an unmarked state, come back when the
    block ends; with ``ignore_when_done`` (the console script, which exits next), a
    block that ends without an error leaves both signals ignored instead, so that one
    while the interpreter shuts down does not turn a finished run into 130 or 143. A
    library leaves the process's signals alone."""
    import signal

    _STATE.interrupted = _STATE.committed = _STATE.terminated = False

    def remember(signum, frame):
        if _STATE.committed:  # output is in place: the command finishes (committing)
            return
        _STATE.interrupted = True
        if signum == signal.SIGTERM:
            _STATE.terminated = True
        if not _STATE.committing:  # else the output goes in place, or its error is raised
            signal.default_int_handler(signum, frame)

    before = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        # left as they are: a signal ignored, and a handler not set from Python (None),
        # which could not be put back
        if signal.getsignal(sig) not in (signal.SIG_IGN, None):
            before[sig] = signal.signal(sig, remember)
    done = False
    try:
        yield
        done = True
    finally:
        for sig, handler in before.items():
            if done and ignore_when_done:
                signal.signal(sig, signal.SIG_IGN)
            else:
                signal.signal(sig, handler)
        _STATE.interrupted = _STATE.committed = False


def terminated() -> bool:
    """Whether the interrupt :func:`interrupts_marked` saw last was SIGTERM, not Ctrl-C
    (the command line exits 143 for it, as a shell reports a process that SIGTERM ended)."""
    return _STATE.terminated


def check_interrupted() -> None:
    """A KeyboardInterrupt if Ctrl-C was pressed, even one that was swallowed, unless
    output was put in place since (:func:`committing`)."""
    if _STATE.interrupted and not _STATE.committed:
        raise KeyboardInterrupt
