"""Stories: documents about the same event, in any language, grouped before matching.

Matching, claims and conflicts run inside a story only, so a corpus of N articles costs
O(N) stories of a few documents instead of N^2 document pairs.

Evidence for two documents A and B (only pairs that have some evidence are ever looked at):

- `links`: the share of units of A and B whose corpus-wide nearest neighbours
  (candidates.corpus_neighbours) include a unit of the other document with cosine >=
  config.STORY_LINK_COS: (links A->B + links B->A) / (n_A + n_B);
- `doc_cos`: cosine of the documents' mean unit vectors (catches cross-lingual pairs whose
  sentence links are weak); candidate pairs also come from each document's
  config.STORY_DOC_K nearest documents by this vector;
- dates: when both are known and further apart than `story_days`, the pair is vetoed.

affinity = max(links, W_LINKS * links + (1 - W_LINKS) * clip((doc_cos - DOC_COS_ZERO) /
(DOC_COS_FULL - DOC_COS_ZERO), 0, 1)): shared content alone suffices (short articles have noisy
mean vectors); a similar mean vector only helps when some content is shared too.

Clustering: average linkage over the sparse affinity graph, strongest pairs first; two
groups merge only if the mean affinity over ALL document pairs across them (missing = 0) is
>= config.STORY_MIN_AFFINITY.  Unlike connected components this does not chain: a document
joins a story only if it resembles most of its documents.

Tuned on NTREX-128 (`python benchmarks/scale.py --ntrex`): 123 stories x en/de/zh = 369
documents, each version cut to a different 2/3 of the document (en first, de last, zh middle),
the English reference as text_en of every version (what an imported translation gives), MiniLM
vectors.  The constants (STORY_LINK_COS 0.70, DOC_COS_ZERO/FULL 0.60/0.90, W_LINKS 0.5,
STORY_MIN_AFFINITY 0.425) were picked from the pair features of English halves with 1/3 overlap
(pairwise P 0.89 / R 1.00 over candidate pairs at the cut) with the two seed reports (a
comparable zh/de pair, affinity 0.45) kept together; measured after clustering: 122 stories,
pairwise P/R/F1 0.976/1.000/0.988.  Disjoint halves of one document (same event, no shared
sentence) are NOT reliably grouped (mean vectors overlap with other stories' at that level).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

import numpy as np
import pandas as pd

from align import config
from align.match.candidates import CorpusNeighbours, _as_f32

DOC_COS_ZERO = 0.60  # a mean-vector cosine at or below this is no evidence at all (tuned, see above)
DOC_COS_FULL = 0.90  # ... and at or above this full evidence
W_LINKS = 0.5  # weight of the unit-link share against the mean-vector evidence


class StoryConstants(NamedTuple):
    link_cos: float
    doc_cos_zero: float
    doc_cos_full: float
    threshold: float


# Cosines mean different things per signal (align/match/scoring.py profiles): the direct
# multilingual signal's run much lower than MiniLM's on English.  mt: tuned as above.  direct /
# fused: tuned on NTREX-128 en/de/zh with the original texts through the bundled USE
# (corpus-centred), after clustering P/R/F1 0.745/1.000/0.854 (0.886/0.951/0.918 with a stricter
# cut that loses the seed pair, a comparable zh/de report whose direct evidence is weak).
STORY_CONSTANTS = {
    "mt": StoryConstants(config.STORY_LINK_COS, DOC_COS_ZERO, DOC_COS_FULL, config.STORY_MIN_AFFINITY),
    "direct": StoryConstants(0.45, 0.30, 0.70, 0.40),
    "fused": StoryConstants(0.45, 0.30, 0.70, 0.40),
}


def _day(value: str) -> int | None:
    try:
        return date.fromisoformat(str(value)[:10]).toordinal() if value else None
    except ValueError:
        return None


def document_vectors(vectors: np.ndarray, unit_doc: np.ndarray, n_docs: int) -> np.ndarray:
    """L2-normalised mean unit vector of each document (zeros for a document without units)."""
    vecs = _as_f32(vectors)
    out = np.zeros((n_docs, vecs.shape[1] if vecs.ndim == 2 else 0), np.float32)
    np.add.at(out, unit_doc, vecs)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


def affinities(
    vectors: np.ndarray,
    unit_doc: np.ndarray,
    n_docs: int,
    neighbours: CorpusNeighbours,
    *,
    dates: Sequence[str] = (),
    story_days: float = config.STORY_DAYS,
    link_cos: float = config.STORY_LINK_COS,
    doc_k: int = config.STORY_DOC_K,
    features: dict | None = None,
    doc_cos_zero: float = DOC_COS_ZERO,
    doc_cos_full: float = DOC_COS_FULL,
) -> dict[tuple[int, int], float]:
    """Sparse affinity of document pairs (a < b) that have any evidence (module docstring)."""
    unit_doc = np.asarray(unit_doc, np.int64)
    sizes = np.bincount(unit_doc, minlength=n_docs)
    # unit links: unit u of doc a has a strong neighbour in doc b (counted once per (u, b))
    valid = (neighbours.idx >= 0) & (neighbours.sims >= link_cos)
    rows, cols = np.nonzero(valid)
    b = unit_doc[neighbours.idx[rows, cols]]
    ub = np.unique(np.stack([rows, b], axis=1), axis=0) if len(rows) else np.zeros((0, 2), np.int64)
    link_count: dict[tuple[int, int], int] = {}
    for u, db in ub:
        da = int(unit_doc[u])
        key = (min(da, int(db)), max(da, int(db)))
        link_count[key] = link_count.get(key, 0) + 1
    doc_vecs = document_vectors(vectors, unit_doc, n_docs)
    pairs = set(link_count)
    if n_docs > 1 and doc_k > 0:
        import faiss

        index = faiss.IndexFlatIP(doc_vecs.shape[1])
        index.add(doc_vecs)
        _, idx = index.search(doc_vecs, min(n_docs, doc_k + 1))
        for da in range(n_docs):
            for db in idx[da]:
                if db >= 0 and db != da:
                    pairs.add((min(da, int(db)), max(da, int(db))))
    days = [_day(d) for d in dates] if dates else [None] * n_docs
    out: dict[tuple[int, int], float] = {}
    for key in sorted(pairs):
        da, db = key
        if days[da] is not None and days[db] is not None and abs(days[da] - days[db]) > story_days:
            continue
        links = link_count.get(key, 0) / max(int(sizes[da] + sizes[db]), 1)
        doc_cos = float(doc_vecs[da] @ doc_vecs[db])
        value = combine(links, doc_cos, doc_cos_zero, doc_cos_full) if features is None else 1.0
        if features is not None:
            features[key] = (links, doc_cos)
        if value > 0:
            out[key] = value
    return out


def combine(links: float, doc_cos: float, zero: float = DOC_COS_ZERO, full: float = DOC_COS_FULL) -> float:
    """Affinity of a document pair from its two kinds of evidence (module docstring)."""
    doc_term = min(1.0, max(0.0, (doc_cos - zero) / (full - zero)))
    return float(min(1.0, max(links, W_LINKS * links + (1.0 - W_LINKS) * doc_term)))


def cluster(n_docs: int, affinity: dict[tuple[int, int], float], threshold: float = config.STORY_MIN_AFFINITY) -> np.ndarray:
    """Average-linkage groups over the sparse affinities; story ids in order of first document."""
    parent = list(range(n_docs))
    members: dict[int, list[int]] = {d: [d] for d in range(n_docs)}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for (a, b), value in sorted(affinity.items(), key=lambda kv: (-kv[1], kv[0])):
        if value < threshold:
            break
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        ma, mb = members[ra], members[rb]
        total = sum(affinity.get((min(x, y), max(x, y)), 0.0) for x in ma for y in mb)
        if total < threshold * len(ma) * len(mb):
            continue
        lo, hi = min(ra, rb), max(ra, rb)
        parent[hi] = lo
        members[lo] += members.pop(hi)
    return _renumber(np.array([find(d) for d in range(n_docs)], np.int64))


def group_stories(
    vectors: np.ndarray,
    unit_doc: np.ndarray,
    n_docs: int,
    neighbours: CorpusNeighbours,
    *,
    dates: Sequence[str] = (),
    story_days: float = config.STORY_DAYS,
    threshold: float | None = None,
    profile: str = "mt",
) -> np.ndarray:
    """Story id of each document (documents indexed as in `unit_doc`); constants per score
    profile (STORY_CONSTANTS)."""
    c = STORY_CONSTANTS.get(profile, STORY_CONSTANTS["mt"])
    aff = affinities(vectors, unit_doc, n_docs, neighbours, dates=dates, story_days=story_days,
                     link_cos=c.link_cos, doc_cos_zero=c.doc_cos_zero, doc_cos_full=c.doc_cos_full)
    return cluster(n_docs, aff, c.threshold if threshold is None else threshold)


def parallel_stories(
    vectors: np.ndarray,
    unit_doc: np.ndarray,
    unit_lang: Sequence[str],
    n_docs: int,
    *,
    dates: Sequence[str] = (),
    story_days: float = config.STORY_DAYS,
    threshold: float = config.PARALLEL_STORY_MIN_COS,
    doc_k: int = config.STORY_DOC_K,
) -> np.ndarray:
    """Story id of each document in parallel mode, where documents are declared translations.

    Translations share content, not wording, and every signal carries a language offset: on
    MAC-Dev (zh/en chapters of one novel) two chapters in one language are closer than a chapter
    and its translation, in the raw mean vectors and in the unit links group_stories counts.
    So each document's mean vector is centred on its language's mean (documents of a language
    that has only one are centred on the mean of all documents) and documents pair by the
    cosine of those, average linkage at `threshold`.  Centring needs others to compare with: a
    run of two documents, or of one document per language (an article in k languages), is one
    story.  Dates veto as in group_stories.
    """
    unit_doc = np.asarray(unit_doc, np.int64)
    doc_vecs = document_vectors(vectors, unit_doc, n_docs)
    sizes = np.bincount(unit_doc, minlength=n_docs)
    counts: list[Counter] = [Counter() for _ in range(n_docs)]
    for d, lang in zip(unit_doc.tolist(), unit_lang):  # one pass: the document's main language
        counts[d][lang] += 1
    langs = [c.most_common(1)[0][0] if c else "" for c in counts]
    present = [d for d in range(n_docs) if sizes[d]]
    if len(present) <= 2 or len({langs[d] for d in present}) == len(present):
        # documents without units stay alone
        return _renumber(np.where(sizes > 0, -1, np.arange(n_docs)))
    centred = doc_vecs.copy()
    overall = doc_vecs[present].mean(axis=0)
    for lang in {langs[d] for d in present}:
        members = [d for d in present if langs[d] == lang]
        centred[members] -= doc_vecs[members].mean(axis=0) if len(members) > 1 else overall
    norms = np.linalg.norm(centred, axis=1, keepdims=True)
    np.divide(centred, norms, out=centred, where=norms > 0)
    import faiss

    index = faiss.IndexFlatIP(centred.shape[1])
    index.add(centred)
    sims, idx = index.search(centred, min(n_docs, doc_k + 1))
    days = [_day(d) for d in dates] if dates else [None] * n_docs
    aff: dict[tuple[int, int], float] = {}
    for da in present:
        for db, cos in zip(idx[da], sims[da]):
            db = int(db)
            if db < 0 or db == da or not sizes[db] or cos < threshold:
                continue
            if days[da] is not None and days[db] is not None and abs(days[da] - days[db]) > story_days:
                continue
            aff[(min(da, db), max(da, db))] = float(cos)
    return cluster(n_docs, aff, threshold)


def _renumber(labels: np.ndarray) -> np.ndarray:
    """Labels as 0, 1, ... in order of first appearance."""
    ids: dict[int, int] = {}
    return np.array([ids.setdefault(int(x), len(ids)) for x in labels], np.int64)


def stories_frame(doc_ids: Sequence[str], story_of_doc: np.ndarray, titles: Sequence[str],
                  doc_vectors: np.ndarray | None = None) -> pd.DataFrame:
    """The `stories` table: one row per document.  story_title is the title of the story's
    most central document (closest to the story's mean vector; the first when no vectors)."""
    story_of_doc = np.asarray(story_of_doc, np.int64)
    title_of: dict[int, str] = {}
    for s in np.unique(story_of_doc):
        docs = [d for d in np.nonzero(story_of_doc == s)[0] if titles[d]] or list(np.nonzero(story_of_doc == s)[0])
        if doc_vectors is not None and len(docs) > 2:
            centre = doc_vectors[docs].mean(axis=0)
            best = docs[int(np.argmax(doc_vectors[docs] @ centre))]
        else:
            best = docs[0]
        title_of[int(s)] = titles[best]
    sizes = np.bincount(story_of_doc) if len(story_of_doc) else np.zeros(0, np.int64)
    return pd.DataFrame({
        "story_id": story_of_doc, "doc_id": list(doc_ids),
        "story_title": [title_of[int(s)] for s in story_of_doc],
        "n_docs": [int(sizes[s]) for s in story_of_doc],
    })
