"""Parallel-mode quality on MAC-Dev (Bertalign's zh-en literary development set), CLI as a black box.

For each chapter NNN of the data folder (NNN.zh, NNN.en: one sentence a line; NNN.trans: MT of
each Chinese line; NNN.align: gold beads `[zh ids]:[en ids]`, 0-based) this writes zh.txt and
en.txt (one sentence a line), imports the MT with `--translations` (CSV source,target), runs
`align run --mode parallel`, and reads the `alignments` table back.  Sentences are mapped to
lines by their text; rows sharing a line merge into one bead and lines left out become 1-0 / 0-1
beads, as aligners write them.  Scoring follows the strict/lax bead metric of Bertalign's and
Vecalign's evaluation: strict = exact beads, lax = beads that overlap a gold bead on both
sides; beads with an empty side count in precision, not in recall.

The aligner's constants (align/config.py, PARALLEL_*) were tuned on MAC-Dev only, so these
are development-set figures; the published figures are for the held-out MAC-Test set.

Run:  python benchmarks/parallel_quality.py [--data DIR] [--quick] [--no-mt]
(--no-mt: no MT imported, so the direct multilingual vectors alone carry the similarity.)
Last line:  parallel: strict_f1=F lax_f1=L sents_per_s=S
"""

from __future__ import annotations

import argparse
import ast
import csv
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from align.output import tables
from align.segment import split_sentences

DEFAULT_DATA = Path("/work/shared/data/mac-dev")
# MAC-Test strict F1 from the Bertalign paper (the dev set's own figures are not published per system).
PUBLISHED = {"Bertalign": 0.915, "Vecalign": 0.886, "Bleualign": 0.680, "Hunalign": 0.627, "Gale-Church": 0.491}
PUBLISHED_DEV = {"Bertalign": 0.91, "Vecalign": 0.86}


def read_beads(path: Path) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    beads = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = [p.strip() for p in line.split(":") if p.strip()]
        if len(parts) >= 2:
            beads.append((tuple(ast.literal_eval(parts[0])), tuple(ast.literal_eval(parts[1]))))
    return beads


def _judge(ref, hyp) -> list[int]:
    """[strict hits, strict misses, lax hits, lax misses] of `hyp` beads against `ref` beads."""
    ref = {(tuple(s), tuple(t)) for s, t in ref if s or t}
    hyp = {(tuple(s), tuple(t)) for s, t in hyp if s or t}
    linked: dict[int, set[int]] = defaultdict(set)
    for s, t in ref:
        for x in s:
            linked[x].update(t)
    out = [0, 0, 0, 0]
    for s, t in hyp:
        if (s, t) in ref:
            out[0] += 1
            out[2] += 1
            continue
        out[1] += 1
        reach = set().union(*(linked[x] for x in s)) if s else set()
        out[2 if reach & set(t) else 3] += 1
    return out


def score(golds, tests) -> dict[str, float]:
    """Strict and lax precision / recall / F1 summed over documents."""
    p, r = [0, 0, 0, 0], [0, 0, 0, 0]
    for gold, test in zip(golds, tests):
        p = [a + b for a, b in zip(p, _judge(gold, test))]
        full = lambda beads: [(s, t) for s, t in beads if s and t]
        r = [a + b for a, b in zip(r, _judge(full(test), full(gold)))]
    ratio = lambda a, b: a / (a + b) if a + b else 0.0
    f1 = lambda a, b: 2 * a * b / (a + b) if a + b else 0.0
    ps, pl, rs, rl = ratio(p[0], p[1]), ratio(p[2], p[3]), ratio(r[0], r[1]), ratio(r[2], r[3])
    return {"p_strict": ps, "r_strict": rs, "f1_strict": f1(ps, rs), "p_lax": pl, "r_lax": rl, "f1_lax": f1(pl, rl)}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def sentence_lines(sent_texts: list[str], lines: list[str]) -> list[int]:
    """Line index of each sentence (in order), found by whitespace-free text."""
    joined, owner = [], []
    for n, line in enumerate(lines):
        sq = _squash(line)
        joined.append(sq)
        owner.extend([n] * len(sq))
    flat, pos, out = "".join(joined), 0, []
    for text in sent_texts:
        key = _squash(text)
        at = flat.find(key, pos) if key else -1
        if at < 0:
            at = min(pos, len(owner) - 1)
        else:
            pos = at + len(key)
        out.append(owner[at] if owner else 0)
    return out


def beads_from_rows(rows, n_src: int, n_tgt: int):
    """Merge alignment rows (line-id sets) sharing a line; add lines left out as skips."""
    parent = list(range(len(rows)))

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    seen_s, seen_t = {}, {}
    for k, (s, t) in enumerate(rows):
        for x in s:
            if x in seen_s:
                parent[find(k)] = find(seen_s[x])
            seen_s[x] = k
        for y in t:
            if y in seen_t:
                parent[find(k)] = find(seen_t[y])
            seen_t[y] = k
    groups: dict[int, tuple[set, set]] = {}
    for k, (s, t) in enumerate(rows):
        g = groups.setdefault(find(k), (set(), set()))
        g[0].update(s)
        g[1].update(t)
    beads = [(tuple(sorted(s)), tuple(sorted(t))) for s, t in groups.values()]
    beads += [((x,), ()) for x in range(n_src) if x not in seen_s]
    beads += [((), (y,)) for y in range(n_tgt) if y not in seen_t]
    return sorted(beads, key=lambda b: (b[0][:1] or (10**9,), b[1][:1] or (10**9,)))


def split_translation(pieces: list[str], translation: str) -> list[str]:
    """The line's MT cut into one part per source piece, as if each piece had been translated.

    The MT's own sentences when there are as many as pieces; otherwise its words shared out in
    proportion to the pieces' lengths (every piece gets at least one word while words last).
    Giving every piece the whole line's MT instead would repeat it in every window.
    """
    parts = [translation[a:b].strip() for a, b in split_sentences(translation)]
    parts = [p for p in parts if p]
    if len(parts) == len(pieces):
        return parts
    words = translation.split()
    total = sum(len(p) for p in pieces) or 1
    out, start, seen = [], 0, 0
    for k, piece in enumerate(pieces):
        seen += len(piece)
        end = len(words) if k == len(pieces) - 1 else max(round(len(words) * seen / total), start + 1)
        end = min(end, len(words))
        out.append(" ".join(words[start:end]) or translation)
        start = end
    return out


def run_chapter(data: Path, ch: str, work: Path, *, use_mt: bool = True) -> tuple[list, int, float]:
    zh = (data / f"{ch}.zh").read_text(encoding="utf-8").splitlines()
    en = (data / f"{ch}.en").read_text(encoding="utf-8").splitlines()
    mt = (data / f"{ch}.trans").read_text(encoding="utf-8").splitlines()
    inp, out = work / ch / "in", work / ch / "out"
    inp.mkdir(parents=True)
    (inp / "zh.txt").write_text("\n".join(zh) + "\n", encoding="utf-8")
    (inp / "en.txt").write_text("\n".join(en) + "\n", encoding="utf-8")
    with open(work / ch / "mt.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source", "target"])
        writer.writerows(zip(zh, mt))
        # The segmenter may cut a line in pieces (no MT model is needed then, and the pieces'
        # beads merge back into the line's bead below); each piece gets its share of the line's MT.
        for line, line_mt in zip(zh, mt):
            pieces = [p for p in (line[a:b].strip() for a, b in split_sentences(line)) if p]
            if len(pieces) > 1:
                writer.writerows(zip(pieces, split_translation(pieces, line_mt)))
    env = dict(os.environ, HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    t0 = time.perf_counter()
    mt_args = ["--translations", str(work / ch / "mt.csv")] if use_mt else []
    subprocess.run(
        [sys.executable, "-m", "align", "run", str(inp), "--out", str(out), "--quiet", "--mode", "parallel",
         "--no-report", *mt_args],
        check=True, env=env,
    )
    seconds = time.perf_counter() - t0
    sents = tables.read_table(out, "sentences").sort_values(["doc_id", "sent_id"])
    line_of = {}
    for doc, lines in (("zh", zh), ("en", en)):
        part = sents[sents["doc_id"] == doc]
        line_of[doc] = dict(zip(part["sent_id"], sentence_lines(list(part["text"]), lines)))
    rows = []
    for r in tables.read_table(out, "alignments").itertuples():
        s = {line_of[r.src_doc][int(x)] for x in r.src_sent_ids}
        t = {line_of[r.tgt_doc][int(x)] for x in r.tgt_sent_ids}
        rows.append((s, t) if r.src_doc == "zh" else (t, s))
    return beads_from_rows(rows, len(zh), len(en)), len(zh) + len(en), seconds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--quick", action="store_true", help="first 2 chapters only")
    ap.add_argument("--no-mt", action="store_true",
                    help="do not import the MT: the direct multilingual vectors alone (no Argos model here)")
    args = ap.parse_args(argv)
    chapters = sorted(p.stem for p in args.data.glob("*.align"))
    if args.quick:
        chapters = chapters[:2]
    golds, tests, n_sents, seconds = [], [], 0, 0.0
    fmt = "{:>8}  strict P/R/F1 {p_strict:.3f} {r_strict:.3f} {f1_strict:.3f}   lax P/R/F1 {p_lax:.3f} {r_lax:.3f} {f1_lax:.3f}"
    with tempfile.TemporaryDirectory() as tmp:
        for ch in chapters:
            beads, n, sec = run_chapter(args.data, ch, Path(tmp), use_mt=not args.no_mt)
            golds.append(read_beads(args.data / f"{ch}.align"))
            tests.append(beads)
            n_sents += n
            seconds += sec
            print(fmt.format(ch, **score([golds[-1]], [beads])) + f"   {n / sec:.1f} sents/s", flush=True)
    total = score(golds, tests)
    print(fmt.format("overall", **total))
    print("published strict F1 (MAC-Test): " + ", ".join(f"{k} {v:.3f}" for k, v in PUBLISHED.items()))
    print("published strict F1 (MAC-Dev, issue 11): " + ", ".join(f"{k} {v:.2f}" for k, v in PUBLISHED_DEV.items()))
    print(f"sentences/s (whole CLI run incl. model load, {n_sents} sentences): {n_sents / seconds:.1f}")
    if args.no_mt:
        print("signal: direct multilingual vectors only (--no-mt)")
    print(f"parallel: strict_f1={total['f1_strict']:.4f} lax_f1={total['f1_lax']:.4f} sents_per_s={n_sents / seconds:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
