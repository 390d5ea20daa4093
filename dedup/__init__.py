"""dedup: find duplicate and near-duplicate news articles.

Repeated paragraphs inside an article, near-duplicate articles grouped into clusters,
partial overlap between articles, and boilerplate shared by many of them.

>>> import dedup
>>> report = dedup.scan(["One story about the summit in Moscow today.", "Another, unrelated text."])
>>> report.summary["clusters"]
0
"""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

from .errors import DedupError, InputError, ParameterError
from .io import Document, documents_from_texts, read_dataframe_documents, read_documents
from .report import Report
from .scan import Params, Scanner
from .clean import clean
from .index import Index, QueryReport
from . import accessor as _accessor  # noqa: F401  (registers the df.dedup accessor)

__all__ = ["scan", "Report", "Scanner", "Params", "Document", "DedupError", "InputError", "ParameterError",
           "read_documents", "clean", "Index", "QueryReport"]


def scan(data: Any, text: str = "text", id: str | None = None, **params: Any) -> Report:
    """Scan documents for repeats, near-duplicate clusters, overlap and boilerplate.

    Args:
        data: a pandas DataFrame (``text`` names the text column, ``id`` the id column;
            without ``id`` the index is used), a sequence of strings (ids "0", "1", ...),
            or a sequence of :class:`Document`.
        text, id: column names for DataFrame input.
        **params: any :class:`Params` field, e.g. ``threshold=0.8, ngram=5``.

    Returns:
        a :class:`Report` whose ``clusters``, ``repeats``, ``overlaps``,
        ``boilerplate`` and ``documents`` are DataFrames.
    """
    return Report(Scanner(**params).scan(_documents(data, text, id)))


def _documents(data: Any, text: str, id: str | None) -> list[Document]:
    if isinstance(data, pd.DataFrame):
        return read_dataframe_documents(data, text=text, id=id)
    if isinstance(data, str):
        raise ParameterError("scan() takes a list of texts or a DataFrame, not a single string")
    items = list(data) if isinstance(data, Iterable) else None
    if items is None:
        raise ParameterError(f"scan() takes a list of texts or a DataFrame, not {type(data).__name__}")
    if all(isinstance(x, Document) for x in items):
        return items
    return documents_from_texts(items)
