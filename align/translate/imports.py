"""Imported translations (--translations): CSV/TSV with source,target[,lang] or TMX 1.4.

Matched after Unicode NFKC and whitespace collapsing (SPEC).
"""

from __future__ import annotations

import csv
import io
import unicodedata
import xml.parsers.expat
from dataclasses import dataclass, field
from pathlib import Path

from align import config


class TranslationImportError(ValueError):
    """A --translations file that cannot be read; names the file and line."""

    def __init__(self, path: Path | str, line: int | None, message: str):
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {message}")
        self.path, self.line = str(path), line


def normalize_for_match(text: str) -> str:
    """NFKC + whitespace collapsed: the SPEC's matching rule for imported translations."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _lang_code(tag: str) -> str:
    return tag.strip().replace("_", "-").split("-")[0].lower()


@dataclass
class ImportedTranslations:
    """(lang or "", normalized source) -> (target, "import:FILE"). First file/row wins."""

    entries: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)

    def add(self, lang: str, source: str, target: str, label: str) -> None:
        self.entries.setdefault((lang, normalize_for_match(source)), (target, label))

    def lookup(self, text: str, lang: str) -> tuple[str, str] | None:
        key = normalize_for_match(text)
        return self.entries.get((lang, key)) or self.entries.get(("", key))

    def __len__(self) -> int:
        return len(self.entries)


def _read_text(path: Path) -> str:
    try:
        return path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise TranslationImportError(path, None, f"cannot read ({exc.strerror or exc})") from exc
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise TranslationImportError(path, line, "not UTF-8 text") from exc


# Cells our own CSV tables prefix with "'" (spreadsheet formula injection, output/schema.py);
# the prefix is undone on reading so `sentences.csv` round-trips as a translations file.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def _csv_cell(value: str) -> str:
    return value[1:] if value.startswith("'") and value[1:].startswith(_FORMULA_TRIGGERS) else value


def _load_table(path: Path, imported: ImportedTranslations) -> None:
    text = _read_text(path)
    label = f"import:{path.name}"
    first = text.split("\n", 1)[0]
    delimiter = "\t" if path.suffix.lower() in (".tsv", ".tab") or ("\t" in first and "," not in first) else ","
    # newline="": only CSV's own line ends split records (splitlines() also splits at U+2028,
    # U+0085 or \x1c inside a quoted cell).
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise TranslationImportError(path, 1, "empty file (expected a header: source,target[,lang])")
        cols = [h.strip().lower() for h in header]
        # The project's own sentences.csv (text, text_en, lang) is a translations file too;
        # its untranslated rows (empty text_en) are skipped.
        sentences_table = ("source" not in cols or "target" not in cols) and "text" in cols and "text_en" in cols
        if sentences_table:
            i_src, i_tgt = cols.index("text"), cols.index("text_en")
        elif "source" not in cols or "target" not in cols:
            raise TranslationImportError(path, 1, f"header must name columns source and target, got {header!r}")
        else:
            i_src, i_tgt = cols.index("source"), cols.index("target")
        i_lang = cols.index("lang") if "lang" in cols else None
        for row in reader:
            line = reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if len(row) != len(cols):
                raise TranslationImportError(path, line, f"expected {len(cols)} fields, got {len(row)}")
            row = [_csv_cell(c) for c in row]
            source, target = row[i_src], row[i_tgt]
            if sentences_table and (not source.strip() or not target.strip()):
                continue
            if not source.strip() or not target.strip():
                raise TranslationImportError(path, line, "empty source or target")
            lang = _lang_code(row[i_lang]) if i_lang is not None and row[i_lang].strip() else ""
            imported.add(lang, source, target, label)
    except csv.Error as exc:
        raise TranslationImportError(path, reader.line_num, f"malformed CSV ({exc})") from exc


# TMX inline elements whose content is native markup, not text
_TMX_CODE_ELEMENTS = {"bpt", "ept", "ph", "it", "ut"}


def _load_tmx(path: Path, imported: ImportedTranslations) -> None:
    data = path.read_bytes()
    label = f"import:{path.name}"
    parser = xml.parsers.expat.ParserCreate()
    state = {"header_src": "", "tu_src": "", "tuv_lang": "", "tuvs": [], "seg": None, "skip": 0, "in_tmx": False}

    def forbid_entities(*_args):
        # Entity declarations enable "billion laughs" and external-entity tricks: refuse them.
        raise TranslationImportError(path, parser.CurrentLineNumber, "entity declarations are not allowed in TMX")

    def start(name, attrs):
        if name == "tmx":
            state["in_tmx"] = True
        elif name == "header":
            state["header_src"] = attrs.get("srclang", "")
        elif name == "tu":
            state["tu_src"] = attrs.get("srclang", "")
            state["tuvs"] = []
        elif name == "tuv":
            state["tuv_lang"] = attrs.get("xml:lang") or attrs.get("lang") or ""
            state["tuv_line"] = parser.CurrentLineNumber
        elif name == "seg":
            state["seg"] = []
        elif state["seg"] is not None and name in _TMX_CODE_ELEMENTS:
            state["skip"] += 1

    def end(name):
        if name == "seg":
            state["tuvs"].append((state["tuv_lang"], "".join(state["seg"]), state.get("tuv_line")))
            state["seg"] = None
        elif state["seg"] is not None and name in _TMX_CODE_ELEMENTS:
            state["skip"] -= 1
        elif name == "tu":
            tuvs = state["tuvs"]
            for lang, _seg, line in tuvs:
                if not lang:
                    raise TranslationImportError(path, line, "<tuv> without xml:lang")
            english = [seg for lang, seg, _ in tuvs if _lang_code(lang) == config.TARGET_LANG and seg.strip()]
            if not english:
                return
            src = state["tu_src"] or state["header_src"]
            for lang, seg, _ in tuvs:
                code = _lang_code(lang)
                if code == config.TARGET_LANG or not seg.strip():
                    continue
                if src and src != "*all*" and _lang_code(src) != code:
                    continue
                imported.add(code, seg, english[0], label)

    def chars(text):
        if state["seg"] is not None and not state["skip"]:
            state["seg"].append(text)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.EntityDeclHandler = forbid_entities
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    try:
        parser.Parse(data, True)
    except xml.parsers.expat.ExpatError as exc:
        raise TranslationImportError(path, exc.lineno, f"malformed TMX ({xml.parsers.expat.errors.messages[exc.code]})") from exc
    if not state["in_tmx"]:
        raise TranslationImportError(path, 1, "not a TMX file (no <tmx> root)")


def load_imported_translations(files: list[Path]) -> ImportedTranslations:
    """Read --translations files (CSV/TSV with header source,target[,lang], or TMX 1.4)."""
    imported = ImportedTranslations()
    for f in files:
        path = Path(f)
        if not path.is_file():
            raise TranslationImportError(path, None, "no such file")
        head = path.read_bytes()[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
        if path.suffix.lower() == ".tmx" or head.startswith(b"<?xml") or head.startswith(b"<tmx"):
            _load_tmx(path, imported)
        else:
            _load_table(path, imported)
        imported.files.append(str(path))
    return imported
