"""Dask wiring: the per-document stages and the per-story matching as distributed tasks.

`--workers N` starts a `dask.distributed.LocalCluster` of N worker processes (one thread each);
`--scheduler ADDRESS` uses an existing cluster.  Without either the pipeline runs in one
process and this module is never imported.

Tasks, in order:
1. ingest + segment, a chunk of input files per task (discovery, duplicate detection and doc ids
   stay in the client, exactly as `ingest.ingest_paths` does them, so ids are the same);
2. translate + embed, a chunk of documents per task (the pipeline's own `_translate` and
   `_embed_units`); the embedding models load once per worker (`_worker_embedder`).  The
   vectors stay in the on-disk embedding caches: the client's `_embed_units` over the whole
   corpus then reads them back (the fused signal centres on corpus means, so fusing is done
   once, in the client, exactly as in a single process);
3. corpus-wide k-NN and stories in the client (one search over all units);
4. matching, a batch of stories per task (`match.corpus.match_one_story`).

Results come back in submission order, so the tables equal those of a single-process run
(up to float rounding of embeddings computed in other batches; see tests/test_scale.py).
The score profile (align/match/scoring.py) travels in each story task, not in a context
variable, so workers score as the client would.
"""

from __future__ import annotations

import logging
from pathlib import Path

# One embedder per model and worker process, loaded on first use.
_EMBEDDERS: dict[str, object] = {}


def _worker_embedder(options):
    from align import pipeline

    key = str(options.embedder)
    if key not in _EMBEDDERS:
        _EMBEDDERS[key] = pipeline._load_embedder(options)
    return _EMBEDDERS[key]


def _ingest_task(paths: list[Path], max_bytes: int) -> list[tuple]:
    """("fail", failure) or ("ok", doc, sentences, segment_failure) for each path, in order."""
    from align import ingest, segment
    from align.types import InputError, InputFailure

    out: list[tuple] = []
    for path in paths:
        try:
            doc = ingest.ingest_file(path, max_bytes=max_bytes)
        except InputError as err:
            out.append(("fail", err.failure))
            continue
        try:
            sentences = segment.segment_document(doc)
        except InputError as err:
            out.append(("ok", doc, [], err.failure))
            continue
        failure = None if sentences else InputFailure(doc.path, "segment", "no sentences found in the readable text")
        out.append(("ok", doc, sentences, failure))
    return out


def _prepare_task(sentences, imported, options):
    """Translate one chunk of documents and embed its units (filling the on-disk embedding
    caches the client then reads); returns (sentences, translation stats)."""
    from align import pipeline

    embedder = _worker_embedder(options)
    stats = pipeline._translate(sentences, imported, options, pipeline._no_progress)
    pipeline._embed_units(sentences, embedder, options, pipeline._no_progress)
    return sentences, stats


def _add_stats(total, part) -> None:
    from dataclasses import fields

    for f in fields(total):
        a, b = getattr(total, f.name), getattr(part, f.name)
        if isinstance(a, dict):
            for k, v in b.items():
                a[k] = a.get(k, 0) + v
        else:
            setattr(total, f.name, a + b)


def _stories_task(tasks, options):
    from align.match import corpus

    embedder = _worker_embedder(options) if options.mode == "parallel" else None
    return [corpus.match_one_story(t, embedder) for t in tasks]


def _chunks(items: list, n: int) -> list[list]:
    size = max(1, -(-len(items) // max(n, 1)))
    return [items[i : i + size] for i in range(0, len(items), size)]


def _balanced(tasks: list, n: int) -> list[list[int]]:
    """Task indices in n contiguous batches of similar total size (units)."""
    sizes = [max(len(t.units), 1) for t in tasks]
    total = sum(sizes)
    batches: list[list[int]] = [[]]
    acc = 0
    for i, s in enumerate(sizes):
        if batches[-1] and acc >= total * len(batches) / n:
            batches.append([])
        batches[-1].append(i)
        acc += s
    return [b for b in batches if b]


class Engine:
    """A Dask client (and the LocalCluster it started, if any) for one run."""

    def __init__(self, options):
        from dask.distributed import Client, LocalCluster

        self.options = options
        self.cluster = None
        try:
            if options.scheduler:
                self.client = Client(options.scheduler, timeout="10s")
            else:
                self.cluster = LocalCluster(
                    n_workers=options.workers, threads_per_worker=1, processes=True,
                    dashboard_address=None, silence_logs=logging.ERROR,
                )
                self.client = Client(self.cluster)
        except (OSError, TimeoutError, ValueError) as exc:
            from align.pipeline import ConfigError

            where = f"--scheduler {options.scheduler}" if options.scheduler else f"--workers {options.workers}"
            raise ConfigError(f"{where}: cannot start or reach the Dask cluster: {exc}") from exc
        self.n_workers = max(1, len(self.client.scheduler_info().get("workers", {})) or options.workers or 1)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def _map(self, fn, items, *args, advance=None, sizes=None) -> list:
        futures = [self.client.submit(fn, item, *args, pure=False) for item in items]
        out = []
        for n, fut in enumerate(futures):
            out.append(fut.result())
            if advance is not None:
                advance(sizes[n] if sizes else 1)
        return out

    # -- per-document stages -----------------------------------------------------------
    def prepare(self, inputs, imported, timer, progress, exclude=()):
        """Ingest, segment and translate on the workers (which also embed, filling the caches);
        returns (documents, sentences, failures, translation stats) as the single process has them."""
        from align import embed, ingest, pipeline
        from align.translate import TranslationStats, needed_pairs, packages

        options = self.options
        with timer.stage("ingest"):
            paths, failures = ingest.discover_inputs(list(inputs), exclude=exclude)
            per_path = [r for chunk in self._map(_ingest_task, _chunks(paths, 4 * self.n_workers), options.max_bytes)
                        for r in chunk]
            docs, segmented, seg_failures = [], {}, {}
            for r in per_path:
                if r[0] == "fail":
                    failures.append(r[1])
                else:
                    docs.append(r[1])
                    segmented[id(r[1])], seg_failures[id(r[1])] = r[2], r[3]
            docs, duplicates = ingest.find_duplicate_files(docs)
            failures += duplicates
            docs = ingest.assign_doc_ids(docs)
            kept, sentences_of = [], []
            for doc in docs:
                if seg_failures[id(doc)] is not None:
                    failures.append(seg_failures[id(doc)])
                    continue
                for s in segmented[id(doc)]:
                    s.doc_id = doc.doc_id  # ids are assigned after segmenting, as a corpus
                kept.append(doc)
                sentences_of.append(segmented[id(doc)])
        with timer.stage("translate"):
            # the exit-3 check of pipeline._translate, made once here for the whole corpus
            usable, _ = packages.scan_packages()
            all_sentences = [s for ss in sentences_of for s in ss]
            missing = sorted(needed_pairs(all_sentences, imported) - {p.pair for p in usable})
            if missing and (options.require_translation or embed.MultilingualEmbedder.is_off(options.multilingual_embedder)):
                raise pipeline.MissingModels(missing, [packages.install_command(p) for p in missing])
            chunks = [[s for ss in group for s in ss] for group in _chunks(sentences_of, 2 * self.n_workers)]
            advance = progress("translating+embedding", len(all_sentences))
            results = self._map(_prepare_task, chunks, imported, options, advance=advance,
                                sizes=[len(c) for c in chunks])
        stats = TranslationStats()
        sentences = []
        for sents, st in results:
            sentences += sents
            _add_stats(stats, st)
        return kept, sentences, failures, stats

    # -- per-story matching ------------------------------------------------------------
    def run_stories(self, tasks: list) -> list:
        if not tasks:
            return []
        batches = _balanced(tasks, 4 * self.n_workers)
        done = self._map(_stories_task, [[tasks[i] for i in b] for b in batches], self.options)
        return [r for batch in done for r in batch]
