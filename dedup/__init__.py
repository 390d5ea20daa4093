"""dedup: find duplicate and near-duplicate news articles.

Repeated paragraphs inside an article, near-duplicate articles grouped into clusters,
partial overlap between articles, and boilerplate shared by many of them.

>>> import dedup
>>> report = dedup.scan(["One story about the summit in Moscow today.", "Another, unrelated text."])
>>> report.summary["clusters"]
0
"""

from __future__ import annotations

from typing import Any

from .errors import DedupError, InputError, ParameterError
from .io import Document, documents_from_texts, read_dataframe_documents, read_documents  # noqa: F401
from .report import Report
from .scan import Params, Scanner
from .clean import clean
from .index import Index, QueryReport, as_documents
from . import accessor as _accessor  # noqa: F401  (registers the df.dedup accessor)

__all__ = ["scan", "Report", "Scanner", "Params", "Document", "DedupError", "InputError", "ParameterError",
           "read_documents", "clean", "Index", "QueryReport"]


def scan(data: Any, text: str = "text", id: str | None = None, ids: Any = None, client: Any = None,
         **params: Any) -> Report:
    """Scan documents for repeats, near-duplicate clusters, overlap and boilerplate.

    Args:
        data: a pandas DataFrame (``text`` names the text column, ``id`` the id column;
            without ``id`` the index is used), a Series of texts (its index gives the
            ids), a sequence of strings (ids "0", "1", ...), or a sequence of
            :class:`Document`; or a Dask DataFrame or Series, scanned by
            :func:`dedup.dask.scan` (on ``client``, else the current client or a local cluster).
        text, id: column names for DataFrame input.
        ids: the ids of a list of texts (default ``"0"``, ``"1"``, ...), as :meth:`Index.add` takes them.
        client: a ``distributed.Client`` whose Dask cluster does the per-document work
            (the result is the same), as :func:`dedup.clean` takes it.
        **params: any :class:`Params` field, e.g. ``threshold=0.8, ngram=5``; and
            ``jobs``, the threads of the scan (the result is the same).

    Returns:
        a :class:`Report` whose ``clusters``, ``repeats``, ``overlaps``,
        ``boilerplate`` and ``documents`` are DataFrames (``documents`` indexed like
        ``data``: a DataFrame's or Series' index, else 0, 1, ...).
    """
    from . import dask
    from .io import is_dask_collection

    if is_dask_collection(data):  # the same scan, its partitions read and signed on the cluster
        if ids is not None:
            raise ParameterError("ids= names the documents of a list of texts; a Dask DataFrame's come from its "
                                 "id column (id=) or its index")
        return dask.scan(data, text, id, client=client, **params)
    documents, labels = as_documents(data, text, id, ids)
    return Report(dask.scanner(client, **params).scan(documents), labels)
