"""Claim units: sentences split where they bundle several claims.

News sentences often carry two claims ("X is the largest maker, but it faces accusations of Y")
or wrap one claim in a reporting frame ("The report said that X").  Matching whole sentences
lets the frame and the second claim drown the shared one, so the match stage aligns units.

Rules, applied to the English text (`text_en`) of each sentence:
1. split at ";" and at clause joiners ", but (also)", ", because", ", while", ", whereas"
   (and a bare " because " / " whereas ");
2. strip reporting frames from each piece, keeping the reported claim:
   leading "According to the report, ...", "The report said (that) ...", "X wrote ...: ...",
   and trailing "..., the statement said." / "..., it added." / "..., according to X.";
3. pieces shorter than MIN_WORDS words are merged back into their neighbour.

Original-language text of a unit (`text`): an English sentence gives the clause itself.  A
translated sentence gives its aligned clause only when the original splits at its own clause
markers (";"/"；", "但"/"但是"/"因为", German ", aber"/", sondern"/", weil"/", denn"/", während")
into exactly as many pieces as the English did; otherwise every unit of that sentence carries
the full original sentence.  Count agreement is the only check that is reliable without a
word aligner, and showing the full sentence is never wrong, only less precise.

Duplicate sentences (`duplicate_of` set) make no claim units of their own; their sent_ids are kept
in `duplicate_sent_ids` of the units of the sentence they repeat.  Parallel mode's
`sentence_units` does not fold them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from align.types import Sentence

MIN_WORDS = 4

# Clause joiners: the joiner word is dropped from the following unit ("but", "because" ...
# are connective, not content); split happens before it.
# Linear time on any input (issue 12): a whitespace run is only entered at its first character
# ((?<!\s)) and consumed possessively (*+ / ++), so no run is rescanned from every position.
_JOINERS = re.compile(
    r"(?<!\s)\s*+;\s*+|;\s*+"
    r"|,\s++but\s++also\s++|,\s++but\s++|,\s++because\s++|(?<!\s)\s++because\s++|,\s++while\s++"
    r"|,?(?<!\s)\s++whereas\s++",
    re.IGNORECASE,
)

_REPORT_VERBS = (
    r"said|says|say|reported|reports|wrote|writes|stated|states|added|adds|noted|notes|"
    r"mentioned|announced|claimed|claims|told\s++\w++(?:\s++\w++)?|argued|insisted|warned|declared"
)
# Sentence adverbials that only connect to the previous sentence.
_LEAD_CONNECTIVE = re.compile(
    r"^\s*(?:in\s+response(?:\s+to\s+this)?|in\s+addition|meanwhile|however|moreover|furthermore|"
    r"it\s+is\s+worth\s+(?:noting|mentioning)\s+that)\s*,?\s+",
    re.IGNORECASE,
)
# Leading frames; the frame must be short and free of clause words that would make it content.
_LEAD_ACCORDING = re.compile(r"^\s*(?:according\s+to|citing|as\s+reported\s+by)\s+[^,;:]{1,80},\s*", re.IGNORECASE)
_LEAD_FRAME = re.compile(
    rf"^\s*(?P<frame>(?:(?!\b(?:after|before|when|if|since|although|though)\b)[^,;:\"“]){{0,110}}?"
    rf"\b(?:{_REPORT_VERBS})\b(?:\s+(?:on|in|at|to)\s+[^,:;\"“]{{1,60}}?)?)"
    rf"(?:\s*:\s*|\s+that\s+|,\s*)(?P<rest>.+)$",
    re.IGNORECASE | re.DOTALL,
)
# The shortest `rest` never ends in a comma or space (the separator takes those), so `rest` ends
# in another character and the separator is consumed possessively: linear time, where the
# former `.+?[,\s]*[\"”’]?\s*,?\s*` took minutes on a few hundred spaces (issue 12).
_TRAIL_FRAME = re.compile(
    rf"(?P<rest>.*?[^,\s])[,\s]*+[\"”’]?\s*+,?\s*+"
    rf"(?<!\w)(?:(?:the|a|its|her|his|their)\s++\w++(?:\s++\w++)?|it|he|she|they|[A-Z]\w++(?:\s++[A-Z]\w++)?)"
    rf"\s++(?:{_REPORT_VERBS})\s*+[.!]?\s*+$",
    re.DOTALL,
)
_TRAIL_ACCORDING = re.compile(r"(?P<rest>.+?),\s*+according\s++to\s++[^,;]{1,80}[.!]?\s*+$", re.IGNORECASE | re.DOTALL)

# Original-language clause markers, by language (see module docstring).
_ORIG_MARKERS = {
    "zh": re.compile(r"[；;]|，(?=但是?|因为|而是)"),
    "ja": re.compile(r"[；;]"),
    "de": re.compile(r"(?<!\s)\s*+;\s*+|;\s*+|,\s++(?=aber\b|sondern\b|weil\b|denn\b|während\b)"),
    "en": re.compile(r"(?<!\s)\s*+;\s*+|;\s*+"),
}
_DEFAULT_ORIG_MARKER = re.compile(r"(?<!\s)\s*+[;；]\s*+|[;；]\s*+")

_QUOTES = "\"'“”‘’«»„‚「」『』 "


@dataclass
class ClaimUnit:
    """One claim: a sentence or a clause of one (ids refer to `sentences.sent_id`)."""

    unit_id: str
    doc_id: str
    sent_ids: list[int]
    text: str  # original-language text of the unit (a clause, or the full sentence; see above)
    text_en: str  # English text of the unit (what is embedded)
    lang: str
    kind: str
    duplicate_sent_ids: list[int] = field(default_factory=list)
    para_id: int = -1  # paragraph of the unit's (first) sentence; -1 when not known


def _words(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _tidy(text: str) -> str:
    """Trim spaces, dangling punctuation and unbalanced quote marks at the edges of a clause."""
    text = text.strip().strip(",;: ")
    for _ in range(3):
        before = text
        if text and text[0] in _QUOTES and text.count(text[0]) % 2 == 1 and text[0] not in "“‘«„‚「『":
            text = text[1:].strip()
        if text and text[0] in "“‘«„‚「『" and not any(c in text[1:] for c in "”’»“‘」』"):
            text = text[1:].strip()
        if text and text[-1] in "\"”’»」』" and text.count('"') % 2 == 1 and text[-1] == '"':
            text = text[:-1].rstrip()
        if text and text[-1] in "”’»」』" and not any(c in text[:-1] for c in "“‘«„‚「『"):
            text = text[:-1].rstrip()
        text = text.strip().strip(",;: ")
        if text == before:
            break
    return text


_PRONOUN = re.compile(r"^(?:it|he|she|they)\s+(?=\w)", re.IGNORECASE)
_SUBJECT = re.compile(
    r"^((?:[\w'-]+\s+){0,4}?[A-Z][\w'-]*)\s+(?:is|are|was|were|has|have|had|will|would|can|could|must|should)\b"
)


def _subject(clause: str) -> str | None:
    """A short proper-noun subject ("Hangzhou-based Hikvision") of a clause, if plain to see."""
    m = _SUBJECT.match(clause)
    if not m or any(w.lower() in ("it", "this", "that", "there", "what") for w in m.group(1).split()):
        return None
    return m.group(1)


def strip_frame(clause: str) -> str:
    """Drop a reporting frame around a clause, when what is left is still a claim."""
    text = clause.strip()
    for _ in range(2):  # "According to the report, the statement said that X" -> X
        changed = False
        m = _LEAD_CONNECTIVE.match(text)
        if m and _words(text[m.end() :]) >= MIN_WORDS:
            text, changed = text[m.end() :], True
        m = _LEAD_ACCORDING.match(text)
        if m and _words(text[m.end() :]) >= MIN_WORDS:
            text, changed = text[m.end() :], True
        m = _LEAD_FRAME.match(text)
        if m and _words(m.group("frame")) <= 14 and _words(m.group("rest")) >= MIN_WORDS:
            text, changed = m.group("rest"), True
        m = _TRAIL_ACCORDING.match(text)
        if m and _words(m.group("rest")) >= MIN_WORDS:
            text, changed = m.group("rest"), True
        m = _TRAIL_FRAME.match(text)
        if m and _words(m.group("rest")) >= MIN_WORDS:
            text, changed = m.group("rest"), True
        if not changed:
            break
    return _tidy(text)


def split_clauses(text_en: str) -> list[str]:
    """English sentence -> claim clauses (joiners dropped, frames stripped, short bits merged)."""
    pieces = [p for p in _JOINERS.split(text_en) if p and p.strip(_QUOTES + ".,;:")]
    merged: list[str] = []
    for piece in pieces:
        if merged and _words(piece) < MIN_WORDS:
            merged[-1] = f"{merged[-1]}; {piece.strip()}"
        else:
            merged.append(piece)
    if len(merged) > 1 and _words(merged[0]) < MIN_WORDS:
        merged[1] = f"{merged[0].strip()}; {merged[1]}"
        merged.pop(0)
    units = [strip_frame(p) for p in merged]
    units = [u for u in units if u]
    subject = _subject(units[0]) if len(units) > 1 else None
    if subject:  # "X is A, but it faces B" -> "X faces B": the clause must stand on its own
        units = units[:1] + [_PRONOUN.sub(subject + " ", u, count=1) for u in units[1:]]
    return units or [_tidy(text_en) or text_en.strip()]


def split_original(text: str, lang: str) -> list[str]:
    """Split an original-language sentence at its own clause markers (joiner words kept)."""
    marker = _ORIG_MARKERS.get(lang, _DEFAULT_ORIG_MARKER)
    return [p.strip() for p in marker.split(text) if p.strip(_QUOTES + "。.,，;；")]


def split_units(sentences: Sequence[Sentence]) -> list[ClaimUnit]:
    """Claim units of all `sentences` (any number of documents), in document order."""
    units: list[ClaimUnit] = []
    by_doc_sent: dict[tuple[str, int], list[ClaimUnit]] = {}
    for sent in sentences:
        if sent.duplicate_of is not None:
            for unit in by_doc_sent.get((sent.doc_id, sent.duplicate_of), []):
                unit.duplicate_sent_ids.append(sent.sent_id)
            continue
        english = sent.text_en or (sent.text if sent.lang in ("en", "unknown") else "")
        if not english.strip():
            # No English (translation_source none): the whole original sentence is one unit,
            # matched through the direct multilingual embeddings; its text_en stays empty.
            unit = ClaimUnit(f"{sent.doc_id}:{sent.sent_id}.0", sent.doc_id, [sent.sent_id], sent.text, "",
                             sent.lang, sent.kind)
            by_doc_sent[(sent.doc_id, sent.sent_id)] = [unit]
            units.append(unit)
            continue
        clauses = split_clauses(english)
        if sent.lang == "en" and (not sent.text_en or sent.text_en == sent.text):
            originals = clauses
        else:
            orig_pieces = split_original(sent.text, sent.lang)
            originals = orig_pieces if len(orig_pieces) == len(clauses) else [sent.text] * len(clauses)
        made = []
        for k, (clause, original) in enumerate(zip(clauses, originals)):
            made.append(
                ClaimUnit(
                    unit_id=f"{sent.doc_id}:{sent.sent_id}.{k}",
                    doc_id=sent.doc_id,
                    sent_ids=[sent.sent_id],
                    text=original,
                    text_en=clause,
                    lang=sent.lang,
                    kind=sent.kind,
                )
            )
        by_doc_sent[(sent.doc_id, sent.sent_id)] = made
        units.extend(made)
    return units


def sentence_units(sentences: Sequence[Sentence]) -> list[ClaimUnit]:
    """Whole sentences as units (parallel mode), unit_id "doc:sent".

    No duplicate folding here: in a translation a repeated sentence ("Wake up!", "1.") is
    translated at each place it occurs, so every sentence is its own unit even when
    `duplicate_of` is set.
    """
    return [
        ClaimUnit(
            unit_id=f"{sent.doc_id}:{sent.sent_id}", doc_id=sent.doc_id, sent_ids=[sent.sent_id], text=sent.text,
            text_en=sent.text_en or sent.text, lang=sent.lang, kind=sent.kind, para_id=sent.para_id,
        )
        for sent in sentences
    ]
