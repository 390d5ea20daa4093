"""The scan on a Dask cluster: the per-document work on the workers, the comparisons here.

A scan has two halves (:mod:`dedup.scan`). The per-document work (tokenising,
shingling, signing, the band keys and block hashes of :func:`dedup.batch.compute`)
is about two thirds of its time and depends on one document alone, so it runs on
the cluster's workers, a batch or a partition at a time. What it gives back is small:
~1 KB a document (the 512-byte signature, band keys, the block table), against the
~5 KB of an article's text and the ~12 bytes of each of its ~500 shingles.

The comparisons (LSH candidates, exact verification, groups, boilerplate, clusters,
repeats and overlap) need every document's band keys and block types at once; they
run in this process, on the joined results, with the code of the local engine. So
the results are identical to a local scan's: :func:`dedup.batch.compute` gives the same
arrays for any cut into batches, and they are joined in input order.

Two ways in:

- :class:`DaskScanner` takes documents read here (the command line's
  ``dedup scan --engine dask``): each batch of texts is sent to the cluster, at most
  :data:`IN_FLIGHT_PER_THREAD` batches a worker thread at a time, and signed there.
- :func:`scan` takes a Dask DataFrame, whose partitions are read and signed where
  they are; their texts come back with the results (the verification and the report
  quote them), into this process's corpus, which keeps them in a temporary file.

Memory here is that of a local scan without its per-document work (a million
articles: under 2 GiB). What the cluster saves is time: the per-document work of
``W`` worker threads takes ``1/W`` as long, plus moving the texts (about as long as
reading them from a local disk). On one machine ``--jobs`` threads do the same work
without moving anything, and are faster.

Needs ``dask`` and ``distributed`` (``pip install 'dedup[dask]'``), on the workers too,
with ``dedup`` itself.
"""

from __future__ import annotations

import collections
import itertools
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

import pandas as pd

from . import batch
from .corpus import Corpus
from .errors import InputError, ParameterError
from .io import MEMORY, DocumentBatch, IdCheck, read_dataframe_documents
from .report import Report
from .scan import Params, Scanner, ScanResult
from .text import Utf8Texts

__all__ = ["DaskScanner", "scan", "IN_FLIGHT_PER_THREAD"]

#: batches (or partitions) sent to the cluster and not yet back, per worker thread:
#: two keep every thread busy while a result travels back, and bound what waits in
#: memory here (a batch's results are ~4 MB, its texts ~20 MB)
IN_FLIGHT_PER_THREAD = 2
#: seconds to wait for a scheduler named by address to answer
CONNECT_TIMEOUT = 10


def _distributed() -> Any:
    """The ``distributed`` module, or a :class:`ParameterError` saying how to install it."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed
    except ImportError as err:
        raise ParameterError(f"the Dask engine needs dask and distributed ({err.msg}): "
                             "pip install 'dedup[dask]'") from None
    return distributed


def connect(address: str) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address`` (``tcp://host:8786``), or a
    :class:`ParameterError` naming it when it does not answer in :data:`CONNECT_TIMEOUT` seconds."""
    distributed = _distributed()
    try:
        return distributed.Client(address, timeout=CONNECT_TIMEOUT)
    except (OSError, TimeoutError, ValueError, TypeError) as err:
        raise ParameterError(f"no Dask scheduler answered at {address!r} ({err})") from None


class DaskScanner(Scanner):
    """A :class:`~dedup.scan.Scanner` whose per-document work runs on a Dask cluster.

    Args:
        client: a ``distributed.Client``. None: the current one (``distributed.get_client``),
            else a local cluster of ``jobs`` worker processes (one thread each) is
            started for each scan and closed after it.
        jobs: threads of the comparisons in this process (as :class:`Scanner`'s), and
            the workers of a local cluster started for want of a client (``-1``: one a
            core). Results do not depend on it, nor on the cluster.
        **params: any field of :class:`~dedup.scan.Params`.

    Examples:
        >>> from distributed import Client, LocalCluster  # doctest: +SKIP
        >>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
        >>> result = DaskScanner(client).scan(["a b c d e f", "a b c d e f"])  # doctest: +SKIP
        >>> result.cluster.tolist()  # doctest: +SKIP
        [0, 0]
    """

    def __init__(self, client: Any = None, jobs: int = 1, **params: Any):
        super().__init__(jobs=jobs, **params)
        _distributed()
        self.client = client

    def _args(self) -> tuple:
        p = self.params
        return p.ngram, p.scheme, p.num_perm, p.seed, p.short_block_words, p.bands

    def _features(self, batches: Iterable[Utf8Texts]) -> batch.BatchFeatures:
        """Each batch signed on the cluster, the results joined here in order."""
        args = self._args()
        with self._cluster() as client:
            results = batch.Results()
            window: collections.deque = collections.deque()
            limit = IN_FLIGHT_PER_THREAD * _threads(client)
            for texts in batches:
                if len(window) >= limit:
                    results.add(window.popleft().result())
                # its own bytes, not a view of the reader's buffer, which would travel whole
                texts = Utf8Texts(texts.bytes().copy(), texts.offsets - texts.offsets[0])
                # sent to a worker as data, not inside the task (which the scheduler would carry)
                window.append(client.submit(batch.compute, client.scatter(texts), *args, False, pure=False))
            for future in window:
                results.add(future.result())
            window.clear()
            if not results.parts:  # no document
                return batch.compute([], *args)
            return results.joined()

    def scan_dataframe(self, ddf: Any, text: str = "text", id: str | None = None
                       ) -> tuple[ScanResult, pd.Index]:
        """Scan a Dask DataFrame's documents, each partition read and signed on the
        cluster; and the index the report is aligned to (``ddf``'s).

        Args:
            ddf: a Dask DataFrame (or a Series of texts, its index the ids).
            text: the column of the texts (null: an empty text).
            id: the column of the ids; None: the index gives them. Ids are made as
                :func:`dedup.io.read_dataframe_documents` makes them, and the documents'
                lines are their row numbers (1-based) in the whole frame.
        """
        dd = _dask_dataframe()
        if isinstance(ddf, dd.Series):
            ddf = ddf.to_frame(name=text)
        if not isinstance(ddf, dd.DataFrame):
            hint = "; dedup.scan takes a pandas one" if isinstance(ddf, (pd.DataFrame, pd.Series)) else ""
            raise ParameterError(f"expected a Dask DataFrame or Series, not {type(ddf).__name__}{hint}")
        read_dataframe_documents(ddf._meta, text=text, id=id)  # the columns, as a local scan checks them
        from dask import delayed

        args = self._args()
        docs, labels, ids = Corpus(), [], IdCheck()
        parts = [delayed(_partition_features)(part, text, id, args) for part in ddf.to_delayed()]
        with self._cluster() as client:
            results = batch.Results()
            base = 0
            for number, (part_ids, texts, index, feats) in enumerate(_in_order(client, parts)):
                lines = list(range(base + 1, base + len(part_ids) + 1))
                ids.add(part_ids, [MEMORY] * len(part_ids), lines)
                docs.extend(DocumentBatch(part_ids, texts, [MEMORY] * len(part_ids), lines))
                labels.append(index)
                for f in feats:
                    results.add(f)
                base += len(part_ids)
            feats = results.joined() if results.parts else batch.compute([], *args)
        index = labels[0].append(labels[1:]) if labels else ddf._meta.index
        return self._compare_all(docs, feats), index

    @contextmanager
    def _cluster(self) -> Iterator[Any]:
        """The client to use: the one given, the current one, or one of a local cluster
        started here (and closed on leaving)."""
        distributed = _distributed()
        if self.client is not None:
            yield self.client
            return
        try:
            yield distributed.get_client()
            return
        except ValueError:  # no client in this process
            pass
        workers = batch.threads(self.jobs)
        with distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      dashboard_address=":0") as cluster, distributed.Client(cluster) as client:
            yield client


def scan(ddf: Any, text: str = "text", id: str | None = None, client: Any = None, jobs: int = 1,
         **params: Any) -> Report:
    """:func:`dedup.scan` of a Dask DataFrame, its partitions read and signed on the cluster.

    Args:
        ddf: a Dask DataFrame (``text`` names the text column, ``id`` the id column;
            without ``id`` the index is used), or a Dask Series of texts.
        client: a ``distributed.Client``; None: the current one, else a local cluster of
            ``jobs`` worker processes for this scan.
        jobs: threads of the comparisons here (and the workers of a local cluster).
        **params: any :class:`~dedup.scan.Params` field.

    Returns:
        the :class:`~dedup.report.Report` that ``dedup.scan(ddf.compute(), text, id)``
        gives, its ``documents`` indexed like ``ddf``.
    """
    scanner = DaskScanner(client=client, jobs=jobs, **params)
    result, index = scanner.scan_dataframe(ddf, text, id)
    return Report(result, index)


def _partition_features(df: pd.DataFrame, text: str, id: str | None, args: tuple
                        ) -> tuple[list[str], Utf8Texts, pd.Index, list[batch.BatchFeatures]]:
    """On a worker: a partition's ids, texts, index and per-document work (a batch of
    :data:`dedup.batch.BATCH_DOCS` at a time, its words dropped). An error in a row
    names its line in the partition; :func:`_in_order` makes it the frame's."""
    documents = read_dataframe_documents(df, text=text, id=id)
    texts = Utf8Texts.from_strings([d.text for d in documents])
    step = batch.BATCH_DOCS
    feats = [batch.compute(texts.slice(a, min(a + step, len(documents))), *args, False)
             for a in range(0, len(documents), step)]
    return [d.id for d in documents], texts, df.index, feats


def _in_order(client: Any, parts: list) -> Iterator[tuple]:
    """The results of the delayed ``parts`` in order, at most :data:`IN_FLIGHT_PER_THREAD`
    a worker thread computed ahead; an :class:`InputError` at line ``k`` of a partition
    raised at its line in the whole frame."""
    limit = IN_FLIGHT_PER_THREAD * _threads(client)
    pending = iter(parts)
    window = collections.deque(client.compute(p) for p in itertools.islice(pending, limit))
    base = 0
    while window:
        future = window.popleft()
        try:
            result = future.result()
        except InputError as err:
            raise type(err)(err.message, err.path, None if err.line is None else err.line + base) from None
        nxt = next(pending, None)
        if nxt is not None:
            window.append(client.compute(nxt))
        base += len(result[0])
        yield result


def _threads(client: Any) -> int:
    """The worker threads of ``client``'s cluster (at least 1)."""
    return max(1, sum(client.nthreads().values()))


def _dask_dataframe() -> Any:
    _distributed()
    import dask.dataframe as dd

    return dd
