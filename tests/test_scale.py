"""`--workers 2` (a real Dask LocalCluster of 2 processes) writes the tables of a single-process run."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from align import cli, pipeline
from align.output import schema, tables

REPO = Path(__file__).resolve().parent.parent
NTREX = REPO.parent / "shared" / "data" / "ntrex128" / "ntrex_docs.jsonl"
REFERENCES = [REPO / "tests" / "data" / "reference_zh.csv", REPO / "tests" / "data" / "reference_de.csv"]


@pytest.fixture()
def corpus(tmp_path) -> tuple[Path, Path]:
    """The seeds + 3 NTREX stories (English and German versions) + one unrelated English article;
    the German NTREX lines come with their English reference as an imported translation."""
    src = tmp_path / "in"
    shutil.copytree(REPO / "input", src)
    docs = [json.loads(line) for line in NTREX.read_text(encoding="utf-8").splitlines()[:4]]
    english_of: dict[str, str] = {}
    for d in docs[:3]:
        n = len(d["en"])
        (src / f"en_{d['docid']}.txt").write_text("\n".join(d["en"][: 2 * n // 3]) + "\n", encoding="utf-8")
        (src / f"de_{d['docid']}.txt").write_text("\n".join(d["de"][n // 3 :]) + "\n", encoding="utf-8")
        english_of.update(zip(d["de"], d["en"]))
    (src / "lone.txt").write_text("\n".join(docs[3]["en"]) + "\n", encoding="utf-8")
    # the English reference of each German sentence as the segmenter cuts it (a line it splits
    # gets the whole English line for each piece)
    pipeline.run_ingest([src], tmp_path / "ingested")
    sents = tables.read_table(tmp_path / "ingested", "sentences")
    refs = tmp_path / "ntrex_de.csv"
    with open(refs, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["source", "target", "lang"])
        for text, doc_id in zip(sents["text"], sents["doc_id"]):
            if doc_id.startswith("de_"):
                line = next(de for de in english_of if text in de)
                w.writerow([text, english_of[line], "de"])
    return src, refs


def _run(src: Path, refs: Path, out: Path, cache: Path, monkeypatch, *extra: str) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))  # a fresh embedding cache: nothing reused
    args = ["run", str(src), "--out", str(out), "--quiet", "--no-report", "--translations", str(refs)]
    for ref in REFERENCES:
        args += ["--translations", str(ref)]
    assert cli.main(args + list(extra)) == 0


def test_two_worker_processes_write_the_single_process_tables(corpus, tmp_path, monkeypatch):
    src, refs = corpus
    _run(src, refs, tmp_path / "one", tmp_path / "cache1", monkeypatch)
    _run(src, refs, tmp_path / "dask", tmp_path / "cache2", monkeypatch, "--workers", "2")
    for name in ("documents", "sentences", "alignments", "claims", "stories"):
        one = tables.read_table(tmp_path / "one", name)
        two = tables.read_table(tmp_path / "dask", name)
        floats = [c for c, (t, _) in schema.SCHEMAS[name].items() if t == "float"]
        # embeddings computed in other batches may differ in the last float bits
        pd.testing.assert_frame_equal(one.drop(columns=floats), two.drop(columns=floats), obj=name)
        for c in floats:
            assert np.allclose(one[c], two[c], atol=2e-4), (name, c)
    stories = tables.read_table(tmp_path / "one", "stories").set_index("doc_id")["story_id"]
    assert stories["000_273696c2cfa1a6c5"] == stories["004_6ce744fa065e481d"]  # the seeds: one story
    docs = json.loads(NTREX.read_text(encoding="utf-8").splitlines()[0])["docid"]
    assert stories[f"en_{docs}"] == stories[f"de_{docs}"] != stories["000_273696c2cfa1a6c5"]
    assert stories.value_counts().max() == 2 and stories.nunique() == 5  # lone.txt: a story of its own
    al = tables.read_table(tmp_path / "one", "alignments")
    assert al["story_id"].map(lambda s: (stories == s).sum() == 2).all()
    assert set(al["src_lang"]) | set(al["tgt_lang"]) <= {"en", "de", "zh"}
