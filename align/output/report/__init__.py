"""The HTML report: an index of stories, one page per story and one per document pair that
shares at least one claim.

The main view of a story or pair page is a row-aligned comparison (as diff tools, LF Aligner,
InterText or Bertalign's output show parallel text): one row per claim, one column per article,
each cell the article's unit(s) in the original language with the English below (the original
alone when there is no English).  Units no other article of the page carries keep their place
between the matched rows; rows whose matched units disagree on a detail are flagged.  A compact
mini-map (rows x articles) and, on pair pages, a sentence x sentence heatmap navigate to a row on
a click anywhere in a cell.

Reads only the output tables (documents, sentences, alignments, claims, stories, errors; see
SPEC.md), so `align report DIR` can rebuild it at any time; without a `stories` table the
documents sharing claims form a story.  Alignments are stored down to a score floor with an
`accepted` flag: the page's slider hides accepted pairs scoring below it and reveals the
"possible matches" between the floor and the run's threshold.

Safety: article text is untrusted. Jinja2 autoescaping is on for every template, article text is
only ever placed in element content or quoted attributes that are not URLs, scripts or styles, and
every page carries a Content-Security-Policy that only allows our own inline style and script
(by SHA-256 hash) and data: images, so even a bug in escaping could not run injected script.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path
from typing import Any

import jinja2
import numpy as np
import pandas as pd
from markupsafe import Markup

from align.fsutil import atomic_write_text
from align.output.schema import Tables, normalise_tables
from align.output.summary import (
    RunSummary,
    build_summary,
    claim_of_alignments,
    story_of_docs,
    summary_rows,
)
from align.output.tables import read_tables

__all__ = ["Tables", "load_tables", "pair_page_names", "story_page_name", "summary_rows", "write_report"]

TEMPLATES = Path(__file__).resolve().parent / "templates"

SCORE_BUCKETS = 10  # colour classes sc-0 .. sc-9, one per 0.1 of score
DEFAULT_FLOOR = 0.10  # config.SCORE_FLOOR; passed in by the pipeline


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


def pair_page_names(doc_ids: Iterable[str], pairs: Iterable[tuple[str, str]] | None = None
                    ) -> dict[tuple[str, str], str]:
    """File name of the page of each unordered pair (key (a, b), a < b): of `pairs` when given,
    else of every pair of `doc_ids`."""
    ids = sorted(set(doc_ids))
    wanted = combinations(ids, 2) if pairs is None else sorted({tuple(sorted(p)) for p in pairs})
    names: dict[tuple[str, str], str] = {}
    used: set[str] = set()
    for a, b in wanted:
        name = f"pair-{_safe_part(a)}--{_safe_part(b)}.html"
        if name in used:  # e.g. ids "x-" + "-y" vs "x" + "--y"
            digest = hashlib.sha256(f"{a}\0{b}".encode("utf-8", "surrogatepass")).hexdigest()[:8]
            name = f"pair-{_safe_part(a)}--{_safe_part(b)}-{digest}.html"
        used.add(name)
        names[(a, b)] = name
    return names


def story_page_name(story_id: int) -> str:
    return f"story-{int(story_id)}.html"


def _score_class(score: float | None) -> str:
    if score is None or not np.isfinite(score):
        return "sc-na"
    return f"sc-{min(SCORE_BUCKETS - 1, max(0, int(score * SCORE_BUCKETS)))}"


def _fmt(value: float | None, digits: int = 2) -> str:
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
    css = env.get_template("report.css").render(palette=palette)
    js = (TEMPLATES / "report.js").read_text(encoding="utf-8")
    csp = ("default-src 'none'; "
           f"style-src '{_csp_hash(css)}'; script-src '{_csp_hash(js)}'; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    # Our own static assets, inserted verbatim so the CSP hashes match byte for byte.
    return _Assets(css=Markup(css), js=Markup(js), csp=csp, palette=palette)


# --------------------------------------------------------------------------- view models

def _doc_views(tables: Tables, story_of: Mapping[str, int]) -> dict[str, dict[str, Any]]:
    docs: dict[str, dict[str, Any]] = {}
    sent_counts = tables.sentences.groupby("doc_id").size().to_dict() if len(tables.sentences) else {}
    for n, row in enumerate(tables.documents.itertuples(index=False), start=1):
        docs[row.doc_id] = {
            "doc_id": row.doc_id, "label": f"D{n}", "n": n, "title": row.title or row.doc_id,
            "title_derived": row.title_source == "derived" or not row.title, "lang": row.lang,
            "date": row.date, "day": row.date[:10], "author": row.author, "outlet": row.outlet,
            "path": row.path, "format": row.format,
            "n_sentences": row.n_sentences or int(sent_counts.get(row.doc_id, 0)),
            "story": story_of.get(row.doc_id, 0),
        }
    return docs


def _alignment_views(tables: Tables, claim_ids: list) -> list[dict[str, Any]]:
    out = []
    for row, cid in zip(tables.alignments.itertuples(index=False), claim_ids):
        a, b = row.src_doc, row.tgt_doc
        src_ids, tgt_ids = list(row.src_sent_ids), list(row.tgt_sent_ids)
        src_text, tgt_text, src_en, tgt_en = row.src_text, row.tgt_text, row.src_en, row.tgt_en
        if a > b:  # SPEC says src_doc < tgt_doc; accept the other order anyway
            a, b, src_ids, tgt_ids = b, a, tgt_ids, src_ids
            src_text, tgt_text, src_en, tgt_en = tgt_text, src_text, tgt_en, src_en
        score = float(row.score)
        out.append({
            "pair_id": int(row.pair_id), "a": a, "b": b, "src_ids": src_ids, "tgt_ids": tgt_ids,
            "src_text": src_text, "tgt_text": tgt_text, "src_en": _english(src_text, src_en),
            "tgt_en": _english(tgt_text, tgt_en), "score": score, "mutual": bool(row.mutual),
            "conflict": row.conflict, "accepted": bool(row.accepted), "claim_id": cid,
            "cls": _score_class(score), "score_txt": _fmt(score),
            "score_attr": _fmt(score, 4) if np.isfinite(score) else "0",
        })
    return out


def _english(text: str, english: str) -> str:
    """The English to show under an original: none when empty or the same text."""
    return english if english and english != text else ""


def _claim_members(tables: Tables) -> dict[int, dict[str, dict[str, Any]]]:
    """claim_id -> doc_id -> {sent_ids, text, en}."""
    members: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for row in tables.claims.itertuples(index=False):
        members[int(row.claim_id)][row.doc_id] = {
            "sent_ids": [int(i) for i in row.sent_ids], "text": row.text, "en": _english(row.text, row.text_en)}
    return members


def _order_rows(rows: list[dict[str, Any]], doc_order: list[str]) -> list[dict[str, Any]]:
    """Rows in reading order: the first article's order, with what it lacks slotted in after the
    row that precedes it in the next article carrying it (so unmatched units keep their place)."""
    keys: dict[int, tuple] = {}
    for i, doc in enumerate(doc_order):
        mine = sorted((r for r in rows if doc in r["cells"]),
                      key=lambda r: (min(r["cells"][doc]["sent_ids"], default=-1), r["claim_id"]))
        last: tuple = ()
        for pos, r in enumerate(mine):
            if r["claim_id"] in keys:
                last = keys[r["claim_id"]]
            else:
                keys[r["claim_id"]] = last + (i, pos)
    return sorted(rows, key=lambda r: (keys.get(r["claim_id"], ()), r["claim_id"]))


def _rows(claims: Mapping[int, Mapping[str, dict]], docs: list[dict], aligns: list[dict]) -> list[dict[str, Any]]:
    """The aligned rows of a page showing `docs`: one per claim any of them carries."""
    doc_ids = [d["doc_id"] for d in docs]
    wanted = set(doc_ids)
    by_claim: dict[int, list[dict]] = defaultdict(list)
    for al in aligns:
        if al["accepted"] and al["claim_id"] is not None and al["a"] in wanted and al["b"] in wanted:
            by_claim[al["claim_id"]].append(al)
    rows = []
    for cid, members in claims.items():
        cells = {d: members[d] for d in doc_ids if d in members}
        if not cells:
            continue
        links = by_claim.get(cid, [])
        best = max((al["score"] for al in links), default=None)
        conflicts = [{"pair": f"{_label(docs, al['a'])}×{_label(docs, al['b'])}", "what": al["conflict"]}
                     for al in links if al["conflict"]]
        labels = [d["label"] for d in docs if d["doc_id"] in cells]
        rows.append({
            "claim_id": cid, "cells": cells, "shared": len(cells) >= 2, "n_here": len(cells),
            "n_docs": len(members), "labels": " ".join(labels), "conflicts": conflicts,
            "score": best, "score_attr": _fmt(best, 4) if best is not None else "",
            "cls": _score_class(best) if best is not None else "",
            "anchor": f"c{cid}",
        })
    rows = _order_rows(rows, doc_ids)
    for n, r in enumerate(rows, start=1):
        r["n"] = n
    return rows


def _label(docs: list[dict], doc_id: str) -> str:
    return next((d["label"] for d in docs if d["doc_id"] == doc_id), doc_id)


def _possible(aligns: list[dict], wanted: set[str], docs: Mapping[str, dict]) -> list[dict]:
    out = [dict(al, doc_a=docs[al["a"]], doc_b=docs[al["b"]]) for al in aligns
           if not al["accepted"] and al["a"] in wanted and al["b"] in wanted]
    out.sort(key=lambda al: -al["score"])
    return out


def _minimap(rows: list[dict], docs: list[dict]) -> dict[str, Any]:
    """Geometry of the mini-map: one thin band per row, one column per article; every band is a
    link to its row, so a click anywhere in it navigates."""
    n_cols = max(1, len(docs))
    col_w = max(6.0, min(28.0, 180.0 / n_cols))
    row_h = max(2.0, min(10.0, 520.0 / max(1, len(rows))))
    left, top = 0.0, 16.0
    bands = []
    for i, r in enumerate(rows):
        y = top + i * row_h
        cells = [{"x": left + j * col_w, "cls": ("mm-conflict" if r["conflicts"] else
                                                   "mm-shared" if r["shared"] else "mm-only")}
                 for j, d in enumerate(docs) if d["doc_id"] in r["cells"]]
        bands.append({"y": y, "anchor": r["anchor"], "cells": cells,
                      "tip": f"row {r['n']}: {r['labels']}" + (" · conflict" if r["conflicts"] else "")})
    return {"bands": bands, "col_w": col_w, "row_h": row_h, "top": top, "width": left + n_cols * col_w,
            "height": top + len(rows) * row_h + 2,
            "heads": [{"x": left + (j + 0.5) * col_w, "label": d["label"][1:] if n_cols > 6 else d["label"]}
                      for j, d in enumerate(docs)]}


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


def _heatmap(matrix: np.ndarray | None, n_a: int, n_b: int, aligns: list[dict], rows: list[dict],
             a: str, b: str, label_a: str, label_b: str) -> dict[str, Any]:
    """A compact sentence x sentence heatmap: an embedded PNG with its colour scale stretched to
    the pair's own range (so the few similar pairs stand out), accepted alignments outlined.
    Every cell navigates: each accepted alignment's cells are full-size links, and the inline
    script maps a click anywhere else to the row holding that sentence."""
    import matplotlib.image
    from matplotlib import colormaps

    measured = matrix is not None
    if matrix is None:
        matrix = np.full((n_a, n_b), np.nan)
        for al in aligns:
            if al["accepted"]:
                for i in al["src_ids"]:
                    for j in al["tgt_ids"]:
                        if 0 <= i < n_a and 0 <= j < n_b:
                            matrix[i, j] = np.fmax(matrix[i, j], al["score"])
        lo, hi = 0.0, 1.0
    else:
        finite = matrix[np.isfinite(matrix)]
        lo = float(np.percentile(finite, 50)) if finite.size else 0.0
        hi = max(float(finite.max()) if finite.size else 1.0, lo + 0.05)
    cmap = colormaps["YlGnBu"].with_extremes(bad="#f1f3f5", under="#ffffff")
    scaled = np.clip((matrix - lo) / (hi - lo), 0.0, 1.0)
    buf = io.BytesIO()
    matplotlib.image.imsave(buf, scaled, cmap=cmap, vmin=0.0, vmax=1.0, format="png")
    png = base64.b64encode(buf.getvalue()).decode("ascii")
    cell = max(3.0, min(14.0, 300.0 / max(n_a, n_b, 1)))
    left, top = 30.0, 26.0
    row_of_a: dict[int, str] = {}
    row_of_b: dict[int, str] = {}
    for r in rows:
        for i in r["cells"].get(a, {}).get("sent_ids", []):
            row_of_a.setdefault(i, r["anchor"])
        for j in r["cells"].get(b, {}).get("sent_ids", []):
            row_of_b.setdefault(j, r["anchor"])
    marks = []
    by_claim = {r["claim_id"]: r["anchor"] for r in rows}
    for al in aligns:
        if not al["accepted"]:
            continue
        anchor = by_claim.get(al["claim_id"]) or row_of_a.get(min(al["src_ids"], default=-1), "")
        for i in al["src_ids"]:
            for j in al["tgt_ids"]:
                if 0 <= i < n_a and 0 <= j < n_b and anchor:
                    marks.append({"x": left + j * cell, "y": top + i * cell, "anchor": anchor,
                                  "conflict": bool(al["conflict"]), "score_attr": al["score_attr"],
                                  "tip": f"{label_a} §{i} ↔ {label_b} §{j} · score {al['score_txt']}"
                                         + (f" · conflict: {al['conflict']}" if al["conflict"] else "")})
    step = lambda n: max(1, -(-n // 8))
    return {
        "png": png, "cell": cell, "left": left, "top": top, "width": n_b * cell, "height": n_a * cell,
        "total_w": left + n_b * cell + 4, "total_h": top + n_a * cell + 4, "n_a": n_a, "n_b": n_b,
        "xticks": [(left + (j + 0.5) * cell, j) for j in range(0, n_b, step(n_b))],
        "yticks": [(top + (i + 0.5) * cell, i) for i in range(0, n_a, step(n_a))],
        "marks": marks, "label_a": label_a, "label_b": label_b, "measured": measured,
        "lo": _fmt(lo), "hi": _fmt(hi),
        "rows_a": " ".join(f"{i}:{anchor}" for i, anchor in sorted(row_of_a.items())),
        "rows_b": " ".join(f"{j}:{anchor}" for j, anchor in sorted(row_of_b.items())),
    }


def _page_stats(rows: list[dict], possible: list[dict], docs: list[dict]) -> dict[str, Any]:
    shared = [r for r in rows if r["shared"]]
    return {
        "n_rows": len(rows), "n_shared": len(shared), "n_possible": len(possible),
        "n_conflicts": sum(1 for r in rows if r["conflicts"]),
        # per article: rows where it is the only article of the page
        "alone": {d["doc_id"]: sum(1 for r in rows if not r["shared"] and d["doc_id"] in r["cells"]) for d in docs},
    }


# --------------------------------------------------------------------------- writing

def write_report(out_dir: str | Path, tables: Tables | None = None,
                 sentence_similarity: Mapping[tuple[str, str], np.ndarray] | None = None, *,
                 summary: RunSummary | None = None, score_floor: float = DEFAULT_FLOOR,
                 min_score: float | None = None) -> Path:
    """Write OUT/report/index.html, one page per story and one per document pair sharing a claim;
    return index.html.

    `tables` defaults to the tables in `out_dir`. `sentence_similarity` optionally maps
    (doc_a, doc_b) to a sentence x sentence similarity matrix for the pair heatmaps. `summary`
    is the run's RunSummary (computed from the tables when not given), so the report shows the
    counts every other view shows.
    """
    out_dir = Path(out_dir)
    tables = normalise_tables(load_tables(out_dir) if tables is None else tables)
    if summary is None and min_score is None:
        min_score = _run_threshold(out_dir)
    summary = summary or build_summary(tables, min_score=min_score)
    threshold = summary.min_score if summary.min_score is not None else _threshold(tables)
    report_dir = out_dir / "report"
    env = _environment()
    assets = _assets(env)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")

    story_of = story_of_docs(tables)
    docs = _doc_views(tables, story_of)
    if len(tables.alignments) and tables.alignments["claim_id"].isna().all():  # tables from before claim_id
        claim_ids = claim_of_alignments(tables.alignments, tables.claims)
    else:
        claim_ids = [None if pd.isna(c) else int(c) for c in tables.alignments["claim_id"]]
    aligns = [al for al in _alignment_views(tables, claim_ids) if al["a"] in docs and al["b"] in docs]
    claims = _claim_members(tables)

    # stories
    story_docs: dict[int, list[dict]] = defaultdict(list)
    for d in docs.values():
        story_docs[d["story"]].append(d)
    story_titles = {}
    if tables.stories is not None and len(tables.stories):
        story_titles = dict(zip(tables.stories["story_id"].astype(int), tables.stories["story_title"]))
    claims_of_story: dict[int, dict[int, dict]] = defaultdict(dict)
    for cid, members in claims.items():
        ds = [d for d in members if d in docs]
        if ds:
            claims_of_story[docs[ds[0]]["story"]][cid] = {d: members[d] for d in ds}

    # pairs sharing at least one claim get a page
    shared_pairs: dict[tuple[str, str], int] = defaultdict(int)
    for members in claims.values():
        for a, b in combinations(sorted(d for d in members if d in docs), 2):
            shared_pairs[(a, b)] += 1
    names = pair_page_names(docs, shared_pairs)

    common = {"css": assets.css, "js": assets.js, "csp": assets.csp, "palette": assets.palette,
              "generated": generated, "threshold": threshold, "floor": score_floor,
              "threshold_txt": _fmt(threshold), "floor_txt": _fmt(score_floor)}
    written: set[str] = set()

    n_sents = tables.sentences.groupby("doc_id")["sent_id"].max().to_dict() if len(tables.sentences) else {}
    pair_template = env.get_template("pair.html")
    pair_info: dict[tuple[str, str], dict] = {}
    for (a, b), name in names.items():
        page_docs = [docs[a], docs[b]]
        pair_aligns = [al for al in aligns if (al["a"], al["b"]) == (a, b)]
        rows = _rows({cid: m for cid, m in claims.items() if a in m or b in m}, page_docs, pair_aligns)
        possible = _possible(pair_aligns, {a, b}, docs)
        n_a, n_b = int(n_sents.get(a, -1)) + 1, int(n_sents.get(b, -1)) + 1
        heatmap = None
        if n_a and n_b:
            heatmap = _heatmap(_lookup_similarity(sentence_similarity, a, b, n_a, n_b), n_a, n_b, pair_aligns,
                               rows, a, b, docs[a]["label"], docs[b]["label"])
        stats = _page_stats(rows, possible, page_docs)
        pair_info[(a, b)] = {"page": name, "n_shared": stats["n_shared"], "n_conflicts": stats["n_conflicts"],
                             "doc_a": docs[a], "doc_b": docs[b]}
        html = pair_template.render(
            **common, docs=page_docs, doc_a=docs[a], doc_b=docs[b], rows=rows, possible=possible,
            stats=stats, mm=_minimap(rows, page_docs), heatmap=heatmap,
            story={"id": docs[a]["story"], "page": story_page_name(docs[a]["story"])},
            n_accepted=sum(1 for al in pair_aligns if al["accepted"]),
        )
        atomic_write_text(report_dir / name, html)
        written.add(name)

    story_template = env.get_template("story.html")
    story_list = []
    for sid in sorted(story_docs, key=lambda s: (-len(story_docs[s]), s)):
        page_docs = sorted(story_docs[sid], key=lambda d: d["n"])
        wanted = {d["doc_id"] for d in page_docs}
        story_aligns = [al for al in aligns if al["a"] in wanted and al["b"] in wanted]
        rows = _rows(claims_of_story.get(sid, {}), page_docs, story_aligns)
        possible = _possible(story_aligns, wanted, docs)
        stats = _page_stats(rows, possible, page_docs)
        days = sorted(d["day"] for d in page_docs if d["day"])
        # a given title before a derived one, English before other languages
        by_pref = sorted(page_docs, key=lambda d: (d["title_derived"], d["lang"] != "en", d["n"]))
        title = story_titles.get(sid) or by_pref[0]["title"]
        pairs = [dict(info) for (a, b), info in pair_info.items() if a in wanted]
        pairs.sort(key=lambda p: (-p["n_shared"], p["doc_a"]["n"], p["doc_b"]["n"]))
        story = {"id": sid, "page": story_page_name(sid), "title": title, "docs": page_docs,
                 "langs": sorted({d["lang"] for d in page_docs if d["lang"]}),
                 "first": days[0] if days else "", "last": days[-1] if days else "", **stats}
        story_list.append(story)
        html = story_template.render(**common, story=story, docs=page_docs, rows=rows, possible=possible,
                                     stats=stats, pairs=pairs, mm=_minimap(rows, page_docs))
        atomic_write_text(report_dir / story["page"], html)
        written.add(story["page"])

    errors = [] if tables.errors is None else tables.errors.to_dict("records")
    index_html = env.get_template("index.html").render(
        **common, stories=story_list, docs=list(docs.values()), errors=errors, summary=summary.rows(),
        n_pairs=len(names),
    )
    index = report_dir / "index.html"
    atomic_write_text(index, index_html)

    # pages of pairs or stories that no longer exist would show stale text: remove them
    for old in [*report_dir.glob("pair-*.html"), *report_dir.glob("story-*.html")]:
        if old.name not in written:
            old.unlink(missing_ok=True)
    return index


def _run_threshold(out_dir: Path) -> float | None:
    """The --min-score recorded in the folder's run.json, if any."""
    import json

    try:
        value = json.loads((out_dir / "run.json").read_text(encoding="utf-8")).get("min_score")
    except (OSError, ValueError, AttributeError):
        return None
    return float(value) if isinstance(value, (int, float)) else None


def _threshold(tables: Tables) -> float | None:
    """The run's threshold as the tables show it: the lowest accepted score (None if unknown)."""
    al = tables.alignments
    if not len(al) or not al["accepted"].any():
        return None
    if al["accepted"].all():
        return None
    return float(al.loc[al["accepted"], "score"].min())
