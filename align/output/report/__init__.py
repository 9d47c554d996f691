"""The HTML report: an overview page and one side-by-side page per document pair.

Reads only the output tables (documents, sentences, alignments, claims, errors; see SPEC.md), so
`align report DIR` can rebuild it at any time. Pages are self-contained (inline CSS, a few lines of
inline JS, the heatmap as an inline SVG with an embedded PNG): they open from disk, need no network
and print cleanly.

Safety: article text is untrusted. Jinja2 autoescaping is on for every template, article text is
only ever placed in element content or quoted attributes that are not URLs, scripts or styles, and
every page carries a Content-Security-Policy that only allows our own inline style and script
(by SHA-256 hash) and data: images, so even a bug in escaping could not run injected script.

Heatmap: the caller may pass `sentence_similarity={(doc_a, doc_b): matrix}` with the sentence x
sentence cosine similarities (rows = doc_a's sentences by sent_id, columns = doc_b's). Without it
the heatmap is built from the alignments alone: each aligned sentence pair's cell holds that
alignment's score and every other cell is empty (grey).
"""

from __future__ import annotations

import base64
import hashlib
import io
import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from itertools import combinations
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from align.fsutil import atomic_write_text
from align.output.schema import Tables
from align.output.summary import claim_groups, summary_rows
from align.output.tables import read_tables

TEMPLATES = Path(__file__).resolve().parent / "templates"

SCORE_BUCKETS = 10  # colour classes sc-0 .. sc-9, one per 0.1 of score
GRID_BUCKETS = 5


def load_tables(out_dir: str | Path) -> Tables:
    """The tables of an output folder (Parquet when present, else CSV)."""
    return read_tables(out_dir)


# --------------------------------------------------------------------------- names and numbers

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe_part(doc_id: str) -> str:
    part = _SAFE.sub("_", doc_id).strip("._-")[:60]
    if part != doc_id or not part:
        # changed (or empty) by sanitising: a short hash keeps distinct ids distinct
        part = f"{part}_{hashlib.sha256(doc_id.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"
    return part


def pair_page_names(doc_ids: Iterable[str]) -> dict[tuple[str, str], str]:
    """File name of the side-by-side page of every unordered pair (key is (a, b) with a < b)."""
    ids = sorted(set(doc_ids))
    names: dict[tuple[str, str], str] = {}
    used: set[str] = set()
    for a, b in combinations(ids, 2):
        name = f"pair-{_safe_part(a)}--{_safe_part(b)}.html"
        if name in used:  # e.g. ids "x-" + "-y" vs "x" + "--y"
            digest = hashlib.sha256(f"{a}\0{b}".encode("utf-8", "surrogatepass")).hexdigest()[:8]
            name = f"pair-{_safe_part(a)}--{_safe_part(b)}-{digest}.html"
        used.add(name)
        names[(a, b)] = name
    return names


def _score_class(score: float) -> str:
    if score is None or not np.isfinite(score):
        return "sc-na"
    return f"sc-{min(SCORE_BUCKETS - 1, max(0, int(score * SCORE_BUCKETS)))}"


def _fmt(value: float, digits: int = 2) -> str:
    return "–" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def _palette() -> list[dict[str, str]]:
    """Score colours (YlGnBu, colour-blind safe, light = unsure, dark = sure) and light tints."""
    from matplotlib import colormaps

    cmap = colormaps["YlGnBu"]
    out = []
    for i in range(SCORE_BUCKETS):
        r, g, b, _ = cmap(0.15 + 0.8 * (i + 0.5) / SCORE_BUCKETS)
        tint = tuple(1 - 0.28 * (1 - c) for c in (r, g, b))  # 28% colour on white: text stays readable
        luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
        out.append({
            "cls": f"sc-{i}",
            "color": "#%02x%02x%02x" % tuple(round(c * 255) for c in (r, g, b)),
            "tint": "#%02x%02x%02x" % tuple(round(c * 255) for c in tint),
            "ink": "#111" if luminance > 0.5 else "#fff",
            "label": f"{i / SCORE_BUCKETS:.1f}",
        })
    return out


# --------------------------------------------------------------------------- page assets

def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,  # all templates, whatever their extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _csp_hash(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")


@dataclass
class _Assets:
    css: Markup
    js: Markup
    csp: str
    palette: list[dict[str, str]]


def _assets(env: jinja2.Environment) -> _Assets:
    palette = _palette()
    css = env.get_template("report.css").render(palette=palette, grid_buckets=GRID_BUCKETS)
    js = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    csp = ("default-src 'none'; "
           f"style-src '{_csp_hash(css)}'; script-src '{_csp_hash(js)}'; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    # Our own static assets, inserted verbatim so the CSP hashes match byte for byte.
    return _Assets(css=Markup(css), js=Markup(js), csp=csp, palette=palette)


# --------------------------------------------------------------------------- heatmap

def _alignment_matrix(n_a: int, n_b: int, aligns: list[dict]) -> np.ndarray:
    matrix = np.full((n_a, n_b), np.nan)
    for al in aligns:
        for i in al["src_ids"]:
            for j in al["tgt_ids"]:
                if 0 <= i < n_a and 0 <= j < n_b:
                    score = al["score"] if np.isfinite(al["score"]) else 0.0
                    matrix[i, j] = np.fmax(matrix[i, j], score)
    return matrix


def _lookup_similarity(sim: Mapping | None, a: str, b: str, n_a: int, n_b: int) -> np.ndarray | None:
    if not sim:
        return None
    if (a, b) in sim:
        matrix = np.asarray(sim[(a, b)], dtype=float)
    elif (b, a) in sim:
        matrix = np.asarray(sim[(b, a)], dtype=float).T
    else:
        return None
    return matrix if matrix.shape == (n_a, n_b) else None


def _heatmap_svg(matrix: np.ndarray, aligns: list[dict], label_a: str, label_b: str,
                 measured: bool) -> dict[str, Any]:
    """Geometry for the heatmap template: an embedded PNG (one pixel per sentence pair, scaled up
    without smoothing) under SVG marks for the accepted alignments."""
    import matplotlib.image
    from matplotlib import colormaps

    n_a, n_b = matrix.shape
    cmap = colormaps["Blues"].with_extremes(bad="#eef0f3")
    buf = io.BytesIO()
    matplotlib.image.imsave(buf, np.clip(matrix, 0.0, 1.0), cmap=cmap, vmin=0.0, vmax=1.0, format="png")
    png = base64.b64encode(buf.getvalue()).decode("ascii")

    cell = max(2.0, min(22.0, 460.0 / max(n_a, n_b)))
    left, top = 44.0, 34.0
    width, height = n_b * cell, n_a * cell

    def ticks(n: int) -> list[int]:
        step = max(1, math.ceil(n / 12))
        return list(range(0, n, step))

    marks = []
    for al in aligns:
        for i in al["src_ids"]:
            for j in al["tgt_ids"]:
                if 0 <= i < n_a and 0 <= j < n_b:
                    marks.append({"x": left + j * cell, "y": top + i * cell, "anchor": al["anchor"],
                                  "conflict": bool(al["conflict"]), "cls": al["cls"],
                                  "score_attr": al["score_attr"],
                                  "tip": f"§{i} ↔ §{j} · score {_fmt(al['score'])}"
                                         + (" · conflict" if al["conflict"] else "")})
    return {
        "png": png, "cell": cell, "left": left, "top": top, "width": width, "height": height,
        "total_w": left + width + 8, "total_h": top + height + 8, "n_a": n_a, "n_b": n_b,
        "xticks": [(left + (j + 0.5) * cell, j) for j in ticks(n_b)],
        "yticks": [(top + (i + 0.5) * cell, i) for i in ticks(n_a)],
        "marks": marks, "label_a": label_a, "label_b": label_b, "measured": measured,
    }


# --------------------------------------------------------------------------- view models

def _doc_views(tables: Tables) -> dict[str, dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = {}
    sent_counts = tables.sentences.groupby("doc_id").size().to_dict() if len(tables.sentences) else {}
    for n, row in enumerate(tables.documents.itertuples(index=False), start=1):
        n_sent = row.n_sentences or int(sent_counts.get(row.doc_id, 0))
        docs[row.doc_id] = {
            "doc_id": row.doc_id, "label": f"D{n}", "title": row.title or row.doc_id, "lang": row.lang,
            "date": row.date, "author": row.author, "path": row.path, "format": row.format,
            "n_sentences": n_sent, "n_paragraphs": row.n_paragraphs,
        }
    return docs


def _alignment_views(tables: Tables) -> list[dict[str, Any]]:
    out = []
    for row in tables.alignments.itertuples(index=False):
        a, b = row.src_doc, row.tgt_doc
        src_ids, tgt_ids = list(row.src_sent_ids), list(row.tgt_sent_ids)
        src_text, tgt_text, src_en, tgt_en = row.src_text, row.tgt_text, row.src_en, row.tgt_en
        if a > b:  # SPEC says src_doc < tgt_doc; accept the other order anyway
            a, b, src_ids, tgt_ids = b, a, tgt_ids, src_ids
            src_text, tgt_text, src_en, tgt_en = tgt_text, src_text, tgt_en, src_en
        out.append({
            "pair_id": row.pair_id, "a": a, "b": b, "src_ids": src_ids, "tgt_ids": tgt_ids,
            "src_text": src_text, "tgt_text": tgt_text, "src_en": src_en, "tgt_en": tgt_en,
            "cosine": row.cosine, "margin": row.margin, "score": row.score, "mutual": row.mutual,
            "conflict": row.conflict, "cls": _score_class(row.score),
            "score_txt": _fmt(row.score), "score_attr": _fmt(row.score, 4) if np.isfinite(row.score) else "0",
        })
    return out


def _shared_claims_per_pair(groups: Mapping[str, list[dict]]) -> Counter:
    shared: Counter = Counter()
    for members in groups.values():
        docs = sorted({m["doc_id"] for m in members})
        for a, b in combinations(docs, 2):
            shared[(a, b)] += 1
    return shared


def _sentence_views(doc_sentences: pd.DataFrame) -> list[dict[str, Any]]:
    sents = doc_sentences.sort_values("sent_id", kind="stable")
    out = []
    for row in sents.itertuples(index=False):
        english = row.text_en if row.text_en and row.text_en != row.text else ""
        out.append({"sent_id": int(row.sent_id), "para_id": int(row.para_id), "kind": row.kind or "body",
                    "text": row.text, "text_en": english, "lang": row.lang, "dup": None if pd.isna(row.duplicate_of) else int(row.duplicate_of),
                    "source": row.translation_source})
    return out


def _side_view(sentences: list[dict], aligns: list[dict], side: str, other: str) -> tuple[list, int]:
    """Sentences of one column, each with the alignments it takes part in; returns (paragraphs, n_only)."""
    mine, theirs = ("src_ids", "tgt_ids") if side == "a" else ("tgt_ids", "src_ids")
    by_sent: dict[int, list[dict]] = defaultdict(list)
    for al in aligns:
        for sid in al[mine]:
            by_sent[sid].append(al)
    paragraphs: list[dict] = []
    n_only = 0
    for s in sentences:
        links = []
        for al in sorted(by_sent.get(s["sent_id"], []), key=lambda x: -np.nan_to_num(x["score"], nan=-1)):
            links.append({"targets": [(f"{other}-s{t}", t) for t in al[theirs]], "anchor": al["anchor"],
                          "cls": al["cls"], "score_txt": al["score_txt"], "score_attr": al["score_attr"],
                          "conflict": al["conflict"], "mutual": al["mutual"]})
        best = max((np.nan_to_num(al["score"], nan=0.0) for al in by_sent.get(s["sent_id"], [])), default=None)
        view = dict(s, id=f"{side}-s{s['sent_id']}", links=links,
                    cls=_score_class(best) if best is not None else "",
                    max_score=_fmt(best, 4) if best is not None else "",
                    conflict=any(link["conflict"] for link in links))
        n_only += not links
        if not paragraphs or paragraphs[-1]["para_id"] != s["para_id"]:
            paragraphs.append({"para_id": s["para_id"], "sents": []})
        paragraphs[-1]["sents"].append(view)
    return paragraphs, n_only


# --------------------------------------------------------------------------- writing

def write_report(out_dir: str | Path, tables: Tables | None = None,
                 sentence_similarity: Mapping[tuple[str, str], np.ndarray] | None = None) -> Path:
    """Write OUT/report/index.html and one side-by-side page per document pair; return index.html.

    `tables` defaults to the tables in `out_dir`. `sentence_similarity` optionally maps
    (doc_a, doc_b) to a sentence x sentence similarity matrix for the heatmaps.
    """
    out_dir = Path(out_dir)
    tables = load_tables(out_dir) if tables is None else tables
    report_dir = out_dir / "report"
    env = _environment()
    assets = _assets(env)
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    docs = _doc_views(tables)
    # documents that only appear in sentences/alignments still get a column
    for doc_id in sorted(set(tables.sentences["doc_id"]) - set(docs)):
        docs[doc_id] = {"doc_id": doc_id, "label": f"D{len(docs) + 1}", "title": doc_id, "lang": "",
                        "date": "", "author": "", "path": "", "format": "", "n_paragraphs": -1,
                        "n_sentences": int((tables.sentences["doc_id"] == doc_id).sum())}
    names = pair_page_names(docs)
    aligns = [al for al in _alignment_views(tables) if (al["a"], al["b"]) in names]
    by_pair: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for al in aligns:
        by_pair[(al["a"], al["b"])].append(al)
    for pair_aligns in by_pair.values():
        pair_aligns.sort(key=lambda x: (min(x["src_ids"], default=0), min(x["tgt_ids"], default=0)))
        for n, al in enumerate(pair_aligns, start=1):
            al["anchor"] = f"al-{n}"
            al["n"] = n

    groups = claim_groups(tables)
    shared = _shared_claims_per_pair(groups)
    aligned_sents: dict[str, set] = defaultdict(set)
    for al in aligns:
        aligned_sents[al["a"]].update(al["src_ids"])
        aligned_sents[al["b"]].update(al["tgt_ids"])
    for doc in docs.values():
        doc["n_aligned"] = len(aligned_sents[doc["doc_id"]])
        doc["first_page"] = next((name for (a, b), name in names.items() if doc["doc_id"] in (a, b)), "")

    common = {"css": assets.css, "js": assets.js, "csp": assets.csp, "palette": assets.palette,
              "generated": generated}

    # pair pages
    sentence_views: dict[str, list[dict]] = defaultdict(list)
    for doc_id, group in tables.sentences.groupby("doc_id", sort=False):
        sentence_views[doc_id] = _sentence_views(group)
    pair_summaries = {}
    pair_template = env.get_template("pair.html")
    written = set()
    for (a, b), name in names.items():
        pair_aligns = by_pair.get((a, b), [])
        sents_a, sents_b = sentence_views[a], sentence_views[b]
        paras_a, only_a = _side_view(sents_a, pair_aligns, "a", "b")
        paras_b, only_b = _side_view(sents_b, pair_aligns, "b", "a")
        n_a = max((s["sent_id"] for s in sents_a), default=-1) + 1
        n_b = max((s["sent_id"] for s in sents_b), default=-1) + 1
        heatmap = None
        if n_a and n_b:
            measured = _lookup_similarity(sentence_similarity, a, b, n_a, n_b)
            matrix = measured if measured is not None else _alignment_matrix(n_a, n_b, pair_aligns)
            heatmap = _heatmap_svg(matrix, pair_aligns, docs[a]["label"], docs[b]["label"], measured is not None)
        conflicts = [al for al in pair_aligns if al["conflict"]]
        pair_summaries[(a, b)] = {"n_aligned": len(pair_aligns), "n_conflicts": len(conflicts),
                                  "n_shared": shared.get((a, b), 0), "page": name}
        html = pair_template.render(
            **common, doc_a=docs[a], doc_b=docs[b], paras_a=paras_a, paras_b=paras_b, only_a=only_a,
            only_b=only_b, aligns=pair_aligns, n_conflicts=len(conflicts), heatmap=heatmap,
            n_shared=shared.get((a, b), 0),
        )
        atomic_write_text(report_dir / name, html)
        written.add(name)

    # overview
    doc_list = list(docs.values())
    max_shared = max(shared.values(), default=0)
    grid = []
    for da in doc_list:
        cells = []
        for db in doc_list:
            if da["doc_id"] == db["doc_id"]:
                cells.append({"self": True, "doc": da})
                continue
            key = tuple(sorted((da["doc_id"], db["doc_id"])))
            info = pair_summaries[key]
            level = 0 if not info["n_shared"] else 1 + min(
                GRID_BUCKETS - 2, int((GRID_BUCKETS - 1) * info["n_shared"] / (max_shared + 1)))
            cells.append({"self": False, "level": level, "other": db, **info})
        grid.append({"doc": da, "cells": cells})

    def doc_of(doc_id: str) -> dict[str, Any]:
        return docs.get(doc_id, {"doc_id": doc_id, "label": doc_id, "title": doc_id, "lang": ""})

    shared_claims, unique_claims = [], defaultdict(list)
    for cid, members in groups.items():
        doc_ids = sorted({m["doc_id"] for m in members}, key=lambda d: docs[d]["label"] if d in docs else d)
        if len(doc_ids) >= 2:
            shared_claims.append({"claim_id": cid, "n_docs": len(doc_ids),
                                  "docs": [doc_of(d) for d in doc_ids],
                                  "members": sorted(({**m, "doc": doc_of(m["doc_id"])} for m in members),
                                                    key=lambda m: m["doc"]["label"])})
        else:
            for m in members:
                unique_claims[m["doc_id"]].append(m)
    shared_claims.sort(key=lambda c: (-c["n_docs"], str(c["claim_id"])))
    unique_by_doc = []
    for doc in doc_list:
        claims = sorted(unique_claims.get(doc["doc_id"], []), key=lambda m: min(m["sent_ids"], default=0))
        side = "a"
        if doc["first_page"]:
            a, _ = next(k for k, v in names.items() if v == doc["first_page"])
            side = "a" if a == doc["doc_id"] else "b"
        unique_by_doc.append({"doc": doc, "claims": claims, "side": side})
    conflicts = [dict(al, page=names[(al["a"], al["b"])], doc_a=docs[al["a"]], doc_b=docs[al["b"]])
                 for al in aligns if al["conflict"]]
    conflicts.sort(key=lambda c: (c["doc_a"]["label"], c["doc_b"]["label"], c["n"]))

    errors = [] if tables.errors is None else tables.errors.to_dict("records")
    index_html = env.get_template("index.html").render(
        **common, docs=doc_list, grid=grid, shared_claims=shared_claims, unique_by_doc=unique_by_doc,
        conflicts=conflicts, errors=errors, summary=summary_rows(tables),
        n_pairs=len(names), heatmap_note=not sentence_similarity,
    )
    index = report_dir / "index.html"
    atomic_write_text(index, index_html)

    # pages of document pairs that no longer exist would link to stale text: remove them
    for old in report_dir.glob("pair-*.html"):
        if old.name not in written:
            old.unlink(missing_ok=True)
    return index
