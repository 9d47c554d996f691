"""A whole run's matching: one corpus-wide k-NN search, stories, then matching per story.

    corpus_neighbours (one faiss search over all units, cross-document hits only)
      -> stories.group_stories (documents about the same event; parallel_stories in parallel mode)
      -> per story, independently (a task each; see align/distributed.py):
           comparable.match_story or parallel.align_parallel_documents, claims.cluster_units
      -> tables: alignments (+ story_id, claim_id), claims (+ story_id), stories

Nothing here is quadratic in the number of documents: the search is O(n_units * k) memory,
and each story costs only its own units.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from align import config
from align.match import claims as match_claims
from align.match import scoring
from align.match import stories as match_stories
from align.match.candidates import _as_f32, corpus_neighbours
from align.match.comparable import ALIGNMENT_COLUMNS, _finish, match_story
from align.match.units import ClaimUnit


@dataclass
class StoryTask:
    """Everything one story's matching needs (picklable: it may run in another process)."""

    units: list[ClaimUnit]
    vectors: np.ndarray
    doc_codes: np.ndarray
    neighbourhood: np.ndarray
    mode: str = "comparable"
    min_score: float = config.MIN_SCORE  # accepted = score >= min_score (claims come from these)
    k: int = config.K_NEIGHBOURS
    cos_floor: float = config.COS_FLOOR
    store_floor: float | None = None  # rows down to this score are kept as possible matches
    profile: str | None = None  # score weights (scoring.PROFILES); None: the active one


@dataclass
class StoryResult:
    rows: list[dict]
    row_src: np.ndarray  # local unit index of each row's (first) source unit
    row_tgt: np.ndarray
    labels: np.ndarray  # local claim label of each unit (cluster_units)


def match_one_story(task: StoryTask, embedder=None) -> StoryResult:
    """Alignments and claim clusters of one story (a pure function of the task)."""
    if task.profile is None:
        return _match_one_story(task, embedder)
    with scoring.profile(task.profile):  # a worker process has no context of the client's
        return _match_one_story(task, embedder)


def _match_one_story(task: StoryTask, embedder=None) -> StoryResult:
    n = len(task.units)
    if task.mode == "parallel":
        from align.match.parallel import align_parallel_documents

        df = align_parallel_documents(
            task.units, task.vectors, min_score=task.min_score,
            embedder=getattr(embedder, "english", embedder), direct_embedder=getattr(embedder, "direct", None))
        src, tgt, score, groups = match_claims.links_from_alignments(task.units, df)
        index = {u.unit_id: m for m, u in enumerate(task.units)}
        row_src = np.array([index[str(a).split("+")[0]] for a in df["src_unit"]], np.int64)
        row_tgt = np.array([index[str(b).split("+")[0]] for b in df["tgt_unit"]], np.int64)
        rows = df.drop(columns=["pair_id"]).to_dict("records")
    else:
        floor = task.min_score if task.store_floor is None else min(task.store_floor, task.min_score)
        rows, links = match_story(task.units, task.vectors, task.doc_codes, task.neighbourhood,
                                  min_score=floor, k=task.k, cos_floor=task.cos_floor)
        accepted = links.score >= task.min_score
        for r, ok in zip(rows, accepted):
            r["accepted"] = bool(ok)
        src, tgt, score, groups = links.src[accepted], links.tgt[accepted], links.score[accepted], []
        row_src, row_tgt = links.src, links.tgt
    labels = match_claims.cluster_units(task.doc_codes, src, tgt, score, groups=groups) if n else np.zeros(0, np.int64)
    return StoryResult(rows, np.asarray(row_src, np.int64), np.asarray(row_tgt, np.int64), labels)


@dataclass
class CorpusMatch:
    alignments: pd.DataFrame
    claims: pd.DataFrame
    stories: pd.DataFrame
    shared_pairs: set[tuple[str, str]] = field(default_factory=set)  # doc pairs with an accepted alignment
    timings: dict[str, float] = field(default_factory=dict)


def match_corpus(
    units: Sequence[ClaimUnit],
    vectors: np.ndarray,
    *,
    doc_ids: Sequence[str],
    titles: Sequence[str],
    dates: Sequence[str],
    mode: str = "comparable",
    min_score: float = config.MIN_SCORE,
    story_days: float = config.STORY_DAYS,
    store_floor: float | None = None,
    run_stories: Callable[[list[StoryTask]], list[StoryResult]] | None = None,
) -> CorpusMatch:
    """The run's alignments, claims and stories.  `doc_ids` lists every document (also those
    without units); `run_stories` maps tasks to results (default: here, one after another)."""
    import time

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    vectors = _as_f32(vectors)
    order = sorted(range(len(doc_ids)), key=lambda d: doc_ids[d])
    sorted_ids = [doc_ids[d] for d in order]
    pos = {d: n for n, d in enumerate(sorted_ids)}
    unit_doc = np.array([pos[u.doc_id] for u in units], np.int64)
    n_docs = len(sorted_ids)
    # Parallel mode needs no corpus neighbours: its stories come from document vectors and its
    # beads from the DP (the neighbourhood feeds the comparable score's margin only).
    neighbours = corpus_neighbours(vectors, unit_doc) if len(units) and mode != "parallel" else None
    neighbourhood = neighbours.mean if neighbours is not None else np.zeros(len(units), np.float32)
    timings["knn"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if len(units) and mode == "parallel":
        story_of_doc = match_stories.parallel_stories(
            vectors, unit_doc, [u.lang for u in units], n_docs, dates=[dates[d] for d in order],
            story_days=story_days)
    elif len(units):
        story_of_doc = match_stories.group_stories(
            vectors, unit_doc, n_docs, neighbours, dates=[dates[d] for d in order], story_days=story_days,
            profile=scoring._active.get())
    else:
        story_of_doc = np.arange(n_docs, dtype=np.int64)
    doc_vecs = match_stories.document_vectors(vectors, unit_doc, n_docs) if len(units) else None
    stories = match_stories.stories_frame(sorted_ids, story_of_doc, [titles[d] for d in order], doc_vecs)
    timings["stories"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    story_of_unit = story_of_doc[unit_doc] if len(units) else np.zeros(0, np.int64)
    members_of = _members(story_of_unit)
    tasks = [
        StoryTask([units[m] for m in members], vectors[members], unit_doc[members], neighbourhood[members],
                  mode=mode, min_score=min_score, store_floor=store_floor, profile=scoring._active.get())
        for members in members_of
    ]
    results = run_stories(tasks) if run_stories else [match_one_story(t) for t in tasks]
    timings["match"] = time.perf_counter() - t0

    rows: list[dict] = []
    row_src: list[np.ndarray] = []
    row_tgt: list[np.ndarray] = []
    labels = np.arange(len(units), dtype=np.int64)
    for members, res in zip(members_of, results):
        story = int(story_of_unit[members[0]])
        for r in res.rows:
            r["story_id"] = story
        rows += res.rows
        row_src.append(members[res.row_src])
        row_tgt.append(members[res.row_tgt])
        labels[members] = members[res.labels]
    claims, claim_ids = match_claims.claims_frame(units, labels, story_of_unit)
    alignments = _finish(rows) if rows else _empty()
    if rows:
        alignments["story_id"] = [r["story_id"] for r in rows]
        a, b = np.concatenate(row_src), np.concatenate(row_tgt)
        same = (claim_ids[a] == claim_ids[b]) & alignments["accepted"].astype(bool).to_numpy()
        alignments["claim_id"] = pd.array(np.where(same, claim_ids[a], 0), dtype="Int64")
        alignments.loc[~same, "claim_id"] = pd.NA
    accepted = alignments[alignments["accepted"].astype(bool)] if len(alignments) else alignments
    shared = set(zip(accepted["src_doc"], accepted["tgt_doc"])) if len(accepted) else set()
    return CorpusMatch(alignments, claims, stories, shared, timings)


def _members(story_of_unit: np.ndarray) -> list[np.ndarray]:
    """Global unit indices of each story that has units, in story order."""
    if not len(story_of_unit):
        return []
    order = np.argsort(story_of_unit, kind="stable")
    _, starts = np.unique(story_of_unit[order], return_index=True)
    return np.split(order, starts[1:])


def _empty() -> pd.DataFrame:
    df = pd.DataFrame({c: pd.Series(dtype=object) for c in ALIGNMENT_COLUMNS})
    df["story_id"] = pd.Series(dtype="int64")
    df["claim_id"] = pd.Series(dtype="Int64")
    return df
