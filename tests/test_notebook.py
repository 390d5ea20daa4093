"""Tests for notebook users: the quick-start notebook, the ``df.dedup`` accessor, progress bars.

The notebook is executed top to bottom in a real Jupyter kernel (nbclient + ipykernel),
in a copy of ``examples/``, so that it never rots.
"""

from __future__ import annotations

import io
import json
import os
import pty
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import dedup
from dedup.accessor import DedupAccessor
from dedup.cli import cli
from dedup.progress import Stages, bar

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"
NOTEBOOK = EXAMPLES / "quickstart.ipynb"
REUTERS = REPO / "tests" / "data" / "reuters_sample.jsonl"

#: appended to the executed copy only: inside Jupyter, bars are tqdm's notebook widget
WIDGET_CHECK = """from dedup.progress import bar
progress = bar(range(3), desc="widget check", delay=0)
list(progress)
import tqdm.notebook
print(isinstance(progress, tqdm.notebook.tqdm_notebook))"""


def _outputs(cell) -> str:
    """Everything a cell displayed, as text (plain, HTML and streams)."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append(out["text"])
        for mime in ("text/plain", "text/html"):
            parts.append(out.get("data", {}).get(mime, ""))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    nbformat = pytest.importorskip("nbformat", reason="pip install '.[test]' for the notebook test")
    nbclient = pytest.importorskip("nbclient", reason="pip install '.[test]' for the notebook test")
    pytest.importorskip("ipykernel", reason="pip install '.[test]' for the notebook test")
    workdir = tmp_path_factory.mktemp("examples")
    shutil.copytree(EXAMPLES / "news", workdir / "news")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(WIDGET_CHECK))
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(workdir)}})
    client.execute()  # raises CellExecutionError on the first failing cell
    return nb


def test_the_stored_notebook_has_no_outputs():
    """Outputs are made by running it; stored ones could silently disagree with the code."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)


def test_quickstart_runs_top_to_bottom(executed):
    code = [c for c in executed.cells if c.cell_type == "code"]
    assert all(o["output_type"] != "error" for c in code for o in c.outputs)
    text = {c.source.split("\n")[-1]: _outputs(c) for c in code}
    # the report's own summary, as Jupyter shows it
    assert "<strong>dedup report</strong>" in text["report"]
    # the three repeats of article 000
    repeats = text['report.repeats[["doc", "line", "repeat_of_line", "similarity", "text"]]']
    assert repeats.count("000_2ea5d5c95082bfe6.txt") >= 3 and "Putin and Xi: Defining Alliances" in repeats
    # one cluster: the original, its edited copy and its teaser
    clusters = text["report.clusters"]
    assert "001_3a9375036b298c0f.txt" in clusters and "syndicated-copy.txt" in clusters and "teaser.txt" in clusters
    assert "roundup.txt" in text["report.overlaps"]
    assert "Related Articles" in text["report.boilerplate"]
    assert any("open " in t and "dedup-quickstart.html" in t for t in text.values())
    assert any("MinHash estimate" in t for t in text.values())


def test_quickstart_cleans_when_clean_exists(executed):
    cleaned = [c for c in executed.cells if c.cell_type == "code" and ".dedup.clean(" in c.source]
    if not hasattr(dedup, "clean"):
        assert cleaned == []
        pytest.skip("dedup.clean is not part of this version")
    (cell,) = cleaned
    assert "8 rows -> 6 kept" in _outputs(cell)


def test_progress_is_the_notebook_widget_in_jupyter(executed):
    cell = executed.cells[-1]
    assert _outputs(cell).strip().endswith("True")
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in cell.outputs)


# ---------------------------------------------------------------------------
# pandas
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def wire() -> pd.DataFrame:
    return pd.read_json(REUTERS, lines=True).rename(columns={"text": "body", "id": "url"})


def test_accessor_is_registered_by_import_dedup():
    assert isinstance(pd.DataFrame({"text": ["a"]}).dedup, DedupAccessor)


def test_accessor_scan_is_dedup_scan(wire):
    via_accessor = wire.dedup.scan(text="body", id="url")
    direct = dedup.scan(wire, text="body", id="url")
    assert via_accessor.to_dict() == direct.to_dict()
    assert via_accessor.summary["clusters"] > 0
    # ids come from the column, rows of `documents` follow the input
    assert via_accessor.documents["doc"].tolist() == wire["url"].tolist()
    exact = wire[wire["kind"] == "exact"]
    pairs = via_accessor.clusters[via_accessor.clusters["doc"].isin(exact["url"])]
    family = dict(zip(wire["url"], wire["family"]))
    assert len(pairs) and all(family[r] == family[d] for r, d in zip(pairs["representative"], pairs["doc"]))


def test_accessor_passes_parameters(wire):
    strict = wire.dedup.scan(text="body", id="url", threshold=0.99, containment=1.0)
    assert strict.params["threshold"] == 0.99
    assert strict.summary["clusters"] < wire.dedup.scan(text="body", id="url").summary["clusters"]


def test_accessor_clean(wire):
    if not hasattr(dedup, "clean"):
        pytest.skip("dedup.clean is not part of this version")
    kept, removed = wire.dedup.clean(text="body", id="url")
    direct_kept, direct_removed = dedup.clean(wire, text="body", id="url")
    pd.testing.assert_frame_equal(kept, direct_kept)
    pd.testing.assert_frame_equal(removed, direct_removed)
    assert len(kept) < len(wire)


# ---------------------------------------------------------------------------
# progress
# ---------------------------------------------------------------------------


def test_no_bar_when_stderr_is_not_a_terminal():
    stream = io.StringIO()
    assert list(bar(range(1000), desc="reading", file=stream, delay=0)) == list(range(1000))
    assert stream.getvalue() == ""


def _read_all(leader: int) -> bytes:
    """Everything written to a pseudo-terminal whose other end is closed (one read may
    return only part of it), then the leader closed."""
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: all read, and the other end is closed
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return b"".join(chunks)


def test_a_bar_on_a_terminal():
    leader, follower = pty.openpty()
    with os.fdopen(follower, "w") as tty:
        assert tty.isatty()
        list(bar(range(50), desc="reading", unit="doc", file=tty, delay=0))
        stages = Stages("scan", ["blocks", "signatures", "clusters"], file=tty, delay=0)
        for name in stages.names:
            stages(name)
        stages.close()
        tty.flush()
    drawn = _read_all(leader).decode()
    assert "reading:" in drawn and "/50 [" in drawn and "doc/s" in drawn
    assert "scan:" in drawn and "/3 [" in drawn and "stage/s" in drawn


def test_no_bar_for_a_short_run_even_on_a_terminal():
    leader, follower = pty.openpty()
    with os.fdopen(follower, "w") as tty:
        list(bar(range(50), desc="reading", file=tty))  # default delay: a second
        tty.flush()
    os.set_blocking(leader, False)
    try:
        drawn = os.read(leader, 65536)
    except OSError:  # nothing to read (EAGAIN), or the terminal is gone (EIO)
        drawn = b""
    os.close(leader)
    assert drawn == b""


def test_json_output_is_never_mixed_with_progress():
    result = CliRunner().invoke(cli, ["scan", str(REUTERS), "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["summary"]["documents"] == 337
    assert "reading" not in result.output.replace(result.stdout, "")


def test_a_reports_frames_select_the_scanned_rows_and_changing_them_changes_no_report():
    # a library user's review: documents had a 0..n-1 index (df[report.documents.is_duplicate]
    # picked the wrong rows of a sorted DataFrame), and the frames were the report's own
    # state (a column set, or set_index(inplace=True), changed or broke what it rendered)
    news = sorted((EXAMPLES / "news").glob("*.txt")) + sorted((EXAMPLES / "day2").glob("*.txt"))
    df = pd.DataFrame({"url": [p.name for p in news], "body": [p.read_text(encoding="utf-8") for p in news]},
                      index=[f"row{k}" for k in range(len(news))]).iloc[::-1]
    report = dedup.scan(df, text="body", id="url")
    assert list(report.documents.index) == list(df.index)
    duplicates = set(report.clusters["doc"])
    assert len(duplicates) == 3
    assert set(df[report.documents["is_duplicate"]]["url"]) == duplicates
    rendered = (report.to_table(), report.to_json(), report.to_csv(), report.to_html())
    documents = report.documents
    documents["cluster"] = 99
    documents.index = documents.pop("doc")
    report.clusters.loc[0, "representative"] = "changed"
    del report.repeats["text"]
    assert (report.to_table(), report.to_json(), report.to_csv(), report.to_html()) == rendered
    assert len(report.signatures) == len(df)


def test_a_frame_whose_index_repeats_labels_is_warned_of_and_rows_refuses_to_guess():
    """Two days concatenated keep their 0..n-1 indexes: a label then names two rows, and
    ``df.loc[report.rows(...)]`` picked 82 rows for 41 duplicates (a new user's review)."""
    df = pd.read_json(REUTERS, lines=True, dtype={"id": str})
    two_days = pd.concat([df.iloc[:170].reset_index(drop=True), df.iloc[170:].reset_index(drop=True)])
    with pytest.warns(dedup.errors.DedupWarning, match="index repeats '0'.*reset_index"):
        report = dedup.scan(two_days, id="id")
    assert report.to_json() == dedup.scan(df, id="id").to_json()  # the findings are the same
    with pytest.raises(ValueError, match="index repeats '0'"):
        report.rows(report.clusters["doc"])
    fresh = two_days.reset_index(drop=True)
    again = dedup.scan(fresh, id="id")
    assert sorted(fresh.loc[again.rows(again.clusters["doc"]), "id"]) == sorted(again.clusters["doc"])
    with pytest.warns(dedup.errors.DedupWarning, match="index repeats"):
        dedup.clean(two_days, id="id")


def test_rows_takes_one_id_and_says_ids_are_strings_when_given_a_label():
    # a notebook user's review: rows(1) was "'int' object is not iterable", and rows([1])
    # "no document 1", for a frame whose row 1 is document "1"
    df = pd.read_json(REUTERS, lines=True, dtype={"id": str})[["text"]]
    report = dedup.scan(df)
    first = report.clusters["doc"].iloc[0]
    assert list(report.rows(first)) == [int(first)]
    for asked in (int(first), [int(first)]):
        with pytest.raises(KeyError, match=f"no document {first} in this report: ids are strings, rows\\('{first}'\\)"):
            report.rows(asked)
    with pytest.raises(KeyError, match="no document None in this report'"):
        report.rows([None])


def test_a_reports_params_scan_again_and_its_frames_keep_their_types_without_rows():
    # a notebook user's review: scan(**report.params) refused bands and rows, and
    # report.documents' ids and representatives were object (or float64) without clusters
    df = pd.read_json(REUTERS, lines=True, dtype={"id": str})
    report = dedup.scan(df, id="id", threshold=0.9)
    assert report.params["bands"] and dedup.scan(df, id="id", **report.params).to_json() == report.to_json()
    with pytest.raises(dedup.ParameterError, match=r"bands and rows follow from threshold and num_perm \(\d+ x \d+ here\)"):
        dedup.scan(df, id="id", **{**report.params, "threshold": 0.5})
    alone = dedup.scan(df.iloc[:3], id="id")  # no cluster
    empty = dedup.scan(df.iloc[:0], id="id")
    assert not len(alone.clusters) and not len(empty.documents)
    expected = report.documents.dtypes
    for other in (alone, empty):
        assert other.documents.dtypes.equals(expected), other.documents.dtypes
    assert pd.concat([report.documents, alone.documents, empty.documents]).dtypes.equals(expected)


def test_a_querys_frames_and_the_lists_in_a_reports_cells_are_copies_too(tmp_path):
    # a code review's cases: QueryReport's frames were its state, and a report's copies
    # shared the lists in their cells (boilerplate docs, overlap blocks)
    news = [p.read_text(encoding="utf-8") for p in sorted((EXAMPLES / "news").glob("*.txt"))]
    report = dedup.scan(news)
    rendered = report.to_json()
    report.boilerplate["docs"].iloc[0].append("changed")
    assert report.to_json() == rendered
    with dedup.Index(":memory:") as idx:
        idx.add(news[2:])
        query = idx.query(news)
        rendered = (query.to_csv(), query.to_json(), query.to_table())
        documents = query.documents
        documents.index = documents.pop("doc")
        query.matches["similarity"] = 0.0
        del query.repeats["text"]
        assert (query.to_csv(), query.to_json(), query.to_table()) == rendered


def test_ids_are_for_a_list_of_texts_and_must_be_unique():
    from dedup.errors import InputError, ParameterError
    from dedup.io import Document

    text = (EXAMPLES / "news" / "004_6f8f0e370cf2be10.txt").read_text(encoding="utf-8")
    with pytest.raises(ParameterError, match="ids= names the documents of a list of texts"):
        dedup.scan(pd.DataFrame({"text": [text, text]}), ids=["a", "b"])
    with pytest.raises(ParameterError, match="duplicate id '1'"):
        dedup.Scanner().scan([Document("1", text, "<memory>", 1), text])
    with pytest.raises(InputError, match="duplicate id 'a'"):
        dedup.scan([text, text], ids=["a", "a"])
