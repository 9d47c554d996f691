"""Scale benchmark: N news-like articles with planted stories through the whole pipeline.

    python benchmarks/scale.py            # N = 250, 500, 1000, 2000
    python benchmarks/scale.py --quick    # N = 250, 500
    python benchmarks/scale.py --warm     # reuse one embedding cache across sizes (say so!)

Generator (sources on this machine, English NTREX-128 / STS-B / MAC-Dev sentences, ~3,700
distinct after filtering):
- every base article is ~20 sentences drawn from a shuffled stream of the sentence pool; every
  generated sentence is made DISTINCT text (seeded, class Distinct): a pool sentence is used
  verbatim once, afterwards with 1-2 of its names (capitalised tokens of the pool) or numbers
  (same digit count) substituted, or with a dateline ("On 3 March, ...") or a place
  ("... in Lisbon.") where it has none.  So the embedder, which embeds each distinct text once,
  does work linear in N, as on a crawl of distinct articles.  Caveat: substituted sentences
  stay near-duplicates of their pool sentence (same template, other names), which a crawl has
  as boilerplate but less often; the k-NN and claim stages see many close neighbours;
- ~40% of the articles belong to planted stories of 2-4 articles: the variants of a base article
  keep 60-85% of its sentences, each lightly reworded (one synonym, a trailing clause dropped, a
  name/number changed, or a dateline), lightly shuffled, plus 1-3 sentences of their own, so
  story members share most content words but no sentence verbatim;
- 8 planted cross-lingual stories are NTREX documents in English, German and Chinese (each cut
  to a different 2/3), their German/Chinese sentences translated by importing the NTREX English
  reference (--translations), so no Argos model runs;
- Markdown front matter gives a title (a rewording of the lead sentence) and a date (story members within 2 days of each other,
  other articles anywhere in a year).

The runs pass report=False (the issue's budget is for `--no-report`).  Each N prints the count
of distinct sentence texts in the run's sentences table and of generated sentences.
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
import re
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
    sys.path.insert(0, str(REPO))
    from align.segment import split_sentences

    seen, pool = set(), []
    for line in out:
        line = " ".join(line.split())
        # one sentence per pool item, as the pipeline's segmenter cuts it (a line of two
        # sentences would leave one of them verbatim after a substitution in the other)
        for a, b in split_sentences(line):
            s = line[a:b]
            if (4 <= len(s.split()) <= 60 and s not in seen and not s.startswith(("-", "#", ">", "*"))
                    and sentence_language(s, "en") == "en"):
                seen.add(s)
                pool.append(s)
    return pool


_orig: dict[str, dict[str, str]] = {}

_WORD = re.compile(r"^([^A-Za-z0-9]*)([A-Za-z][A-Za-z'-]*|[0-9][0-9.,]*)([^A-Za-z0-9]*)$")
# light rewording of story variants: common news words and a near-synonym
_SYNONYMS = {
    "said": "stated", "says": "states", "told": "informed", "people": "residents", "big": "large",
    "large": "big", "also": "additionally", "however": "but", "but": "however", "new": "fresh",
    "many": "numerous", "about": "around", "around": "about", "more": "further", "first": "initial",
    "last": "previous", "city": "town", "country": "nation", "government": "administration",
    "company": "firm", "help": "assist", "show": "reveal", "shows": "reveals", "make": "create",
    "made": "created", "very": "extremely", "important": "significant", "use": "employ",
    "used": "employed", "start": "begin", "started": "began", "before": "prior to", "after": "following",
    "because": "since", "found": "discovered", "get": "obtain", "got": "obtained", "buy": "purchase",
    "need": "require", "needs": "requires", "small": "little", "quickly": "rapidly", "often": "frequently",
}
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


def sentence_language(text: str, doc_lang: str) -> str:
    sys.path.insert(0, str(REPO))
    from align.segment import sentence_language as detect

    return detect(text, doc_lang)


class Distinct:
    """Makes every generated sentence distinct text, deterministically (seeded rng).

    Substitutes names (capitalised non-initial tokens of the pool) and numbers (same digit
    count), or, where a sentence has neither, gives it a dateline ("On 3 March, ...") or a place
    ("..., in Lisbon."); `reword` is the light edit of a story variant (a synonym, a clause
    dropped, a number changed) and also yields distinct text."""

    def __init__(self, pool: list[str], rng: random.Random) -> None:
        self.rng = rng
        self.seen: set[str] = set()
        names: set[str] = set()
        for sent in pool:
            for tok in sent.split()[1:]:
                m = _WORD.match(tok)
                if m and m.group(2)[0].isupper() and m.group(2).isalpha() and len(m.group(2)) >= 3 \
                        and not m.group(2).isupper():
                    names.add(m.group(2))
        self.names = sorted(names)
        self.total = 0

    def _number(self, digits: str) -> str:
        out = "".join(str(self.rng.randrange(10)) if c.isdigit() else c for c in digits)
        return str(self.rng.randint(1, 9)) + out[1:] if out[0] == "0" and len(out.split(".")[0]) > 1 else out

    def _slots(self, toks: list[str]) -> list[int]:
        slots = []
        for i, tok in enumerate(toks):
            m = _WORD.match(tok)
            if not m:
                continue
            w = m.group(2)
            if w[0].isdigit() or (i > 0 and w[0].isupper() and w.isalpha() and len(w) >= 3 and not w.isupper()):
                slots.append(i)
        return slots

    def _sub(self, toks: list[str], i: int) -> None:
        m = _WORD.match(toks[i])
        w = m.group(2)
        new = self._number(w) if w[0].isdigit() else self.rng.choice(self.names)
        toks[i] = m.group(1) + new + m.group(3)

    def _decorate(self, sent: str) -> str:
        r = self.rng
        if r.random() < 0.5 and sent[0].isupper() and not sent.split()[0].isupper():
            return f"On {r.randint(1, 28)} {r.choice(_MONTHS)}, " + sent[0].lower() + sent[1:]
        body, end = (sent[:-1], sent[-1]) if sent[-1] in ".!?" else (sent, ".")
        return f"{body} in {r.choice(self.names)}{end}"

    def _accept(self, cand: str) -> bool:
        # English as the pipeline detects it: a name substituted into a sentence can flip its
        # detected language (lingua), and one untranslated sentence turns on the direct
        # multilingual embedder for the whole run
        if cand in self.seen or sentence_language(cand, "en") != "en":
            return False
        self.seen.add(cand)
        self.total += 1
        return True

    def fresh(self, sent: str) -> str:
        """A distinct variant of a pool sentence: 1-2 substitutions (the pool text itself once)."""
        if self._accept(sent):
            return sent
        toks = sent.split()
        slots = self._slots(toks)
        for attempt in range(20):
            cand = toks[:]
            if slots:
                for i in self.rng.sample(slots, min(len(slots), 1 + (attempt > 2) + (attempt > 6))):
                    self._sub(cand, i)
            text = " ".join(cand)
            if not slots or attempt >= 4:
                text = self._decorate(text)
            if self._accept(text):
                return text
        raise RuntimeError(f"no distinct variant of {sent!r}")

    def reword(self, sent: str) -> str:
        """A story variant's sentence: same content words, one light edit (distinct text)."""
        for attempt in range(20):
            toks = sent.split()
            edits = [e for e, ok in (
                ("syn", any(_WORD.match(t) and _WORD.match(t).group(2).lower() in _SYNONYMS for t in toks)),
                ("clause", "," in sent and len(sent.rsplit(",", 1)[0].split()) >= 6),
                ("sub", bool(self._slots(toks)) and attempt > 0)) if ok]
            edit = self.rng.choice(edits) if edits else None
            if edit == "syn":
                i = self.rng.choice([i for i, t in enumerate(toks)
                                     if _WORD.match(t) and _WORD.match(t).group(2).lower() in _SYNONYMS])
                m = _WORD.match(toks[i])
                new = _SYNONYMS[m.group(2).lower()]
                toks[i] = m.group(1) + (new.capitalize() if m.group(2)[0].isupper() else new) + m.group(3)
                text = " ".join(toks)
            elif edit == "clause":
                head = sent.rsplit(",", 1)[0]
                text = head + (sent[-1] if sent[-1] in ".!?" else ".")
            elif edit == "sub":
                self._sub(toks, self.rng.choice(self._slots(toks)))
                text = " ".join(toks)
            else:
                text = self._decorate(sent)
            if attempt >= 3:
                text = self._decorate(text)
            if self._accept(text):
                return text
        raise RuntimeError(f"no distinct rewording of {sent!r}")


def _overlap(a: str, b: str) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / max(len(sa | sb), 1) + (1.0 if a in b else 0.0)


def generate(n: int, out: Path, seed: int = 0) -> tuple[list[list[str]], Path, dict]:
    """Write n articles (+ the cross-lingual stories) under out/in; returns (gold stories, refs,
    generator stats)."""
    rng = random.Random(seed)
    src = out / "in"
    src.mkdir(parents=True)
    ntrex = [json.loads(line) for line in (DATA / "ntrex128" / "ntrex_docs.jsonl").read_text(encoding="utf-8").splitlines()]
    xling = [d for d in ntrex if len(d["en"]) >= 12][:N_XLING]
    pool = _pool({d["docid"] for d in xling})
    distinct = Distinct(pool, random.Random(seed + 1))
    stream: list[str] = []

    def take(k: int) -> list[str]:
        nonlocal stream
        if len(stream) < k:
            fresh = pool[:]
            rng.shuffle(fresh)
            stream = stream + fresh
        got, stream = stream[:k], stream[k:]
        return [distinct.fresh(x) for x in got]

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
            keep = [distinct.reword(s) for s in base if rng.random() < rng.uniform(0.6, 0.85)] if v else base[:]
            for _ in range(2):  # light shuffle: swap neighbours
                i = rng.randrange(max(1, len(keep) - 1))
                keep[i : i + 2] = keep[i : i + 2][::-1]
            if v:
                keep += take(rng.randint(1, 3))
            doc_id = f"s{n_docs:05d}"
            write(doc_id, distinct.reword(keep[0]), day + rng.randrange(3), keep)  # headline: reworded lead
            story.append(doc_id)
            n_docs += 1
        gold.append(story)
    while n_docs < n:
        body = take(rng.randint(15, 25))
        doc_id = f"a{n_docs:05d}"
        write(doc_id, distinct.reword(body[0]), rng.randrange(365), body)
        gold.append([doc_id])
        n_docs += 1
    _orig.clear()
    for (lg, t), e in english_of.items():
        _orig.setdefault(lg, {})[e] = t
    # the English reference of each German/Chinese sentence as the segmenter cuts it
    sys.path.insert(0, str(REPO))
    from align import pipeline
    from align.output import tables

    pipeline.run_ingest(sorted(src.glob("x*")), out / "ingested")  # the NTREX documents only
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
    stats = {"pool": len(pool), "generated": distinct.total, "distinct": len(distinct.seen)}
    return gold, refs, stats


def one(n: int, workdir: Path, workers: int) -> dict:
    """Generate and run size n in this process; returns the measurements."""
    sys.path.insert(0, str(REPO))
    t_gen = time.perf_counter()
    gold, refs, gen = generate(n, workdir)
    print(f"[{time.strftime('%H:%M:%S')}] N={n} generated in {time.perf_counter() - t_gen:.0f}s: "
          f"{gen['distinct']} distinct of {gen['generated']} generated sentences (pool {gen['pool']})",
          file=sys.stderr, flush=True)
    from align import pipeline
    from align.output import tables

    t0 = time.perf_counter()

    def progress(label: str, total_steps: int):
        """Stage progress on stderr (every ~5%), so a long run shows how far it got."""
        done, shown = [0], [-1]
        print(f"[{time.strftime('%H:%M:%S')}] +{time.perf_counter() - t0:.0f}s {label}: 0/{total_steps}",
              file=sys.stderr, flush=True)

        def advance(k: int) -> None:
            done[0] += k
            step = int(20 * done[0] / max(total_steps, 1))
            if step > shown[0]:
                shown[0] = step
                print(f"[{time.strftime('%H:%M:%S')}] +{time.perf_counter() - t0:.0f}s {label}: "
                      f"{done[0]}/{total_steps}", file=sys.stderr, flush=True)
        return advance

    # report=False: the budget is the run with --no-report
    options = pipeline.RunOptions(out_dir=workdir / "out", translations=[refs], report=False, workers=workers)
    result = pipeline.run([workdir / "in"], options, progress=progress)
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
        "distinct_sentences": int(sents["text"].nunique()), "generated": gen["generated"],
        "generated_distinct": gen["distinct"],
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
    from align.match.quality import ntrex_story_versions

    docs = [json.loads(line) for line in (DATA / "ntrex128" / "ntrex_docs.jsonl").read_text(encoding="utf-8").splitlines()]
    sentences, doc_ids, gold, titles = ntrex_story_versions(docs)
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


_ROW = re.compile(r"N=\s*(\d+) .*?total=\s*([\d.]+)s stages=(\{.*?\}) match=(\{.*?\})")


def project(rows: list[dict], target: int = 100_000) -> None:
    """Print the fitted exponent of each stage (log-log least squares over the sizes) and the
    time it projects at `target` documents from the largest measured size.  A PROJECTION, not a
    measurement: it assumes each stage keeps its fitted power law (the k-NN switches from exact
    to IVF above config.EXACT_KNN_MAX units, which a fit over exact runs does not see)."""
    import numpy as np

    ns = np.array([r["n"] for r in rows], float)
    last = rows[int(np.argmax(ns))]
    parts = []
    total = 0.0
    for group in ("stages", "match_stages"):
        for name in last[group]:
            have = [r for r in rows if name in r[group]]
            if len(have) < 2:
                continue
            ts = np.array([max(r[group][name], 1e-3) for r in have], float)
            e = float(np.polyfit(np.log([r["n"] for r in have]), np.log(ts), 1)[0])
            t = last[group][name] * (target / last["n"]) ** e
            if group == "stages":
                total += t
            parts.append(f"{'match.' if group == 'match_stages' else ''}{name}: e={e:.2f} {t:.0f}s")
    print(f"projection (fitted per-stage exponents over N={','.join(str(int(x)) for x in ns)}, "
          f"NOT measured): N={target} total~{total:.0f}s ({total / 3600:.1f} h); " + "; ".join(parts))


def _rows_from_logs(paths: list[Path]) -> list[dict]:
    import ast

    rows = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            m = _ROW.search(line)
            if m:
                rows.append({"n": int(m.group(1)), "total_s": float(m.group(2)),
                             "stages": ast.literal_eval(m.group(3)), "match_stages": ast.literal_eval(m.group(4))})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="N = 250, 500 only")
    ap.add_argument("--sizes", type=int, nargs="*", default=None)
    ap.add_argument("--warm", action="store_true", help="share one embedding cache across sizes")
    ap.add_argument("--workers", type=int, default=0, help="--workers of the runs (default: one process)")
    ap.add_argument("--ntrex", action="store_true", help="story grouping on NTREX-128 (123 stories x 3 languages)")
    ap.add_argument("--project", type=Path, nargs="+", default=None, metavar="LOG",
                    help="fit per-stage exponents from the N= lines of earlier outputs and project N=100,000")
    ap.add_argument("--one", type=int, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--dir", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print("RESULT " + json.dumps(one(args.one, args.dir, args.workers)))
        return
    if args.ntrex:
        ntrex()
        return
    if args.project:
        project(_rows_from_logs(args.project))
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
            # stderr passes through: the stage progress of a long run
            proc = subprocess.run([sys.executable, __file__, "--one", str(n), "--dir", str(work),
                                   "--workers", str(args.workers)], check=False, env=env, stdout=subprocess.PIPE,
                                  text=True)
            line = next((x for x in proc.stdout.splitlines() if x.startswith("RESULT ")), None)
            if line is None:
                print(proc.stdout[-2000:], file=sys.stderr)
                raise SystemExit(f"size {n} failed")
            res = json.loads(line[7:])
            rows.append(res)
            print(f"N={res['n']:5d} sentences={res['sentences']:6d} distinct={res['distinct_sentences']:6d} "
                  f"(generated {res['generated_distinct']}/{res['generated']}) total={res['total_s']:7.1f}s "
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
    if len(rows) > 1:
        project(rows)


if __name__ == "__main__":
    main()
