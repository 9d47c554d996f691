"""THE table contract (../shared/SPEC.md; docs/tables.md is generated from this module).

Every table's columns, in order, with one type each; one `normalise` that gives a frame
exactly those columns and types (columns outside the contract are dropped, so internal ids
never reach a table); and the spreadsheet-safe CSV form of a cell.  Everything that writes or
reads a table goes through here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

import pandas as pd
import pyarrow as pa

# name -> (type, description).  Types: str (never missing; "" is a value), text (nullable:
# "" in the frame and in CSV, null in Parquet), date (nullable ISO 8601, one form per column),
# int, nullable_int, float, bool, int_list.
DOCUMENTS = {
    "doc_id": ("str", "stable, unique id, from the file name"),
    "path": ("str", "the input file"),
    "format": ("str", "txt, markdown or html"),
    "lang": ("str", "ISO 639-1 language of the document"),
    "title": ("text", "title from the markup or front matter, else derived from the first line"),
    "author": ("text", "author from the markup or front matter"),
    "date": ("date", "ISO 8601: YYYY-MM-DD, or a full timestamp with offset for the whole column "
                     "when any document has a time"),
    "n_paragraphs": ("int", "paragraphs of the cleaned text"),
    "n_sentences": ("int", "sentences of the document"),
    "sha256": ("str", "SHA-256 of the raw file"),
    "outlet": ("text", "publisher, from the front-matter `source`"),
    "title_source": ("str", "where the title comes from: document (markup or front matter), "
                            "derived (the first line: no title was given) or empty (no title)"),
}
SENTENCES = {
    "doc_id": ("str", "document"),
    "sent_id": ("int", "0-based, document order"),
    "para_id": ("int", "paragraph of the sentence"),
    "kind": ("str", "title, heading, body or caption"),
    "text": ("str", "original language"),
    "start": ("int", "character offset into the document's cleaned text"),
    "end": ("int", "end offset (exclusive)"),
    "lang": ("str", "ISO 639-1 language of the sentence"),
    "text_en": ("text", "English text (empty when no translation was available)"),
    "translation_source": ("text", "identity, import:FILE, argos:PACKAGE-VERSION or none"),
    "duplicate_of": ("nullable_int", "sent_id of an identical earlier sentence in the document"),
}
ALIGNMENTS = {
    "pair_id": ("int", "row id"),
    "src_doc": ("str", "first document (src_doc < tgt_doc)"),
    "src_sent_ids": ("int_list", "sentences of the source unit"),
    "tgt_doc": ("str", "second document"),
    "tgt_sent_ids": ("int_list", "sentences of the target unit"),
    "src_text": ("str", "source unit, original language"),
    "tgt_text": ("str", "target unit, original language"),
    "src_en": ("text", "source unit in English"),
    "tgt_en": ("text", "target unit in English"),
    "cosine": ("float", "cosine of the unit embeddings"),
    "margin": ("float", "ratio margin against the units' neighbourhoods"),
    "score": ("float", "0..1, probability that both state the same claim"),
    "mutual": ("bool", "each unit is the other's nearest neighbour"),
    "conflict": ("str", "empty, or what the two sides disagree on (e.g. year: 2020 vs 2019)"),
    "story_id": ("int", "the story both documents belong to"),
    "src_lang": ("str", "language of the source unit"),
    "tgt_lang": ("str", "language of the target unit"),
    "claim_id": ("nullable_int", "the claim this pair belongs to (empty below the threshold)"),
    "signal": ("str", "which similarity supported the pair: mt, direct or mt+direct"),
    "accepted": ("bool", "score >= the run's --min-score (rows below are possible matches)"),
}
CLAIMS = {
    "claim_id": ("int", "claim"),
    "story_id": ("int", "story of the claim"),
    "doc_id": ("str", "a document carrying the claim"),
    "sent_ids": ("int_list", "its sentences in that document"),
    "text": ("str", "the claim in that document, original language"),
    "text_en": ("text", "the same in English"),
    "n_docs": ("int", "how many documents carry this claim (1 = unique)"),
}
STORIES = {
    "story_id": ("int", "story: documents about the same event, in any language"),
    "doc_id": ("str", "a document of the story"),
    "story_title": ("str", "a representative title"),
    "n_docs": ("int", "documents in the story"),
}
ERRORS = {
    "path": ("str", "input that failed"),
    "stage": ("str", "stage that failed (discover, read, decode, parse, translate, ...)"),
    "error": ("str", "what went wrong and how to fix it"),
}

SCHEMAS: dict[str, dict[str, tuple[str, str]]] = {
    "documents": DOCUMENTS,
    "sentences": SENTENCES,
    "alignments": ALIGNMENTS,
    "claims": CLAIMS,
    "stories": STORIES,
    "errors": ERRORS,
}
TABLE_NAMES = tuple(SCHEMAS)
COLUMNS = {name: list(cols) for name, cols in SCHEMAS.items()}


# What a column absent from a frame reads as, where not the type's empty value: tables written
# before `accepted` existed held accepted pairs only.
MISSING_DEFAULTS = {("alignments", "accepted"): True}


def column_type(table: str, column: str) -> str:
    return SCHEMAS[table][column][0]


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


def _as_text(value) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


def normalise_dates(values) -> list[str]:
    """ISO 8601 dates in one form for the whole column (SPEC): a full timestamp with offset
    (`2022-05-04T23:12:35+00:00`) for every row when any value has a time of day, else
    `YYYY-MM-DD`.  A date without time becomes midnight UTC in the first form; a time without
    offset is taken as UTC; what does not parse as ISO 8601 is missing ("")."""
    parsed: list[datetime | date | None] = []
    for value in values:
        text = _as_text(value).strip()
        if not text:
            parsed.append(None)
            continue
        try:
            if len(text) == 10:
                parsed.append(date.fromisoformat(text))
                continue
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            parsed.append(None)
            continue
        parsed.append(moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc))
    with_time = any(isinstance(p, datetime) for p in parsed)
    out = []
    for p in parsed:
        if p is None:
            out.append("")
        elif with_time:
            moment = p if isinstance(p, datetime) else datetime(p.year, p.month, p.day, tzinfo=timezone.utc)
            out.append(moment.isoformat(timespec="seconds"))
        else:
            out.append(p.isoformat())
    return out


def empty(name: str) -> pd.DataFrame:
    """A table with its contract columns and no rows."""
    return normalise(pd.DataFrame(columns=COLUMNS[name]), name)


def normalise(df: pd.DataFrame | None, name: str) -> pd.DataFrame:
    """The frame with exactly the contract columns of table `name`, in order, with their types.

    Missing columns are added empty; columns outside the contract are dropped.  A missing int
    is 0, a missing nullable int is <NA>, a missing bool is False, missing text is "" (written
    as null to Parquet for the nullable `text` and `date` columns), and a `date` column gets one
    ISO 8601 form for all its rows.
    """
    if df is None:
        df = pd.DataFrame(columns=COLUMNS[name])
    out = pd.DataFrame(index=range(len(df)))
    for col, (typ, _) in SCHEMAS[name].items():
        if col in df.columns:
            values = df[col].reset_index(drop=True)
        else:
            values = pd.Series([MISSING_DEFAULTS.get((name, col))] * len(df), dtype=object)
        if typ == "int_list":
            out[col] = values.map(_as_int_list).astype(object)
        elif typ == "bool":
            out[col] = values.map(_as_bool).astype(bool)
        elif typ == "float":
            out[col] = pd.to_numeric(values, errors="coerce").astype("float64")
        elif typ == "nullable_int":
            out[col] = pd.to_numeric(values, errors="coerce").astype("Int64")
        elif typ == "int":
            out[col] = pd.to_numeric(values, errors="coerce").fillna(0).astype("int64")
        elif typ == "date":
            out[col] = pd.Series(normalise_dates(values), dtype=object)
        else:
            out[col] = values.map(_as_text).astype(object)
    return out


def arrow_schema(name: str) -> pa.Schema:
    arrow = {"str": pa.string(), "text": pa.string(), "date": pa.string(), "int": pa.int64(), "nullable_int": pa.int64(), "float": pa.float64(),
             "bool": pa.bool_(), "int_list": pa.list_(pa.int64())}
    return pa.schema([pa.field(col, arrow[typ]) for col, (typ, _) in SCHEMAS[name].items()])


NULLABLE_TEXT = ("text", "date")


def arrow_table(df: pd.DataFrame, name: str) -> pa.Table:
    """The Parquet form of a table: contract types, and null (not "") for a missing nullable text."""
    df = normalise(df, name)
    for col, (typ, _) in SCHEMAS[name].items():
        if typ in NULLABLE_TEXT:
            df[col] = df[col].map(lambda v: None if v == "" else v).astype(object)
    return pa.Table.from_pandas(df, schema=arrow_schema(name), preserve_index=False)


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """`'` before a text cell a spreadsheet would run as a formula (CSV only; Parquet is exact)."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def csv_unsafe(text: str) -> str:
    """Inverse of csv_safe, for reading our own CSV back."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS) else text


def csv_frame(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """The CSV form of a normalised table: lists `;`-joined, text cells spreadsheet-safe."""
    out = df.copy()
    for col, (typ, _) in SCHEMAS[name].items():
        if typ == "int_list":
            out[col] = out[col].map(lambda ids: ";".join(str(i) for i in ids))
        elif typ in ("str", "text"):
            out[col] = out[col].map(csv_safe)
    return out


def from_csv_frame(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """A table read from our CSV (all cells text) back to its contract values."""
    out = df.copy()
    for col, (typ, _) in SCHEMAS[name].items():
        if typ in ("str", "text") and col in out.columns:
            out[col] = out[col].map(lambda v: csv_unsafe(v) if isinstance(v, str) else v)
    return normalise(out, name)


@dataclass
class Tables:
    """The tables of one run, normalised."""

    documents: pd.DataFrame
    sentences: pd.DataFrame
    alignments: pd.DataFrame | None  # None: not produced (an `align ingest` run)
    claims: pd.DataFrame | None
    errors: pd.DataFrame | None = None  # None: nothing failed
    stories: pd.DataFrame | None = None  # None: not produced (an `align ingest` run)


def normalise_tables(tables: Tables) -> Tables:
    """Tables in their contract form (frames built elsewhere, e.g. by tests, may lack columns)."""
    return Tables(
        documents=normalise(tables.documents, "documents"),
        sentences=normalise(tables.sentences, "sentences"),
        alignments=normalise(tables.alignments, "alignments"),
        claims=normalise(tables.claims, "claims"),
        errors=None if tables.errors is None or len(tables.errors) == 0 else normalise(tables.errors, "errors"),
        stories=None if tables.stories is None else normalise(tables.stories, "stories"),
    )


TABLE_INTROS = {
    "documents": "One row per ingested article.",
    "sentences": "One row per sentence, in document order.",
    "alignments": "One row per stored pair of claim units of two documents (each unordered document pair "
                  "once, `src_doc` < `tgt_doc`), down to the score floor; `accepted` marks the pairs at or "
                  "above the run's `--min-score`.",
    "claims": "Claims grouped across the documents of a story: one row per (claim, document).",
    "stories": "One row per document: documents about the same event share a story.",
    "errors": "Only when something failed: one row per input and stage.",
}
TYPE_NOTES = {
    "str": "text (never missing)", "text": "text, may be missing", "date": "ISO 8601 date, may be missing",
    "int": "integer", "nullable_int": "integer, may be missing", "float": "float", "bool": "true/false",
    "int_list": "list of integers",
}


def tables_markdown() -> str:
    """docs/tables.md: every table and column of the contract, generated from SCHEMAS."""
    out = ["# Output tables", "",
           "Generated from `align/output/schema.py` by `python -m align.output.schema > docs/tables.md`; "
           "a test keeps the two equal. The contract is in SPEC.md.", "",
           "Each table is written as `NAME.csv` (UTF-8 with header; `--csv-bom` adds a byte-order mark "
           "for Excel) and `NAME.parquet`, and all of them as sheets of `alignments.xlsx`. Missing values "
           "are empty in CSV and null in Parquet; lists are `;`-joined in CSV and lists in Parquet; a CSV "
           "text cell that a spreadsheet would run as a formula starts with `'`.", ""]
    for name, cols in SCHEMAS.items():
        out += [f"## {name}", "", TABLE_INTROS.get(name, ""), "", "| column | type | meaning |", "|---|---|---|"]
        out += [f"| `{col}` | {TYPE_NOTES[typ]} | {desc.replace('|', '/')} |" for col, (typ, desc) in cols.items()]
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    print(tables_markdown(), end="")
