"""Match stage: align claim units across documents and group them into claims.

Comparable mode (`align_comparable`, the default): news reports are not translations of each
other, so matching is order-free and runs on claim units (align/units.py).  For every unordered
document pair (src_doc < tgt_doc) the candidates are each unit's k nearest units of the other
document, in both directions (`mine`: exact inner products computed once, tile by tile, feeding
faiss k-heaps for both directions).  Each candidate gets

- `cosine`  cos(x, y) of the L2-normalised embeddings;
- `margin`  the ratio margin of Artetxe & Schwenk (2019, "Margin-based parallel corpus mining"):
            cos(x, y) / ((mean cos of x to its k NN + mean cos of y to its k NN) / 2).  It corrects
            hubness: a sentence similar to everything (a "hub") has a high neighbourhood mean,
            so its pairs get a low margin;
- `mutual`  whether x and y are each other's nearest neighbour.

Margin alone pairs unrelated sentences when a document has nothing to match (every
neighbourhood is poor, so ratios stay near 1; see LASER issue #198), so an absolute floor
`cos_floor` removes pairs that are not similar at all.  A fourth, independent signal is `lexical`, the IDF-weighted overlap of content words
(embeddings blur exact terms such as "legitimate rights and interests").  They are combined into

    score = sigmoid(W_BIAS + W_COSINE * cosine + W_MARGIN * (margin - 1) + W_MUTUAL * mutual
                    + W_LEXICAL * lexical)

The weights are a logistic regression fitted on hand-labelled pairs of the two seed reports
(tests/data/labelled_pairs.csv, fitted by benchmarks/match_quality.py, which also prints a
precision/recall grid over min_score, cos_floor and k).  `score` is thus an estimate of the
probability that the pair states the same claim.  The defaults DEFAULT_MIN_SCORE, DEFAULT_COS_FLOOR
and DEFAULT_K are the grid point with the best F1 among those with precision >= 0.8 (numbers in
the module constants' comments and in the benchmark's output).

Parallel mode (`align_parallel`): for documents that translate each other, a monotonic
alignment with 1-0, 0-1, 1-1, 1-2, 2-1 and 2-2 beads by dynamic programming (as Vecalign /
Bertalign do).  A first pass finds anchor pairs (mutual nearest neighbours forming the longest
increasing chain); the second pass runs the full bead DP only inside a band of +-`window`
sentences around the path interpolated through the anchors, so time is O(n * window).
Bead cost is Vecalign's: (1 - cos(span_src, span_tgt)) * n_src * n_tgt, normalised by the mean
cost of random pairs, plus Bertalign's length term len_weight * |log(len_src / len_tgt)| over the
English texts; a skipped sentence costs `skip_cost`.

Claims (`group_claims`): connected components of the aligned units across all documents; one
row per (claim, document) member; every unit aligned nowhere is a claim of its own (n_docs 1).
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from align.conflict import find_conflict
from align.types import Sentence
from align.units import ClaimUnit

# Fitted by benchmarks/match_quality.py on tests/data/labelled_pairs.csv (logistic regression
# over 163 k-NN candidates of the two seeds as the pipeline segments them, 11 labelled true;
# see module docstring).
W_BIAS = -4.13
W_COSINE = 2.47
W_MARGIN = 4.77
W_MUTUAL = 2.09
W_LEXICAL = 4.82
# Grid choice (best F1 with precision >= 0.8): 6 of 7 output pairs true, 6 of 11 found
# (precision 0.86, recall 0.55); whole-sentence cosine top-10 has 5 of 10 true.
DEFAULT_K = 8
DEFAULT_COS_FLOOR = 0.55
DEFAULT_MIN_SCORE = 0.30

ALIGNMENT_COLUMNS = [
    "pair_id", "src_doc", "src_sent_ids", "tgt_doc", "tgt_sent_ids", "src_text", "tgt_text",
    "src_en", "tgt_en", "cosine", "margin", "score", "mutual", "conflict", "src_unit", "tgt_unit",
]
CLAIM_COLUMNS = ["claim_id", "doc_id", "sent_ids", "text", "text_en", "n_docs", "unit_ids"]


# ---------------------------------------------------------------------------------------------
# kNN mining (exact inner product, tiled BLAS + faiss heaps, both directions in one pass)

def _as_f32(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)


@dataclass
class Mined:
    """Both directions of a kNN mining run between two vector sets."""

    fwd_sims: np.ndarray  # (n_src, k) cos of src rows to their k nearest tgt rows
    fwd_idx: np.ndarray
    bwd_sims: np.ndarray  # (n_tgt, k) cos of tgt rows to their k nearest src rows
    bwd_idx: np.ndarray
    src_mean: np.ndarray  # mean cos of each src row to its k NN in tgt
    tgt_mean: np.ndarray

    def margin(self, cos: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Ratio margin of pairs (src i, tgt j) with cosine `cos`."""
        denom = (self.src_mean[i] + self.tgt_mean[j]) / 2.0
        return np.where(denom > 1e-6, cos / np.maximum(denom, 1e-6), 0.0).astype(np.float32)


def _transposer() -> Callable[[np.ndarray, np.ndarray], None]:
    """out[:] = a.T: torch's blocked copy is ~2x numpy's for large tiles; numpy as fallback."""
    try:
        import torch
    except ImportError:  # pragma: no cover - torch comes with sentence-transformers
        return lambda a, out: np.copyto(out, a.T)

    def transpose(a: np.ndarray, out: np.ndarray) -> None:
        torch.from_numpy(out).copy_(torch.from_numpy(a).t())

    return transpose


def mine(src_vecs: np.ndarray, tgt_vecs: np.ndarray, k: int = DEFAULT_K, chunk: int = 4096) -> Mined:
    """Exact top-k in both directions from ONE pass over the similarity matrix.

    The matrix is computed tile by tile (chunk x chunk, BLAS sgemm via numpy) and each tile
    feeds faiss's k-heaps twice: rows for src -> tgt, the transposed tile for tgt -> src.
    Half the arithmetic of two separate searches; memory O((n + m) * (d + k) + chunk^2).
    """
    import faiss

    src, tgt = _as_f32(src_vecs), _as_f32(tgt_vecs)
    n, m = len(src), len(tgt)
    kf, kb = min(k, m), min(k, n)
    fwd_sims = np.full((n, kf), -np.inf, np.float32)
    fwd_idx = np.full((n, kf), -1, np.int64)
    bwd_sims = np.full((m, kb), -np.inf, np.float32)
    bwd_idx = np.full((m, kb), -1, np.int64)
    if kf and kb:
        heaps = []
        for sims, idx, rows, kk in ((fwd_sims, fwd_idx, n, kf), (bwd_sims, bwd_idx, m, kb)):
            h = faiss.float_minheap_array_t()  # a min-heap per row keeps the k largest values
            h.k, h.nh = kk, rows
            h.val, h.ids = faiss.swig_ptr(sims), faiss.swig_ptr(idx)
            h.heapify()
            heaps.append(h)
        fwd_heap, bwd_heap = heaps
        transpose = _transposer()
        # Two preallocated tile buffers: while a worker thread feeds tile i to the heaps
        # (memory-bound transpose + heap updates), the main thread computes tile i+1 (BLAS,
        # compute-bound; both release the GIL).  No 64 MB allocation per tile.
        size = min(chunk, n) * min(chunk, m)
        bufs = [np.empty(size, np.float32) for _ in range(2)]
        buf_t = np.empty(size, np.float32)

        def feed(tile: np.ndarray, s0: int, t0: int) -> None:
            rows, cols = tile.shape
            fwd_heap.addn(cols, faiss.swig_ptr(tile), t0, s0, rows)
            tile_t = buf_t[: rows * cols].reshape(cols, rows)
            transpose(tile, tile_t)
            bwd_heap.addn(rows, faiss.swig_ptr(tile_t), s0, t0, cols)

        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = None
            turn = 0
            for s0 in range(0, n, chunk):
                s_blk = src[s0 : s0 + chunk]
                for t0 in range(0, m, chunk):
                    t_blk = tgt[t0 : t0 + chunk]
                    rows, cols = len(s_blk), len(t_blk)
                    tile = bufs[turn][: rows * cols].reshape(rows, cols)
                    np.matmul(s_blk, t_blk.T, out=tile)
                    if pending is not None:
                        pending.result()  # the other buffer is free again
                    pending = pool.submit(feed, tile, s0, t0)
                    turn ^= 1
            if pending is not None:
                pending.result()
        fwd_heap.reorder()  # sorted, best first
        bwd_heap.reorder()
    src_mean = fwd_sims.mean(axis=1) if kf else np.zeros(n, np.float32)
    tgt_mean = bwd_sims.mean(axis=1) if kb else np.zeros(m, np.float32)
    return Mined(fwd_sims, fwd_idx, bwd_sims, bwd_idx, src_mean.astype(np.float32), tgt_mean.astype(np.float32))


def mine_pairs(
    src_vecs: np.ndarray, tgt_vecs: np.ndarray, k: int = DEFAULT_K, chunk: int = 4096
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For each src row: its k nearest tgt rows (indices), their cosines and ratio margins."""
    m = mine(src_vecs, tgt_vecs, k, chunk)
    rows = np.repeat(np.arange(len(src_vecs)), m.fwd_idx.shape[1]).reshape(m.fwd_idx.shape)
    margins = m.margin(m.fwd_sims, rows, m.fwd_idx) if m.fwd_idx.size else m.fwd_sims.copy()
    return m.fwd_idx, m.fwd_sims, margins


# ---------------------------------------------------------------------------------------------
# Scoring

def calibrated_score(cosine, margin, mutual, lexical=0.0) -> np.ndarray:
    """The 0..1 score of the module docstring (vectorised)."""
    z = W_BIAS + W_COSINE * np.asarray(cosine, float) + W_MARGIN * (np.asarray(margin, float) - 1.0)
    z = z + W_MUTUAL * np.asarray(mutual, float) + W_LEXICAL * np.asarray(lexical, float)
    return 1.0 / (1.0 + np.exp(-z))


_STOP = frozenset(
    "a an the of to in on at for by with from and or but that this these those it its is are was were be been "
    "has have had will would can could should may might not no as into than then there their they them he she "
    "his her we our us you your all any also so such which who whom what when where while said says".split()
)


def _content_words(text: str) -> set[str]:
    words = set()
    for w in re.findall(r"[a-z0-9]+", text.lower()):
        if w in _STOP or len(w) < 3:
            continue
        words.add(w[:-1] if w.endswith("s") and len(w) > 4 else w)
    return words


def lexical_overlap(src_texts: Sequence[str], tgt_texts: Sequence[str], ii, jj) -> np.ndarray:
    """IDF-weighted cosine of the content-word sets of pairs (ii[n], jj[n]).

    Embeddings blur exact terms ("legitimate rights and interests", "Uyghur"); shared rare
    words are a cheap, independent signal.  IDF is over the units of the two documents.
    """
    src_sets = [_content_words(t) for t in src_texts]
    tgt_sets = [_content_words(t) for t in tgt_texts]
    df: dict[str, int] = {}
    for ws in src_sets + tgt_sets:
        for w in ws:
            df[w] = df.get(w, 0) + 1
    n_docs = len(src_sets) + len(tgt_sets)
    idf = {w: math.log((1 + n_docs) / (1 + c)) + 1.0 for w, c in df.items()}

    def norm(ws: set[str]) -> float:
        return math.sqrt(sum(idf[w] ** 2 for w in ws)) or 1.0

    out = np.zeros(len(ii), np.float32)
    for n, (i, j) in enumerate(zip(ii, jj)):
        a, b = src_sets[i], tgt_sets[j]
        out[n] = sum(idf[w] ** 2 for w in a & b) / (norm(a) * norm(b))
    return out


def candidate_pairs(src_vecs: np.ndarray, tgt_vecs: np.ndarray, k: int = DEFAULT_K) -> pd.DataFrame:
    """Union of both directions' k-NN pairs between two documents, with cosine, margin, mutual."""
    m = mine(src_vecs, tgt_vecs, k)
    if m.fwd_idx.size == 0:
        return pd.DataFrame({"i": [], "j": [], "cosine": [], "margin": [], "mutual": []})
    pairs: dict[tuple[int, int], float] = {}
    for i in range(m.fwd_idx.shape[0]):
        for c, j in zip(m.fwd_sims[i], m.fwd_idx[i]):
            pairs[(i, int(j))] = float(c)
    for j in range(m.bwd_idx.shape[0]):
        for c, i in zip(m.bwd_sims[j], m.bwd_idx[j]):
            pairs[(int(i), j)] = float(c)
    ii = np.array([p[0] for p in pairs], np.int64)
    jj = np.array([p[1] for p in pairs], np.int64)
    cos = np.array(list(pairs.values()), np.float32)
    best_tgt = m.fwd_idx[:, 0]
    best_src = m.bwd_idx[:, 0]
    mutual = (best_tgt[ii] == jj) & (best_src[jj] == ii)
    return pd.DataFrame({"i": ii, "j": jj, "cosine": cos, "margin": m.margin(cos, ii, jj), "mutual": mutual})


# ---------------------------------------------------------------------------------------------
# Comparable mode

def _doc_groups(units: Sequence[ClaimUnit]) -> dict[str, list[int]]:
    groups: dict[str, list[int]] = {}
    for n, u in enumerate(units):
        groups.setdefault(u.doc_id, []).append(n)
    return dict(sorted(groups.items()))


def _empty_alignments() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ALIGNMENT_COLUMNS})


def _finish(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return _empty_alignments()
    df = pd.DataFrame(rows)
    df.insert(0, "pair_id", np.arange(len(df), dtype=np.int64))
    df["cosine"] = df["cosine"].astype(float).round(4)
    df["margin"] = df["margin"].astype(float).round(4)
    df["score"] = df["score"].astype(float).round(4)
    df["mutual"] = df["mutual"].astype(bool)
    return df[ALIGNMENT_COLUMNS]


def _row(su, tu, cos, margin, score, mutual, conflict_fn) -> dict:
    return {
        "src_doc": su.doc_id, "src_sent_ids": list(su.sent_ids), "tgt_doc": tu.doc_id,
        "tgt_sent_ids": list(tu.sent_ids), "src_text": su.text, "tgt_text": tu.text,
        "src_en": su.text_en, "tgt_en": tu.text_en, "cosine": cos, "margin": margin, "score": score,
        "mutual": bool(mutual), "conflict": conflict_fn(su.text_en, tu.text_en) if conflict_fn else "",
        "src_unit": su.unit_id, "tgt_unit": tu.unit_id,
    }


def score_document_pair(
    src_vecs: np.ndarray, tgt_vecs: np.ndarray, src_texts: Sequence[str], tgt_texts: Sequence[str], k: int = DEFAULT_K
) -> pd.DataFrame:
    """All candidate pairs of two documents with cosine, margin, mutual, lexical and score (no cut)."""
    cand = candidate_pairs(src_vecs, tgt_vecs, k)
    cand["lexical"] = lexical_overlap(src_texts, tgt_texts, cand["i"], cand["j"])
    cand["score"] = calibrated_score(cand["cosine"], cand["margin"], cand["mutual"], cand["lexical"])
    return cand


def align_comparable(
    units: Sequence[ClaimUnit],
    vectors: np.ndarray,
    *,
    min_score: float = DEFAULT_MIN_SCORE,
    k: int = DEFAULT_K,
    cos_floor: float = DEFAULT_COS_FLOOR,
    conflict_fn: Callable[[str, str], str] | None = find_conflict,
) -> pd.DataFrame:
    """Order-free matching of claim units for every document pair (see module docstring).

    `vectors[n]` is the embedding of `units[n]`.  Rows are sorted by (src_doc, tgt_doc, -score).
    """
    if len(units) != len(vectors):
        raise ValueError(f"{len(units)} units but {len(vectors)} vectors")
    vectors = _as_f32(vectors)
    groups = _doc_groups(units)
    rows: list[dict] = []
    for src_doc, tgt_doc in combinations(groups, 2):
        s_idx, t_idx = groups[src_doc], groups[tgt_doc]
        cand = score_document_pair(
            vectors[s_idx], vectors[t_idx], [units[n].text_en for n in s_idx], [units[n].text_en for n in t_idx], k
        )
        keep = cand[(cand["cosine"] >= cos_floor) & (cand["score"] >= min_score)]
        keep = keep.sort_values(["score", "cosine"], ascending=False, kind="stable")
        for r in keep.itertuples(index=False):
            su, tu = units[s_idx[r.i]], units[t_idx[r.j]]
            rows.append(_row(su, tu, r.cosine, r.margin, r.score, r.mutual, conflict_fn))
    return _finish(rows)


# ---------------------------------------------------------------------------------------------
# Claims

def group_claims(units: Sequence[ClaimUnit], alignments: pd.DataFrame) -> pd.DataFrame:
    """Claims table: connected components of aligned units, one row per (claim, document)."""
    index = {u.unit_id: n for n, u in enumerate(units)}
    parent = list(range(len(units)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    if len(alignments):
        if "src_unit" in alignments and "tgt_unit" in alignments:
            pairs = []
            for a, b in zip(alignments["src_unit"], alignments["tgt_unit"]):
                # parallel beads join several units with "+": link every member
                members = [index[x] for x in f"{a}+{b}".split("+") if x in index]
                pairs.extend(zip(members, members[1:]))
        else:  # tables without unit ids: match by document, sentence ids and English text
            by_key = {(u.doc_id, tuple(u.sent_ids), u.text_en): n for n, u in enumerate(units)}
            pairs = []
            for r in alignments.itertuples(index=False):
                a = by_key.get((r.src_doc, tuple(r.src_sent_ids), r.src_en))
                b = by_key.get((r.tgt_doc, tuple(r.tgt_sent_ids), r.tgt_en))
                if a is not None and b is not None:
                    pairs.append((a, b))
        for a, b in pairs:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    members: dict[int, dict[str, list[int]]] = {}
    for n, u in enumerate(units):
        members.setdefault(find(n), {}).setdefault(u.doc_id, []).append(n)
    rows = []
    # claim ids in order of first appearance (document order of the first unit)
    for claim_id, root in enumerate(sorted(members, key=lambda r: min(min(v) for v in members[r].values()))):
        docs = members[root]
        for doc_id, ns in sorted(docs.items()):
            us = [units[n] for n in ns]
            sent_ids = sorted({s for u in us for s in u.sent_ids})
            rows.append({
                "claim_id": claim_id, "doc_id": doc_id, "sent_ids": sent_ids,
                "text": " / ".join(dict.fromkeys(u.text for u in us)),
                "text_en": " / ".join(dict.fromkeys(u.text_en for u in us)),
                "n_docs": len(docs), "unit_ids": [u.unit_id for u in us],
            })
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CLAIM_COLUMNS})
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)


# ---------------------------------------------------------------------------------------------
# Parallel mode

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
    mined = mine(_as_f32(src_vecs), _as_f32(tgt_vecs), k=DEFAULT_K)
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
