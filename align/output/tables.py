"""The output tables: built from stage values, written (Parquet + CSV, atomically) and read back.

Columns and types come from align.output.schema, the one owner of the contract.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from align.fsutil import atomic_open, atomic_path, display_text
from align.output import schema
from align.output.schema import Tables
from align.types import Document, InputFailure, Sentence


DERIVED_TITLE_CHARS = 90  # a derived title is the first line, cut at a word near this length


def derived_title(first_line: str, limit: int = DERIVED_TITLE_CHARS) -> str:
    """A title for an untitled article: its first line (a news lede), cut at a word boundary."""
    text = " ".join(first_line.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut).rstrip(" ,;:-–—") + "…"


def documents_frame(docs: Iterable[Document], sentences: Iterable[Sentence]) -> pd.DataFrame:
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    for s in sentences:
        counts[s.doc_id] = counts.get(s.doc_id, 0) + 1
        if s.doc_id not in first or s.sent_id == 0:
            first[s.doc_id] = s.text
    rows = []
    for d in docs:
        title, title_source = d.title, "document" if d.title else ""
        if not title and first.get(d.doc_id):
            title, title_source = derived_title(first[d.doc_id]), "derived"
        rows.append({
            "doc_id": d.doc_id, "path": display_text(d.path), "format": d.format, "lang": d.lang,
            "title": title, "author": d.author, "date": d.date,
            "n_paragraphs": d.n_paragraphs, "n_sentences": counts.get(d.doc_id, 0),
            "sha256": d.sha256, "outlet": d.source, "title_source": title_source,
        })
    return schema.normalise(pd.DataFrame(rows), "documents")


def sentences_frame(sentences: Iterable[Sentence]) -> pd.DataFrame:
    rows = [
        {
            "doc_id": s.doc_id, "sent_id": s.sent_id, "para_id": s.para_id, "kind": s.kind,
            "text": s.text, "start": s.start, "end": s.end, "lang": s.lang,
            "text_en": s.text_en, "translation_source": s.translation_source,
            "duplicate_of": s.duplicate_of,
        }
        for s in sentences
    ]
    return schema.normalise(pd.DataFrame(rows), "sentences")


def errors_frame(failures: Iterable[InputFailure]) -> pd.DataFrame:
    rows = [{"path": display_text(f.path), "stage": f.stage, "error": display_text(f.error)} for f in failures]
    return schema.normalise(pd.DataFrame(rows), "errors")


def write_table(df: pd.DataFrame, out_dir: str | Path, name: str, *, csv_bom: bool = False) -> list[Path]:
    """Write NAME.parquet and NAME.csv atomically, in the contract's form; returns the two paths.

    `csv_bom` starts the CSV with a UTF-8 byte-order mark, so Excel reads Chinese correctly."""
    out_dir = Path(out_dir)
    df = schema.normalise(df, name)
    parquet_path = out_dir / f"{name}.parquet"
    csv_path = out_dir / f"{name}.csv"
    table = schema.arrow_table(df, name)
    with atomic_path(parquet_path) as tmp:
        pq.write_table(table, tmp)
    with atomic_open(csv_path, "w", encoding="utf-8-sig" if csv_bom else "utf-8") as fh:
        schema.csv_frame(df, name).to_csv(fh, index=False, lineterminator="\n")
    return [parquet_path, csv_path]


def remove_table(out_dir: str | Path, name: str) -> None:
    """Remove a table left by an earlier run (e.g. `errors` when nothing failed this time)."""
    for suffix in (".parquet", ".csv"):
        (Path(out_dir) / f"{name}{suffix}").unlink(missing_ok=True)


def read_table(out_dir: str | Path, name: str) -> pd.DataFrame | None:
    """Read a table back with its contract types (Parquet preferred, CSV as fallback); None if absent."""
    out_dir = Path(out_dir)
    parquet_path = out_dir / f"{name}.parquet"
    csv_path = out_dir / f"{name}.csv"
    if parquet_path.exists():
        return schema.normalise(pq.read_table(parquet_path).to_pandas(), name)
    if csv_path.exists():
        return schema.from_csv_frame(pd.read_csv(csv_path, dtype=str, keep_default_na=False,
                                                   encoding="utf-8-sig"), name)
    return None


def read_tables(out_dir: str | Path) -> Tables:
    """All tables of a finished run. Missing alignments/claims (an `ingest` run) read as empty."""
    out_dir = Path(out_dir)
    docs = read_table(out_dir, "documents")
    sents = read_table(out_dir, "sentences")
    if docs is None or sents is None:
        raise FileNotFoundError(f"{out_dir} has no documents/sentences tables; run `align run INPUT --out {out_dir}` first")
    aligns = read_table(out_dir, "alignments")
    claims = read_table(out_dir, "claims")
    return Tables(
        documents=docs,
        sentences=sents,
        alignments=aligns if aligns is not None else schema.empty("alignments"),
        claims=claims if claims is not None else schema.empty("claims"),
        errors=read_table(out_dir, "errors"),
        stories=read_table(out_dir, "stories"),
    )
