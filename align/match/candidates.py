"""Candidate pairs: exact k-nearest-neighbour mining between two sets of unit vectors.

Both directions come from one pass over the similarity matrix (tiled BLAS feeding faiss
k-heaps); the ratio margin of Artetxe & Schwenk (2019) is computed from those neighbourhoods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from align import config


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


def mine(src_vecs: np.ndarray, tgt_vecs: np.ndarray, k: int = config.K_NEIGHBOURS, chunk: int = 4096) -> Mined:
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


def candidate_pairs(src_vecs: np.ndarray, tgt_vecs: np.ndarray, k: int = config.K_NEIGHBOURS) -> pd.DataFrame:
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


# ------------------------------------------------------------------ corpus-wide search

@dataclass
class CorpusNeighbours:
    """Each unit's k nearest units of OTHER documents over the whole run (one search)."""

    idx: np.ndarray  # (n, k) global unit indices, -1 where fewer than k exist
    sims: np.ndarray  # (n, k) their cosines, best first (-inf padding)
    mean: np.ndarray  # (n,) mean cosine of the unit's k NN: the margin neighbourhood

    def margin(self, cos: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
        """Ratio margin of pairs (i, j) against their corpus-wide neighbourhoods."""
        denom = (self.mean[i] + self.mean[j]) / 2.0
        return np.where(denom > 1e-6, cos / np.maximum(denom, 1e-6), 0.0).astype(np.float32)


def _index(vectors: np.ndarray, exact_max: int):
    """faiss inner-product index: exact while it fits, IVF (approximate) beyond."""
    import faiss

    n, d = vectors.shape
    if n <= exact_max:
        index = faiss.IndexFlatIP(d)
    else:  # pragma: no cover - exercised by benchmarks at > exact_max units only
        nlist = int(4 * np.sqrt(n))
        index = faiss.IndexIVFFlat(faiss.IndexFlatIP(d), d, nlist, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(0)
        sample = vectors[rng.choice(n, size=min(n, nlist * 64), replace=False)]
        index.cp.seed = 0
        index.train(sample)
        index.nprobe = max(32, nlist // 10)  # recall over speed: a missed neighbour is a missed claim
    index.add(vectors)
    return index


def corpus_neighbours(
    vectors: np.ndarray,
    doc_codes: np.ndarray,
    k: int = config.K_NEIGHBOURS,
    *,
    exact_max: int = config.EXACT_KNN_MAX,
    batch: int = 8192,
) -> CorpusNeighbours:
    """One k-NN search over all units; hits in the unit's own document are dropped.

    Searches k + extra neighbours (extra = the largest document's unit count, capped at
    config.KNN_EXTRA_MAX) so that k cross-document hits remain after the drop.  Memory
    O(n * (d + k + extra)); queries go in batches.
    """
    vecs = _as_f32(vectors)
    codes = np.asarray(doc_codes, np.int64)
    n = len(vecs)
    idx_out = np.full((n, k), -1, np.int64)
    sims_out = np.full((n, k), -np.inf, np.float32)
    if n == 0 or k == 0:
        return CorpusNeighbours(idx_out, sims_out, np.zeros(n, np.float32))
    largest = int(np.bincount(codes).max())
    kk = min(n, k + min(largest, config.KNN_EXTRA_MAX))
    index = _index(vecs, exact_max)
    for s0 in range(0, n, batch):
        q = vecs[s0 : s0 + batch]
        sims, idx = index.search(q, kk)
        other = (idx >= 0) & (codes[np.maximum(idx, 0)] != codes[s0 : s0 + len(q), None])
        # keep the first k cross-document hits of each row, in rank order
        rank = np.cumsum(other, axis=1) - 1
        keep = other & (rank < k)
        rows, cols = np.nonzero(keep)
        idx_out[s0 + rows, rank[rows, cols]] = idx[rows, cols]
        sims_out[s0 + rows, rank[rows, cols]] = sims[rows, cols]
    valid = idx_out >= 0
    counts = valid.sum(axis=1)
    total = np.where(valid, sims_out, 0.0).sum(axis=1)
    mean = np.where(counts > 0, total / np.maximum(counts, 1), 0.0).astype(np.float32)
    return CorpusNeighbours(idx_out, sims_out, mean)


@dataclass
class StoryCandidates:
    """Candidate unit pairs inside one story: global indices i (src side) and j (tgt side)."""

    i: np.ndarray
    j: np.ndarray
    cosine: np.ndarray
    mutual: np.ndarray


def story_candidates(
    vectors: np.ndarray, members: np.ndarray, doc_codes: np.ndarray, k: int = config.K_NEIGHBOURS, chunk: int = 2048
) -> StoryCandidates:
    """Each unit's k nearest units in every OTHER document of its story (both directions).

    `members` are the story's global unit indices; `doc_codes[u]` orders documents (src is
    the lower code).  `mutual`: each unit is the other's best match in the other's document.
    Exact; memory O(chunk * story units).  The loop runs over the story's documents, never
    over document pairs.
    """
    members = np.asarray(members, np.int64)
    codes = np.asarray(doc_codes, np.int64)[members]
    order = np.argsort(codes, kind="stable")
    members, codes = members[order], codes[order]
    vecs = _as_f32(vectors[members])
    docs, starts = np.unique(codes, return_index=True)
    ends = np.append(starts[1:], len(members))
    n = len(members)
    best = np.full((n, len(docs)), -1, np.int64)  # best local index in each document
    cand_a: list[np.ndarray] = []
    cand_b: list[np.ndarray] = []
    local_doc = np.searchsorted(docs, codes)
    for r0 in range(0, n, chunk):
        sims = vecs[r0 : r0 + chunk] @ vecs.T
        rows = np.arange(r0, min(r0 + chunk, n))
        for d, (c0, c1) in enumerate(zip(starts, ends)):
            block = sims[:, c0:c1]
            best[rows, d] = c0 + np.argmax(block, axis=1)
            kk = min(k, c1 - c0)
            top = np.argpartition(-block, kk - 1, axis=1)[:, :kk] if kk < c1 - c0 else np.broadcast_to(
                np.arange(c1 - c0), (len(rows), c1 - c0))
            other = local_doc[rows] != d
            a = np.repeat(rows[other], kk)
            b = (c0 + top[other]).reshape(-1)
            cand_a.append(a)
            cand_b.append(b)
    if not cand_a or sum(len(a) for a in cand_a) == 0:
        empty = np.zeros(0, np.int64)
        return StoryCandidates(empty, empty, np.zeros(0, np.float32), np.zeros(0, bool))
    a = np.concatenate(cand_a)
    b = np.concatenate(cand_b)
    lo = np.where(local_doc[a] < local_doc[b], a, b)  # src = lower document
    hi = np.where(local_doc[a] < local_doc[b], b, a)
    pairs = np.unique(np.stack([lo, hi], axis=1), axis=0)
    lo, hi = pairs[:, 0], pairs[:, 1]
    cos = np.einsum("ij,ij->i", vecs[lo], vecs[hi]).astype(np.float32)
    mutual = (best[lo, local_doc[hi]] == hi) & (best[hi, local_doc[lo]] == lo)
    return StoryCandidates(members[lo], members[hi], cos, mutual)
