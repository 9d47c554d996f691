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

import datetime as _dt
import email.utils
import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from align.language import UNKNOWN, detect_language
from align.types import Document, InputError, InputFailure, Paragraph

SUPPORTED_EXTENSIONS = (".txt", ".md", ".markdown", ".html", ".htm")
# Generous: a long news article is ~100 KB; anything near this limit is almost surely not one.
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
# A caption is a short line; longer text after an image is ordinary body text.
MAX_CAPTION_CHARS = 200
# A paragraph entirely in bold up to this length, without closing punctuation, is a heading.
MAX_BOLD_HEADING_CHARS = 80
# Front matter larger than this is not metadata (and YAML is slow on adversarial input).
MAX_FRONT_MATTER_CHARS = 64 * 1024

_SENTENCE_END = tuple("。．.!?！？；;…")
_TRAILING_CLOSERS = "\"'”’“‘」』）)》»«› "

# --------------------------------------------------------------------------------------------
# Discovery


def discover_inputs(inputs: list[str | Path]) -> tuple[list[Path], list[InputFailure]]:
    """Files to ingest from files and folders (recursive), sorted, without duplicates.

    Folders contribute files with a supported extension (case-insensitive); hidden files and
    folders (name starting with ".") inside them are skipped. A path named explicitly must exist
    and have a supported extension, otherwise it becomes an InputFailure (stage "discover").
    """
    found: dict[str, Path] = {}
    failures: list[InputFailure] = []

    def add(path: Path) -> None:
        try:
            key = str(path.resolve())
        except (OSError, RuntimeError):
            key = str(path.absolute())
        found.setdefault(key, path)

    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            def on_error(err: OSError) -> None:
                failures.append(InputFailure(str(err.filename or path), "discover",
                                             f"cannot read folder: {err.strerror or err}"))

            for root, dirs, files in os.walk(path, onerror=on_error):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in files:
                    if name.startswith("."):
                        continue
                    child = Path(root) / name
                    if child.suffix.lower() in SUPPORTED_EXTENSIONS and child.is_file():
                        add(child)
        elif path.is_file():
            if path.suffix.lower() in SUPPORTED_EXTENSIONS:
                add(path)
            else:
                failures.append(InputFailure(
                    str(path), "discover",
                    f"unsupported file type {path.suffix or '(no extension)'!r}; "
                    f"supported: {' '.join(SUPPORTED_EXTENSIONS)}"))
        elif path.exists():
            failures.append(InputFailure(str(path), "discover", "not a regular file or folder"))
        else:
            failures.append(InputFailure(str(path), "discover", "no such file or folder"))
    paths = sorted(found.values(), key=lambda p: p.as_posix())
    return paths, failures


# --------------------------------------------------------------------------------------------
# Decoding

# Signatures of common binary formats, to name them in the error message.
_MAGIC = (
    (b"\x89PNG", "PNG image"), (b"\xff\xd8\xff", "JPEG image"), (b"GIF8", "GIF image"),
    (b"%PDF", "PDF document"), (b"PK\x03\x04", "ZIP archive (or docx/xlsx/epub)"),
    (b"\x1f\x8b", "gzip archive"), (b"BZh", "bzip2 archive"), (b"7z\xbc\xaf", "7-Zip archive"),
    (b"\xfd7zXZ", "xz archive"), (b"\x7fELF", "ELF executable"), (b"RIFF", "RIFF media file"),
    (b"OggS", "Ogg media file"), (b"ID3", "MP3 audio"), (b"SQLite format 3\x00", "SQLite database"),
    (b"\xd0\xcf\x11\xe0", "MS Office document"), (b"wOFF", "web font"),
)
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"),
)
# charset-normalizer names -> the superset codec we decode with (same text, fewer failures).
_SUPERSET = {
    "gb2312": "gb18030", "gbk": "gb18030", "big5": "big5hkscs", "cp950": "big5hkscs",
    "latin_1": "cp1252", "iso8859_1": "cp1252", "ascii": "utf-8",
}


_CONTROL_BYTES = bytes([*range(0, 9), *range(14, 32)])
_ENCODED_SURROGATE = re.compile(rb"\xed[\xa0-\xbf][\x80-\xbf]")


class _DecodeFailure(Exception):
    pass


def _utf16_without_bom(data: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' when NUL bytes sit only on odd/even positions (ASCII-range text)."""
    half = len(data) // 2
    if half < 2:
        return None
    zeros_even = data[0::2].count(0)
    zeros_odd = data[1::2].count(0)
    if zeros_odd >= 0.2 * half and zeros_even <= 0.01 * half:
        return "utf-16-le"
    if zeros_even >= 0.2 * half and zeros_odd <= 0.01 * half:
        return "utf-16-be"
    return None


def _text_like_ratio(text: str) -> float:
    """Share of characters that occur in real text (letters, digits, punctuation, spaces)."""
    if not text:
        return 0.0
    good = sum(1 for ch in text
               if ch in "\t\n\r" or unicodedata.category(ch)[0] in "LNPZS"
               and unicodedata.category(ch) not in ("Zl", "Zp"))
    return good / len(text)


def _utf16_by_content(data: bytes) -> str | None:
    """UTF-16 without BOM and without the ASCII NUL pattern (e.g. all-CJK text): the byte
    order whose strict decoding reads as text."""
    if len(data) % 2:
        return None
    best, best_ratio = None, 0.0
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        ratio = _text_like_ratio(text[:20000])
        if ratio > best_ratio:
            best, best_ratio = encoding, ratio
    return best if best_ratio >= 0.98 else None


_CP1252_PUNCT = set("„“”‘’‚–—…«»‹›€§°·´¨¸×÷£¥©®±²³¹ºª¿¡\xa0")


def _plausible_cp1252(data: bytes) -> bool:
    """Reads as Western European text in cp1252: non-ASCII characters are letters or common
    typography and come alone or in pairs inside words (legacy CJK/Cyrillic bytes decoded as
    cp1252 give long runs of accented letters and symbols)."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    run = longest = n_odd = 0
    for ch in text:
        if ord(ch) < 0x80:
            run = 0
            continue
        run += 1
        longest = max(longest, run)
        if not (ch.isalpha() or ch in _CP1252_PUNCT):
            n_odd += 1
    return longest <= 3 and n_odd == 0


def _decode_with(data: bytes, encoding: str, warnings: list[str]) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        text = data.decode(encoding, errors="replace")
        warnings.append(f"{text.count(chr(0xFFFD))} undecodable byte sequence(s) in {encoding} "
                        f"replaced with U+FFFD")
        return text


def _same_as_cp1252(data: bytes, text: str) -> bool:
    try:
        return data.decode("cp1252") == text
    except UnicodeDecodeError:
        return False


def decode_bytes(data: bytes) -> tuple[str, str, list[str]]:
    """(text, encoding, warnings) for raw file bytes; raises _DecodeFailure when not text.

    Order: BOM; binary signatures; BOM-less UTF-16 (NUL pattern, or a strict decode that reads
    as text); binary by control bytes / NULs (one stray NUL per 200 bytes is dropped with a
    warning); strict UTF-8; UTF-8 with encoded surrogates or a few corrupt bytes (replaced, with
    a warning); cp1252 when it reads as Western text; then charset-normalizer (GB18030/GBK,
    Big5, ...). The fixed checks come first because detection is unreliable on short texts.
    """
    warnings: list[str] = []
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return _decode_with(data[len(bom):], encoding.replace("-sig", ""), warnings), encoding, warnings
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise _DecodeFailure(f"binary file ({what}), not text")
    utf16 = _utf16_without_bom(data) or (_utf16_by_content(data) if b"\x00" in data else None)
    if utf16:
        text = _decode_with(data, utf16, warnings)
        return text, utf16, warnings
    sample = data[:20000]
    n_control = sum(sample.count(b) for b in _CONTROL_BYTES)
    if n_control > max(8, len(sample) // 20):
        raise _DecodeFailure(f"binary file ({100 * n_control // len(sample)}% control bytes), not text")
    n_nul = data.count(0)
    if n_nul:
        if n_nul > max(1, len(data) // 200):
            raise _DecodeFailure(f"binary file ({n_nul} NUL bytes), not text")
        # A stray NUL or two in otherwise normal text (scraper debris): drop them.
        data = data.replace(b"\x00", b"")
        warnings.append(f"{n_nul} NUL byte(s) removed")
    try:
        return data.decode("utf-8"), "utf-8", warnings
    except UnicodeDecodeError:
        pass
    # UTF-8 text with encoded surrogates (CESU-8 / broken UTF-16 conversions).
    surrogates = _ENCODED_SURROGATE.findall(data)
    if surrogates:
        try:
            text = _ENCODED_SURROGATE.sub("\ufffd".encode(), data).decode("utf-8")
        except UnicodeDecodeError:
            pass
        else:
            warnings.append(f"{len(surrogates)} encoded surrogate(s) (invalid in UTF-8) "
                            f"replaced with U+FFFD")
            return text, "utf-8", warnings
    lenient = data.decode("utf-8", errors="replace")
    n_bad = lenient.count("\ufffd")
    n_good = sum(1 for ch in lenient if ord(ch) > 0x7F) - n_bad
    # Real UTF-8 with a few corrupt bytes: decode it as UTF-8 rather than guess a legacy codec.
    if n_good >= 20 * n_bad:
        warnings.append(f"{n_bad} invalid UTF-8 byte sequence(s) replaced with U+FFFD")
        return lenient, "utf-8", warnings
    # Western text: charset-normalizer guesses mac_roman/cp1250/big5 for short cp1252 input.
    if _plausible_cp1252(data):
        return data.decode("cp1252"), "cp1252", warnings
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or not best.encoding:
        raise _DecodeFailure("cannot detect the text encoding (binary data, or not UTF-8/UTF-16/"
                             "GB18030/Big5/cp1252 text)")
    encoding = _SUPERSET.get(best.encoding, best.encoding)
    if encoding != "cp1252" and _same_as_cp1252(data, str(best)):
        encoding = "cp1252"  # same text either way: name the usual Western codec
    try:
        text = data.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        encoding = best.encoding
        text = str(best)
    return text, encoding, warnings


# Control characters other than tab/newline, lone surrogates, BOMs and non-characters.
_JUNK = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufeff\ufffe\uffff]")
_NEWLINES = re.compile(r"\r\n?|[\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")


def clean_raw_text(text: str) -> str:
    """Unify line endings to \\n and drop control characters and lone surrogates."""
    text = _NEWLINES.sub("\n", text)
    return _JUNK.sub("", text)


def _looks_binary(text: str) -> bool:
    if not text:
        return False
    sample = text[:20000]
    bad = sum(1 for ch in sample
              if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\x0c"))
    return bad > max(8, 0.05 * len(sample))


# --------------------------------------------------------------------------------------------
# Front matter and dates

_FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*$\n?", re.S | re.M)
_FRONT_MATTER_OPEN = re.compile(r"\A\s*---[ \t]*\n")


@dataclass
class _Meta:
    title: str = ""
    author: str = ""
    date: str = ""
    categories: list[str] = field(default_factory=list)
    source: str = ""


def _scalar(value) -> str:
    if isinstance(value, (str, int, float, _dt.date)) and not isinstance(value, bool):
        return unicodedata.normalize("NFC", " ".join(str(value).split()))
    return ""


def normalize_date(value) -> str:
    """ISO 8601 for a front-matter/HTML date (RFC 2822, ISO, common numeric forms), else ""."""
    if isinstance(value, _dt.datetime):
        return value.isoformat()
    if isinstance(value, _dt.date):
        return value.isoformat()
    if not isinstance(value, str):
        return ""
    value = value.strip()
    if not value or len(value) > 100:
        return ""
    try:
        parsed = email.utils.parsedate_to_datetime(value)
        if parsed is not None:
            return parsed.isoformat()
    except (TypeError, ValueError, IndexError, OverflowError):
        pass
    iso = value[:-1] + "+00:00" if value.endswith(("Z", "z")) else value
    try:
        return _dt.datetime.fromisoformat(iso).isoformat()
    except ValueError:
        pass
    for fmt, is_date in (("%Y-%m-%d", True), ("%Y/%m/%d", True), ("%d.%m.%Y", True),
                         ("%Y年%m月%d日", True), ("%Y/%m/%d %H:%M", False),
                         ("%Y-%m-%d %H:%M", False), ("%d.%m.%Y %H:%M", False),
                         ("%B %d, %Y", True), ("%d %B %Y", True)):
        try:
            parsed = _dt.datetime.strptime(value, fmt)
        except ValueError:
            continue
        return parsed.date().isoformat() if is_date else parsed.isoformat()
    return ""


def split_front_matter(text: str) -> tuple[dict | None, str, list[str]]:
    """(front matter mapping or None, body, warnings). Broken front matter stays in the body."""
    if not _FRONT_MATTER_OPEN.match(text):
        return None, text, []
    match = _FRONT_MATTER.match(text)
    if match is None:
        return None, text, ["front matter opened with '---' but never closed; treated as text"]
    block = match.group(1)
    if len(block) > MAX_FRONT_MATTER_CHARS:
        return None, text, [f"front matter over {MAX_FRONT_MATTER_CHARS} characters; treated as text"]
    import yaml

    try:
        data = yaml.safe_load(block)
    except Exception as err:  # YAMLError, RecursionError on absurd nesting, ...
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return None, text, [f"broken YAML front matter ({first_line}); treated as text"]
    if data is None:
        return {}, text[match.end():], []
    if not isinstance(data, dict):
        return None, text, ["front matter is not a YAML mapping; treated as text"]
    return data, text[match.end():], []


def _meta_from_front_matter(data: dict, warnings: list[str]) -> _Meta:
    meta = _Meta()
    meta.title = _scalar(data.get("title"))
    author = data.get("author") or data.get("authors")
    if isinstance(author, list):
        meta.author = ", ".join(a for a in (_scalar(x) for x in author[:50]) if a)
    else:
        meta.author = _scalar(author)
    raw_date = data.get("date")
    if raw_date is not None:
        meta.date = normalize_date(raw_date)
        if not meta.date:
            warnings.append(f"could not parse front-matter date {_scalar(raw_date)[:60]!r}")
    categories = data.get("categories", data.get("tags"))
    if isinstance(categories, list):
        meta.categories = [c for c in (_scalar(x) for x in categories[:200]) if c]
    elif _scalar(categories):
        meta.categories = [_scalar(categories)]
    meta.source = _scalar(data.get("source"))
    return meta


# --------------------------------------------------------------------------------------------
# HTML

_SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "nav", "aside", "footer", "form", "button",
    "select", "option", "textarea", "iframe", "svg", "math", "canvas", "object", "embed",
    "audio", "video", "map", "dialog", "head", "title",
})
_SKIP_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search", "menu"})
_BLOCK_TAGS = frozenset({
    "address", "article", "blockquote", "body", "caption", "center", "dd", "details", "div",
    "dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6",
    "header", "hgroup", "hr", "html", "li", "main", "ol", "p", "pre", "section", "summary",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "br",
})
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BOLD_TAGS = frozenset({"b", "strong"})
_CAPTION_CLASS = re.compile(r"caption|credit|img[-_]?desc|pic[-_]?desc|image[-_]?desc", re.I)
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_HTML_START = re.compile(
    r"\A\s*(?:<!doctype\s+html|<!--|<(?:html|head|body|div|p|span|article|section|main|header|"
    r"h[1-6]|table|ul|ol|br|img|strong|b|i|em|a|figure|blockquote|meta|title|center|font)\b)",
    re.I)


@dataclass
class _HtmlResult:
    paragraphs: list[tuple[str, str]]  # (kind, text)
    first_h1: int | None = None  # index in paragraphs of the first <h1>
    title: str = ""  # <title> / og:title
    author: str = ""
    date: str = ""


class _HtmlWalker:
    """Collects paragraphs from a bs4 tree without recursion (pages nest thousands deep)."""

    def __init__(self) -> None:
        self.paragraphs: list[tuple[str, str]] = []
        self.pieces: list[tuple[str, bool]] = []  # (text, in bold)
        self.buffer_caption = False  # current buffer started right after an image
        self.caption_pending = False  # an image was just seen; next loose text is its caption
        self.bold_depth = 0
        self.context: list[str] = ["body"]  # kind of the enclosing block ("h1" for <h1>)
        self.has_text = False  # the buffer holds more than whitespace
        self.first_h1: int | None = None  # index of the first <h1> paragraph

    def flush(self) -> bool:
        """Close the current paragraph; True when it produced one."""
        emitted = False
        if self.has_text:
            text = _HTML_SPACE.sub(" ", "".join(t for t, _ in self.pieces)).strip()
            kind = self.context[-1]
            if kind == "h1":
                kind = "heading"
                if self.first_h1 is None:
                    self.first_h1 = len(self.paragraphs)
            elif kind == "body":
                if self.buffer_caption and len(text) <= MAX_CAPTION_CHARS:
                    kind = "caption"
                elif self._all_bold() and len(text) <= MAX_BOLD_HEADING_CHARS \
                        and not text.rstrip(_TRAILING_CLOSERS).endswith(_SENTENCE_END):
                    kind = "heading"  # a short standalone bold line: a (sub)heading
            self.paragraphs.append((kind, text))
            emitted = True
        self.pieces = []
        self.has_text = False
        self.buffer_caption = False
        self.caption_pending = False
        return emitted

    def _all_bold(self) -> bool:
        return all(bold or not text.strip() for text, bold in self.pieces)

    def add_text(self, text: str) -> None:
        if not self.has_text and text.strip():
            self.has_text = True
            self.buffer_caption = self.caption_pending
        self.pieces.append((text, self.bold_depth > 0))

    def walk(self, root) -> None:
        from bs4 import NavigableString, Tag

        # Stack of (node, leaving): leaving=True marks the end tag of an element.
        stack: list[tuple[object, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            if leaving:
                self._leave(node)
                continue
            if isinstance(node, NavigableString):
                if type(node) is NavigableString:  # not a Comment, CData, Doctype, ...
                    self.add_text(str(node))
                continue
            if not isinstance(node, Tag):
                continue
            name = (node.name or "").lower()
            if self._skipped(node, name):
                continue
            if name == "img":
                self.caption_pending = True
                continue
            if name in _BLOCK_TAGS:
                self.flush()
                self.caption_pending = False  # text in its own block is not a loose caption
                if name == "h1":
                    self.context.append("h1")
                elif name in _HEADING_TAGS:
                    self.context.append("heading")
                elif name == "figcaption" or _CAPTION_CLASS.search(self._class_id(node)):
                    self.context.append("caption")
                else:
                    self.context.append(self.context[-1])
            if name in _BOLD_TAGS:
                self.bold_depth += 1
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node.contents))

    def _leave(self, node) -> None:
        name = (node.name or "").lower()
        if name in _BOLD_TAGS:
            self.bold_depth -= 1
        if name in _BLOCK_TAGS:
            saw_image = self.caption_pending
            emitted = self.flush()
            self.context.pop()
            # An image box just closed: loose text right after it is the image's caption.
            self.caption_pending = saw_image and not emitted

    @staticmethod
    def _class_id(node) -> str:
        classes = node.get("class") or []
        if isinstance(classes, str):
            classes = [classes]
        return " ".join([*classes, str(node.get("id") or "")])

    @staticmethod
    def _skipped(node, name: str) -> bool:
        if name in _SKIP_TAGS:
            return True
        attrs = node.attrs or {}
        if "hidden" in attrs or str(attrs.get("aria-hidden", "")).lower() == "true":
            return True
        if str(attrs.get("role", "")).lower() in _SKIP_ROLES:
            return True
        style = str(attrs.get("style", "")).replace(" ", "").lower()
        return "display:none" in style or "visibility:hidden" in style


def parse_html(markup: str) -> _HtmlResult:
    """Paragraphs (kind, text) of an HTML document or fragment, plus <head> metadata."""
    import warnings

    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

    with warnings.catch_warnings():
        # Short fragments ("a.html") and XHTML pages are fine to parse as HTML: no noise.
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        soup = BeautifulSoup(markup, "html.parser")
    result = _HtmlResult(paragraphs=[])
    head_title = soup.find("title")
    if head_title is not None:
        result.title = " ".join(head_title.get_text(" ").split())
    for meta in soup.find_all("meta"):
        key = str(meta.get("property") or meta.get("name") or "").lower()
        content = " ".join(str(meta.get("content") or "").split())
        if not content:
            continue
        if key in ("og:title", "twitter:title") and not result.title:
            result.title = content
        elif key in ("author", "article:author") and not result.author:
            result.author = content
        elif key in ("article:published_time", "date", "pubdate", "dc.date") and not result.date:
            result.date = normalize_date(content)
    if not result.date:
        time_tag = soup.find("time", attrs={"datetime": True})
        if time_tag is not None:
            result.date = normalize_date(str(time_tag.get("datetime")))
    walker = _HtmlWalker()
    walker.walk(soup)
    walker.flush()
    result.paragraphs = walker.paragraphs
    result.first_h1 = walker.first_h1
    return result


def looks_like_html(text: str) -> bool:
    return bool(_HTML_START.match(text))


# --------------------------------------------------------------------------------------------
# Markdown and plain text


# Leading container markers (> - * + 1.) beyond this many per line are dropped before parsing:
# markdown-it silently discards content nested deeper than its maxNesting.
MAX_MARKDOWN_NESTING = 8
_DEEP_MARKDOWN_PREFIX = re.compile(
    r"^((?:[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t])){%d})(?:[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t]))+"
    % MAX_MARKDOWN_NESTING, re.M)


def markdown_to_html(text: str) -> str:
    from markdown_it import MarkdownIt

    text = _DEEP_MARKDOWN_PREFIX.sub(r"\1", text)
    return MarkdownIt("commonmark", {"html": True}).enable("table").render(text)


_CJK_CHAR = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def _join_lines(lines: list[str]) -> str:
    """Join hard-wrapped lines: no space between two CJK characters, one space otherwise."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and not (_CJK_CHAR.match(out[-1]) and _CJK_CHAR.match(line[0])):
            out += " "
        out += line
    return out


def parse_plain_text(text: str) -> list[tuple[str, str]]:
    """Paragraphs of plain text: blank-line separated blocks when there are blank lines (lines
    inside a block are hard wraps and get joined), otherwise one paragraph per line."""
    lines = text.split("\n")
    if any(not line.strip() for line in lines[1:-1]) and sum(1 for ln in lines if ln.strip()) > 1:
        blocks = re.split(r"\n[ \t\u3000\xa0]*\n", text)
        return [("body", _join_lines(block.split("\n"))) for block in blocks if block.strip()]
    return [("body", line.strip()) for line in lines if line.strip()]


# --------------------------------------------------------------------------------------------
# The file -> Document step


def doc_id_from_name(name: str) -> str:
    doc_id = re.sub(r"[^\w.-]+", "_", unicodedata.normalize("NFC", name)).strip("._")
    return doc_id[:120] or "doc"


def _has_alnum(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def build_document_text(paragraphs: list[tuple[str, str]]) -> tuple[str, list[Paragraph]]:
    """Join paragraphs with a blank line; each Paragraph's start/end points into the result."""
    parts: list[str] = []
    result: list[Paragraph] = []
    offset = 0
    for kind, text in paragraphs:
        text = unicodedata.normalize("NFC", text).strip()
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
    meta.title = unicodedata.normalize("NFC", meta.title)
    body_text = " ".join(cleaned[p.start:p.end] for p in paras if p.kind != "title")
    lang = detect_language(body_text or cleaned, UNKNOWN)
    return Document(
        doc_id=doc_id_from_name(path.stem), path=str(path), format=fmt, lang=lang,
        title=meta.title, author=meta.author, date=meta.date, sha256=sha256, text=cleaned,
        paragraphs=paras, encoding=encoding, categories=meta.categories, source=meta.source,
        warnings=warnings)


def ingest_file(path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Document:
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


# --------------------------------------------------------------------------------------------
# Corpus-level steps


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


def ingest_paths(inputs: list[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES
                 ) -> tuple[list[Document], list[InputFailure]]:
    """discover -> ingest each file -> drop duplicate files -> unique doc ids.

    Every discovered file ends in exactly one of the two lists."""
    paths, failures = discover_inputs(inputs)
    docs: list[Document] = []
    for path in paths:
        try:
            docs.append(ingest_file(path, max_bytes=max_bytes))
        except InputError as err:
            failures.append(err.failure)
    docs, duplicates = find_duplicate_files(docs)
    failures += duplicates
    return assign_doc_ids(docs), failures
