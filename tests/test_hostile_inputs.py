"""Hostile inputs (issue 6, ingest/segment part): every file ends as a Document or a clear
InputError, nothing else escapes, and segmentation never loses text."""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from align.config import MAX_INPUT_BYTES as DEFAULT_MAX_BYTES
from align.ingest import discover_inputs, ingest_bytes, ingest_file, ingest_paths
from align.segment import segment_document
from align.types import InputError

GERMAN = "Die Äußerungen von Peking kommen, nachdem Ottawa angekündigt hatte, alle Aktivitäten einzustellen."


def ingest_error(path, **kwargs) -> InputError:
    with pytest.raises(InputError) as info:
        ingest_file(path, **kwargs)
    assert info.value.failure.path == str(path)
    assert str(path) in str(info.value)
    return info.value


def check_sentences(doc):
    """The invariants every segmentation must keep."""
    sents = segment_document(doc)
    previous = 0
    for i, s in enumerate(sents):
        assert s.sent_id == i and doc.text[s.start:s.end] == s.text
        assert previous <= s.start < s.end
        assert doc.text[previous:s.start].strip() == ""
        previous = s.end
    assert doc.text[previous:].strip() == ""
    return sents


# ---------------------------------------------------------------------------------- bad files


@pytest.mark.parametrize("name,data,stage,message", [
    ("empty.txt", b"", "read", "file is empty (0 bytes)"),
    ("blank.txt", b" \n\t\r\n \xe3\x80\x80\n", "decode", "file contains only whitespace"),
    ("blank16.txt", "\ufeff  \n \n".encode("utf-16"), "decode", "file contains only whitespace"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "decode",
     "binary file (PNG image), not text"),
    ("archive.md", b"PK\x03\x04\x14\x00" + bytes(range(256)) * 2, "decode", "ZIP archive"),
    ("blob.html", bytes(range(256)) * 8, "decode", "binary file"),
    ("scripts.html", b"<html><head><script>document.title='Hello world';</script></head><body>"
     b"<template><p>Lorem ipsum dolor sit amet.</p></template><script>var t = 'text';</script>"
     b"<style>p{}</style></body></html>", "parse", "no readable text"),
    ("punct.txt", "*** --- ### 。。。 \"\"".encode(), "parse", "no readable text"),
])
def test_bad_files_fail_with_clear_message(tmp_path, name, data, stage, message):
    path = tmp_path / name
    path.write_bytes(data)
    err = ingest_error(path)
    assert err.failure.stage == stage
    assert message in err.failure.error


def test_random_high_bytes_are_not_text(tmp_path):
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes([0x80 + (i * 37) % 0x80 for i in range(3000)]))
    err = ingest_error(path)
    assert err.failure.stage == "decode"


def test_file_over_max_bytes_is_reported_with_size_not_truncated(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_bytes((GERMAN + "\n").encode() * 200)
    size = path.stat().st_size
    err = ingest_error(path, max_bytes=10_000)
    assert err.failure.stage == "read"
    assert f"{size:,} bytes" in err.failure.error and "10,000" in err.failure.error
    assert "--max-bytes" in err.failure.error
    # Under a larger limit the whole file is read, not a prefix.
    doc = ingest_file(path, max_bytes=size)
    assert len(doc.paragraphs) == 200
    assert DEFAULT_MAX_BYTES >= 10 * 1024 * 1024


def test_mixed_line_endings(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"Erste Zeile hier.\r\nZweite Zeile hier.\rDritte Zeile hier.\nVierte.\r\n")
    doc = ingest_file(path)
    assert [doc.text[p.start:p.end] for p in doc.paragraphs] == [
        "Erste Zeile hier.", "Zweite Zeile hier.", "Dritte Zeile hier.", "Vierte."]
    assert "\r" not in doc.text


def test_control_characters_removed(tmp_path):
    path = tmp_path / "ctrl.txt"
    path.write_bytes("Hallo\x07 Welt\x1b[1m.\x0b Zweiter\x00 Satz\x7f hier.\u200b".encode())
    doc = ingest_file(path)
    assert doc.text == "Hallo Welt[1m.\n\nZweiter Satz hier.\u200b"
    assert any("NUL" in w for w in doc.warnings)
    check_sentences(doc)


def test_invalid_surrogates_replaced_with_warning(tmp_path):
    utf8 = tmp_path / "cesu.txt"
    utf8.write_bytes(b"Hikvision reagierte \xed\xa0\xbd\xed\xb8\x80 sofort. Peking auch.")
    doc = ingest_file(utf8)
    assert doc.encoding == "utf-8"
    assert doc.text == "Hikvision reagierte \ufffd\ufffd sofort. Peking auch."
    assert any("surrogate" in w for w in doc.warnings)
    assert [s.text for s in check_sentences(doc)] == [
        "Hikvision reagierte \ufffd\ufffd sofort.", "Peking auch."]

    utf16 = tmp_path / "lone16.txt"
    utf16.write_bytes(b"\xff\xfe" + "Hallo ".encode("utf-16-le") + b"\x00\xd8"
                      + " Welt, wie geht es?".encode("utf-16-le"))
    doc = ingest_file(utf16)
    assert doc.text == "Hallo \ufffd Welt, wie geht es?"
    assert doc.warnings


def test_deeply_nested_html_5000_levels(tmp_path):
    path = tmp_path / "deep.html"
    path.write_text("<div>" * 5000 + f"<p>{GERMAN}</p>" + "<span><b>" * 5000 + "Ende hier.", "utf-8")
    doc = ingest_file(path)
    assert [doc.text[p.start:p.end] for p in doc.paragraphs] == [GERMAN, "Ende hier."]
    check_sentences(doc)


def test_deeply_nested_markdown(tmp_path):
    path = tmp_path / "deep.md"
    path.write_text(">" * 5000 + " " + GERMAN + "\n\n" + "- " * 3000 + "Punkt.\n", "utf-8")
    doc = ingest_file(path)
    assert GERMAN in doc.text and "Punkt." in doc.text
    check_sentences(doc)


def test_unclosed_html(tmp_path):
    path = tmp_path / "open.html"
    path.write_text("<html><body><p>Offener Absatz <b>fett <i>kursiv<p>" + GERMAN + "<div><p", "utf-8")
    doc = ingest_file(path)
    texts = [doc.text[p.start:p.end] for p in doc.paragraphs]
    assert texts[0] == "Offener Absatz fett kursiv"
    assert GERMAN in texts[1]


def test_broken_yaml_front_matter_warns_and_is_text(tmp_path):
    path = tmp_path / "broken.md"
    path.write_text("---\ntitle: [nicht geschlossen\nauthor: a: b\n---\n\n" + GERMAN, "utf-8")
    doc = ingest_file(path)
    assert doc.title == ""
    assert any("broken YAML front matter" in w and "treated as text" in w for w in doc.warnings)
    assert "title: [nicht geschlossen" in doc.text and GERMAN in doc.text

    unclosed = tmp_path / "unclosed.txt"
    unclosed.write_text("---\ntitle: Offen\n\n" + GERMAN, "utf-8")
    doc = ingest_file(unclosed)
    assert any("never closed" in w for w in doc.warnings)
    assert GERMAN in doc.text


def test_yaml_alias_bomb_in_front_matter_is_harmless(tmp_path):
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi")) + "title: *i\nauthor: *i\n---\n" + GERMAN
    path = tmp_path / "bomb.md"
    path.write_text(bomb, "utf-8")
    doc = ingest_file(path)
    assert doc.title == "" and doc.author == ""  # not scalars: ignored, never stringified
    assert doc.text == GERMAN


def test_pathological_sentence_stays_one_sentence(tmp_path):
    words = " ".join(f"wort{i}" for i in range(2000))  # ~17,000 characters, no punctuation
    path = tmp_path / "long.txt"
    path.write_text(words, "utf-8")
    doc = ingest_file(path)
    sents = check_sentences(doc)
    assert len(sents) == 1 and sents[0].text == words


def test_every_file_ends_in_documents_or_errors(seed_input):
    hostile = {
        "empty.txt": b"", "blank.md": b"\n \n", "bin.html": bytes(range(256)) * 4,
        "deep.htm": ("<div>" * 5000 + "Tiefer Text.").encode(),
        "gbk.txt": "中方对此坚决反对。美方关心的根本不是什么人权问题。".encode("gbk"),
        "copy.txt": (seed_input / "000_273696c2cfa1a6c5.txt").read_bytes(),
        "scripts.html": b"<script>alert('x')</script>",
    }
    (seed_input / "bad").mkdir()
    for name, data in hostile.items():
        (seed_input / "bad" / name).write_bytes(data)
    shutil.copy(seed_input / "004_6ce744fa065e481d.txt", seed_input / "bad" / "dup.TXT")

    docs, failures = ingest_paths([seed_input, seed_input / "missing.txt"])

    paths, _ = discover_inputs([seed_input])
    outcome = [d.path for d in docs] + [f.path for f in failures if f.stage != "discover"]
    assert sorted(outcome) == sorted(map(str, paths))
    assert len(outcome) == len(set(outcome))
    stages = {os.path.basename(f.path): f.stage for f in failures}
    assert stages == {"empty.txt": "read", "blank.md": "decode", "bin.html": "decode",
                      "copy.txt": "ingest", "dup.TXT": "ingest", "scripts.html": "parse",
                      "missing.txt": "discover"}
    assert sorted(os.path.basename(d.path) for d in docs) == [
        "000_273696c2cfa1a6c5.txt", "004_6ce744fa065e481d.txt", "deep.htm", "gbk.txt"]
    for doc in docs:
        check_sentences(doc)


# ---------------------------------------------------------------------------------- fuzzing

_SUFFIXES = st.sampled_from(["x.txt", "x.md", "x.html"])


def _ingest_and_segment(data: bytes, name: str) -> None:
    try:
        doc = ingest_bytes(data, name)
    except InputError as err:
        assert err.failure.stage in ("read", "decode", "parse") and err.failure.error
        return
    assert doc.text.strip() and doc.paragraphs
    for para in doc.paragraphs:
        assert doc.text[para.start:para.end].strip() == doc.text[para.start:para.end]
    check_sentences(doc)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600), _SUFFIXES)
def test_fuzz_random_bytes(data, name):
    _ingest_and_segment(data, name)


_TAGS = st.sampled_from(["p", "div", "b", "strong", "h1", "h2", "script", "template", "style",
                         "nav", "figure", "figcaption", "img", "br", "span", "li", "ul", "table",
                         "td", "a", "pre", "!--", "title", "meta"])
_WORDS = st.sampled_from(["Peking", "kommen.", "海康威视", "。", "，", '"', "“", "”", "&amp;",
                          "&#0;", "&nbsp;", " ", "\n", "z.B.", "4.", "Mai", "?", "<", ">",
                          "\x00", "\ud800", "---", "title: x", "\u3000", "ä", "e\u0301"])


@st.composite
def random_html(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 3))
        tag = draw(_TAGS)
        if kind == 0:
            parts.append(f"<{tag}>")
        elif kind == 1:
            parts.append(f"</{tag}>")
        elif kind == 2:
            parts.append(f'<{tag} class="{draw(st.sampled_from(["caption", "x", ""]))}" '
                         f'style="{draw(st.sampled_from(["", "display:none"]))}">')
        else:
            parts.append(draw(_WORDS))
    return "".join(parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_html(), _SUFFIXES, st.sampled_from(["utf-8", "utf-16", "gb18030"]),
       st.booleans())
def test_fuzz_random_html(markup, name, encoding, front_matter):
    if front_matter:
        markup = "---\ntitle: Titel\ndate: 2022-05-04\n---\n" + markup
    data = markup.encode(encoding, errors="surrogatepass" if encoding == "utf-8" else "replace")
    _ingest_and_segment(data, name)
