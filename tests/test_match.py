"""Claim units, k-NN mining, comparable and parallel alignment, claim grouping (real MiniLM)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from align.embed import Embedder
from align.match.candidates import mine
from align.match.claims import CLAIM_COLUMNS, group_claims
from align.match.comparable import ALIGNMENT_COLUMNS, align_comparable
from align.match.parallel import align_parallel, align_parallel_documents
from align.types import Sentence
from align.match.units import sentence_units, split_clauses, split_units
from align.match.quality import DE_DOC, ZH_DOC, evaluate, is_true, reference_sentences
from align.match.quality import load_labels as _load_labels
from tests.conftest import DE_SEED, ZH_SEED

DATA = Path(__file__).parent / "data"


def seed_sentences(lang: str) -> list[Sentence]:
    """A seed's sentences with its human reference translation imported as text_en."""
    return reference_sentences(ZH_SEED if lang == "zh" else DE_SEED, DATA / f"reference_{lang}.csv")


def load_labels():
    return _load_labels(DATA / "labelled_pairs.csv")


@pytest.fixture(scope="module")
def embedder(tmp_path_factory) -> Embedder:
    return Embedder(cache_dir=tmp_path_factory.mktemp("emb"))


@pytest.fixture(scope="module")
def seeds(embedder):
    zh, de = split_units(seed_sentences("zh")), split_units(seed_sentences("de"))
    units = zh + de
    return units, embedder.encode([u.text_en for u in units])


# -- claim units ----------------------------------------------------------------------------

def test_units_split_bundled_claims_and_strip_frames():
    units = split_units(seed_sentences("zh") + seed_sentences("de"))
    by_sent = {}
    for u in units:
        by_sent.setdefault((u.doc_id, u.sent_ids[0]), []).append(u)
    maker = by_sent[(ZH_DOC, 3)]  # "...no final decision, but ... far-reaching; Hikvision is the largest maker"
    assert [u.text_en for u in maker][-1] == "Hikvision is the world's largest maker of surveillance equipment."
    assert len(maker) == 3
    assert all(u.text == maker[0].text for u in maker)  # 但 splits the original in 2, not 3: full sentence
    de_maker = by_sent[(DE_DOC, 7)]  # "..., but it has faced accusations": pronoun resolved
    assert len(de_maker) == 2
    assert de_maker[1].text_en.startswith("Hangzhou-based Hikvision has faced accusations")
    de_statement = by_sent[(DE_DOC, 3)]  # German ", aber" matches the English ", but": clauses map back
    assert de_statement[0].text.startswith("Ihre Erklärung am Freitag") and de_statement[1].text.startswith("aber es würden")
    quoted = by_sent[(DE_DOC, 6)][0]  # '"China urges Canada ...," it added.'
    assert quoted.text_en == "China urges Canada to correct its wrong practices immediately"
    # the verbatim repeat of Hikvision's statement makes no unit of its own but stays traceable
    assert (ZH_DOC, 12) not in by_sent and (ZH_DOC, 13) not in by_sent
    assert by_sent[(ZH_DOC, 5)][0].duplicate_sent_ids == [12]
    assert by_sent[(ZH_DOC, 6)][0].duplicate_sent_ids == [13]
    assert {u.unit_id for u in units} == {f"{u.doc_id}:{u.sent_ids[0]}.{u.unit_id.split('.')[-1]}" for u in units}
    assert len({u.unit_id for u in units}) == len(units)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("According to the report, Washington accuses Hikvision of supplying cameras.",
         ["Washington accuses Hikvision of supplying cameras."]),
        ("The report said that the US government has begun informing its allies.",
         ["the US government has begun informing its allies."]),
        ("Prices rose sharply last year, while wages stayed flat for most workers.",
         ["Prices rose sharply last year", "wages stayed flat for most workers."]),
        ("Beijing's remarks came after Ottawa had announced that the offices would close.",
         ["Beijing's remarks came after Ottawa had announced that the offices would close."]),
        ("China firmly opposes this.", ["China firmly opposes this."]),
        ("It rained, but not much.", ["It rained; not much."]),  # short fragment merged back
    ],
)
def test_split_clauses_rules(text, expected):
    assert split_clauses(text) == expected


def test_english_units_keep_their_clause_as_original_text():
    s = Sentence("en_doc", 0, 0, "body", "Sales rose in May; profits fell in June.", 0, 40, "en")
    units = split_units([s])
    assert [u.text for u in units] == ["Sales rose in May", "profits fell in June."]
    assert [u.text_en for u in units] == [u.text for u in units]


# -- mining ---------------------------------------------------------------------------------

def test_mine_matches_brute_force():
    rng = np.random.default_rng(0)
    src = rng.standard_normal((300, 32)).astype(np.float32)
    tgt = rng.standard_normal((200, 32)).astype(np.float32)
    src /= np.linalg.norm(src, axis=1, keepdims=True)
    tgt /= np.linalg.norm(tgt, axis=1, keepdims=True)
    mined = mine(src, tgt, k=4, chunk=64)  # several chunks
    idx, cos = mined.fwd_idx, mined.fwd_sims
    margin = mined.margin(cos, np.arange(len(src))[:, None], idx)
    sims = src @ tgt.T
    expect_idx = np.argsort(-sims, axis=1)[:, :4]
    assert np.array_equal(idx, expect_idx)
    assert np.allclose(cos, np.take_along_axis(sims, expect_idx, 1), atol=1e-5)
    src_mean = np.sort(sims, axis=1)[:, -4:].mean(1)
    tgt_mean = np.sort(sims, axis=0)[-4:, :].mean(0)
    expect_margin = cos / ((src_mean[:, None] + tgt_mean[idx]) / 2)
    assert np.allclose(margin, expect_margin, atol=1e-4)


# -- comparable mode on the seeds ------------------------------------------------------------

def test_seed_alignment_quality(seeds):
    units, vecs = seeds
    al = align_comparable(units, vecs)
    assert list(al.columns) == ALIGNMENT_COLUMNS
    assert (al["src_doc"] < al["tgt_doc"]).all() and set(al["src_doc"]) == {ZH_DOC}
    labels = load_labels()
    ev = evaluate(al, units, labels)
    top10 = evaluate(al.head(10), units, labels)
    assert top10["precision"] >= 0.8, al[["src_en", "tgt_en", "score"]]
    # The score's weights are fitted on public data (benchmarks/match_quality.py), no longer on
    # these labels: on the seeds, a held-out test, it keeps 4 of the 11 labelled claims at P 0.8.
    assert ev["recall"] >= 0.35, ev
    assert al["score"].between(0, 1).all() and al["score"].is_monotonic_decreasing
    by_id = {u.unit_id: u for u in units}
    shared = [(by_id[a].text_en, by_id[b].text_en) for a, b in zip(al["src_unit"], al["tgt_unit"])]
    assert any("largest maker" in a and "leading manufacturers" in b for a, b in shared)
    assert any("urge the US to correct" in a and "urges Canada to correct" in b for a, b in shared)
    blacklist = al[al["src_en"].str.contains("Entity List trade blacklist in 2020") & al["tgt_en"].str.contains("2019 blacklist")]
    assert len(blacklist) == 1
    assert blacklist.iloc[0]["conflict"] == "year: 2020 vs 2019"
    assert blacklist.iloc[0]["src_sent_ids"] == [19] and blacklist.iloc[0]["tgt_sent_ids"] == [8]
    # the Chinese text shown is the original sentence (its clauses could not be mapped 1:1)
    assert "2020 年已将海康威视列入实体清单" in blacklist.iloc[0]["src_text"]
    # conflicts only where both sides state the same kind of detail
    assert (al["conflict"] != "").sum() == 1


def test_true_pairs_outscore_false_ones(seeds):
    """The calibrated score ranks labelled shared claims above labelled non-shared ones."""
    units, vecs = seeds
    al = align_comparable(units, vecs, min_score=0.0, cos_floor=-1.0)
    by_id = {u.unit_id: u for u in units}
    truth = np.array([is_true(load_labels(), by_id[a], by_id[b]) for a, b in zip(al["src_unit"], al["tgt_unit"])])
    from sklearn.metrics import roc_auc_score

    # Weights fitted on STS-B/NTREX (not these labels) rank the seeds' pairs a little below the
    # bare cosine (AUC 0.869 vs 0.896): translation-like public data reward mutual NN and
    # penalise word overlap more than comparable news needs.  Kept as a bound, not a goal.
    assert roc_auc_score(truth, al["score"]) > roc_auc_score(truth, al["cosine"]) - 0.05
    assert roc_auc_score(truth, al["score"]) >= 0.85


def test_unrelated_documents_yield_no_pairs(embedder):
    a = [Sentence("a_doc", n, n, "body", t, 0, 0, "en", None, t) for n, t in enumerate([
        "The central bank raised interest rates by half a point.",
        "Inflation reached its highest level in four decades.",
        "Mortgage costs are expected to rise further this year.",
    ])]
    b = [Sentence("b_doc", n, n, "body", t, 0, 0, "en", None, t) for n, t in enumerate([
        "The home team won the cup final after extra time.",
        "The striker scored twice in the second half.",
        "Fans celebrated in the streets until morning.",
    ])]
    units = split_units(a + b)
    al = align_comparable(units, embedder.encode([u.text_en for u in units]))
    assert al.empty and list(al.columns) == ALIGNMENT_COLUMNS  # the cosine floor holds


# -- claims across three documents -------------------------------------------------------------

def test_group_claims_across_three_documents(seeds, embedder):
    units, vecs = seeds
    wire = [
        "Hikvision is one of the largest makers of surveillance cameras in the world.",
        "China urged Canada to correct its wrong practices.",
        "The weather in Ottawa was mild on Monday.",
    ]
    third = split_units([Sentence("010_en_wire", n, n, "body", t, 0, 0, "en") for n, t in enumerate(wire)])
    all_units = units + third
    all_vecs = np.vstack([vecs, embedder.encode([u.text_en for u in third])])
    al = align_comparable(all_units, all_vecs)
    pairs = set(zip(al["src_doc"], al["tgt_doc"]))
    assert pairs == {(ZH_DOC, DE_DOC), (ZH_DOC, "010_en_wire"), (DE_DOC, "010_en_wire")}
    claims = group_claims(all_units, al)
    assert list(claims.columns) == CLAIM_COLUMNS
    maker = claims[claims["text_en"].str.contains("largest makers of surveillance cameras")]
    assert len(maker) == 1 and maker.iloc[0]["n_docs"] == 3
    members = claims[claims["claim_id"] == maker.iloc[0]["claim_id"]]
    assert sorted(members["doc_id"]) == sorted([ZH_DOC, DE_DOC, "010_en_wire"])
    assert members["n_docs"].eq(3).all()
    weather = claims[claims["text_en"].str.contains("weather in Ottawa")]
    assert weather.iloc[0]["n_docs"] == 1
    # every unit belongs to exactly one claim row of its document
    covered = {(d, s) for d, ids in zip(claims["doc_id"], claims["sent_ids"]) for s in ids}
    assert covered == {(u.doc_id, s) for u in all_units for s in u.sent_ids}
    assert claims.groupby(["claim_id", "doc_id"]).size().max() == 1
    # n_docs counts the documents of each claim
    assert (claims.groupby("claim_id")["doc_id"].nunique() == claims.groupby("claim_id")["n_docs"].first()).all()


def test_group_claims_without_alignments():
    units = split_units(seed_sentences("de"))
    claims = group_claims(units, pd.DataFrame(columns=ALIGNMENT_COLUMNS))
    assert len(claims) == len(units) and (claims["n_docs"] == 1).all()
    assert list(claims["claim_id"]) == list(range(len(units)))


# -- parallel mode -------------------------------------------------------------------------------

def test_parallel_beads_split_merge_insert_delete(embedder):
    de = seed_sentences("de")  # 14 German sentences, English reference as text_en
    en = [s.text_en for s in de]
    split_a, split_b = en[2].split(", as their continuation")
    tgt_texts = (
        [en[0], en[1]]
        + ["Hikvision did not immediately respond to a request for comment."]  # inserted: 0-1
        + [split_a + ".", "Their continuation" + split_b]  # 1-2
        + [en[3], en[4]]
        + [en[5] + " " + en[6]]  # 2-1
        + [en[7], en[8]]
        + [en[10], en[11], en[12], en[13]]  # en[9] dropped: 1-0
    )
    tgt = [Sentence("en_doc", n, n, "body", t, 0, 0, "en", None, t, "identity") for n, t in enumerate(tgt_texts)]
    src_vecs = embedder.encode([s.text_en for s in de])
    tgt_vecs = embedder.encode(tgt_texts)
    al = align_parallel(de, tgt, src_vecs, tgt_vecs, embedder=embedder, window=4)
    beads = [(tuple(r.src_sent_ids), tuple(r.tgt_sent_ids)) for r in al.itertuples()]
    # "004_..." < "en_doc": German is the src side
    assert set(al["src_doc"]) == {DE_DOC}
    expected = [
        ((0,), (0,)), ((1,), (1,)), ((2,), (3, 4)), ((3,), (5,)), ((4,), (6,)), ((5, 6), (7,)),
        ((7,), (8,)), ((8,), (9,)), ((10,), (10,)), ((11,), (11,)), ((12,), (12,)), ((13,), (13,)),
    ]
    assert beads == expected
    assert list(al.columns) == ALIGNMENT_COLUMNS and al["score"].between(0, 1).all()
    both = sentence_units(tgt) + sentence_units(de)  # any order of documents
    via_docs = align_parallel_documents(both, np.vstack([tgt_vecs, src_vecs]), embedder=embedder, window=4)
    assert [(tuple(r.src_sent_ids), tuple(r.tgt_sent_ids)) for r in via_docs.itertuples()] == expected
    claims = group_claims(both, via_docs)
    assert claims[claims["doc_id"] == "en_doc"]["n_docs"].value_counts().to_dict() == {2: 12, 1: 1}
    assert claims[claims["doc_id"] == DE_DOC]["n_docs"].value_counts().to_dict() == {2: 12, 1: 1}


def test_parallel_is_banded_and_handles_long_documents(embedder):
    """A long document aligned to itself with a shift stays correct inside a narrow band."""
    rng = np.random.default_rng(1)
    n = 400
    vecs = rng.standard_normal((n, 384)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    noisy = vecs + 0.3 * rng.standard_normal(vecs.shape).astype(np.float32) / np.sqrt(384)
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    from align.match.parallel import parallel_beads

    # target has 5 extra sentences at the start: anchors must carry the band off the diagonal
    extra = rng.standard_normal((5, 384)).astype(np.float32)
    extra /= np.linalg.norm(extra, axis=1, keepdims=True)
    beads = parallel_beads(vecs, np.vstack([extra, noisy]), window=2)
    pairs = [(s, t) for s, t, _ in beads if s and t]
    assert pairs == [((i,), (i + 5,)) for i in range(n)]
