"""Comparable mode: order-free matching of claim units between independent news reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import combinations

import numpy as np
import pandas as pd

from align import config
from align.match.candidates import _as_f32, candidate_pairs
from align.match.conflict import find_conflict
from align.match.scoring import calibrated_score, lexical_overlap
from align.match.units import ClaimUnit

ALIGNMENT_COLUMNS = [
    "pair_id", "src_doc", "src_sent_ids", "tgt_doc", "tgt_sent_ids", "src_text", "tgt_text",
    "src_en", "tgt_en", "cosine", "margin", "score", "mutual", "conflict", "src_lang", "tgt_lang", "signal",
    "accepted", "src_unit", "tgt_unit",
]

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
        "mutual": bool(mutual), "conflict": conflict_fn(su.text_en or su.text, tu.text_en or tu.text) if conflict_fn else "",
        "src_lang": su.lang, "tgt_lang": tu.lang, "signal": "mt", "accepted": True,
        "src_unit": su.unit_id, "tgt_unit": tu.unit_id,
    }


def score_document_pair(
    src_vecs: np.ndarray, tgt_vecs: np.ndarray, src_texts: Sequence[str], tgt_texts: Sequence[str], k: int = config.K_NEIGHBOURS
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
    min_score: float = config.MIN_SCORE,
    k: int = config.K_NEIGHBOURS,
    cos_floor: float = config.COS_FLOOR,
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
            vectors[s_idx], vectors[t_idx], [units[n].text_en or units[n].text for n in s_idx],
            [units[n].text_en or units[n].text for n in t_idx], k
        )
        keep = cand[(cand["cosine"] >= cos_floor) & (cand["score"] >= min_score)]
        keep = keep.sort_values(["score", "cosine"], ascending=False, kind="stable")
        for r in keep.itertuples(index=False):
            su, tu = units[s_idx[r.i]], units[t_idx[r.j]]
            rows.append(_row(su, tu, r.cosine, r.margin, r.score, r.mutual, conflict_fn))
    return _finish(rows)
