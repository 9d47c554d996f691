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
