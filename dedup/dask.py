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

Memory here is about that of a local scan (a million generated articles, two worker
processes: 1.98 GiB, against 1.96 GiB for ``dedup scan`` without the engine). What the cluster saves is time: the per-document work of
``W`` worker threads takes ``1/W`` as long, plus moving the texts (about as long as
reading them from a local disk). On one machine ``--jobs`` threads do the same work
without moving anything, and are faster.

Needs ``dask`` and ``distributed`` (``pip install 'dedup[dask]'``), on the workers too,
with ``dedup`` itself.
"""

from __future__ import annotations

import collections
import gc
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterable, Iterator

import numpy as np
import pandas as pd

from . import batch
from .corpus import Corpus
from .errors import DedupError, InputError, ParameterError
from .io import MEMORY, DocumentBatch, IdCheck, read_dataframe_documents, with_index_label
from .report import Report, _version
from .scan import Scanner, ScanResult, scanning
from .text import Utf8Texts

if TYPE_CHECKING:
    import distributed

__all__ = ["DaskScanner", "scan", "cluster", "connect", "scanner", "fingerprint", "IN_FLIGHT_PER_THREAD",
           "IN_FLIGHT_MAX_BYTES"]

#: batches (or partitions) sent to the cluster and not yet back, per worker thread:
#: two keep every thread busy while a result travels back, and bound what waits in
#: memory here (a batch's results are ~4 MB, its texts ~20 MB)
IN_FLIGHT_PER_THREAD = 2
#: bytes of texts in batches sent and not yet back, at most: the scheduler holds each
#: task's texts until it is done (so that a lost worker's tasks can run again), ~20 MB
#: a batch; 1 GiB keeps ~50 batches in flight, two a thread of a 25-thread cluster
IN_FLIGHT_MAX_BYTES = 1 << 30
#: seconds to wait for a scheduler named by address to answer, and for a scheduler
#: without workers to get one
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


def connect(address: str) -> "distributed.Client":
    """A ``distributed.Client`` of the scheduler at ``address`` (``tcp://host:8786``), or a
    :class:`ParameterError` naming it when no scheduler answers there in
    :data:`CONNECT_TIMEOUT` seconds (nothing listening, or something else: Dask's own
    timeout covers the connection, not the handshake after it, which an HTTP server
    or a silent listener leaves waiting for ever). The client is not made the
    process's default: a scan uses it only when given it."""
    distributed = _distributed()
    lock, state = threading.Lock(), {"abandoned": False}

    def make() -> None:
        failed = None
        try:
            # Dask's own timeout first, so that its reason (refused, unknown host) is the one told
            client = distributed.Client(address, timeout=CONNECT_TIMEOUT / 2, set_as_default=False)
        except BaseException as err:  # noqa: BLE001 - said in the error below
            failed = f"{type(err).__name__}: {err}"
        if failed is not None:
            state["error"] = failed
            # the half-made client, which the error's frames held, collected now rather than
            # at exit (where it waited 10 s to close, and printed a traceback)
            gc.collect()
            return
        with lock:
            late = state["abandoned"]
            if not late:
                state["client"] = client
        if late:  # given up on: not left connected
            client.close()

    # on a thread of its own that the process does not wait for, if it never returns
    thread = threading.Thread(target=make, name="dedup-dask-connect", daemon=True)
    thread.start()
    try:
        thread.join(CONNECT_TIMEOUT)
    finally:  # the deadline, or Ctrl-C: a client made from now on is closed at once
        with lock:
            state["abandoned"] = True
    if "client" in state:
        return state["client"]
    why = state.get("error", f"no answer in {CONNECT_TIMEOUT} s")
    raise ParameterError(f"no Dask scheduler answered at {address!r} ({why})")


#: :func:`_large_tasks` sets and restores Dask's configuration under it, so that two
#: scans on two threads cannot leave it set
_CONFIG_LOCK = threading.Lock()


@contextmanager
def _large_tasks() -> Iterator[None]:
    """Tasks that carry a batch of texts (~20 MB) sent without distributed's warning of a
    large graph (meant for data a graph repeats; a batch is sent once)."""
    import dask

    with _CONFIG_LOCK, dask.config.set({"distributed.admin.large-graph-warning-threshold": "1GB"}):
        yield


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

    The workers must compute what this process computes: each task checks, on its
    worker, that its :func:`fingerprint` (the source of ``dedup``'s modules and the
    results of a few fixed texts) is this process's (another version of ``dedup``, or of
    its dependencies, may find other duplicates), and the workers are checked so at the
    start of each scan.

    Examples:
        >>> from distributed import Client, LocalCluster  # doctest: +SKIP
        >>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
        >>> result = DaskScanner(client).scan(["a b c d e f", "a b c d e f"])  # doctest: +SKIP
        >>> result.cluster.tolist()  # doctest: +SKIP
        [0, 0]
    """

    def __init__(self, client: "distributed.Client | None" = None, jobs: int = 1, **params: Any):
        super().__init__(jobs=jobs, **params)
        distributed = _distributed()
        if client is not None and not isinstance(client, distributed.Client):
            raise ParameterError(f"client must be a distributed.Client (dedup.dask.connect(address) makes one), "
                                 f"not {type(client).__name__}")
        self.client = client

    def _args(self) -> tuple:
        """The arguments of :func:`dedup.batch.compute` after the texts."""
        p = self.params
        return p.ngram, p.scheme, p.num_perm, p.seed, p.short_block_words, p.bands

    def _features(self, batches: Iterable[Utf8Texts]) -> batch.BatchFeatures:
        """Each batch signed on the cluster, the results joined here in order."""
        args = self._args()
        with self._cluster(args) as client:
            results = batch.Results()
            window: collections.deque = collections.deque()  # (future, bytes of its texts)
            sent = 0
            expected = fingerprint(args)
            try:
                for texts in batches:
                    # its own bytes, not a view of the reader's buffer, which would travel whole
                    texts = Utf8Texts(texts.bytes().copy(), texts.offsets - texts.offsets[0])
                    size = int(texts.offsets[-1])
                    # the cluster's threads counted again each time: an adaptive one grows
                    while window and (len(window) >= IN_FLIGHT_PER_THREAD * _threads(client)
                                      or sent + size > IN_FLIGHT_MAX_BYTES):
                        future, done = window.popleft()
                        results.add(future.result())
                        sent -= done
                    # inside the task, which the scheduler holds until it is done: a worker lost
                    # midway (killed, out of memory) has its tasks run again elsewhere (data
                    # scattered to it is lost with it, and the scan with the data)
                    with _large_tasks():
                        future = client.submit(_checked_compute, texts, args, expected, pure=False)
                    window.append((future, size))
                    sent += size
                while window:
                    results.add(window.popleft()[0].result())
            finally:  # an error, or Ctrl-C: what is still on the cluster is given up
                client.cancel([future for future, _ in window])
            return _joined(results, args)

    def _scan_dataframe(self, ddf: Any, text: str = "text", id: str | None = None) -> tuple[ScanResult, pd.Index]:
        """The result of a scan of a Dask DataFrame's documents, each partition read and
        signed on the cluster, and the index the report is aligned to (``ddf``'s); see
        :func:`scan`."""
        dd = _dask_dataframe()
        if isinstance(ddf, dd.Series):
            ddf = ddf.to_frame(name=text)
        if not isinstance(ddf, dd.DataFrame):
            hint = "; dedup.scan takes a pandas one" if isinstance(ddf, (pd.DataFrame, pd.Series)) else ""
            raise ParameterError(f"expected a Dask DataFrame or Series, not {type(ddf).__name__}{hint}")
        read_dataframe_documents(ddf._meta, text=text, id=id)  # the columns, as a local scan checks them
        args = self._args()
        docs, labels = Corpus(), []
        ids, first_row = IdCheck(), {}
        with scanning(), self._cluster(args) as client:
            results = batch.Results()
            base = 0
            for part_ids, texts, index, feats in _partitions(client, ddf, text, id, args):
                lines = list(range(base + 1, base + len(part_ids) + 1))
                if id is None:  # ids from the index: a repeat is the index's, as a local scan says
                    for doc_id, line in zip(part_ids, lines):
                        if first_row.setdefault(doc_id, line) != line:
                            raise InputError(f"the DataFrame's index repeats {doc_id!r} (rows {first_row[doc_id]} "
                                             f"and {line}), and the index gives the ids; pass id= a column of "
                                             "unique ids", MEMORY)
                else:
                    try:
                        ids.add(part_ids, [MEMORY] * len(part_ids), lines)
                    except InputError as e:  # with the row's label, as a local scan says it
                        raise with_index_label(e, index[e.line - base - 1]) from None
                docs.extend(DocumentBatch(part_ids, texts, [MEMORY] * len(part_ids), lines))
                labels.append(index)
                for f in feats:
                    results.add(f)
                base += len(part_ids)
            feats = _joined(results, args)
            index = labels[0].append(labels[1:]) if labels else ddf._meta.index
            return self._compare_all(docs, feats), index

    @contextmanager
    def _cluster(self, args: tuple) -> Iterator["distributed.Client"]:
        """The client to use: the one given, the current one, or one of a local cluster
        started here (and closed on leaving); its workers checked (:func:`_check_workers`)
        for a scan with :func:`dedup.batch.compute` arguments ``args``."""
        distributed = _distributed()
        client = self.client
        if client is None:
            try:
                client = distributed.get_client()
            except ValueError:  # no client in this process
                pass
        if client is not None:
            if client.status in ("closing", "closed"):
                raise ParameterError("the Dask client is closed")
            if client.asynchronous:
                raise ParameterError("the Dask client is asynchronous; a scan needs a synchronous one "
                                     "(distributed.Client(address))")
            with _scheduler_kept(client):
                _check_workers(client, args)
                yield client
            return
        with cluster(jobs=self.jobs) as client, _scheduler_kept(client):
            yield client


def _joined(results: batch.Results, args: tuple) -> batch.BatchFeatures:
    """``results`` joined, or the features of no document (``args``: those of
    :func:`dedup.batch.compute`), as a local scan of nothing gives them."""
    return results.joined() if results.parts else batch.compute([], *args)


@contextmanager
def _scheduler_kept(client: "distributed.Client") -> Iterator[None]:
    """Inside, losing the scheduler (it stopped, the network went) is a one-line
    :class:`DedupError`, not distributed's traceback."""
    from distributed.client import FutureCancelledError
    from distributed.comm import CommClosedError

    try:
        yield
    except (CommClosedError, FutureCancelledError) as err:
        address = getattr(client.scheduler, "address", None) if client.scheduler is not None else None
        raise DedupError(f"lost the Dask scheduler{f' at {address!r}' if address else ''} "
                         f"({type(err).__name__}: {err})") from None


@contextmanager
def cluster(scheduler: str | None = None, jobs: int = 1) -> Iterator["distributed.Client"]:
    """A client of the scheduler at ``scheduler`` (:func:`connect`), or else of a local
    cluster of ``jobs`` worker processes of one thread each (``-1``: one a core), started
    here; closed on leaving (and the local cluster with it). The command line's
    ``--engine dask [--scheduler ADDRESS]``."""
    distributed = _distributed()
    if scheduler is not None:
        with connect(scheduler) as client:
            yield client
        return
    with distributed.LocalCluster(n_workers=batch.threads(jobs), threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as local, distributed.Client(local) as client:
        yield client


def scanner(client: "distributed.Client | None" = None, jobs: int = 1, **params: Any) -> Scanner:
    """A :class:`DaskScanner` on ``client``, or, without one, a local
    :class:`~dedup.scan.Scanner` (how ``clean`` and the command line choose their engine)."""
    if client is None:
        return Scanner(jobs=jobs, **params)
    return DaskScanner(client, jobs=jobs, **params)


def scan(ddf: Any, text: str = "text", id: str | None = None, client: "distributed.Client | None" = None,
         jobs: int = 1, **params: Any) -> Report:
    """:func:`dedup.scan` of a Dask DataFrame, its partitions read and signed on the cluster.

    Args:
        ddf: a Dask DataFrame (``text`` names the text column, null texts are empty;
            ``id`` the id column, without which the index gives the ids), or a Dask
            Series of texts (its index the ids). Ids are made as
            :func:`dedup.io.read_dataframe_documents` makes them, and a document's line
            is its row (1-based) in the whole frame.
        client: a ``distributed.Client``; None: the current one, else a local cluster of
            ``jobs`` worker processes for this scan.
        jobs: threads of the comparisons here (and the workers of a local cluster).
        **params: any :class:`~dedup.scan.Params` field.

    Returns:
        the :class:`~dedup.report.Report` that ``dedup.scan(ddf.compute(), text, id)``
        gives, its ``documents`` indexed like ``ddf``.

    An error in a row (a null id, a text that is no string, an id seen before) names
    its row in the whole frame, and stops the scan at the first partition holding one.
    A script that may start a local cluster calls this under ``if __name__ ==
    "__main__":`` (the worker processes import the script).
    """
    scanner = DaskScanner(client=client, jobs=jobs, **params)
    result, index = scanner._scan_dataframe(ddf, text, id)
    return Report(result, index)


def _partition_features(df: pd.DataFrame, text: str, id: str | None, args: tuple, expected: str
                        ) -> tuple[list[str], Utf8Texts, pd.Index, list[batch.BatchFeatures]] | InputError:
    """On a worker: a partition's ids, texts, index and per-document work (a batch of
    :data:`dedup.batch.BATCH_DOCS` at a time, its words dropped); or the
    :class:`InputError` of a row, which names its line in the partition (returned, not
    raised: the worker would log it as its own failure). The worker's
    :func:`fingerprint` is checked first (it must be ``expected``)."""
    _check_fingerprint(args, expected)
    try:
        # ids unchecked for repeats here: the client checks them across partitions, and
        # names the first row of a repeat in the whole frame
        documents = read_dataframe_documents(df, text=text, id=id, unique=False)
    except InputError as err:
        return err
    texts = Utf8Texts.from_strings([d.text for d in documents])
    step = batch.BATCH_DOCS
    feats = [batch.compute(texts.slice(a, min(a + step, len(documents))), *args, False)
             for a in range(0, len(documents), step)]
    return [d.id for d in documents], texts, df.index, feats


def _partitions(client: "distributed.Client", ddf: Any, text: str, id: str | None, args: tuple) -> Iterator[tuple]:
    """:func:`_partition_features` of each partition of ``ddf``, in order; a row's error
    raised with its line in the whole frame.

    Every partition goes to the cluster in one graph, computed once: a partition of
    ``ddf.to_delayed()`` carries the whole frame's graph (a frame made by
    ``from_pandas`` holds its data), so sent one at a time each sent it again (2,000
    articles in 1,000 partitions: 366 s), and sent in slices each slice of a shuffled
    frame ran the whole shuffle again (a review: its inputs read 106 times for 20
    partitions). The results are taken in order and each is given up once taken; the
    scheduler runs the partitions in about that order, and workers that run ahead of
    this process hold their results meanwhile (or spill them to disk, as Dask does)."""
    from dask import delayed

    expected = fingerprint(args)
    tasks = [delayed(_partition_features)(part, text, id, args, expected) for part in ddf.to_delayed()]
    window = collections.deque(client.compute(tasks))
    base = 0
    try:
        while window:
            result = window.popleft().result()
            if isinstance(result, InputError):
                line = None if result.line is None else result.line + base
                raise type(result)(result.message, result.path, line)
            base += len(result[0])
            yield result
    finally:  # an error, or Ctrl-C: what is still on the cluster is given up
        client.cancel(list(window))


def _check_workers(client: "distributed.Client", args: tuple) -> None:
    """A :class:`ParameterError` unless the cluster of ``client`` has a worker (waiting up
    to :data:`CONNECT_TIMEOUT` seconds for one) and every worker computes, for a scan with
    :func:`dedup.batch.compute` arguments ``args``, the :func:`fingerprint` this process
    computes (each task checks its worker again: :func:`_checked_compute`)."""
    if not client.nthreads():
        try:
            client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
        except (TimeoutError, OSError):
            raise ParameterError(f"the Dask scheduler at {client.scheduler.address!r} has no workers "
                                 f"(none joined in {CONNECT_TIMEOUT} s)") from None
    here = fingerprint(args)
    workers = list(client.nthreads())
    # a task on each worker (on its threads: Client.run would hold its event loop while a
    # worker without numba's cache compiles, 10-30 s)
    futures = [client.submit(fingerprint, args, workers=[w], allow_other_workers=False, pure=False)
               for w in workers]
    try:
        theirs = client.gather(futures)
    except Exception as err:  # a worker without dedup (ModuleNotFoundError), or another
        raise ParameterError(f"the Dask workers cannot run dedup ({type(err).__name__}: {err}): install "
                             f"dedup {_version()} there") from None
    other = [w for w, value in zip(workers, theirs) if value != here]
    if other:
        raise ParameterError(_other_results(other[0]))


#: texts whose per-document results a worker must reproduce (:func:`fingerprint`): a
#: paragraph long enough to sign, figures, a table row, non-ASCII letters, ligatures,
#: combining marks, dashes, quotes, character references (named and numeric), number
#: words, other line breaks, CJK and a stamp
_FINGERPRINT_TEXTS = [
    "Putin and Xi met in Moscow on Tuesday to discuss trade, energy and the war.\n\n"
    "Net profit 1.5 mln dlrs vs 1,234,000\n\nÉtude &amp; ﬁnance: 3-1/4 pct",
    "A second text, shorter.",
    "The deal \u2013 worth \u20ac2.5bn \u2014 was \u201cdone\u201d &#8217;today&rsquo; (cafe\u0301, SEVENTEEN, "
    "April six).\r\nNext line\u2028after a line separator\x0bvertical tab\n\n"
    "東京の株価は上昇した。Published 3 hours ago\n\nMarch 12, 2026 10:30 a.m. EST",
]
_FINGERPRINTS: dict = {}


def fingerprint(args: tuple) -> str:
    """A hash of the source of ``dedup``'s modules, of the Unicode tables, and of
    everything :func:`dedup.batch.compute` gives for a few fixed texts with arguments
    ``args`` (signatures, band keys, block and document hashes): equal on two machines
    that run the same ``dedup`` and tokenise and sign alike (computed once a process for
    each ``args``)."""
    import dataclasses
    import hashlib
    import unicodedata

    key = tuple(args)
    if key not in _FINGERPRINTS:
        f = batch.compute(_FINGERPRINT_TEXTS, *args, False)
        h = hashlib.sha256(_source_hash().encode())
        h.update(unicodedata.unidata_version.encode())
        parts = [getattr(f, name) for name in ("signatures", "band_keys", "type_hash", "doc_hash",
                                                "long_block_signatures", "long_block_set_sizes")]
        parts += [getattr(f.blocks, field.name) for field in dataclasses.fields(f.blocks)]
        for part in parts:  # little-endian whatever the machine
            part = np.asarray(part)
            h.update(np.ascontiguousarray(part, dtype=part.dtype.newbyteorder("<")).tobytes())
        _FINGERPRINTS[key] = h.hexdigest()
    return _FINGERPRINTS[key]


def _source_hash() -> str:
    """A hash of the source of this ``dedup`` (its modules, in name order): another
    commit's code, which may tokenise a text the fixed texts do not hold otherwise,
    fails the check even when the version is the same."""
    import hashlib
    from pathlib import Path

    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _other_results(worker: str) -> str:
    return (f"the Dask worker at {worker} computes other signatures than this process (dedup "
            f"{_version()}): install the same dedup, and numpy and numba, on every worker")


def _checked_compute(texts: Utf8Texts, args: tuple, expected: str) -> batch.BatchFeatures:
    """On a worker: :func:`dedup.batch.compute` of ``texts``, once its
    :func:`fingerprint` is found to be ``expected`` (a worker that joined the cluster
    after the scan began is checked too)."""
    _check_fingerprint(args, expected)
    return batch.compute(texts, *args, False)


def _check_fingerprint(args: tuple, expected: str) -> None:
    """On a worker: a :class:`ParameterError` naming it unless its :func:`fingerprint`
    is ``expected``, this process's."""
    if fingerprint(args) != expected:
        try:
            from distributed import get_worker

            worker = get_worker().address
        except (ImportError, ValueError):
            worker = "(unknown)"
        raise ParameterError(_other_results(worker))


def _threads(client: "distributed.Client") -> int:
    """The worker threads of ``client``'s cluster (at least 1)."""
    return max(1, sum(client.nthreads().values()))


def _dask_dataframe() -> Any:
    _distributed()
    import dask.dataframe as dd

    return dd
