"""Plain values passed between pipeline stages.

Data flows one way: ingest -> segment -> translate -> embed -> match -> tables/report.
Every stage takes and returns these dataclasses (or pandas DataFrames built from them);
no stage imports a later one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Paragraph / sentence kinds, as in the `sentences.kind` column of the spec.
KINDS = ("title", "heading", "body", "caption")
# Document formats, as in `documents.format`.
FORMATS = ("txt", "markdown", "html")


@dataclass
class Paragraph:
    """One block of a document's cleaned text: cleaned[start:end] is its text."""

    para_id: int
    kind: str  # one of KINDS
    start: int
    end: int


@dataclass
class Document:
    """An ingested article: metadata plus its cleaned text, split into paragraphs.

    `text` is the cleaned text every offset refers to: paragraphs joined by a blank line
    ("\\n\\n"), NFC-normalised, with no markup left.
    """

    doc_id: str
    path: str
    format: str  # one of FORMATS
    lang: str  # ISO 639-1, or "unknown"
    title: str
    author: str
    date: str  # ISO 8601 or ""
    sha256: str  # of the raw file bytes
    text: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    encoding: str = ""  # detected encoding of the raw file
    categories: list[str] = field(default_factory=list)
    source: str = ""  # front-matter `source`, if any
    warnings: list[str] = field(default_factory=list)  # non-fatal problems (e.g. broken YAML)

    @property
    def n_paragraphs(self) -> int:
        return len(self.paragraphs)


@dataclass
class Sentence:
    """One sentence of a document. cleaned_text[start:end] == text."""

    doc_id: str
    sent_id: int  # 0-based, document order
    para_id: int
    kind: str  # one of KINDS
    text: str  # original language
    start: int
    end: int
    lang: str  # ISO 639-1 or "unknown"
    duplicate_of: int | None = None  # sent_id of an identical earlier sentence in the doc
    text_en: str = ""
    translation_source: str = ""  # "identity", "import:FILE", "cache:...", "argos:translate-de_en-1.0"


@dataclass
class InputFailure:
    """One input (or one stage for one input) that failed: a row of the `errors` table."""

    path: str
    stage: str  # discover, read, decode, parse, segment, translate, ...
    error: str  # human message naming the problem and, where possible, the fix


class InputError(Exception):
    """Raised by a stage for one bad input; the pipeline records it and goes on."""

    def __init__(self, path: str, stage: str, message: str):
        super().__init__(f"{path}: {message}")
        self.failure = InputFailure(path=str(path), stage=stage, error=message)
