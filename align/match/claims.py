"""Claims: aligned units grouped, within each story, into statements that do not chain.

Connected components of the alignment graph chain: A~B and B~C put A and C in one claim even
when A and C say different things, and on a corpus one component swallows most sentences.
Here a claim is grown by average linkage under two constraints:

- one unit per document: a second unit of a document joins only as a restatement, aligned with
  every member from the other documents (a parallel bead's units count as one unit);
- cohesion: two groups merge only if at least `cohesion` (config.CLAIM_COHESION, one half) of
  the unit pairs across them are themselves accepted links (average linkage): a unit joins a
  claim only if it is aligned with half of its members or more.  A chain A~B~C~D (each only
  linked to the next) stops at three: D is aligned with one of three.

Links are taken best score first.  Every member of a claim is thus aligned with at least half
of the others, and a claim never grows through a chain of intermediate links.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from align import config
from align.match.units import ClaimUnit

CLAIM_COLUMNS = ["claim_id", "story_id", "doc_id", "sent_ids", "text", "text_en", "n_docs"]


def cluster_units(
    doc_codes: Sequence[int],
    src: Sequence[int],
    tgt: Sequence[int],
    score: Sequence[float],
    *,
    cohesion: float = config.CLAIM_COHESION,
    groups: Sequence[Sequence[int]] = (),
) -> np.ndarray:
    """Claim label (a representative unit index) of every unit; see the module docstring.

    `groups` are units that start as one (a parallel bead's units of one side).
    """
    n = len(doc_codes)
    parent = np.arange(n)
    members: dict[int, list[int]] = {u: [u] for u in range(n)}
    docs: dict[int, set[int]] = {u: {int(doc_codes[u])} for u in range(n)}

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = int(parent[x])
        return x

    def union(a: int, b: int) -> None:
        a, b = min(a, b), max(a, b)
        parent[b] = a
        members[a] += members.pop(b)
        docs[a] |= docs.pop(b)

    for g in groups:
        g = [int(x) for x in g]
        for x in g[1:]:
            ra, rb = find(g[0]), find(x)
            if ra != rb:
                union(ra, rb)
    linked = {(min(int(a), int(b)), max(int(a), int(b))) for a, b in zip(src, tgt)}
    order = sorted(range(len(src)), key=lambda n: (-float(score[n]), int(src[n]), int(tgt[n])))
    for e in order:
        ra, rb = find(int(src[e])), find(int(tgt[e]))
        if ra == rb:
            continue
        ma, mb = members[ra], members[rb]
        if docs[ra] & docs[rb]:
            # a second unit of a document the claim already has: only a restatement (aligned
            # with EVERY member of the other documents) joins
            cross = [(x, y) for x in ma for y in mb if doc_codes[x] != doc_codes[y]]
            if not cross or not all((min(x, y), max(x, y)) in linked for x, y in cross):
                continue
        elif len(ma) * len(mb) > 1:
            hits = sum((min(x, y), max(x, y)) in linked for x in ma for y in mb)
            if hits < cohesion * len(ma) * len(mb):
                continue
        union(ra, rb)
    return np.array([find(u) for u in range(n)], np.int64)


def links_from_alignments(units: Sequence[ClaimUnit], alignments: pd.DataFrame):
    """(src, tgt, score, groups) from an alignments frame with internal src_unit/tgt_unit ids.

    Parallel beads join several units with "+": each side's units form a group and every
    cross pair is a link.  Frames without unit ids are matched by document, sentences and text.
    """
    index = {u.unit_id: n for n, u in enumerate(units)}
    src: list[int] = []
    tgt: list[int] = []
    score: list[float] = []
    groups: list[list[int]] = []
    if not len(alignments):
        return src, tgt, score, groups
    scores = alignments["score"] if "score" in alignments else [1.0] * len(alignments)
    if "src_unit" in alignments and "tgt_unit" in alignments:
        for a, b, s in zip(alignments["src_unit"], alignments["tgt_unit"], scores):
            sa = [index[x] for x in str(a).split("+") if x in index]
            sb = [index[x] for x in str(b).split("+") if x in index]
            for side in (sa, sb):
                if len(side) > 1:
                    groups.append(side)
            for x in sa:
                for y in sb:
                    src.append(x), tgt.append(y), score.append(float(s))
    else:
        by_key = {(u.doc_id, tuple(u.sent_ids), u.text_en): n for n, u in enumerate(units)}
        for r, s in zip(alignments.itertuples(index=False), scores):
            a = by_key.get((r.src_doc, tuple(r.src_sent_ids), r.src_en))
            b = by_key.get((r.tgt_doc, tuple(r.tgt_sent_ids), r.tgt_en))
            if a is not None and b is not None:
                src.append(a), tgt.append(b), score.append(float(s))
    return src, tgt, score, groups


def claims_frame(
    units: Sequence[ClaimUnit], labels: np.ndarray, story_of_unit: Sequence[int] | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """Claims table (one row per claim and document) and each unit's claim_id.

    Claim ids follow the order of each claim's first unit.
    """
    labels = np.asarray(labels, np.int64)
    first: dict[int, int] = {}
    for n, lab in enumerate(labels):
        first.setdefault(int(lab), n)
    claim_of_label = {lab: cid for cid, lab in enumerate(sorted(first, key=first.__getitem__))}
    claim_ids = np.array([claim_of_label[int(lab)] for lab in labels], np.int64)
    members: dict[int, dict[str, list[int]]] = {}
    for n, u in enumerate(units):
        members.setdefault(int(claim_ids[n]), {}).setdefault(u.doc_id, []).append(n)
    rows = []
    for claim_id in sorted(members):
        by_doc = members[claim_id]
        for doc_id, ns in sorted(by_doc.items()):
            us = [units[n] for n in ns]
            rows.append({
                "claim_id": claim_id,
                "story_id": int(story_of_unit[ns[0]]) if story_of_unit is not None else 0,
                "doc_id": doc_id, "sent_ids": sorted({s for u in us for s in u.sent_ids}),
                "text": " / ".join(dict.fromkeys(u.text for u in us)),
                "text_en": " / ".join(dict.fromkeys(u.text_en for u in us)),
                "n_docs": len(by_doc),
            })
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CLAIM_COLUMNS}), claim_ids
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS), claim_ids


def group_claims(
    units: Sequence[ClaimUnit],
    alignments: pd.DataFrame,
    *,
    cohesion: float = config.CLAIM_COHESION,
    story_of_unit: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Claims table from an alignments frame (with internal unit ids; see links_from_alignments).

    Every unit aligned nowhere is a claim of its own (n_docs 1).
    """
    src, tgt, score, groups = links_from_alignments(units, alignments)
    doc_pos = {d: n for n, d in enumerate(sorted({u.doc_id for u in units}))}
    labels = cluster_units([doc_pos[u.doc_id] for u in units], src, tgt, score, cohesion=cohesion, groups=groups)
    return claims_frame(units, labels, story_of_unit)[0]
