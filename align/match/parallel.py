"""Parallel mode: monotonic sentence alignment of a document and its translation."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from align import config
from align.match.candidates import _as_f32, mine
from align.match.comparable import (
    ALIGNMENT_COLUMNS,
    _doc_groups,
    _empty_alignments,
    _finish,
    _row,
)
from align.match.conflict import find_conflict
from align.match.scoring import calibrated_score
from align.match.units import ClaimUnit
from align.types import Sentence

@dataclass
class _Item:
    doc_id: str
    sent_ids: list[int]
    text: str
    text_en: str
    unit_id: str


def _items(seq: Sequence[ClaimUnit | Sentence]) -> list[_Item]:
    out = []
    for x in seq:
        if isinstance(x, ClaimUnit):
            out.append(_Item(x.doc_id, list(x.sent_ids), x.text, x.text_en, x.unit_id))
        else:
            out.append(_Item(x.doc_id, [x.sent_id], x.text, x.text_en or x.text, f"{x.doc_id}:{x.sent_id}"))
    return out


BEAD_TYPES = ((1, 1), (1, 0), (0, 1), (1, 2), (2, 1), (2, 2))
_LEN_SMOOTH = 20  # characters added to both span lengths so short spans do not dominate


def _longest_chain(points: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest chain strictly increasing in both coordinates (points sorted by first)."""
    import bisect

    tails: list[int] = []  # tails[L] = smallest j ending a chain of length L+1
    tail_at: list[int] = []
    prev = [-1] * len(points)
    for n, (_, j) in enumerate(points):
        pos = bisect.bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_at.append(n)
        else:
            tails[pos] = j
            tail_at[pos] = n
        prev[n] = tail_at[pos - 1] if pos else -1
    chain = []
    n = tail_at[-1] if tail_at else -1
    while n >= 0:
        chain.append(points[n])
        n = prev[n]
    return chain[::-1]


def _band(n: int, m: int, anchors: list[tuple[int, int]], window: int) -> list[tuple[int, int]]:
    """For each DP row i in 0..n, the inclusive column range [lo, hi] to explore."""
    xs = [0] + [a[0] + 0.5 for a in anchors] + [n]
    ys = [0] + [a[1] + 0.5 for a in anchors] + [m]
    centre = np.interp(np.arange(n + 1), xs, ys)
    band = []
    lo_prev = hi_prev = 0
    for i in range(n + 1):
        # row i holds the path from where it enters (centre[i]) to where it leaves (centre[i+1])
        lo = max(0, int(math.floor(min(centre[i], centre[max(i - 1, 0)]))) - window, lo_prev)
        hi = min(m, int(math.ceil(max(centre[i], centre[min(i + 1, n)]))) + window)
        hi = max(hi, hi_prev)
        band.append((lo, hi))
        lo_prev, hi_prev = lo, hi
    band[0] = (0, band[0][1])
    band[-1] = (band[-1][0], m)
    # Rows must connect: row i-1 has to reach column lo_i so a bead can step into row i.
    for i in range(n, 0, -1):
        if band[i - 1][1] < band[i][0]:
            band[i - 1] = (band[i - 1][0], band[i][0])
    return band


def parallel_beads(
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
    *,
    src_pair_vecs: np.ndarray | None = None,
    tgt_pair_vecs: np.ndarray | None = None,
    src_lens: Sequence[int] | None = None,
    tgt_lens: Sequence[int] | None = None,
    window: int = 8,
    skip_cost: float = 0.25,
    len_weight: float = 1.0,
    seed: int = 0,
) -> list[tuple[tuple[int, ...], tuple[int, ...], float]]:
    """Monotonic beads (src indices, tgt indices, cosine) covering both sequences in order.

    `*_pair_vecs[i]` embeds sentences i and i+1 together (better for 1-2/2-1/2-2 beads, as in
    Vecalign); without them the normalised sum of the two vectors stands in.  `*_lens` are the
    character lengths of the (English) texts: sentence embeddings barely move when a short
    sentence is appended to a long one, so, as in Bertalign, beads also pay
    `len_weight * |log(len_src / len_tgt)|`; without lengths there is no length term.
    """
    src, tgt = _as_f32(src_vecs), _as_f32(tgt_vecs)
    n, m = len(src), len(tgt)

    def pairs_of(v: np.ndarray, given: np.ndarray | None) -> np.ndarray:
        if given is not None:
            return _as_f32(given)
        if len(v) < 2:
            return np.zeros((0, v.shape[1] if v.ndim == 2 else 0), np.float32)
        s = v[:-1] + v[1:]
        return s / np.maximum(np.linalg.norm(s, axis=1, keepdims=True), 1e-9)

    src2, tgt2 = pairs_of(src, src_pair_vecs), pairs_of(tgt, tgt_pair_vecs)
    if n == 0 or m == 0:
        return [((i,), (), 0.0) for i in range(n)] + [((), (j,), 0.0) for j in range(m)]

    # First pass: anchors = mutual nearest neighbours forming the longest monotonic chain.
    mined = mine(src, tgt, k=1)
    mutual = [(i, int(mined.fwd_idx[i, 0])) for i in range(n) if int(mined.bwd_idx[mined.fwd_idx[i, 0], 0]) == i]
    anchors = _longest_chain(sorted(mutual))
    band = _band(n, m, anchors, max(window, 1))

    # Normaliser: mean (1 - cos) of random sentence pairs (Vecalign), so costs are comparable
    # across embedders.
    rng = random.Random(seed)
    samples = [(rng.randrange(n), rng.randrange(m)) for _ in range(min(2000, 4 * n * m))]
    norm = float(np.mean([1.0 - float(src[a] @ tgt[b]) for a, b in samples])) or 1.0

    def span_vec(v1: np.ndarray, v2: np.ndarray, start: int, length: int) -> np.ndarray:
        return v1[start] if length == 1 else v2[start]

    use_len = src_lens is not None and tgt_lens is not None and len_weight > 0
    src_cum = np.concatenate([[0], np.cumsum(src_lens)]) if use_len else None
    tgt_cum = np.concatenate([[0], np.cumsum(tgt_lens)]) if use_len else None

    inf = math.inf
    cost = [dict() for _ in range(n + 1)]  # cost[i][j] = best cost of aligning src[:i], tgt[:j]
    back: list[dict] = [dict() for _ in range(n + 1)]
    cost[0][0] = 0.0
    for i in range(n + 1):
        lo, hi = band[i]
        for j in range(lo, hi + 1):
            if i == 0 and j == 0:
                continue
            best, arg = inf, None
            for a, b in BEAD_TYPES:
                pi, pj = i - a, j - b
                if pi < 0 or pj < 0:
                    continue
                prev = cost[pi].get(pj)
                if prev is None:
                    continue
                if a == 0 or b == 0:
                    c = prev + skip_cost
                    cos = 0.0
                else:
                    cos = float(span_vec(src, src2, pi, a) @ span_vec(tgt, tgt2, pj, b))
                    # tiny extra cost per extra sentence: ties (identical texts) go to 1-1 beads
                    c = prev + (1.0 - cos) * a * b / norm + 0.01 * (a + b - 2)
                    if use_len:
                        ls = src_cum[i] - src_cum[pi] + _LEN_SMOOTH
                        lt = tgt_cum[j] - tgt_cum[pj] + _LEN_SMOOTH
                        c += len_weight * abs(math.log(ls / lt))
                if c < best:
                    best, arg = c, (a, b, cos)
            if arg is not None:
                cost[i][j] = best
                back[i][j] = arg
    if m not in cost[n]:  # cannot happen with the band forced to (n, m); kept as a guard
        raise RuntimeError("parallel alignment found no path")
    beads = []
    i, j = n, m
    while i > 0 or j > 0:
        a, b, cos = back[i][j]
        beads.append((tuple(range(i - a, i)), tuple(range(j - b, j)), cos))
        i, j = i - a, j - b
    return beads[::-1]


def align_parallel(
    src: Sequence[ClaimUnit | Sentence],
    tgt: Sequence[ClaimUnit | Sentence],
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
    *,
    embedder=None,
    window: int = 8,
    skip_cost: float = 0.25,
    len_weight: float = 1.0,
    conflict_fn: Callable[[str, str], str] | None = find_conflict,
) -> pd.DataFrame:
    """Parallel-mode alignments of two documents (whole sentences): one row per non-empty bead.

    Pass `embedder` to embed adjacent sentence pairs together for 2-sentence beads.  Rows carry
    joined sentence ids and texts of each side; `mutual` is true for 1-1 beads whose sentences
    are mutual nearest neighbours; `score` uses the calibrated formula of comparable mode.
    """
    si, ti = _items(src), _items(tgt)
    if si and ti and si[0].doc_id > ti[0].doc_id:  # the spec orders each pair src_doc < tgt_doc
        si, ti, src_vecs, tgt_vecs = ti, si, tgt_vecs, src_vecs
    if len(si) != len(src_vecs) or len(ti) != len(tgt_vecs):
        raise ValueError("parallel alignment: texts and vectors differ in length")
    src_pairs = tgt_pairs = None
    if embedder is not None:
        if len(si) > 1:
            src_pairs = embedder.encode([f"{a.text_en} {b.text_en}" for a, b in zip(si, si[1:])])
        if len(ti) > 1:
            tgt_pairs = embedder.encode([f"{a.text_en} {b.text_en}" for a, b in zip(ti, ti[1:])])
    beads = parallel_beads(
        src_vecs, tgt_vecs, src_pair_vecs=src_pairs, tgt_pair_vecs=tgt_pairs,
        src_lens=[len(x.text_en) for x in si], tgt_lens=[len(x.text_en) for x in ti],
        window=window, skip_cost=skip_cost, len_weight=len_weight,
    )
    mined = mine(_as_f32(src_vecs), _as_f32(tgt_vecs), k=config.K_NEIGHBOURS)
    rows = []
    for s_ids, t_ids, cos in beads:
        if not s_ids or not t_ids:
            continue
        margin = cos / max((mined.src_mean[list(s_ids)].mean() + mined.tgt_mean[list(t_ids)].mean()) / 2, 1e-6)
        is_mutual = (
            len(s_ids) == 1 and len(t_ids) == 1
            and int(mined.fwd_idx[s_ids[0], 0]) == t_ids[0] and int(mined.bwd_idx[t_ids[0], 0]) == s_ids[0]
        )
        score = float(calibrated_score(cos, margin, is_mutual))
        ss, ts = [si[x] for x in s_ids], [ti[x] for x in t_ids]
        joined_s = ClaimUnit("+".join(x.unit_id for x in ss), ss[0].doc_id, [s for x in ss for s in x.sent_ids],
                             " ".join(x.text for x in ss), " ".join(x.text_en for x in ss), "", "body")
        joined_t = ClaimUnit("+".join(x.unit_id for x in ts), ts[0].doc_id, [s for x in ts for s in x.sent_ids],
                             " ".join(x.text for x in ts), " ".join(x.text_en for x in ts), "", "body")
        rows.append(_row(joined_s, joined_t, cos, margin, score, is_mutual, conflict_fn))
    return _finish(rows)


def align_parallel_documents(
    units: Sequence[ClaimUnit],
    vectors: np.ndarray,
    *,
    min_score: float = 0.0,
    embedder=None,
    window: int = 8,
) -> pd.DataFrame:
    """Parallel mode over any number of documents: `align_parallel` for every document pair.

    Pass whole-sentence units (`align.units.sentence_units`); units keep document order.
    Beads scoring below `min_score` are dropped (the default keeps all: in parallel mode every
    bead is a translation pair unless the DP chose a 1-0 / 0-1 skip).
    """
    if len(units) != len(vectors):
        raise ValueError(f"{len(units)} units but {len(vectors)} vectors")
    vectors = _as_f32(vectors)
    groups = _doc_groups(units)
    frames = []
    for src_doc, tgt_doc in combinations(groups, 2):
        s_idx, t_idx = groups[src_doc], groups[tgt_doc]
        df = align_parallel(
            [units[n] for n in s_idx], [units[n] for n in t_idx], vectors[s_idx], vectors[t_idx],
            embedder=embedder, window=window,
        )
        frames.append(df[df["score"] >= min_score])
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty_alignments()
    out = pd.concat(frames, ignore_index=True)
    out["pair_id"] = np.arange(len(out), dtype=np.int64)
    return out[ALIGNMENT_COLUMNS]
