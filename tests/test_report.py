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

from align import pipeline
from align.output import schema
from align.output.report import (
    Tables,
    load_tables,
    pair_page_names,
    summary_rows,
    write_report,
)
from align.output.summary import build_summary
from tests import report_fixture as fx

ALL = [fx.ZH, fx.DE, fx.EN]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    out = tmp_path_factory.mktemp("out")
    frames = fx.write_tables(out)
    write_report(out, min_score=fx.MIN_SCORE)
    return out, frames


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def pair_page(out: Path, a: str, b: str) -> Path:
    return out / "report" / pair_page_names(ALL)[(a, b)]


def docs_of_claims(frames) -> pd.Series:
    return frames["claims"].groupby("claim_id")["doc_id"].apply(set)


def test_load_tables_reads_parquet_and_csv_alike(tmp_path):
    frames = fx.write_tables(tmp_path / "both")
    fx.write_tables(tmp_path / "csv", formats=("csv",))
    from_parquet, from_csv = load_tables(tmp_path / "both"), load_tables(tmp_path / "csv")
    for name in ("documents", "sentences", "alignments", "claims", "errors"):
        pd.testing.assert_frame_equal(getattr(from_parquet, name), getattr(from_csv, name), check_dtype=False)
    al = from_csv.alignments
    assert al["src_sent_ids"].tolist() == [list(v) for v in frames["alignments"]["src_sent_ids"]]
    assert al["accepted"].tolist() == frames["alignments"]["accepted"].tolist()
    assert from_csv.sentences["duplicate_of"].equals(frames["sentences"]["duplicate_of"])


def test_load_tables_without_documents_names_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match=re.escape(str(tmp_path))):
        load_tables(tmp_path)


def test_one_page_per_story_and_per_pair_sharing_a_claim(built):
    out, frames = built
    names = sorted(p.name for p in (out / "report").iterdir())
    # every pair of the fixture shares a claim: 3 pair pages, one story
    assert names == sorted(["index.html", "story-0.html", *pair_page_names(ALL).values()])
    assert not [n for n in names if n.startswith(".")]  # no temp files left behind


def test_pairs_sharing_nothing_get_no_page_and_separate_stories(tmp_path):
    frames = fx.build_tables()
    # drop every claim DE shares with EN: the pair shares nothing now
    claims = frames["claims"]
    shared_de_en = claims.groupby("claim_id")["doc_id"].apply(lambda d: {fx.DE, fx.EN} <= set(d))
    drop = claims["claim_id"].map(shared_de_en) & (claims["doc_id"] == fx.EN)
    frames["claims"] = claims[~drop]
    index = write_report(tmp_path, Tables(**frames))
    pages = {p.name for p in (tmp_path / "report").glob("pair-*.html")}
    names = pair_page_names(ALL)
    assert pages == {names[(fx.ZH, fx.DE)], names[(fx.ZH, fx.EN)]}
    # remove every claim EN shares: EN is a story of its own
    frames["claims"] = frames["claims"][~((frames["claims"]["doc_id"] == fx.EN) &
                                          (frames["claims"].groupby("claim_id")["doc_id"].transform("nunique") > 1))]
    write_report(tmp_path, Tables(**frames))
    stories = soup(index).select("tr.story-row")
    assert [r.select("td")[2].get_text() for r in stories] == ["2", "1"]
    assert {p.name for p in (tmp_path / "report").glob("pair-*.html")} == {names[(fx.ZH, fx.DE)]}


def test_index_lists_stories_documents_and_errors(built):
    out, frames = built
    page = soup(out / "report" / "index.html")
    story = page.select("tr.story-row")
    assert len(story) == 1
    cells = [td.get_text(" ", strip=True) for td in story[0].select("td")]
    docs_of = docs_of_claims(frames)
    assert cells[2] == "3" and cells[3] == "de en zh"
    assert cells[4] == "2022-05-04 – 2025-06-30"
    assert cells[5] == str(sum(len(d) >= 2 for d in docs_of))
    assert story[0].select_one("a.story-link")["href"] == "story-0.html"

    rows = page.select("tr.doc-row")
    assert len(rows) == 3
    assert "(first line)" in rows[1].select_one(".title-cell").get_text()  # the German title is derived
    assert "(first line)" not in rows[0].select_one(".title-cell").get_text()
    assert rows[0].select("td")[4].get_text() == "环球网"  # outlet
    errors = page.select("tr.error-row")
    assert [r.td.get_text() for r in errors] == frames["errors"]["path"].tolist()


def test_counts_agree_between_index_summary_md_and_story(built, tmp_path):
    out, frames = built
    tables = load_tables(out)
    summary = build_summary(tables, min_score=fx.MIN_SCORE)
    page = soup(out / "report" / "index.html")
    stats = {s["data-stat"]: s.select_one(".stat-value").get_text() for s in page.select(".stat[data-stat]")}
    assert stats == dict(summary.rows())
    docs_of = docs_of_claims(frames)
    assert stats["Shared claims"] == str(sum(len(d) >= 2 for d in docs_of))
    assert stats["Unique claims"] == str(sum(len(d) == 1 for d in docs_of))
    assert stats["Aligned pairs"] == str(len(fx.ALIGNMENTS)) and stats["Possible matches"] == str(len(fx.POSSIBLE))
    story = soup(out / "report" / "story-0.html")
    values = {s.select_one(".stat-label").get_text(): s.select_one(".stat-value").get_text()
              for s in story.select(".stat")}
    assert values["shared claims"] == stats["Shared claims"] and values["unique claims"] == stats["Unique claims"]
    assert dict(summary_rows(tables, fx.MIN_SCORE)) == stats


def test_story_page_is_row_aligned(built):
    out, frames = built
    page = soup(out / "report" / "story-0.html")
    rows = page.select("table.aligned tr.row")
    claims = frames["claims"]
    assert len(rows) == claims["claim_id"].nunique()
    head = [th.select_one(".doc-tag").get_text() for th in page.select("table.aligned thead th")[1:]]
    assert head == ["D1", "D2", "D3"]
    sents = frames["sentences"].set_index(["doc_id", "sent_id"])
    for row in rows:
        cid = int(row["id"][1:])
        members = claims[claims["claim_id"] == cid].set_index("doc_id")
        cells = row.find_all("td", recursive=False)[1:]
        for doc, td in zip(ALL, cells):
            if doc in members.index:
                assert "cell" in td["class"]
                assert td.select_one(".orig").get_text() == members.loc[doc, "text"]
                en = td.select_one(".en")
                if members.loc[doc, "text_en"] == members.loc[doc, "text"]:
                    assert en is None  # the original alone when it is already English
                else:
                    assert en.get_text() == members.loc[doc, "text_en"]
            else:
                assert "gap" in td["class"] and not td.get_text(strip=True)
        assert ("shared" in row["class"]) == (len(members) >= 2)
        assert ("only this article" in row.get_text()) == (len(members) == 1)
    assert sents.loc[(fx.ZH, 10), "text"] in page.get_text()

    # rows follow D1's order; a claim D1 lacks comes after the row holding its article's previous unit
    zh_order = [int(r["id"][1:]) for r in rows if "D1" in r["data-docs"].split()]
    zh_first = claims[claims["doc_id"] == fx.ZH].assign(first=lambda c: c["sent_ids"].map(min))
    assert zh_order == zh_first.sort_values("first")["claim_id"].tolist()
    de_rows = [int(r["id"][1:]) for r in rows if "D2" in r["data-docs"].split()]
    de_first = claims[claims["doc_id"] == fx.DE].assign(first=lambda c: c["sent_ids"].map(min))
    de_sorted = de_first.sort_values("first")["claim_id"].tolist()
    assert de_rows.index(de_sorted[de_sorted.index(9)]) == de_rows.index(de_sorted[de_sorted.index(9) - 1]) + 1

    conflict_rows = page.select("tr.row.has-conflict")
    assert len(conflict_rows) == 1
    note = conflict_rows[0].find_next_sibling("tr")
    assert "conflict-note" in note["class"] and "year: 2020 vs 2019" in note.get_text()
    assert note.get_text().count("⚠") == 2  # D1×D2 and D1×D3 disagree on the same claim


def test_pair_page_rows_and_possible_matches(built):
    out, frames = built
    page = soup(pair_page(out, fx.ZH, fx.DE))
    rows = page.select("table.aligned tr.row")
    claims = frames["claims"]
    here = claims[claims["doc_id"].isin([fx.ZH, fx.DE])]
    assert len(rows) == here["claim_id"].nunique()
    both = here.groupby("claim_id")["doc_id"].nunique()
    assert sum("shared" in r["class"] for r in rows) == int((both == 2).sum())
    alone = [r for r in rows if "alone" in r["class"]]
    assert all(re.search(r"not in D[12]", r.select_one(".tag-alone").get_text()) for r in alone)
    # the possible match of this pair is listed in the band, hidden until the threshold is lowered
    band = page.select("#possible tr.possible-row")
    assert len(band) == 1 and band[0]["data-score"] == "0.2200" and "below" in band[0]["class"]
    assert fx.DE_SENTENCES[0][2] in band[0].get_text()
    # every in-page link lands on an element of the page
    ids = {t["id"] for t in page.find_all(id=True)}
    fragments = [a["href"][1:] for a in page.find_all("a", href=True) if a["href"].startswith("#")]
    assert fragments and all(f in ids for f in fragments)
    # the mini-map has one band per row, each a link to its row
    bands = page.select(".minimap a.mm-band")
    assert [b["href"] for b in bands] == ["#" + r["id"] for r in rows]


def test_heatmap_cells_navigate_and_stretch_contrast(tmp_path):
    fx.write_tables(tmp_path)
    tables = load_tables(tmp_path)
    rng = np.random.default_rng(0)
    sim = rng.uniform(0.2, 0.45, size=(12, 9))  # mostly similar-ish, as real cosine matrices are
    sim[3, 4] = 0.9
    write_report(tmp_path, tables, sentence_similarity={(fx.ZH, fx.DE): sim})
    fig = soup(pair_page(tmp_path, fx.ZH, fx.DE)).select_one("figure.heatmap")
    svg = fig.svg
    png = matplotlib.image.imread(io.BytesIO(base64.b64decode(svg.find("image")["href"].split(",", 1)[1])))
    assert png.shape[:2] == (12, 9)
    brightness = png[..., :3].sum(axis=2)
    # the scale starts at the pair's median: half the cells share the lightest colour, the best is darkest
    assert (brightness >= brightness.max() - 1e-6).mean() >= 0.45 and brightness.argmin() == 3 * 9 + 4
    assert "stretched" in fig.figcaption.get_text()
    # each accepted pair's cell is a full-size link to its row; the rest map through data-rows-a
    marks = svg.select(".hm-marks a")
    assert marks and all(a.rect["width"] == svg["data-cell"] for a in marks)
    rows_a = dict(p.split(":") for p in svg["data-rows-a"].split())
    page_ids = {t["id"] for t in soup(pair_page(tmp_path, fx.ZH, fx.DE)).select("tr.row")}
    assert set(rows_a.values()) <= page_ids and len(rows_a) >= 8


def test_hostile_text_is_escaped_everywhere(built):
    out, _ = built
    for path in (out / "report").glob("*.html"):
        html = path.read_text(encoding="utf-8")
        _assert_inert(html, BeautifulSoup(html, "html.parser"))
    page = soup(pair_page(out, fx.ZH, fx.EN))
    assert "Hikvision <script>alert(1)</script>" in page.title.get_text()
    assert fx.HOSTILE_SCRIPT in page.select_one("table.aligned").get_text()


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


def test_csp_allows_exactly_our_inline_style_and_script(built):
    out, _ = built
    page = soup(out / "report" / "story-0.html")
    csp = page.find("meta", attrs={"http-equiv": "Content-Security-Policy"})["content"]

    def digest(text: str) -> str:
        return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()

    assert f"style-src '{digest(page.style.string)}'" in csp
    assert f"script-src '{digest(page.script.string)}'" in csp
    assert "default-src 'none'" in csp and "unsafe-inline" not in csp
    assert "url(" not in page.style.string  # nothing fetched by CSS
    assert "@media print" in page.style.string


def test_pair_names_are_safe_and_unique():
    ids = ["../../etc/passwd", "a b", "x-", "-y", "x", "--y", "新闻", "doc\u0000id", "javascript:alert(1)"]
    names = pair_page_names(ids)
    assert len(names) == len(ids) * (len(ids) - 1) // 2
    assert len(set(names.values())) == len(names)
    for name in names.values():
        assert re.fullmatch(r"pair-[A-Za-z0-9._-]+\.html", name), name


def test_report_without_alignments_or_claims(tmp_path):
    """After `align ingest` only documents and sentences exist: the report still works."""
    frames = fx.build_tables()
    tables = Tables(documents=frames["documents"], sentences=frames["sentences"],
                    alignments=schema.empty("alignments"), claims=schema.empty("claims"), errors=None)
    index = write_report(tmp_path, tables)
    page = soup(index)
    assert len(page.select("tr.doc-row")) == 3 and len(page.select("tr.story-row")) == 3
    assert page.select_one("#errors") is None
    assert not list((tmp_path / "report").glob("pair-*.html"))


def test_rewriting_removes_pages_of_vanished_pairs(tmp_path):
    fx.write_tables(tmp_path)
    write_report(tmp_path)
    stale = pair_page(tmp_path, fx.ZH, fx.EN)
    assert stale.exists()
    tables = load_tables(tmp_path)
    tables.documents = tables.documents[tables.documents["doc_id"] != fx.EN]
    tables.sentences = tables.sentences[tables.sentences["doc_id"] != fx.EN]
    tables.alignments = tables.alignments[tables.alignments["tgt_doc"] != fx.EN]
    tables.claims = tables.claims[tables.claims["doc_id"] != fx.EN]
    write_report(tmp_path, tables)
    assert not stale.exists() and pair_page(tmp_path, fx.ZH, fx.DE).exists()


def test_hostile_doc_ids(tmp_path):
    """Doc ids come from file names, which a scraper controls too."""
    frames = fx.build_tables()
    evil = "web\"><img src=x onerror=alert(1)>.html"
    for name, cols in (("documents", ["doc_id"]), ("sentences", ["doc_id"]), ("claims", ["doc_id"]),
                       ("alignments", ["src_doc", "tgt_doc"])):
        for col in cols:
            frames[name][col] = frames[name][col].replace(fx.EN, evil)
    write_report(tmp_path, Tables(**frames))
    pages = sorted((tmp_path / "report").glob("*.html"))
    assert len(pages) == 5 and all(re.fullmatch(r"(index|story-\d+|pair-[A-Za-z0-9._-]+)\.html", p.name) for p in pages)
    for path in pages:
        html = path.read_text(encoding="utf-8")
        _assert_inert(html, BeautifulSoup(html, "html.parser"))


def test_index_stays_small_at_a_thousand_articles(tmp_path):
    """1,000 articles in 250 stories of 4: the index lists stories and documents, no article text."""
    frames = fx.build_tables()
    zh = frames["sentences"][frames["sentences"]["doc_id"] == fx.ZH]
    docs, sents, claims = [], [], []
    for n in range(1000):
        doc = f"{n:04d}_article"
        docs.append({"doc_id": doc, "path": f"input/{doc}.txt", "format": "txt", "lang": "zh",
                     "title": zh["text"].iloc[0], "date": f"2024-01-{1 + n % 28:02d}", "n_sentences": len(zh)})
        sents.append(zh.assign(doc_id=doc))
        for i, sid in enumerate(zh["sent_id"]):
            claims.append({"claim_id": (n // 4) * 100 + i, "doc_id": doc, "sent_ids": [int(sid)],
                           "text": zh["text"].iloc[i], "text_en": zh["text_en"].iloc[i], "n_docs": 4})
    tables = Tables(documents=pd.DataFrame(docs), sentences=pd.concat(sents), alignments=schema.empty("alignments"),
                    claims=pd.DataFrame(claims), errors=None)
    index = write_report(tmp_path, tables)
    assert index.stat().st_size < 2_000_000
    assert len(soup(index).select("tr.story-row")) == 250
    assert len(list((tmp_path / "report").glob("story-*.html"))) == 250


# --------------------------------------------------------------------------- re-thresholding

def test_rethreshold_reveals_and_hides_from_the_stored_pairs(tmp_path):
    fx.write_tables(tmp_path)
    tables = pipeline.finish_tables(load_tables(tmp_path))
    lower = pipeline.rethreshold(tables, 0.2)
    assert lower.alignments["accepted"].sum() == len(fx.ALIGNMENTS) + 1  # the 0.22 pair is revealed
    # ... and now makes a claim carried by ZH §1 and DE §0
    cid = lower.alignments.loc[lower.alignments["score"] == 0.22, "claim_id"].item()
    members = lower.claims[lower.claims["claim_id"] == cid]
    assert set(members["doc_id"]) == {fx.ZH, fx.DE} and set(members["n_docs"]) == {2}
    higher = pipeline.rethreshold(tables, 0.75)
    acc = higher.alignments[higher.alignments["accepted"]]
    assert (acc["score"] >= 0.75).all() and len(acc) == int((tables.alignments["score"] >= 0.75).sum())
    assert higher.alignments.loc[~higher.alignments["accepted"], "claim_id"].isna().all()
    n_docs = higher.claims.groupby("claim_id")["doc_id"].nunique()
    assert (n_docs >= 2).sum() < (tables.claims.groupby("claim_id")["doc_id"].nunique() >= 2).sum()
    # every unit is still somewhere: no claim text is lost when pairs are dropped (units of the
    # stored pairs below the threshold that the fixture's claims lack come in as unique claims)
    al = tables.alignments
    for doc in fx.ZH, fx.DE, fx.EN:
        before = {i for ids in tables.claims.loc[tables.claims["doc_id"] == doc, "sent_ids"] for i in ids}
        after = {i for ids in higher.claims.loc[higher.claims["doc_id"] == doc, "sent_ids"] for i in ids}
        stored = {i for side in ("src", "tgt") for ids in al.loc[al[f"{side}_doc"] == doc, f"{side}_sent_ids"]
                  for i in ids}
        assert before <= after <= before | stored
    # the accepted pairs of a claim belong to it
    for row in acc.itertuples():
        claim = higher.claims[higher.claims["claim_id"] == row.claim_id]
        assert {row.src_doc, row.tgt_doc} <= set(claim["doc_id"])
