"""Conflicts between two aligned claims: checkable details that both state and that differ.

`find_conflict(src_en, tgt_en)` compares the English texts of two aligned units and returns
e.g. "year: 2020 vs 2019", several details joined by "; ", or "" when nothing conflicts.
A detail is compared only when both sides state the same kind of it:

- year: four-digit years 1900-2099 (not part of a full date, which is compared as a date).
  They conflict when the two sets of years share none.
- date: day + month (+ year): "28 May 2019", "May 28, 2019", "2019-05-28".  Conflict when both
  name the same kind of date and no date of one side equals a date of the other.
- quantity: a number attached to a noun ("100 countries", "more than 150 countries and regions",
  "11 Chinese companies").  Compared only for the same head noun.  Qualifiers make ranges:
  "more than 100" = (100, inf), "at least 100" = [100, inf), "about 100" = [90, 110],
  "up to 100" = [0, 100], a bare "100" = [100, 100].  Conflict only when the ranges are disjoint,
  so "more than 100 countries" vs "150 countries" is no conflict, "100 countries" vs
  "150 countries" is.
- actor (country / government): the country named as the subject of an action verb
  ("the United States blacklisted ...", "Canada banned ...", "China urges ...").  Compared only
  when each side names exactly one such actor and they differ.  Countries merely mentioned
  (objects, places) are not compared: reports of analogous events in different countries
  ("China urges the US ..." / "China urges Canada ...") are not contradictions.
"""

from __future__ import annotations

import math
import re

_MONTHS = {
    m: i + 1
    for i, m in enumerate(
        ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"]
    )
}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH_RE = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"

_DATE_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTH_RE})(?:,?\s+((?:19|20)\d\d))?\b", re.IGNORECASE)
_DATE_MDY = re.compile(rf"\b({_MONTH_RE})\s+(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+((?:19|20)\d\d))?", re.IGNORECASE)
_DATE_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_YEAR = re.compile(r"(?<![\d.,-])((?:19|20)\d\d)(?![\d.,]\d)")

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "hundred": 100, "dozen": 12,
}
_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12, "k": 1e3, "m": 1e6, "bn": 1e9}
_QUALIFIER = (
    r"(?P<qual>more\s+than|over|above|at\s+least|no\s+fewer\s+than|no\s+less\s+than|less\s+than|fewer\s+than|"
    r"under|below|at\s+most|up\s+to|no\s+more\s+than|about|around|roughly|nearly|almost|approximately|some)?"
)
_QUANTITY = re.compile(
    rf"\b{_QUALIFIER}\s*(?P<num>\d[\d,]*(?:\.\d+)?|{'|'.join(_NUMBER_WORDS)})"
    rf"(?:\s*(?P<scale>thousand|million|billion|trillion|bn)\b)?"
    rf"(?P<plus>\s*\+|\s+or\s+more|\s+plus)?"
    rf"\s+(?P<words>[A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){{0,2}})",
    re.IGNORECASE,
)
# Words that follow a number but are no quantity nouns.
# Words that end the noun phrase after a number ("11 Chinese companies were ...").
_PHRASE_END = {
    "were", "was", "are", "is", "be", "been", "that", "which", "who", "use", "used", "using", "have", "has",
    "had", "to", "and", "or", "of", "in", "on", "at", "for", "with", "from", "by", "as", "than", "will", "would",
}
_NOT_NOUNS = {
    "of", "and", "or", "to", "in", "on", "at", "the", "a", "percent", "per", "years", "year", "months",
    "days", "st", "nd", "rd", "th", "more", "than", "times",
} | set(_MONTHS)

_COUNTRIES = {
    "united states": "United States", "u.s.": "United States", "us": "United States", "america": "United States",
    "washington": "United States", "canada": "Canada", "ottawa": "Canada", "china": "China", "beijing": "China",
    "britain": "United Kingdom", "united kingdom": "United Kingdom", "uk": "United Kingdom",
    "london": "United Kingdom", "germany": "Germany", "berlin": "Germany", "france": "France",
    "japan": "Japan", "tokyo": "Japan", "australia": "Australia", "india": "India", "russia": "Russia",
    "moscow": "Russia", "european union": "European Union", "eu": "European Union",
}
_ACTION_VERBS = r"(?:put|puts|added|adds|placed|blacklisted|banned|bans|sanctioned|sanctions|ordered|urged|urges|included)"
_ACTOR = re.compile(
    r"\b(?:the\s+)?(" + "|".join(sorted((re.escape(k) for k in _COUNTRIES), key=len, reverse=True)) + r")"
    r"(?:\s+(?:government|department\s+of\s+\w+|\w+\s+department|side))?\s+(?:has\s+|had\s+|also\s+)?" + _ACTION_VERBS + r"\b",
    re.IGNORECASE,
)


def _dates(text: str) -> tuple[set[tuple[int | None, int, int]], list[tuple[int, int]]]:
    """Full dates as (year|None, month, day) and the character spans they cover."""
    found: set[tuple[int | None, int, int]] = set()
    spans = []
    for m in _DATE_ISO.finditer(text):
        found.add((int(m.group(1)), int(m.group(2)), int(m.group(3))))
        spans.append(m.span())
    for rx, day_g, mon_g in ((_DATE_DMY, 1, 2), (_DATE_MDY, 2, 1)):
        for m in rx.finditer(text):
            month = _MONTHS.get(m.group(mon_g).lower().rstrip("."))
            day = int(m.group(day_g))
            if month is None or not 1 <= day <= 31:
                continue
            if m.group(mon_g).lower() == "may" and rx is _DATE_MDY and m.group(3) is None:
                continue  # "may 5 people" is a verb, not a date
            year = int(m.group(3)) if m.group(3) else None
            found.add((year, month, day))
            spans.append(m.span())
    return found, spans


def _years(text: str, date_spans: list[tuple[int, int]]) -> set[int]:
    years = set()
    for m in _YEAR.finditer(text):
        if any(a <= m.start() < b for a, b in date_spans):
            continue
        years.add(int(m.group(1)))
    return years


def _parse_number(num: str, scale: str | None) -> float | None:
    num = num.lower()
    if num in _NUMBER_WORDS:
        value = float(_NUMBER_WORDS[num])
    else:
        try:
            value = float(num.replace(",", ""))
        except ValueError:
            return None
    if scale:
        value *= _SCALE.get(scale.lower(), 1.0)
    return value


def _range(value: float, qual: str | None, plus: str | None) -> tuple[float, float, bool, bool]:
    """(low, high, low_open, high_open) for a qualified number."""
    q = re.sub(r"\s+", " ", (qual or "").lower())
    if plus or q in ("more than", "over", "above"):
        return value, math.inf, not plus, True
    if q in ("at least", "no fewer than", "no less than"):
        return value, math.inf, False, True
    if q in ("less than", "fewer than", "under", "below"):
        return 0.0, value, False, True
    if q in ("at most", "up to", "no more than"):
        return 0.0, value, False, False
    if q in ("about", "around", "roughly", "approximately", "some"):
        return value * 0.9, value * 1.1, False, False
    if q in ("nearly", "almost"):
        return value * 0.9, value, False, True
    return value, value, False, False


def _disjoint(a: tuple[float, float, bool, bool], b: tuple[float, float, bool, bool]) -> bool:
    lo = max(a[0], b[0])
    hi = min(a[1], b[1])
    if lo < hi:
        return False
    if lo > hi:
        return True
    # touching at one point: overlap only if closed at that point on both sides
    lo_open = (a[2] if a[0] == lo else False) or (b[2] if b[0] == lo else False)
    hi_open = (a[3] if a[1] == hi else False) or (b[3] if b[1] == hi else False)
    return lo_open or hi_open


def _noun_key(noun: str) -> str:
    noun = noun.lower()
    for suffix, repl in (("ies", "y"), ("ses", "s"), ("s", "")):
        if noun.endswith(suffix) and len(noun) > len(suffix) + 2:
            return noun[: -len(suffix)] + repl
    return noun


def _quantities(text: str, skip_spans: list[tuple[int, int]]) -> dict[str, list[tuple[str, tuple]]]:
    out: dict[str, list[tuple[str, tuple]]] = {}
    for m in _QUANTITY.finditer(text):
        if any(a <= m.start("num") < b for a, b in skip_spans):
            continue
        num = m.group("num")
        if re.fullmatch(r"(?:19|20)\d\d", num) and not m.group("qual"):
            continue  # a year
        phrase = []
        for word in m.group("words").split():
            if word.lower() in _PHRASE_END:
                break
            phrase.append(word)
        if not phrase or phrase[0].lower() in _NOT_NOUNS:
            continue
        noun = phrase[-1]
        if noun.lower() in _NOT_NOUNS:
            continue
        value = _parse_number(num, m.group("scale"))
        if value is None:
            continue
        shown = re.sub(r"\s+", " ", m.group(0)[: m.start("words") - m.start()] + " ".join(phrase)).strip()
        out.setdefault(_noun_key(noun), []).append((shown, _range(value, m.group("qual"), m.group("plus"))))
    return out


def _actors(text: str) -> set[str]:
    return {_COUNTRIES[m.group(1).lower()] for m in _ACTOR.finditer(text) if m.group(1) not in ("us", "Us")}


def _fmt_date(d: tuple[int | None, int, int]) -> str:
    return f"{d[0]:04d}-{d[1]:02d}-{d[2]:02d}" if d[0] else f"--{d[1]:02d}-{d[2]:02d}"


def find_conflict(src_en: str, tgt_en: str) -> str:
    """What two aligned claims disagree on, e.g. "year: 2020 vs 2019"; "" if nothing."""
    parts: list[str] = []
    src_dates, src_spans = _dates(src_en)
    tgt_dates, tgt_spans = _dates(tgt_en)
    if src_dates and tgt_dates:
        comparable = [(a, b) for a in src_dates for b in tgt_dates]
        same = any(a[1:] == b[1:] and (a[0] is None or b[0] is None or a[0] == b[0]) for a, b in comparable)
        if not same:
            parts.append(
                "date: " + ", ".join(_fmt_date(d) for d in sorted(src_dates, key=str))
                + " vs " + ", ".join(_fmt_date(d) for d in sorted(tgt_dates, key=str))
            )
    src_years = _years(src_en, src_spans) | {d[0] for d in src_dates if d[0]}
    tgt_years = _years(tgt_en, tgt_spans) | {d[0] for d in tgt_dates if d[0]}
    if src_years and tgt_years and not (src_years & tgt_years) and not parts:
        parts.append(
            "year: " + ", ".join(map(str, sorted(src_years))) + " vs " + ", ".join(map(str, sorted(tgt_years)))
        )
    src_q = _quantities(src_en, src_spans)
    tgt_q = _quantities(tgt_en, tgt_spans)
    for noun in sorted(set(src_q) & set(tgt_q)):
        pairs = [(a, b) for a in src_q[noun] for b in tgt_q[noun]]
        if pairs and all(_disjoint(a[1], b[1]) for a, b in pairs):
            parts.append(f"{noun}: " + ", ".join(a[0] for a in src_q[noun]) + " vs " + ", ".join(b[0] for b in tgt_q[noun]))
    src_act, tgt_act = _actors(src_en), _actors(tgt_en)
    if len(src_act) == 1 and len(tgt_act) == 1 and src_act != tgt_act:
        parts.append(f"actor: {next(iter(src_act))} vs {next(iter(tgt_act))}")
    return "; ".join(parts)
