"""Scale benchmark: N news-like articles with planted stories through the whole pipeline.

    python benchmarks/scale.py            # N = 250, 500, 1000, 2000
    python benchmarks/scale.py --quick    # N = 250, 500
    python benchmarks/scale.py --warm     # reuse one embedding cache across sizes (say so!)

Generator (sources on this machine, English NTREX-128 / STS-B / MAC-Dev sentences):
- every base article is ~20 sentences drawn from a shuffled stream of the sentence pool (each
  sentence is reused only when the pool runs out, so unrelated articles share a sentence only
  by chance, as boilerplate does in a crawl);
- ~40% of the articles belong to planted stories of 2-4 articles: the variants of a base article
  keep 60-85% of its sentences, lightly shuffled, plus 1-3 sentences of their own;
- 8 planted cross-lingual stories are NTREX documents in English, German and Chinese (each cut
  to a different 2/3), their German/Chinese sentences translated by importing the NTREX English
  reference (--translations), so no Argos model runs;
- Markdown front matter gives a title and a date (story members within 2 days of each other,
  other articles anywhere in a year).

Caveat: the pool holds ~5,000 sentences, so at N >= 250 the articles reuse pool sentences and
the embedder (which embeds each distinct text once) does less than linear work in N; a crawl of
distinct articles embeds every sentence.  Story variants are verbatim subsets (no rewording), so
story grouping here is easy; --ntrex measures it cross-lingually.

Each size runs in a fresh subprocess (for its peak RSS) with a fresh embedding cache unless
--warm.  Prints per-stage seconds, the fitted exponent of total time in N, planted-story
pairwise precision/recall/F1 over document pairs, the largest claim's share of sentences and
peak RSS; the last line is `scale: exponent=E docs_per_s=R story_f1=F largest_claim=S`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data"
N_XLING = 8


def _pool(exclude: set[str]) -> list[str]:
    """Unique English sentences of 4-60 words from the local public data."""
    out: list[str] = []
    for line in (DATA / "ntrex128" / "ntrex_docs.jsonl").read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        if d["docid"] not in exclude:
            out += d["en"]
    with open(DATA / "stsb-multi-mt" / "stsb-en-dev.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            out.append(row.get("sentence1", ""))
    for f in sorted((DATA / "mac-dev").glob("*.en")):
        out += f.read_text(encoding="utf-8").splitlines()
    seen, pool = set(), []
    for s in out:
        s = " ".join(s.split())
        if 4 <= len(s.split()) <= 60 and s not in seen and not s.startswith(("-", "#", ">", "*")):
            seen.add(s)
            pool.append(s)
    return pool


_orig: dict[str, dict[str, str]] = {}


def _overlap(a: str, b: str) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / max(len(sa | sb), 1) + (1.0 if a in b else 0.0)


def generate(n: int, out: Path, seed: int = 0) -> tuple[list[list[str]], Path]:
    """Write n articles (+ the cross-lingual stories) under out/in; returns (gold stories, refs)."""
    rng = random.Random(seed)
    src = out / "in"
    src.mkdir(parents=True)
    ntrex = [json.loads(line) for line in (DATA / "ntrex128" / "ntrex_docs.jsonl").read_text(encoding="utf-8").splitlines()]
    xling = [d for d in ntrex if len(d["en"]) >= 12][:N_XLING]
    pool = _pool({d["docid"] for d in xling})
    stream: list[str] = []

    def take(k: int) -> list[str]:
        nonlocal stream
        if len(stream) < k:
            fresh = pool[:]
            rng.shuffle(fresh)
            stream = stream + fresh
        got, stream = stream[:k], stream[k:]
        return got

    gold: list[list[str]] = []
    n_docs = 0

    def write(doc_id: str, title: str, day: int, body: list[str], ext: str = "md") -> None:
        date = time.strftime("%Y-%m-%d", time.gmtime(1704067200 + 86400 * day))
        quoted = "'" + title.replace("'", "''") + "'"  # YAML single-quoted: the title stays exact
        text = f"---\ntitle: {quoted}\ndate: {date}\n---\n\n" + "\n\n".join(body) + "\n"
        (src / f"{doc_id}.{ext}").write_text(text, encoding="utf-8")

    # cross-lingual NTREX stories (count towards n)
    refs = out / "ntrex_refs.csv"
    english_of: dict[tuple[str, str], str] = {}
    for d in xling:
        m = len(d["en"])
        day = rng.randrange(365)
        story = []
        for lang, (s0, s1) in (("en", (0, 2 * m // 3)), ("de", (m // 3, m)), ("zh", (m // 6, 5 * m // 6))):
            doc_id = f"x{n_docs:05d}_{lang}"
            write(doc_id, d[lang][s0], day + rng.randrange(2), d[lang][s0:s1])
            english_of.update({(lang, t): e for t, e in zip(d[lang], d["en"])})
            story.append(doc_id)
            n_docs += 1
        gold.append(story)
    # planted stories until ~40% of the articles are in one, then single articles
    while n_docs < 0.4 * n:
        size = rng.choice((2, 3, 4))
        base = take(20)
        day = rng.randrange(365)
        story = []
        for v in range(size):
            keep = [s for s in base if rng.random() < rng.uniform(0.6, 0.85)] if v else base[:]
            for _ in range(2):  # light shuffle: swap neighbours
                i = rng.randrange(max(1, len(keep) - 1))
                keep[i : i + 2] = keep[i : i + 2][::-1]
            if v:
                keep += take(rng.randint(1, 3))
            doc_id = f"s{n_docs:05d}"
            write(doc_id, keep[0], day + rng.randrange(3), keep)
            story.append(doc_id)
            n_docs += 1
        gold.append(story)
    while n_docs < n:
        body = take(rng.randint(15, 25))
        doc_id = f"a{n_docs:05d}"
        write(doc_id, body[0], rng.randrange(365), body)
        gold.append([doc_id])
        n_docs += 1
    _orig.clear()
    for (lg, t), e in english_of.items():
        _orig.setdefault(lg, {})[e] = t
    # the English reference of each German/Chinese sentence as the segmenter cuts it
    sys.path.insert(0, str(REPO))
    from align import pipeline
    from align.output import tables

    pipeline.run_ingest([src], out / "ingested")
    sents = tables.read_table(out / "ingested", "sentences")
    with open(refs, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["source", "target", "lang"])
        for text, doc_id in zip(sents["text"], sents["doc_id"]):
            lang = doc_id.rsplit("_", 1)[-1] if doc_id.startswith("x") else "en"
            if lang in ("de", "zh"):
                # the line holding the sentence (most shared characters: the segmenter may
                # normalise spaces or punctuation)
                line = max((e for (lg, t), e in english_of.items() if lg == lang),
                           key=lambda e, lg=lang: _overlap(text, _orig[lg][e]))
                w.writerow([text, line, lang])
    return gold, refs


def one(n: int, workdir: Path, workers: int) -> dict:
    """Generate and run size n in this process; returns the measurements."""
    sys.path.insert(0, str(REPO))
    gold, refs = generate(n, workdir)
    from align import pipeline
    from align.output import tables

    options = pipeline.RunOptions(out_dir=workdir / "out", translations=[refs], report=False, workers=workers)
    t0 = time.perf_counter()
    result = pipeline.run([workdir / "in"], options)
    total = time.perf_counter() - t0
    stories = tables.read_table(workdir / "out", "stories")
    claims = tables.read_table(workdir / "out", "claims")
    sents = tables.read_table(workdir / "out", "sentences")
    story = dict(zip(stories["doc_id"], stories["story_id"]))
    gold_pairs = {tuple(sorted(p)) for g in gold for p in combinations(g, 2)}
    by_story: dict[int, list[str]] = {}
    for d, s in story.items():
        by_story.setdefault(s, []).append(d)
    pred_pairs = {tuple(sorted(p)) for ds in by_story.values() for p in combinations(ds, 2)}
    tp = len(gold_pairs & pred_pairs)
    p = tp / max(len(pred_pairs), 1)
    r = tp / max(len(gold_pairs), 1)
    per_claim = claims.assign(n=claims["sent_ids"].map(len)).groupby("claim_id")["n"].sum()
    return {
        "n": len(result.documents), "sentences": len(sents), "total_s": total,
        "stages": {k: round(v, 2) for k, v in result.timings.items()},
        "match_stages": {k: round(v, 2) for k, v in result.match_timings.items()},
        "story_p": p, "story_r": r, "story_f1": 2 * p * r / max(p + r, 1e-9),
        "largest_claim": float(per_claim.max() / max(len(sents), 1)),
        "alignments": result.n_alignments, "stories": result.n_stories,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def ntrex() -> None:
    """Story grouping on NTREX-128: 123 stories x en/de/zh, each version cut to a different 2/3
    (en: first, de: last, zh: middle), English reference as text_en of every version (what an
    imported translation gives), MiniLM embeddings; pairwise P/R/F1 over document pairs."""
    sys.path.insert(0, str(REPO))
    import numpy as np

    from align.embed import Embedder
    from align.match.corpus import match_corpus
    from align.match.units import split_units
    from align.types import Sentence

    docs = [json.loads(line) for line in (DATA / "ntrex128" / "ntrex_docs.jsonl").read_text(encoding="utf-8").splitlines()]
    sentences, doc_ids, gold, titles = [], [], [], []
    for g, d in enumerate(docs):
        m = len(d["en"])
        for lang, (s0, s1) in (("en", (0, 2 * m // 3)), ("de", (m // 3, m)), ("zh", (m // 6, 5 * m // 6))):
            s1 = max(s1, s0 + 1)
            doc_id = f"{lang}_{d['docid']}"
            for k, line in enumerate(range(s0, s1)):
                sentences.append(Sentence(doc_id, k, k, "body", d[lang][line], 0, 0, lang, None, d["en"][line]))
            doc_ids.append(doc_id)
            gold.append(g)
            titles.append(d[lang][s0])
    units = split_units(sentences)
    t0 = time.perf_counter()
    vecs = Embedder().encode([u.text_en for u in units])
    t_embed = time.perf_counter() - t0
    t0 = time.perf_counter()
    res = match_corpus(units, vecs, doc_ids=doc_ids, titles=titles, dates=[""] * len(doc_ids))
    story = dict(zip(res.stories["doc_id"], res.stories["story_id"]))
    gold_of = dict(zip(doc_ids, gold))
    pairs = list(combinations(doc_ids, 2))
    pred = np.array([story[a] == story[b] for a, b in pairs])
    truth = np.array([gold_of[a] == gold_of[b] for a, b in pairs])
    tp = int((pred & truth).sum())
    p, r = tp / max(pred.sum(), 1), tp / max(truth.sum(), 1)
    per_claim = res.claims.assign(n=res.claims["sent_ids"].map(len)).groupby("claim_id")["n"].sum()
    print(f"ntrex: docs={len(doc_ids)} units={len(units)} embed={t_embed:.1f}s match={time.perf_counter() - t0:.1f}s "
          f"stories={res.stories['story_id'].nunique()} story P/R/F1={p:.3f}/{r:.3f}/{2 * p * r / max(p + r, 1e-9):.3f} "
          f"alignments={len(res.alignments)} largest_claim={per_claim.max() / len(sentences):.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="N = 250, 500 only")
    ap.add_argument("--sizes", type=int, nargs="*", default=None)
    ap.add_argument("--warm", action="store_true", help="share one embedding cache across sizes")
    ap.add_argument("--workers", type=int, default=0, help="--workers of the runs (default: one process)")
    ap.add_argument("--ntrex", action="store_true", help="story grouping on NTREX-128 (123 stories x 3 languages)")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--dir", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print("RESULT " + json.dumps(one(args.one, args.dir, args.workers)))
        return
    if args.ntrex:
        ntrex()
        return
    sizes = args.sizes or ([250, 500] if args.quick else [250, 500, 1000, 2000])
    import numpy as np

    rows = []
    with tempfile.TemporaryDirectory(prefix="align-scale-") as tmp:
        for n in sizes:
            work = Path(tmp) / f"n{n}"
            env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
                       PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
            env["XDG_CACHE_HOME"] = str(Path(tmp) / ("cache" if args.warm else f"cache{n}"))
            proc = subprocess.run([sys.executable, __file__, "--one", str(n), "--dir", str(work),
                                   "--workers", str(args.workers)], check=False, env=env, capture_output=True, text=True)
            line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                print(proc.stdout[-2000:], proc.stderr[-4000:], file=sys.stderr)
                raise SystemExit(f"size {n} failed")
            res = json.loads(line[7:])
            rows.append(res)
            print(f"N={res['n']:5d} sentences={res['sentences']:6d} total={res['total_s']:7.1f}s "
                  f"stages={res['stages']} match={res['match_stages']} stories={res['stories']} "
                  f"alignments={res['alignments']} story P/R/F1={res['story_p']:.3f}/{res['story_r']:.3f}/"
                  f"{res['story_f1']:.3f} largest_claim={res['largest_claim']:.4f} "
                  f"peak_rss={res['peak_rss_mb']:.0f}MB", flush=True)
    ns = np.array([r["n"] for r in rows], float)
    ts = np.array([r["total_s"] for r in rows], float)
    exponent = float(np.polyfit(np.log(ns), np.log(ts), 1)[0]) if len(rows) > 1 else float("nan")
    last = rows[-1]
    print(f"embedding cache: {'warm (shared across sizes)' if args.warm else 'cold (fresh per size)'}; "
          f"workers: {args.workers or 'single process'}; cores: {os.cpu_count()}")
    print(f"scale: exponent={exponent:.2f} docs_per_s={last['n'] / last['total_s']:.2f} "
          f"story_f1={min(r['story_f1'] for r in rows):.3f} largest_claim={max(r['largest_claim'] for r in rows):.4f}")


if __name__ == "__main__":
    main()
