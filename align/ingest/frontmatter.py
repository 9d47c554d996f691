"""YAML front matter (title, date, author, categories, source) and ISO 8601 dates."""

from __future__ import annotations

import datetime as _dt
import email.utils
import re
import unicodedata
from dataclasses import dataclass, field

from align.ingest.decode import clean_raw_text

# Front matter larger than this is not metadata (and YAML is slow on adversarial input).
MAX_FRONT_MATTER_CHARS = 64 * 1024

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
        # YAML escapes ("\u2028", "\x1b", "\ufeff") decode to characters the raw-text
        # cleaning never saw.
        return unicodedata.normalize("NFC", " ".join(clean_raw_text(str(value)).split()))
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
