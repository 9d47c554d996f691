"""Claims: aligned units grouped across the documents of a run."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from align.match.units import ClaimUnit

CLAIM_COLUMNS = ["claim_id", "doc_id", "sent_ids", "text", "text_en", "n_docs"]


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
                "n_docs": len(docs),
            })
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CLAIM_COLUMNS})
    return pd.DataFrame(rows, columns=CLAIM_COLUMNS)
