"""Sentence x sentence similarity per document pair, for the report's heatmaps.

Derived from the claim-unit vectors the matcher already computed (a sentence's similarity to
another is the best cosine between their units), so the report costs no extra embedding.
Stored as OUT/similarity.npz so `align report DIR` can redraw the heatmaps later.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

from align.fsutil import atomic_write_bytes

FILE_NAME = "similarity.npz"


def sentence_similarity(
    unit_doc_ids: Sequence[str],
    unit_sent_ids: Sequence[Sequence[int]],
    vectors: np.ndarray,
    n_sentences: dict[str, int],
    pairs: Iterable[tuple[str, str]] | None = None,
) -> dict[tuple[str, str], np.ndarray]:
    """For each document pair (a < b) in `pairs`: an (n_a x n_b) float32 matrix of max unit cosines.

    `pairs` should be the document pairs that share at least one accepted alignment (the only
    ones the report draws); None means every pair, which is quadratic: small runs and tests only.
    Sentences without any unit (e.g. duplicates folded into an earlier one) stay at 0.
    """
    by_doc: dict[str, list[int]] = {}
    for i, doc in enumerate(unit_doc_ids):
        by_doc.setdefault(doc, []).append(i)
    docs = sorted(by_doc)
    if pairs is None:
        wanted = [(a, b) for ai, a in enumerate(docs) for b in docs[ai + 1 :]]
    else:
        wanted = sorted({(min(a, b), max(a, b)) for a, b in pairs if a != b})
    out: dict[tuple[str, str], np.ndarray] = {}
    for a, b in wanted:
        ia, sa = _expand(by_doc.get(a, []), unit_sent_ids, n_sentences.get(a, 0))
        ib, sb = _expand(by_doc.get(b, []), unit_sent_ids, n_sentences.get(b, 0))
        mat = np.zeros((n_sentences.get(a, 0), n_sentences.get(b, 0)), dtype=np.float32)
        if len(ia) and len(ib):
            cos = (vectors[ia] @ vectors[ib].T).astype(np.float32)
            rows = np.zeros((mat.shape[0], len(ib)), dtype=np.float32)
            np.maximum.at(rows, sa, cos)  # best unit of each sentence of a
            np.maximum.at(mat.T, sb, rows.T)  # then of each sentence of b
        out[(a, b)] = mat
    return out


def _expand(units: list[int], unit_sent_ids, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(unit index, sentence id) for every sentence a unit covers."""
    pairs = [(u, s) for u in units for s in unit_sent_ids[u] if 0 <= s < n]
    if not pairs:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    arr = np.asarray(pairs, dtype=np.int64)
    return arr[:, 0], arr[:, 1]


def write_similarity(similarity: dict[tuple[str, str], np.ndarray], out_dir: Path) -> Path:
    path = Path(out_dir) / FILE_NAME
    buf = io.BytesIO()
    # Keys are stored as "a\x1fb": doc ids never contain the unit separator.
    np.savez_compressed(buf, **{f"{a}\x1f{b}": m for (a, b), m in similarity.items()})
    atomic_write_bytes(path, buf.getvalue())
    return path


def read_similarity(out_dir: Path) -> dict[tuple[str, str], np.ndarray]:
    path = Path(out_dir) / FILE_NAME
    if not path.exists():
        return {}
    with np.load(path, allow_pickle=False) as data:
        return {tuple(k.split("\x1f", 1)): data[k] for k in data.files}  # type: ignore[misc]
