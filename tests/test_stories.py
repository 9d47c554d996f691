"""Corpus-wide candidates, stories and claims that do not chain (real MiniLM on NTREX-128)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from align.match.quality import NTREX_SPANS, ntrex_story_versions

from align.embed import Embedder
from align.match import claims as match_claims
from align.match import stories
from align.match.candidates import corpus_neighbours
from align.match.corpus import match_corpus
from align.match.units import split_units
from align.output.similarity import sentence_similarity

NTREX = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "ntrex128" / "ntrex_docs.jsonl"


def _unit_vectors(n, d, rng):
    v = rng.standard_normal((n, d)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_corpus_neighbours_are_exact_and_cross_document_only():
    rng = np.random.default_rng(0)
    vecs = _unit_vectors(300, 16, rng)
    docs = rng.integers(0, 12, size=300)
    nb = corpus_neighbours(vecs, docs, k=5)
    sims = vecs @ vecs.T
    sims[docs[:, None] == docs[None, :]] = -np.inf  # same document never a candidate
    expect = np.argsort(-sims, axis=1)[:, :5]
    assert np.array_equal(nb.idx, expect)
    assert np.allclose(nb.mean, np.take_along_axis(sims, expect, 1).mean(1), atol=1e-5)
    assert (docs[nb.idx] != docs[:, None]).all()


def test_average_linkage_does_not_chain():
    # a-b and b-c are strong, a-c is absent: connected components would give one story of 3
    aff = {(0, 1): 0.9, (1, 2): 0.8, (3, 4): 0.5}
    labels = stories.cluster(5, aff, threshold=0.45)
    assert labels[0] == labels[1] and labels[2] != labels[0]
    assert labels[3] == labels[4] and len(set(labels)) == 3
    assert list(labels) == [0, 0, 1, 2, 2]  # ids in order of first document


def test_date_window_keeps_distant_documents_apart():
    rng = np.random.default_rng(1)
    base = _unit_vectors(6, 32, rng)
    vecs = np.vstack([base, base + 0.01])  # doc 1 repeats doc 0
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    unit_doc = np.array([0] * 6 + [1] * 6)
    nb = corpus_neighbours(vecs, unit_doc)
    same = stories.group_stories(vecs, unit_doc, 2, nb, dates=["2024-03-01", "2024-03-04"], story_days=7)
    apart = stories.group_stories(vecs, unit_doc, 2, nb, dates=["2024-03-01", "2024-05-04"], story_days=7)
    undated = stories.group_stories(vecs, unit_doc, 2, nb, dates=["2024-03-01", ""], story_days=7)
    assert same[0] == same[1] and apart[0] != apart[1] and undated[0] == undated[1]


def test_claims_do_not_chain_and_hold_one_unit_per_document():
    # units 0..3 in docs 0..3, a chain 0-1, 1-2, 2-3: unit 3 is aligned with one of three members
    labels = match_claims.cluster_units([0, 1, 2, 3], [0, 1, 2], [1, 2, 3], [0.9, 0.8, 0.7])
    assert labels[0] == labels[1] == labels[2] and labels[3] != labels[0]
    # a triangle (docs 0,1,2) is one claim; unit 3 (doc 1 again) aligned with unit 0 only stays
    # out; unit 4 (doc 1 again) aligned with every member of the other documents is a restatement
    codes = [0, 1, 2, 1, 1]
    labels = match_claims.cluster_units(codes, [0, 1, 0, 0, 0, 4], [1, 2, 2, 3, 4, 2], [0.9, 0.8, 0.7, 0.5, 0.6, 0.6])
    assert labels[0] == labels[1] == labels[2] == labels[4]
    assert labels[3] != labels[0]


@pytest.fixture(scope="module")
def ntrex_corpus(tmp_path_factory):
    """6 NTREX stories, each as an English and a German version (German -> English reference as
    its text_en, as an imported translation would give), the versions cut to different 2/3 spans."""
    docs = [json.loads(line) for line in NTREX.read_text(encoding="utf-8").splitlines()[:6]]
    sentences, doc_ids, gold, titles = ntrex_story_versions(docs, NTREX_SPANS[:2])
    units = split_units(sentences)
    vecs = Embedder(cache_dir=tmp_path_factory.mktemp("emb")).encode([u.text_en for u in units])
    return units, vecs, doc_ids, gold, titles


def test_ntrex_versions_form_one_story_each(ntrex_corpus):
    units, vecs, doc_ids, gold, titles = ntrex_corpus
    m = match_corpus(units, vecs, doc_ids=doc_ids, titles=titles, dates=[""] * len(doc_ids))
    story = dict(zip(m.stories["doc_id"], m.stories["story_id"]))
    got = [story[d] for d in doc_ids]
    for a in range(len(doc_ids)):
        for b in range(a + 1, len(doc_ids)):
            assert (got[a] == got[b]) == (gold[a] == gold[b]), (doc_ids[a], doc_ids[b])
    assert (m.stories["n_docs"] == 2).all()
    al = m.alignments
    assert len(al) and (al["src_doc"] < al["tgt_doc"]).all()
    # matching stays inside stories: every pair is an English and a German version of one document
    assert (al["src_doc"].str[3:] == al["tgt_doc"].str[3:]).all()
    assert set(al["story_id"]) <= set(m.stories["story_id"])
    # accepted pairs carry their claim's id; a claim of two versions holds one pair, or a few
    # when a version restates it
    ok = al[al["accepted"]]
    assert ok["claim_id"].notna().mean() > 0.9
    assert al.loc[~al["accepted"], "claim_id"].isna().all()
    assert m.claims.groupby(["claim_id", "doc_id"]).size().max() == 1
    assert m.claims.groupby("claim_id")["n_docs"].first().max() <= 2
    assert (m.claims.groupby("claim_id")["story_id"].nunique() == 1).all()
    # the middle third is the same text in both versions: most of it is found
    shared = al[al["src_sent_ids"].map(len) > 0]
    assert len(shared) >= 0.5 * len(units) / 2 / 2
    assert m.shared_pairs == set(zip(al["src_doc"], al["tgt_doc"]))
    assert m.shared_pairs == {(f"de_{d[3:]}", d) for d in doc_ids if d.startswith("en_")}


def test_similarity_only_for_requested_pairs():
    vecs = np.eye(4, dtype=np.float32)
    sim = sentence_similarity(["a", "a", "b", "c"], [[0], [1], [0], [0]], vecs, {"a": 2, "b": 1, "c": 1},
                              pairs=[("b", "a")])
    assert list(sim) == [("a", "b")] and sim[("a", "b")].shape == (2, 1)


def test_parallel_stories_pair_translations_across_a_language_offset():
    """Four chapters' worth of content, each in en and zh; every zh vector carries a shared
    language offset larger than the content, so raw mean vectors group by language.  Centred on
    their language, documents pair with their translation.  Two documents, or one document per
    language, are one story; a document without units stays alone."""
    rng = np.random.default_rng(3)
    content = [_unit_vectors(5, 64, rng) for _ in range(4)]
    offset = 1.5 * _unit_vectors(1, 64, rng)
    vecs, unit_doc, langs = [], [], []
    for d in range(8):  # docs 0-3 en, 4-7 zh translations of 0-3
        lang = "en" if d < 4 else "zh"
        v = content[d % 4] + 0.05 * rng.standard_normal((5, 64)) + (offset if lang == "zh" else 0)
        vecs.append(v)
        unit_doc += [d] * 5
        langs += [lang] * 5
    vecs = np.vstack(vecs).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    unit_doc = np.array(unit_doc)
    raw = stories.document_vectors(vecs, unit_doc, 8)
    assert raw[4] @ raw[5] > raw[0] @ raw[4]  # the offset dominates the raw mean vectors
    labels = stories.parallel_stories(vecs, unit_doc, langs, 8)
    assert list(labels) == [0, 1, 2, 3, 0, 1, 2, 3]
    # a date window still vetoes
    far = stories.parallel_stories(vecs, unit_doc, langs, 8, dates=["2024-01-01"] * 4 + ["2024-06-01"] * 4)
    assert len(set(far)) == 8
    two = stories.parallel_stories(vecs[:10], unit_doc[:10], langs[:10], 2)
    assert list(two) == [0, 0]
    # docs 0 (en) and 5 (zh) of different content, one per language: declared translations
    pick = np.r_[0:5, 25:30]
    one_each = stories.parallel_stories(vecs[pick], np.repeat([0, 2], 5), [langs[i] for i in pick], 3)
    assert list(one_each) == [0, 1, 0]  # doc 1 has no units
