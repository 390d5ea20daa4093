"""The speed benchmark's runs of dedup side by side (``benchmarks/speed.py``): real child
processes over a small generated corpus (the peers, optional, are not needed)."""

from __future__ import annotations

import statistics

from benchmarks.generate import main as generate_main
from benchmarks.speed import PAIRED, measure_paired


def test_dedup_and_jobs2_alternate_and_report_medians_and_paired_ratios(tmp_path):
    path = tmp_path / "corpus.jsonl"
    generate_main(["300", "-o", str(path), "--seed", "3", "--dup-rate", "0.2"])
    rows = measure_paired(PAIRED, path, repeat=3)
    one, two = rows["dedup"], rows["dedup-jobs2"]
    assert len(one["runs"]) == len(two["runs"]) == 3
    # the reported run is the median one, by time
    for row in (one, two):
        assert row["seconds"] == statistics.median(r["seconds"] for r in row["runs"])
        assert {k: v for k, v in row.items() if k not in ("runs", "jobs2_ratio")} in row["runs"]
    # two threads find exactly the pairs one does, every run (the corpus has copies)
    pairs = {r["pairs"] for r in one["runs"] + two["runs"]}
    assert len(pairs) == 1 and pairs.pop() > 0
    ratio = two["jobs2_ratio"]
    expected = [a["seconds"] / b["seconds"] for a, b in zip(one["runs"], two["runs"])]
    assert ratio["paired"] == expected
    assert ratio["median"] == statistics.median(expected)
    assert 0 < ratio["after_import"]
    assert "jobs2_ratio" not in one


def test_one_tool_alone_has_no_ratio(tmp_path):
    path = tmp_path / "corpus.jsonl"
    generate_main(["50", "-o", str(path), "--seed", "4"])
    rows = measure_paired(["dedup-jobs2"], path, repeat=1)
    assert list(rows) == ["dedup-jobs2"]
    assert len(rows["dedup-jobs2"]["runs"]) == 1
    assert "jobs2_ratio" not in rows["dedup-jobs2"]


def test_a_failed_run_leaves_its_round_out_of_the_ratios(monkeypatch, tmp_path):
    import benchmarks.speed as speed

    times = iter([(10.0, 5.0), (None, 6.0), (12.0, 6.0)])  # the second round's one-thread run fails
    runs = []

    def measure(tool, path):
        if tool == "dedup":
            runs.append(next(times))
        seconds = runs[-1][0 if tool == "dedup" else 1]
        return None if seconds is None else {"seconds": seconds, "import_seconds": 1.0, "pairs": 7}

    monkeypatch.setattr(speed, "measure", measure)
    rows = speed.measure_paired(PAIRED, tmp_path / "corpus.jsonl", repeat=3)
    assert rows["dedup-jobs2"]["jobs2_ratio"]["paired"] == [2.0, 2.0]
    assert [r["seconds"] for r in rows["dedup"]["runs"]] == [10.0, 12.0]
    assert len(rows["dedup-jobs2"]["runs"]) == 3
