"""Segment: split a Document's paragraphs into sentences with exact offsets.

Rule-based, no model: pysbd splits Chinese clauses off their sentences and leaves lone quote
fragments, and the pipeline needs `doc.text[start:end] == text` for every sentence.

Rules (language-independent; each is a no-op on text that does not use it):
- Chinese/Japanese full-width 。！？； always end a sentence, and so do half-width ! ? touching
  CJK text. Closing quotes/brackets right after the terminator stay with the sentence; an ASCII
  `"` counts as closing when an odd number of `"` precede it in the paragraph (the Chinese seed
  writes spaced quotes like ` " 人权 " `).
- Latin-script . ! ? … end a sentence only before whitespace and a character that is not lowercase
  (or at the end), and a "." does not end one after an abbreviation (Dr. z.B. u.a. U.S. Nr. St.),
  a single initial (J. R. R.), or a day ordinal ("am 4. Mai", "der 2. Weltkrieg"). Numbers like
  3.5 / 1.000 never split (no whitespace after the dot).
- A colon that introduces a multi-sentence quotation (`写道：" A。B。"`) ends a unit, so each quoted
  sentence stands alone (the Chinese seed quotes the same two-sentence statement twice).
- A fragment with no letter or digit (a lone quote or bracket) is merged into its neighbour.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right

from align.text import is_cjk
from align.ingest.language import UNKNOWN, detect_language, language_confidence, script_of
from align.types import Document, Sentence

# Abbreviations that never end a sentence (lowercase, without the final dot). Only tokens that
# are not ordinary words in de/en/fr/es/it, so a real sentence end is never swallowed.
ABBREVIATIONS = frozenset("""
dr prof mr mrs ms mme mlle jr sr sra sres st nr hr fr frl dipl ing dott avv
bzw ca vgl sog ggf evtl inkl zzgl exkl usf abs bd hrsg jh jhd mio mrd tsd bzgl lt
vs cf al approx dept univ gov sen rep capt sgt lieut cmdr adm supt corp ltd
jan feb febr mär apr jun jul aug sep sept okt oct nov dez dec
str tel pp vol eds
""".split())
# Ordinary words that abbreviate only before a number: "No. 5", "Art. 3", "Fig. 2".
_ABBREVIATIONS_BEFORE_NUMBER = frozenset("no nos art fig ed p s".split())
# Words before a number that make "4." an ordinal (German dates and counts), not a sentence end.
_ORDINAL_PREVIOUS = frozenset(
    "am im vom zum bis ab seit der die das den dem des ihr ihre sein seine jeden jedes".split())
_MONTHS = frozenset("""
januar jänner februar märz april mai juni juli august september oktober november dezember
january february march may june july october december
""".split())

_CJK_STRONG = "。！？；"
_TERMINATORS = re.compile(r"[。！？；]+|[.!?…]+")
# Closing quotes/brackets that stay with the sentence they close (ASCII " handled by parity).
_CLOSERS = set("”’»」』）)]}》〉】〕〗›")
_LATIN_CLOSERS_IF_FOLLOWED = set("“«'")  # closing in German («…» / „…“) or as '…'
_OPENERS = set("\"'“‘„«»「『（(《〈【[{‹")
_QUOTE_PAIRS = {"“": "”", "「": "」", "『": "』", "„": "“", "«": "»", "»": "«", "《": "》"}
_COLON_QUOTE = re.compile(r"[:：][ \t\u3000\xa0]*(?=[\"“「『„«»])")
_INITIALISM = re.compile(r"(?:[^\W\d_]{1,3}\.)+[^\W\d_]{1,3}")
# Sentences with fewer letters than this take the document's language (when in its script).
SHORT_SENTENCE_LETTERS = 30


def _has_alnum(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _token_before(text: str, pos: int) -> tuple[str, int]:
    """The word ending at pos (without leading quotes/brackets) and where it starts."""
    k = pos
    while k > 0 and not text[k - 1].isspace() and text[k - 1] not in _OPENERS:
        k -= 1
    return text[k:pos], k


_NEXT_WORD = re.compile(r"\s*([^\W\d_]+)")
_NEXT_DIGIT = re.compile(r"\s*\d")


def _word_after(text: str, pos: int) -> str:
    match = _NEXT_WORD.match(text, pos)
    return match.group(1) if match else ""


def _is_abbreviation(text: str, dot: int) -> bool:
    token, token_start = _token_before(text, dot)
    if not token:
        return False
    lower = token.lower()
    if lower in ABBREVIATIONS or _INITIALISM.fullmatch(token):
        return True
    if lower in _ABBREVIATIONS_BEFORE_NUMBER and _NEXT_DIGIT.match(text, dot + 1):
        return True
    if len(token) == 1 and (token.isupper() or token.islower()):
        return True  # an initial: "J. R. R. Tolkien", "z. B."
    if token.isdigit() and len(token) <= 3:
        if _word_after(text, dot + 1).lower() in _MONTHS:
            return True  # "am 4. Mai"
        previous, _ = _token_before(text, token_start - 1) if token_start > 1 else ("", 0)
        if previous.lower() in _ORDINAL_PREVIOUS:
            return True  # "der 2. Weltkrieg"
    return False


def _odd_quotes_before(quotes: list[int], pos: int) -> bool:
    """Whether an odd number of ASCII `"` (positions in quotes) precede pos: the next closes."""
    return bisect_left(quotes, pos) % 2 == 1


def _consume_closers(text: str, pos: int, strong: bool, quotes: list[int]) -> int:
    """Position after the closing quotes/brackets that follow a terminator at pos."""
    n = len(text)
    while pos < n:
        ch = text[pos]
        if ch in _CLOSERS:
            pos += 1
        elif ch == '"' and _odd_quotes_before(quotes, pos):
            pos += 1
        elif ch in _LATIN_CLOSERS_IF_FOLLOWED and (pos + 1 == n or text[pos + 1].isspace()
                                                   or text[pos + 1] in _CLOSERS):
            pos += 1
        elif strong and ch.isspace():
            # CJK text with spaced quotes: `对待。 "` closes the quote opened earlier.
            k = pos
            while k < n and text[k].isspace():
                k += 1
            if k < n and text[k] == '"' and _odd_quotes_before(quotes, k):
                pos = k + 1
            else:
                break
        else:
            break
    return pos


def _boundaries(text: str) -> list[int]:
    """Offsets in text where a sentence ends (after its closing quotes)."""
    n = len(text)
    cuts: list[int] = []
    quotes = [i for i, ch in enumerate(text) if ch == '"']
    for match in _TERMINATORS.finditer(text):
        term, start, end = match.group(), match.start(), match.end()
        before = text[start - 1] if start else ""
        after = text[end] if end < n else ""
        strong = any(ch in _CJK_STRONG for ch in term) or (
            set(term) <= set("!?") and (is_cjk(before) or is_cjk(after)))
        pos = _consume_closers(text, end, strong, quotes)
        if pos >= n:
            continue  # end of the paragraph ends the sentence anyway
        if not strong:
            if not text[pos].isspace():
                continue  # "3.5", "example.com", "Ende.Neu"
            k = pos
            while k < n and text[k].isspace():
                k += 1
            if k >= n:
                continue
            nxt = text[k]
            if nxt.islower() or nxt in ",;:":
                continue  # "z. B. der", "Why?" he asked
            if term == "." and _is_abbreviation(text, start):
                continue
        cuts.append(pos)
    cuts = _colon_quote_cuts(text, sorted(set(cuts)), quotes)
    return sorted(set(cuts))


def _colon_quote_cuts(text: str, cuts: list[int], quotes: list[int]) -> list[int]:
    """Add a cut after a colon that opens a quotation containing a sentence boundary."""
    if not cuts:
        return cuts
    extra: list[int] = []
    # Positions of each closing quote, searched by bisection: text.find per colon made a
    # paragraph of many unclosed `:“` quadratic.
    closers: dict[str, list[int]] = {'"': quotes}
    for match in _COLON_QUOTE.finditer(text):
        open_pos = match.end()
        quote = text[open_pos]
        if quote == '"' and _odd_quotes_before(quotes, open_pos):
            continue  # this `"` closes an earlier quote
        closer = '"' if quote == '"' else _QUOTE_PAIRS[quote]
        if closer not in closers:
            closers[closer] = [i for i, ch in enumerate(text) if ch == closer]
        positions = closers[closer]
        k = bisect_right(positions, open_pos)
        close_pos = positions[k] if k < len(positions) else len(text)
        i = bisect_left(cuts, open_pos + 1)
        if i < len(cuts) and cuts[i] < close_pos:
            extra.append(match.start() + 1)
    return cuts + extra


def split_sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text: stripped of surrounding whitespace, in order,
    never overlapping, and covering every non-whitespace character of text."""
    spans: list[tuple[int, int]] = []
    start = 0
    for cut in [*_boundaries(text), len(text)]:
        s, e = start, cut
        while s < e and text[s].isspace():
            s += 1
        while e > s and text[e - 1].isspace():
            e -= 1
        start = cut
        if s >= e:
            continue
        if not _has_alnum(text[s:e]) and spans:
            spans[-1] = (spans[-1][0], e)  # a lone quote or bracket joins its sentence
            continue
        if spans and not _has_alnum(text[spans[-1][0]:spans[-1][1]]):
            s = spans.pop()[0]  # a leading punctuation-only fragment joins the next sentence
        spans.append((s, e))
    return spans


# A sentence in the document's script keeps the document's language while lingua gives that
# language at least this confidence: single sentences with names, URLs or code otherwise flip
# to a close language (measured: "See javascript:alert(...) for details." -> nl 0.56, en 0.25).
KEEP_DOC_LANG_CONFIDENCE = 0.2


def sentence_language(text: str, doc_lang: str) -> str:
    """Per-sentence language: the document's for short or plausible sentences in its script,
    else lingua's best guess (so a mixed-language document keeps per-sentence languages)."""
    if doc_lang in ("", UNKNOWN) or script_of(text) != script_of_language(doc_lang):
        return detect_language(text, doc_lang or UNKNOWN)
    letters = sum(1 for ch in text if ch.isalpha())
    if letters < SHORT_SENTENCE_LETTERS or language_confidence(text, doc_lang) >= KEEP_DOC_LANG_CONFIDENCE:
        return doc_lang
    return detect_language(text, doc_lang)


def script_of_language(lang: str) -> str:
    return {"zh": "cjk", "ja": "cjk", "ko": "cjk", "ru": "cyrillic", "uk": "cyrillic",
            "ar": "arabic"}.get(lang, "latin")


def _dedup_key(text: str) -> str:
    return " ".join(text.split())


def segment_document(doc: Document) -> list[Sentence]:
    """Sentences of doc, in order: doc.text[s.start:s.end] == s.text for every one."""
    sentences: list[Sentence] = []
    first_seen: dict[str, int] = {}
    for para in doc.paragraphs:
        para_text = doc.text[para.start:para.end]
        for start, end in split_sentences(para_text):
            text = para_text[start:end]
            sent_id = len(sentences)
            key = _dedup_key(text)
            duplicate_of = first_seen.get(key)
            if duplicate_of is None:
                first_seen[key] = sent_id
            sentences.append(Sentence(
                doc_id=doc.doc_id, sent_id=sent_id, para_id=para.para_id, kind=para.kind,
                text=text, start=para.start + start, end=para.start + end,
                lang=sentence_language(text, doc.lang), duplicate_of=duplicate_of))
    return sentences
