"""The run summary: the counts every view shows (terminal, summary.md, run.json, report).

Computed once from the tables, so every view agrees.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from align.output.schema import Tables


def accepted_alignments(tables: Tables) -> pd.DataFrame:
    """The alignments that count (score >= the run's --min-score); the rest are possible matches."""
    al = tables.alignments
    if al is None or not len(al):
        return al if al is not None else pd.DataFrame()
    return al[al["accepted"].astype(bool)]


def possible_alignments(tables: Tables) -> pd.DataFrame:
    al = tables.alignments
    if al is None or not len(al):
        return al if al is not None else pd.DataFrame()
    return al[~al["accepted"].astype(bool)]


def story_of_docs(tables: Tables) -> dict[str, int]:
    """doc_id -> story_id: from the `stories` table when there is one, else one story per
    connected group of documents that share a claim (a document sharing nothing is its own)."""
    docs = list(tables.documents["doc_id"])
    if tables.stories is not None and len(tables.stories):
        known = dict(zip(tables.stories["doc_id"], tables.stories["story_id"].astype(int)))
        next_id = max(known.values(), default=-1) + 1
        for d in docs:
            if d not in known:
                known[d], next_id = next_id, next_id + 1
        return known
    parent = {d: d for d in docs}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    if tables.claims is not None and len(tables.claims):
        for _, members in tables.claims.groupby("claim_id", sort=False)["doc_id"]:
            ids = [d for d in dict.fromkeys(members) if d in parent]
            for a, b in zip(ids, ids[1:]):
                ra, rb = find(a), find(b)
                if ra != rb:
                    parent[rb] = ra
    order: dict[str, int] = {}
    out = {}
    for d in docs:
        out[d] = order.setdefault(find(d), len(order))
    return out


def claim_of_alignments(alignments: pd.DataFrame, claims: pd.DataFrame | None) -> list:
    """The claim each accepted alignment belongs to (the claim both its units are members of),
    from the tables alone; None for rows below the threshold or with no such claim."""
    members: dict[tuple[str, int], set[int]] = {}
    if claims is not None and len(claims):
        for cid, doc, ids in zip(claims["claim_id"], claims["doc_id"], claims["sent_ids"]):
            for sid in ids:
                members.setdefault((doc, int(sid)), set()).add(int(cid))
    out: list = []
    for src, s_ids, tgt, t_ids, ok in zip(alignments["src_doc"], alignments["src_sent_ids"], alignments["tgt_doc"],
                                          alignments["tgt_sent_ids"], alignments["accepted"]):
        if not ok:
            out.append(None)
            continue
        src_claims: set[int] = set()
        for i in s_ids:
            src_claims |= members.get((src, int(i)), set())
        tgt_claims: set[int] = set()
        for i in t_ids:
            tgt_claims |= members.get((tgt, int(i)), set())
        both = src_claims & tgt_claims
        out.append(min(both) if both else None)
    return out


@dataclass
class RunSummary:
    """The counts of a run, computed once from its tables; every view prints these."""

    documents: int = 0
    sentences: int = 0
    stories: int = 0
    translated: dict[str, int] = field(default_factory=dict)  # lookup step -> sentences
    aligned_pairs: int = 0  # accepted alignments
    possible_matches: int = 0  # stored alignments below the threshold
    shared_claims: int = 0  # claims carried by two or more documents
    unique_claims: int = 0  # claims only one document carries
    conflicts: int = 0  # accepted alignments whose sides disagree on a detail
    failed_inputs: int = 0
    min_score: float | None = None
    timings: dict[str, float] = field(default_factory=dict)

    def rows(self) -> list[tuple[str, str]]:
        """(label, value) rows, in the order every view shows them."""
        rows = [
            ("Documents", str(self.documents)),
            ("Sentences", str(self.sentences)),
            ("Stories", str(self.stories)),
            ("Translated", ", ".join(f"{k} {v}" for k, v in sorted(self.translated.items())) or "0"),
            ("Aligned pairs", str(self.aligned_pairs)),
            ("Possible matches", str(self.possible_matches)),
            ("Shared claims", str(self.shared_claims)),
            ("Unique claims", str(self.unique_claims)),
            ("Conflicts", str(self.conflicts)),
        ]
        if self.min_score is not None:
            rows.append(("Threshold", f"{self.min_score:.2f}"))
        if self.failed_inputs:
            rows.append(("Failed inputs", str(self.failed_inputs)))
        return rows

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def build_summary(tables: Tables, *, min_score: float | None = None,
                  timings: dict[str, float] | None = None) -> RunSummary:
    sources = Counter(
        (src.split(":", 1)[0] if src else "untranslated")
        for src in tables.sentences["translation_source"]
    )
    summary = RunSummary(
        documents=len(tables.documents), sentences=len(tables.sentences),
        stories=len(set(story_of_docs(tables).values())), translated=dict(sorted(sources.items())),
        failed_inputs=0 if tables.errors is None else len(tables.errors),
        min_score=min_score, timings=dict(timings or {}),
    )
    if tables.alignments is not None and len(tables.alignments):
        acc = accepted_alignments(tables)
        summary.aligned_pairs = len(acc)
        summary.possible_matches = len(tables.alignments) - len(acc)
        summary.conflicts = int((acc["conflict"] != "").sum())
    if tables.claims is not None and len(tables.claims):
        n_docs = tables.claims.groupby("claim_id")["doc_id"].nunique()
        summary.shared_claims = int((n_docs >= 2).sum())
        summary.unique_claims = int((n_docs == 1).sum())
    return summary


def claim_groups(tables: Tables) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in tables.claims.itertuples(index=False):
        groups[row.claim_id].append({"doc_id": row.doc_id, "sent_ids": list(row.sent_ids), "text": row.text,
                                     "text_en": row.text_en, "n_docs": row.n_docs})
    return groups


def summary_rows(tables: Tables, min_score: float | None = None) -> list[tuple[str, str]]:
    """(label, value) rows for an end-of-run summary (also used in summary.md and the report)."""
    return build_summary(tables, min_score=min_score).rows()


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


def build_summary_md(tables: Tables, summary: RunSummary | None = None) -> str:
    summary = summary or build_summary(tables)
    tables = Tables(documents=tables.documents, sentences=tables.sentences,
                    alignments=accepted_alignments(tables), claims=tables.claims,
                    errors=tables.errors, stories=tables.stories)
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

    parts = ["# Alignment summary", "", _md_table(["What", "Count"], [list(r) for r in summary.rows()]), ""]
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


