"""Markdown (markdown-it) and plain text -> paragraphs."""

from __future__ import annotations

from align.text import is_cjk

import re

# Leading container markers (> - * + 1.) beyond this many per line are dropped before parsing:
# markdown-it silently discards content nested deeper than its maxNesting.
MAX_MARKDOWN_NESTING = 8
_DEEP_MARKDOWN_PREFIX = re.compile(
    r"^((?:[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t])){%d})(?:[ \t]*(?:>|[-*+][ \t]|\d{1,9}[.)][ \t]))+"
    % MAX_MARKDOWN_NESTING, re.M)


# markdown-it drops blocks nested deeper than its maxNesting (20 tokens, ~9 list levels, in the
# commonmark preset): 491 of 500 nested list items were lost. The parser gets a higher limit
# (about 49 list levels; still far from Python's recursion limit) and leading indentation is
# clamped to MAX_MARKDOWN_INDENT columns (at most ~31 list levels, plus the 8 markers a line
# may keep), so a deeper item becomes a sibling at the deepest level instead of vanishing.
MARKDOWN_IT_MAX_NESTING = 100
MAX_MARKDOWN_INDENT = 60
_LEADING_SPACE = re.compile(r"^[ \t]{%d,}" % (MAX_MARKDOWN_INDENT // 4 + 1), re.M)


def _clamp_indent(match: re.Match) -> str:
    width = len(match.group().expandtabs(4))
    return " " * min(width, MAX_MARKDOWN_INDENT)


def markdown_to_html(text: str) -> str:
    from markdown_it import MarkdownIt

    text = _DEEP_MARKDOWN_PREFIX.sub(r"\1", text)
    text = _LEADING_SPACE.sub(_clamp_indent, text)
    return (MarkdownIt("commonmark", {"html": True, "maxNesting": MARKDOWN_IT_MAX_NESTING})
            .enable("table").render(text))




def _join_lines(lines: list[str]) -> str:
    """Join hard-wrapped lines: no space between two CJK characters, one space otherwise."""
    out = ""
    for line in lines:
        line = line.strip()
        if not line:
            continue
        if out and not (is_cjk(out[-1]) and is_cjk(line[0])):
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
