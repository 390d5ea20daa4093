"""Progress bars: tqdm on standard error for long runs, tqdm's widget in Jupyter.

Every bar is made by :func:`bar`, with two settings that keep output clean:

* ``disable=None``: tqdm turns the bar off when its stream is not a terminal, so a
  pipe, a CI log, a pre-commit run or ``--format json > out.json`` never gets one;
* ``delay=1`` (:data:`DELAY`): nothing is drawn for runs that end within a second.

The bar goes to standard error, never standard output. In Jupyter, ``tqdm.auto``
gives the notebook widget instead (with ``ipywidgets`` installed; without it, no bar).
"""

from __future__ import annotations

import warnings
from typing import Any, Iterable

#: Seconds a run must last before its bar appears.
DELAY = 1.0


_BAR_CLASS: type | None = None


def _tqdm_class() -> type:
    """tqdm.auto's class (the widget in Jupyter), without tqdm's monitor thread: a scan may
    fork worker processes after a bar exists, and forking a process with threads can deadlock."""
    global _BAR_CLASS
    if _BAR_CLASS is None:
        with warnings.catch_warnings():  # "IProgress not found": Jupyter without ipywidgets falls back to text
            warnings.simplefilter("ignore")
            from tqdm.auto import tqdm
        _BAR_CLASS = type("DedupBar", (tqdm,), {"monitor_interval": 0, "__module__": __name__})
    return _BAR_CLASS


def bar(iterable: Iterable | None = None, *, total: int | None = None, desc: str | None = None,
        unit: str = "it", **kwargs: Any):
    """A tqdm bar over ``iterable`` (or to update by hand), on stderr, for runs over a second.

    Args:
        iterable: what to iterate; ``None`` for a bar driven with ``update()``.
        total: number of items, when ``iterable`` has no ``len``.
        desc: label shown before the bar (``"reading"``, ``"scan"``).
        unit: what an item is (``"file"``, ``"doc"``, ``"stage"``).
        **kwargs: any other tqdm argument (``file=`` for a different stream, ``delay=``).

    Examples:
        >>> import io
        >>> [x for x in bar(range(3), desc="demo", file=io.StringIO())]  # not a terminal: no bar
        [0, 1, 2]
    """
    kwargs.setdefault("disable", None)
    kwargs.setdefault("delay", DELAY)
    kwargs.setdefault("leave", False)
    return _tqdm_class()(iterable, total=total, desc=desc, unit=unit, **kwargs)


class Stages:
    """A bar over the named stages of one run: call it once a stage is done.

    Examples:
        >>> import io
        >>> stages = Stages("scan", ["blocks", "signatures"], file=io.StringIO())
        >>> stages("blocks"); stages("signatures"); stages.close()
    """

    def __init__(self, desc: str, names: list[str], **kwargs: Any):
        self.names = list(names)
        self._bar = bar(total=len(self.names), desc=desc, unit="stage", **kwargs)

    def __call__(self, done: str) -> None:
        position = self.names.index(done) + 1
        following = self.names[position] if position < len(self.names) else "done"
        self._bar.set_postfix_str(following, refresh=False)
        self._bar.update(position - self._bar.n)

    def close(self) -> None:
        self._bar.close()
