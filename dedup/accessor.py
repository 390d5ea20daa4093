"""The ``df.dedup`` pandas accessor, registered when ``dedup`` is imported.

>>> import pandas as pd, dedup
>>> df = pd.DataFrame({"url": ["a", "b"], "body": ["Talks will resume at 1000 EST tomorrow, the union said.",
...                                                "Talks will resume at 1000 EST tomorrow, the union said."]})
>>> report = df.dedup.scan(text="body", id="url")
>>> report.clusters[["representative", "doc", "exact"]].to_dict("records")
[{'representative': 'a', 'doc': 'b', 'exact': True}]
"""

from __future__ import annotations

from typing import Any

import pandas as pd


@pd.api.extensions.register_dataframe_accessor("dedup")
class DedupAccessor:
    """``df.dedup.scan(...)`` and ``df.dedup.clean(...)``: :func:`dedup.scan` and
    :func:`dedup.clean` on this DataFrame.

    Args (of both methods):
        text: the column holding the text (default ``"text"``).
        id: the column holding the document ids; ``None`` uses the index.
        **params: scan parameters (:class:`dedup.Params` fields), e.g. ``threshold=0.8``.
    """

    def __init__(self, df: pd.DataFrame):
        self._df = df

    def scan(self, text: str = "text", id: str | None = None, **params: Any):
        """Scan the rows for repeats, near-duplicate clusters, overlap and boilerplate; a :class:`dedup.Report`."""
        from . import scan

        return scan(self._df, text=text, id=id, **params)

    def clean(self, text: str = "text", id: str | None = None, **kwargs: Any):
        """``(kept, removed)`` DataFrames: :func:`dedup.clean` on this DataFrame."""
        import dedup

        clean = getattr(dedup, "clean", None)
        if clean is None:
            raise NotImplementedError("dedup.clean is not available in this version of dedup")
        return clean(self._df, text=text, id=id, **kwargs)
