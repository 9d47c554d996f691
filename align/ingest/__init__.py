"""Ingest: turn input files (txt, Markdown, HTML, HTML-in-Markdown) into clean Documents.

Every input is treated as hostile. A bad file raises `InputError(path, stage, message)` with a
message naming the problem (and the fix where there is one); the caller records it and goes on.

Stages named in failures: "discover" (missing path, unsupported type), "read" (unreadable,
empty, too big), "decode" (binary, unknown encoding, whitespace only), "parse" (no readable
text), "ingest" (duplicate of another file).

doc_id: the file stem with characters outside [word . -] replaced by "_". `assign_doc_ids`
makes ids unique across a corpus (files sharing a stem get their path relative to the nearest
common folder instead, e.g. "a_x.txt" / "b_x.txt"); `ingest_paths` does it for you.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

from align import config
from align.ingest.decode import (
    _DecodeFailure,
    _looks_binary,
    clean_raw_text,
    decode_bytes,
)
from align.ingest.discover import SUPPORTED_EXTENSIONS, discover_inputs
from align.ingest.frontmatter import (
    _Meta,
    _meta_from_front_matter,
    normalize_date,
    split_front_matter,
)
from align.ingest.html import _HtmlResult, looks_like_html, parse_html
from align.ingest.language import UNKNOWN, detect_language
from align.ingest.markdown import markdown_to_html, parse_plain_text
from align.types import Document, InputError, InputFailure, Paragraph


def doc_id_from_name(name: str) -> str:
    doc_id = re.sub(r"[^\w.-]+", "_", unicodedata.normalize("NFC", name)).strip("._")
    return doc_id[:120] or "doc"


def _has_alnum(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


# Line/paragraph separators decoded inside a paragraph are spaces (a newline inside a
# sentence breaks line-based readers of the tables).
_SEPARATORS_TO_SPACE = dict.fromkeys(map(ord, "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"), " ")


def build_document_text(paragraphs: list[tuple[str, str]]) -> tuple[str, list[Paragraph]]:
    """Join paragraphs with a blank line; each Paragraph's start/end points into the result."""
    parts: list[str] = []
    result: list[Paragraph] = []
    offset = 0
    for kind, text in paragraphs:
        # Again after parsing: entities (&#x2028; &#xFEFF; &#27;) decode to characters that
        # the raw-text cleaning never saw.
        text = unicodedata.normalize("NFC", clean_raw_text(text.translate(_SEPARATORS_TO_SPACE))).strip()
        if not _has_alnum(text):  # rules, ornaments, lone punctuation: nothing to align
            continue
        if parts:
            offset += 2
        result.append(Paragraph(para_id=len(result), kind=kind, start=offset, end=offset + len(text)))
        parts.append(text)
        offset += len(text)
    return "\n\n".join(parts), result


def ingest_bytes(data: bytes, path: Path | str, *, warnings: list[str] | None = None) -> Document:
    """A Document from raw bytes; `path` names the file (its suffix picks the format)."""
    path = Path(path)
    warnings = list(warnings or [])
    if not data:
        raise InputError(str(path), "read", "file is empty (0 bytes)")
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        raw_text, encoding, decode_warnings = decode_bytes(data)
    except _DecodeFailure as err:
        raise InputError(str(path), "decode", str(err)) from None
    warnings += decode_warnings
    if _looks_binary(raw_text):
        raise InputError(str(path), "decode",
                         f"binary file, not text (mostly control characters after decoding as {encoding})")
    text = clean_raw_text(raw_text)
    if not text.strip():
        raise InputError(str(path), "decode", "file contains only whitespace")

    front_matter, body, fm_warnings = split_front_matter(text)
    warnings += fm_warnings
    meta = _meta_from_front_matter(front_matter, warnings) if front_matter else _Meta()

    suffix = path.suffix.lower()
    html: _HtmlResult | None = None
    if suffix in (".html", ".htm"):
        fmt = "html"
        html = parse_html(body)
    elif suffix in (".md", ".markdown") or front_matter is not None:
        fmt = "markdown"
        # Markdown whose body is HTML (scraped posts) goes straight to the HTML parser.
        html = parse_html(body if looks_like_html(body) else markdown_to_html(body))
    elif looks_like_html(body):
        fmt = "html"
        html = parse_html(body)
    else:
        fmt = "txt"

    if html is not None:
        paragraphs = html.paragraphs
        meta.author = meta.author or html.author
        meta.date = meta.date or html.date
        if meta.title:
            paragraphs = [("title", meta.title), *paragraphs]
        else:
            # The first <h1> (or Markdown "# ") is the title; else the page's <title>.
            if html.first_h1 is not None:
                meta.title = paragraphs[html.first_h1][1]
                paragraphs = list(paragraphs)
                paragraphs[html.first_h1] = ("title", meta.title)
            elif html.title:
                meta.title = html.title
                paragraphs = [("title", meta.title), *paragraphs]
    else:
        paragraphs = parse_plain_text(body)
        if meta.title:
            paragraphs = [("title", meta.title), *paragraphs]

    cleaned, paras = build_document_text(paragraphs)
    if not paras:
        raise InputError(str(path), "parse",
                         "no readable text (only markup, scripts, templates or punctuation)")
    meta.title, meta.author, meta.date = (
        unicodedata.normalize("NFC", " ".join(clean_raw_text(v).split())) for v in (meta.title, meta.author, meta.date))
    body_text = " ".join(cleaned[p.start:p.end] for p in paras if p.kind != "title")
    lang = detect_language(body_text or cleaned, UNKNOWN)
    return Document(
        doc_id=doc_id_from_name(path.stem), path=str(path), format=fmt, lang=lang,
        title=meta.title, author=meta.author, date=meta.date, sha256=sha256, text=cleaned,
        paragraphs=paras, encoding=encoding, categories=meta.categories, source=meta.source,
        warnings=warnings)


def ingest_file(path: Path, *, max_bytes: int = config.MAX_INPUT_BYTES) -> Document:
    """Read and clean one file; raises InputError for a file that cannot become a Document."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError as err:
        raise InputError(str(path), "read", f"cannot read file: {err.strerror or err}") from None
    if size > max_bytes:
        raise InputError(str(path), "read",
                         f"file is {size:,} bytes, over the limit of {max_bytes:,} bytes; "
                         f"not processed (raise the limit with --max-bytes)")
    try:
        with open(path, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as err:
        raise InputError(str(path), "read", f"cannot read file: {err.strerror or err}") from None
    if len(data) > max_bytes:  # grew since stat
        raise InputError(str(path), "read",
                         f"file is over the limit of {max_bytes:,} bytes; not processed "
                         f"(raise the limit with --max-bytes)")
    try:
        return ingest_bytes(data, path)
    except InputError:
        raise
    except RecursionError:
        raise InputError(str(path), "parse", "markup nested too deeply to parse") from None
    except MemoryError:
        raise InputError(str(path), "parse", "out of memory while parsing") from None


def find_duplicate_files(docs: list[Document]) -> tuple[list[Document], list[InputFailure]]:
    """(unique documents, failures): the first file of each sha256 is kept (in the given order);
    each later one becomes InputFailure(path, "ingest", "duplicate of <first path>")."""
    first_by_hash: dict[str, Document] = {}
    kept: list[Document] = []
    failures: list[InputFailure] = []
    for doc in docs:
        first = first_by_hash.get(doc.sha256)
        if first is None:
            first_by_hash[doc.sha256] = doc
            kept.append(doc)
        else:
            failures.append(InputFailure(doc.path, "ingest", f"duplicate of {first.path}"))
    return kept, failures


def assign_doc_ids(docs: list[Document]) -> list[Document]:
    """Make doc_id unique (in place; also returned). A unique stem stays the id; files sharing
    a stem get their path relative to their nearest common folder ("a/x.txt" -> "a_x.txt");
    any remaining clash gets "-2", "-3", ... in path order. Stable for the same set of inputs."""
    by_id: dict[str, list[Document]] = {}
    for doc in docs:
        by_id.setdefault(doc.doc_id, []).append(doc)
    for group in by_id.values():
        if len(group) < 2:
            continue
        resolved = [Path(os.path.abspath(d.path)) for d in group]
        common = Path(os.path.commonpath([str(p.parent) for p in resolved]))
        for doc, full in zip(group, resolved):
            doc.doc_id = doc_id_from_name(full.relative_to(common).as_posix())
    seen: set[str] = set()
    for doc in sorted(docs, key=lambda d: d.path):
        base, n = doc.doc_id, 1
        while doc.doc_id in seen:
            n += 1
            doc.doc_id = f"{base}-{n}"
        seen.add(doc.doc_id)
    return docs


def ingest_paths(inputs: list[str | Path], *, max_bytes: int = config.MAX_INPUT_BYTES,
                 exclude: list[str | os.PathLike] = ()) -> tuple[list[Document], list[InputFailure]]:
    """discover -> ingest each file -> drop duplicate files -> unique doc ids.

    Every discovered file ends in exactly one of the two lists; folders in `exclude` (the
    run's output folder) are not searched."""
    paths, failures = discover_inputs(inputs, exclude=exclude)
    docs: list[Document] = []
    for path in paths:
        try:
            docs.append(ingest_file(path, max_bytes=max_bytes))
        except InputError as err:
            failures.append(err.failure)
    docs, duplicates = find_duplicate_files(docs)
    failures += duplicates
    return assign_doc_ids(docs), failures
