"""Tests of ``dedup check``, ``[tool.dedup]`` and the pre-commit hook, on real articles.

Every test builds a real git repository in a temporary directory holding the seed
articles of ``examples/news`` (and real Reuters-21578 stories from ``tests/data``), runs
the real command, and compares its findings with line numbers computed here from the
files themselves. The last test installs the hook with the real ``pre-commit``.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import dedup
from dedup.check import check
from dedup.cli import cli

REPO = Path(__file__).resolve().parents[1]
NEWS = REPO / "examples" / "news"
DOC0, DOC1, DOC2, DOC3, DOC4 = sorted(p.name for p in NEWS.glob("*.txt"))
SEED = {p.name: p.read_text(encoding="utf-8") for p in NEWS.glob("*.txt")}
REUTERS = {r["id"]: r for r in map(json.loads, (REPO / "tests" / "data" / "reuters_sample.jsonl").open())}
DISTINCT = [r["text"] for r in REUTERS.values() if r["kind"] == "distinct"]

#: git's variables of an enclosing run (a hook sets GIT_INDEX_FILE, GIT_DIR) must not reach the test repositories
GIT_ENV = {**{k: v for k, v in os.environ.items() if not k.startswith("GIT_")},
           "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
           "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _own_git_environment(monkeypatch):
    """``dedup check`` runs git in-process here: give it the test repositories' environment."""
    for key in list(os.environ):
        if key.startswith("GIT_"):
            monkeypatch.delenv(key)
    for key, value in GIT_ENV.items():
        if key.startswith("GIT_"):
            monkeypatch.setenv(key, value)


def git(cwd: Path, *args: str) -> str:
    out = subprocess.run(["git", *args], cwd=cwd, env=GIT_ENV, capture_output=True, text=True)
    assert out.returncode == 0, (args, out.stderr)
    return out.stdout


def _runner() -> CliRunner:
    try:  # click < 8.2 mixes stderr into output unless told not to
        return CliRunner(mix_stderr=False)
    except TypeError:
        return CliRunner()


class Corpus:
    """A git repository of articles; ``check`` runs ``dedup check`` inside it."""

    def __init__(self, root: Path):
        self.root = root

    def write(self, rel: str, text: str, newline: str = "\n") -> str:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.replace("\n", newline).encode("utf-8"))
        return rel

    def add(self, *rels: str) -> None:
        git(self.root, "add", "--", *rels)

    def commit(self, message: str = "articles") -> None:
        git(self.root, "commit", "-q", "--no-verify", "-m", message)

    def check(self, *args: str):
        return self.run("check", *args)

    def run(self, *args: str):
        cwd = os.getcwd()
        os.chdir(self.root)
        try:
            return _runner().invoke(cli, list(map(str, args)))
        finally:
            os.chdir(cwd)

    def findings(self, *paths: str, **params) -> list[str]:
        cwd = os.getcwd()
        os.chdir(self.root)
        try:
            return [str(f) for f in check(paths, **params).findings]
        finally:
            os.chdir(cwd)


def make_corpus(root: Path, seeds=(DOC0, DOC1, DOC2, DOC3, DOC4), prefix: str = "articles/") -> Corpus:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q")
    corpus = Corpus(root)
    names = [corpus.write(prefix + name, SEED[name]) for name in seeds]
    corpus.add(*names)
    corpus.commit()
    return corpus


@pytest.fixture
def corpus(tmp_path) -> Corpus:
    return make_corpus(tmp_path / "corpus")


def tree_digest(root: Path) -> str:
    """A hash of every file below ``root`` (names and bytes), ``.git`` left out."""
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and ".git" not in p.relative_to(root).parts):
        h.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def lines_of(text: str, paragraph: str) -> list[int]:
    """1-based lines (``\\n``-counted) whose stripped text is ``paragraph``."""
    return [i + 1 for i, line in enumerate(text.split("\n")) if line.strip() == paragraph.strip()]


def paragraphs(text: str) -> list[str]:
    return [line.strip() for line in text.split("\n") if line.strip()]


def edited(text: str, every: int = 40) -> str:
    """``text`` with every ``every``-th word replaced, as a copy edited by hand would be."""
    out, n = [], 0
    for line in text.split("\n"):
        words = line.split(" ")
        for i, w in enumerate(words):
            n += 1
            if n % every == 0 and w.isalpha():
                words[i] = w.upper() if w.islower() else "tremendous"
        out.append(" ".join(words))
    return "\n".join(out)


# ---------------------------------------------------------------------------
# the three codes on real articles
# ---------------------------------------------------------------------------


def test_repeated_paragraphs_of_seed_000(corpus):
    text = SEED[DOC0]
    title, kremlin, leaders = paragraphs(text)[1], paragraphs(text)[5], paragraphs(text)[6]
    expected = []
    for paragraph in (title, kremlin, leaders):
        first, again = lines_of(text, paragraph)
        expected.append(f"articles/{DOC0}:{again}:1: DUP001 repeated paragraph (first at line {first})")
    result = corpus.check(f"articles/{DOC0}")
    assert result.exit_code == 1, result.stderr
    assert result.stdout.splitlines() == expected
    assert expected == [f"articles/{DOC0}:4:1: DUP001 repeated paragraph (first at line 2)",
                        f"articles/{DOC0}:9:1: DUP001 repeated paragraph (first at line 7)",
                        f"articles/{DOC0}:10:1: DUP001 repeated paragraph (first at line 8)"]
    assert result.stderr == "dedup check: 3 findings in 1 file; checked 1 file against a corpus of 5 files\n"


def test_clean_articles_pass(corpus):
    result = corpus.check(*(f"articles/{d}" for d in (DOC1, DOC2, DOC3, DOC4)))
    assert (result.exit_code, result.stdout) == (0, ""), result.stderr
    assert result.stderr == "dedup check: no findings; checked 4 files against a corpus of 5 files\n"


def test_near_copy_of_a_tracked_article(corpus):
    copy = edited(SEED[DOC1])
    assert copy != SEED[DOC1]
    corpus.write("incoming/dispatch.txt", copy)
    corpus.add("incoming/dispatch.txt")
    result = corpus.check("incoming/dispatch.txt")
    assert result.exit_code == 1
    # the similarity the library measures for the same two texts
    similarity = dedup.scan([SEED[DOC1], copy]).clusters["similarity"].iloc[0]
    assert 0.78 <= similarity < 1
    assert result.stdout == (f"incoming/dispatch.txt:1:1: DUP002 near-duplicate of articles/{DOC1} "
                             f"(similarity {similarity:.2f})\n")
    # the original was not named, so nothing is reported on it; named, it gets its own finding
    assert corpus.check(f"articles/{DOC1}").stdout == (
        f"articles/{DOC1}:1:1: DUP002 near-duplicate of incoming/dispatch.txt (similarity {similarity:.2f})\n")


def test_compressed_articles_are_checked_and_tracked_ones_are_in_the_corpus(tmp_path):
    """An article kept compressed (``.txt.gz``, ``.md.bz2``) is checked as its text, lines
    counted in the decompressed text, and a tracked one is part of the default corpus."""
    corpus = make_corpus(tmp_path / "corpus", seeds=(DOC2, DOC3, DOC4))
    (corpus.root / "articles" / f"{DOC0}.gz").write_bytes(gzip.compress(SEED[DOC0].encode("utf-8")))
    (corpus.root / "articles" / f"{DOC1[:-4]}.md.bz2").write_bytes(bz2.compress(SEED[DOC1].encode("utf-8")))
    corpus.add(f"articles/{DOC0}.gz", f"articles/{DOC1[:-4]}.md.bz2")
    corpus.commit("compressed articles")
    result = corpus.check(f"articles/{DOC0}.gz")
    assert result.exit_code == 1, result.stderr
    assert result.stdout.splitlines() == [f"articles/{DOC0}.gz:4:1: DUP001 repeated paragraph (first at line 2)",
                                          f"articles/{DOC0}.gz:9:1: DUP001 repeated paragraph (first at line 7)",
                                          f"articles/{DOC0}.gz:10:1: DUP001 repeated paragraph (first at line 8)"]
    assert result.stderr == "dedup check: 3 findings in 1 file; checked 1 file against a corpus of 5 files\n"
    corpus.write("incoming/dispatch.txt", edited(SEED[DOC1]))
    result = corpus.check("incoming/dispatch.txt")
    assert result.stdout.startswith(f"incoming/dispatch.txt:1:1: DUP002 near-duplicate of articles/{DOC1[:-4]}.md.bz2 ")


def test_truncated_copy_is_a_duplicate_by_containment(corpus):
    lines = SEED[DOC3].split("\n")
    teaser = "\n".join(lines[:4]) + "\n"
    corpus.write("incoming/teaser.md", teaser)
    corpus.add("incoming/teaser.md")
    result = corpus.check("incoming/teaser.md")
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"incoming/teaser.md:1:1: DUP002 near-duplicate of articles/{DOC3} (similarity 0.")
    assert line.endswith(", containment 1.00)")


def test_a_copy_found_by_its_figures_says_so(tmp_path):
    # a new user's review: "similarity 0.19, containment 0.65" read as below both thresholds
    corpus = Corpus(tmp_path / "wire")
    (tmp_path / "wire").mkdir()
    git(corpus.root, "init", "-q")
    for i in ("reuters-19723", "reuters-19657"):
        corpus.write(f"wire/{i}.txt", REUTERS[i]["text"])
    corpus.add("wire/reuters-19723.txt", "wire/reuters-19657.txt")
    result = corpus.check("wire/reuters-19657.txt")
    assert result.exit_code == 1 and result.stdout == (
        "wire/reuters-19657.txt:1:1: DUP002 near-duplicate of wire/reuters-19723.txt "
        "(similarity 0.52, containment 0.70, the same figures)\n")


def test_longer_version_of_a_tracked_article(corpus):
    """The new file is the longer one, so it represents the cluster; it is still reported."""
    longer = SEED[DOC4].rstrip("\n") + "\n" + paragraphs(DISTINCT[0])[1] + "\n"
    corpus.write("incoming/longer.txt", longer)
    corpus.add("incoming/longer.txt")
    result = corpus.check("incoming/longer.txt")
    assert result.exit_code == 1
    first = lines_of(longer, paragraphs(longer)[0])[0]
    assert result.stdout.startswith(f"incoming/longer.txt:{first}:1: DUP002 near-duplicate of articles/{DOC4} "
                                    "(similarity 0.9")


def test_shared_paragraphs_with_a_tracked_article(corpus):
    ours = paragraphs(DISTINCT[1])
    borrowed = paragraphs(SEED[DOC2])[3:5]
    text = "\n\n".join(ours[:3] + borrowed + ours[3:]) + "\n"
    corpus.write("incoming/roundup.txt", text)
    corpus.add("incoming/roundup.txt")
    result = corpus.check("incoming/roundup.txt")
    assert result.exit_code == 1
    line = lines_of(text, borrowed[0])[0]
    assert result.stdout == f"incoming/roundup.txt:{line}:1: DUP003 shares 2 paragraphs with articles/{DOC2}\n"


def test_reuters_reissue_exact_resend_and_template(tmp_path):
    """Real wire copies: a corrected re-issue and an exact re-send are duplicates; two days of one
    templated notice (same wording, other figures) only share paragraphs."""
    corpus = Corpus(tmp_path / "wire")
    (tmp_path / "wire").mkdir()
    git(corpus.root, "init", "-q")
    originals = ["reuters-13323", "reuters-10719", "reuters-12010"]
    copies = ["reuters-13637", "reuters-10763", "reuters-12912"]
    for i in originals + copies:
        corpus.write(f"wire/{i}.txt", REUTERS[i]["text"])
    corpus.add(*(f"wire/{i}.txt" for i in originals + copies))
    result = corpus.check(*(f"wire/{i}.txt" for i in copies))
    lines = result.stdout.splitlines()
    assert [line.split(": ", 1)[1].split(" (")[0] for line in lines] == [
        "DUP002 near-duplicate of wire/reuters-10719.txt",
        "DUP003 shares 3 paragraphs with wire/reuters-12010.txt",
        "DUP002 near-duplicate of wire/reuters-13323.txt",
    ]
    assert lines[0].endswith("(similarity 1.00)")
    assert [line.split(":")[0] for line in lines] == [f"wire/{i}.txt" for i in ("reuters-10763", "reuters-12912",
                                                                                  "reuters-13637")]


# ---------------------------------------------------------------------------
# lines and columns as an editor counts them
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("newline", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_line_and_column(corpus, newline):
    body = paragraphs(DISTINCT[6])
    text = "\n\n" + body[0] + "\n\n" + body[2] + "\n\n" + "\t   " + body[2] + "   \n" + body[3] + "\n"
    corpus.write("incoming/indented.txt", text, newline=newline)
    corpus.add("incoming/indented.txt")
    result = corpus.check("incoming/indented.txt")
    first, again = lines_of(text, body[2])
    assert (first, again) == (5, 7)
    assert result.stdout == "incoming/indented.txt:7:5: DUP001 repeated paragraph (first at line 5)\n"


def test_a_lone_carriage_return_is_not_a_line_break(corpus):
    """Blocks split at ``\\r`` too, but lines are counted at ``\\n`` only, as the issue says."""
    body = paragraphs(DISTINCT[7])
    text = body[0] + "\n" + body[2] + "\r" + body[2] + "\n"
    corpus.write("incoming/cr.txt", text)
    corpus.add("incoming/cr.txt")
    result = corpus.check("incoming/cr.txt")
    column = len(body[2]) + 2
    assert result.stdout == f"incoming/cr.txt:2:{column}: DUP001 repeated paragraph (first at line 2)\n"


# ---------------------------------------------------------------------------
# changed files against the corpus: any split gives the same findings
# ---------------------------------------------------------------------------


@pytest.fixture
def busy_corpus(corpus) -> tuple[Corpus, list[str]]:
    """A commit touching many files: repeats, a near-copy, a longer copy, shared paragraphs, clean text."""
    ours = paragraphs(DISTINCT[2])
    files = {
        "incoming/near_001.txt": edited(SEED[DOC1]),
        "incoming/longer_004.txt": SEED[DOC4] + paragraphs(DISTINCT[3])[1] + "\n",
        "incoming/shares_002.txt": "\n".join(ours[:2] + paragraphs(SEED[DOC2])[4:7] + ours[2:]) + "\n",
        "incoming/clean.txt": DISTINCT[4],
        "incoming/repeats.md": DISTINCT[5] + "\n" + paragraphs(DISTINCT[5])[1] + "\n",
    }
    for name, text in files.items():
        corpus.write(name, text)
    corpus.add(*files)
    changed = [*files, *(f"articles/{d}" for d in (DOC0, DOC1, DOC2, DOC4))]
    return corpus, changed


def test_any_split_of_the_changed_files_gives_the_same_findings(busy_corpus):
    corpus, changed = busy_corpus
    full = corpus.findings(*changed)
    codes = {line.split(": ")[1].split()[0] for line in full}
    assert codes == {"DUP001", "DUP002", "DUP003"}
    assert len(full) == len(set(full))
    # one run per file: every finding shows up in exactly one of them
    singles = [line for path in changed for line in corpus.findings(path)]
    assert sorted(singles) == sorted(full)
    # random splits into 2..4 runs, files in any order
    rng = random.Random(6)
    for _ in range(3):
        order = rng.sample(changed, len(changed))
        cuts = sorted(rng.sample(range(1, len(order)), rng.randint(1, 3)))
        runs = [order[a:b] for a, b in zip([0, *cuts], [*cuts, len(order)])]
        assert sorted(line for run in runs for line in corpus.findings(*run)) == sorted(full)
    assert corpus.findings(*reversed(changed)) == full


def test_findings_name_only_changed_files(busy_corpus):
    corpus, changed = busy_corpus
    result = corpus.check("incoming/near_001.txt")
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["incoming/near_001.txt"]
    assert f"articles/{DOC1}" in result.stdout  # the other file is named in the message


def test_directories_stand_for_their_corpus_files(busy_corpus):
    corpus, changed = busy_corpus
    assert corpus.findings("incoming") == corpus.findings(*(c for c in changed if c.startswith("incoming/")))


def test_check_never_modifies_files(busy_corpus, tmp_path):
    corpus, changed = busy_corpus
    before = tree_digest(corpus.root)
    assert corpus.check(*changed).exit_code == 1
    assert corpus.check(*changed, "--baseline", tmp_path / "none.json").exit_code == 2
    assert tree_digest(corpus.root) == before


def test_outside_git_the_named_files_are_compared_with_each_other(tmp_path):
    folder = tmp_path / "loose"
    corpus = Corpus(folder)
    corpus.write("a.txt", SEED[DOC1])
    corpus.write("copies/b.txt", edited(SEED[DOC1]))
    corpus.write("c.txt", SEED[DOC3])
    result = corpus.check("a.txt", "copies/b.txt", "c.txt")
    assert [line.split(": ")[1].split(" (")[0] for line in result.stdout.splitlines()] == [
        "DUP002 near-duplicate of copies/b.txt", "DUP002 near-duplicate of a.txt"]
    assert "checked 3 files against each other (not in a git repository)" in result.stderr
    assert corpus.check("a.txt", "c.txt").exit_code == 0


# ---------------------------------------------------------------------------
# an index as the corpus
# ---------------------------------------------------------------------------


@pytest.fixture
def indexed(busy_corpus) -> tuple[Corpus, list[str]]:
    """The busy corpus, with its committed articles in an index (ids: their paths)."""
    corpus, changed = busy_corpus
    added = corpus.run("index", "add", "corpus.db", *(f"articles/{d}" for d in (DOC0, DOC1, DOC2, DOC3, DOC4)))
    assert added.exit_code == 0, added.output
    return corpus, changed


def test_index_gives_the_findings_of_the_git_corpus(indexed):
    corpus, changed = indexed
    new = [c for c in changed if c.startswith("incoming/")]
    via_git = corpus.findings(*new)
    via_index = corpus.findings(*new, index="corpus.db")
    assert via_index == via_git
    assert {line.split(": ")[1].split()[0] for line in via_index} == {"DUP001", "DUP002", "DUP003"}
    result = corpus.check("--index", "corpus.db", *new)
    assert result.exit_code == 1 and result.stdout.splitlines() == via_index
    assert f"checked {len(new)} files against the index corpus.db of 5 documents" in result.stderr


def test_index_an_indexed_file_is_not_its_own_copy(indexed):
    corpus, _ = indexed
    assert corpus.check("--index", "corpus.db", f"articles/{DOC1}").exit_code == 0
    assert corpus.check("--index", "corpus.db", f"articles/{DOC0}").stdout.count("DUP001") == 3


def test_index_any_split_gives_the_same_findings(indexed):
    corpus, changed = indexed
    full = corpus.findings(*changed, index="corpus.db")
    assert sorted(line for path in changed for line in corpus.findings(path, index="corpus.db")) == sorted(full)
    assert len(full) == len(set(full)) and {line.split(": ")[1][:6] for line in full} == {"DUP001", "DUP002", "DUP003"}


def test_index_from_pyproject(indexed, tmp_path):
    corpus, changed = indexed
    corpus.write("pyproject.toml", '[tool.dedup]\nindex = "corpus.db"\n')
    result = corpus.check("incoming/near_001.txt")
    assert "against the index corpus.db of 5 documents" in result.stderr
    missing = corpus.check("--index", tmp_path / "missing.db", "incoming/near_001.txt")
    assert missing.exit_code == 2 and "missing.db: no such index" in missing.stderr


def test_an_index_built_without_the_pyprojects_threshold_is_named_as_the_cause(indexed):
    # the README's recipe builds the index with `dedup index add`, which does not read
    # [tool.dedup]: a threshold set there needs other LSH bands than the index's
    corpus, _ = indexed
    corpus.write("pyproject.toml", '[tool.dedup]\nindex = "corpus.db"\nthreshold = 0.7\n')
    result = corpus.check("incoming/near_001.txt")
    assert result.exit_code == 2 and "Traceback" not in result.stderr
    assert "index was built for threshold 0.78" in result.stderr
    assert "threshold from [tool.dedup] in " in result.stderr and "dedup index add DB --threshold 0.7" in result.stderr
    # a higher one is verified on the candidates of the index's bands
    corpus.write("pyproject.toml", '[tool.dedup]\nindex = "corpus.db"\nthreshold = 0.8\n')
    assert corpus.check("incoming/near_001.txt").exit_code == 1
    assert corpus.check("--threshold", "0.78", "incoming/near_001.txt").exit_code == 1  # the flag wins
    # a mismatch the command line made is not blamed on the table
    corpus.write("pyproject.toml", '[tool.dedup]\nindex = "corpus.db"\ncontainment = 0.5\n')
    flagged = corpus.check("--threshold", "0.3", "incoming/near_001.txt")
    assert flagged.exit_code == 2 and "needs other bands" in flagged.stderr and "[tool.dedup]" not in flagged.stderr


# ---------------------------------------------------------------------------
# baseline
# ---------------------------------------------------------------------------


def test_baseline_accepts_known_findings_and_survives_moved_lines(corpus):
    target = f"articles/{DOC0}"
    written = corpus.check("--write-baseline", ".dedup-baseline.json", target)
    assert written.exit_code == 0 and written.stdout == ""
    assert "wrote 3 findings to baseline .dedup-baseline.json" in written.stderr
    data = json.loads((corpus.root / ".dedup-baseline.json").read_text())
    assert [(e["path"], e["line"], e["code"]) for e in data["findings"]] == [
        (target, 4, "DUP001"), (target, 9, "DUP001"), (target, 10, "DUP001")]

    accepted = corpus.check("--baseline", ".dedup-baseline.json", target)
    assert (accepted.exit_code, accepted.stdout) == (0, "")
    assert "3 findings accepted in the baseline" in accepted.stderr

    # an editor adds a line at the top: every finding moves down, none comes back
    corpus.write(target, "Updated 9 May 2025\n" + SEED[DOC0])
    assert corpus.check("--baseline", ".dedup-baseline.json", target).exit_code == 0

    # a new repeat of an already repeated paragraph: one entry accepts one finding
    moved = (corpus.root / target).read_text(encoding="utf-8")
    kremlin = paragraphs(SEED[DOC0])[5]
    corpus.write(target, moved.rstrip("\n") + "\n" + kremlin + "\n")
    result = corpus.check("--baseline", ".dedup-baseline.json", target)
    last = len(moved.rstrip("\n").split("\n")) + 1
    assert result.exit_code == 1
    assert result.stdout == f"{target}:{last}:1: DUP001 repeated paragraph (first at line 8)\n"


def test_writing_a_baseline_for_some_files_keeps_the_others(busy_corpus):
    corpus, changed = busy_corpus
    assert corpus.check("--write-baseline", "base.json", f"articles/{DOC0}").exit_code == 0
    assert corpus.check("--write-baseline", "base.json", "incoming/shares_002.txt").exit_code == 0
    paths = {e["path"] for e in json.loads((corpus.root / "base.json").read_text())["findings"]}
    assert paths == {f"articles/{DOC0}", "incoming/shares_002.txt"}
    result = corpus.check("--baseline", "base.json", *changed)
    assert not any(line.startswith((f"articles/{DOC0}:", "incoming/shares_002.txt:"))
                   for line in result.stdout.splitlines())
    # and the pair shares_002 accepted is accepted in the file it shares paragraphs with
    pair = "DUP003 shares 3 paragraphs with incoming/shares_002.txt"
    assert [line for line in corpus.findings(*changed) if line.startswith(f"articles/{DOC2}:") and pair in line]
    assert sorted(result.stdout.splitlines() + []) == sorted(
        line for line in corpus.findings(*changed)
        if not line.startswith((f"articles/{DOC0}:", "incoming/shares_002.txt:"))
        and not (line.startswith(f"articles/{DOC2}:") and pair in line))


def test_a_renamed_files_entries_follow_it_until_its_new_path_is_written(busy_corpus):
    # a new user's review: after a rename, writing the baseline for the new name kept the old
    # one's too; a code review: writing another file's dropped them, and the renamed file's
    # accepted findings with them
    corpus, changed = busy_corpus
    assert corpus.check("--write-baseline", "base.json", f"articles/{DOC0}", "incoming/shares_002.txt").exit_code == 0
    git(corpus.root, "mv", "incoming/shares_002.txt", "incoming/renamed.txt")
    assert corpus.check("--write-baseline", "base.json", f"articles/{DOC0}").exit_code == 0
    assert corpus.check("--baseline", "base.json", "incoming/renamed.txt").exit_code == 0  # still accepted
    assert corpus.check("--write-baseline", "base.json", "incoming/renamed.txt").exit_code == 0
    paths = {e["path"] for e in json.loads((corpus.root / "base.json").read_text())["findings"]}
    assert paths == {f"articles/{DOC0}", "incoming/renamed.txt"}


def test_a_renamed_files_entries_stay_when_an_exact_copy_of_it_is_written(tmp_path):
    # a code review: the copy's text matched the renamed file's, and its entries went
    corpus = Corpus(tmp_path / "c")
    (tmp_path / "c").mkdir()
    git(corpus.root, "init", "-q")
    para = "This paragraph of the story is emitted twice by the scraper, word for word, here."
    text = f"A headline for the story\n\n{para}\n\nAnother paragraph of the story itself.\n\n{para}\n"
    corpus.write("x.txt", text)
    corpus.write("y.txt", text)
    corpus.add("x.txt", "y.txt")
    assert corpus.check("--write-baseline", "base.json", "x.txt", "y.txt").exit_code == 0
    git(corpus.root, "mv", "y.txt", "y2.txt")
    assert corpus.check("--write-baseline", "base.json", "x.txt").exit_code == 0
    assert corpus.check("--baseline", "base.json", "y2.txt").exit_code == 0


def test_baseline_from_pyproject_and_flag_wins(corpus):
    corpus.write("pyproject.toml", '[tool.dedup]\nbaseline = ".dedup-baseline.json"\n')
    target = f"articles/{DOC0}"
    assert corpus.check("--write-baseline", ".dedup-baseline.json", target).exit_code == 0
    assert corpus.check(target).exit_code == 0
    corpus.write("empty.json", '{"findings": []}')
    assert corpus.check("--baseline", "empty.json", target).exit_code == 1


@pytest.mark.parametrize("content, message", [
    ("{not json", "baseline.json:1: malformed baseline JSON"),
    ('{"findings": [{"path": "a.txt"}]}', "baseline.json: not a dedup baseline"),
])
def test_bad_baseline_is_a_usage_error(corpus, content, message):
    corpus.write("baseline.json", content)
    result = corpus.check("--baseline", "baseline.json", f"articles/{DOC0}")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"dedup: error: {message}")


# ---------------------------------------------------------------------------
# [tool.dedup]
# ---------------------------------------------------------------------------


def test_include_and_exclude_select_the_corpus(corpus):
    corpus.write("pyproject.toml", '[tool.dedup]\ninclude = ["articles/**/*.txt"]\nexclude = ["articles/drafts/**"]\n')
    copy = edited(SEED[DOC1])
    corpus.write("notes/copy.txt", copy)            # tracked, but not in the corpus
    corpus.write("articles/drafts/copy.txt", copy)  # tracked, excluded
    corpus.add("notes/copy.txt", "articles/drafts/copy.txt")
    result = corpus.check(f"articles/{DOC1}")
    assert (result.exit_code, result.stdout) == (0, "")
    assert "against a corpus of 5 files" in result.stderr
    skipped = corpus.check("notes/copy.txt", "articles/drafts/copy.txt")
    assert (skipped.exit_code, skipped.stdout) == (0, "")
    # no corpus was read, so none is named (it said "against a corpus of 0 files")
    assert skipped.stderr.strip() == "dedup check: no findings; checked 0 files; 2 files skipped (not in the corpus globs)"
    corpus.write("articles/2025/copy.txt", copy)
    corpus.add("articles/2025/copy.txt")
    assert corpus.check("articles/2025/copy.txt").stdout.startswith(
        f"articles/2025/copy.txt:1:1: DUP002 near-duplicate of articles/{DOC1}")


def codes(result) -> list[str]:
    return [line.split(": ")[1].split()[0] for line in result.stdout.splitlines()]


def test_parameters_from_pyproject_and_flags_win(corpus):
    """A teaser (the first half of an article) is a duplicate by containment; with the
    containment rule switched off in pyproject.toml it only shares paragraphs; the flag wins."""
    teaser = "\n".join(SEED[DOC3].split("\n")[:4]) + "\n"
    corpus.write("incoming/teaser.txt", teaser)
    corpus.add("incoming/teaser.txt")
    assert codes(corpus.check("incoming/teaser.txt")) == ["DUP002"]
    corpus.write("pyproject.toml", "[tool.dedup]\ncontainment = 1.0\nmin-shingles = 100000\n")
    result = corpus.check("incoming/teaser.txt")
    assert result.stdout == f"incoming/teaser.txt:1:1: DUP003 shares 4 paragraphs with articles/{DOC3}\n"
    assert codes(corpus.check("incoming/teaser.txt", "--min-shingles", "20", "--containment", "0.9")) == ["DUP002"]
    corpus.write("pyproject.toml", "[tool.dedup]\nmin_shingles = 100000\n")  # either spelling
    assert codes(corpus.check("incoming/teaser.txt")) == ["DUP003"]


def test_nearest_pyproject_with_the_table_wins(corpus):
    corpus.write("pyproject.toml", "[tool.dedup]\nmin-shingles = 100000\n")
    corpus.write("articles/pyproject.toml", "[project]\nname = 'not-this-one'\n")  # no [tool.dedup]: skipped
    teaser = "\n".join(SEED[DOC3].split("\n")[:4]) + "\n"
    corpus.write("articles/teaser.txt", teaser)
    corpus.add("articles/teaser.txt")
    assert codes(corpus.check("articles/teaser.txt")) == ["DUP003"]
    corpus.write("articles/pyproject.toml", "[tool.dedup]\ninclude = ['*.txt']\n")  # now it is the nearest
    result = corpus.check("articles/teaser.txt")
    assert codes(result) == ["DUP002"] and "containment 1.00" in result.stdout


@pytest.mark.parametrize("toml, message", [
    ("[tool.dedup]\nthreshhold = 0.9\n", "pyproject.toml: [tool.dedup] has unknown key 'threshhold'"),
    ("[tool.dedup]\nthreshold = 'high'\n", "pyproject.toml: [tool.dedup] threshold must be a float"),
    ("[tool.dedup]\nthreshold = 1.5\n", "pyproject.toml: [tool.dedup] threshold must be between 0 and 1"),
    ("[tool.dedup]\ninclude = 3\n", "pyproject.toml: [tool.dedup] include must be a list of globs"),
    ("[tool.dedup\n", "pyproject.toml: invalid TOML"),
])
def test_bad_configuration_is_a_usage_error(corpus, toml, message):
    corpus.write("pyproject.toml", toml)
    result = corpus.check(f"articles/{DOC1}")
    assert result.exit_code == 2
    assert result.stderr.startswith("dedup: error: ") and message in result.stderr
    assert len(result.stderr.splitlines()) == 1


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------


def test_missing_file(corpus):
    result = corpus.check("articles/nope.txt")
    assert (result.exit_code, result.stderr) == (2, "dedup: error: articles/nope.txt: no such file or directory\n")


def test_unreadable_changed_file_names_file_and_line(corpus):
    head = SEED[DOC1].encode()[:80]
    (corpus.root / "articles" / "bad.txt").write_bytes(head + b"\nok\n\xff\xfe broken\n")
    result = corpus.check("articles/bad.txt")
    assert result.exit_code == 2
    line = head.count(b"\n") + 3
    assert result.stderr == f"dedup: error: articles/bad.txt:{line}: invalid UTF-8 (byte 0xff at column 1)\n"


def test_an_unreadable_corpus_file_is_named_and_left_out_unless_it_is_checked(corpus):
    # a pre-commit user's review: one tracked file of invalid UTF-8 (committed with
    # --no-verify) stopped every later commit; now it is said and left out of the corpus
    (corpus.root / "articles" / "binary.txt").write_bytes(b"\x00\x01\x02")
    (corpus.root / "articles" / "latin1.txt").write_bytes("Caf\u00e9 au lait".encode("latin-1"))
    corpus.add("articles/binary.txt")
    corpus.add("articles/latin1.txt")
    result = corpus.check(f"articles/{DOC1}")
    assert result.exit_code == 0
    assert "dedup: warning: articles/binary.txt: binary file, not text; left out of the corpus" in result.stderr
    assert "dedup: warning: articles/latin1.txt:1: invalid UTF-8 (byte 0xe9 at column 4); left out" in result.stderr
    result = corpus.check("articles/binary.txt")
    assert (result.exit_code, result.stderr) == (2, "dedup: error: articles/binary.txt: binary file, not text\n")


def test_exit_codes_and_streams_of_the_installed_command(corpus):
    """The console script itself: findings on stdout, summary on stderr, exit 1/0/2."""
    dedup = shutil.which("dedup") or pytest.skip("the dedup console script is not installed")
    run = lambda *a: subprocess.run([dedup, "check", *a], cwd=corpus.root, capture_output=True, text=True)  # noqa
    found = run(f"articles/{DOC0}")
    assert found.returncode == 1 and found.stdout.count("DUP001") == 3 and "3 findings" in found.stderr
    assert run(f"articles/{DOC1}").returncode == 0
    missing = run("missing.txt")
    assert (missing.returncode, missing.stdout) == (2, "")
    assert missing.stderr == "dedup: error: missing.txt: no such file or directory\n"


# ---------------------------------------------------------------------------
# the real pre-commit hook
# ---------------------------------------------------------------------------

HOOK_FILES = ["pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "dedup/*.py"]


@pytest.fixture(scope="session")
def hook_repo(request, tmp_path_factory) -> tuple[Path, str, Path]:
    """A git repository holding this checkout's hook (its files as they are now, committed or not).

    pre-commit builds a virtualenv for a ``language: python`` hook by pip-installing the
    hook's repository (about half a minute); it reuses it as long as repository and
    revision are the same. The repository is therefore kept in pytest's cache, named and
    committed deterministically after its content, so an unchanged checkout reuses it.
    """
    if shutil.which("pre-commit") is None:
        pytest.skip("pre-commit is not installed (pip install '.[test]')")
    files = sorted(p for pattern in HOOK_FILES for p in REPO.glob(pattern))
    digest = hashlib.sha256()
    for p in files:
        digest.update(str(p.relative_to(REPO)).encode() + b"\0" + p.read_bytes() + b"\0")
    key = digest.hexdigest()[:16]
    if getattr(request.config, "cache", None) is None:  # pytest -p no:cacheprovider
        cache = tmp_path_factory.mktemp("pre-commit")
    else:
        cache = Path(request.config.cache.mkdir("pre-commit"))
    for old in cache.iterdir():  # environments of earlier versions (~250 MB each), once no run can be using them
        if old.name != key and time.time() - old.stat().st_mtime > 3600:
            shutil.rmtree(old, ignore_errors=True)
    repo, home = cache / key / "hook", cache / key / "home"
    (cache / key).mkdir(exist_ok=True)
    os.utime(cache / key)  # in use
    if not (repo / ".git").exists():
        shutil.rmtree(repo, ignore_errors=True)
        for p in files:
            target = repo / p.relative_to(REPO)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, target)
        git(repo, "init", "-q")
        git(repo, "add", ".")
        fixed = {"GIT_AUTHOR_DATE": "2025-01-01T00:00:00+0000", "GIT_COMMITTER_DATE": "2025-01-01T00:00:00+0000"}
        subprocess.run(["git", "commit", "-q", "-m", "hook"], cwd=repo, env={**GIT_ENV, **fixed}, check=True)
    return repo, git(repo, "rev-parse", "HEAD").strip(), home


def test_pre_commit_hook_blocks_repeats_and_near_copies(tmp_path, hook_repo):
    repo, rev, home = hook_repo
    env = {**GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", "NO_COLOR": "1"}
    corpus = make_corpus(tmp_path / "corpus", seeds=(DOC1, DOC2, DOC3, DOC4))
    corpus.write("pyproject.toml", '[tool.dedup]\ninclude = ["articles/**/*.txt"]\n')
    corpus.write(".pre-commit-config.yaml",
                 f"repos:\n- repo: {repo}\n  rev: {rev}\n  hooks:\n  - id: dedup\n")
    corpus.add("pyproject.toml", ".pre-commit-config.yaml")
    corpus.commit("configure the hook")
    subprocess.run([sys.executable, "-m", "pre_commit", "install"], cwd=corpus.root, env=env, check=True,
                   capture_output=True)

    def commit(message: str) -> subprocess.CompletedProcess:
        return subprocess.run(["git", "commit", "-m", message], cwd=corpus.root, env=env, capture_output=True,
                              text=True)

    # 1. one commit adds an article with a repeated title and two repeated paragraphs,
    #    and a lightly edited copy of a tracked article
    corpus.write(f"articles/{DOC0}", SEED[DOC0])
    corpus.write("articles/dispatch-copy.txt", edited(SEED[DOC1]))
    corpus.add(f"articles/{DOC0}", "articles/dispatch-copy.txt")
    similarity = dedup.scan([SEED[DOC1], edited(SEED[DOC1])]).clusters["similarity"].iloc[0]
    before = tree_digest(corpus.root)
    rejected = commit("add 000 and a copy of 001")
    assert rejected.returncode != 0, rejected.stdout + rejected.stderr
    out = rejected.stdout + rejected.stderr
    assert "Failed" in out and "exit code: 1" in out
    findings = [line for line in out.splitlines() if ": DUP" in line]
    assert findings == [
        f"articles/{DOC0}:4:1: DUP001 repeated paragraph (first at line 2)",
        f"articles/{DOC0}:9:1: DUP001 repeated paragraph (first at line 7)",
        f"articles/{DOC0}:10:1: DUP001 repeated paragraph (first at line 8)",
        f"articles/dispatch-copy.txt:1:1: DUP002 near-duplicate of articles/{DOC1} (similarity {similarity:.2f})",
    ]
    assert "dedup check: 4 findings in 2 files; checked 2 files against a corpus of 6 files" in out
    assert tree_digest(corpus.root) == before
    assert git(corpus.root, "log", "-1", "--format=%s").strip() == "configure the hook"
    git(corpus.root, "rm", "-q", "--cached", f"articles/{DOC0}", "articles/dispatch-copy.txt")
    (corpus.root / "articles" / DOC0).unlink()
    (corpus.root / "articles" / "dispatch-copy.txt").unlink()

    # 2. a new, distinct article passes
    corpus.write("articles/uaw.txt", DISTINCT[0])
    corpus.add("articles/uaw.txt")
    accepted = commit("add a new story")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "dedup" in accepted.stdout + accepted.stderr and "Passed" in accepted.stdout + accepted.stderr
    assert git(corpus.root, "log", "-1", "--format=%s").strip() == "add a new story"

    # 3. run over every file, as CI would
    corpus.write(f"articles/{DOC0}", SEED[DOC0])
    corpus.add(f"articles/{DOC0}")
    corpus.commit("000 without the hook")
    before = tree_digest(corpus.root)
    everything = subprocess.run([sys.executable, "-m", "pre_commit", "run", "--all-files"], cwd=corpus.root,
                                env=env, capture_output=True, text=True)
    assert everything.returncode == 1
    assert everything.stdout.count("DUP001") == 3 and "DUP002" not in everything.stdout
    assert tree_digest(corpus.root) == before


def _paragraphs(name: str) -> list[str]:
    return [line for line in SEED[name].splitlines() if line.strip()]


def test_a_near_duplicate_is_named_with_the_file_it_matches_not_its_clusters_longest(corpus):
    # a pre-commit user's review: a round-up holding all of 004 was "near-duplicate of" a
    # longer file that also holds 004 (the cluster's representative), at similarity 0.28,
    # containment 0.51: by neither rule its duplicate
    quote = corpus.write("articles/quote.txt", "\n".join(_paragraphs(DOC4) + _paragraphs(DOC2)[1:3]) + "\n")
    longer = corpus.write("articles/longer.txt", "\n".join(_paragraphs(DOC4) + _paragraphs(DOC3)[:5]) + "\n")
    corpus.add(quote, longer)
    result = corpus.check(quote)
    assert result.exit_code == 1
    dup002 = [line for line in result.stdout.splitlines() if "DUP002" in line]
    assert dup002 == [f"{quote}:1:1: DUP002 near-duplicate of articles/{DOC4} (similarity 0.94)"], result.stdout


def test_a_baselined_near_duplicate_stays_accepted_when_another_copy_comes(corpus):
    # a pre-commit user's review: the accepted finding named the other file, so a second,
    # longer copy (named instead) or renaming the other file brought it back
    copy = corpus.write("articles/dispatch-copy.txt", SEED[DOC1])
    corpus.add(copy)
    assert corpus.check("--write-baseline", ".dedup-baseline.json", copy).exit_code == 0
    assert corpus.check("--baseline", ".dedup-baseline.json", copy).exit_code == 0
    longer = corpus.write("articles/zz-copy.txt", SEED[DOC1] + "\nOne more line the other copy does not have.\n")
    corpus.add(longer)
    assert corpus.check("--baseline", ".dedup-baseline.json", copy).exit_code == 0
    corpus.commit()
    git(corpus.root, "mv", f"articles/{DOC1}", "articles/renamed.txt")
    assert corpus.check("--baseline", ".dedup-baseline.json", copy).exit_code == 0


def test_a_pair_accepted_in_one_file_is_accepted_in_the_other(corpus):
    # a pre-commit user's review: the copy's near-duplicate was accepted, then an edit of
    # the original (or renaming it) failed the commit on the same pair, seen from its side
    copy = corpus.write("articles/dispatch-copy.txt", SEED[DOC1])
    corpus.add(copy)
    corpus.commit()
    assert corpus.check("--write-baseline", ".dedup-baseline.json", copy).exit_code == 0
    original = corpus.write(f"articles/{DOC1}", SEED[DOC1] + "\nReporting by Jane Doe\n")
    assert corpus.findings(original) == [f"{original}:1:1: DUP002 near-duplicate of {copy} (similarity 0.99)"]
    result = corpus.check("--baseline", ".dedup-baseline.json", original)
    assert result.exit_code == 0 and "1 finding accepted in the baseline" in result.stderr, result.stderr
    # another copy is no part of the pair: the original checked with it is told of it
    third = corpus.write("articles/third-copy.txt", SEED[DOC1] + "\nReporting by Jane Doe\n")
    corpus.add(third)
    assert corpus.check("--baseline", ".dedup-baseline.json", third).exit_code == 1


def test_shared_paragraphs_accepted_in_one_file_are_accepted_in_the_other(corpus):
    parts = paragraphs(SEED[DOC2])
    shared = [p for p in parts if len(p.split()) >= 20][:2]
    own = "\n\n".join(p for p in DISTINCT[3].split("\n\n") + DISTINCT[4].split("\n\n") if len(p.split()) >= 20)
    roundup = corpus.write("articles/roundup.txt", "Round-up of the week\n\n" + "\n\n".join(shared) + f"\n\n{own}\n")
    corpus.add(roundup)
    corpus.commit()
    assert corpus.check("--write-baseline", ".dedup-baseline.json", roundup).exit_code == 0
    source = f"articles/{DOC2}"
    assert [f for f in corpus.findings(source) if "DUP003" in f and roundup in f]
    assert corpus.check("--baseline", ".dedup-baseline.json", source).exit_code == 0
    # a typo fixed in the original's shared paragraph keeps the pair (a code review: a
    # pair held only while both sides' paragraphs were the same, word for word)
    original = (corpus.root / source).read_text()
    words = shared[0].split()
    fixed = " ".join(words[:5] + [words[5] + "s"] + words[6:])
    corpus.write(source, original.replace(shared[0], fixed))
    assert [f for f in corpus.findings(source) if "DUP003" in f and roundup in f]
    assert corpus.check("--baseline", ".dedup-baseline.json", source).exit_code == 0
    corpus.write(source, original)
    # the pair is of those paragraphs: one more copied later is a finding (a code review),
    # though both files' sharing is in the baseline
    assert corpus.check("--write-baseline", ".dedup-baseline.json", source, roundup).exit_code == 0
    third = [p for p in parts if len(p.split()) >= 20 and p not in shared][0]
    more = "\n\n".join(p for p in DISTINCT[5].split("\n\n") + DISTINCT[6].split("\n\n") if len(p.split()) >= 20)
    corpus.write(roundup, (corpus.root / roundup).read_text() + "\n" + third + "\n\n" + more + "\n")
    result = corpus.check("--baseline", ".dedup-baseline.json", roundup)
    assert result.exit_code == 1 and f"DUP003 shares 3 paragraphs with {source}" in result.stdout, result.stdout
    # a hand-edited baseline whose lists are no lists is read, not a crash
    data = json.loads((corpus.root / ".dedup-baseline.json").read_text())
    data["findings"][0]["others"], data["contents"] = None, {roundup: 7}
    (corpus.root / ".dedup-baseline.json").write_text(json.dumps(data))
    result = corpus.check("--baseline", ".dedup-baseline.json", source)
    assert result.exit_code in (0, 1) and isinstance(result.exception, (type(None), SystemExit)), result.exception


def test_a_file_renamed_without_edits_keeps_its_accepted_findings(corpus):
    # a pre-commit user's review: `git mv` of a file whose repeat was accepted failed the hook
    target = f"articles/{DOC0}"
    assert corpus.check("--write-baseline", ".dedup-baseline.json", target).exit_code == 0
    git(corpus.root, "mv", target, "articles/000-moved.txt")
    result = corpus.check("--baseline", ".dedup-baseline.json", "articles/000-moved.txt")
    assert result.exit_code == 0 and "3 findings accepted in the baseline" in result.stderr, result.stderr
    # renamed and edited, it is another file: its findings are reported again
    corpus.write("articles/000-moved.txt", SEED[DOC0] + "\nA line added.\n")
    assert corpus.check("--baseline", ".dedup-baseline.json", "articles/000-moved.txt").exit_code == 1


def test_a_renamed_original_keeps_the_pair_its_copy_accepted(corpus):
    copy = corpus.write("articles/dispatch-copy.txt", SEED[DOC1])
    corpus.add(copy)
    corpus.commit()
    assert corpus.check("--write-baseline", ".dedup-baseline.json", copy).exit_code == 0
    git(corpus.root, "mv", f"articles/{DOC1}", "articles/cocoa.txt")
    assert corpus.findings("articles/cocoa.txt") == [
        f"articles/cocoa.txt:1:1: DUP002 near-duplicate of {copy} (similarity 1.00)"]
    assert corpus.check("--baseline", ".dedup-baseline.json", "articles/cocoa.txt").exit_code == 0


def test_a_new_file_at_a_deleted_copys_path_is_not_accepted_as_that_copy(corpus):
    # a new user's review: a copy accepted in the baseline was deleted; an exact copy of
    # another story, added later under the same name, passed on the path alone
    copy = corpus.write("articles/copy.txt", SEED[DOC1])
    corpus.add(copy)
    corpus.commit()
    assert corpus.check("--write-baseline", ".dedup-baseline.json", copy).exit_code == 0
    git(corpus.root, "rm", "-q", copy)
    corpus.commit()
    corpus.write(copy, SEED[DOC3])
    corpus.add(copy)
    result = corpus.check("--baseline", ".dedup-baseline.json", copy)
    assert result.exit_code == 1, result.stderr
    assert result.stdout == f"{copy}:1:1: DUP002 near-duplicate of articles/{DOC3} (similarity 1.00)\n"
    # the same text again at that path is the copy accepted
    corpus.write(copy, SEED[DOC1])
    assert corpus.check("--baseline", ".dedup-baseline.json", copy).exit_code == 0


def test_writing_the_baseline_drops_the_entries_of_files_deleted_or_renamed_and_edited(corpus):
    # a new user's review: the entries of a deleted file, and of a file renamed and edited,
    # stayed in the baseline however often it was written for the whole corpus
    copy = corpus.write("articles/copy.txt", SEED[DOC1])
    moved = corpus.write("articles/twice.txt", SEED[DOC0])  # its repeats are findings of its own
    corpus.add(copy, moved)
    corpus.commit()
    assert corpus.check("--write-baseline", ".dedup-baseline.json", "articles").exit_code == 0

    def paths() -> set[str]:
        return {e["path"] for e in json.loads((corpus.root / ".dedup-baseline.json").read_text())["findings"]}

    assert {copy, moved} <= paths()
    git(corpus.root, "rm", "-q", copy)
    git(corpus.root, "mv", moved, "articles/twice-2.txt")
    corpus.write("articles/twice-2.txt", SEED[DOC0] + "\nA line added after the move.\n")
    corpus.add("articles/twice-2.txt")
    corpus.commit()
    assert corpus.check("--write-baseline", ".dedup-baseline.json", "articles/twice-2.txt").exit_code == 0
    assert moved not in paths() and "articles/twice-2.txt" in paths()
    assert corpus.check("--write-baseline", ".dedup-baseline.json", "articles").exit_code == 0
    assert copy not in paths()
    contents = json.loads((corpus.root / ".dedup-baseline.json").read_text())["contents"]
    assert copy not in contents and moved not in contents


def test_a_line_break_in_a_file_name_keeps_one_line_a_finding(corpus):
    # a pre-commit user's review: a copy named "new\nline.txt" printed its finding on two lines
    name = "articles/new\nline.txt"
    corpus.write(name, SEED[DOC1])
    corpus.add(name)
    result = corpus.check(name)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"articles/new\\nline.txt:1:1: DUP002 near-duplicate of articles/{DOC1} (similarity 1.00)"]


def test_an_index_baseline_holds_from_any_directory_and_follows_a_rename(indexed):
    # a code review of the baseline's rules: with an index, an edited copy's pair was
    # matched on index ids read as paths from the working directory, and writing the
    # baseline for another file dropped a renamed file's entries (only files named are read)
    corpus, _ = indexed
    copy = corpus.write("sub/copy.txt", SEED[DOC0])  # a near-duplicate, and three repeats
    other = corpus.write("other.txt", SEED[DOC3])
    corpus.add(copy, other)
    corpus.commit()
    assert corpus.check("--index", "corpus.db", "--write-baseline", "bl.json", copy, other).exit_code == 0
    corpus.write(copy, SEED[DOC0] + "\nAn extra closing line added later by an editor.\n")
    cwd = os.getcwd()
    os.chdir(corpus.root / "sub")
    try:
        result = _runner().invoke(cli, ["check", "--index", "../corpus.db", "--baseline", "../bl.json", "copy.txt"])
    finally:
        os.chdir(cwd)
    assert result.exit_code == 0 and "4 findings accepted" in result.stderr, result.stdout + result.stderr
    corpus.write(copy, SEED[DOC0])
    git(corpus.root, "mv", copy, "sub/copy2.txt")
    corpus.commit()
    assert corpus.check("--index", "corpus.db", "--write-baseline", "bl.json", other).exit_code == 0
    result = corpus.check("--index", "corpus.db", "--baseline", "bl.json", "sub/copy2.txt")
    assert result.exit_code == 0 and "4 findings accepted" in result.stderr, result.stdout + result.stderr


def test_a_near_duplicate_is_not_accepted_for_a_text_another_files_finding_recorded(corpus):
    # a code review: writing the baseline for a file that quotes an accepted copy, now a
    # copy of another story, recorded the copy's new text, and its old entry accepted it
    copy = corpus.write("articles/copy.txt", SEED[DOC1])
    corpus.add(copy)
    corpus.commit()
    assert corpus.check("--write-baseline", "bl.json", copy).exit_code == 0
    corpus.write(copy, SEED[DOC3])
    assert corpus.check("--baseline", "bl.json", copy).exit_code == 1
    quoted = [p for p in paragraphs(SEED[DOC3]) if len(p.split()) > 25][1]
    quote = corpus.write("articles/quote.txt", DISTINCT[5].rstrip() + "\n\n" + quoted + "\n")
    corpus.add(copy, quote)
    corpus.commit()
    assert corpus.check("--write-baseline", "bl.json", quote).exit_code == 0
    entries = json.loads((corpus.root / "bl.json").read_text())["findings"]
    assert any(copy in e.get("others", ()) for e in entries if e["path"] == quote)
    assert corpus.check("--baseline", "bl.json", copy).exit_code == 1


def test_a_hand_edited_baseline_of_odd_types_is_read_or_refused_in_one_line(corpus):
    copy = corpus.write("articles/copy.txt", SEED[DOC1])
    corpus.add(copy)
    assert corpus.check("--write-baseline", "bl.json", copy).exit_code == 0
    data = json.loads((corpus.root / "bl.json").read_text())
    (corpus.root / "bl.json").write_text(json.dumps(dict(data, contents={copy: [1], "x.txt": {"a": 1}})))
    assert corpus.check("--write-baseline", "bl.json", copy).exit_code == 0
    data["findings"][0]["path"] = 7
    (corpus.root / "bl.json").write_text(json.dumps(data))
    for args in (("--write-baseline", "bl.json"), ("--baseline", "bl.json")):
        result = corpus.check(*args, copy)
        assert result.exit_code == 2 and "not a dedup baseline" in result.stderr, result.stderr


def test_no_baseline_reports_what_the_configured_baseline_accepts(corpus):
    # a pre-commit user's review: an audit of the accepted findings had no way past the
    # baseline [tool.dedup] names (--baseline '' was "a directory")
    corpus.write("pyproject.toml", '[tool.dedup]\nbaseline = ".dedup-baseline.json"\n')
    target = f"articles/{DOC0}"
    assert corpus.check("--write-baseline", ".dedup-baseline.json", target).exit_code == 0
    assert corpus.check(target).exit_code == 0
    result = corpus.check("--no-baseline", target)
    assert result.exit_code == 1 and result.stdout.splitlines() == corpus.findings(target, baseline=False)
    assert len(result.stdout.splitlines()) == 3
    both = corpus.check("--no-baseline", "--baseline", ".dedup-baseline.json", target)
    assert both.exit_code == 2 and "contradict" in both.stderr


def test_a_version_1_baseline_says_to_write_it_again(corpus):
    copy = corpus.write("articles/dispatch-copy.txt", SEED[DOC1])
    corpus.add(copy)
    (corpus.root / "old.json").write_text(json.dumps({"version": 1, "findings": [
        {"path": copy, "code": "DUP002", "fingerprint": "0123456789abcdef"}]}))
    result = corpus.check("--baseline", "old.json", copy)
    assert result.exit_code == 1
    assert "dedup: warning: old.json: a baseline of an older dedup" in result.stderr


def test_dividend_notices_of_two_companies_sharing_their_figures_line_are_no_finding(corpus):
    # a pre-commit user's review: different companies' notices sharing "Qtly div three cts
    # vs three cts prior" (Reuters-21578 reuters-89 and -152) failed the commit (DUP003)
    notices = {"89": "SYSTEMATICS INC <SYST> REGULAR PAYOUT\n\nQtly div three cts vs three cts prior\n\n"
                     "Pay March 13\n\nRecord Feb 27\n\nReuter\n",
               "152": "WILFRED AMERICAN EDUCATIONAL <WAE> REGULAR DIV\n\nQtly div three cts vs three cts prior\n\n"
                      "Pay April three\n\nRecord March 13\n\nReuter\n"}
    names = [corpus.write(f"articles/reuters-{k}.txt", text) for k, text in notices.items()]
    corpus.add(*names)
    assert corpus.check(*names).exit_code == 0
    db = corpus.root / "corpus.db"
    assert corpus.run("index", "add", db, names[0]).exit_code == 0
    assert corpus.check("--index", db, names[1]).exit_code == 0
    # a paragraph of prose in common still is
    prose = _paragraphs(DOC2)[2]
    for name, text in zip(names, notices.values()):
        corpus.write(name, text + prose + "\n")
    assert "DUP003" in corpus.check(*names).stdout


def test_writing_part_of_a_version_1_baseline_drops_its_dead_entries_and_says_so(corpus):
    # a code review's case: a partial --write-baseline carried the old near-duplicate entry
    # into a version 2 file, where it matched nothing and no warning was left
    copy = corpus.write("articles/dispatch-copy.txt", SEED[DOC1])
    corpus.add(copy)
    (corpus.root / "b.json").write_text(json.dumps({"version": 1, "findings": [
        {"path": copy, "code": "DUP002", "fingerprint": "0123456789abcdef"}]}))
    result = corpus.check("--write-baseline", "b.json", f"articles/{DOC0}")
    assert "dropped 1 entries of an older dedup for files not checked now (articles/dispatch-copy.txt)" in result.stderr
    written = json.loads((corpus.root / "b.json").read_text())
    assert written["version"] == 2 and {e["path"] for e in written["findings"]} == {f"articles/{DOC0}"}


def test_a_page_found_on_its_span_is_named_with_its_other_page(corpus):
    # a code review's case: one story on two sites' pages, and a longer file holding the
    # second page: the first page was named with the longer file (similarity 0.07)
    from benchmarks.corpus import site_chrome_heavy

    story = next(d.text for d in dedup.read_documents([REPO / "tests" / "data" / "reuters_sample.jsonl"])
                 if d.id == "reuters-10113")
    p2 = site_chrome_heavy(story, 2)
    names = [corpus.write("articles/p2.txt", p2),
             corpus.write("articles/r.txt", p2 + "\n" + "\n".join(SEED[d] for d in (DOC0, DOC2, DOC3, DOC4)))]
    corpus.add(*names)
    corpus.commit()
    p1 = corpus.write("articles/p1.txt", site_chrome_heavy(story, 1))
    corpus.add(p1)
    result = corpus.check(p1)
    assert "DUP002 near-duplicate of articles/p2.txt" in result.stdout, result.stdout


def test_templated_reports_and_more_copies_of_a_source_in_a_pre_commit_corpus(corpus):
    """A pre-commit user's review: 16 of 27 templated reports failed the hook as DUP003
    (a recurring headline, "as of March 1" against "April 1"), a round-up got a DUP003 a
    copy of its source, and a new copy brought an accepted one back."""
    notice = ("U.S. FIRST TIME JOBLESS CLAIMS ROSE IN WEEK\n\nThe Agriculture Department said orange juice "
              "yields tests as of {month} 1 showed an average of {y} gallons per box, against {z} gallons a "
              "month earlier and {w} gallons a year ago.\n\nThe department's next report is due next month.\n")
    corpus.write("articles/oj-march.txt", notice.format(month="March", y="1.42", z="1.40", w="1.38"))
    corpus.add("articles/oj-march.txt")
    corpus.commit()
    corpus.write("articles/oj-april.txt", notice.format(month="April", y="1.44", z="1.42", w="1.39"))
    assert corpus.findings("articles/oj-april.txt") == []
    # a round-up of two paragraphs of 002, which two copies of 002 also hold: one finding
    parts = paragraphs(SEED[DOC2])
    shared = [p for p in parts if len(p.split()) >= 20][:2]
    own = "\n\n".join(p for p in DISTINCT[3].split("\n\n") + DISTINCT[4].split("\n\n") if len(p.split()) >= 20)
    corpus.write("articles/roundup.txt", "Round-up of the week\n\n" + "\n\n".join(shared) + f"\n\n{own}\n")
    corpus.write("articles/copy-002.txt", SEED[DOC2])
    corpus.add("articles/copy-002.txt")
    corpus.commit()
    found = [f for f in corpus.findings("articles/roundup.txt") if "DUP003" in f]
    assert len(found) == 1 and found[0].endswith("(and 1 other file)")
    result = corpus.check("--write-baseline", ".dedup-baseline.json", "articles/roundup.txt")
    assert result.exit_code == 0
    corpus.write("articles/third-002.txt", SEED[DOC2])
    corpus.add("articles/third-002.txt")
    corpus.commit()
    assert corpus.check("--baseline", ".dedup-baseline.json", "articles/roundup.txt").exit_code == 0
    # a baseline [tool.dedup] names, not written yet, accepts nothing; one given must exist
    corpus.write("pyproject.toml", '[tool.dedup]\nbaseline = "not-yet.json"\n')
    assert corpus.check("articles/roundup.txt").exit_code == 1
    result = corpus.check("--baseline", "missing.json", "articles/roundup.txt")
    assert result.exit_code == 2 and "missing.json" in result.stderr


def test_a_tracked_file_named_in_another_encoding_is_left_out_with_a_warning(corpus):
    # a pre-commit user's review: one tracked file whose name is Latin-1 (not UTF-8) made
    # every check fail with exit 2, for unrelated files too
    name = os.fsdecode(b"articles/caf\xe9.txt")
    (corpus.root / name).write_text(SEED[DOC1], encoding="utf-8")
    git(corpus.root, "add", "--", name)
    corpus.commit()
    result = corpus.check(f"articles/{DOC0}")
    assert result.exit_code == 1, result.stderr
    assert "caf\\udce9.txt" in result.stderr and "left out of the corpus" in result.stderr


def test_shared_paragraphs_the_review_of_the_rules_kept(corpus):
    # a code review: an edited paragraph ("may" -> "could") stopped counting as shared
    # ("may" was taken for a month), and six one-sentence paragraphs copied were no DUP003
    source = [p for p in paragraphs(DISTINCT[5]) if len(p.split()) >= 20][0]
    corpus.write("articles/src.txt", f"Central bank\n\n{source} The central bank may cut its rates again.\n\n"
                 + "\n\n".join(paragraphs(DISTINCT[6])) + "\n")
    corpus.write("articles/fire-src.txt", "\n\n".join(
        f"Fire crews said the blaze in block {k} was out by noon on the day." for k in range(8)) + "\n")
    corpus.add("articles/src.txt", "articles/fire-src.txt")
    corpus.commit()
    corpus.write("articles/new.txt", f"Rates\n\n{source} The central bank could cut its rates again.\n\n"
                 + "\n\n".join(paragraphs(DISTINCT[7])) + "\n")
    assert [f for f in corpus.findings("articles/new.txt") if "DUP003" in f]
    corpus.write("articles/fire-new.txt", "A new report\n\n" + "\n\n".join(
        f"Fire crews said the blaze in block {k} was out by noon on the day." for k in range(6))
        + "\n\n" + "\n\n".join(paragraphs(DISTINCT[8])) + "\n")
    assert [f for f in corpus.findings("articles/fire-new.txt") if "DUP003 shares 6 paragraphs" in f]
