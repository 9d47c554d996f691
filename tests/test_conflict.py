"""find_conflict: only the same kind of detail, stated on both sides, with values that differ."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from align.match.conflict import find_conflict
from align.match.units import split_clauses

DATA = Path(__file__).parent / "data"


def _reference(lang: str) -> dict[str, str]:
    with open(DATA / f"reference_{lang}.csv", encoding="utf-8", newline="") as f:
        return {r["source"]: r["target"] for r in csv.DictReader(f)}


def test_seed_blacklisting_years_conflict():
    zh = _reference("zh")
    de = _reference("de")
    zh_sentence = next(t for s, t in zh.items() if "美国商务部 2020 年已将海康威视列入实体清单" in s)
    de_sentence = next(t for s, t in de.items() if s.startswith("Zu den Vereinigten Staaten gehörten Hikvision"))
    # The unit the aligner pairs: the first clause of the Chinese sentence (2021 is a second claim).
    zh_unit = split_clauses(zh_sentence)[0]
    assert "2021" not in zh_unit
    assert find_conflict(zh_unit, de_sentence) == "year: 2020 vs 2019"
    assert find_conflict(de_sentence, zh_unit) == "year: 2019 vs 2020"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("It affects more than 100 countries.", "It serves 150 countries.", ""),
        ("It affects 100 countries.", "It serves 150 countries.", "country: 100 countries vs 150 countries"),
        ("It serves more than 150 countries and regions.", "It serves over 150 countries.", ""),
        ("It serves about 100 countries.", "It serves 105 countries.", ""),
        ("It serves at most 100 countries.", "It serves more than 100 countries.", "country: at most 100 countries vs more than 100 countries"),
        ("11 Chinese companies were listed.", "Twelve Chinese companies were listed.", "company: 11 Chinese companies vs Twelve Chinese companies"),
        ("It hired 100 engineers.", "It serves 150 countries.", ""),  # different nouns
        ("Listed in 2020.", "Listed in 2020 and 2021.", ""),  # a shared year
        ("The ban came in 2019.", "Nothing about when.", ""),  # only one side states a year
        ("Arrested in December 2018.", "Arrested in December 2018.", ""),
        ("Photo taken on 28 May 2019.", "Photo taken on May 28, 2019.", ""),
        ("Photo taken on 28 May 2019.", "Photo taken on 29 May 2019.", "date: 2019-05-28 vs 2019-05-29"),
        ("The United States blacklisted Hikvision.", "Canada banned Hikvision.", "actor: United States vs Canada"),
        ("China urges the US to correct its mistakes.", "China urges Canada to correct its wrong practices.", ""),
    ],
)
def test_details(a, b, expected):
    assert find_conflict(a, b) == expected


def test_several_details_are_joined():
    out = find_conflict("In 2020 it served 100 countries.", "In 2019 it served 150 countries.")
    assert out == "year: 2020 vs 2019; country: 100 countries vs 150 countries"


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("Exports rose 5% in May.", "Exports rose 7 percent in May.", "percent: 5% vs 7 percent"),
        ("Exports rose about 5 per cent.", "Exports rose 5.2%.", ""),
        ("It paid $5 million.", "It paid 7 million dollars.", "dollar: $5 million vs 7 million dollars"),
        ("Hikvision said it was reviewing the report.", "Huawei said it was reviewing the report.",
         "said: Hikvision vs Huawei"),
        ("Hikvision said it would comply.", "Hangzhou-based Hikvision said it would comply.", ""),
        ("The Commerce Department banned the sale.", "Officials banned the sale.", ""),
        ("He said it was wrong.", "She said it was wrong.", ""),  # pronouns are no names
        # units without English are compared on their original text: digits and dates still count
        ("美国商务部 2020 年已将海康威视列入实体清单", "Die USA setzten Hikvision 2019 auf eine schwarze Liste", "year: 2020 vs 2019"),
        ("2019年5月28日发布", "am 29. Mai 2019 veröffentlicht", "date: 2019-05-28 vs 2019-05-29"),
        ("2019年5月28日发布", "published on May 28, 2019", ""),
    ],
)
def test_more_details(a, b, expected):
    assert find_conflict(a, b) == expected


@pytest.mark.parametrize(
    "text",
    [
        "1," * 10_000, "1 " * 10_000, "9" * 20_000, " " * 20_000 + "1", "1,2 " * 5_000, "1 , " * 5_000,
        "more than 1 " * 2_000, "$1 " * 6_000, "A " * 10_000 + "said", "28 " * 7_000 + "May", "1." * 10_000,
    ],
)
def test_long_runs_finish(text):
    """Every regex in conflict.py is linear: 20,000-character runs of digits, commas and spaces
    (a 24 KB number list once took 30 s).  The alarm turns a regression into a failure, not a hang."""
    import signal

    def _timeout(signum, frame):
        raise TimeoutError("find_conflict did not finish within 20 s")

    old = signal.signal(signal.SIGALRM, _timeout)
    signal.alarm(20)
    try:
        assert isinstance(find_conflict(text, text[::-1]), str)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def test_random_number_soup_is_handled():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=50, deadline=None)
    @given(st.text(alphabet="0123456789,. %$abcMayin", max_size=400))
    def check(text):
        assert isinstance(find_conflict(text, "In 2019 it served 150 countries."), str)

    check()
