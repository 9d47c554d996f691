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
- quantity units: percentages ("5%", "5 percent", "5 per cent") compare as the noun "percent";
  currency amounts ("$5 million", "5 million dollars", "€3bn") as the currency's noun.
- date / year also in Chinese ("2019年5月28日") and German ("28. Mai 2019") writing, so units
  without English (compared on their original text) still get these checks.
- role (named organisation or person): the capitalised name that is the subject of a role verb
  ("Hikvision said", "the Commerce Department banned", "Reuters reported").  Compared per verb
  when each side names exactly one subject for it and the names share no word.
- actor (country / government): the country named as the subject of an action verb
  ("the United States blacklisted ...", "Canada banned ...", "China urges ...").  Compared only
  when each side names exactly one such actor and they differ.  Countries merely mentioned
  (objects, places) are not compared: reports of analogous events in different countries
  ("China urges the US ..." / "China urges Canada ...") are not contradictions.

Every regular expression here runs in linear time: numbers are found by one possessive pattern
that cannot start inside a digit run, and qualifiers, units and nouns are read from fixed-size
windows around each number (tests/test_conflict.py feeds 20,000-character digit/comma/space runs).
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
# German month names (a unit without English is compared on its original text)
_MONTHS.update({"januar": 1, "jänner": 1, "februar": 2, "märz": 3, "mai": 5, "juni": 6, "juli": 7,
                "oktober": 10, "dezember": 12})
_MONTH_RE = (
    r"(?:jan(?:uary|uar)?|jänner|feb(?:ruary|ruar)?|mar(?:ch)?|märz|apr(?:il)?|may|mai|june?|juni|july?|juli|"
    r"aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|oktober|nov(?:ember)?|dec(?:ember)?|dezember)\.?"
)

_DATE_DMY = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th|\.)?\s++({_MONTH_RE})(?:,?\s++((?:19|20)\d\d))?\b", re.IGNORECASE
)
_DATE_MDY = re.compile(rf"\b({_MONTH_RE})\s++(\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s++((?:19|20)\d\d))?", re.IGNORECASE)
_DATE_ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)\b")
_DATE_CJK = re.compile(r"((?:19|20)\d\d)\s*+年\s*+(\d{1,2})\s*+月\s*+(\d{1,2})\s*+[日号]")
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
# A number: one possessive pattern that never starts inside a digit run (linear on any input).
_NUMBER = re.compile(
    r"(?<![\w.,])(?P<num>\d++(?:,\d{3})*+(?:\.\d++)?+|(?:" + "|".join(_NUMBER_WORDS) + r")\b)", re.IGNORECASE
)
_AFTER = re.compile(
    r"^(?:\s*+(?P<scale>thousand|million|billion|trillion|bn)\b)?"
    r"(?P<plus>\s*+\+|\s++or\s++more|\s++plus)?"
    r"(?:(?P<pct>\s*+%|\s++percent\b|\s++per\s++cent\b)"
    r"|\s++(?P<words>[A-Za-z][\w-]*+(?:\s++[A-Za-z][\w-]*+){0,2}))",
    re.IGNORECASE,
)
_WINDOW = 48  # characters read before / after a number
_QUAL_TAIL = re.compile(rf"(?<!\w){_QUALIFIER}\s*+(?P<cur>[$€£¥])?\s*+$", re.IGNORECASE)


def _before(window: str):
    """The qualifier / currency symbol right before a number (a match on a short tail, or None)."""
    words = window.split()
    tail = " ".join(words[-3:])
    if window[-1:].isspace():
        tail += " "
    m = _QUAL_TAIL.search(tail) if tail else None
    return (m, tail) if m and (m.group("qual") or m.group("cur")) else None
_CURRENCY = {"$": "dollar", "€": "euro", "£": "pound", "¥": "yuan"}
_CURRENCY_NOUNS = {"dollar", "dollars", "euro", "euros", "pound", "pounds", "yuan", "renminbi", "yen"}
# Words that follow a number but are no quantity nouns.
# Words that end the noun phrase after a number ("11 Chinese companies were ...").
_PHRASE_END = {
    "were", "was", "are", "is", "be", "been", "that", "which", "who", "use", "used", "using", "have", "has",
    "had", "to", "and", "or", "of", "in", "on", "at", "for", "with", "from", "by", "as", "than", "will", "would",
}
_NOT_NOUNS = {
    "of", "and", "or", "to", "in", "on", "at", "the", "a", "percent", "per", "years", "year", "months",
    "days", "st", "nd", "rd", "th", "more", "than", "times", "thousand", "million", "billion", "trillion", "bn",
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
    for rx in (_DATE_ISO, _DATE_CJK):
        for m in rx.finditer(text):
            month, day = int(m.group(2)), int(m.group(3))
            if 1 <= month <= 12 and 1 <= day <= 31:
                found.add((int(m.group(1)), month, day))
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
    """Numbers with their noun or unit: {noun key: [(shown text, range)]}."""
    out: dict[str, list[tuple[str, tuple]]] = {}
    for m in _NUMBER.finditer(text):
        start, end = m.span("num")
        if any(a <= start < b for a, b in skip_spans):
            continue
        after = _AFTER.match(text[end : end + _WINDOW])
        if after is None:
            continue
        before = _before(text[max(0, start - _WINDOW) : start])
        num = m.group("num")
        qual = before[0].group("qual") if before else None
        cur = before[0].group("cur") if before else None
        if re.fullmatch(r"(?:19|20)\d\d", num) and not qual and not cur and not after.group("pct"):
            continue  # a year
        value = _parse_number(num, after.group("scale"))
        if value is None:
            continue
        head = before[1][before[0].start() :] if before else ""
        if after.group("pct"):
            noun, phrase = "percent", []
        else:
            phrase = []
            for word in (after.group("words") or "").split():
                if word.lower() in _PHRASE_END:
                    break
                phrase.append(word)
            if cur:
                noun = _CURRENCY[cur]
            elif phrase and phrase[0].lower() in _CURRENCY_NOUNS:
                noun, phrase = phrase[0], phrase[:1]
            else:
                if not phrase or phrase[0].lower() in _NOT_NOUNS or phrase[-1].lower() in _NOT_NOUNS:
                    continue
                noun = phrase[-1]
        tail = text[end : end + after.start("words")] if after.group("words") else text[end : end + after.end()]
        shown = re.sub(r"\s+", " ", head + num + tail + " ".join(phrase)).strip()
        out.setdefault(_noun_key(noun), []).append((shown, _range(value, qual, after.group("plus"))))
    return out


# A named subject (capitalised words, optionally "the ... Department") of a role verb.
_ROLE_VERBS = {
    "said": "said", "says": "said", "say": "said", "told": "said", "stated": "said", "added": "said",
    "announced": "announced", "announces": "announced", "reported": "reported", "reports": "reported",
    "banned": "banned", "bans": "banned", "blacklisted": "blacklisted", "sanctioned": "sanctioned",
    "sanctions": "sanctioned", "ordered": "ordered", "orders": "ordered", "arrested": "arrested",
    "accused": "accused", "accuses": "accused", "denied": "denied", "denies": "denied",
    "confirmed": "confirmed", "confirms": "confirmed",
}
_NAME_WORD = r"[A-Z][\w.&'-]*+"
_ROLE = re.compile(
    rf"(?<![\w.&'-])(?P<name>{_NAME_WORD}(?:\s++(?:of\s++|for\s++|and\s++)?{_NAME_WORD}){{0,4}})"
    rf"(?:\s++(?:has|had|also|have|on\s++\w++))?\s++(?P<verb>" + "|".join(_ROLE_VERBS) + r")\b"
)
_NOT_NAMES = {"it", "he", "she", "they", "we", "i", "this", "that", "there", "the", "a", "an", "but", "and",
              "in", "on", "its", "his", "her", "their", "our", "you", "officials", "official", "analysts",
              "experts", "critics", "police", "authorities", "residents", "sources", "lawmakers", "regulators",
              "investigators", "prosecutors", "witnesses", "reports", "report", "statement", "spokesman",
              "spokeswoman", "spokesperson", "government", "ministry", "company", "companies", "people"}
_NAME_DROP = {"the", "a", "an", "but", "and", "in", "on", "meanwhile", "however", "also", "yesterday", "today"}


def _roles(text: str) -> dict[str, set[str]]:
    """{role verb: {named subjects}} (countries excluded: the actor check covers them)."""
    out: dict[str, set[str]] = {}
    for m in _ROLE.finditer(text):
        words = m.group("name").split()
        while words and words[0].lower() in _NAME_DROP:
            words = words[1:]
        if not words or words[0].lower() in _NOT_NAMES or (len(words) == 1 and words[0].lower() in _NOT_NAMES):
            continue
        name = " ".join(words)
        if name.lower() in _COUNTRIES or name.lower().removeprefix("the ") in _COUNTRIES:
            continue
        out.setdefault(_ROLE_VERBS[m.group("verb")], set()).add(name)
    return out


def _name_words(name: str) -> set[str]:
    return {w.lower().strip(".,'") for w in re.findall(r"[\w.&'-]+", name)} - {"of", "for", "and"}


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
    src_roles, tgt_roles = _roles(src_en), _roles(tgt_en)
    for verb in sorted(set(src_roles) & set(tgt_roles)):
        a, b = src_roles[verb], tgt_roles[verb]
        if len(a) == 1 and len(b) == 1:
            (x,), (y,) = a, b
            if not (_name_words(x) & _name_words(y)):
                parts.append(f"{verb}: {x} vs {y}")
    return "; ".join(parts)
