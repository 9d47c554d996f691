"""The HTML report, built from realistic tables (real seed sentences + a hostile English page)."""

from __future__ import annotations

import base64
import hashlib
import io
import re
from pathlib import Path

import matplotlib.image
import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from align.output.report import Tables, load_tables, pair_page_names, summary_rows, write_report
from align.output import schema
from tests import report_fixture as fx


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    out = tmp_path_factory.mktemp("out")
    frames = fx.write_tables(out)
    write_report(out)
    return out, frames


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def pair_page(out: Path, a: str, b: str) -> Path:
    return out / "report" / pair_page_names([fx.ZH, fx.DE, fx.EN])[(a, b)]


def test_load_tables_reads_parquet_and_csv_alike(tmp_path):
    frames = fx.write_tables(tmp_path / "both")
    fx.write_tables(tmp_path / "csv", formats=("csv",))
    from_parquet, from_csv = load_tables(tmp_path / "both"), load_tables(tmp_path / "csv")
    for name in ("documents", "sentences", "alignments", "claims", "errors"):
        pd.testing.assert_frame_equal(getattr(from_parquet, name), getattr(from_csv, name), check_dtype=False)
    al = from_csv.alignments
    assert al["src_sent_ids"].tolist() == [list(v) for v in frames["alignments"]["src_sent_ids"]]
    assert al["mutual"].tolist() == frames["alignments"]["mutual"].tolist()
    assert al["score"].dtype == float
    assert from_csv.sentences["duplicate_of"].equals(frames["sentences"]["duplicate_of"])


def test_load_tables_reads_what_align_tables_writes(tmp_path):
    from align.output.tables import write_table

    frames = fx.build_tables()
    for name, df in frames.items():
        write_table(df, tmp_path, name)
    tables = load_tables(tmp_path)
    assert tables.sentences["duplicate_of"].equals(schema.normalise(fx.build_tables()["sentences"], "sentences")["duplicate_of"])
    assert tables.alignments["tgt_sent_ids"].tolist() == frames["alignments"]["tgt_sent_ids"].tolist()
    (tmp_path / "sentences.parquet").unlink()  # the CSV reads the same
    assert load_tables(tmp_path).sentences.equals(tables.sentences)
    write_report(tmp_path, tables)
    assert soup(pair_page(tmp_path, fx.ZH, fx.DE)).find(id="b-s8").select_one(".dup").get_text() == "repeat of §3"


def test_load_tables_without_documents_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path))):
        load_tables(tmp_path)


def test_writes_index_and_one_page_per_pair_atomically(built):
    out, _ = built
    report = out / "report"
    names = sorted(p.name for p in report.iterdir())
    assert names == sorted(["index.html", *pair_page_names([fx.ZH, fx.DE, fx.EN]).values()])
    assert not [n for n in names if n.startswith(".")]  # no temp files left behind


def test_index_lists_documents_grid_claims_conflicts_errors(built):
    out, frames = built
    page = soup(out / "report" / "index.html")
    rows = page.select("tr.doc-row")
    assert [r.select_one(".title-cell").get_text() for r in rows] == frames["documents"]["title"].tolist()
    assert [r.select("td")[7].get_text() for r in rows] == [str(n) for n in frames["documents"]["n_sentences"]]

    # grid: every off-diagonal cell links to an existing pair page and shows the shared-claim count
    claims = frames["claims"]
    docs_of = claims.groupby("claim_id")["doc_id"].apply(set)
    links = page.select("table.grid a.pair-link")
    assert len(links) == 3 * 2
    for link in links:
        target = out / "report" / link["href"]
        assert target.is_file()
    zh_de = [a for a in links if a["href"] == pair_page(out, fx.ZH, fx.DE).name]
    assert {a.select_one(".big").get_text() for a in zh_de} == {str(sum({fx.ZH, fx.DE} <= d for d in docs_of))}

    shared = page.select("tr.claim-row")
    assert len(shared) == sum(len(d) >= 2 for d in docs_of)
    assert [r.select_one(".ndocs").get_text() for r in shared] == sorted(
        (str(len(d)) for d in docs_of if len(d) >= 2), reverse=True)

    conflicts = page.select("tr.conflict-row")
    expected = frames["alignments"][frames["alignments"]["conflict"] != ""]
    assert [r.select_one(".differs").get_text() for r in conflicts] == expected["conflict"].tolist()
    for row in conflicts:  # links go to the alignment row on the pair page
        page_name, anchor = row.a["href"].split("#")
        assert soup(out / "report" / page_name).find(id=anchor) is not None

    unique = {h.select_one(".doc-tag").get_text(): int(h.select_one(".count").get_text())
              for h in page.select(".unique-doc h3")}
    assert unique == {f"D{i}": sum(docs_of.map(lambda d: d == {doc})) for i, doc in enumerate(
        frames["documents"]["doc_id"], start=1)}

    errors = page.select("tr.error-row")
    assert [r.td.get_text() for r in errors] == frames["errors"]["path"].tolist()


def _assert_inert(html: str, page: BeautifulSoup) -> None:
    """Hostile article text is shown as text: no element, attribute or URL comes from it."""
    assert "<script>document.title" not in html and "<img src=x" not in html and "<svg onload" not in html
    assert len(page.find_all("script")) == 1 and "PWNED" not in page.find("script").get_text()
    assert page.find("img") is None and page.find(id="pwned") is None
    for tag in page.find_all(True):
        assert not [a for a in tag.attrs if a.lower().startswith("on")], tag.name
        for attr in ("href", "src", "action", "formaction", "style"):
            value = str(tag.get(attr, ""))
            assert not value.lower().lstrip().startswith(("javascript:", "http:", "https:", "//")), value
            if attr == "style":
                assert not value, f"inline style on <{tag.name}> would need 'unsafe-inline'"


def test_hostile_text_is_escaped_everywhere(built):
    out, _ = built
    for path in (out / "report").glob("*.html"):
        html = path.read_text(encoding="utf-8")
        page = BeautifulSoup(html, "html.parser")
        _assert_inert(html, page)
    index = soup(out / "report" / "index.html")
    assert fx.HOSTILE_TITLE in index.select("tr.doc-row")[2].get_text()
    page = soup(pair_page(out, fx.ZH, fx.EN))
    assert "Hikvision <script>alert(1)</script>" in page.title.get_text()
    assert fx.HOSTILE_SCRIPT in page.find(id="b-s2").select_one(".orig").get_text()
    assert fx.HOSTILE_JS_URL in page.find(id="b-s4").get_text()


def test_csp_allows_exactly_our_inline_style_and_script(built):
    out, _ = built
    page = soup(pair_page(out, fx.ZH, fx.DE))
    csp = page.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]

    def digest(text: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert f"style-src '{digest(page.style.string)}'" in csp
    assert f"script-src '{digest(page.script.string)}'" in csp
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert "url(" not in page.style.string  # nothing fetched by CSS


def test_pair_page_columns_in_document_order_with_links_both_ways(built):
    out, frames = built
    page = soup(pair_page(out, fx.ZH, fx.EN))
    sents = frames["sentences"]
    for side, doc in (("a", fx.ZH), ("b", fx.EN)):
        col = page.find(id=f"col-{side}")
        ids = [s["id"] for s in col.select(".sent")]
        assert ids == [f"{side}-s{i}" for i in sents[sents["doc_id"] == doc]["sent_id"]]
        texts = [s.select_one(".orig").get_text() for s in col.select(".sent")]
        assert texts == sents[sents["doc_id"] == doc]["text"].tolist()

    al = frames["alignments"]
    al = al[(al["src_doc"] == fx.ZH) & (al["tgt_doc"] == fx.EN)]
    aligned_a = {i for ids in al["src_sent_ids"] for i in ids}
    for s in page.find(id="col-a").select(".sent"):
        sid = int(s["id"].split("-s")[1])
        assert ("aligned" in s["class"]) == (sid in aligned_a)
        assert ("only" in s["class"]) == (sid not in aligned_a)
        assert (s.select_one(".only-tag:not(.when-below)") is not None) == (sid not in aligned_a)
    # zh §2 and §3 both link to en §1, and en §1 links back to both
    assert {a["href"] for a in page.find(id="b-s1").select("a.to")} == {"#a-s2", "#a-s3"}
    assert "#b-s1" in {a["href"] for a in page.find(id="a-s2").select("a.to")}
    # English shown under the Chinese, not repeated for the English article
    assert page.find(id="a-s10").select_one(".en").get_text() == "China firmly opposes this."
    assert page.find(id="b-s5").select_one(".en") is None

    ids = {t["id"] for t in page.find_all(id=True)}
    fragments = [a["href"][1:] for a in page.find_all("a", href=True) if a["href"].startswith("#")]
    assert fragments and all(f in ids for f in fragments)

    rows = page.select("tr.align-row")
    assert sorted(float(r["data-score"]) for r in rows) == sorted(al["score"].tolist())
    conflict = page.find(id="a-s8")
    assert "has-conflict" in conflict["class"] and "year: 2020 vs 2019" in conflict.select_one(".differs").get_text()


def test_heatmap_falls_back_to_alignment_scores(built):
    out, frames = built
    page = soup(pair_page(out, fx.ZH, fx.EN))
    svg = page.select_one("figure.heatmap svg")
    marks = svg.select("rect.mk")
    al = frames["alignments"]
    al = al[(al["src_doc"] == fx.ZH) & (al["tgt_doc"] == fx.EN)]
    assert len(marks) == sum(len(s) * len(t) for s, t in zip(al["src_sent_ids"], al["tgt_sent_ids"]))
    assert len(svg.select("rect.mk-conflict")) == (al["conflict"] != "").sum()
    assert "no sentence similarity matrix" in page.select_one("figure.heatmap figcaption").get_text()
    png = _decode_png(svg.find("image")["href"])
    assert png.shape[:2] == (12, 7)
    # aligned cells (zh §2 × en §1, score 0.86) are darker than unaligned ones
    assert png[2, 1, :3].sum() < png[0, 0, :3].sum()


def _decode_png(href: str) -> np.ndarray:
    assert href.startswith("data:image/png;base64,")
    return matplotlib.image.imread(io.BytesIO(base64.b64decode(href.split(",", 1)[1])), format="png")


def test_heatmap_uses_given_sentence_similarity(tmp_path):
    fx.write_tables(tmp_path)
    tables = load_tables(tmp_path)
    rng = np.random.default_rng(0)
    sim_en_de = rng.uniform(0, 1, size=(7, 9))  # keyed (en, de): rows = en sentences
    bad = np.zeros((3, 3))  # wrong shape for zh x de: ignored, the fallback is used
    write_report(tmp_path, tables, sentence_similarity={(fx.EN, fx.DE): sim_en_de, (fx.ZH, fx.DE): bad})
    de_en = soup(pair_page(tmp_path, fx.DE, fx.EN)).select_one("figure.heatmap")
    assert "Cosine similarity" in de_en.figcaption.get_text()
    png = _decode_png(de_en.find("image")["href"])
    assert png.shape[:2] == (9, 7)  # the page has de rows and en columns: the transpose
    brightness = png[..., :3].sum(axis=2)
    assert np.corrcoef(brightness.ravel(), sim_en_de.T.ravel())[0, 1] < -0.95  # darker = more similar
    zh_de = soup(pair_page(tmp_path, fx.ZH, fx.DE)).select_one("figure.heatmap")
    assert "no sentence similarity matrix" in zh_de.figcaption.get_text()


def test_pair_names_are_safe_and_unique():
    ids = ["../../etc/passwd", "a b", "x-", "-y", "x", "--y", "新闻", "doc\u0000id", "javascript:alert(1)"]
    names = pair_page_names(ids)
    assert len(names) == len(ids) * (len(ids) - 1) // 2
    assert len(set(names.values())) == len(names)
    for name in names.values():
        assert re.fullmatch(r"pair-[A-Za-z0-9._-]+\.html", name), name
        assert "/" not in name and not name.startswith(".")


def test_report_without_alignments_or_claims(tmp_path):
    """After `align ingest` only documents and sentences exist: the report still works."""
    frames = fx.build_tables()
    tables = Tables(documents=frames["documents"], sentences=frames["sentences"],
                    alignments=schema.empty("alignments"), claims=schema.empty("claims"), errors=None)
    index = write_report(tmp_path, tables)
    page = soup(index)
    assert len(page.select("tr.doc-row")) == 3
    assert page.select_one("#errors") is None
    assert {a.select_one(".big").get_text() for a in page.select("a.pair-link")} == {"0"}
    pair = soup(pair_page(tmp_path, fx.ZH, fx.DE))
    assert len(pair.select(".sent.only")) == 12 + 9
    assert "no aligned statements" in pair.select_one("#alignments").get_text()


def test_rewriting_removes_pages_of_vanished_pairs(tmp_path):
    fx.write_tables(tmp_path)
    write_report(tmp_path)
    stale = pair_page(tmp_path, fx.ZH, fx.EN)
    assert stale.exists()
    tables = load_tables(tmp_path)
    keep = tables.documents["doc_id"] != fx.EN
    tables.documents = tables.documents[keep]
    tables.sentences = tables.sentences[tables.sentences["doc_id"] != fx.EN]
    tables.alignments = tables.alignments[tables.alignments["tgt_doc"] != fx.EN]
    write_report(tmp_path, tables)
    assert not stale.exists() and pair_page(tmp_path, fx.ZH, fx.DE).exists()


def test_summary_rows_count_the_tables():
    frames = fx.build_tables()
    rows = dict(summary_rows(Tables(**frames)))
    docs_of = frames["claims"].groupby("claim_id")["doc_id"].nunique()
    assert rows["Documents"] == "3" and rows["Sentences"] == str(len(frames["sentences"]))
    assert rows["Aligned pairs"] == str(len(frames["alignments"]))
    assert rows["Shared claims"] == str((docs_of >= 2).sum()) and rows["Unique claims"] == str((docs_of == 1).sum())
    assert rows["Conflicts"] == "2" and rows["Failed inputs"] == "1"
    assert rows["Translated"] == "argos 21, identity 7"


def test_hostile_doc_ids_and_repeats(tmp_path):
    """Doc ids come from file names, which a scraper controls too."""
    frames = fx.build_tables()
    evil = "web\"><img src=x onerror=alert(1)>.html"
    for name, cols in (("documents", ["doc_id"]), ("sentences", ["doc_id"]), ("claims", ["doc_id"]),
                       ("alignments", ["src_doc", "tgt_doc"])):
        for col in cols:
            frames[name][col] = frames[name][col].replace(fx.EN, evil)
    write_report(tmp_path, Tables(**frames))
    pages = sorted((tmp_path / "report").glob("*.html"))
    assert len(pages) == 4 and all(re.fullmatch(r"(index|pair-[A-Za-z0-9._-]+)\.html", p.name) for p in pages)
    for path in pages:
        html = path.read_text(encoding="utf-8")
        _assert_inert(html, BeautifulSoup(html, "html.parser"))
    de = soup(pair_page(tmp_path, fx.ZH, fx.DE)).find(id="b-s8")
    assert de.select_one(".dup").get_text() == "repeat of §3"
