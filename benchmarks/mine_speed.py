"""Mining speed: exact k-NN both directions + ratio margin with faiss-cpu, on 2 threads.

100k x 100k random unit vectors (384-d, float32) are mined with `align.match.mine` (one pass
over the similarity matrix in chunk x chunk BLAS tiles feeding faiss k-heaps for both directions,
then margins for every forward pair); peak
RSS is printed to show memory stays bounded (O(n * d + chunk * k)).  Then, side by side on a
20k x 20k slice with the same k, the same job (top-k both directions) done by our `mine` and by
`sentence_transformers.util.semantic_search` called once per direction (torch, default chunking).

Run:  python benchmarks/mine_speed.py [--n 100000] [--slice 20000] [--k 4] [--threads 2]
Last line: `mine speed: 100k x 100k in S s; vs_semantic_search=R (20k slice)`, R = semantic_search
time / our time on the slice (above 1: ours is faster).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def unit_vectors(n: int, d: int, seed: int):
    import numpy as np

    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d), dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    return x


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--slice", type=int, default=20_000)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--chunk", type=int, default=4096)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()

    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    import faiss
    import numpy as np
    import torch

    faiss.omp_set_num_threads(args.threads)
    torch.set_num_threads(args.threads)
    from align.match.candidates import mine

    src = unit_vectors(args.n, args.dim, 1)
    tgt = unit_vectors(args.n, args.dim, 2)
    rss_inputs = peak_rss_mb()
    t0 = time.perf_counter()
    mined = mine(src, tgt, k=args.k, chunk=args.chunk)
    rows = np.repeat(np.arange(args.n), args.k).reshape(mined.fwd_idx.shape)
    margins = mined.margin(mined.fwd_sims, rows, mined.fwd_idx)
    full_s = time.perf_counter() - t0
    rss_after = peak_rss_mb()
    print(f"full: {args.n} x {args.n} x {args.dim}, k={args.k}, chunk={args.chunk}, threads={args.threads}: "
          f"{full_s:.1f} s (both directions + margins; margin mean {float(margins.mean()):.3f})")
    print(f"peak RSS: {rss_after:.0f} MiB (inputs alone {rss_inputs:.0f} MiB)")

    # Side by side on a slice: the same job (top-k both directions) each way.
    from sentence_transformers import util

    m = args.slice
    qs, bs = src[:m], tgt[:m]
    t0 = time.perf_counter()
    ours = mine(qs, bs, k=args.k, chunk=args.chunk)
    ours_s = time.perf_counter() - t0
    qt, bt = torch.from_numpy(qs), torch.from_numpy(bs)
    t0 = time.perf_counter()
    hits_fwd = util.semantic_search(qt, bt, top_k=args.k)
    util.semantic_search(bt, qt, top_k=args.k)
    st_s = time.perf_counter() - t0
    step = max(1, m // 1000)
    agree = np.mean([hits_fwd[i][0]["corpus_id"] == int(ours.fwd_idx[i, 0]) for i in range(0, m, step)])
    ratio = st_s / ours_s
    print(f"slice {m} x {m}, both directions: ours {ours_s:.2f} s, semantic_search {st_s:.2f} s "
          f"(top-1 agreement {agree:.3f}; ratio = semantic_search time / ours)")
    print(f"mine speed: {args.n // 1000}k x {args.n // 1000}k in {full_s:.1f} s; "
          f"vs_semantic_search={ratio:.2f} ({m // 1000}k slice)")


if __name__ == "__main__":
    main()
