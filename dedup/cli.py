"""The ``dedup`` command line: parses options, calls the library, renders the report.

No logic lives here that the library lacks. Library errors (:class:`DedupError`)
become a one-line message on stderr and exit code 2, in one place (:class:`DedupGroup`).
"""

from __future__ import annotations

import errno
import os
import sys
import threading
import warnings
from contextlib import contextmanager, nullcontext
from typing import Callable, Iterator

import click

from .dask import scanner as engine_scanner
from .errors import DedupError, DedupWarning, ParameterError, check_interrupted, interrupts_marked, terminated
from .index import QUERY_FORMATS
from .io import atomic_open, check_not_an_input, iter_documents, silence_stdout, skipping_malformed
from .progress import bar
from .report import FORMATS, Report, format_for, plural
from .scan import Params, check_jobs

_DEFAULTS = Params()


class UserError(click.ClickException):
    """A user's mistake: one line on stderr, exit code 2 (click's own exits 1)."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"dedup: error: {self.format_message()}", err=True)


def input_options(f: Callable) -> Callable:
    """Options naming the fields of record formats (JSONL, JSON, CSV, Parquet)."""
    f = click.option("--id-field", default="id", show_default=True,
                     help="Field holding the document id (without the default 'id', the row number; "
                          "another field named must be in every record).")(f)
    f = click.option("--text-field", default="text", show_default=True,
                     help="Field holding the document text.")(f)
    return f


def _check_jobs(ctx: click.Context, param: click.Parameter, jobs: int) -> int:
    """:func:`dedup.scan.check_jobs`, as a usage error that names the option."""
    try:
        return check_jobs(jobs)
    except ParameterError:
        raise click.BadParameter(f"{jobs} is not a number of threads (1 or more, or -1 for all cores).") from None


def skip_option(f: Callable) -> Callable:
    """``--skip-malformed``: records that are no record with a text are skipped with a warning."""
    return click.option("--skip-malformed", is_flag=True,
                        help="Skip records that are no record with a text (a malformed JSONL line or one of "
                             "invalid UTF-8, a CSV row with too many or too few fields, no text field, a "
                             "directory's file in another encoding) or repeat an id seen before, with a warning "
                             "naming each, instead of stopping. A CSV file with invalid UTF-8 still stops the run.")(f)


def jobs_option(f: Callable) -> Callable:
    """``-j/--jobs``: threads of a scan."""
    return click.option("-j", "--jobs", type=int, default=1, show_default=True, callback=_check_jobs,
                        help="Threads for tokenising, signing, matching paragraphs and verifying (-1: all cores); "
                             "results do not change.")(f)


def engine_options(f: Callable) -> Callable:
    """``--engine local|dask`` and ``--scheduler ADDRESS``: where a scan's per-document work runs."""
    f = click.option("--scheduler", metavar="ADDRESS",
                     help="The Dask scheduler of --engine dask (tcp://host:8786). [default: a local cluster of "
                          "--jobs worker processes]")(f)
    return click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                        help="Where the per-document work (tokenising, signing) runs: here on --jobs threads, or "
                             "on a Dask cluster (pip install 'dedup[dask]'); results do not change.")(f)


@contextmanager
def engine_client(engine: str, scheduler: str | None, jobs: int) -> Iterator[object]:
    """The ``distributed.Client`` of ``--engine dask`` (:func:`dedup.dask.cluster`), None
    for the local engine."""
    if scheduler is not None and engine != "dask":
        raise click.UsageError("--scheduler names the cluster of --engine dask; add --engine dask")
    if engine != "dask":
        yield None
        return
    from .dask import cluster

    with cluster(scheduler, jobs) as client:
        yield client


def match_options(f: Callable) -> Callable:
    """Options of the matching rules, shared by every command that scans."""
    options = [
        click.option("--threshold", type=click.FloatRange(0, 1), default=_DEFAULTS.threshold, show_default=True,
                     help="Jaccard similarity of shingle sets for near-duplicate documents."),
        click.option("--containment", type=click.FloatRange(0, 1), default=_DEFAULTS.containment,
                     show_default=True, help="Share of a smaller document inside a larger one that makes it a copy."),
        click.option("--min-shingles", type=click.IntRange(0), default=_DEFAULTS.min_shingles, show_default=True,
                     help="Shingles a smaller document needs for the containment rule."),
        click.option("--ngram", type=click.IntRange(1), default=_DEFAULTS.ngram, show_default=True,
                     help="Words per shingle."),
        click.option("--num-perm", type=click.IntRange(1), default=_DEFAULTS.num_perm, show_default=True,
                     help="Signature length (MinHash permutations)."),
        click.option("--seed", type=int, default=_DEFAULTS.seed, show_default=True, help="Signature hash seed."),
        click.option("--scheme", type=click.Choice(["fast", "datasketch"]), default=_DEFAULTS.scheme,
                     show_default=True, help="Signature scheme: one-permutation hashing, or datasketch's MinHash."),
        click.option("--block-threshold", type=click.FloatRange(0, 1), default=_DEFAULTS.block_threshold,
                     show_default=True, help="Word-set Jaccard for two long paragraphs to match."),
        click.option("--boilerplate-min-docs", type=click.IntRange(1), default=_DEFAULTS.boilerplate_min_docs,
                     show_default=True, help="Groups of related documents a block must appear in to be "
                                             "boilerplate (one fewer for short blocks without figures)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def note_compiling() -> None:
    """On a terminal, one line on standard error before the first run after installing
    compiles the loops (:func:`dedup.kernels.compiled`), which is otherwise 10-30 s of
    silence."""
    if sys.stderr.isatty():
        from . import kernels

        if not kernels.compiled():
            click.echo("dedup: compiling its loops, once after installing (10-30 s)", err=True)


def _params(kwargs: dict) -> dict:
    names = set(Params.__dataclass_fields__)
    return {k: v for k, v in kwargs.items() if k in names}


#: what click 8.2 and later raise for a group called without a command (before, it printed the help)
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


#: errors of a write that ran out of room (a full disk or device, a file size limit, a quota)
_OUT_OF_ROOM = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", errno.ENOSPC)}


@contextmanager
def _dedup_warnings_as_lines() -> Iterator[None]:
    """:class:`~dedup.errors.DedupWarning` printed as ``dedup: warning: ...`` on stderr
    (other warnings as Python prints them)."""
    shown = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, DedupWarning):
            click.echo(f"dedup: warning: {message}", err=True)
        else:
            shown(message, category, filename, lineno, file, line)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = shown


def _caused_by_interrupt(err: BaseException | None) -> bool:
    """Whether Ctrl-C caused ``err``: click's Abort is raised from the KeyboardInterrupt,
    and numba reports one inside a compiled loop as a SystemError from it, nested as deep
    as the calls between."""
    seen = set()
    while err is not None and id(err) not in seen:  # a chain may loop
        if isinstance(err, KeyboardInterrupt):
            return True
        seen.add(id(err))
        err = err.__cause__
    return False


#: whether the command line runs as the console script (``main``), not inside another program
_CONSOLE = [False]


def _exit_interrupted() -> None:
    """Exit as a shell reports a command ended by Ctrl-C (130) or by SIGTERM (143)."""
    if terminated():
        click.echo("dedup: terminated (SIGTERM); nothing was put in place", err=True)
        sys.exit(143)
    click.echo("Aborted!", err=True)
    sys.exit(130)


class DedupGroup(click.Group):
    """Turns library errors of any subcommand into :class:`UserError` (exit code 2),
    and prints usage errors on one line too."""

    def main(self, *args, **kwargs):
        with _dedup_warnings_as_lines():
            return self._main(*args, **kwargs)

    def _main(self, *args, **kwargs):
        if not kwargs.get("standalone_mode", True):
            return super().main(*args, **kwargs)
        kwargs["standalone_mode"] = False
        marked = interrupts_marked(ignore_when_done=_CONSOLE[0]) \
            if threading.current_thread() is threading.main_thread() else nullcontext()
        try:
            with marked:
                result = super().main(*args, **kwargs)
                check_interrupted()  # one that numba swallowed: the exit says so
        except KeyboardInterrupt:
            _exit_interrupted()
        except _NO_ARGS_IS_HELP as err:  # `dedup`, `dedup index`: the help, as click prints it
            click.echo(err.ctx.get_help(), err=True)
            sys.exit(2)
        except click.UsageError as err:
            where = f" (see '{err.ctx.command_path} --help')" if err.ctx is not None else ""
            click.echo(f"dedup: error: {err.format_message()}{where}", err=True)
            sys.exit(2)
        except click.ClickException as err:
            err.show()
            sys.exit(err.exit_code)
        except (click.exceptions.Abort, SystemError) as err:
            # interrupted (Ctrl-C): 130, as a shell reports a command that SIGINT ended, so that
            # it never reads as `dedup check`'s 1 (findings). Inside a compiled loop numba reports
            # the interrupt as a SystemError caused by it
            interrupted = _caused_by_interrupt(err)
            if isinstance(err, SystemError) and not interrupted:
                raise
            if interrupted:
                _exit_interrupted()
            click.echo("Aborted!", err=True)
            sys.exit(1)
        except MemoryError as err:  # a size no machine has (--num-perm 100000 on a million articles)
            click.echo(f"dedup: error: out of memory{': ' + str(err) if str(err) else ''}", err=True)
            sys.exit(2)
        except OSError as err:
            if err.errno not in _OUT_OF_ROOM:  # not a write that ran out of room: a bug, shown whole
                raise
            # standard output (the summary of clean, say: files are named by the library)
            try:
                silence_stdout()
            except (OSError, ValueError, AttributeError):  # pragma: no cover - no file descriptor
                pass
            click.echo(f"dedup: error: standard output: cannot write: {(err.strerror or str(err)).lower()}", err=True)
            sys.exit(2)
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (DedupError, DedupWarning) as err:  # a warning made an error (PYTHONWARNINGS=error)
            raise UserError(str(err)) from err


@click.group(cls=DedupGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="dedup")
def cli() -> None:
    """Find duplicate and near-duplicate news articles.

    Reports paragraphs repeated inside an article, clusters of near-duplicate
    articles, partial overlap between articles, and boilerplate shared by many.
    """


@cli.command(short_help="Find repeats, duplicates, overlaps and boilerplate in PATHS.")
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="Output format.  [default: the one -o's extension names (.json, .jsonl, .csv, .html), else table]")
@click.option("-o", "--output", default="-", show_default=True,
              help="Write the report here, atomically; without --format, in the format its extension names "
                   "(.json, .jsonl, .csv, .html, .txt), compressed for .gz, .bz2, .xz.")
@jobs_option
@engine_options
@input_options
@skip_option
@match_options
def scan(paths: tuple[str, ...], fmt: str, output: str, text_field: str, id_field: str, jobs: int,
         engine: str, scheduler: str | None, skip_malformed: bool, **kwargs) -> None:
    """Scan PATHS (directories of .txt/.md, .jsonl, .json, .csv, .parquet, or - for JSONL on stdin).

    A file compressed with gzip, bzip2 or xz is read decompressed, in the format of its
    name without .gz, .bz2 or .xz (day.jsonl.gz is JSONL, a.txt.xz a text; not Parquet).
    """
    note_compiling()
    check_not_an_input(output, paths)
    # documents stream into the scanner a batch at a time: with --jobs > 1, signing overlaps with reading
    fmt = format_for(output, fmt)
    with engine_client(engine, scheduler, jobs) as client, skipping_malformed(skip_malformed) as skipped:
        scanner = engine_scanner(client, jobs, **_params(kwargs))
        documents = iter_documents(list(paths), text_field=text_field, id_field=id_field,
                                   progress=bar(desc="reading", unit="doc"), on_malformed=skipped)
        report = Report(scanner.scan(documents))
    with atomic_open(output) as f:
        f.write(report.render(fmt))


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--baseline", type=click.Path(dir_okay=False),
              help="Do not report the findings recorded in this file. [default: [tool.dedup] baseline]")
@click.option("--no-baseline", is_flag=True,
              help="Report every finding, the baseline's too (an audit of what [tool.dedup]'s baseline accepts).")
@click.option("--write-baseline", type=click.Path(dir_okay=False),
              help="Record the findings of PATHS in this file (keeping other files' entries) and exit 0.")
@click.option("--index", "index_path", type=click.Path(dir_okay=False), metavar="DB",
              help="Compare with this index (dedup index add) instead of the git-tracked files. "
                   "[default: [tool.dedup] index]")
@match_options
@click.pass_context
def check(ctx: click.Context, paths: tuple[str, ...], baseline: str | None, no_baseline: bool,
          write_baseline: str | None, index_path: str | None, **kwargs) -> None:
    """Check changed files PATHS against the corpus (the pre-commit hook).

    Prints one `path:line:col: CODE message` line a finding (DUP001 repeated paragraph,
    DUP002 near-duplicate, DUP003 shared paragraphs) and a summary on stderr; exits 1
    when there are findings, 0 when clean. The corpus is the git-tracked files matching
    [tool.dedup] include/exclude; its other settings are the defaults, and options win.
    """
    note_compiling()
    from click.core import ParameterSource

    from .check import check as run_check

    if no_baseline and baseline is not None:
        raise click.UsageError("--baseline and --no-baseline contradict each other: give one")
    flags = {k: v for k, v in _params(kwargs).items() if ctx.get_parameter_source(k) != ParameterSource.DEFAULT}
    result = run_check(paths, baseline=False if no_baseline else baseline, write_baseline=write_baseline,
                       index=index_path, **flags)
    check_interrupted()  # no findings printed after Ctrl-C that numba swallowed
    for finding in result.findings:
        click.echo(str(finding))
    click.echo(result.summary(), err=True)
    ctx.exit(result.exit_code)


def _explicit_params(ctx: click.Context, kwargs: dict) -> dict:
    """The matching options given on the command line (an index keeps its own defaults)."""
    from click.core import ParameterSource

    return {k: v for k, v in _params(kwargs).items() if ctx.get_parameter_source(k) != ParameterSource.DEFAULT}


@cli.command(short_help="Write INPUT without its duplicates, repeats and boilerplate.")
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", required=True,
              help="Write the cleaned corpus here, in INPUT's format (atomically).")
@click.option("--removed", "manifest", help="Write the manifest of removals here (JSONL). "
              "[default: OUTPUT.removed.jsonl]")
@click.option("--keep-duplicates", is_flag=True, help="Keep every member of a cluster, not only its representative.")
@click.option("--keep-repeats", is_flag=True, help="Keep blocks that repeat an earlier block of their document.")
@click.option("--keep-boilerplate", is_flag=True, help="Keep boilerplate blocks.")
@jobs_option
@engine_options
@click.option("--index", "index_path", metavar="DB", help="Also drop records that duplicate documents of this index, "
              "and add the kept ones to it in the same transaction.")
@input_options
@skip_option
@match_options
@click.pass_context
def clean(ctx: click.Context, input_path: str, output: str, manifest: str | None, keep_duplicates: bool,
          keep_repeats: bool, keep_boilerplate: bool, jobs: int, engine: str, scheduler: str | None,
          index_path: str | None, text_field: str, id_field: str, skip_malformed: bool, **kwargs) -> None:
    """Clean INPUT into OUTPUT: one document per cluster, no repeated or boilerplate blocks.

    OUTPUT keeps INPUT's format (a directory of .txt/.md, .jsonl, .json, .csv,
    .parquet; - reads JSONL from stdin) and every field of each kept record, but the
    repaired text. INPUT may be compressed (day.jsonl.gz, .bz2, .xz); OUTPUT is
    compressed when its name says so (clean.jsonl.gz). Each removed record or block
    is a line of the manifest, with the reason (duplicate_of, repeat_removed,
    boilerplate_removed, empty), what it duplicates, the exact similarity and the
    removed text.
    """
    note_compiling()
    from .clean import check_paths, clean_file

    params = _explicit_params(ctx, kwargs) if index_path else _params(kwargs)
    check_paths(input_path, output, manifest, index_path)  # before a Dask cluster is started
    with engine_client(engine, scheduler, jobs) as client:
        result = clean_file(input_path, output, removed=manifest, text_field=text_field, id_field=id_field,
                            keep_duplicates=keep_duplicates, keep_repeats=keep_repeats,
                            keep_boilerplate=keep_boilerplate, index=index_path, jobs=jobs,
                            skip_malformed=skip_malformed, client=client, **params)
    added = "" if result.added is None else \
        f"; added {plural(result.added, 'record')} to {'a new index ' if result.index_created else ''}{index_path}"
    click.echo(f"{result.describe()}; wrote {output} and {result.manifest}{added}")


@cli.group("index")
def index_group() -> None:
    """A persistent index of ingested documents (one SQLite file).

    Add each day's articles with `dedup index add`; ask which new articles duplicate
    indexed ones with `dedup index query` (or drop them with `dedup clean --index`);
    take documents out with `dedup index remove`.
    """


@index_group.command("add", short_help="Add the documents of PATHS to the index DB.")
@click.argument("db")
@click.argument("paths", nargs=-1, required=True)
@input_options
@skip_option
@match_options
@click.pass_context
def index_add(ctx: click.Context, db: str, paths: tuple[str, ...], text_field: str, id_field: str,
              skip_malformed: bool, **kwargs) -> None:
    """Add the documents of PATHS to the index DB (created if missing), all or none.

    A new index stores the matching options; an existing one keeps those it was built
    with (giving a different --ngram, --num-perm, --seed, --scheme or a --threshold that
    needs other LSH bands is an error; the defaults shown are those of a new index).
    """
    note_compiling()
    from .index import Index

    documents = _read_skipping(paths, text_field, id_field, skip_malformed)
    with Index(db, **_explicit_params(ctx, kwargs)) as idx:
        added = idx.add(documents)
        click.echo(f"added {plural(added, 'document')} to {db} ({len(idx):,} indexed)")


@index_group.command("remove", short_help="Take documents out of the index DB by id.")
@click.argument("db")
@click.argument("ids", nargs=-1, required=True)
def index_remove(db: str, ids: tuple[str, ...]) -> None:
    """Take the documents of IDS out of the index DB, all in one transaction (`-`: the ids
    on standard input, one a line, as `jq -r .id day.jsonl` prints them).

    To redo a day's ingest: take its ids out, then clean it into the index again.
    """
    from .index import Index

    if not os.path.exists(db):  # (opened for writing, a missing one would be made, empty)
        raise DedupError("no such index", db)
    wanted = [line.rstrip("\r\n") for line in sys.stdin if line.strip()] if ids == ("-",) else list(ids)
    with Index(db) as idx:
        removed = idx.remove(wanted)
        missing = len(set(wanted)) - removed
        click.echo(f"removed {plural(removed, 'document')} from {db} ({len(idx):,} indexed)"
                   + (f"; {plural(missing, 'id')} not in it" if missing else ""))


@index_group.command("query", short_help="Which documents of PATHS the index DB already holds.")
@click.argument("db")
@click.argument("paths", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS),
              help="Output format.  [default: the one -o's extension names (.json, .jsonl, .csv), else table]")
@click.option("-o", "--output", default="-", show_default=True,
              help="Write the report here, atomically; without --format, in the format its extension names "
                   "(.json, .jsonl, .csv, .txt), compressed for .gz, .bz2, .xz.")
@input_options
@skip_option
@match_options
@click.pass_context
def index_query(ctx: click.Context, db: str, paths: tuple[str, ...], fmt: str, output: str, text_field: str,
                id_field: str, skip_malformed: bool, **kwargs) -> None:
    """Report which documents of PATHS duplicate documents of the index DB (opened read-only).

    For each document: the indexed documents it duplicates with exact similarity and
    containment, its repeated paragraphs, and the indexed documents it shares
    paragraphs with. Matching options left out are the index's own (the defaults
    shown are those of a new index).
    """
    note_compiling()
    from .index import Index

    check_not_an_input(output, [db, *paths])
    fmt = format_for(output, fmt, QUERY_FORMATS)
    documents = _read_skipping(paths, text_field, id_field, skip_malformed)
    with Index(db, readonly=True, **_explicit_params(ctx, kwargs)) as idx:
        report = idx.query(documents)
    with atomic_open(output) as f:
        f.write(report.render(fmt))


def _read_skipping(paths: tuple[str, ...], text_field: str, id_field: str, skip_malformed: bool) -> list:
    """The documents of ``paths``, malformed records skipped with warnings if asked."""
    from .io import read_documents

    with skipping_malformed(skip_malformed) as skipped:
        return read_documents(list(paths), text_field=text_field, id_field=id_field, on_malformed=skipped)


def main() -> None:
    """Entry point of the ``dedup`` console script."""
    _CONSOLE[0] = True  # the process exits after the command: its signals are ignored once it is done
    try:
        cli(prog_name="dedup")
    except BrokenPipeError:  # e.g. `dedup scan ... | head`
        sys.exit(0)
    finally:  # (for a program that calls main() and goes on)
        _CONSOLE[0] = False
