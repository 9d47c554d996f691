"""The run summary: the counts every view shows (terminal, summary.md, run.json, report).

Computed once from the tables, so every view agrees.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from typing import Any

import numpy as np

from align.output.schema import Tables


def claim_groups(tables: Tables) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in tables.claims.itertuples(index=False):
        groups[row.claim_id].append({"doc_id": row.doc_id, "sent_ids": list(row.sent_ids), "text": row.text,
                                     "text_en": row.text_en, "n_docs": row.n_docs})
    return groups


def summary_rows(tables: Tables) -> list[tuple[str, str]]:
    """(label, value) rows for an end-of-run summary (also used in summary.md)."""
    groups = claim_groups(tables)
    n_docs_per_claim = {cid: len({m["doc_id"] for m in members}) for cid, members in groups.items()}
    sources = Counter(
        (src.split(":", 1)[0] if src else "untranslated")
        for src in tables.sentences["translation_source"]
    )
    conflicts = int((tables.alignments["conflict"] != "").sum())
    rows = [
        ("Documents", str(len(tables.documents))),
        ("Sentences", str(len(tables.sentences))),
        ("Translated", ", ".join(f"{k} {v}" for k, v in sorted(sources.items())) or "0"),
        ("Aligned pairs", str(len(tables.alignments))),
        ("Shared claims", str(sum(1 for n in n_docs_per_claim.values() if n >= 2))),
        ("Unique claims", str(sum(1 for n in n_docs_per_claim.values() if n == 1))),
        ("Conflicts", str(conflicts)),
    ]
    if tables.errors is not None:
        rows.append(("Failed inputs", str(len(tables.errors))))
    return rows


_MD_SPECIAL = re.compile(r"([\\`*_\[\]|#~])")


def md_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell: one line, pipes and markup escaped, raw HTML inert."""
    text = "" if value is None else str(value)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return " ".join(text.split())


def _md_table(header: list[str], rows: list[list[Any]]) -> str:
    numeric = [bool(rows) and all(isinstance(r[i], (int, np.integer)) for r in rows) for i in range(len(header))]
    out = ["| " + " | ".join(md_cell(h) for h in header) + " |",
           "|" + "|".join("---:" if num else "---" for num in numeric) + "|"]
    out += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def build_summary_md(tables: Tables) -> str:
    docs = tables.documents
    groups = claim_groups(tables)
    claim_docs = {cid: {m["doc_id"] for m in members} for cid, members in groups.items()}
    unique = Counter(next(iter(d)) for d in claim_docs.values() if len(d) == 1)
    shared_by_doc = Counter(doc for d in claim_docs.values() if len(d) >= 2 for doc in d)
    aligned = Counter()
    for row in tables.alignments.itertuples(index=False):
        aligned[row.src_doc] += 1
        aligned[row.tgt_doc] += 1
    labels = {doc_id: f"D{n}" for n, doc_id in enumerate(docs["doc_id"], start=1)}

    parts = ["# Alignment summary", "", _md_table(["What", "Count"], [list(r) for r in summary_rows(tables)]), ""]
    parts += ["## Documents", "", _md_table(
        ["#", "Title", "Lang", "Date", "Source file", "n sentences", "n aligned pairs", "n shared claims",
         "n unique claims"],
        [[labels[d.doc_id], d.title, d.lang, d.date, d.path, d.n_sentences, aligned[d.doc_id],
          shared_by_doc[d.doc_id], unique[d.doc_id]] for d in docs.itertuples(index=False)]), ""]

    pairs = Counter((r.src_doc, r.tgt_doc) for r in tables.alignments.itertuples(index=False))
    pair_conflicts = Counter((r.src_doc, r.tgt_doc) for r in tables.alignments.itertuples(index=False)
                             if r.conflict)
    if pairs:
        parts += ["## Document pairs", "", _md_table(
            ["Pair", "n aligned pairs", "n conflicts"],
            [[f"{labels.get(a, a)} × {labels.get(b, b)}", n, pair_conflicts[(a, b)]]
             for (a, b), n in sorted(pairs.items())]), ""]

    conflicts = tables.alignments[tables.alignments["conflict"] != ""]
    parts += ["## Conflicts", ""]
    if len(conflicts):
        parts += [_md_table(
            ["Pair", "What differs", "First article", "Second article", "Score"],
            [[f"{labels.get(r.src_doc, r.src_doc)} × {labels.get(r.tgt_doc, r.tgt_doc)}", r.conflict,
              r.src_en or r.src_text, r.tgt_en or r.tgt_text, "" if math.isnan(r.score) else f"{r.score:.2f}"]
             for r in conflicts.itertuples(index=False)]), ""]
    else:
        parts += ["None.", ""]

    shared_rows = []
    for cid, members in groups.items():
        if len(claim_docs[cid]) >= 2:
            first = members[0]
            shared_rows.append([len(claim_docs[cid]), ", ".join(labels.get(d, d) for d in sorted(
                claim_docs[cid], key=lambda d: labels.get(d, d))), first["text_en"] or first["text"]])
    shared_rows.sort(key=lambda r: -r[0])
    parts += ["## Shared claims", "", _md_table(["n docs", "Documents", "Claim (first wording)"], shared_rows)
              if shared_rows else "None.", ""]
    return "\n".join(parts)


