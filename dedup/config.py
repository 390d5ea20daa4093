"""Project defaults from ``[tool.dedup]`` in the nearest ``pyproject.toml``.

``dedup check`` runs inside a project (a corpus kept in git, checked by pre-commit),
so its defaults live with the project, as ruff's and black's do::

    [tool.dedup]
    include = ["articles/**/*.txt", "articles/**/*.md"]   # the corpus
    exclude = ["articles/drafts/**"]
    baseline = ".dedup-baseline.json"                      # accepted findings
    threshold = 0.85                                       # any scan parameter
    boilerplate-min-docs = 3

The nearest ``pyproject.toml`` *that has a* ``[tool.dedup]`` *table* is used: the
search starts in the directory of the paths being checked and walks up, stopping at
the top of the git repository (a ``pyproject.toml`` above the repository belongs to
some other project). Options given on the command line win over the file.

Keys may be written with ``-`` or ``_``. Globs and the ``baseline`` / ``index``
paths are relative to the directory of that ``pyproject.toml``. In a glob, ``*`` and
``?`` stay inside one directory, ``**`` spans any number of directories, and a glob
without ``/`` matches a file name in any directory (``*.txt`` is ``**/*.txt``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from .compression import COMPRESSIONS
from .errors import DedupError
from .io import TEXT_EXTENSIONS
from .scan import Params

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: The corpus when no ``include`` is configured: the text formats ``dedup`` reads as one document a
#: file, as they are (``**/*.txt``, ``**/*.md``) and compressed (``**/*.txt.gz``, ...).
DEFAULT_INCLUDE = tuple(f"**/*{extension}{suffix}" for suffix in ("", *COMPRESSIONS) for extension in TEXT_EXTENSIONS)

_PARAM_TYPES = {f.name: f.type for f in dataclasses.fields(Params)}
_OWN_KEYS = {"include": list, "exclude": list, "baseline": str, "index": str}


class ConfigError(DedupError):
    """A ``[tool.dedup]`` table that cannot be used (unknown key, wrong type, bad TOML)."""


@dataclass(frozen=True)
class Config:
    """The ``[tool.dedup]`` settings in force.

    Attributes:
        path: the ``pyproject.toml`` they came from; ``None`` when none has the table.
        root: the directory globs and relative paths are resolved against (the
            ``pyproject.toml``'s directory, else the directory the search started in).
        include, exclude: globs selecting the corpus, relative to ``root``.
        baseline, index: absolute paths, or ``None``.
        params: scan parameters (:class:`~dedup.scan.Params` field names) set in the file.
    """

    path: Path | None
    root: Path
    include: tuple[str, ...] = DEFAULT_INCLUDE
    exclude: tuple[str, ...] = ()
    baseline: Path | None = None
    index: Path | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def selects(self, path: str | os.PathLike) -> bool:
        """Whether ``path`` (absolute, or relative to the working directory) is in the corpus.

        A file outside ``root`` is selected when it matches no ``exclude`` glob: it was
        named explicitly, and the project's globs say nothing about it.
        """
        rel = os.path.relpath(os.path.abspath(path), self.root).replace(os.sep, "/")
        if rel == ".." or rel.startswith("../"):
            return True
        return matches(rel, self.include) and not matches(rel, self.exclude)


def find_pyproject(start: str | os.PathLike) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.dedup]`` table, at or above ``start``.

    The walk stops after the first directory that holds ``.git``.
    """
    directory = Path(os.path.abspath(start))
    if not directory.is_dir():
        directory = directory.parent
    for d in (directory, *directory.parents):
        candidate = d / "pyproject.toml"
        if candidate.is_file() and "dedup" in _read_toml(candidate).get("tool", {}):
            return candidate
        if (d / ".git").exists():
            return None
    return None


def load_config(start: str | os.PathLike = ".") -> Config:
    """The :class:`Config` in force for paths in ``start`` (a directory or file)."""
    path = find_pyproject(start)
    if path is None:
        directory = Path(os.path.abspath(start))
        return Config(path=None, root=directory if directory.is_dir() else directory.parent)
    return parse_config(_read_toml(path)["tool"]["dedup"], path)


def parse_config(table: dict, path: Path) -> Config:
    """Validate a ``[tool.dedup]`` table read from ``path``."""
    if not isinstance(table, dict):
        raise ConfigError("[tool.dedup] must be a table", str(path))
    root = path.parent
    own: dict[str, Any] = {}
    params: dict[str, Any] = {}
    for raw_key, value in table.items():
        key = raw_key.replace("-", "_")
        if key in _OWN_KEYS:
            expected = _OWN_KEYS[key]
            if expected is list:
                if isinstance(value, str):
                    value = [value]
                if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                    raise ConfigError(f"[tool.dedup] {raw_key} must be a list of globs", str(path))
                own[key] = tuple(value)
            else:
                if not isinstance(value, str):
                    raise ConfigError(f"[tool.dedup] {raw_key} must be a path (a string)", str(path))
                own[key] = (root / value).resolve()
        elif key in _PARAM_TYPES:
            params[key] = _param_value(raw_key, value, _PARAM_TYPES[key], path)
        else:
            known = sorted(k.replace("_", "-") for k in (*_OWN_KEYS, *_PARAM_TYPES))
            raise ConfigError(f"[tool.dedup] has unknown key {raw_key!r} (known: {', '.join(known)})", str(path))
    try:
        Params(**params)
    except DedupError as e:
        raise ConfigError(f"[tool.dedup] {e.message}", str(path)) from None
    return Config(path=path, root=root, params=params, **own)


def matches(rel_path: str, globs: Iterable[str]) -> bool:
    """Whether the ``/``-separated relative path matches any of ``globs`` (see the module docstring)."""
    return any(_glob_regex(g).fullmatch(rel_path) for g in globs)


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern:
    pattern = pattern.strip().lstrip("/")
    while pattern.startswith("./"):
        pattern = pattern[2:]
    if pattern.endswith("/"):  # a directory: everything below it
        pattern += "**"
    if "/" not in pattern:
        pattern = "**/" + pattern
    segments = pattern.split("/")
    out = []
    for k, segment in enumerate(segments):
        last = k == len(segments) - 1
        if segment == "**":
            out.append(".*" if last else "(?:[^/]+/)*")
        else:
            out.append(_segment_regex(segment) + ("" if last else "/"))
    return re.compile("".join(out))


def _segment_regex(segment: str) -> str:
    out, i = [], 0
    while i < len(segment):
        c = segment[i]
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[":
            j = i + 1
            if segment[j:j + 1] == "!":
                j += 1
            if segment[j:j + 1] == "]":  # a leading ] is a member of the class
                j += 1
            j = segment.find("]", j)
            if j < 0:
                out.append(re.escape(c))
            else:
                body = segment[i + 1:j]
                if body.startswith("!"):
                    body = "^/" + body[1:]
                out.append("[" + body.replace("\\", "\\\\") + "]")
                i = j
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


def _param_value(key: str, value: Any, annotation: Any, path: Path) -> Any:
    kind = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    ok = {
        "float": isinstance(value, (int, float)) and not isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "str": isinstance(value, str),
    }.get(kind, True)
    if not ok:
        raise ConfigError(f"[tool.dedup] {key} must be a{'n' if kind == 'int' else ''} {kind}, "
                          f"not {value!r}", str(path))
    return float(value) if kind == "float" else value


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"invalid TOML: {e}", str(path)) from None
    except OSError as e:
        raise ConfigError(f"cannot read: {e.strerror or e}", str(path)) from None
