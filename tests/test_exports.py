"""alignments.tmx, alignments.jsonl and summary.md from realistic tables."""

from __future__ import annotations

import json
import math
import re
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from align import config
from align.output import schema
from align.output.exports import write_exports
from align.output.report import Tables, load_tables
from align.output.summary import md_cell
from tests import report_fixture as fx

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture()
def exported(tmp_path):
    frames = fx.write_tables(tmp_path)
    paths = write_exports(tmp_path, load_tables(tmp_path))
    return tmp_path, frames, paths


def test_writes_the_exports_atomically(exported):
    out, _, paths = exported
    assert [p.name for p in paths] == ["alignments.tmx", "alignments.jsonl", "alignments.xlsx", "summary.md"]
    assert all(p.is_file() and p.parent == out for p in paths)
    assert not [p for p in out.iterdir() if p.name.startswith(".")]


def test_tmx_is_valid_tmx14_with_original_pairs_and_props(exported):
    out, frames, _ = exported
    raw = (out / "alignments.tmx").read_bytes()
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(raw)
    assert root.tag == "tmx" and root.get("version") == "1.4"
    header = root.find("header")
    for attr in ("creationtool", "creationtoolversion", "segtype", "o-tmf", "adminlang", "srclang", "datatype"):
        assert header.get(attr), attr  # required by TMX 1.4
    langs = dict(zip(frames["documents"]["doc_id"], frames["documents"]["lang"]))
    tus = root.findall("body/tu")
    accepted = frames["alignments"][frames["alignments"]["accepted"]]
    assert len(tus) == len(fx.ALIGNMENTS) == len(accepted)  # a translation memory: accepted pairs only
    for tu, row in zip(tus, accepted.to_dict("records")):
        children = [c.tag for c in tu]
        assert children == ["prop"] * children.count("prop") + ["tuv", "tuv"]  # props first, as TMX requires
        props = {p.get("type"): p.text or "" for p in tu.findall("prop")}
        assert float(props["x-score"]) == pytest.approx(row["score"])
        assert props["x-conflict"] == row["conflict"]
        assert (props["x-src_doc"], props["x-tgt_doc"]) == (row["src_doc"], row["tgt_doc"])
        assert props["x-src_sent_ids"] == ";".join(map(str, row["src_sent_ids"]))
        assert props["x-mutual"] == ("true" if row["mutual"] else "false")
        (src, tgt) = tu.findall("tuv")
        assert (src.get(XML_LANG), tgt.get(XML_LANG)) == (langs[row["src_doc"]], langs[row["tgt_doc"]])
        assert tu.get("srclang") == langs[row["src_doc"]]
        # original language text, exactly (the hostile markup survives as text)
        assert (src.findtext("seg"), tgt.findtext("seg")) == (row["src_text"], row["tgt_text"])
    assert any(fx.HOSTILE_IMG in tu.findall("tuv")[1].findtext("seg") for tu in tus)
    assert b"<img src" not in raw  # escaped in the file itself


def test_tmx_drops_characters_xml_cannot_carry(tmp_path):
    frames = fx.build_tables()
    # (lone surrogates cannot even be stored in a pandas 3 string column, so none here)
    frames["alignments"].loc[0, "src_text"] = "Kontrolle\x00\x1b[31m rot\x0b und \ufffe ok & <tag>"
    write_exports(tmp_path, Tables(**frames))
    root = ET.parse(tmp_path / "alignments.tmx").getroot()  # would raise on invalid XML
    assert root.find("body/tu/tuv/seg").text == "Kontrolle[31m rot und  ok & <tag>"


def test_jsonl_keeps_real_types(exported):
    out, frames, _ = exported
    lines = (out / "alignments.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(frames["alignments"])
    for line, row in zip(lines, frames["alignments"].to_dict("records")):
        obj = json.loads(line)
        assert obj["src_sent_ids"] == row["src_sent_ids"] and obj["tgt_sent_ids"] == row["tgt_sent_ids"]
        assert obj["mutual"] is row["mutual"]
        assert isinstance(obj["score"], float) and obj["score"] == pytest.approx(row["score"])
        assert obj["pair_id"] == row["pair_id"]
        for key in ("src_text", "tgt_text", "src_en", "tgt_en", "conflict", "src_doc", "tgt_doc"):
            assert obj[key] == row[key]
        langs = dict(zip(frames["documents"]["doc_id"], frames["documents"]["lang"]))
        assert (obj["src_lang"], obj["tgt_lang"]) == (langs[row["src_doc"]], langs[row["tgt_doc"]])
    assert "中方对此坚决反对" in "".join(lines)  # UTF-8, not \u escapes


def test_jsonl_writes_missing_numbers_as_null(tmp_path):
    frames = fx.build_tables()
    frames["alignments"]["margin"] = frames["alignments"]["margin"].astype(float)
    frames["alignments"].loc[1, "margin"] = math.nan
    write_exports(tmp_path, Tables(**frames))
    second = json.loads((tmp_path / "alignments.jsonl").read_text(encoding="utf-8").splitlines()[1])
    assert second["margin"] is None


def _md_rows(md: str, heading: str) -> list[list[str]]:
    """Body rows of the first table under the heading line `heading` (e.g. "## Documents")."""
    section = md.split(f"{heading}\n", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]
    return [[c.strip() for c in re.split(r"(?<!\\)\|", r)[1:-1]] for r in rows]


def test_summary_counts_claims_and_lists_conflicts(exported):
    out, frames, _ = exported
    md = (out / "summary.md").read_text(encoding="utf-8")
    docs_of = frames["claims"].groupby("claim_id")["doc_id"].apply(set)
    counts = dict(_md_rows(md, "# Alignment summary"))
    assert counts["Documents"] == "3" and counts["Aligned pairs"] == str(len(fx.ALIGNMENTS))
    assert counts["Possible matches"] == str(len(fx.POSSIBLE))
    assert counts["Shared claims"] == str(sum(len(d) >= 2 for d in docs_of))
    documents = _md_rows(md, "## Documents")
    assert len(documents) == 3 and all(len(r) == 9 for r in documents)
    unique = {r[0]: int(r[8]) for r in documents}
    for i, doc in enumerate(frames["documents"]["doc_id"], start=1):
        assert unique[f"D{i}"] == sum(d == {doc} for d in docs_of)
    conflicts = _md_rows(md, "## Conflicts")
    assert [r[1] for r in conflicts] == ["year: 2020 vs 2019"] * 2
    assert "<img" not in md and "<script" not in md  # raw HTML would render in many Markdown viewers


def test_markdown_cells_cannot_break_the_table():
    cell = md_cell("a | b\nc [x](javascript:alert(1)) <b>")
    assert "\n" not in cell and "|" not in cell.replace("\\|", "")
    assert "](" not in cell.replace("\\](", "") and "<b>" not in cell


def test_exports_with_no_alignments(tmp_path):
    frames = fx.build_tables()
    tables = Tables(documents=frames["documents"], sentences=frames["sentences"], alignments=schema.empty("alignments"),
                    claims=schema.empty("claims"))
    write_exports(tmp_path, tables)
    assert ET.parse(tmp_path / "alignments.tmx").getroot().findall("body/tu") == []
    assert (tmp_path / "alignments.jsonl").read_text() == ""
    assert "## Conflicts\n\nNone." in (tmp_path / "summary.md").read_text(encoding="utf-8")


def test_xlsx_has_one_sheet_per_table_with_chinese_and_no_formulas(exported):
    from openpyxl import load_workbook

    out, frames, _ = exported
    wb = load_workbook(out / "alignments.xlsx")
    assert wb.sheetnames == ["documents", "sentences", "alignments", "claims", "errors"]
    for name in wb.sheetnames:
        ws = wb[name]
        assert ws.freeze_panes == "A2"
        assert [c.value for c in ws[1]] == schema.COLUMNS[name]
        assert ws.max_row == len(frames[name]) + 1
    sents = wb["sentences"]
    texts = [row[4] for row in sents.iter_rows(min_row=2, values_only=True)]
    assert texts == frames["sentences"]["text"].tolist()  # Chinese intact, hostile markup as text
    assert "中方对此坚决反对。" in texts
    al = wb["alignments"]
    header = [c.value for c in al[1]]
    first = dict(zip(header, next(al.iter_rows(min_row=2, values_only=True))))
    assert first["src_sent_ids"] == "3" and first["accepted"] is True and isinstance(first["score"], float)
    docs = wb["documents"]
    dhead = [c.value for c in docs[1]]
    de = dict(zip(dhead, list(docs.iter_rows(min_row=2, values_only=True))[1]))
    assert de["author"] is None and de["date"] is None  # missing: empty cells


def test_xlsx_keeps_formula_like_text_as_text(tmp_path):
    from openpyxl import load_workbook

    frames = fx.build_tables()
    frames["alignments"].loc[0, "src_text"] = "=HYPERLINK(\"http://x\",\"y\")"
    frames["alignments"].loc[1, "src_text"] = "bad\x00\x1b control"
    write_exports(tmp_path, Tables(**frames))
    cells = list(load_workbook(tmp_path / "alignments.xlsx")["alignments"].iter_rows(min_row=2, max_row=3))
    header = schema.COLUMNS["alignments"]
    src = [row[header.index("src_text")] for row in cells]
    assert src[0].value == "=HYPERLINK(\"http://x\",\"y\")" and src[0].data_type == "s"
    assert src[1].value == "bad control"


def test_csv_bom_for_excel(tmp_path):
    from align.output import tables as tables_mod

    frames = fx.build_tables()
    tables_mod.write_table(frames["sentences"], tmp_path, "sentences", csv_bom=True)
    raw = (tmp_path / "sentences.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfdoc_id,")
    assert "中方对此坚决反对" in raw.decode("utf-8-sig")
    (tmp_path / "sentences.parquet").unlink()
    back = tables_mod.read_table(tmp_path, "sentences")  # the BOM does not reach the first column name
    assert list(back.columns) == schema.COLUMNS["sentences"] and back["text"].tolist() == frames["sentences"]["text"].tolist()


def test_dates_one_form_and_nulls_in_parquet(tmp_path):
    import pyarrow.parquet as pq

    from align.output import tables as tables_mod

    frames = fx.build_tables()
    tables_mod.write_table(frames["documents"], tmp_path, "documents")
    csv = pd.read_csv(tmp_path / "documents.csv", dtype=str, keep_default_na=False)
    assert csv["date"].tolist() == ["2022-05-04T23:12:35+00:00", "", "2025-06-30T00:00:00+00:00"]
    assert pd.to_datetime(csv["date"].replace("", None), utc=True).notna().sum() == 2  # pandas parses the column
    assert csv["outlet"].tolist() == ["环球网", "", ""] and csv["title_source"].tolist() == ["document", "derived", "document"]
    raw = pq.read_table(tmp_path / "documents.parquet").to_pydict()
    assert raw["date"][1] is None and raw["author"][1] is None and raw["outlet"][1] is None
    assert raw["title"][1] == fx.DE_SENTENCES[0][2]
    assert schema.normalise_dates(["2024-06-01", "", "not a date"]) == ["2024-06-01", "", ""]
    assert schema.normalise_dates(["2024-06-01", "2024-06-02T10:00:00Z"]) == [
        "2024-06-01T00:00:00+00:00", "2024-06-02T10:00:00+00:00"]


def test_docs_tables_md_is_generated_from_the_schema():
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "docs" / "tables.md"
    assert path.read_text(encoding="utf-8") == schema.tables_markdown(), (
        "docs/tables.md is stale: run `python -m align.output.schema > docs/tables.md`")
    for name, cols in schema.SCHEMAS.items():
        assert f"## {name}" in path.read_text(encoding="utf-8") and all(f"`{c}`" in path.read_text(encoding="utf-8") for c in cols)


def test_report_command_rethresholds_and_writes_run_json_last(tmp_path, capsys):
    from align import cli
    from align.output import tables as tables_mod

    fx.write_tables(tmp_path)
    assert cli.main(["report", str(tmp_path), "--min-score", "0.2"]) == 0
    printed = capsys.readouterr().out
    al = tables_mod.read_table(tmp_path, "alignments")
    assert al["accepted"].tolist() == (al["score"] >= 0.2).tolist()
    # an accepted pair whose units ended in different claims (claims do not chain: issue 9) has
    # no claim_id; the others carry theirs, and nothing below the threshold does
    assert al.loc[al["accepted"], "claim_id"].notna().mean() >= 0.8 and al.loc[~al["accepted"], "claim_id"].isna().all()
    claims = tables_mod.read_table(tmp_path, "claims")
    n_shared = int((claims.groupby("claim_id")["doc_id"].nunique() >= 2).sum())
    assert f"{int(al['accepted'].sum())} aligned pairs, 1 possible matches, {n_shared} shared claims" in printed
    run = json.loads((tmp_path / "run.json").read_text(encoding="utf-8"))
    assert run["command"] == "report" and run["min_score"] == 0.2 and run["options"]["score_floor"] == config.SCORE_FLOOR
    assert run["counts"]["aligned_pairs"] == int(al["accepted"].sum()) and run["counts"]["shared_claims"] == n_shared
    assert run["versions"]["python"] and run["versions"]["libraries"]["pandas"] == pd.__version__
    assert [m["source"] for m in run["models"]["translation"]] == [
        "argos:translate-de_en-1.0", "argos:translate-zh_en-1.9", "identity"]
    # written last: newer than every table, the exports and the report
    newest = max(p.stat().st_mtime_ns for p in tmp_path.rglob("*") if p.is_file() and p.name != "run.json")
    assert (tmp_path / "run.json").stat().st_mtime_ns >= newest
    md = dict(_md_rows((tmp_path / "summary.md").read_text(encoding="utf-8"), "# Alignment summary"))
    assert md["Aligned pairs"] == str(run["counts"]["aligned_pairs"]) and md["Threshold"] == "0.20"
    # back up: the possible match is hidden again and its claim is gone
    assert cli.main(["report", str(tmp_path), "--min-score", "0.3"]) == 0
    al = tables_mod.read_table(tmp_path, "alignments")
    assert int(al["accepted"].sum()) == len(fx.ALIGNMENTS)


def test_report_command_csv_bom_rewrites_every_csv(tmp_path):
    from align import cli
    from align.output import tables as tables_mod

    fx.write_tables(tmp_path)
    before = tables_mod.read_tables(tmp_path)
    assert cli.main(["report", str(tmp_path), "--csv-bom"]) == 0
    for name in ("documents", "sentences", "alignments", "claims", "errors"):
        assert (tmp_path / f"{name}.csv").read_bytes().startswith(b"\xef\xbb\xbf"), name
        (tmp_path / f"{name}.parquet").unlink()
    after = tables_mod.read_tables(tmp_path)  # the CSVs read back as before
    pd.testing.assert_frame_equal(after.sentences, before.sentences)
    pd.testing.assert_frame_equal(after.documents, before.documents)
