"""The Dask engine against a local Dask cluster: the same report as the local engine."""

import json
import pickle
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import dask.dataframe as dd
import distributed

import dedup
import dedup.dask as dedup_dask
from dedup.cli import cli
from dedup.io import read_documents

SAMPLE = Path(__file__).parent / "data" / "reuters_sample.jsonl"
NEWS = Path(__file__).parents[1] / "examples" / "news"


@pytest.fixture(scope="module")
def client():
    """Two worker processes of one thread, as a small cluster's; not the default client,
    so that a scan given none starts its own."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0") as cluster:
        with distributed.Client(cluster, set_as_default=False) as c:
            yield c


def _not_here(*args, **kwargs):
    """In place of this process's tokeniser: the per-document work must run on the workers."""
    raise AssertionError("the per-document work ran in this process")


def _frames():
    from benchmarks.generate import generate_articles

    # generated articles with ~10 % near-copies, and real re-issued Reuters stories
    yield "generated", pd.DataFrame(list(generate_articles(400, seed=3)))
    yield "reuters", pd.read_json(SAMPLE, lines=True, dtype={"id": str})


@pytest.mark.parametrize("partitions", [1, 5])
@pytest.mark.parametrize("name,df", list(_frames()), ids=["generated", "reuters"])
def test_a_dask_dataframe_gives_the_local_report(client, name, df, partitions):
    local = dedup.scan(df, id="id")
    ddf = dd.from_pandas(df, npartitions=partitions, sort=False)
    report = dedup_dask.scan(ddf, id="id", client=client)
    assert local.summary["clusters"] > 0 and local.summary["overlaps"] > 0
    assert report.to_json() == local.to_json()
    pd.testing.assert_frame_equal(report.documents, local.documents)
    assert (report.signature_matrix == local.signature_matrix).all()


def test_a_dask_series_takes_its_index_as_ids(client):
    df = pd.read_json(SAMPLE, lines=True, dtype={"id": str}).set_index("id")
    ddf = dd.from_pandas(df, npartitions=3, sort=False)
    local = dedup.scan(df["text"])
    report = dedup_dask.scan(ddf["text"], client=client)
    assert report.to_json() == local.to_json()
    assert report.documents.index.equals(df.index)


def test_documents_read_here_are_signed_on_the_cluster_in_batches(client, monkeypatch):
    from dedup import batch

    docs = list(read_documents([str(SAMPLE)]))
    local = dedup.Report(dedup.Scanner().scan(docs))
    monkeypatch.setattr(batch, "BATCH_DOCS", 50)  # 7 batches, several in flight at once

    monkeypatch.setattr(batch, "tokenize", _not_here)  # the workers' dedup.batch is their own
    remote = dedup.Report(dedup_dask.DaskScanner(client).scan(iter(docs)))
    assert remote.to_json() == local.to_json()
    assert (remote.signature_matrix == local.signature_matrix).all()


def test_batches_equal_to_earlier_ones(client, monkeypatch):
    # a feed dumped twice: batches with the same texts are each their own data on the cluster
    from dedup import batch

    texts = pd.read_json(SAMPLE, lines=True)["text"].tolist()
    base, other = texts[:50], texts[50:100]
    docs = base * 10 + other + base * 10
    monkeypatch.setattr(batch, "BATCH_DOCS", 50)
    local = dedup.Report(dedup.Scanner().scan(docs))
    remote = dedup.Report(dedup_dask.DaskScanner(client).scan(docs))
    assert local.summary["duplicate_documents"] >= 900 and remote.to_json() == local.to_json()


def test_partitions_larger_than_a_batch_and_empty_ones(client):
    # a worker cuts a partition into batches of BATCH_DOCS (here 40, set on the workers);
    # a filter leaves partitions empty
    df = pd.read_json(SAMPLE, lines=True, dtype={"id": str})
    from dedup import batch

    client.run(exec, "import dedup.batch; dedup.batch.BATCH_DOCS = 40")
    try:
        whole = dedup_dask.scan(dd.from_pandas(df, npartitions=1), id="id", client=client)
        assert whole.to_json() == dedup.scan(df, id="id").to_json()
        ddf = dd.from_pandas(df, npartitions=12, sort=False)
        kept = ddf[ddf["id"].str.endswith("7")]
        local = dedup.scan(df[df["id"].str.endswith("7")], id="id")
        assert any(len(p) == 0 for p in kept.to_delayed() for p in [p.compute()])
        assert dedup_dask.scan(kept, id="id", client=client).to_json() == local.to_json()
    finally:
        client.run(exec, f"import dedup.batch; dedup.batch.BATCH_DOCS = {batch.BATCH_DOCS}")


def test_many_partitions(client):
    from benchmarks.generate import generate_articles

    df = pd.DataFrame(list(generate_articles(300, seed=4)))
    report = dedup_dask.scan(dd.from_pandas(df, npartitions=150, sort=False), id="id", client=client)
    assert report.to_json() == dedup.scan(df, id="id").to_json() and report.summary["clusters"] > 0


def test_an_error_in_a_partition_is_raised_as_it_is_and_frees_the_cluster(client):
    # a user's function failing in a partition, with the client current (not given)
    df = pd.read_json(SAMPLE, lines=True, dtype={"id": str})
    ddf = dd.from_pandas(df, npartitions=8, sort=False)
    bad = ddf.map_partitions(_fail_in_the_fifth, meta=ddf._meta)
    with client.as_current(), pytest.raises(ValueError, match="a corrupt row group"):
        dedup_dask.scan(bad, id="id")
    import gc
    import time

    gc.collect()
    for _ in range(50):  # cancelling is asynchronous
        if sum(client.run(_stored).values()) == 0:
            break
        time.sleep(0.1)
    assert sum(client.run(_stored).values()) == 0


def _fail_in_the_fifth(df):
    if (df["id"] == _ROW_200).any():  # the fifth partition of eight
        raise ValueError("a corrupt row group")
    return df


_ROW_200 = pd.read_json(SAMPLE, lines=True, dtype={"id": str})["id"].iloc[200]


def _stored(dask_worker):
    return len(dask_worker.data)


def test_no_documents(client):
    report = dedup_dask.scan(dd.from_pandas(pd.DataFrame({"text": []}, dtype=str), npartitions=1), client=client)
    assert report.summary["documents"] == 0
    assert dedup.Report(dedup_dask.DaskScanner(client).scan([])).summary["documents"] == 0


def test_an_error_names_the_row_in_the_whole_frame(client):
    df = pd.DataFrame({"id": [f"d{i}" for i in range(10)], "text": [f"text number {i}" for i in range(10)]})
    cases = [df.assign(id=["a"] + [f"d{i}" for i in range(1, 9)] + ["a"]),   # a repeat in the last partition
             df.assign(id=[f"d{i}" for i in range(8)] + [None, "x"]),         # a null id in the third
             df.assign(id=[f"d{i}" for i in range(9)] + ["d8"])]              # a repeat in one partition
    for frame in cases:
        with pytest.raises(dedup.InputError) as local:
            dedup.scan(frame, id="id")
        with pytest.raises(dedup.InputError) as remote:
            dedup_dask.scan(dd.from_pandas(frame, npartitions=3, sort=False), id="id", client=client)
        assert str(remote.value) == str(local.value) and remote.value.line in (9, 10)
    with pytest.raises(dedup.InputError, match="no column 'body'"):
        dedup_dask.scan(dd.from_pandas(df, npartitions=2), text="body", client=client)
    with pytest.raises(dedup.ParameterError, match="dedup.scan takes a pandas one"):
        dedup_dask.scan(df, client=client)


def test_a_worker_lost_midway_has_its_batches_signed_again(monkeypatch):
    # a worker killed (out of memory, preempted) while batches are in flight: its tasks
    # run again on the worker the nanny starts, and the report is the same
    import os
    import signal

    from dedup import batch

    docs = list(read_documents([str(SAMPLE)]))
    local = dedup.Report(dedup.Scanner().scan(docs))
    monkeypatch.setattr(batch, "BATCH_DOCS", 20)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster, \
            distributed.Client(cluster, set_as_default=False) as c:
        c.run(batch.compute, ["warm up the compiled loops"], 3, "fast", 128, 1, 8, (16, 8))
        pid = next(iter(c.run(os.getpid).values()))
        add, killed = batch.Results.add, []

        def add_then_kill(self, part):
            add(self, part)
            if not killed:
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        monkeypatch.setattr(batch.Results, "add", add_then_kill)
        remote = dedup.Report(dedup_dask.DaskScanner(c).scan(docs))
    assert killed and remote.to_json() == local.to_json()


def test_connecting_to_something_that_is_no_scheduler(monkeypatch):
    import socket

    monkeypatch.setattr(dedup_dask, "CONNECT_TIMEOUT", 1)
    with socket.socket() as listener:  # accepts, and says nothing
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        address = "tcp://127.0.0.1:%d" % listener.getsockname()[1]
        with pytest.raises(dedup.ParameterError, match="no Dask scheduler answered at"):
            dedup_dask.connect(address)


def test_an_asynchronous_client(client):
    import asyncio

    async def scan_with_an_asynchronous_client():
        async with distributed.Client(client.scheduler.address, asynchronous=True, set_as_default=False) as c:
            with pytest.raises(dedup.ParameterError, match="asynchronous"):
                dedup_dask.DaskScanner(c).scan(["a text"])

    asyncio.run(scan_with_an_asynchronous_client())


@pytest.mark.parametrize("address", ["http://127.0.0.1:1", "notaurl", "tcp://127.0.0.1:1"])
def test_a_bad_scheduler_address_is_one_line_with_its_reason(address):
    # in a process of its own: a half-made client left to the exit printed a traceback there
    import subprocess

    result = subprocess.run([sys.executable, "-m", "dedup", "scan", str(NEWS), "--engine", "dask",
                             "--scheduler", address], capture_output=True, text=True)
    assert result.returncode == 2 and result.stdout == "" and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"dedup: error: no Dask scheduler answered at {address!r}")
    assert "no answer in" not in result.stderr  # Dask's reason (refused, not an address), not the deadline


def test_a_client_that_is_no_client_or_closed():
    with pytest.raises(dedup.ParameterError, match="client must be a distributed.Client"):
        dedup_dask.DaskScanner("tcp://127.0.0.1:8786")
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as cluster:
        closed = distributed.Client(cluster, set_as_default=False)
        closed.close()
        with pytest.raises(dedup.ParameterError, match="client is closed"):
            dedup_dask.DaskScanner(closed).scan(["a text"])


def test_workers_that_compute_otherwise_or_none(client, monkeypatch):
    # another dedup (or numpy, numba) on the workers: their signatures of a fixed text
    # differ from this process's; here made to differ on this side
    scanner = dedup_dask.DaskScanner(client)
    args = scanner._args()
    real = dedup_dask.fingerprint(args)
    monkeypatch.setitem(dedup_dask._FINGERPRINTS, tuple(args), "computed by another dedup")
    with pytest.raises(dedup.ParameterError, match=r"computes other signatures than this process"):
        scanner.scan(["a text of some words"])
    monkeypatch.undo()
    # the same version from another commit: its source differs
    monkeypatch.setattr(dedup_dask, "_FINGERPRINTS", {})
    monkeypatch.setattr(dedup_dask, "_source_hash", lambda: "another commit's modules")
    with pytest.raises(dedup.ParameterError, match=r"computes other signatures than this process"):
        scanner.scan(["a text of some words"])
    # and a worker that joins later is checked by each task, on the worker
    with pytest.raises(dedup.ParameterError, match=r"computes other signatures"):
        dedup_dask._checked_compute(dedup.text.Utf8Texts.from_strings(["a text"]), args, real)
    monkeypatch.undo()
    # a dedup imported from a checkout, never installed, has no version, and scans the same
    import importlib.metadata

    def not_installed(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", not_installed)
    docs = pd.read_json(SAMPLE, lines=True)["text"].tolist()[:60]
    assert dedup.Report(dedup_dask.DaskScanner(client).scan(docs)).to_json() == dedup.scan(docs).to_json()
    monkeypatch.undo()
    monkeypatch.setattr(dedup_dask, "CONNECT_TIMEOUT", 1)
    with distributed.LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as empty, \
            distributed.Client(empty, set_as_default=False) as nobody:
        with pytest.raises(dedup.ParameterError, match="has no workers"):
            dedup_dask.DaskScanner(nobody).scan(["a text of some words"])


def test_errors_keep_their_file_and_line_when_pickled():
    # an error raised on a worker travels back pickled
    err = pickle.loads(pickle.dumps(dedup.InputError("null id", "<memory>", 9)))
    assert (type(err), err.path, err.line, str(err)) == (dedup.InputError, "<memory>", 9, "<memory>:9: null id")
    err = pickle.loads(pickle.dumps(dedup.ParameterError("bad", None, None, ("threshold",))))
    assert err.params == ("threshold",)


def test_cli_engine_dask_on_a_scheduler_gives_the_local_report(client):
    local = CliRunner().invoke(cli, ["scan", str(SAMPLE), "--format", "json"])
    remote = CliRunner().invoke(cli, ["scan", str(SAMPLE), "--format", "json", "--engine", "dask",
                                      "--scheduler", client.scheduler.address])
    assert (local.exit_code, remote.exit_code) == (0, 0), remote.output
    assert remote.output == local.output and json.loads(local.output)["summary"]["clusters"] > 0


def test_cli_engine_dask_without_a_scheduler_starts_a_local_cluster():
    local = CliRunner().invoke(cli, ["scan", str(NEWS)])
    remote = CliRunner().invoke(cli, ["scan", str(NEWS), "--engine", "dask", "--jobs", "1"])
    assert (local.exit_code, remote.exit_code) == (0, 0), remote.output
    assert remote.output == local.output and "repeat" in local.output


def test_cli_scheduler_errors(monkeypatch):
    result = CliRunner().invoke(cli, ["scan", str(NEWS), "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2 and "add --engine dask" in result.output
    monkeypatch.setattr(dedup_dask, "CONNECT_TIMEOUT", 1)
    result = CliRunner().invoke(cli, ["scan", str(NEWS), "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2
    assert result.output.startswith("dedup: error: no Dask scheduler answered at 'tcp://127.0.0.1:1'")


def test_without_dask_the_engine_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed fails
    with pytest.raises(dedup.ParameterError, match=r"pip install 'dedup\[dask\]'"):
        dedup_dask.DaskScanner()
    result = CliRunner().invoke(cli, ["scan", str(NEWS), "--engine", "dask"])
    assert result.exit_code == 2 and "pip install 'dedup[dask]'" in result.output


def test_the_readme_example_prints_what_it_shows(client, tmp_path):
    import ast
    import re

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    shown = re.search(r"report\.summary\n((?:# .*\n)+)", readme).group(1)
    summary = ast.literal_eval(re.sub(r"^# ?", "", shown, flags=re.M).replace("\n", " "))
    # the sample's stories in three Parquet files, as the README's scrape/2026-11-27/
    df = pd.read_json(SAMPLE, lines=True, dtype={"id": str})
    for k in range(3):
        df.iloc[k * 120:(k + 1) * 120].to_parquet(tmp_path / f"part-{k}.parquet")
    ddf = dd.read_parquet(str(tmp_path / "*.parquet"))
    report = dedup_dask.scan(ddf, id="id", client=client)
    assert ddf.npartitions == 3 and report.summary == summary
    assert report.to_json() == dedup.scan(df, id="id").to_json()


def test_clean_on_the_cluster_writes_what_a_local_clean_writes(client, tmp_path):
    outputs = []
    for engine in ([], ["--engine", "dask", "--scheduler", client.scheduler.address]):
        out = tmp_path / f"clean{len(outputs)}.jsonl"
        result = CliRunner().invoke(cli, ["clean", str(SAMPLE), "-o", str(out), *engine])
        assert result.exit_code == 0, result.output
        outputs.append((out.read_bytes(), Path(str(out) + ".removed.jsonl").read_bytes(), result.output.split(";")[0]))
    assert outputs[0] == outputs[1] and b"duplicate_of" in outputs[0][1]


def test_clean_of_a_dataframe_with_a_client(client, monkeypatch):
    from dedup import batch

    df = pd.read_json(SAMPLE, lines=True, dtype={"id": str})
    kept, removed = dedup.clean(df, id="id")

    monkeypatch.setattr(batch, "tokenize", _not_here)
    kept_d, removed_d = dedup.clean(df, id="id", client=client)
    assert len(removed) > 40
    pd.testing.assert_frame_equal(kept_d, kept)
    pd.testing.assert_frame_equal(removed_d, removed)


def test_dedup_scan_of_a_dask_dataframe_is_the_dask_scan_and_clean_asks_for_a_pandas_one(client):
    """A new user's review: dedup.scan(ddf) iterated the frame like a list of texts and
    scanned its 6 column names as 6 documents (and clean returned them as kept rows)."""
    df = pd.read_json(SAMPLE, lines=True, dtype={"id": str})
    ddf = dd.from_pandas(df, npartitions=3, sort=False)
    local = dedup.scan(df, id="id")
    assert dedup.scan(ddf, id="id", client=client).to_json() == local.to_json()
    assert dedup.scan(ddf["text"], client=client).summary == dedup.scan(df["text"]).summary
    assert dedup.scan(df, id="id", client=client).to_json() == local.to_json()  # pandas data, signed on the cluster
    with pytest.raises(dedup.ParameterError, match=r"pass a pandas one \(its \.compute\(\)\)"):
        dedup.clean(ddf, id="id", client=client)
    with pytest.raises(dedup.ParameterError, match="ids="):
        dedup.scan(ddf, ids=["a"], client=client)
    import dask.bag as db  # a Bag of texts is iterated, as a list is

    texts = df["text"].tolist()[:40]
    assert dedup.scan(db.from_sequence(texts, npartitions=2)).to_json() == dedup.scan(texts).to_json()


def test_clean_checks_its_paths_before_it_looks_for_a_scheduler(tmp_path, monkeypatch):
    # a wrong -o or a missing input is the error, not the unreachable scheduler (10 s later)
    def no_cluster(*args, **kwargs):
        raise AssertionError("a cluster was sought before the paths were checked")

    monkeypatch.setattr(dedup_dask, "cluster", no_cluster)
    for args, message in ((["clean", str(SAMPLE), "-o", "-"], "give -o a path"),
                          (["clean", str(tmp_path / "missing.jsonl"), "-o", str(tmp_path / "out.jsonl")],
                           "no such file or directory")):
        result = CliRunner().invoke(cli, [*args, "--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"])
        assert result.exit_code == 2 and message in result.output, result.output
