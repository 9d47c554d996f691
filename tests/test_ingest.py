"""Ingest: discovery, formats, metadata, encodings, duplicates and doc ids, on the real seeds."""

from __future__ import annotations

import hashlib
import shutil
import unicodedata
from pathlib import Path

import pytest

from align.ingest import (
    assign_doc_ids,
    discover_inputs,
    find_duplicate_files,
    ingest_bytes,
    ingest_file,
    ingest_paths,
    normalize_date,
    parse_plain_text,
)
from align.ingest.language import detect_language, get_detector

ZH_TITLE = "刚刚，海康威视回应_美严厉制裁威胁_"


@pytest.fixture(scope="module")
def zh_doc(seed_paths):
    return ingest_file(seed_paths["zh"])


@pytest.fixture(scope="module")
def de_doc(seed_paths):
    return ingest_file(seed_paths["de"])


def _paragraph_texts(doc):
    return [doc.text[p.start:p.end] for p in doc.paragraphs]


# ---------------------------------------------------------------------------------- discovery


def test_discover_walks_folders_filters_extensions_sorts_and_dedups(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / ".hidden").mkdir()
    for rel in ("b/z.TXT", "a/deep/y.Markdown", "a/x.htm", "a/w.HTML", "a/v.md", "c.txt"):
        (tmp_path / rel).write_text("Text.", encoding="utf-8")
    for rel in ("a/skip.pdf", "a/skip.json", ".hidden/h.txt", "a/.dot.txt"):
        (tmp_path / rel).write_text("Text.", encoding="utf-8")

    paths, failures = discover_inputs([tmp_path, tmp_path / "c.txt", tmp_path / "a"])

    rel = [p.relative_to(tmp_path).as_posix() for p in paths]
    assert rel == ["a/deep/y.Markdown", "a/v.md", "a/w.HTML", "a/x.htm", "b/z.TXT", "c.txt"]
    assert failures == []


def test_discover_reports_missing_and_unsupported_paths(tmp_path):
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(b"%PDF-1.4")
    paths, failures = discover_inputs([tmp_path / "nope", pdf])
    assert paths == []
    assert [(f.stage, Path(f.path).name) for f in failures] == [("discover", "nope"),
                                                                ("discover", "paper.pdf")]
    assert "no such file or folder" in failures[0].error
    assert "unsupported file type '.pdf'" in failures[1].error


# ---------------------------------------------------------------------------------- the seeds


def test_zh_seed_metadata(zh_doc, seed_paths):
    raw = seed_paths["zh"].read_bytes()
    assert zh_doc.doc_id == "000_273696c2cfa1a6c5"
    assert zh_doc.format == "markdown"  # YAML front matter + HTML body, parsed as HTML
    assert zh_doc.lang == "zh"
    assert zh_doc.title == ZH_TITLE
    assert zh_doc.author == "ZAKER"
    assert zh_doc.date == "2022-05-04T23:12:35+00:00"
    assert zh_doc.categories == ["新媒体", "ZAKER", "source"]
    assert zh_doc.sha256 == hashlib.sha256(raw).hexdigest()
    assert zh_doc.encoding == "utf-8"
    assert zh_doc.warnings == []


def test_zh_seed_paragraphs_title_headings_captions(zh_doc):
    kinds = [p.kind for p in zh_doc.paragraphs]
    texts = _paragraph_texts(zh_doc)
    assert kinds[0] == "title" and texts[0] == ZH_TITLE
    # Short standalone bold lines without closing punctuation: the lead and the source line.
    assert [t for k, t in zip(kinds, texts) if k == "heading"] == [
        "海康威视：消息待核实，希望获得公平公正对待", "来源：环球网 / 乌元春 张江平"]
    # Loose text right after each image box.
    assert [t for k, t in zip(kinds, texts) if k == "caption"] == [
        "《金融时报》报道截图", "2019 年 5 月 28 日，浙江杭州，海康威视公司总部。"]
    assert kinds.count("body") == 9
    # The long bold paragraph ending in 。 is body, not a heading.
    assert any(t.startswith("声明称，") for k, t in zip(kinds, texts) if k == "body")


def test_zh_seed_text_is_clean_and_offsets_are_true(zh_doc):
    text = zh_doc.text
    for marker in ("<", ">", "img_box", "http", "onclick", "---", "headimg"):
        assert marker not in text
    assert "\n\n\n" not in text  # empty <p><b> </b></p> left no empty paragraph
    assert text == "\n\n".join(_paragraph_texts(zh_doc))
    assert [p.para_id for p in zh_doc.paragraphs] == list(range(len(zh_doc.paragraphs)))
    for para in zh_doc.paragraphs:
        chunk = text[para.start:para.end]
        assert chunk == chunk.strip() and chunk and "\n" not in chunk
    # Spaced ASCII quotes inside CJK text are kept exactly as written.
    assert '拜登政府已在为这项 " 与人权有关 " 的制裁 " 打基础 "。' in text
    # Inline <strong> runs join the surrounding text of the same paragraph.
    assert "英国《金融时报》4 日援引 4 名知情人士的消息称，美国正准备对中国企业海康威视" in text
    assert text == unicodedata.normalize("NFC", text)


def test_de_seed_is_plain_text_one_paragraph_per_line(de_doc, seed_paths):
    lines = [ln for ln in seed_paths["de"].read_text(encoding="utf-8").splitlines() if ln.strip()]
    assert de_doc.format == "txt"
    assert de_doc.lang == "de"
    assert de_doc.title == "" and de_doc.date == "" and de_doc.author == ""
    assert _paragraph_texts(de_doc) == [ln.strip() for ln in lines]
    assert len(de_doc.paragraphs) == 14
    assert {p.kind for p in de_doc.paragraphs} == {"body"}


# ---------------------------------------------------------------------------------- encodings


TRADITIONAL = ("報道稱，美方尚未就此做出最終決定，但此舉將影響深遠，海康威視是全球最大的監控設備製造商。"
               "中方對此堅決反對。")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-le", "utf-16-be",
                                      "gb18030", "gbk"])
def test_zh_seed_reencoded_reads_the_same(encoding, seed_paths, zh_doc):
    raw = seed_paths["zh"].read_text(encoding="utf-8").encode(encoding)
    doc = ingest_bytes(raw, seed_paths["zh"])
    assert doc.text == zh_doc.text
    assert [(p.kind, p.start, p.end) for p in doc.paragraphs] == \
        [(p.kind, p.start, p.end) for p in zh_doc.paragraphs]
    assert doc.title == ZH_TITLE and doc.date == zh_doc.date
    assert doc.sha256 == hashlib.sha256(raw).hexdigest() != zh_doc.sha256
    assert doc.warnings == []


@pytest.mark.parametrize("encoding", ["cp1252", "utf-16-le", "utf-16-be", "utf-16", "utf-8-sig"])
def test_de_seed_reencoded_reads_the_same(encoding, seed_paths, de_doc):
    raw = seed_paths["de"].read_text(encoding="utf-8").encode(encoding)
    doc = ingest_bytes(raw, seed_paths["de"])
    assert doc.text == de_doc.text
    assert doc.lang == "de"


def test_de_seed_latin1(seed_paths, de_doc):
    text = seed_paths["de"].read_text(encoding="utf-8").replace("„", '"').replace("“", '"')
    doc = ingest_bytes(text.encode("latin-1"), seed_paths["de"])
    assert doc.encoding == "cp1252"  # the superset of Latin-1 for printable text
    assert doc.text == de_doc.text.replace("„", '"').replace("“", '"')


@pytest.mark.parametrize("text,encoding", [
    (TRADITIONAL, "big5"),
    (TRADITIONAL[:20], "big5"),
    ("报道称，美方尚未就此做出最终决定，但此举将影响深远，海康威视是全球最大的监控设备制造商。", "gbk"),
    ("报道称，美方尚未就此做出最终决定，但此举将影响深远，海康威视是全球最大的监控设备制造商。", "utf-16-le"),
    ("报道称，美方尚未就此做出最终决定，但此举将影响深远，海康威视是全球最大的监控设备制造商。", "utf-16-be"),
    ("Die Äußerungen von Peking fanden am Montag statt, nachdem Joly „schädlich“ sagte.", "cp1252"),
    ("Die Äußerungen von Peking fanden am Montag statt.", "latin-1"),
    ("Grüße aus Köln.", "cp1252"),
])
def test_short_seed_sentences_in_legacy_encodings(tmp_path, text, encoding):
    path = tmp_path / "short.txt"
    path.write_bytes(text.encode(encoding))
    doc = ingest_file(path)
    assert doc.text == text


def test_nfc_normalisation(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Äußerungen über Zürich.")
    path = tmp_path / "nfd.txt"
    path.write_text(decomposed, encoding="utf-8")
    doc = ingest_file(path)
    assert doc.text == "Äußerungen über Zürich."


# ---------------------------------------------------------------------------------- formats


def test_html_drops_chrome_keeps_blocks_in_order(tmp_path):
    html = """<!DOCTYPE html><html><head><title>Page title | Site</title>
    <meta name="author" content="Jane Roe">
    <meta property="article:published_time" content="2022-05-05T08:00:00Z">
    <style>p {color: red}</style><script>var x = "Script text";</script></head>
    <body><nav><a href="/">Home</a> <a href="/news">News</a></nav>
    <article><h1>Kanada verbietet Hikvision</h1>
    <p>Erster Absatz mit &amp; Entität und&nbsp;Leerzeichen.</p>
    <figure><img src="a.jpg"><figcaption>Ein Bild von Ottawa.</figcaption></figure>
    <h2>Reaktion aus Peking</h2><p>Zweiter <em>Absatz</em>.</p>
    <div style="display:none">Versteckt.</div><noscript>Kein JS.</noscript>
    <template><p>Vorlage.</p></template><!-- Kommentar -->
    </article><footer>Impressum</footer></body></html>"""
    path = tmp_path / "page.html"
    path.write_text(html, encoding="utf-8")
    doc = ingest_file(path)
    assert doc.format == "html"
    assert doc.title == "Kanada verbietet Hikvision"
    assert doc.author == "Jane Roe"
    assert doc.date == "2022-05-05T08:00:00+00:00"
    assert [(p.kind, doc.text[p.start:p.end]) for p in doc.paragraphs] == [
        ("title", "Kanada verbietet Hikvision"),
        ("body", "Erster Absatz mit & Entität und\xa0Leerzeichen."),
        ("caption", "Ein Bild von Ottawa."),
        ("heading", "Reaktion aus Peking"),
        ("body", "Zweiter Absatz."),
    ]


def test_html_without_h1_takes_head_title_as_title_paragraph(tmp_path):
    path = tmp_path / "p.htm"
    path.write_text("<title>The headline</title><p>Body sentence one. Body two.</p>", "utf-8")
    doc = ingest_file(path)
    assert doc.title == "The headline"
    assert [p.kind for p in doc.paragraphs] == ["title", "body"]


def test_markdown_markup_stripped_headings_kept(tmp_path):
    md = ("---\ntitle: Ein Titel\nauthor: [A. Autor, B. Autorin]\ndate: 2024-06-01\n"
          "source: Beispiel\n---\n\n# Überschrift\n\nText mit **fett** und [Link](http://x.y).\n"
          "Zweite Zeile desselben Absatzes.\n\n## Unterpunkt\n\n- Punkt eins\n- Punkt zwei\n")
    path = tmp_path / "post.md"
    path.write_text(md, encoding="utf-8")
    doc = ingest_file(path)
    assert doc.format == "markdown"
    assert (doc.title, doc.author, doc.date, doc.source) == (
        "Ein Titel", "A. Autor, B. Autorin", "2024-06-01", "Beispiel")
    assert [(p.kind, doc.text[p.start:p.end]) for p in doc.paragraphs] == [
        ("title", "Ein Titel"),
        ("heading", "Überschrift"),
        ("body", "Text mit fett und Link. Zweite Zeile desselben Absatzes."),
        ("heading", "Unterpunkt"),
        ("body", "Punkt eins"),
        ("body", "Punkt zwei"),
    ]


def test_plain_text_blank_line_paragraphs_join_hard_wraps():
    text = "第一段的第一行\n第一段的第二行。\n\nFirst line of\nthe second paragraph.\n"
    assert parse_plain_text(text) == [("body", "第一段的第一行第一段的第二行。"),
                                      ("body", "First line of the second paragraph.")]


@pytest.mark.parametrize("value,expected", [
    ("Wed, 04 May 2022 23:12:35 GMT", "2022-05-04T23:12:35+00:00"),
    ("2022-05-04T23:12:35Z", "2022-05-04T23:12:35+00:00"),
    ("2022-05-04 23:12", "2022-05-04T23:12:00"),
    ("04.05.2022", "2022-05-04"),
    ("2022年5月4日", "2022-05-04"),
    ("May 4, 2022", "2022-05-04"),
    ("yesterday", ""),
    (12345, ""),
])
def test_normalize_date(value, expected):
    assert normalize_date(value) == expected


def test_unparseable_front_matter_date_warns(tmp_path):
    path = tmp_path / "d.md"
    path.write_text("---\ntitle: T\ndate: last tuesday\n---\nSome body text here.", "utf-8")
    doc = ingest_file(path)
    assert doc.date == ""
    assert any("could not parse front-matter date 'last tuesday'" in w for w in doc.warnings)


# ---------------------------------------------------------------------------------- language


def test_language_detection_on_seed_text_and_fallbacks(de_doc, zh_doc):
    assert detect_language(de_doc.text) == "de"
    assert detect_language(zh_doc.text) == "zh"
    assert detect_language("The cat sat on the mat and looked out of the window.") == "en"
    assert detect_language("ひらがなとカタカナの文です。") == "ja"
    assert detect_language("한국어 문장입니다.") == "ko"
    assert detect_language("OK", default="de") == "de"  # too short to tell
    assert detect_language("12345 !!!") == "unknown"
    assert get_detector() is get_detector()  # built once


# ---------------------------------------------------------------------------------- corpus


def test_duplicates_reported_once_and_ids_unique(seed_input, tmp_path):
    (seed_input / "copy").mkdir()
    shutil.copy(seed_input / "004_6ce744fa065e481d.txt", seed_input / "copy" / "again.txt")
    (seed_input / "sub").mkdir()
    (seed_input / "sub" / "004_6ce744fa065e481d.md").write_text("Ganz anderer Text hier.", "utf-8")
    (seed_input / "empty.txt").write_bytes(b"")

    docs, failures = ingest_paths([seed_input])

    assert sorted(d.doc_id for d in docs) == [
        "000_273696c2cfa1a6c5", "004_6ce744fa065e481d.txt", "sub_004_6ce744fa065e481d.md"]
    assert len({d.doc_id for d in docs}) == len(docs)
    by_name = {Path(f.path).name: f for f in failures}
    assert set(by_name) == {"again.txt", "empty.txt"}
    assert by_name["again.txt"].stage == "ingest"
    assert by_name["again.txt"].error == f"duplicate of {seed_input / '004_6ce744fa065e481d.txt'}"
    assert by_name["empty.txt"].stage == "read"
    # Every discovered file ends in exactly one of the two lists.
    paths, _ = discover_inputs([seed_input])
    assert sorted(map(str, paths)) == sorted([d.path for d in docs] + [f.path for f in failures])


def test_find_duplicate_files_keeps_first(seed_paths, tmp_path):
    copy = tmp_path / "copy.txt"
    shutil.copy(seed_paths["de"], copy)
    docs = [ingest_file(seed_paths["de"]), ingest_file(seed_paths["zh"]), ingest_file(copy)]
    kept, failures = find_duplicate_files(docs)
    assert [d.path for d in kept] == [str(seed_paths["de"]), str(seed_paths["zh"])]
    assert [(f.path, f.stage, f.error) for f in failures] == [
        (str(copy), "ingest", f"duplicate of {seed_paths['de']}")]


def test_assign_doc_ids_same_stem_in_different_folders(tmp_path):
    for rel in ("a/news.txt", "b/news.txt", "b/other.txt"):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        (tmp_path / rel).write_text(f"Inhalt von {rel}.", "utf-8")
    docs = [ingest_file(tmp_path / rel) for rel in ("a/news.txt", "b/news.txt", "b/other.txt")]
    assert [d.doc_id for d in docs] == ["news", "news", "other"]
    assign_doc_ids(docs)
    assert [d.doc_id for d in docs] == ["a_news.txt", "b_news.txt", "other"]
    # Stable: the same inputs give the same ids.
    again = assign_doc_ids([ingest_file(tmp_path / r) for r in ("a/news.txt", "b/news.txt")])
    assert [d.doc_id for d in again] == ["a_news.txt", "b_news.txt"]


def test_bold_lines_and_image_captions_classified(tmp_path):
    html = ("<p><strong>海康威视：消息待核实</strong></p>"
            "<p><b>声明称，海康威视服务于全球 150 多个国家和地区。</b></p>"
            "<p><b>Er sagte: „Wir prüfen das.“</b></p>"
            "<p>Gemischt <b>fett</b> und normal</p>"
            "<p><img src='a.jpg'></p><p>Absatz nach dem Bild, kein Untertitel.</p>"
            "<div class='img'><img src='b.jpg'></div>Loser Text nach dem Bild<p></p>"
            "<p class='image-caption'>Bildunterschrift per Klasse</p>"
            "<p><b> </b></p><p>&nbsp;</p>")
    path = tmp_path / "kinds.html"
    path.write_text(html, "utf-8")
    doc = ingest_file(path)
    assert [(p.kind, doc.text[p.start:p.end]) for p in doc.paragraphs] == [
        ("heading", "海康威视：消息待核实"),
        ("body", "声明称，海康威视服务于全球 150 多个国家和地区。"),
        ("body", "Er sagte: „Wir prüfen das.“"),
        ("body", "Gemischt fett und normal"),
        ("body", "Absatz nach dem Bild, kein Untertitel."),
        ("caption", "Loser Text nach dem Bild"),
        ("caption", "Bildunterschrift per Klasse"),
    ]
