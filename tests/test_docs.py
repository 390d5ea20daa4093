"""The documentation cannot fall behind the code (as sqlite-utils' ``tests/test_docs.py``).

Every command and subcommand of the ``dedup`` command line is documented in README.md
and has ``--help`` text, every option has help, and what the README says about
``dedup check`` (its options, its codes, the hook) matches the code.
"""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from dedup.check import CODES
from dedup.cli import cli

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    for name, command in sorted(group.commands.items()):
        out.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            out += _commands(command, (*prefix, name))
    return out


COMMANDS = _commands(cli)
IDS = [" ".join(path) for path, _ in COMMANDS]
#: commands whose README section is still to be written by their authors; remove an entry
#: once its section exists (the test then passes, and strict xfail reports it)
PENDING_DOCS: set[str] = set()


def _section(title: str) -> str:
    """The README text below heading ``title``, up to the next heading of the same or a higher
    level (lines inside fenced code blocks are not headings)."""
    lines = README.split("\n")
    fenced, start, level = False, None, 0
    for i, line in enumerate(lines):
        if line.startswith("```"):
            fenced = not fenced
        heading = re.match(r"(#+) (.*)", line) if not fenced else None
        if heading and start is None and heading.group(2) == title:
            start, level = i + 1, len(heading.group(1))
        elif heading and start is not None and len(heading.group(1)) <= level:
            return "\n".join(lines[start:i])
    assert start is not None, f"README.md has no heading {title!r}"
    return "\n".join(lines[start:])


def test_there_are_commands():
    assert {"scan", "check"} <= {path[0] for path, _ in COMMANDS}


@pytest.mark.parametrize("path, command", [
    pytest.param(path, command, marks=pytest.mark.xfail(
        strict=True, reason=f"README.md has no section for 'dedup {name}' yet; remove it from PENDING_DOCS "
                            "when it has")) if name in PENDING_DOCS else (path, command)
    for (path, command), name in zip(COMMANDS, IDS)], ids=IDS)
def test_command_is_documented_in_readme(path, command):
    commands = _section("Commands")
    top = f"dedup {path[0]}"
    assert re.search(rf"^### {re.escape(top)}\b", commands, re.M), f"README.md: no '### {top}' under '## Commands'"
    if len(path) > 1:
        assert f"dedup {' '.join(path)}" in _section(top), f"README.md: 'dedup {' '.join(path)}' is not in '### {top}'"


@pytest.mark.parametrize("path, command", COMMANDS, ids=IDS)
def test_command_has_help(path, command):
    assert command.help and command.help.strip(), f"dedup {' '.join(path)} has no help text"
    result = CliRunner().invoke(cli, [*path, "--help"], prog_name="dedup")
    assert result.exit_code == 0
    assert result.output.startswith(f"Usage: dedup {' '.join(path)} ")
    assert " ".join(command.help.split("\n\n")[0].split()) in " ".join(result.output.split())
    for param in command.params:
        if isinstance(param, click.Option):
            assert param.help, f"dedup {' '.join(path)} {param.opts[0]} has no help text"


def test_readme_check_usage_lists_every_option():
    section = _section("dedup check")
    usage = section.split("```")[1]
    assert usage.strip().startswith("dedup check PATH...")
    documented = set(re.findall(r"--[a-z-]+", usage))
    actual = {opt for p in cli.commands["check"].params if isinstance(p, click.Option)
              for opt in p.opts if opt.startswith("--") and opt != "--help"}
    assert documented == actual


def test_readme_lists_the_finding_codes():
    section = _section("dedup check")
    assert set(re.findall(r"^\| `(DUP\d{3})` \|", section, re.M)) == set(CODES)
    for code in CODES:
        assert re.search(rf"\b{code} ", section.split("```")[3])  # each code appears in the example output


def test_readme_describes_the_shipped_hook():
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    section = _section("dedup check")
    assert (hook["id"], hook["entry"], hook["language"], hook["require_serial"]) == ("dedup", "dedup check",
                                                                                     "python", True)
    for fact in (f"id `{hook['id']}`", f"`entry: {hook['entry']}`", f"`language: {hook['language']}`",
                 "`require_serial: true`", f"- id: {hook['id']}"):
        assert fact in section


def _session(first_command: str) -> list[tuple[str, str]]:
    """The README's fenced block that starts with ``$ first_command``, as (command, what
    it printed) pairs."""
    blocks: list[str] = []
    current: list[str] | None = None
    for line in README.split("\n"):
        if line.startswith("```") and current is None:
            current = []
        elif line.startswith("```"):
            blocks.append("\n".join(current))
            current = None
        elif current is not None:
            current.append(line)
    block = next(b for b in blocks if b.startswith(f"$ {first_command}\n"))
    steps = re.split(r"^\$ ", block, flags=re.M)[1:]
    return [(step.split("\n", 1)[0], step.split("\n", 1)[1].rstrip("\n")) for step in steps]


@pytest.mark.parametrize("first", ["dedup index add news.db examples/news"])
def test_readme_index_session_prints_what_it_shows(first, tmp_path, monkeypatch):
    # run as written, on the shipped examples (a review found day2/ was not shipped)
    (tmp_path / "examples").symlink_to(REPO / "examples", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    for command, shown in _session(first):
        args = command.split()
        assert args[0] == "dedup"
        result = CliRunner().invoke(cli, args[1:])
        assert result.exit_code == 0, (command, result.output)
        assert result.output.rstrip("\n") == shown, command


def test_readme_clean_with_an_index_prints_what_it_shows(tmp_path, monkeypatch):
    (tmp_path / "examples").symlink_to(REPO / "examples", target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(cli, ["index", "add", "news.db", "examples/news"]).exit_code == 0
    (command, shown), = _session("dedup clean examples/day2 -o day2-clean --index news.db")
    result = CliRunner().invoke(cli, command.split()[1:])
    assert result.exit_code == 0, result.output
    assert result.output.rstrip("\n") == shown
    assert sorted(p.name for p in (tmp_path / "day2-clean").iterdir()) == ["roundup.txt"]


def test_the_manifest_lines_the_readme_shows_are_what_clean_writes(tmp_path):
    # a code review: the README showed "removed": "Related Articles\n" after clean began
    # cutting the blank line after a paragraph
    import json

    shown = [json.loads(line) for line in README.splitlines() if line.startswith('{"id": "0')]
    assert len(shown) >= 2
    out = tmp_path / "clean-news"
    result = CliRunner().invoke(cli, ["clean", str(REPO / "examples" / "news"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    written = [json.loads(line) for line in (tmp_path / "clean-news.removed.jsonl").read_text().splitlines()]
    assert all(entry in written for entry in shown)
