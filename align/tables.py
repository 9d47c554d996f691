"""The output tables of the spec: building them from stage values, writing and reading them.

Each table is written as NAME.parquet (real types: lists, bools, floats, nullable ints) and
NAME.csv (UTF-8 with header; list columns `;`-joined), both atomically.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from align.fsutil import atomic_open, atomic_path
from align.types import Document, InputFailure, Sentence

DOCUMENT_COLUMNS = [
    "doc_id", "path", "format", "lang", "title", "author", "date",
    "n_paragraphs", "n_sentences", "sha256",
]
SENTENCE_COLUMNS = [
    "doc_id", "sent_id", "para_id", "kind", "text", "start", "end", "lang",
    "text_en", "translation_source", "duplicate_of",
]
ALIGNMENT_COLUMNS = [
    "pair_id", "src_doc", "src_sent_ids", "tgt_doc", "tgt_sent_ids", "src_text", "tgt_text",
    "src_en", "tgt_en", "cosine", "margin", "score", "mutual", "conflict",
]
CLAIM_COLUMNS = ["claim_id", "doc_id", "sent_ids", "text", "text_en", "n_docs"]
ERROR_COLUMNS = ["path", "stage", "error"]

# Columns holding lists of sentence ids: Parquet list<int64>, CSV "1;2".
LIST_COLUMNS = {"src_sent_ids", "tgt_sent_ids", "sent_ids"}
BOOL_COLUMNS = {"mutual"}
FLOAT_COLUMNS = {"cosine", "margin", "score"}
INT_COLUMNS = {"n_paragraphs", "n_sentences", "sent_id", "para_id", "start", "end", "n_docs", "pair_id", "claim_id"}
NULLABLE_INT_COLUMNS = {"duplicate_of"}

TABLE_NAMES = ("documents", "sentences", "alignments", "claims", "errors")
COLUMNS = {
    "documents": DOCUMENT_COLUMNS,
    "sentences": SENTENCE_COLUMNS,
    "alignments": ALIGNMENT_COLUMNS,
    "claims": CLAIM_COLUMNS,
    "errors": ERROR_COLUMNS,
}


def documents_frame(docs: Iterable[Document], sentences: Iterable[Sentence]) -> pd.DataFrame:
    counts: dict[str, int] = {}
    for s in sentences:
        counts[s.doc_id] = counts.get(s.doc_id, 0) + 1
    rows = [
        {
            "doc_id": d.doc_id, "path": d.path, "format": d.format, "lang": d.lang,
            "title": d.title, "author": d.author, "date": d.date,
            "n_paragraphs": d.n_paragraphs, "n_sentences": counts.get(d.doc_id, 0),
            "sha256": d.sha256,
        }
        for d in docs
    ]
    return normalise(pd.DataFrame(rows, columns=DOCUMENT_COLUMNS), "documents")


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
    return normalise(pd.DataFrame(rows, columns=SENTENCE_COLUMNS), "sentences")


def errors_frame(failures: Iterable[InputFailure]) -> pd.DataFrame:
    rows = [{"path": f.path, "stage": f.stage, "error": f.error} for f in failures]
    return normalise(pd.DataFrame(rows, columns=ERROR_COLUMNS), "errors")


def sentences_from_frame(df: pd.DataFrame) -> list[Sentence]:
    out = []
    for r in df.itertuples(index=False):
        dup = getattr(r, "duplicate_of")
        out.append(Sentence(
            doc_id=str(r.doc_id), sent_id=int(r.sent_id), para_id=int(r.para_id), kind=str(r.kind),
            text=str(r.text), start=int(r.start), end=int(r.end), lang=str(r.lang),
            duplicate_of=None if pd.isna(dup) else int(dup),
            text_en="" if pd.isna(r.text_en) else str(r.text_en),
            translation_source="" if pd.isna(r.translation_source) else str(r.translation_source),
        ))
    return out


def normalise(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """Give a table its contract columns (in order, extra columns kept after) and real dtypes."""
    df = df.copy()
    for col in COLUMNS[name]:
        if col not in df.columns:
            df[col] = pd.Series([None] * len(df), dtype=object)
    extra = [c for c in df.columns if c not in COLUMNS[name]]
    df = df[COLUMNS[name] + extra]
    for col in df.columns:
        if col in LIST_COLUMNS:
            df[col] = df[col].map(_as_int_list)
        elif col in BOOL_COLUMNS:
            df[col] = df[col].map(_as_bool).astype(bool)
        elif col in FLOAT_COLUMNS:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("float64")
        elif col in NULLABLE_INT_COLUMNS:
            df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
        elif col in INT_COLUMNS:
            df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0).astype("int64")
        else:
            df[col] = df[col].map(lambda v: "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v))
    return df.reset_index(drop=True)


def _as_int_list(value) -> list[int]:
    if value is None:
        return []
    if isinstance(value, float) and pd.isna(value):
        return []
    if isinstance(value, str):
        return [int(p) for p in value.split(";") if p.strip() != ""]
    return [int(v) for v in value]


def _as_bool(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return False
    return bool(value)


def _arrow_schema(df: pd.DataFrame) -> pa.Schema:
    fields = []
    for col in df.columns:
        if col in LIST_COLUMNS:
            typ = pa.list_(pa.int64())
        elif col in BOOL_COLUMNS:
            typ = pa.bool_()
        elif col in FLOAT_COLUMNS:
            typ = pa.float64()
        elif col in INT_COLUMNS or col in NULLABLE_INT_COLUMNS:
            typ = pa.int64()
        else:
            typ = pa.string()
        fields.append(pa.field(col, typ))
    return pa.schema(fields)


def write_table(df: pd.DataFrame, out_dir: str | Path, name: str) -> list[Path]:
    """Write NAME.parquet and NAME.csv into out_dir atomically; returns the two paths."""
    out_dir = Path(out_dir)
    df = normalise(df, name) if name in COLUMNS else df
    parquet_path = out_dir / f"{name}.parquet"
    csv_path = out_dir / f"{name}.csv"
    table = pa.Table.from_pandas(df, schema=_arrow_schema(df) if name in COLUMNS else None, preserve_index=False)
    with atomic_path(parquet_path) as tmp:
        pq.write_table(table, tmp)
    csv_df = df.copy()
    for col in csv_df.columns:
        if col in LIST_COLUMNS:
            csv_df[col] = csv_df[col].map(lambda ids: ";".join(str(i) for i in ids))
    with atomic_open(csv_path, "w", encoding="utf-8") as fh:
        csv_df.to_csv(fh, index=False, lineterminator="\n")
    return [parquet_path, csv_path]


def remove_table(out_dir: str | Path, name: str) -> None:
    """Remove a table left by an earlier run (e.g. `errors` when nothing failed this time)."""
    for suffix in (".parquet", ".csv"):
        (Path(out_dir) / f"{name}{suffix}").unlink(missing_ok=True)


def read_table(out_dir: str | Path, name: str) -> pd.DataFrame | None:
    """Read a table back with its real types (Parquet preferred, CSV as fallback); None if absent."""
    out_dir = Path(out_dir)
    parquet_path = out_dir / f"{name}.parquet"
    csv_path = out_dir / f"{name}.csv"
    if parquet_path.exists():
        df = pq.read_table(parquet_path).to_pandas()
    elif csv_path.exists():
        df = pd.read_csv(csv_path, dtype=str, keep_default_na=False, encoding="utf-8")
    else:
        return None
    return normalise(df, name) if name in COLUMNS else df


@dataclass
class Tables:
    documents: pd.DataFrame
    sentences: pd.DataFrame
    alignments: pd.DataFrame | None  # None: not produced (an `align ingest` run)
    claims: pd.DataFrame | None
    errors: pd.DataFrame | None = None  # None: nothing failed


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
        alignments=aligns if aligns is not None else normalise(pd.DataFrame(columns=ALIGNMENT_COLUMNS), "alignments"),
        claims=claims if claims is not None else normalise(pd.DataFrame(columns=CLAIM_COLUMNS), "claims"),
        errors=read_table(out_dir, "errors"),
    )
