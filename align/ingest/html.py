"""HTML -> paragraphs (beautifulsoup4): body text, headings, captions; boilerplate dropped."""

from __future__ import annotations

import re
from dataclasses import dataclass

from align.ingest.frontmatter import normalize_date

# A caption is a short line; longer text after an image is ordinary body text.
MAX_CAPTION_CHARS = 200
# A paragraph entirely in bold up to this length, without closing punctuation, is a heading.
MAX_BOLD_HEADING_CHARS = 80

_SENTENCE_END = tuple("。．.!?！？；;…")
_TRAILING_CLOSERS = "\"'”’“‘」』）)》»«› "

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
