"""Exports for other tools: alignments.tmx (TMX 1.4), alignments.jsonl, alignments.xlsx and summary.md.

All are built from the output tables (see SPEC.md) and written atomically.  The TMX holds the
accepted pairs (a translation memory); the JSONL and the workbook hold every stored pair with
its `accepted` flag.
"""

from __future__ import annotations

import io
import json
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from align.fsutil import atomic_write_bytes, atomic_write_text
from align.output import schema
from align.output.schema import Tables
from align.output.summary import RunSummary, accepted_alignments, build_summary_md

# Characters XML 1.0 cannot carry at all (C0 controls other than tab/CR/LF, lone surrogates,
# U+FFFE/U+FFFF). Hostile input may contain them; they are dropped from the TMX only.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

TMX_PROPS = ("pair_id", "src_doc", "tgt_doc", "src_sent_ids", "tgt_sent_ids", "score", "cosine", "margin",
             "mutual", "conflict")


def _xml_text(value: Any) -> str:
    return _XML_INVALID.sub("", "" if value is None else str(value))


def _prop_value(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(round(value, 6))
    return _xml_text(value)


def _lang(doc_langs: dict[str, str], doc_id: str) -> str:
    # TMX requires a language on every <tuv>; "und" (undetermined, BCP 47) when ingest found none
    return doc_langs.get(doc_id) or "und"


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("align")
    except Exception:  # not installed (running from a checkout)
        return "0.1.0"


def build_tmx(tables: Tables, version: str | None = None) -> bytes:
    """TMX 1.4 document: one <tu> per alignment with both original-language sides."""
    doc_langs = dict(zip(tables.documents["doc_id"], tables.documents["lang"]))
    src_langs = {_lang(doc_langs, d) for d in accepted_alignments(tables).get("src_doc", [])}
    root = ET.Element("tmx", version="1.4")
    ET.SubElement(root, "header", {
        "creationtool": "align", "creationtoolversion": version or _version(), "datatype": "plaintext",
        "segtype": "sentence", "adminlang": "en", "o-tmf": "align",
        # one source language when all pairs share it, else the TMX wildcard
        "srclang": src_langs.pop() if len(src_langs) == 1 else "*all*",
    })
    body = ET.SubElement(root, "body")
    for row in accepted_alignments(tables).to_dict("records"):
        src_lang, tgt_lang = _lang(doc_langs, row["src_doc"]), _lang(doc_langs, row["tgt_doc"])
        tu = ET.SubElement(body, "tu", tuid=_xml_text(row["pair_id"]), srclang=src_lang)
        for name in TMX_PROPS:  # TMX order: <prop> elements come before the <tuv>s
            prop = ET.SubElement(tu, "prop", type=f"x-{name}")
            prop.text = _prop_value(row[name])
        for lang, text in ((src_lang, row["src_text"]), (tgt_lang, row["tgt_text"])):
            tuv = ET.SubElement(tu, "tuv", {"{http://www.w3.org/XML/1998/namespace}lang": lang})
            ET.SubElement(tuv, "seg").text = _xml_text(text)
    ET.indent(root, space=" ")
    body_xml = ET.tostring(root, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE tmx SYSTEM "tmx14.dtd">\n'
            + body_xml + "\n").encode("utf-8")


def _json_value(value: Any) -> Any:
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_json_value(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    return value


def build_jsonl(tables: Tables) -> str:
    doc_langs = dict(zip(tables.documents["doc_id"], tables.documents["lang"]))
    lines = []
    for row in tables.alignments.to_dict("records"):
        obj = {k: _json_value(v) for k, v in row.items()}
        obj["src_lang"] = obj.get("src_lang") or doc_langs.get(row["src_doc"], "")
        obj["tgt_lang"] = obj.get("tgt_lang") or doc_langs.get(row["tgt_doc"], "")
        lines.append(json.dumps(obj, ensure_ascii=False, allow_nan=False))
    return "".join(line + "\n" for line in lines)



XLSX_SHEETS = ("documents", "sentences", "alignments", "claims", "stories", "errors")
XLSX_MAX_CELL = 32767  # Excel's limit on the characters of one cell


def _xlsx_value(value: Any, typ: str) -> Any:
    if typ == "int_list":
        return ";".join(str(int(v)) for v in value)
    if value is None or value is pd.NA:
        return None
    if typ in ("str", "text", "date"):
        from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

        text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
        return text[:XLSX_MAX_CELL] if text else None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    return value


def build_xlsx(tables: Tables) -> bytes:
    """A workbook with one sheet per table (contract columns, header row frozen and filterable).

    Text stays text: a cell such as `=1+1` is a string, never a formula; Chinese is intact
    (xlsx is Unicode throughout); missing values are empty cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    for name in XLSX_SHEETS:
        frame = getattr(tables, name)
        if frame is None:
            continue
        frame = schema.normalise(frame, name)
        types = {col: typ for col, (typ, _) in schema.SCHEMAS[name].items()}
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        cols = list(frame.columns)
        for i, col in enumerate(cols, start=1):
            width = 60 if types[col] in ("str", "text") and col.endswith(("text", "_en", "title", "error", "path")) else 14
            ws.column_dimensions[get_column_letter(i)].width = width
        if cols:
            ws.auto_filter.ref = f"A1:{get_column_letter(len(cols))}{max(1, len(frame) + 1)}"
        header = []
        for col in cols:
            cell = WriteOnlyCell(ws, value=col)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for values in frame.itertuples(index=False, name=None):
            row = []
            for col, value in zip(cols, values):
                v = _xlsx_value(value, types[col])
                cell = WriteOnlyCell(ws, value=v)
                if isinstance(v, str):
                    cell.data_type = "s"  # never a formula, whatever the text starts with
                row.append(cell)
            ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_exports(out_dir: str | Path, tables: Tables, summary: RunSummary | None = None) -> list[Path]:
    """Write OUT/alignments.tmx, .jsonl, .xlsx and OUT/summary.md; return their paths."""
    out_dir = Path(out_dir)
    tmx, jsonl, md = out_dir / "alignments.tmx", out_dir / "alignments.jsonl", out_dir / "summary.md"
    xlsx = out_dir / "alignments.xlsx"
    atomic_write_bytes(tmx, build_tmx(tables))
    atomic_write_text(jsonl, build_jsonl(tables))
    atomic_write_bytes(xlsx, build_xlsx(tables))
    atomic_write_text(md, build_summary_md(tables, summary))
    return [tmx, jsonl, xlsx, md]
