"""Comparable mode: order-free matching of claim units between independent news reports."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from align import config
from align.match.candidates import (
    _as_f32,
    candidate_pairs,
    corpus_neighbours,
    story_candidates,
)
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


@dataclass
class Links:
    """Accepted unit pairs of a matching run: unit indices (src side, tgt side) and their score."""

    src: np.ndarray
    tgt: np.ndarray
    score: np.ndarray

    @staticmethod
    def empty() -> Links:
        return Links(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float64))

    def __len__(self) -> int:
        return len(self.src)


def _lexical_by_document_pair(units: Sequence[ClaimUnit], codes: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Lexical overlap of candidates, with IDF over the two documents of each pair (as fitted)."""
    out = np.zeros(len(i), np.float32)
    if not len(i):
        return out
    by_doc: dict[int, list[int]] = {}
    for n, c in enumerate(codes):
        by_doc.setdefault(int(c), []).append(n)
    pair_key = codes[i] * (int(codes.max()) + 1) + codes[j]
    order = np.argsort(pair_key, kind="stable")
    _, starts = np.unique(pair_key[order], return_index=True)
    ends = np.append(starts[1:], len(order))
    for s0, s1 in zip(starts, ends):  # document pairs that HAVE candidates, inside one story
        rows = order[s0:s1]
        a, b = int(codes[i[rows[0]]]), int(codes[j[rows[0]]])
        pos_a = {u: p for p, u in enumerate(by_doc[a])}
        pos_b = {u: p for p, u in enumerate(by_doc[b])}
        out[rows] = lexical_overlap(
            [units[u].text_en or units[u].text for u in by_doc[a]], [units[u].text_en or units[u].text for u in by_doc[b]],
            [pos_a[int(x)] for x in i[rows]], [pos_b[int(x)] for x in j[rows]],
        )
    return out


def match_story(
    units: Sequence[ClaimUnit],
    vectors: np.ndarray,
    doc_codes: np.ndarray,
    neighbourhood: np.ndarray,
    *,
    min_score: float = config.MIN_SCORE,
    k: int = config.K_NEIGHBOURS,
    cos_floor: float = config.COS_FLOOR,
    conflict_fn: Callable[[str, str], str] | None = find_conflict,
) -> tuple[list[dict], Links]:
    """Alignment rows and links of the units of ONE story (indices local to `units`).

    `doc_codes[n]` orders the documents (src side = lower code, i.e. the smaller doc_id);
    `neighbourhood[n]` is the mean cosine of unit n to its k nearest units over the whole
    corpus, so the ratio margin is measured against the corpus, not against one document pair.
    Rows come sorted by (src_doc, tgt_doc, -score, -cosine).
    """
    codes = np.asarray(doc_codes, np.int64)
    if len(units) == 0 or len(np.unique(codes)) < 2:
        return [], Links.empty()
    cand = story_candidates(vectors, np.arange(len(units)), codes, k)
    i, j = cand.i, cand.j
    mean = np.asarray(neighbourhood, np.float32)
    denom = (mean[i] + mean[j]) / 2.0
    margin = np.where(denom > 1e-6, cand.cosine / np.maximum(denom, 1e-6), 0.0).astype(np.float32)
    keep = cand.cosine >= cos_floor  # the absolute floor first: cheap, and most pairs go
    i, j, cos, margin, mutual = i[keep], j[keep], cand.cosine[keep], margin[keep], cand.mutual[keep]
    lexical = _lexical_by_document_pair(units, codes, i, j)
    score = calibrated_score(cos, margin, mutual, lexical)
    keep = score >= min_score
    i, j, cos, margin, mutual, score = i[keep], j[keep], cos[keep], margin[keep], mutual[keep], score[keep]
    order = np.lexsort((-cos, -score, codes[j], codes[i]))
    rows = []
    for n in order:
        su, tu = units[i[n]], units[j[n]]
        rows.append(_row(su, tu, float(cos[n]), float(margin[n]), float(score[n]), bool(mutual[n]), conflict_fn))
    return rows, Links(i[order], j[order], score[order].astype(np.float64))


def doc_codes_of(units: Sequence[ClaimUnit]) -> tuple[list[str], np.ndarray]:
    """Sorted document ids and each unit's index into them."""
    doc_ids = sorted({u.doc_id for u in units})
    pos = {d: n for n, d in enumerate(doc_ids)}
    return doc_ids, np.array([pos[u.doc_id] for u in units], np.int64)


def align_comparable(
    units: Sequence[ClaimUnit],
    vectors: np.ndarray,
    *,
    min_score: float = config.MIN_SCORE,
    k: int = config.K_NEIGHBOURS,
    cos_floor: float = config.COS_FLOOR,
    conflict_fn: Callable[[str, str], str] | None = find_conflict,
    stories: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Order-free matching of claim units (see module docstring), as one alignments frame.

    `vectors[n]` is the embedding of `units[n]`.  `stories[n]` is the story of unit n (None:
    all documents form one story).  Margins use each unit's k NN over ALL units given.  Rows are
    sorted by story, then (src_doc, tgt_doc, -score).  Keeps the internal `src_unit`/`tgt_unit`
    columns for benchmarks (the tables drop them).
    """
    if len(units) != len(vectors):
        raise ValueError(f"{len(units)} units but {len(vectors)} vectors")
    if not len(units):
        return _empty_alignments()
    vectors = _as_f32(vectors)
    _, codes = doc_codes_of(units)
    mean = corpus_neighbours(vectors, codes, k).mean
    story = np.zeros(len(units), np.int64) if stories is None else np.asarray(stories, np.int64)
    rows: list[dict] = []
    for s in np.unique(story):
        members = np.nonzero(story == s)[0]
        got, _ = match_story([units[n] for n in members], vectors[members], codes[members], mean[members],
                             min_score=min_score, k=k, cos_floor=cos_floor, conflict_fn=conflict_fn)
        rows += got
    return _finish(rows)
