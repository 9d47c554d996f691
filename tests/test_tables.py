"""Table contract: real types in Parquet, `;`-joined lists in CSV, both read back equal."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from align.output import schema, tables
from align.types import InputFailure, Sentence


def _alignments() -> pd.DataFrame:
    return pd.DataFrame([
        {"pair_id": 0, "src_doc": "a", "src_sent_ids": [3, 4], "tgt_doc": "b", "tgt_sent_ids": [7],
         "src_text": "美国商务部 2020 年已将海康威视列入实体清单", "tgt_text": "aus dem Jahr 2019, \"zitiert\"; und",
         "src_en": "in 2020", "tgt_en": "from 2019", "cosine": 0.81, "margin": 1.2, "score": 0.9,
         "mutual": True, "conflict": "year: 2020 vs 2019"},
        {"pair_id": 1, "src_doc": "a", "src_sent_ids": [5], "tgt_doc": "c", "tgt_sent_ids": [],
         "src_text": "x", "tgt_text": "y\nz", "src_en": "x", "tgt_en": "y", "cosine": 0.5, "margin": 1.0,
         "score": 0.4, "mutual": False, "conflict": ""},
    ])


def test_parquet_keeps_real_types_and_csv_joins_lists(tmp_path):
    tables.write_table(_alignments(), tmp_path, "alignments")
    written = pq.read_schema(tmp_path / "alignments.parquet")
    assert written.field("src_sent_ids").type.value_type == pa.int64()
    assert pa.types.is_list(written.field("src_sent_ids").type)
    assert str(written.field("mutual").type) == "bool"
    assert str(written.field("score").type) == "double"
    raw = pd.read_csv(tmp_path / "alignments.csv", dtype=str, keep_default_na=False)
    assert list(raw.columns) == schema.COLUMNS["alignments"]
    assert raw.loc[0, "src_sent_ids"] == "3;4"
    assert raw.loc[1, "tgt_sent_ids"] == ""
    assert raw.loc[1, "tgt_text"] == "y\nz"


def test_read_back_from_parquet_and_from_csv_agree(tmp_path):
    tables.write_table(_alignments(), tmp_path, "alignments")
    from_parquet = tables.read_table(tmp_path, "alignments")
    (tmp_path / "alignments.parquet").unlink()
    from_csv = tables.read_table(tmp_path, "alignments")
    pd.testing.assert_frame_equal(from_parquet, from_csv)
    assert from_csv.loc[0, "src_sent_ids"] == [3, 4]
    assert bool(from_csv.loc[0, "mutual"]) is True


def test_sentences_duplicate_of_is_nullable_int_and_round_trips(tmp_path):
    sents = [
        Sentence("d", 0, 0, "title", "T", 0, 1, "de", None, "T", "identity"),
        Sentence("d", 1, 1, "body", "Satz.", 3, 8, "de", None, "Sentence.", "import:refs.csv"),
        Sentence("d", 2, 1, "body", "Satz.", 9, 14, "de", 1, "Sentence.", "import:refs.csv"),
    ]
    tables.write_table(tables.sentences_frame(sents), tmp_path, "sentences")
    back = tables.read_table(tmp_path, "sentences")
    pd.testing.assert_frame_equal(back, tables.sentences_frame(sents))
    assert back["duplicate_of"].tolist()[2] == 1 and back["duplicate_of"].isna().tolist() == [True, True, False]
    raw = pd.read_csv(tmp_path / "sentences.csv", dtype=str, keep_default_na=False)
    assert raw["duplicate_of"].tolist() == ["", "", "1"]


def test_errors_table(tmp_path):
    tables.write_table(tables.errors_frame([InputFailure("x.txt", "read", "empty file")]), tmp_path, "errors")
    assert tables.read_table(tmp_path, "errors").to_dict("records") == [
        {"path": "x.txt", "stage": "read", "error": "empty file"}
    ]
    tables.remove_table(tmp_path, "errors")
    assert tables.read_table(tmp_path, "errors") is None
